"""The canary test for blind judging.

A unique name is planted in every nominee field (organisation, partners, contact, nominator, the
free text the organiser redacts), in the uploaded files' names and in their document metadata.
Then every page, download and e-mail a judge can reach is walked, and the name must be nowhere,
not even inside the decoded PDF and the unzipped Office document. A judge who is conflicted with
the nomination gets 404 everywhere and never sees its reference or title.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from datetime import timedelta

import pikepdf
import pytest
import sqlalchemy as sa

from awards.domain import blind
from awards.domain.attachments import add_attachment
from awards.domain.clock import utcnow
from awards.extensions import db
from awards.models import NominationPartner, NominationTrend, OutboxMessage

from ..factories import make_cycle, make_nomination, make_user
from ..judging_factories import make_assignment, make_judge

CANARY = "Zebedee Quintrell"
NEEDLES = ("zebedee", "quintrell")


def assert_no_canary(content: str | bytes, where: str) -> None:
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    lowered = text.lower()
    for needle in NEEDLES:
        assert needle not in lowered, f"the canary leaked into {where}"


# ------------------------------------------------------------------ documents with the canary inside

def canary_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = CANARY
    pdf.docinfo["/Creator"] = f"{CANARY}'s Word"
    pdf.docinfo["/Producer"] = f"{CANARY} PDF maker"
    pdf.docinfo["/Title"] = f"Report by {CANARY}"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [CANARY]
        meta["dc:title"] = f"Report by {CANARY}"
        meta["pdf:Producer"] = CANARY
    page = pdf.pages[0]
    note = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text,
                                                Rect=[10, 10, 30, 30], T=pikepdf.String(CANARY),
                                                Contents=pikepdf.String("Please check the figures")))
    page.obj["/Annots"] = pikepdf.Array([note])
    out = io.BytesIO()
    pdf.save(out)
    data = out.getvalue()
    assert CANARY.encode() in data
    return data


def canary_docx() -> bytes:
    core = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Plan by {CANARY}</dc:title><dc:creator>{CANARY}</dc:creator><cp:lastModifiedBy>{CANARY}</cp:lastModifiedBy><cp:revision>3</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">2025-01-01T09:00:00Z</dcterms:created></cp:coreProperties>"""
    app_xml = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application><Company>{CANARY} Council</Company><Manager>{CANARY}</Manager><Pages>1</Pages></Properties>"""
    document = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Our plan</w:t></w:r></w:p></w:body></w:document>"""
    comments = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:comment w:id="0" w:author="{CANARY}" w:initials="ZQ"><w:p><w:r><w:t>Check</w:t></w:r></w:p></w:comment></w:comments>"""
    types = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("word/document.xml", document)
        z.writestr("word/comments.xml", comments)
        z.writestr("docProps/core.xml", core)
        z.writestr("docProps/app.xml", app_xml)
    return out.getvalue()


def canary_png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"tEXt", b"Author\x00" + CANARY.encode())
            + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00")) + chunk(b"IEND", b""))


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
                    parts.append((f"PDF stream {obj.objgen}", obj.read_bytes()))
                elif isinstance(obj, pikepdf.Dictionary):
                    parts.append((f"PDF object {obj.objgen}", repr(obj).encode()))
    elif content_type.startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts += [(f"zip entry {name}", z.read(name)) for name in z.namelist()]
    return parts


# ------------------------------------------------------------------ the nomination full of canaries

@pytest.fixture
def cycle(app):
    now = utcnow()
    return make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))


@pytest.fixture
def nomination(cycle):
    nominator = make_user(name=CANARY, email="zebedee.quintrell@quintrell-digital.example",
                          organisation=f"{CANARY} Digital")
    nomination = make_nomination(
        cycle, nominator=nominator, title=f"The {CANARY} front door",
        organisation_name=f"{CANARY} Borough Council", contact_name=CANARY,
        contact_email="zq@zebedee-quintrell.gov.uk", contact_phone="01632 960 001",
        summary=f"{CANARY} rebuilt its front door.", challenge=f"People queued at {CANARY}'s counter.",
        approach=f"The {CANARY} team designed with residents.", outcomes_narrative=f"{CANARY} cut queues.",
        unintended_consequences=f"Some {CANARY} staff moved roles.", lessons=f"Ask {CANARY} for the code.")
    nomination.partners = [NominationPartner(name=f"{CANARY} Partners Ltd", is_supplier=True, position=0),
                           NominationPartner(name="Zebedee Analytics", position=1)]
    for link in nomination.trend_links:
        link.how_addressed = f"{CANARY} addresses {link.trend.name}."
    nomination.measured_outcomes[0].metric = f"Calls to {CANARY}"
    nomination.measured_outcomes[0].baseline = f"{CANARY}: 100 a day"
    nomination.measured_outcomes[0].result = f"40 a day at {CANARY}"
    db.session.commit()
    for name, data in ((f"{CANARY} report.pdf", canary_pdf()), (f"{CANARY} plan.docx", canary_docx()),
                       (f"{CANARY} chart.png", canary_png())):
        add_attachment(nomination, filename=name, stream=io.BytesIO(data), by=nominator)
    db.session.commit()
    return nomination


def redact_everything(organiser_client, cycle, nomination):
    """The organiser replaces the canary in every free-text field, through the redaction page."""
    url = f"/organiser/cycles/{cycle.slug}/nominations/{nomination.reference}/redaction"
    page = organiser_client.get(url).get_data(as_text=True)
    assert "Names " in page  # the page points at the fields that name the organisation
    data = {}
    for field in blind.redactable_fields(nomination):
        if "quintrell" in field.original.lower() or "zebedee" in field.original.lower():
            data["text-" + field.key.replace(":", "-")] = re.sub(r"zebedee|quintrell", "[name]", field.original,
                                                                 flags=re.IGNORECASE)
    assert len(data) >= 12
    assert organiser_client.post_form(url, data, token_from=url).status_code == 302
    page = organiser_client.get(url).get_data(as_text=True)
    assert "No field names the organisation or the people involved" in page


def test_the_canary_is_nowhere_a_judge_can_reach(app, cycle, nomination, judge, judge_client, organiser_client):
    redact_everything(organiser_client, cycle, nomination)
    membership = make_judge(cycle, judge)
    make_assignment(membership, nomination)
    base = f"/judging/nominations/{nomination.reference}"
    seen: list[tuple[str, str | bytes]] = []

    def visit(url, expected=200):
        response = judge_client.get(url)
        assert response.status_code == expected, url
        seen.append((url, response.get_data()))
        return response

    # The organisers remind the judge of what is left (the reminder lists references and titles)
    from awards.domain.progress import send_reminders
    organiser = make_user(roles=("organiser",))
    send_reminders(cycle, [membership], by=organiser)
    db.session.commit()

    visit("/judging/")
    visit(f"{base}/declare")
    response = judge_client.post_form(f"{base}/declare", {"has_conflict": "no"}, token_from=f"{base}/declare")
    assert response.status_code == 302
    visit("/judging/profile")
    visit("/account")
    visit(base)
    page = judge_client.get(base).get_data(as_text=True)
    links = re.findall(rf'href="({re.escape(base)}/documents/\d+)"', page)
    assert len(links) == 3
    assert ["Supporting document 1.pdf", "Supporting document 2.docx", "Supporting document 3.png"] == \
        re.findall(r">(Supporting document \d\.\w+)</a>", page)
    for link in links:
        response = visit(link)
        disposition = response.headers["Content-Disposition"]
        assert re.fullmatch(r'attachment; filename="Supporting document \d\.(pdf|docx|png)"', disposition)
        for where, content in decoded_contents(response.data, response.headers["Content-Type"]):
            assert_no_canary(content, f"{link} ({where})")

    # A draft, a page with errors, a submitted sheet, and back to the list
    criteria = cycle.criteria
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = judge_client.post_form(base, {f"score-{criteria[0].id}": "6", "action": "submit", "version": version},
                                      token_from=base)
    seen.append(("incomplete submission", response.get_data()))
    judge_client.post_form(base, {f"score-{criteria[0].id}": "6", "action": "draft", "version": version},
                           token_from=base)
    visit(base)
    version = re.search(r'name="version" value="(\d+)"', judge_client.get(base).get_data(as_text=True)).group(1)
    data = {f"score-{c.id}": "7" for c in criteria}
    response = judge_client.post_form(base, {**data, "action": "submit", "version": version}, token_from=base)
    assert response.status_code == 302
    visit(base)
    visit("/judging/")

    # The organiser reopens the scores: the judge is e-mailed
    from awards.models import Review
    review = db.session.scalar(sa.select(Review))
    url = f"/organiser/cycles/{cycle.slug}/reviews/{review.id}/reopen"
    assert organiser_client.post_form(url, {"reason": "Look again"}, token_from=url).status_code == 302
    visit(base)

    db.session.expire_all()
    mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == judge.email)).all()
    assert {m.kind for m in mails} >= {"judging_reminder", "review_reopened"}
    assert all(nomination.reference in m.body_text for m in mails)
    for mail in mails:
        for part in (mail.subject, mail.body_text, mail.body_html or "", mail.to_name):
            assert_no_canary(part, f"e-mail {mail.subject!r}")

    for url, content in seen:
        assert_no_canary(content, url)
    # The redacted copies are what the judge read; the originals are untouched
    db.session.expire_all()
    assert CANARY in nomination.challenge and CANARY in nomination.title


def test_a_conflicted_judge_sees_nothing_of_the_nomination(app, cycle, nomination):
    colleague = make_user(name="Col League", email="col@zebedee-quintrell.gov.uk", roles=("judge",),
                          organisation="Another Place")
    membership = make_judge(cycle, colleague)
    # Assigned before the conflict was known, and even said "no conflict"
    make_assignment(membership, nomination, no_conflict_declared=True)
    other = make_nomination(cycle, title="Unrelated entry")
    make_assignment(membership, other)
    client = app.test_client()
    client.sign_in_as(colleague)
    base = f"/judging/nominations/{nomination.reference}"
    urls = [base, f"{base}/declare"] + [f"{base}/documents/{a.id}" for a in nomination.attachments]
    for url in urls:
        assert client.get(url).status_code == 404, url
    from awards.domain.progress import send_reminders
    send_reminders(cycle, [membership], by=make_user(roles=("organiser",)))
    db.session.commit()
    assert client.post_form(base, {"action": "draft", "version": "0"}, token_from="/account").status_code == 404
    assert client.post_form(f"{base}/declare", {"has_conflict": "no"}, token_from="/account").status_code == 404
    for url in ("/judging/", "/judging/profile", f"/judging/nominations/{other.reference}/declare"):
        page = client.get(url).get_data(as_text=True)
        assert nomination.reference not in page
        assert_no_canary(page, url)
    assert "Unrelated entry" in client.get("/judging/").get_data(as_text=True)
    mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == colleague.email)).all()
    assert mails and all(other.reference in mail.body_text for mail in mails)
    for mail in mails:
        assert nomination.reference not in mail.body_text and nomination.reference not in (mail.body_html or "")
        assert_no_canary(mail.body_text + (mail.body_html or "") + mail.subject, "the reminder")
