"""What a judge may see: the judge's view of an entry (the questions of the form judges read, by
their visibility and blind judging), neutral document names, redactions, and the removal of
author metadata from PDF, Office and image files."""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import date, timedelta

import pikepdf
import pytest
import sqlalchemy as sa
from PIL import Image

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError, NotAllowed
from awards.domain.judging import blind_copies
from awards.domain.nominations.attachments import add_attachment
from awards.domain.programme import entry_forms
from awards.extensions import db
from awards.models import AuditEvent, CycleStatus, Redaction
from awards.models.forms import FormQuestion
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


def _custom_question(key: str, kind: str, judges_see: str, **settings) -> dict:
    return {
        "key": key,
        "kind": kind,
        "label": f"Question {key}",
        "required": False,
        "settings": settings,
        "judges_see": judges_see,
    }


def with_custom_section(nomination, *questions: dict, answers: dict | None = None):
    """The nomination's cycle gets the default form plus a section of the given questions, answered."""
    definition = entry_forms.default_definition()
    definition["sections"].append(
        {"key": "extra", "title": "Extra questions", "hint": "", "intro": "", "questions": list(questions)}
    )
    entry_forms.install(nomination.cycle, definition)
    nomination.answers = {**nomination.answers, **(answers or {})}
    db.session.commit()
    return nomination


def test_blind_entry_holds_nothing_about_who_made_it(nomination):
    entry = blind_copies.judge_entry(nomination)
    assert entry.blind and entry.organisation == ""
    assert entry.title == "Blue badges" and entry.category == nomination.category.name
    assert entry.answer("challenge").value == "Riverside Borough Council had queues."  # the organiser redacts it
    assert [t.name for t in entry.answer("trends").value] == [link.trend.name for link in nomination.trend_links]
    assert entry.answer("measured").value.rows[0]["metric"] == "Calls handled"
    keys = [a.key for s in entry.sections for a in s.answers]
    assert not set(keys) & {"organisation_name", "partners", "contact_name", "contact_email", "contact_phone"}
    assert not set(keys) & {"declares_accurate", "declares_authorised", "consents_to_publish", "title"}
    assert keys[:1] == ["region"] and "summary" in keys and "documents" in keys
    for name in ("Acme Digital", "Casey Contact", "Nia Nominator", "riverside.gov.uk", "01234 567890"):
        assert name not in repr(entry)


def test_entry_without_blind_judging_names_the_organisation_and_partners(nomination):
    nomination.cycle.rounds[0].blind = False
    entry = blind_copies.judge_entry(nomination)
    assert entry.organisation == "Riverside Borough Council"
    assert entry.answer("organisation_name").value == "Riverside Borough Council"
    assert entry.answer("partners").value.rows == [{"name": "Acme Digital Ltd", "is_supplier": True}]
    assert entry.answer("contact_name") is None and entry.answer("contact_email") is None


def test_blind_judging_hides_the_organisation_whatever_the_form_says(nomination):
    for question in entry_forms.questions_of(nomination.cycle):
        question.judges_see = "all"
    entry = blind_copies.judge_entry(nomination)
    assert entry.organisation == "" and "Riverside Borough Council" not in repr(entry).replace(
        "Riverside Borough Council had", ""
    )
    assert all(entry.answer(key) is None for key in blind_copies.IDENTIFYING_KEYS)
    assert entry.answer("contact_phone").value == "01234 567890"  # a question like any other


def test_judges_read_only_the_questions_shown_to_them(nomination):
    with_custom_section(
        nomination,
        _custom_question("for_all", "textarea", "all"),
        _custom_question("not_blind", "text", "not_blind"),
        _custom_question("organisers", "number", "none"),
        _custom_question("staff", "number", "all", unit="staff"),
        _custom_question("started", "date", "all"),
        _custom_question("choices", "choices", "all", options=["A", "B", "C"]),
        _custom_question("agreed", "yes_no", "all"),
        answers={
            "for_all": "Read by judges",
            "not_blind": "Read when judging is not blind",
            "organisers": "987",
            "staff": "1200",
            "started": {"day": "3", "month": "3", "year": "2025"},
            "choices": ["A", "C"],
            "agreed": False,
        },
    )
    entry = blind_copies.judge_entry(nomination)
    extra = entry.sections[-1]
    assert (extra.key, extra.title) == ("extra", "Extra questions")
    assert [(a.key, a.value) for a in extra.answers] == [
        ("for_all", "Read by judges"),
        ("staff", 1200),
        ("started", date(2025, 3, 3)),
        ("choices", ["A", "C"]),
        ("agreed", False),
    ]
    assert entry.answer("staff").unit == "staff" and entry.answer("agreed").answered
    nomination.cycle.rounds[0].blind = False
    assert entry.answer("not_blind") is None
    assert blind_copies.judge_entry(nomination).answer("not_blind").value == "Read when judging is not blind"
    assert blind_copies.judge_entry(nomination).answer("organisers") is None


