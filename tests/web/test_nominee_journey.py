"""The nominee's journey, through the test client: start, sections, task list, check
answers, submit before the deadline, edit, withdraw, documents, nothing lost."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.programme.entry_forms import question_by_key
from awards.extensions import db
from awards.models import AuditEvent, Nomination, NominationStatus
from tests.factories import DEFAULT_PASSWORD, make_cycle, make_nomination, make_user
from tests.support.files import HTML, PDF, PNG
from tests.support.nominating import based_on, fill_everything, save, section_url, start_draft, upload, words
from tests.support.object_storage import both_storages
from tests.support.visible import main_text


@pytest.fixture
def cycle(app):
    return make_cycle(name="Public Sector Digital Awards 2026", year=2026)


def test_complete_journey_from_start_to_confirmation(nominee_client, nominee, cycle, outbox):
    home = nominee_client.get("/").get_data(as_text=True)
    assert "Public Sector Digital Awards 2026" in home and "Start a nomination" in home
    nomination = start_draft(nominee_client, cycle)
    assert nomination.reference == "PSDA-2026-0001" and nomination.status is NominationStatus.DRAFT
    page = nominee_client.get(f"/nominations/{nomination.reference}").get_data(as_text=True)
    assert page.count("Not started") == 9 and "You have completed 0 of 9 sections" in page

    fill_everything(nominee_client, nomination)
    page = nominee_client.get(f"/nominations/{nomination.reference}").get_data(as_text=True)
    assert "You have completed 9 of 9 sections" in page and "Not started" not in page

    check = main_text(nominee_client.get(f"/nominations/{nomination.reference}/check"))
    assert "Project title Digital blue badges" in check
    assert "Partner organisations Acme Digital Ltd (is a supplier)" in check
    assert "Measured outcomes Time to decision, Baseline: 12 weeks, Result: 4 days" in check
    assert "Submit nomination" in check
    response = nominee_client.post_form(
        f"/nominations/{nomination.reference}/submit", token_from=f"/nominations/{nomination.reference}/check"
    )
    assert response.headers["Location"].endswith("/confirmation")
    confirmation = nominee_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nomination submitted" in confirmation and nomination.reference in confirmation
    db.session.expire_all()
    stored = db.session.get(Nomination, nomination.id)
    assert stored.status is NominationStatus.SUBMITTED and stored.submitted_at is not None
    assert [t.is_primary for t in stored.trend_links] == [True, False]
    assert stored.primary_trend.id == cycle.trends[5].id
    assert [(m["metric"], m["result"]) for m in stored.answers["measured"]] == [("Time to decision", "4 days")]
    assert [(p.name, p.is_supplier) for p in stored.partners] == [("Acme Digital Ltd", True)]
    [mail] = outbox("nomination_submitted")
    assert mail.to_address == nominee.email and nomination.reference in mail.subject
    listing = nominee_client.get("/nominations").get_data(as_text=True)
    assert nomination.reference in listing and "Submitted" in listing


def test_references_count_up_per_cycle(nominee_client, cycle):
    first, second = start_draft(nominee_client, cycle), start_draft(nominee_client, cycle)
    assert (first.reference, second.reference) == ("PSDA-2026-0001", "PSDA-2026-0002")


def test_invalid_section_keeps_input_saves_draft_and_links_errors(nominee_client, cycle):
    nomination = start_draft(nominee_client, cycle)
    response = save(
        nominee_client,
        nomination,
        "organisation",
        {"organisation_name": "Riverside", "contact_name": "", "contact_email": "not an email", "region": ""},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "<title>Error: " in page
    for field in ("contact_name", "contact_email", "region"):
        assert f'href="#{field}"' in page
    assert 'value="not an email"' in page and 'value="Riverside"' in page
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).organisation_name == "Riverside"  # the draft kept it
    task_list = nominee_client.get(f"/nominations/{nomination.reference}").get_data(as_text=True)
    assert "In progress" in task_list


def test_word_limits_enforced_on_the_server(nominee_client, cycle):
    nomination = start_draft(nominee_client, cycle)
    limit = question_by_key(cycle, "summary").settings["max_words"]
    ok = save(nominee_client, nomination, "project", {"title": "T", "summary": words(limit)})
    assert ok.status_code == 302
    too_long = save(nominee_client, nomination, "project", {"title": "T", "summary": words(limit + 1)})
    page = too_long.get_data(as_text=True)
    assert f"The summary must be {limit} words or fewer (it has {limit + 1})" in page
    assert 'data-maxwords="100"' in page  # the character count component counts live in word mode
    challenge_limit = question_by_key(cycle, "challenge").settings["max_words"]
    assert save(nominee_client, nomination, "challenge", {"challenge": words(challenge_limit)}).status_code == 302
    assert save(nominee_client, nomination, "challenge", {"challenge": words(challenge_limit + 1)}).status_code == 200


@pytest.mark.parametrize(
    "data,message",
    [
        ({}, "Select at least 1 trend"),
        ({"trends": ["A", "B", "C", "D"]}, "Select no more than 3 trends"),
        ({"trends": ["A", "B"]}, "Select which of your trends is the main one"),
        ({"trends": ["A"], "primary": "B"}, "Select which of your trends is the main one"),
        ({"trends": ["A"], "primary": "A"}, "Explain how the work addresses this trend"),
    ],
)
def test_trend_rules(nominee_client, cycle, data, message):
    nomination = start_draft(nominee_client, cycle)
    ids = {k: str(t.id) for k, t in zip("ABCD", cycle.trends, strict=False)}
    posted = {"trends": [ids[x] for x in data.get("trends", [])]}
    if "primary" in data:
        posted["primary"] = ids[data["primary"]]
    response = save(nominee_client, nomination, "trends", posted)
    assert message in response.get_data(as_text=True)


def test_trend_not_offered_by_the_cycle_is_refused(nominee_client, cycle):
    from awards.models import Trend

    nomination = start_draft(nominee_client, cycle)
    societal = db.session.scalar(sa.select(Trend).where(Trend.code == "S1"))
    response = save(
        nominee_client,
        nomination,
        "trends",
        {"trends": [str(societal.id)], "primary": str(societal.id), f"how_{societal.id}": "x"},
    )
    assert "Select trends from the list" in response.get_data(as_text=True)


def test_cannot_submit_incomplete_or_unverified(app, cycle, outbox):
    unverified = make_user(verified=False)
    client = app.test_client()
    client.sign_in_as(unverified)
    nomination = start_draft(client, cycle)
    check = client.get(f"/nominations/{nomination.reference}/check").get_data(as_text=True)
    assert "You need to complete every section" in check and "Submit nomination" not in check
    fill_everything(client, nomination)
    check = client.get(f"/nominations/{nomination.reference}/check").get_data(as_text=True)
    assert "Confirm your email address before you submit" in check
    client.post_form(f"/nominations/{nomination.reference}/submit", token_from="/nominations")
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).status is NominationStatus.DRAFT
    assert outbox("nomination_submitted") == []


def test_submit_one_second_before_and_after_close(app, nominee, outbox):
    close = datetime(2026, 6, 28, 16, 0, tzinfo=UTC)  # 5pm in London (BST)
    with time_machine.travel(close - timedelta(days=1), tick=False):
        cycle = make_cycle(close_at=close, open_at=close - timedelta(days=60))
        early, late = app.test_client(), app.test_client()
        for c in (early, late):
            c.sign_in_as(nominee)
        first, second = start_draft(early, cycle), start_draft(late, cycle)
        fill_everything(early, first)
        fill_everything(late, second)
        home = early.get("/").get_data(as_text=True)
        assert "closes" in home.lower() and "5pm on 28 June 2026" in home
    with time_machine.travel(close - timedelta(seconds=1), tick=False):
        for c in (early, late):  # a signed session lasts 12 hours: sign in again on the day
            c.sign_in_as(nominee)
        response = early.post_form(f"/nominations/{first.reference}/submit", token_from="/nominations")
        assert response.headers["Location"].endswith("/confirmation")
    with time_machine.travel(close + timedelta(seconds=1), tick=False):
        late.sign_in_as(nominee)
        response = late.post_form(f"/nominations/{second.reference}/submit", token_from="/nominations")
        assert response.headers["Location"].endswith("/check")
        page = late.get(response.headers["Location"]).get_data(as_text=True)
        assert "have closed" in page
        # and after the close nothing can be edited
        response = late.post_form(
            section_url(first, "project"),
            {"title": "Changed late", "summary": "x", "based_on": "x"},
            token_from="/nominations",
        )
        assert response.status_code == 302
    with time_machine.travel(close, tick=False):  # the close instant itself is closed
        late.sign_in_as(nominee)
        response = late.post_form(f"/nominations/{second.reference}/submit", token_from="/nominations")
        assert response.headers["Location"].endswith("/check")
    db.session.expire_all()
    assert db.session.get(Nomination, first.id).status is NominationStatus.SUBMITTED
    assert db.session.get(Nomination, first.id).title == "Digital blue badges"
    assert db.session.get(Nomination, second.id).status is NominationStatus.DRAFT
    assert len(outbox("nomination_submitted")) == 1


def test_edit_after_submission_stays_submitted_and_is_audited(nominee_client, nominee, cycle):
    nomination = make_nomination(cycle, nominator=nominee)
    response = save(nominee_client, nomination, "project", {"title": "A better title", "summary": "Short."})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Nomination, nomination.id)
    assert stored.status is NominationStatus.SUBMITTED and stored.title == "A better title"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "nomination.edited_after_submission"))
    assert event.detail == {"section": "project"} and event.actor_id == nominee.id
    # an invalid change to a submitted nomination is not saved (it must stay complete)
    response = save(nominee_client, nomination, "project", {"title": "", "summary": "Short."})
    assert response.status_code == 200 and "Nothing has been saved yet" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).title == "A better title"


def test_withdraw_needs_confirmation(nominee_client, nominee, cycle):
    nomination = make_nomination(cycle, nominator=nominee)
    url = f"/nominations/{nomination.reference}/withdraw"
    response = nominee_client.post_form(url, {}, token_from=url)
    assert "Select yes if you want to withdraw this nomination" in response.get_data(as_text=True)
    nominee_client.post_form(url, {"confirm": "no"}, token_from=url)
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).status is NominationStatus.SUBMITTED
    nominee_client.post_form(url, {"confirm": "yes"}, token_from=url)
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).status is NominationStatus.WITHDRAWN
    assert "Withdrawn" in nominee_client.get("/nominations").get_data(as_text=True)


def test_another_nominees_reference_is_404(app, nominee_client, cycle):
    others = make_nomination(cycle, nominator=make_user())
    for url in (
        f"/nominations/{others.reference}",
        f"/nominations/{others.reference}/project",
        f"/nominations/{others.reference}/check",
        f"/nominations/{others.reference}/withdraw",
    ):
        assert nominee_client.get(url).status_code == 404
    response = nominee_client.post_form(
        f"/nominations/{others.reference}/project", {"title": "Hijacked", "summary": "x"}
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Nomination, others.id).title != "Hijacked"


@both_storages
def test_upload_checks_content_not_name(nominee_client, cycle, storage, app):
    nomination = start_draft(nominee_client, cycle)
    response = upload(nominee_client, nomination, "report.pdf", HTML)
    assert response.status_code == 400
    assert "The selected file must be a PDF, Word document" in response.get_data(as_text=True)
    response = upload(nominee_client, nomination, "picture.pdf", PNG)  # a real PNG called .pdf
    assert response.status_code == 400
    assert upload(nominee_client, nomination, "empty.pdf", b"").status_code == 400
    response = upload(nominee_client, nomination, "Evaluation report.pdf", PDF)
    assert response.status_code == 302
    db.session.expire_all()
    [attachment] = db.session.get(Nomination, nomination.id).attachments
    assert attachment.original_name == "Evaluation report.pdf" and attachment.content_type == "application/pdf"
    assert storage.names() == [attachment.stored_name]
    assert storage.read(attachment.stored_name) == PDF and "Evaluation" not in attachment.stored_name

    download = nominee_client.get(f"/nominations/{nomination.reference}/documents/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    url = f"/nominations/{nomination.reference}/documents/{attachment.id}/remove"
    assert "Remove Evaluation report.pdf?" in nominee_client.get(url).get_data(as_text=True)
    nominee_client.post_form(url, token_from=url)
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).attachments == []
    assert storage.names() == []


def test_docx_xlsx_pptx_detected_by_structure(nominee_client, cycle):
    import zipfile

    nomination = start_draft(nominee_client, cycle)

    def office(marker):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr(marker, "<x/>")
        return buffer.getvalue()

    assert upload(nominee_client, nomination, "a.docx", office("word/document.xml")).status_code == 302
    assert upload(nominee_client, nomination, "b.xlsx", office("xl/workbook.xml")).status_code == 302
    assert upload(nominee_client, nomination, "c.pptx", office("ppt/presentation.xml")).status_code == 302
    assert upload(nominee_client, nomination, "d.docx", office("xl/workbook.xml")).status_code == 400
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("notes.txt", "hello")
    assert upload(nominee_client, nomination, "e.docx", plain_zip.getvalue()).status_code == 400


def test_upload_size_and_count_limits(nominee_client, cycle):
    documents = question_by_key(cycle, "documents")
    documents.settings = {**documents.settings, "max_mb": 1, "max_count": 2}
    db.session.commit()
    nomination = start_draft(nominee_client, cycle)
    big = PDF + b"0" * (1024 * 1024)
    response = upload(nominee_client, nomination, "big.pdf", big)
    assert "The selected file must be smaller than 1MB" in response.get_data(as_text=True)
    assert upload(nominee_client, nomination, "one.pdf", PDF).status_code == 302
    assert upload(nominee_client, nomination, "two.png", PNG).status_code == 302
    response = upload(nominee_client, nomination, "three.pdf", PDF)
    assert "You can upload up to 2 files" in response.get_data(as_text=True)


def test_two_tabs_second_save_is_refused_showing_both_versions(nominee_client, cycle):
    nomination = start_draft(nominee_client, cycle)
    url = section_url(nomination, "project")
    tab_one, tab_two = based_on(nominee_client, url), based_on(nominee_client, url)
    first = nominee_client.post_form(
        url, {"title": "Title from tab one", "summary": "One.", "based_on": tab_one}, token_from=url
    )
    assert first.status_code == 302
    second = nominee_client.post_form(
        url, {"title": "Title from tab two", "summary": "Two.", "based_on": tab_two}, token_from=url
    )
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "This section was changed in another window" in page
    assert "Title from tab one" in page and 'value="Title from tab two"' in page
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).title == "Title from tab one"
    # saving again from the conflict page is a deliberate choice and goes through
    new_base = re.search(r'name="based_on" value="([^"]+)"', page).group(1)
    third = nominee_client.post_form(
        url, {"title": "Title from tab two", "summary": "Two.", "based_on": new_base}, token_from=url
    )
    assert third.status_code == 302
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).title == "Title from tab two"


def test_session_timeout_while_typing_loses_nothing(app, nominee, cycle):
    client = app.test_client()
    client.post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD})
    nomination = start_draft(client, cycle)
    url = section_url(nomination, "challenge")
    token, base = client.csrf_token(url), based_on(client, url)
    ticket = re.search(r'name="stash_ticket" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)
    long_text = "A long account of the challenge. " * 40
    with client.session_transaction() as session:  # the session times out
        session.clear()
    response = client.post(
        url, data={"csrf_token": token, "based_on": base, "stash_ticket": ticket, "challenge": long_text}
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    next_url = response.headers["Location"]
    response = client.post_form(next_url, {"email": nominee.email, "password": DEFAULT_PASSWORD}, token_from=next_url)
    assert response.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert long_text.strip() in page
    assert "Here is what you typed" in page
    # the kept copy is used once
    assert long_text.strip() not in client.get(url).get_data(as_text=True)


def test_double_submit_creates_one_submission_and_one_email(nominee_client, cycle, outbox):
    nomination = start_draft(nominee_client, cycle)
    fill_everything(nominee_client, nomination)
    for _ in range(2):
        response = nominee_client.post_form(f"/nominations/{nomination.reference}/submit", token_from="/nominations")
        assert response.headers["Location"].endswith("/confirmation")
    assert len(outbox("nomination_submitted")) == 1
    assert (
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "nomination.submitted"))
        == 1
    )


def test_judge_without_nominations_sees_none_here(judge_client, cycle):
    make_nomination(cycle)
    page = judge_client.get("/nominations").get_data(as_text=True)
    assert "You have not started a nomination yet" in page


def test_start_requires_a_category(nominee_client, cycle):
    response = nominee_client.post_form(f"/nominations/start?cycle={cycle.slug}", {}, token_from="/nominations/start")
    assert response.status_code == 200
    assert "Select the category you are nominating for" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 0


def test_no_open_cycle(nominee_client, app):
    make_cycle(status="draft")
    page = nominee_client.get("/nominations/start").get_data(as_text=True)
    assert "No awards are accepting nominations" in page
