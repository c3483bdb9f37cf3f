"""Data protection in a real browser: a nominee downloads their data and deletes their account;
an organiser removes a closed cycle's personal data after the retention period. Each state is checked."""

import json
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.e2e


def test_a_nominee_downloads_their_data_then_deletes_their_account(page, live_server, check_page):
    nominee = live_server.make_user(name="Dana Delete", organisation="Riverside Borough Council")
    sign_in(page, nominee.email, nominee.password)
    page.get_by_role("link", name="Your account").click()
    check_page(page, "account: with your data")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download your data").click()
    held = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert nominee.email in json.dumps(held)

    page.get_by_role("link", name="Delete your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    check_page(page, "delete account: confirm")

    page.get_by_role("button", name="Delete your account").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("link", name="Enter your password")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    check_page(page, "delete account: no password")

    page.get_by_label("Enter your password to confirm").fill(nominee.password)
    page.get_by_role("button", name="Delete your account").click()
    expect(page.get_by_text("Your account has been deleted")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    check_page(page, "home: account deleted")


def _cycle_past_retention(days: int, year: int) -> str:
    from awards.domain.core.clock import utcnow
    from tests.factories import make_published_case

    case = make_published_case(year=year, title=f"A case from {year} that stays public")
    case.cycle.results_published_at = utcnow() - timedelta(days=days)
    return case.cycle.slug


def test_an_organiser_removes_a_closed_cycles_personal_data(page, live_server, check_page):
    organiser = live_server.make_user(name="Olu Organiser", roles=("organiser",))
    recent = live_server.run(_cycle_past_retention, 30, 2024)
    due = live_server.run(_cycle_past_retention, 400, 2023)
    sign_in(page, organiser.email, organiser.password)

    page.goto(f"/organiser/cycles/{recent}/personal-data")
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove personal data")
    expect(page.get_by_role("button", name="Remove personal data")).to_have_count(0)
    check_page(page, "remove personal data: not yet")

    page.goto(f"/organiser/cycles/{due}")
    page.get_by_role("link", name="Remove personal data").click()
    expect(page.get_by_role("button", name="Remove personal data")).to_be_visible()
    check_page(page, "remove personal data: confirm")
    page.get_by_role("button", name="Remove personal data").click()
    expect(page.get_by_text("Published impact cases are unchanged")).to_be_visible()
    check_page(page, "cycle: personal data removed")

    page.goto("/impact-cases")
    expect(page.get_by_role("link", name="A case from 2023 that stays public").first).to_be_visible()
