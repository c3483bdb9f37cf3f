"""What a judge may see of a nomination, and the organiser's redactions.

Judges get a `JudgeEntry`, never the nomination itself: the sections and questions of the entry form
this nomination was asked that judges read (a question's `judges_see`: "all", "not_blind" — only
when judging is not blind — or "none", organisers only), with its answers in form order. Blind
judging is a setting of each judging round: a judge reads an entry as the round of their assignment
has it (functions taking `judging_round` use the cycle's current round when given none). With blind
judging on (the default) it holds neither the nominated organisation, its partners, the contact nor
the nominator, whatever the form says, and the free text is the organiser's redacted copy where
there is one (the nominee's original is kept). Supporting documents are the files of the file
questions judges read, offered under neutral names ("Supporting document 1.pdf"), and the copy a
judge downloads is rebuilt, by allow-list, from what a reader needs (see judge_copy).

Redactions are kept by a stable key per piece of free text: the question's key for a top-level
answer ("title", "summary", "challenge", a custom question's key), "<group key>:<row>:<column>" for
a cell of a repeating group (the measured outcomes keep their "outcome:<row>:<column>"), and
"trend:<trend id>" for how the work addresses a trend.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.dates import day_in_words
from awards.domain.core.errors import DomainError, NotAllowed
from awards.domain.judging import rounds
from awards.domain.nominations import answers as answer_rules
from awards.domain.nominations.attachments import KINDS, MAX_IMAGE_PIXELS, OOXML_MARKERS, human_size
from awards.domain.programme import entry_forms
from awards.domain.programme.entry_forms import setting, short_name
from awards.extensions import db
from awards.models import Attachment, Category, Cycle, CycleStatus, JudgingRound, Nomination, Redaction, Trend, User
from awards.models.forms import FormQuestion, FormSection

# ---------------------------------------------------------------- what judges read

# Core questions that say who made the entry: with blind judging they never reach a judge, whatever
# the form's visibility flags say; they are never redacted (judges read them as given, or not at all).
IDENTIFYING_KEYS = ("organisation_name", "partners", "contact_name", "contact_email")
# Kinds of answer typed freely, which may name the nominee: the organiser can redact them.
FREE_TEXT_KINDS = ("text", "textarea", "email", "url", "phone")
# Groups whose cells were redacted before forms were data, under another prefix.
LEGACY_CELL_PREFIX = {"measured": "outcome"}
REDACTION_KEY_LENGTH = 60  # redactions.field
REDACTION_MAX_LENGTH = 20000


def judge_reads(question: FormQuestion, *, blind: bool) -> bool:
    """Whether judges read the answer to the question (with judging blind or not)."""
    if blind and question.core and question.key in IDENTIFYING_KEYS:
        return False
    return entry_forms.sees(question, blind=blind)


def is_blind(cycle: Cycle, judging_round: JudgingRound | None = None) -> bool:
    """Whether judging is blind in the round (None: the cycle's current round)."""
    return (judging_round if judging_round is not None else rounds.current_round(cycle)).blind


def judged_answers(
    nomination: Nomination, judging_round: JudgingRound | None = None
) -> list[tuple[FormSection, list[tuple[FormQuestion, Any]]]]:
    """The sections and questions of the nomination's form that judges of the round read and it was
    asked (its category, its conditions), with its answers as stored, in form order; sections judges
    read nothing of are left out."""
    blind = is_blind(nomination.cycle, judging_round)
    result = []
    for section, answers in answer_rules.asked_answers(nomination):
        read = [(q, value) for q, value in answers if judge_reads(q, blind=blind)]
        if read:
            result.append((section, read))
    return result


# ---------------------------------------------------------------- redactable text


def _fitted(key: str) -> str:
    """The key as it fits redactions.field (a long one is cut and made unique by a hash)."""
    if len(key) <= REDACTION_KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f"{key[: REDACTION_KEY_LENGTH - 13]}~{digest}"


def text_key(question: FormQuestion) -> str:
    """The redaction key of a top-level answer: the question's key (so "challenge" stays "challenge")."""
    return _fitted(question.key)


def cell_key(question: FormQuestion, row: int, column: str) -> str:
    """The redaction key of a group's cell, by row position (a later save re-creates the rows)."""
    prefix = LEGACY_CELL_PREFIX.get(question.key, question.key)
    if question.key in LEGACY_CELL_PREFIX.values():
        prefix = f"{question.key}~"  # a group of its own, not the one whose old keys these are
    return _fitted(f"{prefix}:{row}:{column}")


def trend_key(trend_id: int) -> str:
    return f"trend:{trend_id}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def cell_label(question: FormQuestion, row: int, column: dict[str, Any]) -> str:
    """ "Measured outcomes: outcome 1, what was measured"."""
    return _(
        "%(question)s: %(row)s %(number)s, %(column)s",
        question=short_name(question),
        row=_lower_first(entry_forms.row_name(question)),
        number=row + 1,
        column=_lower_first(str(column.get("label", ""))),
    )


@dataclass(frozen=True)
class RedactableField:
    key: str  # e.g. "challenge", "trend:12" (how it addresses trend 12), "outcome:0:metric"
    label: str
    original: str
    multiline: bool = True


def redactable_fields(nomination: Nomination, judging_round: JudgingRound | None = None) -> list[RedactableField]:
    """Every free-text answer judges of the round read that an organiser may redact, with the nominee's
    original text, in form order: text answers, text cells of repeating groups, and how the work
    addresses each trend (answers left blank have nothing to redact). A redaction holds in every round."""
    fields: list[RedactableField] = []
    for _section, answers in judged_answers(nomination, judging_round):
        for question, value in answers:
            if question.core and question.key in IDENTIFYING_KEYS:
                continue
            fields += _redactable(nomination, question, value)
    return fields


def _redactable(nomination: Nomination, question: FormQuestion, value: Any) -> list[RedactableField]:
    if question.kind in FREE_TEXT_KINDS:
        if answer_rules.is_blank(value):
            return []
        return [RedactableField(text_key(question), short_name(question), str(value), question.kind == "textarea")]
    if question.kind == "trends":
        return [
            RedactableField(
                trend_key(link.trend_id),
                _("How it addresses %(trend)s", trend=link.trend.name),
                link.how_addressed or "",
            )
            for link in nomination.trend_links
        ]
    if question.kind != "group":
        return []
    columns = [c for c in setting(question, "columns", []) if c.get("kind", "text") in FREE_TEXT_KINDS]
    return [
        RedactableField(cell_key(question, i, c["key"]), cell_label(question, i, c), str(row[c["key"]]), False)
        for i, row in enumerate(value or [])
        for c in columns
        if not answer_rules.is_blank(row.get(c["key"]))
    ]


def redactions_of(nomination: Nomination) -> dict[str, Redaction]:
    return {r.field: r for r in db.session.scalars(select(Redaction).where(Redaction.nomination_id == nomination.id))}


def redaction_editable(nomination: Nomination) -> str | None:
    """Why the redactions cannot be changed now (None if they can)."""
    if nomination.status.value in ("draft", "withdrawn"):
        if nomination.status.value == "draft":
            return _("This nomination is draft: it can be redacted once it is submitted, before judges see it.")
        return _("This nomination is withdrawn: it can be redacted once it is submitted, before judges see it.")
    if nomination.cycle.status is CycleStatus.PUBLISHED:
        return _("The results of this cycle are published, so what judges saw can no longer change.")
    return None


def save_redactions(
    nomination: Nomination,
    texts: dict[str, str],
    *,
    restore: set[str] | frozenset = frozenset(),
    by: User,
    judging_round: JudgingRound | None = None,
) -> list[str]:
    """Store the organiser's redacted copy of each given field of those judges of the round read (the
    same text as the original, or a field in `restore`, removes the redaction). Returns the labels of
    the fields that changed."""
    problem = redaction_editable(nomination)
    if problem:
        raise NotAllowed(problem)
    fields = {f.key: f for f in redactable_fields(nomination, judging_round)}
    unknown = (set(texts) | set(restore)) - set(fields)
    if unknown:
        raise DomainError(_("Those fields are not part of this nomination: reload the page and try again"))
    existing = redactions_of(nomination)
    changed: list[str] = []
    now = utcnow()
    for key, item in fields.items():
        if key not in texts and key not in restore:
            continue
        text = (texts.get(key) or "").replace("\r\n", "\n").strip()
        if len(text) > REDACTION_MAX_LENGTH:
            raise DomainError(
                _(
                    "%(field)s must be %(max)s characters or fewer",
                    field=item.label,
                    max=format_decimal(REDACTION_MAX_LENGTH),
                ),
                field=key,
            )
        current = existing.get(key)
        if key in restore or text == item.original.replace("\r\n", "\n").strip():
            if current is not None:
                db.session.delete(current)
                changed.append(item.label)
            continue
        if current is None:
            db.session.add(
                Redaction(nomination_id=nomination.id, field=key, text=text, updated_at=now, updated_by_id=by.id)
            )
            changed.append(item.label)
        elif current.text != text:
            current.text, current.updated_at, current.updated_by_id = text, now, by.id
            changed.append(item.label)
    if changed:
        db.session.flush()
        audit.record("nomination.redacted", actor=by, obj=nomination, fields=changed)
    return changed


def identifying_terms(nomination: Nomination) -> list[str]:
    """Names that would tell a judge who made the entry: the organisation (and the distinctive part of
    its name), partners, the contact and the nominator. Used to point the organiser at what to redact."""
    from awards.domain.judging.conflicts import normalise_organisation

    terms: list[str] = []
    nominator = nomination.nominator
    for value in (
        nomination.organisation_name,
        normalise_organisation(nomination.organisation_name),
        *(p.name for p in nomination.partners),
        nomination.contact_name,
        nomination.contact_email,
        nominator.name if nominator else "",
        nominator.email if nominator else "",
        nominator.organisation if nominator else "",
    ):
        value = (value or "").strip()
        if len(value) >= 4 and value.lower() not in {t.lower() for t in terms}:
            terms.append(value)
    return terms


def mentions(text: str, terms: list[str]) -> list[str]:
    """Which of the terms the text mentions (whole words, any case)."""
    found = []
    for term in terms:
        if re.search(r"(?<!\w)" + re.escape(term) + r"(?!\w)", text or "", re.IGNORECASE):
            found.append(term)
    return found


# ---------------------------------------------------------------- the judge's view


@dataclass(frozen=True)
class JudgeTrend:
    name: str
    is_primary: bool
    how_addressed: str
    trend: Trend | None = None  # for its name in the reader's language


@dataclass(frozen=True)
class JudgeDocument:
    id: int
    name: str
    kind: str
    size: str


@dataclass(frozen=True)
class JudgeColumn:
    key: str
    label: str
    kind: str


@dataclass(frozen=True)
class JudgeGroup:
    """A repeating group's rows: each row's cells by column key, typed like answers of their kind."""

    row_name: str
    columns: list[JudgeColumn]
    rows: list[dict[str, Any]]


class Day(date):
    """A date answer, shown in words in the reader's language: '28 June 2025', '28 Mehefin 2025'."""

    def __str__(self) -> str:
        return day_in_words(self)


@dataclass(frozen=True)
class JudgeAnswer:
    """One answer as a judge reads it. `value` by the question's kind: text (text, textarea, email,
    url, phone, choice; the redacted copy where there is one), a number (int or float; `unit` from the
    question), a date, True/False/None (yes or no, declaration), a list of text (choices), a list of
    JudgeDocument (file), a JudgeGroup (group) or a list of JudgeTrend (trends)."""

    key: str
    kind: str
    label: str  # the question as the nominee read it
    name: str  # its short name
    value: Any
    answered: bool
    unit: str = ""


@dataclass(frozen=True)
class JudgeSection:
    key: str
    title: str
    answers: list[JudgeAnswer]
    # The form's section itself, for its title in the reader's language (its translations: templating.localised)
    form_section: FormSection | None = None


@dataclass(frozen=True)
class JudgeEntry:
    """Everything a judge may see of a nomination (and nothing else)."""

    reference: str
    title: str
    category: str
    blind: bool
    sections: list[JudgeSection] = field(default_factory=list)
    documents: list[JudgeDocument] = field(default_factory=list)
    # Only when blind judging is off (and judges read the question)
    organisation: str = ""
    # The language the entry is written in (None: the service's default), for the `lang` of its words
    language: str | None = None
    # The category itself, for its name in the reader's language
    category_thing: Category | None = None

    def answer(self, key: str) -> JudgeAnswer | None:
        """The answer to the question of that key, if judges read it."""
        return next((a for s in self.sections for a in s.answers if a.key == key), None)


def _text(redactions: dict[str, Redaction], key: str, original: str | None) -> str:
    redaction = redactions.get(key)
    return redaction.text if redaction is not None else (original or "")


def judges_read_title(cycle: Cycle, judging_round: JudgingRound | None = None) -> bool:
    """Whether judges of the round read the project title (the form could make it organisers only): if
    not, an entry is named by its reference on every judge's page and e-mail."""
    question = entry_forms.question_by_key(cycle, "title")
    return question is None or judge_reads(question, blind=is_blind(cycle, judging_round))


class TitledEntry(Protocol):
    """What a judge-facing title reads of a nomination: a Nomination, or a lighter record of one."""

    @property
    def id(self) -> int: ...
    @property
    def cycle_id(self) -> int: ...
    @property
    def cycle(self) -> Cycle: ...
    @property
    def reference(self) -> str: ...
    @property
    def title(self) -> str: ...


def _shown_title(nomination: TitledEntry, redacted: str | None, readable: bool) -> str:
    if not readable:
        return _("Nomination %(reference)s", reference=nomination.reference)
    return (redacted if redacted is not None else nomination.title) or _("Untitled nomination")


def judge_title(
    nomination: Nomination,
    redactions: dict[str, Redaction] | None = None,
    judging_round: JudgingRound | None = None,
) -> str:
    """The title as judges of the round see it (the redacted one if the organiser redacted it)."""
    if redactions is None:
        redacted = db.session.scalar(
            select(Redaction.text).where(Redaction.nomination_id == nomination.id, Redaction.field == "title")
        )
    else:
        redaction = redactions.get("title")
        redacted = redaction.text if redaction is not None else None
    return _shown_title(nomination, redacted, judges_read_title(nomination.cycle, judging_round))


def judge_titles(nominations: Sequence[TitledEntry], judging_round: JudgingRound | None = None) -> dict[int, str]:
    """Judge-facing titles of many nominations in one query (for lists and e-mails), and one look at
    each cycle's form: as judges of `judging_round` see them (None: each cycle's current round)."""
    ids = [n.id for n in nominations]
    redacted = {}
    if ids:
        redacted = dict(
            db.session.execute(
                select(Redaction.nomination_id, Redaction.text).where(
                    Redaction.nomination_id.in_(ids), Redaction.field == "title"
                )
            ).all()
        )
    readable: dict[int, bool] = {}
    for n in nominations:
        if n.cycle_id not in readable:
            readable[n.cycle_id] = judges_read_title(
                n.cycle, judging_round if judging_round is not None and judging_round.cycle_id == n.cycle_id else None
            )
    return {n.id: _shown_title(n, redacted.get(n.id), readable[n.cycle_id]) for n in nominations}


def document_name(attachment: Attachment, number: int, blind: bool) -> str:
    """'Supporting document 2.pdf' under blind judging (numbered in form order, then upload order),
    else the file's name."""
    if not blind:
        return attachment.original_name
    return f"Supporting document {number}.{attachment.extension}"


def numbered_documents(
    nomination: Nomination,
    judged: list[tuple[FormSection, list[tuple[FormQuestion, Any]]]] | None = None,
    judging_round: JudgingRound | None = None,
) -> list[tuple[int, Attachment]]:
    """The files judges of the round may download, numbered: those of the file questions judges read
    and the nomination was asked, in form order, each question's in upload order. Files of any other
    question (organisers only, hidden in blind judging, or not asked) are not among them. `judged`:
    judged_answers(nomination, judging_round), if the caller has it."""
    judged = judged_answers(nomination, judging_round) if judged is None else judged
    read = [q.key for _s, answers in judged for q, _v in answers if q.kind == "file"]
    files = sorted(
        (a for a in nomination.attachments if a.question_key in read),
        key=lambda a: (read.index(a.question_key), a.id),
    )
    return list(enumerate(files, start=1))


def _document(attachment: Attachment, number: int, blind: bool) -> JudgeDocument:
    return JudgeDocument(
        attachment.id,
        document_name(attachment, number, blind),
        KINDS[attachment.extension].label if attachment.extension in KINDS else attachment.extension.upper(),
        human_size(attachment.size),
    )


def _unit(question: FormQuestion | dict[str, Any]) -> str:
    settings = (question.settings if isinstance(question, FormQuestion) else question.get("settings")) or {}
    return str(settings.get("unit") or "")


def _typed_value(kind: str, value: Any) -> Any:
    """A stored answer of a simple kind, typed for reading (None when not answered)."""
    if kind == "number":
        if answer_rules.is_blank(value):
            return None
        number = answer_rules.as_number(value)
        if number is None:
            return str(value)  # only a draft keeps what is not a number
        return answer_rules.as_json_number(number)
    if kind == "date":
        day: date | None = answer_rules.as_date(value)
        return Day(day.year, day.month, day.day) if day is not None else None
    if kind in ("yes_no", "declaration"):
        return value if isinstance(value, bool) else None
    if kind == "choices":
        return [entry_forms.default_word(v) for v in value or []]
    if kind == "choice":
        return entry_forms.default_word(value)
    return "" if value is None else str(value)


def _judge_answer(
    nomination: Nomination,
    question: FormQuestion,
    value: Any,
    redactions: dict[str, Redaction],
    documents: dict[str, list[JudgeDocument]],
) -> JudgeAnswer:
    kind = question.kind
    read: Any
    if kind in FREE_TEXT_KINDS:
        read = _text(redactions, text_key(question), str(value or ""))
    elif kind == "trends":
        read = [
            JudgeTrend(
                link.trend.name,
                link.is_primary,
                _text(redactions, trend_key(link.trend_id), link.how_addressed),
                link.trend,
            )
            for link in nomination.trend_links
        ]
    elif kind == "file":
        read = documents.get(question.key, [])
    elif kind == "group":
        columns = setting(question, "columns", [])
        read = JudgeGroup(
            entry_forms.row_name(question),
            [
                JudgeColumn(c["key"], entry_forms.default_word(c.get("label", "")), c.get("kind", "text"))
                for c in columns
            ],
            [
                {
                    c["key"]: _text(redactions, cell_key(question, i, c["key"]), str(row.get(c["key"]) or ""))
                    if c.get("kind", "text") in FREE_TEXT_KINDS
                    else _typed_value(c.get("kind", "text"), row.get(c["key"]))
                    for c in columns
                }
                for i, row in enumerate(value or [])
            ],
        )
    else:
        read = _typed_value(kind, value)
    answered = bool(read.rows) if isinstance(read, JudgeGroup) else not answer_rules.is_blank(read)
    if kind in ("yes_no", "declaration"):
        answered = read is not None  # "No" is an answer
    return JudgeAnswer(question.key, kind, question.label, short_name(question), read, answered, _unit(question))


def judge_entry(nomination: Nomination, judging_round: JudgingRound | None = None) -> JudgeEntry:
    """The nomination as a judge of the round (None: the cycle's current round) may see it: the
    questions judges read, redactions applied; under blind judging nothing that names the
    organisation, partners, contact or nominator, and documents under neutral names."""
    if judging_round is None:
        judging_round = rounds.current_round(nomination.cycle)
    blind = judging_round.blind
    redactions = redactions_of(nomination)
    documents: list[JudgeDocument] = []
    by_question: dict[str, list[JudgeDocument]] = {}
    judged = judged_answers(nomination, judging_round)
    for number, attachment in numbered_documents(nomination, judged):
        documents.append(_document(attachment, number, blind))
        by_question.setdefault(attachment.question_key, []).append(documents[-1])
    sections = []
    organisation = ""
    for section, answers in judged:
        read = []
        for question, value in answers:
            if question.core and question.key == "title":
                continue  # the entry's heading
            if question.core and question.key == "organisation_name":
                organisation = str(value or "")
            read.append(_judge_answer(nomination, question, value, redactions, by_question))
        if read:
            sections.append(JudgeSection(section.key, section.title, read, section))
    return JudgeEntry(
        reference=nomination.reference,
        title=judge_title(nomination, redactions, judging_round),
        category=nomination.category.name,
        blind=blind,
        sections=sections,
        documents=documents,
        organisation=organisation,
        language=nomination.language,
        category_thing=nomination.category,
    )


# ---------------------------------------------------------------- blind copies of documents
#
# A judge's copy is rebuilt from what a reader needs, by allow-list: anything not listed here is
# left behind, so a place nobody thought of does not come along.


class CannotPrepareDocument(DomainError):
    """The document could not be read well enough to remove its author details."""

    def __init__(
        self,
        message: str | None = None,
    ):
        super().__init__(
            message
            or _("This document could not be prepared for judging. The organisers can send it to you another way.")
        )


def judge_copy(attachment: Attachment, data: bytes, *, blind: bool) -> bytes:
    """The bytes a judge downloads: under blind judging, a copy rebuilt from what a reader needs."""
    if not blind:
        return data
    strip = {
        "pdf": strip_pdf,
        "docx": strip_ooxml,
        "xlsx": strip_ooxml,
        "pptx": strip_ooxml,
        "jpg": strip_jpeg,
        "png": strip_png,
    }.get(attachment.extension)
    if strip is None:
        raise CannotPrepareDocument()
    try:
        return strip(data)
    except CannotPrepareDocument:
        raise
    except Exception as exc:  # a damaged or unusual file: never fall back to the original
        raise CannotPrepareDocument() from exc


# ------------------------------------------------ images

_IMAGE_FORMATS = {
    "png": "PNG",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "gif": "GIF",
    "bmp": "BMP",
    "tif": "TIFF",
    "tiff": "TIFF",
}


def reencode_image(data: bytes, image_format: str) -> bytes:
    """The picture alone, drawn again into a new file of the same format: no EXIF, XMP, ICC or text
    chunks, no comments, nothing after the image's end (a JPEG is turned upright first)."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        if image.format != image_format:
            raise CannotPrepareDocument()
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise CannotPrepareDocument()
        image.load()
        picture = ImageOps.exif_transpose(image) if image_format == "JPEG" else image.copy()
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    if image_format == "JPEG":
        mode = picture.mode if picture.mode in ("L", "RGB") else "RGB"
    elif image_format == "GIF":
        mode = "RGB"
    elif picture.mode in ("1", "L", "LA", "RGB", "RGBA"):
        mode = picture.mode
    else:
        mode = "RGBA" if has_alpha else "RGB"
    if picture.mode != mode:
        picture = picture.convert(mode)
    fresh = Image.frombytes(mode, picture.size, picture.tobytes())  # pixels only: no info travels along
    out = io.BytesIO()
    fresh.save(out, image_format, **({"quality": 90} if image_format == "JPEG" else {}))
    return out.getvalue()


def strip_jpeg(data: bytes) -> bytes:
    """A JPEG upload: the picture re-encoded without EXIF, XMP, IPTC, comments or trailing bytes."""
    return reencode_image(data, "JPEG")


def strip_png(data: bytes) -> bytes:
    """A PNG upload: the picture re-encoded without text, EXIF or time chunks, nor bytes after its end."""
    return reencode_image(data, "PNG")


# JPEG markers a decoder needs: frame headers, Huffman and quantisation tables, restart interval,
# arithmetic coding conditioning, scans. APP0 (JFIF, without a thumbnail) and APP14 (Adobe colour
# transform) change how the pixels read; every other APPn, comments and anything after the end go.
_JPEG_KEEP = {*range(0xC0, 0xC8), *range(0xC9, 0xD0), 0xDB, 0xDD, 0xDA}


def rebuild_jpeg(data: bytes) -> bytes:
    """Rebuild a JPEG's segments by allow-list without decoding it (for images inside PDFs, whose
    colour spaces the PDF defines): coding segments and the scans' data, up to the end marker."""
    if not data.startswith(b"\xff\xd8"):
        raise CannotPrepareDocument()
    out = bytearray(b"\xff\xd8")
    i, size = 2, len(data)
    while i + 1 < size:
        if data[i] != 0xFF:
            raise CannotPrepareDocument()
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9:
            break
        if i + 4 > size:
            raise CannotPrepareDocument()
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        end = i + 2 + length
        if length < 2 or end > size:
            raise CannotPrepareDocument()
        segment = data[i:end]
        if (
            marker in _JPEG_KEEP
            or (marker == 0xE0 and segment[4:9] == b"JFIF\x00" and length == 16)
            or (marker == 0xEE and segment[4:9] == b"Adobe")
        ):
            out += segment
        i = end
        if marker == 0xDA:  # entropy-coded data up to the next marker that is not a restart or stuffing
            j = i
            while j + 1 < size and not (data[j] == 0xFF and data[j + 1] not in (0x00, *range(0xD0, 0xD8), 0xFF)):
                j += 1
            if j + 1 >= size:
                raise CannotPrepareDocument()
            out += data[i:j]
            i = j
    out += b"\xff\xd9"
    return bytes(out)


