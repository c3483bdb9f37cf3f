"""What a judge may see: the judge's view of an entry, neutral document names, redactions, and
the removal of author metadata from PDF, Office and image files."""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import timedelta

import pikepdf
import pytest
import sqlalchemy as sa
from PIL import Image

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError, NotAllowed
from awards.domain.judging import blind_copies
from awards.domain.nominations.attachments import add_attachment
from awards.extensions import db
from awards.models import AuditEvent, CycleStatus, Redaction
from tests.factories import make_cycle, make_nomination, make_user
from tests.support.files import make_png, png_chunk


@pytest.fixture
def organiser(app):
    return make_user(roles=("organiser",))


@pytest.fixture
def nomination(app):
    now = utcnow()
    cycle = make_cycle(status="closed", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))
    nominator = make_user(name="Nia Nominator", email="nia@riverside.gov.uk", organisation="Riverside Digital")
    return make_nomination(
        cycle,
        nominator=nominator,
        organisation_name="Riverside Borough Council",
        contact_name="Casey Contact",
        title="Blue badges",
        challenge="Riverside Borough Council had queues.",
    )


# ------------------------------------------------------------------ the judge's view


def test_blind_entry_holds_nothing_about_who_made_it(nomination):
    entry = blind_copies.judge_entry(nomination)
    assert entry.blind and entry.organisation == "" and entry.partners == []
    assert entry.title == "Blue badges" and entry.category == nomination.category.name
    assert entry.challenge == "Riverside Borough Council had queues."  # free text: the organiser redacts it
    assert [t.name for t in entry.trends] == [link.trend.name for link in nomination.trend_links]
    assert entry.outcomes[0].metric == "Calls handled"
    fields = set(vars(entry))
    assert not fields & {"contact_name", "contact_email", "contact_phone", "nominator", "organisation_name"}


def test_entry_without_blind_judging_names_the_organisation_and_partners(nomination):
    nomination.cycle.blind_judging = False
    entry = blind_copies.judge_entry(nomination)
    assert entry.organisation == "Riverside Borough Council" and entry.partners == ["Acme Digital Ltd"]


def test_documents_get_neutral_names_in_upload_order(nomination):
    png = make_png()
    first = add_attachment(
        nomination, filename="Riverside results.png", stream=io.BytesIO(png), by=nomination.nominator
    )
    second = add_attachment(nomination, filename="Board paper.png", stream=io.BytesIO(png), by=nomination.nominator)
    db.session.commit()
    assert [d.name for d in blind_copies.judge_entry(nomination).documents] == [
        "Supporting document 1.png",
        "Supporting document 2.png",
    ]
    assert blind_copies.document_name(second, 2, blind=True) == "Supporting document 2.png"
    assert blind_copies.document_name(first, 1, blind=False) == "Riverside results.png"


# ------------------------------------------------------------------ redactions


def test_redactions_replace_text_for_judges_and_keep_the_original(nomination, organiser):
    trend_id = nomination.trend_links[0].trend_id
    changed = blind_copies.save_redactions(
        nomination,
        {
            "challenge": "[The council] had queues.",
            f"trend:{trend_id}": "Redacted trend text",
            "outcome:0:result": "fewer calls",
            "summary": nomination.summary,
        },
        by=organiser,
    )
    db.session.commit()
    assert changed == [
        "The challenge",
        f"How it addresses {nomination.trend_links[0].trend.name}",
        "Measured outcome 1: after",
    ]
    entry = blind_copies.judge_entry(nomination)
    assert entry.challenge == "[The council] had queues."
    assert entry.trends[0].how_addressed == "Redacted trend text"
    assert entry.outcomes[0].result == "fewer calls" and entry.outcomes[0].metric == "Calls handled"
    assert entry.summary == nomination.summary
    assert nomination.challenge == "Riverside Borough Council had queues."
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "nomination.redacted"))
    assert event.actor_id == organiser.id and "The challenge" in event.detail["fields"]


def test_saving_the_original_text_or_restoring_removes_a_redaction(nomination, organiser):
    blind_copies.save_redactions(nomination, {"challenge": "x", "lessons": "y"}, by=organiser)
    db.session.commit()
    blind_copies.save_redactions(
        nomination, {"challenge": nomination.challenge + "\r\n"}, restore={"lessons"}, by=organiser
    )
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Redaction.id))) == 0
    assert blind_copies.save_redactions(nomination, {"challenge": nomination.challenge}, by=organiser) == []


def test_a_redacted_title_is_the_judges_title(nomination, organiser):
    blind_copies.save_redactions(nomination, {"title": "Parking badges"}, by=organiser)
    db.session.commit()
    assert blind_copies.judge_title(nomination) == "Parking badges"
    assert blind_copies.judge_titles([nomination]) == {nomination.id: "Parking badges"}
    assert blind_copies.judge_entry(nomination).title == "Parking badges"


