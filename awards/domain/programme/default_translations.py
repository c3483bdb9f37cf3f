"""The default content in the service's other languages: a cycle started with the defaults reads in Welsh or
Swedish without an organiser typing a translation.

The words are in awards/data/default_translations.json (its "about" describes the format), keyed by what
identifies a default thing for good: a trend's code, a default category's or criterion's English name, a rubric
band's English label, a default form's section or question key. They become ordinary `content_translations`
rows (awards/domain/programme/translations.py), which organisers then edit like their own, and only:

- for a thing whose key is a default's and only for a text whose English is still the default's (an organiser
  who renamed a category wrote something the default's Welsh does not say);
- where no translation of that text is stored (an organiser's own is never replaced);
- for the languages the service offers, other than its default language.

A copied cycle carries its source's translations instead (`copy_translations`): what the organiser made of the
defaults last year, not the defaults again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

import sqlalchemy as sa

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.programme import entry_forms
from awards.domain.programme.taxonomy import default_taxonomy
from awards.domain.programme.translations import (
    FIELDS,
    fields_of,
    kind_of,
    original,
    other_languages,
)
from awards.extensions import db
from awards.models import Category, ContentTranslation, Criterion, Cycle, Trend, User

# The groups of the data file and, for each kind of thing, the group holding its defaults.
GROUPS = ("trends", "categories", "criteria", "rubric", "form_sections", "form_questions")
GROUP_OF_KIND = {
    "trend": "trends",
    "category": "categories",
    "criterion": "criteria",
    "section": "form_sections",
    "question": "form_questions",
}


@lru_cache(maxsize=1)
def default_translations() -> dict[str, Any]:
    """The data file, as it is stored."""
    text = resources.files("awards.data").joinpath("default_translations.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def default_texts() -> dict[str, dict[str, dict[str, str]]]:
    """Every default text in English, by group, key and field, as the data file keys them (empty texts left out):
    {"trends": {"D1": {"name": …, "description": …}}, "rubric": {"Limited": {"label": …, "text": …}}, …}."""
    data = default_taxonomy()
    texts: dict[str, dict[str, dict[str, str]]] = {group: {} for group in GROUPS}
    for trend in data["trends"]:
        texts["trends"][trend["code"]] = {"name": trend["name"], "description": trend.get("description", "")}
    for category in data["categories"]:
        texts["categories"][category["name"]] = {
            "name": category["name"],
            "description": category.get("description", ""),
        }
    for criterion in data["criteria"]:
        texts["criteria"][criterion["name"]] = {"name": criterion["name"], "description": criterion.get("hint", "")}
    for band in data["rubric"]:
        texts["rubric"][band["label"]] = {"label": band["label"], "text": band.get("text", "")}
    for section in entry_forms.default_definition()["sections"]:
        texts["form_sections"][section["key"]] = {field: section.get(field, "") for field in ("title", "hint", "intro")}
        for question in section["questions"]:
            texts["form_questions"][question["key"]] = {field: question.get(field, "") for field in ("label", "hint")}
    return {
        group: {key: {field: text for field, text in fields.items() if text} for key, fields in items.items()}
        for group, items in texts.items()
    }


def _key_of(thing) -> str:
    """What identifies a thing among the defaults: a trend's code, a category's or criterion's name, a section's
    or question's key."""
    if isinstance(thing, Trend):
        return thing.code
    if isinstance(thing, Category | Criterion):
        return thing.name
    return thing.key