# ------------------------------------------------ PDF

# What a page (or a node of the page tree) keeps: how it is drawn, its size and its links.
_PDF_PAGE_KEYS = {
    "/Type",
    "/Parent",
    "/Kids",
    "/Count",
    "/Resources",
    "/MediaBox",
    "/CropBox",
    "/BleedBox",
    "/TrimBox",
    "/ArtBox",
    "/Contents",
    "/Rotate",
    "/Group",
    "/UserUnit",
    "/Annots",
}
_PDF_LINK_KEYS = ("/Rect", "/Border", "/C", "/QuadPoints", "/H", "/F")
# Keys that are never needed to draw a page, wherever they are: metadata, application data,
# actions and scripts, associated and embedded files, thumbnails.
_PDF_DROP_KEYS = (
    "/Metadata",
    "/PieceInfo",
    "/AA",
    "/A",
    "/OpenAction",
    "/JS",
    "/AF",
    "/EF",
    "/Thumb",
    "/LastModified",
    "/SpiderInfo",
    "/OC",
)
_WEB_LINK = re.compile(r"https?://[^\s\\]+\Z", re.IGNORECASE)


def _pdf_link(pdf, annotation):
    """A link annotation rebuilt with what it needs (a web address or a place in the document), or None."""
    import pikepdf

    if not isinstance(annotation, pikepdf.Dictionary) or annotation.get("/Subtype") != pikepdf.Name.Link:
        return None
    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link)
    for key in _PDF_LINK_KEYS:
        value = annotation.get(key)
        if isinstance(value, (pikepdf.Array, pikepdf.Name)) or (key == "/F" and isinstance(value, int)):
            link[key] = value
    if "/Rect" not in link:
        return None
    action, destination = annotation.get("/A"), annotation.get("/Dest")
    if isinstance(destination, (pikepdf.Array, pikepdf.Name, pikepdf.String)):
        link.Dest = destination
    elif (
        isinstance(action, pikepdf.Dictionary)
        and action.get("/S") == pikepdf.Name.URI
        and isinstance(action.get("/URI"), pikepdf.String)
        and _WEB_LINK.match(str(action.URI))
    ):
        link.A = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(str(action.URI)))
    elif (
        isinstance(action, pikepdf.Dictionary)
        and action.get("/S") == pikepdf.Name.GoTo
        and isinstance(action.get("/D"), (pikepdf.Array, pikepdf.Name, pikepdf.String))
    ):
        link.A = pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=action.D)
    else:
        return None
    return pdf.make_indirect(link)


