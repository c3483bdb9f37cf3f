"""Single sign-on in a real browser (Chromium), the whole round trip against the OpenID Connect
provider on loopback (tests/support/oidc_provider.py): the button on the sign-in page, the provider's
redirect back, and the person signed in; a cancelled sign-in gets a page with a way on. The browser
follows the start's redirect to the provider only because the CSP's form-action allows its origin."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import start_live_server

pytestmark = pytest.mark.e2e

BUTTON = "Sign in with Riverside Council staff"


@pytest.fixture
def live_server(tmp_path, oidc_provider):
    """Overrides the shared server: one with the loopback provider configured."""
    live = start_live_server(tmp_path, "awards-e2e-sso", SSO_PROVIDERS=[oidc_provider.settings()])
    oidc_provider.redirect_uris.append(live.url + "/sign-in/sso/riverside/callback")
    yield live
    live.stop()


def test_sign_in_with_the_organisations_provider(live_server, page, check_page, oidc_provider):
    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=2, name="Sign in with your organisation")).to_be_visible()
    check_page(page, "single sign-on: the sign-in page with a provider")
    page.get_by_role("button", name=BUTTON).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your nominations")
    assert oidc_provider.token_requests == 1

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    oidc_provider.cancel = True
    page.goto("/sign-in")
    page.get_by_role("button", name=BUTTON).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You did not sign in with Riverside Council staff")
    check_page(page, "single sign-on: cancelled at the provider")
    oidc_provider.cancel = False
    page.get_by_role("button", name=BUTTON).click()  # trying again from the page
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
