"""What a judge may see of a nomination, and the organiser's redactions.

Judges get a `JudgeEntry`, never the nomination itself: with blind judging on (the default) it
holds neither the nominated organisation, its partners, the contact nor the nominator, and the
free text is the organiser's redacted copy where there is one (the nominee's original is kept).
Supporting documents are offered under neutral names ("Supporting document 1.pdf") and the copy
a judge downloads has the metadata that names its author removed.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import Attachment, CycleStatus, Nomination, Redaction, User
from . import audit
from .attachments import KINDS, human_size
from .clock import utcnow
from .errors import DomainError, NotAllowed

# ---------------------------------------------------------------- redactable text

# Free-text fields of the nomination itself, in the order the entry shows them.
TEXT_FIELDS: tuple[tuple[str, str], ...] = (
    ("title", "Project title"),
    ("summary", "Public summary"),
    ("challenge", "The challenge"),
    ("approach", "The approach"),
    ("outcomes_narrative", "Outcomes and impact"),
    ("unintended_consequences", "Unintended consequences and risks"),
    ("lessons", "Lessons and how others could adopt it"),
)
OUTCOME_PARTS: tuple[tuple[str, str], ...] = (("metric", "what was measured"), ("baseline", "before"),
                                              ("result", "after"))
REDACTION_MAX_LENGTH = 20000


@dataclass(frozen=True)
class RedactableField:
    key: str            # e.g. "challenge", "trend:12" (how it addresses trend 12), "outcome:0:metric"
    label: str
    original: str
    multiline: bool = True


def redactable_fields(nomination: Nomination) -> list[RedactableField]:
    """Every free-text field of the entry an organiser may redact, with the nominee's original text."""
    fields = [RedactableField(key, label, getattr(nomination, key) or "", multiline=key != "title")
              for key, label in TEXT_FIELDS]
    for link in nomination.trend_links:
        fields.append(RedactableField(f"trend:{link.trend_id}", f"How it addresses {link.trend.name}",
                                      link.how_addressed or ""))
    # Measured outcomes are keyed by position: a nominee's later save re-creates the rows.
    for outcome in nomination.measured_outcomes:
        for part, label in OUTCOME_PARTS:
            fields.append(RedactableField(f"outcome:{outcome.position}:{part}",
                                          f"Measured outcome {outcome.position + 1}: {label}",
                                          getattr(outcome, part) or "", multiline=False))
    return fields


def redactions_of(nomination: Nomination) -> dict[str, Redaction]:
    return {r.field: r for r in db.session.scalars(select(Redaction).where(Redaction.nomination_id == nomination.id))}


def redaction_editable(nomination: Nomination) -> str | None:
    """Why the redactions cannot be changed now (None if they can)."""
    if nomination.status.value in ("draft", "withdrawn"):
        return (f"This nomination is {nomination.status.label.lower()}: it can be redacted once it is submitted, "
                "before judges see it.")
    if nomination.cycle.status is CycleStatus.PUBLISHED:
        return "The results of this cycle are published, so what judges saw can no longer change."
    return None


def save_redactions(nomination: Nomination, texts: dict[str, str], *, restore: set[str] | frozenset = frozenset(),
                    by: User) -> list[str]:
    """Store the organiser's redacted copy of each given field (the same text as the original, or a
    field in `restore`, removes the redaction). Returns the labels of the fields that changed."""
    problem = redaction_editable(nomination)
    if problem:
        raise NotAllowed(problem)
    fields = {f.key: f for f in redactable_fields(nomination)}
    unknown = (set(texts) | set(restore)) - set(fields)
    if unknown:
        raise DomainError("Those fields are not part of this nomination: reload the page and try again")
    existing = redactions_of(nomination)
    changed: list[str] = []
    now = utcnow()
    for key, item in fields.items():
        if key not in texts and key not in restore:
            continue
        text = (texts.get(key) or "").replace("\r\n", "\n").strip()
        if len(text) > REDACTION_MAX_LENGTH:
            raise DomainError(f"{item.label} must be {REDACTION_MAX_LENGTH:,} characters or fewer", field=key)
        current = existing.get(key)
        if key in restore or text == item.original.replace("\r\n", "\n").strip():
            if current is not None:
                db.session.delete(current)
                changed.append(item.label)
            continue
        if current is None:
            db.session.add(Redaction(nomination_id=nomination.id, field=key, text=text, updated_at=now,
                                     updated_by_id=by.id))
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
    from .conflicts import normalise_organisation

    terms: list[str] = []
    nominator = nomination.nominator
    for value in (nomination.organisation_name, normalise_organisation(nomination.organisation_name),
                  *(p.name for p in nomination.partners), nomination.contact_name, nomination.contact_email,
                  nominator.name if nominator else "", nominator.email if nominator else "",
                  nominator.organisation if nominator else ""):
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


@dataclass(frozen=True)
class JudgeOutcome:
    metric: str
    baseline: str
    result: str
    measured_on: str


@dataclass(frozen=True)
class JudgeDocument:
    id: int
    name: str
    kind: str
    size: str