def _clean_pdf_page_tree(pdf, node, seen: set) -> None:
    import pikepdf

    if node.objgen in seen:
        raise CannotPrepareDocument()
    seen.add(node.objgen)
    for key in list(node.keys()):
        if key not in _PDF_PAGE_KEYS:
            del node[key]
    if "/Annots" in node:
        links = [link for a in node.Annots if (link := _pdf_link(pdf, a)) is not None]
        if links:
            node.Annots = pikepdf.Array(links)
        else:
            del node["/Annots"]
    for kid in node.get("/Kids", pikepdf.Array()):
        _clean_pdf_page_tree(pdf, kid, seen)


def _clean_pdf_image(stream) -> None:
    import pikepdf

    filters = stream.get("/Filter")
    names = list(filters) if isinstance(filters, pikepdf.Array) else [filters] if filters is not None else []
    if pikepdf.Name.JPXDecode in names:  # JPEG 2000 can carry XML and UUID boxes: redraw it
        if names != [pikepdf.Name.JPXDecode]:
            raise CannotPrepareDocument()
        from PIL import Image

        with Image.open(io.BytesIO(stream.read_raw_bytes())) as image:
            if image.size[0] * image.size[1] > MAX_IMAGE_PIXELS:
                raise CannotPrepareDocument()
            image.load()
            fresh = Image.frombytes(image.mode, image.size, image.tobytes())
        out = io.BytesIO()
        fresh.save(out, "JPEG2000", irreversible=False)
        stream.write(out.getvalue(), filter=pikepdf.Name.JPXDecode)
    elif pikepdf.Name.DCTDecode in names:
        if names != [pikepdf.Name.DCTDecode]:
            raise CannotPrepareDocument()
        parms = stream.get("/DecodeParms")
        stream.write(
            rebuild_jpeg(stream.read_raw_bytes()),
            filter=pikepdf.Name.DCTDecode,
            decode_parms=parms if isinstance(parms, pikepdf.Dictionary) else None,
        )


