"""The default content in every language the service offers: a cycle started with the defaults reads in English,
Welsh or Swedish without an organiser typing a translation, whichever of them is the service's default language.

The words are in awards/data/default_translations.json (its "about" describes the format), keyed by what
identifies a default thing for good: a trend's code, a default category's or criterion's English name, a rubric
band's English label, a default form's section or question key. A default thing carries the words of the
service's default language on itself (`default_words`: the data file's, or English when it has none in that
language), as organisers' own texts are; the others, English among them when the default is Welsh or Swedish,
become ordinary `content_translations` rows (awards/domain/programme/translations.py), which organisers then edit
like their own, and only:

- for a thing whose key is a default's (a category, criterion or band is found by its name or label in the
  default language) and only for a text that still reads as the default's in the default language (an organiser
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
from awards.domain.core.transaction_memo import forget_kept_answers
from awards.domain.programme import entry_forms
from awards.domain.programme.taxonomy import default_taxonomy
from awards.domain.programme.translations import (
    FIELDS,
    default_language,
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
# The language the defaults are written in (default_taxonomy.json, entry_forms.default_definition).
ENGLISH = "en"
# The field naming a default thing whose key is its English name or label, by group.
NAMED_BY = {"categories": "name", "criteria": "name", "rubric": "label"}


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


def words_in(group: str, key: str, field: str, language: str) -> str:
    """A default text in `language`: the defaults' own English, else the data file's words ("" when it has none)."""
    if language == ENGLISH:
        return default_texts()[group].get(key, {}).get(field, "")
    return str(default_translations()[group].get(key, {}).get(field, {}).get(language) or "")


def default_words(group: str, key: str, field: str, language: str | None = None) -> str:
    """What a default thing carries on itself for a text: its words in the service's default language (or
    `language`), else its English."""
    return words_in(group, key, field, language or default_language()) or words_in(group, key, field, ENGLISH)


def _written_by_default(group: str, key: str, field: str) -> set[str]:
    """The words a default text could have been stored with: the default language's, and the defaults' English (a
    thing made before the defaults were stored in a default language other than English)."""
    return {text for text in (default_words(group, key, field), words_in(group, key, field, ENGLISH)) if text}


@lru_cache(maxsize=8)
def _keys_by_name(group: str, language: str) -> dict[str, str]:
    """{name or label: key} of a group's defaults, by their English and their words in `language`."""
    field = NAMED_BY[group]
    keys = {key: key for key in default_texts()[group]}
    for key in default_texts()[group]:
        keys.setdefault(default_words(group, key, field, language), key)
    return keys


def key_of_name(group: str, name: str) -> str | None:
    """The key of the default category, criterion or rubric band (`group`) named `name` in the service's default
    language or in English; None when no default is."""
    return _keys_by_name(group, default_language()).get(name)


def _key_of(thing) -> str | None:
    """What identifies a thing among the defaults: a trend's code, the default category's or criterion's key its
    name is, a section's or question's key."""
    if isinstance(thing, Trend):
        return thing.code
    if isinstance(thing, Category):
        return key_of_name("categories", thing.name)
    if isinstance(thing, Criterion):
        return key_of_name("criteria", thing.name)
    return thing.key


def _translations_of(group: str, key: str, field: str, languages: tuple[str, ...]) -> dict[str, str]:
    """{language: text} of a default text in `languages`; not its English where the default language has no words
    of its own for it (the thing carries that English already)."""
    own = words_in(group, key, field, default_language())
    found = {language: words_in(group, key, field, language) for language in languages}
    return {language: text for language, text in found.items() if text and (own or language != ENGLISH)}


