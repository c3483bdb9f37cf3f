"""A nominee's journey in Welsh, in a real browser (issue #17 item 6): choose Cymraeg with the switcher, register,
confirm the address from a Welsh e-mail, sign in, start a nomination, meet a Welsh error summary, submit, and read
the Welsh confirmation page and e-mail; every page passes axe and the HTML checker, in Welsh and at 375 px.

The words expected are the catalogue's own (`cy`), and each must differ from its English: a page that fell back to
English, or a string the catalogue lacks, fails here."""

from __future__ import annotations

import functools
import re

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from awards.i18n import TRANSLATIONS, compile_catalogues
from tests.support import browser
from tests.support.browser import unique_email

pytestmark = pytest.mark.e2e

PASSWORD = "granite willow orchard sunrise"


@functools.cache
def _welsh() -> Translations:
    compile_catalogues()
    return Translations.load(str(TRANSLATIONS), ["cy"])


def cy(message: str, **values) -> str:
    """The catalogue's Welsh for an English message (its placeholders filled), which must be a translation."""
    welsh = _welsh().gettext(message)
    assert welsh != message, f"no Welsh for {message!r}"
    return welsh % values if values else welsh


@pytest.fixture
def open_cycle(live_server, tmp_path, monkeypatch):
    from tests.factories import make_cycle

    monkeypatch.setitem(live_server.app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return live_server.run(lambda: make_cycle().slug)


def _complete_the_rest(reference: str) -> None:
    """Every section's answers, as a nominee would have typed them (the English journey types each one)."""
    import sqlalchemy as sa

    from awards.extensions import db
    from awards.models import Nomination
    from tests.factories.nominations import complete_answers

    nomination = db.session.scalar(sa.select(Nomination).where(Nomination.reference == reference))
    complete_answers(nomination)


def welsh_journey(s: browser.Steps, live_server) -> None:
    page = s.page
    email = unique_email("siwan")
    page.goto("/")
    page.get_by_role("link", name="Newid yr iaith i'r Gymraeg").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("navigation", name=cy("Choose a language"))).to_be_visible()
    s.check("home in Welsh, signed out")

    page.goto("/register")
    expect(browser.heading(page)).to_have_text(cy("Create an account"))
    page.get_by_role("button", name=cy("Create account")).click()
    errors = page.get_by_role("alert").filter(has_text=cy("There is a problem"))
    expect(errors).to_be_visible()
    expect(page).to_have_title(re.compile("^" + re.escape(cy("Error:"))))
    s.check("register in Welsh: form with errors")
    page.get_by_label(cy("Full name")).fill("Siwan Jones")
    page.get_by_label(cy("Email address")).fill(email)
    page.get_by_label(cy("Organisation")).fill("Cyngor Sir Ceredigion")
    page.get_by_label(cy("Create a password")).fill(PASSWORD)
    page.get_by_label(cy("Confirm password")).fill(PASSWORD)
    page.get_by_role("button", name=cy("Create account")).click()
    expect(browser.heading(page)).to_have_text(cy("Check your email"))
    s.check("register in Welsh: check your email")

    (verification,) = live_server.outbox(kind="verify_email", to=email)
    assert verification.subject != "Confirm your email address", "the confirmation e-mail is in English"
    page.goto(live_server.email_link(email, "verify_email"))
    expect(browser.heading(page)).to_have_text(cy("Sign in"))
    page.get_by_label(cy("Email address")).fill(email)
    page.get_by_label(cy("Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=cy("Sign in")).click()
    expect(browser.heading(page)).to_have_text(cy("Your nominations"))
    s.check("your nominations in Welsh")

    page.goto("/nominations/start")
    page.get_by_role("button", name=cy("Start nomination")).click()
    expect(page.get_by_role("alert").filter(has_text=cy("There is a problem"))).to_be_visible()
    s.check("start in Welsh: no category chosen")
    page.get_by_role("radio").first.check()  # the first category, in Welsh when the defaults carry it
    page.get_by_role("button", name=cy("Start nomination")).click()
    reference = re.search(r"[A-Z]+-\d{4}-\d{4}", page.locator(".govuk-notification-banner").inner_text()).group(0)
    s.check("task list in Welsh: new nomination")

    live_server.run(_complete_the_rest, reference)
    page.goto(f"/nominations/{reference}/check")
    s.check("check your answers in Welsh")
    page.get_by_role("button", name=cy("Submit nomination")).click()
    panel = page.locator(".govuk-panel")
    expect(panel.get_by_role("heading", name=cy("Nomination submitted"))).to_be_visible()
    expect(panel).to_contain_text(reference)
    s.check("confirmation in Welsh")

    (confirmation,) = live_server.outbox(kind="nomination_submitted", to=email)
    assert confirmation.subject != f"Nomination received: {reference}" and reference in confirmation.subject
    assert reference in confirmation.body_text
    assert "Nomination received" not in confirmation.body_text


def test_a_nominee_registers_and_submits_in_welsh(page, live_server, check_page, open_cycle):
    welsh_journey(browser.Steps(page, check_page, "nominee in Welsh"), live_server)


def test_a_nominee_registers_and_submits_in_welsh_on_a_phone(phone_page, live_server, check_page, open_cycle):
    welsh_journey(browser.Steps(phone_page, check_page, "nominee in Welsh on a phone", phone=True), live_server)