def strip_pdf(data: bytes) -> bytes:
    """A new document catalogue holding only the pages (and the language and named destinations);
    pages keep how they are drawn, their size and their web and in-document links. Gone: document
    information, XMP metadata everywhere, scripts and actions (/OpenAction, /AA, /JS, /Names
    JavaScript), embedded and associated files, comments and other annotations, bookmarks, forms,
    private application data; JPEG images are rebuilt without metadata or trailing bytes. Only
    what the new catalogue reaches is written, so old revisions and orphans go too."""
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise CannotPrepareDocument(
            _(
                "This document is protected by a password, so it could not be prepared "
                "for judging. The organisers can send it to you another way."
            )
        ) from exc
    with pdf:
        old = pdf.Root
        catalog = pikepdf.Dictionary(Type=pikepdf.Name.Catalog, Pages=old.Pages)
        language = old.get("/Lang")
        if isinstance(language, pikepdf.String) and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", str(language)):
            catalog.Lang = pikepdf.String(str(language))
        names = old.get("/Names")
        if isinstance(names, pikepdf.Dictionary) and isinstance(names.get("/Dests"), pikepdf.Dictionary):
            catalog.Names = pikepdf.Dictionary(Dests=names.Dests)
        if isinstance(old.get("/Dests"), pikepdf.Dictionary):
            catalog.Dests = old.Dests
        for key in list(pdf.trailer.keys()):
            if key not in ("/Root", "/Size", "/ID"):
                del pdf.trailer[key]
        pdf.trailer.Root = pdf.make_indirect(catalog)
        _clean_pdf_page_tree(pdf, pdf.Root.Pages, set())
        for obj in pdf.objects:
            if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                continue
            if (
                obj.get("/Type") == pikepdf.Name.Annot
                and obj.get("/Subtype") == pikepdf.Name.Link
                and "/A" in obj
                and obj.A.get("/S") in (pikepdf.Name.URI, pikepdf.Name.GoTo)
            ):
                continue  # a link rebuilt above
            for key in _PDF_DROP_KEYS:
                if key in obj:
                    del obj[key]
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image:
                _clean_pdf_image(obj)
        out = io.BytesIO()
        pdf.save(out, fix_metadata_version=False)
    return out.getvalue()


