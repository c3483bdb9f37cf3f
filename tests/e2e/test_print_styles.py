"""Printing a judge's entry page (issue #18), the lighter alternative to the judge pack: the entry and the
score sheet print across the page; the site's navigation, banners, footer, buttons and character counters
do not. Rendered in Chromium with print media (and as a PDF, to look at with AWARDS_SCREENSHOTS=1)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import SCREENSHOT_DIR, screenshots_wanted, sign_in, take_screenshots

pytestmark = pytest.mark.e2e

PASSWORD = "meadow copper lighthouse drizzle"


def _an_entry_to_score(email: str) -> str:
    """A judge with one entry to score, conflict question answered; returns its reference."""
    from datetime import timedelta

    from awards.domain.core.clock import utcnow
    from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_user

    now = utcnow()
    cycle = make_cycle(status="judging", open_at=now - timedelta(days=40), close_at=now - timedelta(days=1))
    user = make_user(email=email, name="Pat Printer", roles=("judge",), password=PASSWORD)
    nomination = make_nomination(
        cycle, title="Tell us once for housing repairs", approach="We mapped every repair request with tenants."
    )
    make_assignment(make_judge(cycle, user), nomination, no_conflict_declared=True)
    return nomination.reference


def test_the_entry_page_prints_the_entry_and_sheet_without_the_sites_furniture(page, live_server, check_page):
    email = "pat.printer@judges.example.org"
    reference = live_server.run(_an_entry_to_score, email)
    sign_in(page, email, PASSWORD)
    page.goto(f"/judging/nominations/{reference}")
    check_page(page, "judge: entry page on screen")
    navigation = page.get_by_role("navigation", name="Main menu")
    footer = page.locator(".govuk-footer")
    save = page.get_by_role("button", name="Save as draft")
    expect(navigation).to_be_visible()
    expect(save).to_be_visible()

    page.emulate_media(media="print")
    for furniture in (navigation, footer, save, page.get_by_role("button", name="Submit scores")):
        expect(furniture).to_be_hidden()
    expect(page.locator(".govuk-phase-banner")).to_be_hidden()
    expect(page.get_by_role("link", name="Go to your scores")).to_be_hidden()
    expect(page.get_by_role("heading", name="Tell us once for housing repairs")).to_be_visible()
    expect(page.get_by_text("We mapped every repair request with tenants.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your scores")).to_be_visible()
    expect(page.get_by_role("group", name="Evidenced outcomes and impact")).to_be_visible()
    # The entry and the sheet each take the page's width
    entry = page.locator(".app-judging-entry").bounding_box()
    sheet = page.locator(".app-judging-scores").bounding_box()
    main = page.locator("main").bounding_box()
    assert entry["width"] > 0.95 * main["width"] and sheet["width"] > 0.95 * main["width"]
    assert sheet["y"] > entry["y"] + entry["height"] - 1  # after the entry, not beside it
    if screenshots_wanted():
        take_screenshots(page, "judge: entry page printed")
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        page.pdf(path=str(SCREENSHOT_DIR / "judge-entry-page-printed.pdf"), format="A4")
    page.emulate_media(media="screen")
    expect(navigation).to_be_visible()


def test_the_judges_list_links_the_pack_and_a_phone_reads_the_link(phone_page, live_server, check_page):
    email = "pat.printer@judges.example.org"
    live_server.run(_an_entry_to_score, email)
    sign_in(phone_page, email, PASSWORD)
    phone_page.goto("/judging/")
    link = phone_page.get_by_role("link", name="Download your judge pack for Round 1: Judging")
    expect(link).to_be_visible()
    check_page(phone_page, "judge: list with the pack link")
    with phone_page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("judge-pack-") and download.value.suggested_filename.endswith(
        ".pdf"
    )
