"""The canary test for blind judging.

A unique name is planted in every nominee field (organisation, partners, contact, nominator, the
free text the organiser redacts), in the uploaded files' names and in their document metadata.
Then every page, download and e-mail a judge can reach is walked, and the name must be nowhere,
not even inside the decoded PDF and the unzipped Office document. A judge who is conflicted with
the nomination gets 404 everywhere and never sees its reference or title.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.models import OutboxMessage
from tests.canary import CANARY, assert_no_canary, decoded_contents, plant_canary_nomination, redact_everything
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_user

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
    assert len(links) == 3
    assert ["Supporting document 1.pdf", "Supporting document 2.docx", "Supporting document 3.png"] == re.findall(
        r">(Supporting document \d\.\w+)</a>", page
    )
    for link in links:
        response = visit(link)
        disposition = response.headers["Content-Disposition"]
        assert re.fullmatch(r'attachment; filename="Supporting document \d\.(pdf|docx|png)"', disposition)
        for where, content in decoded_contents(response.data, response.headers["Content-Type"]):
            assert_no_canary(content, f"{link} ({where})")

    # A draft, a page with errors, a submitted sheet, and back to the list
    criteria = cycle.criteria
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
    assert CANARY in nomination.challenge and CANARY in nomination.title


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
