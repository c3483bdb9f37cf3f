"""The canary: a unique name planted in every field of a nomination, in its files' names and in
their document metadata, and the checks that it is nowhere it must not be.

The canary's cycle has a custom form (canary_form): the default sections, a section judges read
with a question of every kind, and a section for the organisers only with a question of every kind,
each answered with the canary (a text answer holds the name; a number, a date, a choice, a file
its own distinctive value; the questions' labels and options another name, FORM_CANARY, which
nominees of the cycle see on the form but judges must not). One more question, hidden in blind
judging, holds the canary too.

Shared by tests/web/test_blind_judging.py (what a judge reaches) and tests/web/test_leaks.py
(everything every audience reaches).
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zipfile

import pikepdf

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.judging import blind_copies
from awards.domain.nominations.attachments import add_attachment
from awards.domain.programme import entry_forms
from awards.extensions import db
from awards.models import NominationEditor, NominationInvitation, NominationPartner
from tests import document_corpus
from tests.factories import make_nomination, make_user
from tests.support.pdfs import pdf_metadata, pdf_text, squeezed

CANARY = "Zebedee Quintrell"
NEEDLES = ("zebedee", "quintrell")
# The e-mail addresses and organisation names contain the needles, as do their slugified forms
# (zebedee-quintrell, quintrell-digital). A value carried inside a signed token or a data URL would
# be base64: its three alignments are looked for too.
CANARY_EMAIL = "zebedee.quintrell@quintrell-digital.example"
CONTACT_EMAIL = "zq@zebedee-quintrell.gov.uk"


def _base64_forms(value: str) -> set[str]:
    forms = set()
    for shift in range(3):
        encoded = base64.urlsafe_b64encode(b"\0" * shift + value.encode()).decode().rstrip("=")
        core = encoded[(shift * 4 + 2) // 3 + 1 : len(encoded) - 2]  # drop the characters the padding touches
        forms |= {core.lower(), core.replace("-", "+").replace("_", "/").lower()}
    return {f for f in forms if len(f) >= 8}


ENCODED_NEEDLES = tuple(sorted(set().union(*(_base64_forms(v) for v in (CANARY, "zebedee", "quintrell")))))


# What the organisers-only questions hold besides text: a number, a date (as people and machines
# write them), and the form's own words (labels, options), which a nominee of the cycle reads on the
# form but a judge must never read.
NUMBER_CANARY = "4817263950.75"
DATE_CANARY = {"day": "29", "month": "2", "year": "1904"}
ANSWER_NEEDLES = (NUMBER_CANARY, "4,817,263,950.75", "29 February 1904", "1904-02-29")
FORM_CANARY = "Ottoline Vexhammer"
FORM_NEEDLES = ("ottoline", "vexhammer")


def canary_hits(content: str | bytes, *, form: bool = False) -> list[str]:
    """The forms of the canary found in the content (case-insensitive), plain or base64-encoded; with
    `form`, the form's own canary words too (for judges, who never read the hidden questions)."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    lowered = text.lower()
    needles = (*NEEDLES, *ENCODED_NEEDLES, *(n.lower() for n in ANSWER_NEEDLES), *(FORM_NEEDLES if form else ()))
    # and those with spaces as a PDF's text read without white space gives them (decoded_contents)
    needles += tuple(squeezed(n) for n in needles if squeezed(n) != n)
    return [needle for needle in needles if needle in lowered]


def assert_no_canary(content: str | bytes, where: str, *, form: bool = True) -> None:
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    lowered = text.lower()
    for needle in NEEDLES:
        assert needle not in lowered, f"the canary leaked into {where}"
    hits = canary_hits(text, form=form)
    assert not hits, f"the canary leaked into {where}: {hits}"


# ------------------------------------------------------------------ the custom form

# Every kind an organiser can add, as a question of the canary's form (trends is the core question's).
CUSTOM_KINDS = ("text", "textarea", "number", "date", "yes_no", "choice", "choices", "email", "url", "phone")
CUSTOM_KINDS += ("declaration", "file", "group")


def _question(key: str, kind: str, label: str, judges_see: str, options: list[str]) -> dict:
    settings: dict = {}
    if kind in ("choice", "choices"):
        settings["options"] = options
    if kind == "number":
        settings["unit"] = "staff"
    if kind == "textarea":
        settings["max_words"] = 500
    if kind == "file":
        settings.update(types=["pdf", "docx", "png"], max_mb=10, max_count=3)
    if kind == "group":
        settings.update(
            max_rows=5,
            row_name="Milestone",
            columns=[
                {"key": "what", "kind": "text", "label": "What happened", "required": True, "settings": {}},
                {"key": "people", "kind": "number", "label": "People", "required": False, "settings": {}},
                {"key": "public", "kind": "yes_no", "label": "Public", "required": False, "settings": {}},
            ],
        )
    return {
        "key": key,
        "kind": kind,
        "core": False,
        "label": label,
        "hint": "",
        "required": False,
        "settings": settings,
        "judges_see": judges_see,
        "public": False,
        "condition": None,
    }