# ------------------------------------------------ Word, Excel and PowerPoint

# The parts a reader needs (by their conventional names): the document, sheets or slides and their
# layouts, styles, numbering, fonts, themes, headers and footers, notes, charts, diagrams, tables and
# pictures. Not listed, so left behind: custom XML, custom properties, thumbnails, comments and
# their authors, people, embedded files and OLE objects, macros, ActiveX, printer settings, external
# links, connections, tags, web extensions and anything else.
_OOXML_KEEP = re.compile(r"""(?ix)
    \[Content_Types\]\.xml
  | docProps/(core|app)\.xml
  | word/(document|styles|stylesWithEffects|numbering|fontTable|settings|webSettings|footnotes|endnotes)\.xml
  | word/(header|footer)\d*\.xml
  | word/fonts/[^/]+\.odttf
  | xl/(workbook|styles|sharedStrings|calcChain)\.xml
  | xl/(worksheets|chartsheets)/sheet\d*\.xml
  | xl/(tables/table|pivotTables/pivotTable|pivotCache/pivotCacheDefinition|pivotCache/pivotCacheRecords
        |drawings/drawing)\d*\.xml
  | ppt/(presentation|presProps|viewProps|tableStyles)\.xml
  | ppt/(slides/slide|slideLayouts/slideLayout|slideMasters/slideMaster|notesSlides/notesSlide
        |notesMasters/notesMaster|handoutMasters/handoutMaster)\d*\.xml
  | ppt/fonts/[^/]+\.fntdata
  | (word|xl|ppt)/theme/theme\d*\.xml
  | (word|xl|ppt)/charts/(chart|style|colors)\d*\.xml
  | (word|xl|ppt)/diagrams/(data|layout|quickStyle|colors|drawing)\d*\.xml
  | (word|xl|ppt)/media/[^/]+\.(png|jpe?g|gif|bmp|tiff?)
""")
_RELS = re.compile(r"(?:(.*)/)?_rels/([^/]*)\.rels")
_RELS_NAMESPACE = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES_NAMESPACE = "http://schemas.openxmlformats.org/package/2006/content-types"
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
# A macro-enabled main part is declared as its plain kind once the macros are left behind.
_PLAIN_MAIN_TYPES = {
    "application/vnd.ms-word.document.macroEnabled.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    ),
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    ),
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
    ),
}
_PERSON_ATTRIBUTES = ("author", "initials", "userId", "providerId", "displayName", "ed", "userName")
# Elements that only point at a part that is left behind, so they go with it.
_POINTER_ELEMENTS = (
    "attachedTemplate",
    "legacyDrawing",
    "legacyDrawingHF",
    "externalData",
    "custData",
    "tags",
    "OLEObject",
    "oleObject",
    "externalReference",
    "headerSource",
    "dataSource",
    "svgBlip",
    "control",
    "picture",
    "webExtensionRef",
    "userShapes",
    "videoFile",
    "audioFile",
    "wavAudioFile",
    "quickTimeFile",
    "media",
)
# Blocks of kept parts that hold people, paths or private data, and never anything drawn.
_DROP_BLOCKS = ("docVars", "mailMerge", "externalReferences", "custDataLst", "fileRecoveryPr")
_DROP_EMPTY = (
    "fileSharing",
    "commentRangeStart",
    "commentRangeEnd",
    "commentReference",
    "attachedTemplate",
    "writeProtection",
    "permStart",
    "permEnd",
)
_LOCAL_PATH = rb"(?:[A-Za-z]:(?:\\|/|&#92;|&#x5[cC];)|\\\\|&#92;&#92;|file:|/(?:Users|home)/)"
_CORE_TEMPLATE = (
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dcterms="http://purl.org/dc/terms/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">%s</cp:coreProperties>'
)
_APP_TEMPLATE = (
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">%s</Properties>'
)
_APP_KEEP = (
    "TotalTime",
    "Pages",
    "Words",
    "Characters",
    "CharactersWithSpaces",
    "Lines",
    "Paragraphs",
    "Slides",
    "Notes",
    "HiddenSlides",
    "MMClips",
    "DocSecurity",
    "ScaleCrop",
    "LinksUpToDate",
    "SharedDoc",
    "HyperlinksChanged",
    "AppVersion",
)