def _rubric_texts(criterion: Criterion, languages: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """The default words of each of the criterion's bands whose words are still a default band's."""
    wanted = {}
    for index, band in enumerate(criterion.rubric or []):
        key = key_of_name("rubric", str(band.get("label") or ""))
        if key is None:
            continue
        for part in ("label", "text"):
            carried = default_words("rubric", key, part)
            if carried and str(band.get(part) or "") == carried:
                for language, text in _translations_of("rubric", key, part, languages).items():
                    wanted[(f"rubric.{index}.{part}", language)] = text
    return wanted


def texts_for(thing, languages: Iterable[str]) -> dict[tuple[str, str], str]:
    """{(field, language): text} of the default translations that fit `thing` as it now reads in the default
    language."""
    languages = tuple(languages)
    kind = kind_of(thing)
    group = GROUP_OF_KIND.get(kind)
    if group is None:
        return {}
    key = _key_of(thing)
    wanted = {}
    if key is not None:
        for field in default_texts()[group].get(key, {}):
            if original(thing, field) != default_words(group, key, field):
                continue
            for language, text in _translations_of(group, key, field, languages).items():
                wanted[(field, language)] = text
    # A criterion of an organiser's own (or a renamed default) keeps the default bands it started with (the
    # criterion form offers them): those read in the other languages whatever the criterion is called.
    if isinstance(thing, Criterion):
        wanted.update(_rubric_texts(thing, languages))
    return wanted


# The defaults as a new thing carries them -------------------------------------------------------------------


def default_rubric() -> list[dict[str, Any]]:
    """The default rubric bands, their labels and words in the service's default language."""
    return [
        {
            **band,
            "label": default_words("rubric", band["label"], "label"),
            "text": default_words("rubric", band["label"], "text") if band.get("text") else band.get("text", ""),
        }
        for band in default_taxonomy()["rubric"]
    ]


def default_form(definition: dict[str, Any]) -> dict[str, Any]:
    """The default form's definition (entry_forms.default_definition) with its sections' and questions' texts in
    the service's default language."""
    sections = [
        {
            **_in_default_words("form_sections", section),
            "questions": [_in_default_words("form_questions", question) for question in section["questions"]],
        }
        for section in definition["sections"]
    ]
    return {**definition, "sections": sections}


def _in_default_words(group: str, item: dict[str, Any]) -> dict[str, Any]:
    """A default form's section or question (`group`) with its default texts in the service's default language."""
    key = item["key"]
    return {**item, **{field: default_words(group, key, field) for field in default_texts()[group].get(key, {})}}


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


def _row(thing, field: str, language: str, text: str, by: User | None) -> dict[str, Any]:
    return {
        "cycle_id": thing.id if isinstance(thing, Cycle) else getattr(thing, "cycle_id", None),
        "kind": kind_of(thing),
        "object_id": thing.id,
        "field": field,
        "language": language,
        "text": text,
        "revision": 1,
        "updated_at": utcnow(),
        "updated_by_id": by.id if by is not None else None,
    }


def _insert(rows: list[dict[str, Any]]) -> int:
    """Store the translations in one statement (a new cycle's default form takes about 160: added one by one
    through the session they took 40 ms); returns how many.

    A statement is not an object the session flushes, so the public pages' freshness listener
    (publishing.impact_cases._touch_changed_cycles, which moves on the cycle of a translation added through the
    session) does not see these rows: each of their cycles is changed here instead, for that listener to move on
    in the flush, and a published cycle's cached pages are built again with the words added."""
    if not rows:
        return 0
    db.session.execute(sa.insert(ContentTranslation), rows)
    forget_kept_answers(db.session())  # as a flush would: what was answered before the rows may be out of date
    for cycle_id in sorted({row["cycle_id"] for row in rows} - {None}):
        cycle = db.session.get(Cycle, cycle_id)
        if cycle is not None:
            cycle.updated_at = utcnow()
    db.session.flush()
    return len(rows)


def add_to(things: Iterable, *, by: User | None = None) -> int:
    """Store the default translations that fit `things` (flushed, so each has its id) where none is stored;
    return how many were added."""
    things = [thing for thing in things if type(thing) in FIELDS]
    languages = other_languages()
    if not things or not languages:
        return 0
    db.session.flush()
    stored = _stored(things)
    rows = []
    for thing in things:
        kind = kind_of(thing)
        for (field, language), text in texts_for(thing, languages).items():
            if (kind, thing.id, field, language) not in stored:
                rows.append(_row(thing, field, language, text, by))
                stored.add((kind, thing.id, field, language))
    return _insert(rows)


def _all_trends() -> list[Trend]:
    return list(db.session.scalars(sa.select(Trend).order_by(Trend.position, Trend.id)))


def add_to_trends(*, by: User | None = None) -> int:
    """The default translations of every trend that still reads as a default one, where missing."""
    return add_to(_all_trends(), by=by)


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
    rows = []
    for old, new in pairs:
        kind = kind_of(old)
        fields = set(fields_of(new))
        for source in sources.get((kind, old.id), []):
            if source.field not in fields or original(old, source.field) != original(new, source.field):
                continue
            if (kind, new.id, source.field, source.language) in have:
                continue
            rows.append(_row(new, source.field, source.language, source.text, by))
            have.add((kind, new.id, source.field, source.language))
    return _insert(rows)


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


def put_in_default_language(things: Iterable) -> int:
    """Give each default text of `things` that still reads as the defaults' English the words of the service's
    default language, when that is not English and the data file has them (a thing made before the defaults were
    stored in it); return how many texts changed. Their English becomes a translation (`add_to`)."""
    if default_language() == ENGLISH:
        return 0
    changed = 0
    for thing in things:
        group = GROUP_OF_KIND.get(kind_of(thing)) if type(thing) in FIELDS else None
        if group is None:
            continue
        key = _key_of(thing)  # None: an organiser's own criterion, whose default bands are still put (below)
        if key is not None:
            for field, english in default_texts()[group].get(key, {}).items():
                words = default_words(group, key, field)
                if original(thing, field) == english and words != english:
                    setattr(thing, field, words)
                    changed += 1
        if isinstance(thing, Criterion) and thing.rubric:
            bands, moved = _bands_in_default_language(thing.rubric)
            if moved:
                thing.rubric, changed = bands, changed + moved
    return changed


def _bands_in_default_language(rubric: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    bands, changed = [], 0
    for band in rubric:
        band = dict(band)
        key = key_of_name("rubric", str(band.get("label") or ""))
        if key is None:
            bands.append(band)
            continue
        for part in ("label", "text"):
            english, words = words_in("rubric", key, part, ENGLISH), default_words("rubric", key, part)
            if english and band.get(part) == english and words != english:
                band[part] = words
                changed += 1
        bands.append(band)
    return bands, changed


def add_everywhere(*, by: User | None = None) -> dict[str, int]:
    """The default translations of every trend and every cycle that still read as the defaults, where missing (a
    deployment made before the defaults shipped in Welsh and Swedish, or before they were stored in a default
    language other than English: their texts still in the defaults' English are first put in the default
    language's words, `put_in_default_language`). Returns how many texts it added to the trends and to the
    cycles, to how many cycles, and how many texts it put in the default language; one audit event when it
    changed any."""
    trends = _all_trends()
    moved = put_in_default_language(trends)
    trend_texts = add_to(trends, by=by)
    cycles = texts = 0
    for cycle in db.session.scalars(sa.select(Cycle).order_by(Cycle.id)):
        things = cycle_things(cycle)
        cycle_moved = put_in_default_language(things)
        added = add_to(things, by=by)
        moved += cycle_moved
        texts += added
        cycles += 1 if added or cycle_moved else 0
    counts = {"trend_texts": trend_texts, "cycle_texts": texts, "cycles": cycles, "default_language_texts": moved}
    if trend_texts or texts or moved:
        extra: dict[str, Any] = {"default_language_texts": moved} if moved else {}
        audit.record(
            "content.default_translations_added",
            actor=by,
            object_type="content_translations",
            trend_texts=trend_texts,
            cycle_texts=texts,
            cycles=cycles,
            **extra,
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
    """{field: {language: the default's translation}} of the texts of `thing` that read as a default's before this
    change (in the default language, or in English on a thing made before the defaults were stored in another
    default language) and not now: the default's words in another language no longer say what it says."""
    kind = kind_of(thing)
    group = GROUP_OF_KIND.get(kind)
    if group is None:
        return {}
    changes = {field: _old_and_new(thing, field) for field in FIELDS[type(thing)][1]}
    renamed = changes.get("name")
    if isinstance(thing, Category | Criterion) and renamed is not None:
        key = key_of_name(group, str(renamed[0] or ""))
    else:
        key = _key_of(thing)
    stale = {}
    if key is not None:
        for field, change in changes.items():
            if change is None or change[0] not in _written_by_default(group, key, field):
                continue
            if change[1] == default_words(group, key, field):
                continue  # put into the default language's words (add_everywhere): the translations still fit
            stale[field] = _every_translation(group, key, field)
    if isinstance(thing, Criterion):
        stale.update(_stale_bands(_old_and_new(thing, "rubric")))
    return stale


def _every_translation(group: str, key: str, field: str) -> dict[str, str]:
    """{language: text} of a default text in every language it is written in but the service's default."""
    words = {ENGLISH: words_in(group, key, field, ENGLISH), **default_translations()[group].get(key, {}).get(field, {})}
    return {language: text for language, text in words.items() if text and language != default_language()}


def _stale_bands(change: tuple[Any, Any] | None) -> dict[str, dict[str, str]]:
    if change is None:
        return {}
    old_bands, new_bands = change[0] or [], change[1] or []
    stale = {}
    for index, band in enumerate(old_bands):
        key = key_of_name("rubric", str(band.get("label") or ""))
        if key is None:
            continue
        new_band = new_bands[index] if index < len(new_bands) else {}
        for part in ("label", "text"):
            old, new = band.get(part), new_band.get(part)
            if new in (old, default_words("rubric", key, part)):
                continue  # unchanged, or put into the default language's words: the translations still fit
            if old in _written_by_default("rubric", key, part):
                stale[f"rubric.{index}.{part}"] = _every_translation("rubric", key, part)
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
