"""The request limit on signing in, in a real browser: the page that asks a person to wait is
accessible and valid, and names how long. The shared live server has the limits off (as every
test does), so this module serves an app of its own with them on (counted in its one process)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import start_live_server

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_server(tmp_path):
    """Overrides the shared server: sign-in limited to 2 posts a minute per address."""
    live = start_live_server(tmp_path, "awards-e2e-limits", RATELIMIT_ENABLED=True, RATELIMIT_SIGN_IN="2 per minute")
    yield live
    live.stop()


def test_too_many_sign_ins_get_a_page_saying_how_long_to_wait(live_server, page, check_page):
    person = live_server.make_user(email="nina@riverside.gov.uk")
    page.goto("/sign-in")
    for _ in range(2):
        page.get_by_label("Email address").fill(person.email)
        page.get_by_label("Password", exact=True).fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("Enter a correct email address and password")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password", exact=True).fill(person.password)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 429
    assert 1 <= int(answer.value.headers["retry-after"]) <= 61
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many requests")
    expect(page.get_by_role("main")).to_contain_text("Wait 1 minute and try again.")
    check_page(page, "too many requests")