def _element(name: str) -> bytes:
    return rb"(?:[\w.-]+:)?" + name.encode() + rb"\b"


def _core_properties(xml: bytes) -> bytes:
    """Only the revision number and the created and modified dates."""
    kept = b""
    revision = re.search(rb"<(?:[\w.-]+:)?revision>\s*(\d{1,9})\s*<", xml)
    if revision:
        kept += b"<cp:revision>" + revision.group(1) + b"</cp:revision>"
    for name in (b"created", b"modified"):
        date = re.search(
            rb"<(?:[\w.-]+:)?" + name + rb"\b[^>]*>\s*(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\s*<", xml
        )
        if date:
            kept += b"<dcterms:" + name + b' xsi:type="dcterms:W3CDTF">' + date.group(1) + b"</dcterms:" + name + b">"
    return _XML_DECLARATION + _CORE_TEMPLATE % kept


def _app_properties(xml: bytes) -> bytes:
    """Only the counts and flags (pages, words, slides …), never a company, manager, template or title."""
    kept = b""
    for name in _APP_KEEP:
        value = re.search(rb"<(?:[\w.-]+:)?" + name.encode() + rb">\s*(\d{1,12}(?:\.\d{1,8})?|true|false)\s*<", xml)
        if value:
            kept += b"<%s>%s</%s>" % (name.encode(), value.group(1), name.encode())
    return _XML_DECLARATION + _APP_TEMPLATE % kept