def test_a_section_judges_read_nothing_of_is_left_out(nomination):
    with_custom_section(nomination, _custom_question("private", "textarea", "none"), answers={"private": "Hush"})
    entry = blind_copies.judge_entry(nomination)
    assert "extra" not in [s.key for s in entry.sections] and "Hush" not in repr(entry)
    assert "declarations" not in [s.key for s in entry.sections]


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


def test_only_files_of_questions_judges_read_are_offered(nomination):
    with_custom_section(
        nomination,
        _custom_question("private_files", "file", "none", types=["png"], max_mb=5, max_count=2),
        _custom_question("photos", "file", "all", types=["png"], max_mb=5, max_count=2),
    )
    questions = {q.key: q for q in entry_forms.questions_of(nomination.cycle)}
    png = make_png()
    for key, name in (("private_files", "Budget.png"), ("photos", "Team.png"), ("documents", "Report.png")):
        add_attachment(nomination, questions[key], filename=name, stream=io.BytesIO(png), by=nomination.nominator)
    db.session.commit()
    numbered = [(n, a.original_name) for n, a in blind_copies.numbered_documents(nomination)]
    assert numbered == [(1, "Report.png"), (2, "Team.png")]  # in form order
    entry = blind_copies.judge_entry(nomination)
    assert [d.name for d in entry.answer("photos").value] == ["Supporting document 2.png"]
    assert entry.answer("private_files") is None and "Budget" not in repr(entry)


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
        f"How it addresses {nomination.trend_links[0].trend.name}",
        "The challenge",
        "Measured outcomes: outcome 1, result",
    ]
    entry = blind_copies.judge_entry(nomination)
    assert entry.answer("challenge").value == "[The council] had queues."
    assert entry.answer("trends").value[0].how_addressed == "Redacted trend text"
    row = entry.answer("measured").value.rows[0]
    assert row["result"] == "fewer calls" and row["metric"] == "Calls handled"
    assert entry.answer("summary").value == nomination.summary
    assert nomination.answers["challenge"] == "Riverside Borough Council had queues."
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "nomination.redacted"))
    assert event.actor_id == organiser.id and "The challenge" in event.detail["fields"]


def test_every_free_text_answer_judges_read_can_be_redacted(nomination, organiser):
    group = _custom_question(
        "milestones",
        "group",
        "all",
        row_name="Milestone",
        columns=[
            {"key": "what", "kind": "text", "label": "What happened"},
            {"key": "people", "kind": "number", "label": "People"},
        ],
    )
    with_custom_section(
        nomination,
        _custom_question("story", "textarea", "all"),
        _custom_question("website", "url", "all"),
        _custom_question("secret", "textarea", "none"),
        group,
        answers={
            "story": "Riverside did it.",
            "website": "https://riverside.gov.uk",
            "secret": "Riverside secret",
            "milestones": [{"what": "Riverside launch", "people": "12"}],
        },
    )
    fields = {f.key: f for f in blind_copies.redactable_fields(nomination)}
    assert {"story", "website", "milestones:0:what"} <= set(fields)
    assert "secret" not in fields and "milestones:0:people" not in fields
    assert not set(fields) & {"organisation_name", "contact_name", "contact_email", "partners:0:name"}
    assert fields["story"].multiline and not fields["website"].multiline
    assert fields["milestones:0:what"].label == "Question milestones: milestone 1, what happened"
    blind_copies.save_redactions(
        nomination,
        {"story": "[The council] did it.", "website": "[web address]", "milestones:0:what": "[The council] launch"},
        by=organiser,
    )
    db.session.commit()
    entry = blind_copies.judge_entry(nomination)
    assert entry.answer("story").value == "[The council] did it."
    assert entry.answer("website").value == "[web address]"
    assert entry.answer("milestones").value.rows == [{"what": "[The council] launch", "people": 12}]
    with pytest.raises(DomainError):
        blind_copies.save_redactions(nomination, {"secret": "x"}, by=organiser)


def test_group_cells_keep_their_old_keys_and_never_share_them():
    measured, outcome = FormQuestion(key="measured", kind="group"), FormQuestion(key="outcome", kind="group")
    assert blind_copies.cell_key(measured, 0, "metric") == "outcome:0:metric"  # as redacted before forms were data
    assert blind_copies.cell_key(outcome, 0, "metric") != "outcome:0:metric"
    assert blind_copies.cell_key(FormQuestion(key="steps", kind="group"), 2, "what") == "steps:2:what"


def test_long_redaction_keys_fit_the_column():
    key = blind_copies._fitted("g" * 40 + ":3:" + "c" * 40)
    assert len(key) == blind_copies.REDACTION_KEY_LENGTH and key != blind_copies._fitted("g" * 40 + ":3:" + "d" * 40)


def test_saving_the_original_text_or_restoring_removes_a_redaction(nomination, organiser):
    blind_copies.save_redactions(nomination, {"challenge": "x", "lessons": "y"}, by=organiser)
    db.session.commit()
    blind_copies.save_redactions(
        nomination, {"challenge": nomination.answers["challenge"] + "\r\n"}, restore={"lessons"}, by=organiser
    )
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Redaction.id))) == 0
    assert blind_copies.save_redactions(nomination, {"challenge": nomination.answers["challenge"]}, by=organiser) == []


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