@dataclass(frozen=True)
class JudgeEntry:
    """Everything a judge may see of a nomination (and nothing else)."""

    reference: str
    title: str
    category: str
    blind: bool
    region: str = ""
    summary: str = ""
    challenge: str = ""
    approach: str = ""
    outcomes_narrative: str = ""
    unintended_consequences: str = ""
    lessons: str = ""
    trends: list[JudgeTrend] = field(default_factory=list)
    outcomes: list[JudgeOutcome] = field(default_factory=list)
    documents: list[JudgeDocument] = field(default_factory=list)
    # Only when blind judging is off
    organisation: str = ""
    partners: list[str] = field(default_factory=list)


def _text(redactions: dict[str, Redaction], key: str, original: str | None) -> str:
    redaction = redactions.get(key)
    return redaction.text if redaction is not None else (original or "")


def judge_title(nomination: Nomination, redactions: dict[str, Redaction] | None = None) -> str:
    """The title as judges see it (the redacted one if the organiser redacted it)."""
    if redactions is None:
        redaction = db.session.scalar(select(Redaction).where(Redaction.nomination_id == nomination.id,
                                                              Redaction.field == "title"))
        title = redaction.text if redaction is not None else nomination.title
    else:
        title = _text(redactions, "title", nomination.title)
    return title or "Untitled nomination"


def judge_titles(nominations: list[Nomination]) -> dict[int, str]:
    """Judge-facing titles of many nominations in one query (for lists)."""
    ids = [n.id for n in nominations]
    redacted = {}
    if ids:
        redacted = dict(db.session.execute(select(Redaction.nomination_id, Redaction.text).where(
            Redaction.nomination_id.in_(ids), Redaction.field == "title")).all())
    return {n.id: (redacted.get(n.id, n.title) or "Untitled nomination") for n in nominations}


def document_name(attachment: Attachment, number: int, blind: bool) -> str:
    """'Supporting document 2.pdf' under blind judging (numbered in upload order), else the file's name."""
    if not blind:
        return attachment.original_name
    return f"Supporting document {number}.{attachment.extension}"


def numbered_documents(nomination: Nomination) -> list[tuple[int, Attachment]]:
    return list(enumerate(sorted(nomination.attachments, key=lambda a: a.id), start=1))


def judge_entry(nomination: Nomination) -> JudgeEntry:
    """The nomination as a judge may see it: redactions applied; under blind judging nothing that
    names the organisation, partners, contact or nominator, and documents under neutral names."""
    blind = nomination.cycle.blind_judging
    redactions = redactions_of(nomination)
    documents = [JudgeDocument(a.id, document_name(a, number, blind),
                               KINDS[a.extension].label if a.extension in KINDS else a.extension.upper(),
                               human_size(a.size))
                 for number, a in numbered_documents(nomination)]
    entry = JudgeEntry(
        reference=nomination.reference,
        title=judge_title(nomination, redactions),
        category=nomination.category.name,
        blind=blind,
        region=nomination.region,
        **{key: _text(redactions, key, getattr(nomination, key)) for key, _ in TEXT_FIELDS if key != "title"},
        trends=[JudgeTrend(link.trend.name, link.is_primary,
                           _text(redactions, f"trend:{link.trend_id}", link.how_addressed))
                for link in nomination.trend_links],
        outcomes=[JudgeOutcome(*(_text(redactions, f"outcome:{o.position}:{part}", getattr(o, part))
                                 for part, _ in OUTCOME_PARTS), o.measured_on)
                  for o in nomination.measured_outcomes],
        documents=documents,
        organisation="" if blind else nomination.organisation_name,
        partners=[] if blind else [p.name for p in nomination.partners],
    )
    return entry


# ---------------------------------------------------------------- document metadata

class CannotPrepareDocument(DomainError):
    """The document could not be read well enough to remove its author details."""

    def __init__(self, message: str = "This document could not be prepared for judging. The organisers can "
                                      "send it to you another way."):
        super().__init__(message)


def judge_copy(attachment: Attachment, data: bytes, *, blind: bool) -> bytes:
    """The bytes a judge downloads: under blind judging, without the metadata that names the author."""
    if not blind:
        return data
    strip = {"pdf": strip_pdf, "docx": strip_ooxml, "xlsx": strip_ooxml, "pptx": strip_ooxml,
             "jpg": strip_jpeg, "png": strip_png}.get(attachment.extension)
    if strip is None:
        raise CannotPrepareDocument()
    try:
        return strip(data)
    except CannotPrepareDocument:
        raise
    except Exception as exc:  # a damaged or unusual file: never fall back to the original
        raise CannotPrepareDocument() from exc