def _content_part(xml: bytes, dropped_ids: set[str]) -> bytes:
    """A kept XML part without pointers to parts left behind, the blocks that hold people, paths
    or private data, the names of people (comment and revision authors) and local paths."""
    for rid in dropped_ids:
        value = rb"""\s*=\s*["']""" + re.escape(rid.encode()) + rb"""["']"""
        pointer = rb"[\w.-]+:(?:id|embed|link|pict|dm|lo|qs|cs)" + value
        xml = re.sub(
            rb"<(?:" + b"|".join(_element(n) for n in _POINTER_ELEMENTS) + rb")[^>]*\s" + pointer + rb"[^>]*/>",
            b"",
            xml,
        )
        xml = re.sub(rb"\s" + pointer, b"", xml)
    for name in _DROP_BLOCKS:
        xml = re.sub(rb"<(" + _element(name) + rb")[^>]*(?<!/)>.*?</\1\s*>", b"", xml, flags=re.DOTALL)
        xml = re.sub(rb"<" + _element(name) + rb"[^>]*/>", b"", xml)
    for name in _DROP_EMPTY:
        xml = re.sub(rb"<" + _element(name) + rb"[^>]*/>", b"", xml)
    if b"absPath" in xml:  # Excel's absolute path of the workbook (inside its own markup-compatibility block)
        xml = re.sub(
            rb"<(" + _element("AlternateContent") + rb")[^>]*>(?:(?!</\1).)*?" + _element("absPath") + rb".*?</\1\s*>",
            b"",
            xml,
            flags=re.DOTALL,
        )
        xml = re.sub(rb"<" + _element("absPath") + rb"[^>]*/>", b"", xml)
    names = b"|".join(n.encode() for n in _PERSON_ATTRIBUTES)
    xml = re.sub(
        rb"(\s(?:[\w.-]+:)?(?:" + names + rb")\s*=\s*)([\"'])(.*?)\2",
        lambda m: m.group(1) + m.group(2) + m.group(2),
        xml,
        flags=re.DOTALL,
    )
    xml = re.sub(
        rb"(\s[\w.:-]+\s*=\s*)([\"'])" + _LOCAL_PATH + rb".*?\2",
        lambda m: m.group(1) + m.group(2) + m.group(2),
        xml,
        flags=re.DOTALL,
    )
    return xml


def _parse_xml(content: bytes):
    from xml.etree import ElementTree

    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise CannotPrepareDocument()
    return ElementTree.fromstring(content)  # noqa: S314 - a DOCTYPE or ENTITY is refused above, so nothing expands


def _part_name(directory: str, target: str) -> str:
    from urllib.parse import unquote

    target = unquote(target).replace("\\", "/")
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(directory, target))


