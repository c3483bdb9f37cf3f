"""The canary: a unique name planted in every field of a nomination, in its files' names and in
their document metadata, and the checks that it is nowhere it must not be.

Shared by tests/web/test_blind_judging.py (what a judge reaches) and tests/web/test_leaks.py
(everything every audience reaches).
"""

from __future__ import annotations

import base64
import io
import re
import zipfile

import pikepdf

from awards.domain.judging import blind_copies
from awards.domain.nominations.attachments import add_attachment
from awards.extensions import db
from awards.models import NominationPartner
from tests import document_corpus
from tests.factories import make_nomination, make_user

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


def canary_hits(content: str | bytes) -> list[str]:
    """The forms of the canary found in the content (case-insensitive), plain or base64-encoded."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    lowered = text.lower()
    return [needle for needle in (*NEEDLES, *ENCODED_NEEDLES) if needle in lowered]


def assert_no_canary(content: str | bytes, where: str) -> None:
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    lowered = text.lower()
    for needle in NEEDLES:
        assert needle not in lowered, f"the canary leaked into {where}"
    assert not canary_hits(text), f"the canary leaked (encoded) into {where}"


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
    """Everything inside a download, decoded: PDF objects and streams, zip entries."""
    parts = [("raw bytes", data)]
    if content_type == "application/pdf":
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
    """A submitted nomination of the cycle with the canary in every field, both contact and nominator
    e-mails, the partners, the trends' text, the measured outcome, and three documents (name and metadata)."""
    nominator = make_user(name=CANARY, email=CANARY_EMAIL, organisation=f"{CANARY} Digital")
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
    )
    nomination.partners = [
        NominationPartner(name=f"{CANARY} Partners Ltd", is_supplier=True, position=0),
        NominationPartner(name="Zebedee Analytics", position=1),
    ]
    for link in nomination.trend_links:
        link.how_addressed = f"{CANARY} addresses {link.trend.name}."
    nomination.measured_outcomes[0].metric = f"Calls to {CANARY}"
    nomination.measured_outcomes[0].baseline = f"{CANARY}: 100 a day"
    nomination.measured_outcomes[0].result = f"40 a day at {CANARY}"
    db.session.commit()
    for name, data in (
        (f"{CANARY} report.pdf", canary_pdf()),
        (f"{CANARY} plan.docx", canary_docx()),
        (f"{CANARY} chart.png", canary_png()),
    ):
        add_attachment(nomination, filename=name, stream=io.BytesIO(data), by=nominator)
    db.session.commit()
    return nomination


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
    assert len(data) >= 12
    assert organiser_client.post_form(url, data, token_from=url).status_code == 302
    page = organiser_client.get(url).get_data(as_text=True)
    assert "No field names the organisation or the people involved" in page