def strip_pdf(data: bytes) -> bytes:
    """Remove the document information (Author, Creator, Producer, Title …), XMP metadata everywhere,
    private application data and the authors of annotations; unreachable old revisions go too."""
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise CannotPrepareDocument("This document is protected by a password, so it could not be prepared "
                                    "for judging. The organisers can send it to you another way.") from exc
    with pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        for obj in pdf.objects:
            if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                continue
            for key in ("/Metadata", "/PieceInfo"):
                if key in obj:
                    del obj[key]
            if obj.get("/Type") == pikepdf.Name.Annot and "/T" in obj and "/FT" not in obj:  # its author
                del obj["/T"]
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", pikepdf.Array()):
                if isinstance(annotation, pikepdf.Dictionary) and "/T" in annotation and "/FT" not in annotation:
                    del annotation["/T"]
        out = io.BytesIO()
        pdf.save(out, fix_metadata_version=False)
    return out.getvalue()


_CORE_ELEMENTS = ("creator", "lastModifiedBy", "title", "subject", "description", "keywords")
_APP_ELEMENTS = ("Company", "Manager", "Template", "HyperlinkBase")
_PERSON_ATTRIBUTES = ("author", "initials", "userId", "providerId", "displayName")


def _empty_elements(xml: bytes, names: tuple[str, ...]) -> bytes:
    for name in names:
        pattern = re.compile(rb"<((?:[\w.-]+:)?)(" + name.encode() + rb")(\s[^>]*?)?(?<!/)>.*?</\1\2\s*>", re.DOTALL)
        xml = pattern.sub(lambda m: b"<" + m.group(1) + m.group(2) + (m.group(3) or b"") + b"></"
                          + m.group(1) + m.group(2) + b">", xml)
    return xml


def _empty_attributes(xml: bytes, names: tuple[str, ...]) -> bytes:
    pattern = re.compile(rb"(\s(?:[\w.-]+:)?(?:" + b"|".join(n.encode() for n in names) + rb")\s*=\s*)([\"'])(.*?)\2",
                         re.DOTALL)
    return pattern.sub(lambda m: m.group(1) + m.group(2) + m.group(2), xml)


def _clean_ooxml_part(name: str, xml: bytes) -> bytes:
    if name == "docProps/core.xml":
        return _empty_elements(xml, _CORE_ELEMENTS)
    if name == "docProps/app.xml":
        return _empty_elements(xml, _APP_ELEMENTS)
    if name == "docProps/custom.xml":
        return re.sub(rb"<((?:[\w.-]+:)?)property\b.*?</\1property\s*>", b"", xml, flags=re.DOTALL)
    if not name.endswith(".xml"):
        return xml
    if name.startswith("word/"):  # comments and tracked changes carry w:author and w:initials
        return _empty_attributes(xml, _PERSON_ATTRIBUTES)
    if name.startswith("xl/"):
        if re.match(r"xl/comments\d*\.xml$", name):
            xml = _empty_elements(xml, ("author",))
        if name.startswith(("xl/persons/", "xl/threadedComments/")):
            xml = _empty_attributes(xml, _PERSON_ATTRIBUTES)
        return xml
    if name in ("ppt/commentAuthors.xml", "ppt/authors.xml"):
        return _empty_attributes(xml, (*_PERSON_ATTRIBUTES, "name"))
    return xml


def strip_ooxml(data: bytes) -> bytes:
    """Word, Excel and PowerPoint files: empty the core properties that name people (creator, last
    modified by, title …), the company and manager, custom properties, and comment and revision authors."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            # Inflate in bounded steps up to the size the part declares (which the upload check
            # limited): a part that lies about its size fails its CRC instead of filling memory.
            with source.open(info) as part:
                raw = part.read(info.file_size)
            content = _clean_ooxml_part(info.filename, raw)
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            # stored parts (e.g. images) stay stored; everything else is compressed
            stored = info.compress_type == zipfile.ZIP_STORED
            copy.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            copy.external_attr = info.external_attr
            target.writestr(copy, content)
    return out.getvalue()


# JPEG segments that carry metadata: APP1 (EXIF, XMP), APP12, APP13 (IPTC/Photoshop), comments.
_JPEG_DROP = {0xE1, 0xEC, 0xED, 0xFE}


def strip_jpeg(data: bytes) -> bytes:
    """Drop EXIF, XMP, IPTC and comment segments (they can hold the photographer or author)."""
    if not data.startswith(b"\xff\xd8"):
        raise CannotPrepareDocument()
    out = bytearray(b"\xff\xd8")
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            raise CannotPrepareDocument()
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9 or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += data[i:i + 2]
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        segment = data[i:i + 2 + length]
        if marker == 0xDA:  # start of scan: the image data follows to the end
            out += data[i:]
            return bytes(out)
        if marker not in _JPEG_DROP:
            out += segment
        i += 2 + length
    return bytes(out)


_PNG_DROP = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def strip_png(data: bytes) -> bytes:
    """Drop the text, EXIF and time chunks (they can hold the author)."""
    signature = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature):
        raise CannotPrepareDocument()
    out = bytearray(signature)
    i = len(signature)
    while i + 8 <= len(data):
        length = struct.unpack(">I", data[i:i + 4])[0]
        kind = data[i + 4:i + 8]
        chunk = data[i:i + 12 + length]
        if len(chunk) < 12 + length:
            raise CannotPrepareDocument()
        if kind not in _PNG_DROP:
            out += chunk
        i += 12 + length
        if kind == b"IEND":
            break
    return bytes(out)