def canary_form(cycle) -> None:
    """Give the cycle the default form plus two sections with a question of every kind: "seen_<kind>"
    that judges read, and "hidden_<kind>" for the organisers only (labelled and optioned with
    FORM_CANARY); and "blind_note", hidden in blind judging."""
    definition = entry_forms.default_definition()
    seen = [
        _question(f"seen_{kind}", kind, f"Seen {kind.replace('_', ' ')}", "all", ["Option A", "Option B", "Option C"])
        for kind in CUSTOM_KINDS
    ]
    hidden = [
        _question(
            f"hidden_{kind}",
            kind,
            f"{FORM_CANARY} asks: {kind.replace('_', ' ')}",
            "none",
            ["Plain option", f"{FORM_CANARY} option", f"Another {FORM_CANARY} option"],
        )
        for kind in CUSTOM_KINDS
    ]
    blind = _question("blind_note", "textarea", "Who are you?", "not_blind", [])
    definition["sections"][-1:-1] = [
        {"key": "team", "title": "About the team", "hint": "", "intro": "", "condition": None, "questions": seen},
        {
            "key": "organisers",
            "title": "For the organisers",
            "hint": "",
            "intro": "",
            "condition": None,
            "questions": [*hidden, blind],
        },
    ]
    entry_forms.install(cycle, definition)
    db.session.commit()


def _answers(prefix: str, text: str, options: list[str], number: str, day: dict) -> dict:
    """Answers to every custom kind but file (uploaded) and declaration (ticked)."""
    return {
        f"{prefix}_text": f"{text} short answer",
        f"{prefix}_textarea": f"{text} long answer.\n\nA second paragraph.",
        f"{prefix}_number": number,
        f"{prefix}_date": day,
        f"{prefix}_yes_no": True,
        f"{prefix}_choice": options[1],
        f"{prefix}_choices": options[1:],
        f"{prefix}_email": f"{text.split()[-1].lower()}@example.org",
        f"{prefix}_url": f"https://{text.split()[-1].lower()}.example.org/work",
        f"{prefix}_phone": "01632 960 123",
        f"{prefix}_declaration": True,
        f"{prefix}_group": [{"what": f"{text} launched", "people": "12", "public": True}],
    }


# ------------------------------------------------------------------ documents with the canary inside


def _everywhere(place: str) -> str:
    return CANARY


def canary_pdf() -> bytes:
    """The crafted PDF of tests/document_corpus.py with the canary in every place (information,
    XMP, scripts, embedded and attached files, comments, bookmarks, images' EXIF and trailing bytes)."""
    data = document_corpus.pdf(_everywhere)
    assert CANARY.encode() in data
    return data


def canary_docx() -> bytes:
    """The crafted Word document: template path, custom XML, properties, comments, revision authors,
    embedded workbook, pictures' EXIF and trailing bytes, zip comment."""
    return document_corpus.docx(_everywhere)


def canary_png() -> bytes:
    return document_corpus.png(_everywhere, "upload")


def decoded_contents(data: bytes, content_type: str) -> list[tuple[str, bytes]]:
    """Everything inside a download, decoded: PDF objects and streams, a PDF's text as a reader reads it and
    its metadata (pypdf: WeasyPrint's glyph-encoded text never shows in the streams), zip entries."""
    parts = [("raw bytes", data)]
    if content_type == "application/pdf":
        text = pdf_text(data)
        parts.append(("PDF text", text.encode()))
        parts.append(("PDF text without white space", squeezed(text).encode()))  # "Z e b e d e e" in a heading
        parts.append(("PDF metadata", repr(pdf_metadata(data)).encode()))
        with pikepdf.open(io.BytesIO(data)) as pdf:
            parts.append(("document information", repr(dict(pdf.trailer.get("/Info", {}))).encode()))
            if "/Metadata" in pdf.Root:
                parts.append(("XMP metadata", pdf.Root.Metadata.read_bytes()))
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Stream):
                    try:
                        parts.append((f"PDF stream {obj.objgen}", obj.read_bytes()))
                    except pikepdf.PdfError:  # an image pikepdf cannot decode (JPEG 2000): its raw bytes
                        parts.append((f"PDF stream {obj.objgen}", obj.read_raw_bytes()))
                elif isinstance(obj, pikepdf.Dictionary):
                    parts.append((f"PDF object {obj.objgen}", repr(obj).encode()))
    elif content_type.startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts += [(f"zip entry {name}", z.read(name)) for name in z.namelist()]
    # and everything nested: zips in zips, raw PDF streams, compressed PNG text
    parts += document_corpus.unpacked(data)[1:]
    return parts