def test_unknown_fields_and_too_long_text_are_refused(nomination, organiser):
    with pytest.raises(DomainError):
        blind_copies.save_redactions(nomination, {"contact_name": "x"}, by=organiser)
    with pytest.raises(DomainError) as error:
        blind_copies.save_redactions(
            nomination, {"lessons": "x" * (blind_copies.REDACTION_MAX_LENGTH + 1)}, by=organiser
        )
    assert error.value.field == "lessons"


def test_redaction_needs_a_submitted_nomination_in_an_unpublished_cycle(nomination, organiser):
    draft = make_nomination(nomination.cycle, status="draft")
    with pytest.raises(NotAllowed):
        blind_copies.save_redactions(draft, {"challenge": "x"}, by=organiser)
    nomination.cycle.status = CycleStatus.PUBLISHED
    with pytest.raises(NotAllowed):
        blind_copies.save_redactions(nomination, {"challenge": "x"}, by=organiser)


def test_identifying_terms_point_at_fields_to_redact(nomination):
    terms = blind_copies.identifying_terms(nomination)
    for expected in (
        "Riverside Borough Council",
        "riverside",
        "Acme Digital Ltd",
        "Casey Contact",
        "Nia Nominator",
        "nia@riverside.gov.uk",
        "Riverside Digital",
    ):
        assert expected in terms
    assert blind_copies.mentions("Queues at RIVERSIDE borough council.", terms) == [
        "Riverside Borough Council",
        "riverside",
    ]
    assert blind_copies.mentions("Riversides are nice", ["riverside"]) == []


# ------------------------------------------------------------------ metadata


def test_pdf_author_creator_producer_title_and_xmp_are_removed():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = "Ann Zorro"
    pdf.docinfo["/Creator"] = "Zorro's Writer"
    pdf.docinfo["/Producer"] = "Zorro's Producer"
    pdf.docinfo["/Title"] = "Zorro's Title"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = ["Ann Zorro"]
    pdf.pages[0].obj["/Annots"] = pikepdf.Array(
        [
            pdf.make_indirect(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.Text,
                    Rect=[0, 0, 5, 5],
                    T=pikepdf.String("Ann Zorro"),
                    Contents=pikepdf.String("A note"),
                )
            )
        ]
    )
    out = io.BytesIO()
    pdf.save(out)
    cleaned = blind_copies.strip_pdf(out.getvalue())
    assert b"Zorro" not in cleaned
    with pikepdf.open(io.BytesIO(cleaned)) as result:
        assert "/Info" not in result.trailer
        assert "/Metadata" not in result.Root
        assert "/Annots" not in result.pages[0].obj  # a comment (and its author) is not for judges
        assert len(result.pages) == 1


def test_a_password_protected_pdf_is_not_offered():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    with pytest.raises(blind_copies.CannotPrepareDocument) as error:
        blind_copies.strip_pdf(out.getvalue())
    assert "password" in error.value.message


_ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="%s"/></Relationships>'
)


def _docx(core=None, app=None, extra=()):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", _ROOT_RELS % "word/document.xml")
        z.writestr(
            "word/document.xml",
            '<w:document xmlns:w="w"><w:body><w:ins w:author="Ann Author" '
            'w:date="2025-01-01T00:00:00Z"><w:r><w:t>Body text</w:t></w:r></w:ins>'
            "</w:body></w:document>",
        )
        if core:
            z.writestr("docProps/core.xml", core)
        if app:
            z.writestr("docProps/app.xml", app)
        for name, content in extra:
            z.writestr(name, content)
    return out.getvalue()


