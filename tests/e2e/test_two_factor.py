"""Two-factor authentication in a real browser: set it up from the account page (the key shown as
text beside the QR code), sign out, sign in with a code from the app; a wrong code is a GOV.UK error."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.support.browser import error_box, sign_in, sign_out

pytestmark = pytest.mark.e2e


def test_set_up_two_factor_then_sign_in_with_a_code(page, live_server, check_page):
    person = live_server.make_user(name="Tara O’Neill & <Co>", roles=("organiser",))
    sign_in(page, person.email, person.password)
    page.goto("/account")
    page.get_by_role("link", name="Set up or change two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    check_page(page, "two-factor: set up")

    secret = re.sub(r"\s", "", page.locator("#two-factor-secret").inner_text())
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from your app").fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(error_box(page)).to_be_visible()
    expect(error_box(page).get_by_role("link", name=re.compile("The code is not correct"))).to_be_visible()
    check_page(page, "two-factor: set up, wrong code")

    page.get_by_label("Code from your app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    assert len(page.get_by_role("list", name="Recovery codes").get_by_role("listitem").all()) == 10
    check_page(page, "two-factor: recovery codes")

    sign_out(page)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    check_page(page, "two-factor: code step")

    page.get_by_label("Code").fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(error_box(page)).to_be_visible()
    expect(error_box(page).get_by_role("link", name=re.compile("The code is not correct"))).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Enter your code"))
    check_page(page, "two-factor: code step, wrong code")

    # The code of the next 30 seconds (a code is never taken twice, and the one that turned it on
    # may still be current)
    page.get_by_label("Code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto("/account/two-factor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    check_page(page, "two-factor: on")
