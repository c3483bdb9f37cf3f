"""The keyboard alone (Tab, Shift+Tab, Enter, Space): every stop shows where the focus is,
and a form that fails puts the focus on its error summary."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_focus_visible, tab_to

pytestmark = pytest.mark.e2e


def test_sign_in_and_out_with_the_keyboard_alone(page, live_server, check_page):
    user = live_server.make_user(name="Kim Keyboard")
    page.goto("/sign-in")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    sign_in_button = page.get_by_role("button", name="Sign in")
    tab_to(page, sign_in_button)
    page.keyboard.press("Enter")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    assert_focus_visible(page)
    check_page(page, "sign in: errors, by keyboard")

    tab_to(page, summary.get_by_role("link", name="Enter your email address"))
    page.keyboard.press("Enter")
    email = page.get_by_label("Email address")
    expect(email).to_be_focused()
    page.keyboard.type(user.email)

    password = page.get_by_label("Password", exact=True)
    tab_to(page, password)
    page.keyboard.type(user.password)
    tab_to(page, page.get_by_role("button", name="Show password"))
    page.keyboard.press("Space")
    expect(password).to_have_attribute("type", "text")
    expect(page.get_by_role("button", name="Hide password")).to_be_focused()
    page.keyboard.press("Space")
    expect(password).to_have_attribute("type", "password")

    tab_to(page, email, backwards=True)
    expect(email).to_have_value(user.email)
    tab_to(page, password)
    expect(password).to_have_value(user.password)

    remember = page.get_by_label("Keep me signed in on this device")
    tab_to(page, remember)
    page.keyboard.press("Space")
    expect(remember).to_be_checked()
    tab_to(page, sign_in_button)
    page.keyboard.press("Enter")

    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    tab_to(page, page.get_by_role("link", name="Your account"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")

    tab_to(page, sign_out, backwards=True)
    page.keyboard.press("Space")
    expect(page.get_by_text("You have signed out")).to_be_visible()
