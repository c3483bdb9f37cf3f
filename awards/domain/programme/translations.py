"""What organisers type, in each language the service offers.

Organisers write a cycle, its categories, its entry form, its criteria and rubric, and the trends in the
service's default language, on the things themselves. Here they add the same texts in the other languages; a
reader sees the text in their language when there is one, else the default language's, marked with its `lang`
so a screen reader pronounces it right (`Localised`). Nothing else changes: the default language's text stays
where every earlier page, export and e-mail read it.

A page reads the translations of its language for one cycle (or the trends) in one query (`texts_in`), once per
request and cycle (the web layer keeps them: awards/templating.py), so a page costs the same number of queries
however many of a cycle's texts it shows, whatever the number of cycles stored; a page in the default language reads
none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup, escape

from awards.domain.core.audit import record
from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.models import (
    Category,
    ContentTranslation,
    Criterion,
    Cycle,
    FormQuestion,
    FormSection,
    Trend,
    User,
)

# Each kind of thing and the texts of it that can be translated (a criterion's rubric bands are added per band).
FIELDS: dict[type, tuple[str, tuple[str, ...]]] = {
    Cycle: ("cycle", ("name", "description")),
    Category: ("category", ("name", "description")),
    FormSection: ("section", ("title", "hint", "intro")),
    FormQuestion: ("question", ("label", "hint")),
    Criterion: ("criterion", ("name", "description")),
    Trend: ("trend", ("name", "description")),
}
KINDS = {kind: model for model, (kind, _fields) in FIELDS.items()}
MAX_LENGTH = 5000


def default_language() -> str:
    return current_app.config["DEFAULT_LANGUAGE"]


def other_languages() -> tuple[str, ...]:
    """The languages organisers translate into: every one offered but the default."""
    from awards.i18n import enabled_languages

    return tuple(code for code in enabled_languages() if code != default_language())


def kind_of(thing) -> str:
    return FIELDS[type(thing)][0]


def fields_of(thing) -> tuple[str, ...]:
    """The texts of a thing that can be translated: its own, and for a criterion each rubric band's label and words."""
    fields = FIELDS[type(thing)][1]
    if isinstance(thing, Criterion):
        fields += tuple(
            f"rubric.{index}.{part}" for index in range(len(thing.rubric or [])) for part in ("label", "text")
        )
    return fields


def original(thing, field: str) -> str:
    """The text in the default language, as typed on the thing."""
    if field.startswith("rubric."):
        _rubric, index, part = field.split(".")
        bands = thing.rubric or []
        return str(bands[int(index)].get(part) or "") if int(index) < len(bands) else ""
    return str(getattr(thing, field) or "")


@dataclass(frozen=True)
class Localised:
    """A text and the language it is in. In a template it is its text, wrapped in a `lang` when that is not the
    page's language (a missing translation); `.text` is the bare text for attributes and titles."""

    text: str
    language: str
    page_language: str

    @property
    def is_fallback(self) -> bool:
        return self.language != self.page_language

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def __html__(self) -> Markup:
        if self.is_fallback and self.text:
            return Markup('<span lang="{}">{}</span>').format(self.language, self.text)
        return escape(self.text)


Texts = Callable[[str, "int | None"], Mapping[tuple[str, int, str], str]]


def texts_in(language: str, cycle_id: int | None) -> dict[tuple[str, int, str], str]:
    """The translations into `language` of one cycle's things (None: the trends'), by (kind, object id, field):
    one query."""
    row = ContentTranslation
    scope = row.cycle_id.is_(None) if cycle_id is None else row.cycle_id == cycle_id
    rows = db.session.execute(
        sa.select(row.kind, row.object_id, row.field, row.text).where(row.language == language, scope)
    )
    return {(kind, object_id, field): text for kind, object_id, field, text in rows}


def localised_text(
    kind: str, object_id: int | None, cycle_id: int | None, field: str, original_text: str, language: str, texts: Texts
) -> Localised:
    """As `localised`, for a thing read as plain columns (its kind, id, cycle and text in the default language)."""
    base = default_language()
    if language != base and object_id is not None:
        text = texts(language, cycle_id).get((kind, object_id, field))
        if text:
            return Localised(text, language, language)
    return Localised(original_text, base, language)


def localised(thing, field: str, language: str, texts: Texts = texts_in) -> Localised:
    """`thing`'s `field` in `language`, else in the default language; `texts(language, cycle_id)` gives the
    translations (the web layer passes one that reads them once per request)."""
    if thing is None:
        return Localised("", language, language)
    if type(thing) not in FIELDS:
        return Localised(original(thing, field), default_language(), language)
    return localised_text(kind_of(thing), thing.id, _cycle_id_of(thing), field, original(thing, field), language, texts)


class NameShown:
    """A thing's name (or another of its texts) for a sentence: `_("Judges – %(cycle)s", cycle=NameShown(cycle))`.
    It becomes text when the sentence is formatted, in the language being written in then: at once for `_()`,
    in the recipient's language for a lazy `_l()` e-mail subject formatted inside `force_locale`."""

    __slots__ = ("field", "texts", "thing")

    def __init__(self, thing, field: str = "name", texts: Texts = texts_in):
        self.thing, self.field, self.texts = thing, field, texts

    def __str__(self) -> str:
        from awards.i18n import current_language

        return localised(self.thing, self.field, current_language(), self.texts).text

    def __html__(self) -> Markup:
        return escape(str(self))


