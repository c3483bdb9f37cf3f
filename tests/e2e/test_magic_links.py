"""Magic links in a real browser: ask for a sign-in link from the sign-in page, open it from the
e-mail, press the button and land signed in; an invited judge accepts without a password and later
signs in the same way. A used link gets a page offering a new one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_out, unique_email

pytestmark = pytest.mark.e2e


def ask_for_a_link(page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_role("link", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with a link by email")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")


def test_sign_in_with_a_link_from_the_email(page, live_server, check_page):
    person = live_server.make_user(name="Tara O’Neill & <Co>")
    page.goto("/sign-in")
    page.get_by_role("link", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with a link by email")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    check_page(page, "magic link: request, with an error")

    ask_for_a_link(page, person.email)
    check_page(page, "magic link: check your email")

    link = live_server.email_link(person.email, "magic_link")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    check_page(page, "magic link: the link's page")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your nominations")

    sign_out(page)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This sign-in link has already been used or a newer one has been sent"
    )
    check_page(page, "magic link: used")
    page.get_by_role("link", name="Ask for a new sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with a link by email")


def _invitation(email: str) -> None:
    from awards.domain.core.clock import utcnow
    from awards.domain.judging import judges
    from awards.extensions import db
    from tests.factories import make_cycle, make_user

    now = utcnow()
    cycle = make_cycle(
        status="judging",
        open_at=now - timedelta(days=40),
        close_at=now - timedelta(days=1),
        judging_close_at=now + timedelta(days=20),
    )
    organiser = make_user(name="Olu Organiser", roles=("organiser",))
    judges.invite_judges(cycle, email, by=organiser)
    db.session.flush()


def test_an_invited_judge_accepts_without_a_password_and_signs_in_by_link(page, live_server, check_page):
    email = unique_email("grace").replace("testshire.gov.uk", "judges.example.org")
    live_server.run(_invitation, email)
    page.goto(live_server.email_link(email, "judge_invitation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Judge Public Sector Digital Awards 2026")
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Organisation", exact=True).fill("Navy Digital")
    check_page(page, "invitation: new person, with the choice of no password")
    page.get_by_role("button", name="Accept without a password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your judging profile")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text("You are now a judge for Public Sector Digital Awards 2026")).to_be_visible()

    sign_out(page)
    ask_for_a_link(page, email)
    page.goto(live_server.email_link(email, "magic_link"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto("/judging/profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your judging profile")
