"""The translation catalogues' chores, for developers and translators.

    python scripts/translations.py extract            # every marked string into each catalogue (new ones empty)
    python scripts/translations.py missing cy         # what Welsh still lacks (untranslated or fuzzy)
    python scripts/translations.py merge FILE.po ...  # a translator's returned file into the catalogue
    python scripts/translations.py pack NAME DIR PATH...  # a translator's files for part of the service
    python scripts/translations.py sync FILE.po ...   # extract, then merge

`extract` reads what awards/translations/babel.cfg names with the keywords below, writes the template to a
temporary file (it is made from the code, so it is not kept in git), and updates awards/translations/*/
LC_MESSAGES/messages.po: new strings arrive empty (never guessed: no fuzzy matching), strings no longer in the
code are dropped. `merge` fills a catalogue's empty or fuzzy entries from another .po file of the same language
(its `Language` header says which), and never overwrites a translation already there unless `--replace`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "awards" / "translations"
MAPPING = TRANSLATIONS / "babel.cfg"
KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2")
LANGUAGES = ("cy", "sv")


def _pybabel(*args: str) -> None:
    command = [sys.executable, "-m", "babel.messages.frontend", "--quiet", *args]
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 (our own interpreter and arguments)


def _extract(output: Path) -> None:
    keywords = [part for keyword in KEYWORDS for part in ("-k", keyword)]
    _pybabel(
        "extract", "-F", str(MAPPING), *keywords, "--add-location=file", "--sort-by-file", "-w", "120",
        "--project", "awards", "--copyright-holder", "the awards contributors", "-o", str(output), ".",
    )  # fmt: skip


def catalogue_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def extract() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        template = Path(scratch) / "messages.pot"
        _extract(template)
        for language in LANGUAGES:
            if catalogue_path(language).exists():
                _pybabel(
                    "update", "-i", str(template), "-d", str(TRANSLATIONS), "-l", language,
                    "--no-fuzzy-matching", "--ignore-obsolete", "-w", "120",
                )  # fmt: skip
            else:
                _pybabel("init", "-i", str(template), "-d", str(TRANSLATIONS), "-l", language, "-w", "120")


def _read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _write(path: Path, catalogue: Catalog) -> None:
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=120, include_previous=False)


def _is_translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(strings) and not message.fuzzy


def missing(language: str) -> list[str]:
    catalogue = _read(catalogue_path(language), language)
    return [
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalogue
        if message.id and not _is_translated(message)
    ]


def merge(paths: list[Path], replace: bool = False) -> dict[str, int]:
    filled: dict[str, int] = {}
    for path in paths:
        source = _read(path)
        language = str(source.locale.language) if source.locale else path.stem.rsplit(".", 1)[-1]
        if language not in LANGUAGES:
            raise SystemExit(f"{path}: its Language header names no catalogue ({language!r})")
        target_path = catalogue_path(language)
        target = _read(target_path, language)
        count = 0
        for message in source:
            if not message.id or not _is_translated(message):
                continue
            existing = target.get(message.id, message.context)
            if existing is None or (_is_translated(existing) and not replace):
                continue
            existing.string = message.string
            existing.flags.discard("fuzzy")
            count += 1
        _write(target_path, target)
        filled[f"{path} → {language}"] = count
    return filled


def pack(name: str, out: Path, paths: list[str]) -> dict[str, int]:
    """One .po file per language (DIR/NAME.cy.po, DIR/NAME.sv.po) with the strings marked in PATHs (files or
    folders): what the catalogue already translates filled in, what an earlier pack of the same name held kept,
    the rest empty for the translator. Run it again after marking more: nothing typed into the pack is lost."""
    prefixes = tuple(str(Path(path)).rstrip("/") for path in paths)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        template_path = Path(scratch) / "messages.pot"
        _extract(template_path)
        template = _read(template_path)
    wanted = [
        message
        for message in template
        if message.id and any(location.startswith(prefixes) for location, _line in message.locations)
    ]
    sizes = {}
    for language in LANGUAGES:
        path = out / f"{name}.{language}.po"
        earlier = _read(path, language) if path.exists() else Catalog(locale=language)
        catalogue = _read(catalogue_path(language), language) if catalogue_path(language).exists() else Catalog()
        result = Catalog(locale=language, project="awards", fuzzy=False)
        for message in wanted:
            before = earlier.get(message.id, message.context)
            known = catalogue.get(message.id, message.context)
            string = message.string
            if before is not None and _is_translated(before):
                string = before.string
            elif known is not None and _is_translated(known):
                string = known.string
            result.add(message.id, string, locations=message.locations, context=message.context,
                       auto_comments=message.auto_comments)  # fmt: skip
        _write(path, result)
        sizes[str(path)] = sum(1 for message in result if message.id and not _is_translated(message))
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("extract", help="update every catalogue from the code and templates")
    to_check = commands.add_parser("missing", help="list the strings a language still lacks")
    to_check.add_argument("language", choices=LANGUAGES)
    to_merge = commands.add_parser("merge", help="fill a catalogue from a translator's .po file")
    to_merge.add_argument("files", nargs="+", type=Path)
    to_merge.add_argument("--replace", action="store_true", help="also overwrite translations already there")
    to_sync = commands.add_parser("sync", help="extract, then merge translators' .po files")
    to_sync.add_argument("files", nargs="+", type=Path)
    to_pack = commands.add_parser("pack", help="write a translator's .po files for part of the service")
    to_pack.add_argument("name")
    to_pack.add_argument("out", type=Path)
    to_pack.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract()
    elif args.command == "pack":
        for path, untranslated in pack(args.name, args.out, args.paths).items():
            print(f"{path}: {untranslated} to translate")
    elif args.command == "missing":
        lacking = missing(args.language)
        for message_id in lacking:
            print(message_id)
        print(f"{len(lacking)} missing in {args.language}", file=sys.stderr)
        return 1 if lacking else 0
    else:
        if args.command == "sync":
            extract()
        for what, count in merge(args.files, replace=getattr(args, "replace", False)).items():
            print(f"{what}: {count} filled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