def localised_rubric(criterion: Criterion, language: str, texts: Texts = texts_in) -> list[dict]:
    """The criterion's rubric bands with their label and words in `language` (each a `Localised`)."""
    return [
        {
            **band,
            "label": localised(criterion, f"rubric.{index}.label", language, texts),
            "text": localised(criterion, f"rubric.{index}.text", language, texts),
        }
        for index, band in enumerate(criterion.rubric or [])
    ]


def _cycle_id_of(thing) -> int | None:
    if isinstance(thing, Cycle):
        return thing.id
    return getattr(thing, "cycle_id", None)


def _rows_of(kind: str, object_id: int):
    row = ContentTranslation
    return sa.select(row).where(row.kind == kind, row.object_id == object_id)


def translations_of(thing) -> dict[str, dict[str, str]]:
    """{field: {language: text}} of what is stored for one thing."""
    rows = db.session.scalars(_rows_of(kind_of(thing), thing.id))
    stored: dict[str, dict[str, str]] = {}
    for row in rows:
        stored.setdefault(row.field, {})[row.language] = row.text
    return stored


def save_translations(thing, texts: Mapping[str, Mapping[str, str]], *, by: User) -> int:
    """Store `texts` ({field: {language: text}}) for `thing`: an empty text removes that translation (the default
    language's text shows instead). Returns how many texts changed; one audit event for the lot."""
    kind = kind_of(thing)
    allowed_fields = set(fields_of(thing))
    languages = set(other_languages())
    existing = {
        (row.field, row.language): row
        for row in db.session.scalars(
            sa.select(ContentTranslation).where(
                ContentTranslation.kind == kind, ContentTranslation.object_id == thing.id
            )
        )
    }
    changed = []
    now = utcnow()
    for field, by_language in texts.items():
        if field not in allowed_fields:
            raise ValueError(f"{kind} has no translatable text {field!r}")
        for language, text in by_language.items():
            if language not in languages:
                raise ValueError(f"{language!r} is not a language to translate into")
            text = (text or "").strip()
            row = existing.get((field, language))
            if not text:
                if row is not None:
                    db.session.delete(row)
                    changed.append(f"{field}:{language}")
            elif row is None:
                db.session.add(
                    ContentTranslation(
                        cycle_id=_cycle_id_of(thing), kind=kind, object_id=thing.id, field=field, language=language,
                        text=text, revision=1, updated_at=now, updated_by_id=by.id,
                    )
                )  # fmt: skip
                changed.append(f"{field}:{language}")
            elif row.text != text:
                row.text, row.updated_at, row.updated_by_id = text, now, by.id
                row.revision = (row.revision or 0) + 1
                changed.append(f"{field}:{language}")
    if changed:
        record("content.translated", actor=by, obj=thing, texts=changed)
    return len(changed)


def things_of(cycle: Cycle) -> list:
    """A cycle's translatable things, in the order an organiser meets them: the cycle, its categories, the entry
    form's sections and questions, the criteria of each round."""
    things: list = [cycle, *cycle.categories]
    sections = db.session.scalars(
        sa.select(FormSection).where(FormSection.cycle_id == cycle.id).order_by(FormSection.position, FormSection.id)
    ).all()
    for section in sections:
        things += [section, *section.questions]
    things += db.session.scalars(
        sa.select(Criterion).where(Criterion.cycle_id == cycle.id).order_by(Criterion.round_id, Criterion.position)
    ).all()
    return things


def coverage(things: Iterable, texts: Texts = texts_in) -> dict[str, tuple[int, int]]:
    """{language: (translated, to translate)} over the non-empty texts of `things` (pass `texts` that keeps what it
    read to count many things' coverage with one query per language and cycle)."""
    wanted = [
        (_cycle_id_of(t), (kind_of(t), t.id, field))
        for t in things
        for field in fields_of(t)
        if original(t, field).strip()
    ]
    result = {}
    for language in other_languages():
        done = sum(1 for scope, key in wanted if texts(language, scope).get(key))
        result[language] = (done, len(wanted))
    return result


def forget_translations_of_deleted(_mapper, connection, thing) -> None:
    """A deleted thing takes its translations with it, however it went: deleted itself, or with its section, its
    cycle or its form (a mapper's after_delete sees every row the flush deletes, cascades and orphans included;
    the session's list of deleted objects does not). SQLite reuses the ids of the last rows deleted, so a
    translation left behind would name the next section or question made."""
    connection.execute(
        sa.delete(ContentTranslation).where(
            ContentTranslation.kind == FIELDS[type(thing)][0], ContentTranslation.object_id == thing.id
        )
    )


def install_translation_cleanup() -> None:
    from sqlalchemy import event

    for model in FIELDS:
        if not event.contains(model, "after_delete", forget_translations_of_deleted):
            event.listen(model, "after_delete", forget_translations_of_deleted)