def _rubric_texts(criterion: Criterion, languages: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """The default words of each of the criterion's bands whose English is still a default band's."""
    english, words = default_texts()["rubric"], default_translations()["rubric"]
    wanted = {}
    for index, band in enumerate(criterion.rubric or []):
        label = str(band.get("label") or "")
        if label not in english:
            continue
        for part in ("label", "text"):
            if english[label].get(part) and str(band.get(part) or "") == english[label][part]:
                for language in languages:
                    text = words.get(label, {}).get(part, {}).get(language)
                    if text:
                        wanted[(f"rubric.{index}.{part}", language)] = text
    return wanted


def texts_for(thing, languages: Iterable[str]) -> dict[tuple[str, str], str]:
    """{(field, language): text} of the default translations that fit `thing` as its English now reads."""
    languages = tuple(languages)
    kind = kind_of(thing)
    group = GROUP_OF_KIND.get(kind)
    if group is None:
        return {}
    key = _key_of(thing)
    english = default_texts()[group].get(key, {})
    words = default_translations()[group].get(key, {})
    wanted = {}
    for field, default in english.items():
        if original(thing, field) != default:
            continue
        for language in languages:
            text = words.get(field, {}).get(language)
            if text:
                wanted[(field, language)] = text
    if isinstance(thing, Criterion):
        wanted.update(_rubric_texts(thing, languages))
    return wanted


def _stored(things: list) -> set[tuple[str, int, str, str]]:
    """(kind, object id, field, language) of the translations stored for `things`, in one query."""
    if not things:
        return set()
    row = ContentTranslation
    kinds = {kind_of(thing) for thing in things}
    ids = {thing.id for thing in things}
    rows = db.session.execute(
        sa.select(row.kind, row.object_id, row.field, row.language).where(row.kind.in_(kinds), row.object_id.in_(ids))
    )
    return {(kind, object_id, field, language) for kind, object_id, field, language in rows}


def _row(thing, field: str, language: str, text: str, by: User | None) -> ContentTranslation:
    return ContentTranslation(
        cycle_id=thing.id if isinstance(thing, Cycle) else getattr(thing, "cycle_id", None),
        kind=kind_of(thing),
        object_id=thing.id,
        field=field,
        language=language,
        text=text,
        revision=1,
        updated_at=utcnow(),
        updated_by_id=by.id if by is not None else None,
    )


def add_to(things: Iterable, *, by: User | None = None) -> int:
    """Store the default translations that fit `things` (flushed, so each has its id) where none is stored;
    return how many were added."""
    things = [thing for thing in things if type(thing) in FIELDS]
    languages = other_languages()
    if not things or not languages:
        return 0
    db.session.flush()
    stored = _stored(things)
    added = 0
    for thing in things:
        kind = kind_of(thing)
        for (field, language), text in texts_for(thing, languages).items():
            if (kind, thing.id, field, language) not in stored:
                db.session.add(_row(thing, field, language, text, by))
                stored.add((kind, thing.id, field, language))
                added += 1
    if added:
        db.session.flush()
    return added


def add_to_trends(*, by: User | None = None) -> int:
    """The default translations of every trend that still reads as a default one, where missing."""
    return add_to(db.session.scalars(sa.select(Trend).order_by(Trend.position, Trend.id)), by=by)


def cycle_things(cycle: Cycle) -> list:
    """A cycle's things that default translations may fit: its categories, the entry form's sections and
    questions, the criteria of every round."""
    things: list = [*cycle.categories, *form_things(cycle)]
    things += db.session.scalars(
        sa.select(Criterion).where(Criterion.cycle_id == cycle.id).order_by(Criterion.round_id, Criterion.position)
    ).all()
    return things


def form_things(cycle: Cycle) -> list:
    """The cycle's entry form: each section, then its questions."""
    things: list = []
    for section in entry_forms.sections_of(cycle):
        things += [section, *section.questions]
    return things


def add_to_cycle(cycle: Cycle, *, by: User | None = None) -> int:
    """The default translations of everything of the cycle that still reads as a default, where missing."""
    return add_to(cycle_things(cycle), by=by)


def copy_translations(pairs: Iterable[tuple[Any, Any]], *, by: User | None = None) -> int:
    """Give each copy (the second of a pair) the translations of what it was copied from, for every text the copy
    has with the same words in the default language (a cycle copied under a new name keeps its description's
    translations, not its name's). Translations the copy already has stay. Returns how many were copied."""
    pairs = [(old, new) for old, new in pairs if type(old) in FIELDS and type(new) is type(old)]
    if not pairs:
        return 0
    db.session.flush()
    row = ContentTranslation
    sources: dict[tuple[str, int], list[ContentTranslation]] = {}
    kinds = {kind_of(old) for old, _new in pairs}
    for stored in db.session.scalars(
        sa.select(row).where(row.kind.in_(kinds), row.object_id.in_({old.id for old, _new in pairs}))
    ):
        sources.setdefault((stored.kind, stored.object_id), []).append(stored)
    have = _stored([new for _old, new in pairs])
    copied = 0
    for old, new in pairs:
        kind = kind_of(old)
        fields = set(fields_of(new))
        for source in sources.get((kind, old.id), []):
            if source.field not in fields or original(old, source.field) != original(new, source.field):
                continue
            if (kind, new.id, source.field, source.language) in have:
                continue
            db.session.add(_row(new, source.field, source.language, source.text, by))
            have.add((kind, new.id, source.field, source.language))
            copied += 1
    if copied:
        db.session.flush()
    return copied


def forget_cycle_form(cycle: Cycle) -> None:
    """Remove the translations of a cycle's entry form (before it takes another cycle's form and its words)."""
    db.session.execute(
        sa.delete(ContentTranslation).where(
            ContentTranslation.cycle_id == cycle.id, ContentTranslation.kind.in_(("section", "question"))
        )
    )


def missing_texts() -> list[str]:
    """Every default text without a translation into Welsh and Swedish in the data file, as "group/key/field/language"
    (empty: none is missing)."""
    words = default_translations()
    gaps = []
    for group, items in default_texts().items():
        for key, fields in items.items():
            for field in fields:
                for language in ("cy", "sv"):
                    if not str(words.get(group, {}).get(key, {}).get(field, {}).get(language) or "").strip():
                        gaps.append(f"{group}/{key}/{field}/{language}")
    return gaps


def add_everywhere(*, by: User | None = None) -> dict[str, int]:
    """The default translations of every trend and every cycle that still read as the defaults, where missing (a
    deployment made before the defaults shipped in Welsh and Swedish). Returns how many texts it added to the
    trends and to the cycles, and to how many cycles; one audit event when it added any."""
    trends = add_to_trends(by=by)
    cycles = texts = 0
    for cycle in db.session.scalars(sa.select(Cycle).order_by(Cycle.id)):
        added = add_to_cycle(cycle, by=by)
        texts += added
        cycles += 1 if added else 0
    counts = {"trend_texts": trends, "cycle_texts": texts, "cycles": cycles}
    if trends or texts:
        audit.record(
            "content.default_translations_added",
            actor=by,
            object_type="content_translations",
            trend_texts=trends,
            cycle_texts=texts,
            cycles=cycles,
        )
    return counts


# When an organiser changes a default text -------------------------------------------------------------------


def _old_and_new(thing, attribute: str) -> tuple[Any, Any] | None:
    """The attribute's value before and after the changes being flushed (None: unchanged)."""
    history = sa.inspect(thing).attrs[attribute].history
    if not history.deleted:
        return None
    old, new = history.deleted[0], getattr(thing, attribute)
    return None if old == new else (old, new)


def _stale_fields(thing) -> dict[str, dict[str, str]]:
    """{field: {language: the default's translation}} of the texts of `thing` whose English was a default's
    before this change and is not now: the default's words in another language no longer say what it says."""
    kind = kind_of(thing)
    group = GROUP_OF_KIND.get(kind)
    if group is None:
        return {}
    changes = {field: _old_and_new(thing, field) for field in FIELDS[type(thing)][1]}
    key = _key_of(thing)
    renamed = changes.get("name")
    if isinstance(thing, Category | Criterion) and renamed is not None:
        key = renamed[0]
    english = default_texts()[group].get(key, {})
    words = default_translations()[group].get(key, {})
    stale = {
        field: words.get(field, {})
        for field, change in changes.items()
        if change is not None and english.get(field) and change[0] == english[field]
    }
    if isinstance(thing, Criterion):
        stale.update(_stale_bands(_old_and_new(thing, "rubric")))
    return stale


def _stale_bands(change: tuple[Any, Any] | None) -> dict[str, dict[str, str]]:
    if change is None:
        return {}
    old_bands, new_bands = change[0] or [], change[1] or []
    english, words = default_texts()["rubric"], default_translations()["rubric"]
    stale = {}
    for index, band in enumerate(old_bands):
        label = str(band.get("label") or "")
        new_band = new_bands[index] if index < len(new_bands) else {}
        for part in ("label", "text"):
            default = english.get(label, {}).get(part)
            if default and band.get(part) == default and new_band.get(part) != default:
                stale[f"rubric.{index}.{part}"] = words.get(label, {}).get(part, {})
    return stale


def forget_stale_default_translations(session, _flush_context) -> None:
    """A default text an organiser rewrites loses the default's translations of it (a translation someone
    typed, which differs from the default's, stays: it is theirs to change)."""
    for thing in list(session.dirty):
        if type(thing) not in FIELDS or getattr(thing, "id", None) is None:
            continue
        for field, by_language in _stale_fields(thing).items():
            for language, text in by_language.items():
                session.execute(
                    sa.delete(ContentTranslation).where(
                        ContentTranslation.kind == kind_of(thing),
                        ContentTranslation.object_id == thing.id,
                        ContentTranslation.field == field,
                        ContentTranslation.language == language,
                        ContentTranslation.text == text,
                    )
                )


def install_stale_cleanup() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_flush", forget_stale_default_translations):
        event.listen(Session, "after_flush", forget_stale_default_translations)