def _relationships(content: bytes, directory: str, kept: dict[str, str]) -> tuple[bytes, set[str]]:
    """The relationships rebuilt: internal ones to a kept part, external ones only to web pages
    (hyperlinks). Returns the new part and the ids left behind."""
    from xml.sax.saxutils import quoteattr

    rebuilt, dropped = [], set()
    for rel in _parse_xml(content):
        rid, kind, target = rel.get("Id") or "", rel.get("Type") or "", rel.get("Target") or ""
        if rel.get("TargetMode") == "External":
            keep = kind.endswith("/hyperlink") and bool(_WEB_LINK.match(target))
        else:
            resolved = _part_name(directory, target)
            keep = resolved.lower() in kept and not resolved.startswith("..")
            if keep:
                target = "/" + kept[resolved.lower()]
        if keep and rid:
            external = ' TargetMode="External"' if rel.get("TargetMode") == "External" else ""
            rebuilt.append(
                f"<Relationship Id={quoteattr(rid)} Type={quoteattr(kind)} Target={quoteattr(target)}{external}/>"
            )
        else:
            dropped.add(rid)
    xml = f'<Relationships xmlns="{_RELS_NAMESPACE}">{"".join(rebuilt)}</Relationships>'
    return _XML_DECLARATION + xml.encode(), dropped


def _content_types(content: bytes, parts: set[str]) -> bytes:
    from xml.sax.saxutils import quoteattr

    extensions = {name.rsplit(".", 1)[-1].lower() for name in parts if "." in name.rsplit("/", 1)[-1]}
    lowered = {name.lower() for name in parts}
    items = []
    for item in _parse_xml(content):
        tag = item.tag.rsplit("}", 1)[-1]
        kind = item.get("ContentType") or ""
        if tag == "Default" and (item.get("Extension") or "").lower() in extensions | {"rels"}:
            items.append(f"<Default Extension={quoteattr(item.get('Extension'))} ContentType={quoteattr(kind)}/>")
        elif tag == "Override" and (item.get("PartName") or "").lstrip("/").lower() in lowered:
            kind = _PLAIN_MAIN_TYPES.get(kind, kind)
            items.append(f"<Override PartName={quoteattr(item.get('PartName'))} ContentType={quoteattr(kind)}/>")
    return _XML_DECLARATION + f'<Types xmlns="{_TYPES_NAMESPACE}">{"".join(items)}</Types>'.encode()


def strip_ooxml(data: bytes) -> bytes:
    """Word, Excel and PowerPoint files rebuilt from the parts a reader needs (see _OOXML_KEEP), each
    relationship kept only towards a kept part or a web page, pictures re-encoded, the properties cut
    down to counts and dates, and in the kept parts no comment anchors, revision or comment authors,
    document variables, mail-merge sources, file-sharing user names or absolute paths."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        infos = [info for info in source.infolist() if not info.is_dir()]
        contents = _kept_parts(source, infos)
        relationships, dropped_ids = _kept_relationships(source, infos, {name.lower(): name for name in contents})
    _clean_parts(contents, dropped_ids)
    contents.update(relationships)
    contents["[Content_Types].xml"] = _content_types(contents["[Content_Types].xml"], set(contents))
    return _zipped(contents)


def _read_part(source: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A part inflated up to the size it declares (which the upload check limited): a part that lies
    about its size fails its CRC instead of filling memory."""
    with source.open(info) as part:
        return part.read(info.file_size)


def _kept_parts(source: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, bytes]:
    """The parts a reader needs (see _OOXML_KEEP) by name, pictures re-encoded (those that cannot be are
    left out); CannotPrepareDocument if the main part or the content types are missing."""
    contents: dict[str, bytes] = {}
    for info in infos:
        if not _OOXML_KEEP.fullmatch(info.filename):
            continue
        content = _kept_content(source, info)
        if content is not None:
            contents[info.filename] = content
    if not any(marker in contents for marker in OOXML_MARKERS.values()) or "[Content_Types].xml" not in contents:
        raise CannotPrepareDocument()
    return contents


def _kept_content(source: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A kept part's content, a picture re-encoded; None for a picture that cannot be redrawn (it is
    left out, never passed on)."""
    content = _read_part(source, info)
    if "/media/" not in info.filename:
        return content
    try:
        return reencode_image(content, _IMAGE_FORMATS[info.filename.rsplit(".", 1)[-1].lower()])
    except Exception:
        return None


def _kept_relationships(
    source: zipfile.ZipFile, infos: list[zipfile.ZipInfo], kept: dict[str, str]
) -> tuple[dict[str, bytes], dict[str, set[str]]]:
    """The relationship parts of the package and of each kept part, rebuilt (see _relationships), and
    per owning part the relationship ids left behind. `kept` maps the kept parts' lowercased names to
    their names. CannotPrepareDocument if the package's own relationships are missing."""
    dropped_ids: dict[str, set[str]] = {}
    relationships: dict[str, bytes] = {}
    for info in infos:
        match = _RELS.fullmatch(info.filename)
        if not match:
            continue
        directory, base = match.group(1) or "", match.group(2)
        owner = posixpath.join(directory, base) if base else ""
        if owner and owner.lower() not in kept:
            continue
        relationships[info.filename], dropped_ids[owner] = _relationships(_read_part(source, info), directory, kept)
    if "_rels/.rels" not in relationships:
        raise CannotPrepareDocument()
    return relationships, dropped_ids


def _clean_parts(contents: dict[str, bytes], dropped_ids: dict[str, set[str]]) -> None:
    """Cut the properties down and clean every other kept XML part (see _content_part), in place; the
    content types are rebuilt last, once every part is known."""
    for name in list(contents):
        if name == "[Content_Types].xml":
            continue
        if name == "docProps/core.xml":
            contents[name] = _core_properties(contents[name])
        elif name == "docProps/app.xml":
            contents[name] = _app_properties(contents[name])
        elif name.lower().endswith(".xml"):
            _parse_xml(contents[name])
            contents[name] = _content_part(contents[name], dropped_ids.get(name, set()))


def _zipped(contents: dict[str, bytes]) -> bytes:
    """The package written again: the content types first, then the parts by name, with a fixed date."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in ["[Content_Types].xml", *sorted(n for n in contents if n != "[Content_Types].xml")]:
            target.writestr(
                zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)),
                contents[name],
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()
