"""The canary test for blind judging.

A unique name is planted in every nominee field (organisation, partners, contact, nominator, the
free text the organiser redacts), in every kind of question of a custom form (those judges read,
redacted; those for the organisers only, with a distinctive number, date, options and labels; one
hidden in blind judging), in the uploaded files' names and in their document metadata. Then every
page, download and e-mail a judge can reach is walked, and none of it must be anywhere, not even
inside the decoded PDF and the unzipped Office document. A judge who is conflicted with the
nomination gets 404 everywhere and never sees its reference or title.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.models import OutboxMessage
from tests.canary import (
    ANSWER_NEEDLES,
    CANARY,
    FORM_NEEDLES,
    assert_no_canary,
    decoded_contents,
    hidden_documents,
    plant_canary_nomination,
    redact_everything,
)
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_user
from tests.support.visible import text_of

# ------------------------------------------------------------------ the nomination full of canaries


@pytest.fixture
def cycle(app):
    now = utcnow()
    return make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))


@pytest.fixture
def nomination(cycle):
    return plant_canary_nomination(cycle)


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
    from awards.domain.judging.progress import send_reminders

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
    assert len(links) == 4
    assert [
        "Supporting document 1.pdf",
        "Supporting document 2.docx",
        "Supporting document 3.png",
        "Supporting document 4.png",
    ] == re.findall(r">(Supporting document \d\.\w+)</a>", page)
    # The questions judges read, of every kind, with the organisers' redactions
    shown = text_of(page)
    for answer in (
        "About the team",
        "Seen text [name] [name] short answer",
        "Seen textarea [name] [name] long answer.",
        "A second paragraph.",
        "Seen number 42 staff",
        "Seen date 3 March 2025",
        "Seen yes no Yes",
        "Seen choice Option B",
        "Option C",
        "team@example.org",
        "https://example.org/work",
        "01632 960 123",
        "Seen declaration Confirmed",
        "What happened People Public [name] [name] launched 12 Yes",
        "Calls to [name] [name]",
    ):
        assert answer in shown, answer
    assert "For the organisers" not in shown and "Who are you?" not in shown
    # The files of the question for the organisers only are not there to download
    for attachment in hidden_documents(nomination):
        assert judge_client.get(f"{base}/documents/{attachment.id}").status_code == 404
    for link in links:
        response = visit(link)
        disposition = response.headers["Content-Disposition"]
        assert re.fullmatch(r'attachment; filename="Supporting document \d\.(pdf|docx|png)"', disposition)
        for where, content in decoded_contents(response.data, response.headers["Content-Type"]):
            assert_no_canary(content, f"{link} ({where})")

    # A draft, a page with errors, a submitted sheet, and back to the list
    criteria = cycle.rounds[0].criteria
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = judge_client.post_form(
        base, {f"score-{criteria[0].id}": "6", "action": "submit", "version": version}, token_from=base
    )
    seen.append(("incomplete submission", response.get_data()))
    judge_client.post_form(
        base, {f"score-{criteria[0].id}": "6", "action": "draft", "version": version}, token_from=base
    )
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
    assert CANARY in nomination.answers["challenge"] and CANARY in nomination.title
    assert CANARY in nomination.answers["seen_textarea"]


def test_a_question_hidden_in_blind_judging_reaches_judges_only_when_judging_is_not_blind(
    app, cycle, nomination, judge, judge_client
):
    make_assignment(make_judge(cycle, judge), nomination, no_conflict_declared=True)
    base = f"/judging/nominations/{nomination.reference}"
    page = judge_client.get(base).get_data(as_text=True)
    assert "Who are you?" not in page and "We are" not in page and "Borough Council" not in page
    cycle.rounds[0].blind = False
    db.session.commit()
    shown = text_of(judge_client.get(base).get_data(as_text=True))
    assert f"Who are you? We are {CANARY} Borough Council." in shown
    assert f"Nominated organisation {CANARY} Borough Council" in shown
    assert f"{CANARY} Partners Ltd Yes" in shown  # the partners, with whether each is a supplier
    # Organisers-only questions stay hidden whatever the judging
    assert not [n for n in (*ANSWER_NEEDLES, *FORM_NEEDLES) if n.lower() in shown.lower()]
    assert shown.count("short answer") == shown.count("long answer") == 1  # the questions judges read
    assert "Contact" not in shown and "zq@" not in shown
    for attachment in hidden_documents(nomination):
        assert judge_client.get(f"{base}/documents/{attachment.id}").status_code == 404


def test_a_conflicted_judge_sees_nothing_of_the_nomination(app, cycle, nomination):
    colleague = make_user(
        name="Col League", email="col@zebedee-quintrell.gov.uk", roles=("judge",), organisation="Another Place"
    )
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
    from awards.domain.judging.progress import send_reminders

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


def test_a_title_the_form_keeps_from_judges_never_reaches_them(app, cycle, judge, judge_client):
    nomination = make_nomination(cycle, title="Riverside's bin app")
    membership = make_judge(cycle, judge)
    make_assignment(membership, nomination)
    from awards.domain.judging.progress import send_reminders
    from awards.domain.programme import entry_forms

    entry_forms.question_by_key(cycle, "title").judges_see = "none"
    db.session.commit()
    send_reminders(cycle, [membership], by=make_user(roles=("organiser",)))
    db.session.commit()
    base = f"/judging/nominations/{nomination.reference}"
    assert f"Nomination {nomination.reference}" in text_of(judge_client.get("/judging/").get_data(as_text=True))
    judge_client.post_form(f"{base}/declare", {"has_conflict": "no"}, token_from=f"{base}/declare")
    page = judge_client.get(base).get_data(as_text=True)
    assert f"Nomination {nomination.reference}</h1>" in page
    pages = [judge_client.get(url).get_data(as_text=True) for url in ("/judging/", f"{base}/declare", base)]
    mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == judge.email)).all()
    assert mails
    for content in pages + [m.body_text + (m.body_html or "") + m.subject for m in mails]:
        assert "bin app" not in content
