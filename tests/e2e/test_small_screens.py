"""A phone (375×667): the journeys work through the collapsed menu and nothing scrolls sideways.
(`check_page` asserts no sideways scrolling on every page; these say it again, plainly.)"""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import PHONE, assert_no_horizontal_overflow, unique_email

pytestmark = pytest.mark.e2e

PASSWORD = "paper lantern harbour evening"


def open_menu_and_follow(page, link: str) -> None:
    """GOV.UK's service navigation folds two or more links behind a Menu button on a phone."""
    page.wait_for_load_state("load")  # the Menu button appears only once the page's JavaScript has run
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        expect(menu).to_have_attribute("aria-expanded", "false")
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name=link).click()


def test_register_on_a_phone(phone_page, live_server, check_page):
    page = phone_page
    email = unique_email("pat")
    page.goto("/")
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    assert_no_horizontal_overflow(page, "home on a phone")
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    open_menu_and_follow(page, "Create an account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    check_page(page, "register on a phone: empty form", screenshot=False)

    page.get_by_label("Email address").fill("not an email address")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    assert_no_horizontal_overflow(page, "register on a phone: errors")
    check_page(page, "register on a phone: form with errors", screenshot=False)

    page.get_by_label("Full name").fill("Pat Phone")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Organisation").fill("A County Council with a rather long name for a small screen")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_no_horizontal_overflow(page, "check your email on a phone")
    check_page(page, "check your email on a phone", screenshot=False)


def test_sign_in_on_a_phone(phone_page, live_server, check_page):
    page = phone_page
    user = live_server.make_user(
        name="Phoebe Phone", email="phoebe.phone-with-a-long-address@a-long-council-name.gov.uk"
    )
    page.goto("/")
    open_menu_and_follow(page, "Sign in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_page(page, "sign in on a phone: empty form", screenshot=False)

    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_no_horizontal_overflow(page, "sign in on a phone: errors")
    check_page(page, "sign in on a phone: form with errors", screenshot=False)

    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/nominations$"))  # signed in, on their nominations (not the old page)
    open_menu_and_follow(page, "Your account")
    expect(page.get_by_text(user.email)).to_be_visible()
    assert_no_horizontal_overflow(page, "account on a phone, long e-mail address")
    check_page(page, "account on a phone, long e-mail address", screenshot=False)