def _entries(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return {name: z.read(name).decode() for name in z.namelist()}


def test_office_core_and_app_properties_and_comment_authors_are_emptied():
    core = (
        '<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:title>Ann\'s plan</dc:title>'
        "<dc:creator>Ann Author</dc:creator><cp:lastModifiedBy>Ann Author</cp:lastModifiedBy>"
        "<cp:keywords/><cp:revision>4</cp:revision></cp:coreProperties>"
    )
    app = (
        '<Properties xmlns="p"><Company>Ann Ltd</Company><Manager>Ann Boss</Manager>'
        "<Template>Ann.dotx</Template><Pages>2</Pages></Properties>"
    )
    comments = '<w:comments xmlns:w="w"><w:comment w:id="0" w:author="Ann Author" w:initials="AA"/></w:comments>'
    people = (
        '<w15:people xmlns:w15="x"><w15:person w15:author="Ann Author"><w15:presenceInfo '
        'w15:providerId="AD" w15:userId="ann@example.org"/></w15:person></w15:people>'
    )
    custom = (
        '<Properties xmlns="c"><property fmtid="x" pid="2" name="Owner"><vt:lpwstr>Ann</vt:lpwstr></property>'
        "</Properties>"
    )
    cleaned = blind_copies.strip_ooxml(
        _docx(
            core, app, [("word/comments.xml", comments), ("word/people.xml", people), ("docProps/custom.xml", custom)]
        )
    )
    entries = _entries(cleaned)
    assert "Ann" not in "".join(entries.values())
    assert "creator" not in entries["docProps/core.xml"] and "Template" not in entries["docProps/app.xml"]
    assert "<cp:revision>4</cp:revision>" in entries["docProps/core.xml"]
    assert "<Pages>2</Pages>" in entries["docProps/app.xml"]
    assert not {"word/comments.xml", "word/people.xml", "docProps/custom.xml"} & set(entries)
    assert "Body text" in entries["word/document.xml"]
    assert 'w:date="2025-01-01T00:00:00Z"' in entries["word/document.xml"]


def test_spreadsheet_and_presentation_comment_authors_are_emptied():
    xlsx = io.BytesIO()
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", _ROOT_RELS % "xl/workbook.xml")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/comments1.xml", "<comments><authors><author>Ann Author</author></authors></comments>")
        z.writestr(
            "xl/persons/person.xml",
            '<personList><person displayName="Ann Author" id="{1}" '
            'userId="ann@example.org" providerId="AD"/></personList>',
        )
    assert "Ann" not in "".join(_entries(blind_copies.strip_ooxml(xlsx.getvalue())).values())
    pptx = io.BytesIO()
    with zipfile.ZipFile(pptx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", _ROOT_RELS % "ppt/presentation.xml")
        z.writestr("ppt/presentation.xml", "<presentation/>")
        z.writestr(
            "ppt/commentAuthors.xml",
            '<p:cmAuthorLst xmlns:p="p"><p:cmAuthor id="0" name="Ann Author" '
            'initials="AA" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>',
        )
    cleaned = _entries(blind_copies.strip_ooxml(pptx.getvalue()))
    assert "Ann" not in "".join(cleaned.values()) and "ppt/commentAuthors.xml" not in cleaned
    assert "ppt/presentation.xml" in cleaned


def test_png_text_and_exif_chunks_are_removed():
    png = make_png(
        extra_chunks=png_chunk(b"tEXt", b"Author\x00Ann Author")
        + png_chunk(b"iTXt", b"Comment\x00\x00\x00\x00\x00Ann")
        + png_chunk(b"eXIf", b"MM\x00*Ann")
    )
    cleaned = blind_copies.strip_png(png)
    assert b"Ann" not in cleaned
    assert (
        cleaned.startswith(b"\x89PNG")
        and b"IHDR" in cleaned
        and b"IDAT" in cleaned
        and cleaned.endswith(png_chunk(b"IEND", b""))
    )


def test_jpeg_exif_xmp_comments_and_trailing_bytes_are_removed():
    def segment(marker, payload):
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 200, 30)).save(out, "JPEG")
    plain = out.getvalue()
    jpeg = (
        plain[:2]
        + segment(0xE1, b"Exif\x00\x00Artist: Ann Author")
        + segment(0xFE, b"Ann was here")
        + segment(0xED, b"Photoshop 3.0\x00Ann")
        + plain[2:]
        + b"Ann after the end"
    )
    cleaned = blind_copies.strip_jpeg(jpeg)
    assert b"Ann" not in cleaned and cleaned.startswith(b"\xff\xd8") and cleaned.endswith(b"\xff\xd9")
    assert Image.open(io.BytesIO(cleaned)).size == (8, 6)
    # Inside a PDF the JPEG is rebuilt segment by segment: the same coded picture, nothing else
    rebuilt = blind_copies.rebuild_jpeg(jpeg)
    assert b"Ann" not in rebuilt and rebuilt.endswith(b"\xff\xd9")
    assert Image.open(io.BytesIO(rebuilt)).tobytes() == Image.open(io.BytesIO(plain)).tobytes()
    with pytest.raises(blind_copies.CannotPrepareDocument):
        blind_copies.rebuild_jpeg(plain[:40])


@pytest.mark.parametrize(
    "extension,data",
    [("pdf", b"%PDF-1.4 broken"), ("docx", b"PK\x03\x04 broken"), ("png", b"not a png"), ("jpg", b"not a jpeg")],
)
def test_damaged_files_are_never_sent_as_they_are(nomination, extension, data):
    attachment = type("A", (), {"extension": extension})()
    with pytest.raises(blind_copies.CannotPrepareDocument):
        blind_copies.judge_copy(attachment, data, blind=True)
    assert blind_copies.judge_copy(attachment, data, blind=False) == data
