"""Accounts in a real browser: register, confirm the e-mail address, sign out and in,
the account page, and resetting a forgotten password. Each page state is checked."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import error_box, sign_in, unique_email

pytestmark = pytest.mark.e2e

PASSWORD = "tidal marble lantern quietly"


def test_nominee_registers_confirms_email_signs_out_and_in(page, live_server, check_page):
    email = unique_email("nina")

    page.goto("/")
    page.get_by_role("link", name="Create an account").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    check_page(page, "register: empty form")

    page.get_by_role("button", name="Create account").click()
    expect(error_box(page)).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Create an account"))
    for message in (
        "Enter your full name",
        "Enter your email address",
        "Enter your organisation",
        "Enter a password",
        "Confirm your password",
    ):
        expect(error_box(page).get_by_role("link", name=message)).to_be_visible()
    check_page(page, "register: form with errors")

    page.get_by_label("Full name").fill("Nina Nominee")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Organisation").fill("Riverside Borough Council")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # The same answer whether or not the address already had an account: nobody is signed in.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_text(f"We have sent an email to {email}")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    check_page(page, "register: check your email")

    sign_in(page, email, PASSWORD)
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text("Not confirmed")).to_be_visible()
    check_page(page, "account: registered, email not confirmed")

    (message,) = live_server.outbox(kind="verify_email", to=email)
    assert message.sent and "Confirm your email address" in message.body_text
    page.goto(live_server.email_link(email, "verify_email"))
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    check_page(page, "account: email confirmed")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    check_page(page, "home: signed out")

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_page(page, "sign in: empty form")

    page.get_by_role("button", name="Sign in").click()
    expect(error_box(page)).to_be_visible()
    check_page(page, "sign in: form with errors")

    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("not my password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(error_box(page).get_by_role("link", name="Enter a correct email address and password")).to_be_visible()
    check_page(page, "sign in: wrong password")

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text(email)).to_be_visible()


def test_signed_out_person_is_sent_to_sign_in_and_back(page, live_server, check_page):
    user = live_server.make_user(name="Sam Signin")
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("Sign in to see this page")).to_be_visible()
    check_page(page, "sign in: asked to sign in first")

    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    assert any(c["name"] == "awards_remember" for c in page.context.cookies())


def test_account_details_password_change_and_resending_the_link(page, live_server, check_page):
    user = live_server.make_user(name="Ada Account", organisation="Northshire Council", verified=False)
    sign_in(page, user.email, user.password)
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    check_page(page, "account: signed in, email not confirmed")

    page.get_by_role("button", name="Send the link again").click()
    expect(page.get_by_text(f"We have sent a new link to {user.email}")).to_be_visible()
    assert len(live_server.outbox(kind="verify_email", to=user.email)) == 1

    details = page.locator("form").filter(has=page.get_by_role("button", name="Save changes"))
    details.get_by_label("Full name").fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(error_box(page).get_by_role("link", name="Enter your full name")).to_be_visible()
    check_page(page, "account: details with errors")

    details.get_by_label("Full name").fill("Ada Lovelace")
    details.get_by_label("Organisation").fill("Southshire Council")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your details have been saved")).to_be_visible()
    expect(details.get_by_label("Organisation")).to_have_value("Southshire Council")
    check_page(page, "account: details saved")

    page.get_by_label("Current password").fill("wrong password entirely")
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Confirm new password").fill("different")
    page.get_by_role("button", name="Change password").click()
    expect(error_box(page)).to_be_visible()
    check_page(page, "account: password change with errors")

    new_password = "a brand new river password"
    page.get_by_label("Current password").fill(user.password)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Confirm new password").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed")).to_be_visible()
    check_page(page, "account: password changed")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, user.email, new_password)


def test_forgotten_password_is_reset_by_the_emailed_link(page, live_server, check_page):
    user = live_server.make_user(name="Rita Reset")
    page.goto("/sign-in")
    page.get_by_role("link", name="I have forgotten my password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    check_page(page, "reset: empty form")

    page.get_by_role("button", name="Send reset link").click()
    expect(error_box(page).get_by_role("link", name="Enter your email address")).to_be_visible()
    check_page(page, "reset: form with errors")

    page.get_by_label("Email address").fill(user.email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_page(page, "reset: check your email")

    link = live_server.email_link(user.email, "reset_password")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    check_page(page, "reset: choose a new password")

    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Confirm new password").fill("other")
    page.get_by_role("button", name="Set new password").click()
    expect(error_box(page)).to_be_visible()
    check_page(page, "reset: new password with errors")

    new_password = "seven orange kites drifting"
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Confirm new password").fill(new_password)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("Your password has been reset")).to_be_visible()
    check_page(page, "sign in: after password reset")
    sign_in(page, user.email, new_password)

    response = page.goto(link)
    assert response.status == 400, "a reset link works once"
    check_page(page, "reset: used link")


def test_broken_verification_link(page, live_server, check_page):
    response = page.goto("/verify-email/not-a-real-token")
    assert response.status == 400
    expect(page.get_by_role("link", name="Sign in").last).to_be_visible()
    check_page(page, "verify: broken link")
