"""Keeping nominees in the loop, in a real browser: the organiser reminds the nominees of unsubmitted
drafts from the cycle page (once each), and a nominee follows the e-mail's link to their nomination,
whose declarations list what an impact case would publish.
Every page state is checked (axe-core, HTML, no markup shown as text)."""

import re

import pytest
from playwright.sync_api import expect

from awards.domain.publishing import publication
from tests.support.browser import heading, make_organiser, sign_in, sign_out

pytestmark = pytest.mark.e2e

CYCLE_NAME = "Gwobrau Digidol & Data 2026 🎉"
TITLE = "Prosiect ‘drafft’ & “mwy” 🌱"


def drafts_set_up() -> dict:
    """An open cycle with two drafts (one of them Siân's) and a submitted nomination."""
    from tests.factories import DEFAULT_PASSWORD, make_cycle, make_nomination, make_user

    cycle = make_cycle(name=CYCLE_NAME)
    sian = make_user(name="Siân O’Brien & Co", email="sian@ceredigion.gov.uk")
    mine = make_nomination(
        cycle, nominator=sian, status="draft", complete=False, title=TITLE, touched_sections="project"
    )
    make_nomination(cycle, status="draft", complete=False)
    make_nomination(cycle, status="submitted")
    return {"slug": cycle.slug, "email": sian.email, "password": DEFAULT_PASSWORD, "reference": mine.reference}


def test_organiser_reminds_the_nominees_of_drafts_and_a_nominee_follows_the_link(page, live_server, check_page):
    organiser = make_organiser(live_server)
    s = live_server.run(drafts_set_up)
    sign_in(page, organiser.email, organiser.password)
    page.goto(f"/organiser/cycles/{s['slug']}")
    page.get_by_role("link", name="Remind nominees to submit their drafts").click()
    expect(heading(page)).to_have_text("Remind nominees to submit their drafts")
    expect(page.locator("#reminder-count")).to_have_text(
        "2 nominees will be emailed about 2 drafts they have not submitted."
    )
    check_page(page, "draft reminders: confirm")
    page.get_by_role("button", name="Send 2 reminders").click()
    expect(heading(page)).to_have_text(CYCLE_NAME)
    expect(page.get_by_text(f"Reminders sent to the nominees of 2 drafts in {CYCLE_NAME}")).to_be_visible()
    check_page(page, "cycle: draft reminders sent")
    page.get_by_role("link", name="Remind nominees to submit their drafts").click()
    expect(page.locator("#reminder-count")).to_have_text(
        re.compile(
            r"^\s*There is nobody to remind:\s+the nominees of all 2 drafts in this cycle"
            r" have been reminded already\.\s*$"
        )
    )
    expect(page.get_by_role("button", name=re.compile("^Send"))).to_have_count(0)
    check_page(page, "draft reminders: everyone reminded")
    assert len(live_server.outbox(kind="draft_reminder")) == 2

    sign_out(page)
    link = live_server.email_link(s["email"], "draft_reminder")
    assert link == f"/nominations/{s['reference']}"
    sign_in(page, s["email"], s["password"])
    page.goto(link)
    expect(page.get_by_text(TITLE).first).to_be_visible()
    check_page(page, "nominee: task list from the reminder")

    # What they are asked to agree to publish is the list an impact case shows
    page.get_by_role("link", name="Declarations").click()
    expect(page.locator("#published-fields li")).to_have_text(publication.published_labels())
    expect(
        page.get_by_role("group", name="If the nomination is shortlisted, may we publish it as an impact case?")
    ).to_be_visible()
    check_page(page, "nominee: declarations with the published fields")
