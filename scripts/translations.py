"""The translation catalogues' chores, for developers and translators.

    python scripts/translations.py extract            # every marked string into each catalogue (new ones empty)
    python scripts/translations.py missing cy         # what Welsh still lacks (untranslated or fuzzy)
    python scripts/translations.py merge FILE.po ...  # a translator's returned file into the catalogue
    python scripts/translations.py pack NAME DIR PATH...  # a translator's files for part of the service
    python scripts/translations.py sync FILE.po ...   # extract, then merge
    python scripts/translations.py unmarked [PATH...] # text people read that is not marked for translation

`extract` reads what awards/translations/babel.cfg names with the keywords below, writes the template to a
temporary file (it is made from the code, so it is not kept in git), and updates awards/translations/*/
LC_MESSAGES/messages.po: new strings arrive empty (never guessed: no fuzzy matching), strings no longer in the
code are dropped. `merge` fills a catalogue's empty or fuzzy entries from another .po file of the same language
(its `Language` header says which), and never overwrites a translation already there unless `--replace`.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "awards" / "translations"
MAPPING = TRANSLATIONS / "babel.cfg"
KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2")
LANGUAGES = ("cy", "sv")


def _pybabel(*args: str) -> list[str]:
    """Run pybabel; returns the warnings it printed (and prints them)."""
    command = [sys.executable, "-m", "babel.messages.frontend", "--quiet", *args]
    done = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)  # noqa: S603 (ours)
    warnings = [line for line in done.stderr.splitlines() if "warning" in line.lower()]
    for line in warnings:
        print(line, file=sys.stderr)
    return warnings


def _extract(output: Path) -> list[str]:
    """Every marked string into `output`; returns the extractor's warnings (a message it could not read)."""
    keywords = [part for keyword in KEYWORDS for part in ("-k", keyword)]
    return _pybabel(
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


# --- What is not marked -------------------------------------------------------------------------------
#
# A template's text outside `{{ ... }}` and `{% ... %}` (and outside `{% trans %}`) is what a reader sees as
# written: any word there is unmarked. So are words in the attributes a reader or a screen reader meets, and
# string literals given to the GOV.UK macros' visible parameters. In Python, literals given to the calls that
# put words before people (flash, form fields and validators, domain refusals, page titles) must be wrapped.

WORD = re.compile(r"[^\W\d_]{2,}")
HOLE = "\x00"
VISIBLE_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "content", "aria-description"}
VISIBLE_KEYS = {
    "text", "html", "titleText", "titleHtml", "visuallyHiddenText", "caption", "summaryText", "summaryHtml",
    "descriptionText", "headingText", "menuButtonText", "menuButtonLabel", "navigationLabel", "label",
    "textForScreenReader", "charactersUnderLimitText", "charactersAtLimitText", "charactersOverLimitText",
    "wordsUnderLimitText", "wordsAtLimitText", "wordsOverLimitText", "showPasswordText", "hidePasswordText",
}  # fmt: skip
MARKERS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext", "npgettext"}
VALIDATORS = {
    "InputRequired", "DataRequired", "Length", "Email", "Regexp", "NumberRange", "EqualTo", "AnyOf", "NoneOf",
    "URL", "Optional", "ValidationError", "StopValidation",
}  # fmt: skip
REFUSALS = {"DomainError", "NotAllowed", "NotFound", "Conflict"}
MESSAGE_FIRST = {"InputRequired", "DataRequired", "Optional", "Email", "URL", "ValidationError", "StopValidation"}
# Read only by operators at a terminal (`flask` commands, seeding): English, as the commands' own output is.
OPERATORS_ONLY = (
    "awards/cli",
    "awards/devdata/",
    "awards/domain/records/backup.py",
    "awards/domain/records/storage_moves.py",
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name == "content" and dict(attrs).get("name") not in ("description", "keywords"):
                continue  # a meta tag's content is for machines unless it describes the page
            if name in VISIBLE_ATTRIBUTES and value and WORD.search(value.replace(HOLE, " ")):
                self.found.append((self.getpos()[0], f'{name}="{value.replace(HOLE, "…")}"'))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if self._skip:
            return
        first_line = self.getpos()[0]
        for offset, part in enumerate(data.split("\n")):
            if WORD.search(part.replace(HOLE, " ")):
                self.found.append((first_line + offset, " ".join(part.replace(HOLE, "…").split())))


def unmarked_in_template(source: str) -> list[tuple[int, str]]:
    from jinja2 import Environment

    tokens = list(Environment(extensions=["jinja2.ext.i18n"], autoescape=True).lex(source))
    skeleton: list[str] = []
    found: list[tuple[int, str]] = []
    in_trans = False
    meaningful: list[tuple[str, str]] = []  # the expression's tokens so far, without whitespace
    for index, (line, kind, value) in enumerate(tokens):
        if kind in ("variable_begin", "block_begin"):
            meaningful = []
            # Spaced: inside a tag (`<div{{ lang }}>`) it reads as an attribute; as a tag's name (`<{{ h }} …>`),
            # a stand-in name.
            after_bracket = bool(skeleton) and skeleton[-1].endswith(("<", "</"))
            skeleton.append(f"h {HOLE} " if after_bracket else f" {HOLE} ")
            continue
        if kind in ("variable_end", "block_end"):
            if meaningful and meaningful[0] == ("name", "trans"):
                in_trans = True
            elif meaningful and meaningful[0] == ("name", "endtrans"):
                in_trans = False
            continue
        if kind == "data":
            if not in_trans:
                skeleton.append(value)
            else:
                skeleton.append(HOLE + "\n" * value.count("\n"))
            continue
        if kind == "whitespace":
            skeleton.append("\n" * value.count("\n"))
            continue
        if kind == "string":
            text = ast.literal_eval(value)
            previous = meaningful[-2:] if len(meaningful) >= 2 else []
            marked = (
                bool(meaningful)
                and meaningful[-1] == ("operator", "(")
                and len(meaningful) >= 2
                and (meaningful[-2][0] == "name" and meaningful[-2][1] in MARKERS)
            )
            keyed = (
                len(previous) == 2
                and previous[1] == ("operator", ":")
                and previous[0][0] == "string"
                and ast.literal_eval(previous[0][1]) in VISIBLE_KEYS
            )
            joined = (meaningful and meaningful[-1] == ("operator", "~")) or (
                index + 1 < len(tokens) and _next_meaningful(tokens, index) == ("operator", "~")
            )
            assigned = (
                len(meaningful) >= 3
                and meaningful[0] == ("name", "set")
                and meaningful[-1] == ("operator", "=")
                and " " in text
            )
            if (
                not marked
                and WORD.search(text)
                and not CODE.match(text)
                and (keyed or (joined and " " in text.strip()) or assigned)
            ):
                found.append((line, text))
        meaningful.append((kind, value))
    parser = _Text()
    parser.feed("".join(skeleton))
    parser.close()
    return sorted(found + parser.found)


def _next_meaningful(tokens, index):
    for _line, kind, value in tokens[index + 1 :]:
        if kind != "whitespace":
            return (kind, value)
    return None


def _called_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


CODE = re.compile(r"^[a-z_][a-z0-9_.-]*$")  # a field's name, a code: not words for people


def _words(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORD.search(node.value)) and not CODE.match(node.value)
    return isinstance(node, ast.JoinedStr) and any(
        isinstance(part, ast.Constant) and WORD.search(str(part.value)) for part in node.values
    )


def _refusal_classes(trees: list[ast.Module]) -> set[str]:
    names = set(REFUSALS)
    changed = True
    while changed:
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                    if bases & names:
                        names.add(node.name)
                        changed = True
    return names


def _form_helpers() -> set[str]:
    tree = ast.parse((ROOT / "awards" / "web" / "forms.py").read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}


# What these functions and properties return is words for people ("Works for", "Untitled nomination"), and so is a
# module's table of them (a dict of words by code).
LABEL_FUNCTIONS = re.compile(r"^(label|describe|display_\w+|\w+_label)$")


def _returned(node: ast.AST | None) -> list[ast.AST]:
    """The strings an expression may give back: itself, a dict's values (looked up by a code), either side of an `or`
    or of a conditional expression; a call (a marked string) gives none."""
    if isinstance(node, ast.Dict):
        return [value for value in node.values if value is not None for value in _returned(value)]
    if isinstance(node, ast.Subscript):
        return _returned(node.value)
    if isinstance(node, ast.BoolOp):
        return [value for operand in node.values for value in _returned(operand)]
    if isinstance(node, ast.IfExp):
        return _returned(node.body) + _returned(node.orelse)
    return [node] if node is not None else []


def _labels(tree: ast.Module) -> list[ast.AST]:
    candidates: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and LABEL_FUNCTIONS.match(node.name):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return):
                    candidates += _returned(inner.value)
    for statement in tree.body:  # a module's table of words by code
        value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign) else None
        targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
        if any(isinstance(t, ast.Name) and t.id in OWN_NAMES for t in targets):
            continue
        if isinstance(value, ast.Dict) and value.values and all(_for_people(v) for v in value.values):
            candidates += value.values
    return candidates


