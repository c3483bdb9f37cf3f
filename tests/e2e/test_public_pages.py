"""Public pages in a real browser: reached by their links, accessible, valid, no errors."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_public_pages_by_their_links(page, check_page):
    response = page.goto("/")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Public Sector Digital Awards")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_attached()
    expect(page.locator("svg.govuk-footer__crown")).to_be_hidden()  # not GOV.UK: no crown
    check_page(page, "home")

    footer = page.get_by_role("contentinfo")
    for link, heading, label in (
        ("Accessibility statement", "Accessibility statement", "accessibility statement"),
        ("Privacy", "Privacy notice", "privacy notice"),
        ("Cookies", "Cookies", "cookies"),
    ):
        footer.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check_page(page, label)

    page.get_by_role("link", name="Public Sector Digital Awards").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Public Sector Digital Awards")
    page.get_by_role("link", name="Create an account").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")


def test_page_not_found(page, check_page):
    response = page.goto("/no-such-page")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, "page not found")
    page.get_by_role("link", name="Go to the home page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Public Sector Digital Awards")