def plant_canary_nomination(cycle):
    """A submitted nomination of the cycle, on the custom form (canary_form), with the canary in every
    field: both contact and nominator e-mails, the partners, the trends' text, the measured outcome,
    every custom question judges read (which the organisers redact) and every one they do not (text,
    a distinctive number and date, the chosen options, a group's cells), the question hidden in blind
    judging, and three documents for judges and two for the organisers only (names and metadata)."""
    canary_form(cycle)
    nominator = make_user(name=CANARY, email=CANARY_EMAIL, organisation=f"{CANARY} Digital")
    seen_options = ["Option A", "Option B", "Option C"]
    hidden_options = ["Plain option", f"{FORM_CANARY} option", f"Another {FORM_CANARY} option"]
    nomination = make_nomination(
        cycle,
        nominator=nominator,
        title=f"The {CANARY} front door",
        organisation_name=f"{CANARY} Borough Council",
        contact_name=CANARY,
        contact_email=CONTACT_EMAIL,
        contact_phone="01632 960 001",
        summary=f"{CANARY} rebuilt its front door.",
        challenge=f"People queued at {CANARY}'s counter.",
        approach=f"The {CANARY} team designed with residents.",
        outcomes_narrative=f"{CANARY} cut queues.",
        unintended_consequences=f"Some {CANARY} staff moved roles.",
        lessons=f"Ask {CANARY} for the code.",
        measured=[
            {
                "metric": f"Calls to {CANARY}",
                "baseline": f"{CANARY}: 100 a day",
                "result": f"40 a day at {CANARY}",
                "measured_on": "March 2026",
            }
        ],
        **_answers("seen", CANARY, seen_options, "42", {"day": "3", "month": "3", "year": "2025"}),
        **_answers("hidden", CANARY, hidden_options, NUMBER_CANARY, DATE_CANARY),
        blind_note=f"We are {CANARY} Borough Council.",
    )
    nomination.answers = {
        **nomination.answers,
        "seen_url": "https://example.org/work",  # judges follow no link out: the visible one names nobody
        "seen_email": "team@example.org",
    }
    nomination.touched_sections = f"{nomination.touched_sections},team,organisers"
    nomination.partners = [
        NominationPartner(name=f"{CANARY} Partners Ltd", is_supplier=True, position=0),
        NominationPartner(name="Zebedee Analytics", position=1),
    ]
    for link in nomination.trend_links:
        link.how_addressed = f"{CANARY} addresses {link.trend.name}."
    db.session.commit()
    plant_canary_team(nomination)
    by_key = {q.key: q for q in entry_forms.questions_of(cycle)}
    for key, name, data in (
        ("documents", f"{CANARY} report.pdf", canary_pdf()),
        ("documents", f"{CANARY} plan.docx", canary_docx()),
        ("documents", f"{CANARY} chart.png", canary_png()),
        ("seen_file", "Team photo.png", canary_png()),
        ("hidden_file", f"{CANARY} private.pdf", canary_pdf()),
        ("hidden_file", f"{CANARY} budget.docx", canary_docx()),
    ):
        add_attachment(nomination, by_key[key], filename=name, stream=io.BytesIO(data), by=nominator)
    db.session.commit()
    return nomination


TEAM_CANARY_EMAIL = "zq.partner@zebedee-quintrell.gov.uk"


def plant_canary_team(nomination) -> None:
    """The canary's team: a co-editor and a pending invitation carrying the canary (the cycle has closed, so they
    are written as the team's functions would have left them, with their audit events)."""
    now = utcnow()
    helper = make_user(
        name=f"{CANARY} Junior", email="junior@quintrell-digital.example", organisation=f"{CANARY} Digital"
    )
    db.session.add(NominationEditor(nomination_id=nomination.id, user_id=helper.id, added_at=now))
    db.session.add(
        NominationInvitation(
            nomination_id=nomination.id,
            email=TEAM_CANARY_EMAIL,
            token_digest=hashlib.sha256(b"canary").hexdigest(),
            invited_at=now,
            invited_by_id=nomination.nominator_id,
        )
    )
    audit.record("nomination.team_invited", actor=nomination.nominator, obj=nomination, email=TEAM_CANARY_EMAIL)
    audit.record("nomination.team_joined", actor=helper, obj=nomination, member=helper.id)
    db.session.commit()


def hidden_documents(nomination) -> list:
    """The nomination's files that answer a question judges never read."""
    return [a for a in nomination.attachments if a.question_key == "hidden_file"]


def redact_everything(organiser_client, cycle, nomination):
    """The organiser replaces the canary in every free-text field, through the redaction page."""
    url = f"/organiser/cycles/{cycle.slug}/nominations/{nomination.reference}/redaction"
    page = organiser_client.get(url).get_data(as_text=True)
    assert "Names " in page  # the page points at the fields that name the organisation
    data = {}
    for field in blind_copies.redactable_fields(nomination):
        if "quintrell" in field.original.lower() or "zebedee" in field.original.lower():
            data["text-" + field.key.replace(":", "-")] = re.sub(
                r"zebedee|quintrell", "[name]", field.original, flags=re.IGNORECASE
            )
    assert len(data) >= 15
    assert {"text-seen_text", "text-seen_textarea", "text-seen_group-0-what"} <= set(data)
    assert not [key for key in data if "hidden" in key or "blind" in key]  # judges never read those
    assert organiser_client.post_form(url, data, token_from=url).status_code == 302
    page = organiser_client.get(url).get_data(as_text=True)
    assert "No field names the organisation or the people involved" in page