# Tables never translated: each language's name in itself, and the switcher's words in the language each offers.
OWN_NAMES = {"LANGUAGE_NAMES", "CHANGE_TO"}


def _for_people(node: ast.AST) -> bool:
    """Words a person reads, not a format's name ("PNG"), a path, a MIME type, an address or a naming pattern."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
        return _words(node) and not text.isupper() and "/" not in text and not ("_" in text and " " not in text)
    return _words(node)


def unmarked_in_python(tree: ast.Module, refusals: set[str], helpers: set[str]) -> list[tuple[int, str]]:
    found = [
        (candidate.lineno, str(candidate.value if isinstance(candidate, ast.Constant) else ast.unparse(candidate)))
        for candidate in _labels(tree)
        if _words(candidate)
    ]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node)
        first = node.args[0] if node.args else None
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        candidates: list[ast.AST | None] = []
        if name in ("flash",) or name in refusals or name in MESSAGE_FIRST:
            candidates += [first, keywords.get("message")]
        elif name in VALIDATORS:  # a pattern, a length, a field's name first: only the message is words
            candidates += [keywords.get("message"), node.args[2] if len(node.args) > 2 else None]
        elif name.endswith("Field") or name in helpers:
            candidates += [*node.args, keywords.get("label"), keywords.get("description"), keywords.get("message")]
            choices = keywords.get("choices")
            if isinstance(choices, ast.List | ast.Tuple):
                for choice in choices.elts:
                    if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                        candidates.append(choice.elts[1])
        elif name == "render_template":
            candidates += [keywords.get(key) for key in ("title", "heading", "caption")]
        elif name == "abort":
            candidates.append(keywords.get("description"))
        for candidate in candidates:
            if _words(candidate):
                text = candidate.value if isinstance(candidate, ast.Constant) else ast.unparse(candidate)
                found.append((candidate.lineno, str(text)))
    return found


def unmarked(paths: list[str]) -> dict[str, list[tuple[int, str]]]:
    """{file: [(line, text), ...]} for the files under `paths` (default: templates/ and awards/)."""
    roots = [ROOT / path for path in (paths or ["templates", "awards"])]
    files = sorted({f for root in roots for f in ([root] if root.is_file() else root.rglob("*")) if f.is_file()})
    python_files = [f for f in files if f.suffix == ".py"]
    every_python = [ast.parse(f.read_text()) for f in sorted((ROOT / "awards").rglob("*.py"))]
    refusals = _refusal_classes(every_python)
    helpers = _form_helpers()
    report: dict[str, list[tuple[int, str]]] = {}
    for path in files:
        relative = str(path.relative_to(ROOT))
        if relative.startswith(OPERATORS_ONLY):
            continue
        if path.suffix in (".html", ".txt") and "templates" in path.parts:
            found = unmarked_in_template(path.read_text())
        elif path in python_files:
            found = unmarked_in_python(ast.parse(path.read_text()), refusals, helpers)
        else:
            continue
        if found:
            report[relative] = found
    return report


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
    to_find = commands.add_parser("unmarked", help="list text people read that is not marked for translation")
    to_find.add_argument("paths", nargs="*")
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract()
    elif args.command == "pack":
        for path, untranslated in pack(args.name, args.out, args.paths).items():
            print(f"{path}: {untranslated} to translate")
    elif args.command == "unmarked":
        report = unmarked(args.paths)
        for path, found in report.items():
            for line, text in found:
                print(f"{path}:{line}: {text[:100]}")
        total = sum(len(found) for found in report.values())
        print(f"{total} unmarked in {len(report)} files", file=sys.stderr)
        return 1 if total else 0
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
