"""An organiser's message in a real browser: written (with a mistake first), previewed as a real entrant gets
it, sent once, and listed. Every page state is checked (axe-core, HTML, no markup shown as text); markup typed
by the organiser is tested in tests/web/test_organiser_messages.py."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import heading, make_organiser, sign_in

pytestmark = pytest.mark.e2e

CYCLE_NAME = "Gwobrau Digidol & Data 2026 🎉"


def entrants_set_up() -> dict:
    """A cycle with Siân's draft and a submitted nomination."""
    from tests.factories import make_cycle, make_nomination, make_user

    cycle = make_cycle(name=CYCLE_NAME)
    sian = make_user(name="Siân O’Brien & Co", email="sian@ceredigion.gov.uk")
    make_nomination(cycle, nominator=sian, status="draft", complete=False, title="Prosiect & “mwy” 🌱")
    make_nomination(cycle, status="submitted")
    return {"slug": cycle.slug}


def test_organiser_writes_previews_and_sends_a_message(page, live_server, check_page):
    organiser = make_organiser(live_server)
    s = live_server.run(entrants_set_up)
    sign_in(page, organiser.email, organiser.password)
    page.goto(f"/organiser/cycles/{s['slug']}")
    page.get_by_role("link", name="Messages to judges and entrants").click()
    expect(heading(page)).to_have_text("Messages")
    check_page(page, "messages: none sent")
    page.get_by_role("button", name="Write a message").click()
    page.get_by_role("radio", name="Entrants with a draft").check()
    page.get_by_label("Subject", exact=True).fill("Your nomination, ((name))")
    typed = "Dear ((name)),\n\n((title)) is not sent yet: ((nickname))"
    page.get_by_label("Message", exact=True).fill(typed)
    page.get_by_role("button", name="Preview the message").click()
    expect(page.get_by_role("alert")).to_contain_text("((nickname)), which is not a field you can use")
    expect(page.get_by_label("Message", exact=True)).to_have_value(typed)
    check_page(page, "messages: a field that does not exist")
    page.get_by_label("Message", exact=True).fill("Dear ((name)),\n\n((title)) is not sent yet: ((link))")
    page.get_by_role("button", name="Preview the message").click()
    expect(heading(page)).to_have_text("Check your message")
    expect(page.get_by_text("1 person will get this message.")).to_be_visible()
    expect(page.get_by_text("Prosiect & “mwy” 🌱 is not sent yet: http")).to_be_visible()
    check_page(page, "messages: preview")
    page.get_by_role("button", name="Send to 1 person").click()
    expect(page.get_by_text("Message sent to 1 person: Entrants with a draft")).to_be_visible()
    expect(page.get_by_role("cell", name="Your nomination, ((name))")).to_be_visible()
    check_page(page, "messages: one sent")
    (message,) = live_server.outbox(kind="organiser_message")
    assert message.subject == "Your nomination, Siân O’Brien & Co"
