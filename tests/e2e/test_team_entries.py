"""A nomination written by a team, in a real browser: the owner invites a colleague by e-mail, the colleague opens
the link, creates an account and joins, edits a section and reads the history; the owner sees who is in the team
and submits."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.e2e

COLLEAGUE = "cara.colleague@northshire.gov.uk"
CHALLENGE = "Bin collections were missed in three wards every week."


def _owners_draft(user_id: int) -> str:
    from awards.extensions import db
    from awards.models import User
    from tests.factories import make_cycle, make_nomination

    cycle = make_cycle(name="Team Awards 2026", year=2026)
    nomination = make_nomination(cycle, nominator=db.session.get(User, user_id), status="draft", title="Shared bins")
    return nomination.reference


def test_a_team_writes_a_nomination_and_its_owner_submits_it(journey, page, live_server, check_page):
    owner = live_server.make_user(name="Nina Nominee", organisation="Riverside Council")
    reference = live_server.run(_owners_draft, owner.id)
    sign_in(page, owner.email, owner.password)
    page.goto(f"/nominations/{reference}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shared bins")
    page.get_by_role("link", name="Manage the team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People writing this nomination")
    check_page(page, "team: the owner's team page")

    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check_page(page, "team: an invitation without an address")
    page.get_by_label("Email address").fill("cara at northshire")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    assert page.get_by_label("Email address").input_value() == "cara at northshire"
    page.get_by_label("Email address").fill(COLLEAGUE)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"We have sent an invitation to {COLLEAGUE}")).to_be_visible()
    expect(page.get_by_role("heading", name="Invitations waiting to be accepted")).to_be_visible()
    check_page(page, "team: an invitation waiting")

    colleague = journey.new_page()
    colleague.goto(live_server.email_link(COLLEAGUE, "team_invitation"))
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Join a nomination’s team")
    check_page(colleague, "team: the invitation's page, no account yet")
    colleague.get_by_label("Full name").fill("Cara Colleague")
    colleague.get_by_label("Organisation").fill("Northshire Council")
    colleague.get_by_label("Create a password").fill("correct horse battery staple northshire")
    colleague.get_by_label("Confirm password").fill("correct horse battery staple northshire")
    colleague.get_by_role("button", name="Create account and join").click()
    expect(colleague.get_by_text(f"You have joined the team writing {reference}")).to_be_visible()
    expect(colleague.get_by_text("Nina Nominee is its owner: only they can submit or withdraw it.")).to_be_visible()
    expect(colleague.get_by_role("link", name="Delete this draft")).to_have_count(0)
    check_page(colleague, "team: the co-editor's task list")

    colleague.get_by_role("link", name="The challenge").click()
    expect(colleague.get_by_role("heading", level=1)).to_have_text("The challenge")
    colleague.get_by_label("Describe the challenge").fill(CHALLENGE)
    colleague.get_by_role("button", name="Save and continue").click()
    expect(colleague.get_by_role("link", name="See the history")).to_be_visible()
    colleague.get_by_role("link", name="See the history").click()
    expect(colleague.get_by_role("heading", level=1)).to_have_text("History of this nomination")
    expect(colleague.get_by_text("Saved ‘The challenge’")).to_be_visible()
    expect(colleague.get_by_text("Joined the team")).to_be_visible()
    check_page(colleague, "team: the history")
    colleague.goto("/nominations")
    expect(colleague.get_by_text("Co-editor")).to_be_visible()
    check_page(colleague, "team: the co-editor's list of nominations")

    page.goto(f"/nominations/{reference}/team")
    expect(page.get_by_role("link", name="Make owner Cara Colleague")).to_be_visible()
    check_page(page, "team: the owner's team page with a co-editor")
    page.goto(f"/nominations/{reference}")
    expect(page.get_by_text("You are writing this nomination with 1 other person: Cara Colleague.")).to_be_visible()
    page.get_by_role("button", name="Check answers and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting your nomination")
    expect(page.get_by_text(CHALLENGE)).to_be_visible()
    page.get_by_role("button", name="Submit nomination").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nomination submitted")
    check_page(page, "team: submitted by the owner")
    assert live_server.outbox(kind="nomination_submitted", to=owner.email)
