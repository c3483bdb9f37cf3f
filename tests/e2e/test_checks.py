"""The checks themselves catch what they are for, so a broken checker cannot pass every page."""

import pytest

from tests.support.browser import check_accessibility, check_html, html_errors

pytestmark = pytest.mark.e2e

VALID = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>T</title></head>'
    "<body><main><h1>Fine</h1>{}</main></body></html>"
)


def test_axe_reports_rule_element_and_page(page):
    page.set_content(VALID.format('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="no-alt">'))
    with pytest.raises(pytest.fail.Exception) as failure:
        check_accessibility(page, "a picture without alt text")
    message = str(failure.value)
    assert "image-alt" in message and "#no-alt" in message and "a picture without alt text" in message
    page.set_content(VALID.format("<p>Nothing wrong here.</p>"))
    check_accessibility(page, "a plain page")


def test_html_checker_reports_each_error_and_passes_valid_pages():
    errors = html_errors(
        [
            ("good", VALID.format("<p>Hi</p>")),
            ("bad", VALID.format('<form action=""><p id="x">1</p><p id="x">2</p></form>')),
        ]
    )
    assert list(errors) == ["bad"]
    assert len(errors["bad"]) == 2
    with pytest.raises(pytest.fail.Exception) as failure:
        check_html(VALID.format('<p id="x"></p><p id="x"></p>'), "duplicate ids")
    assert "duplicate ids" in str(failure.value) and "Duplicate ID" in str(failure.value)


def test_overflow_and_invisible_focus_are_caught(page):
    from tests.support.browser import PHONE, assert_focus_visible, assert_no_horizontal_overflow, tab_to

    page.set_viewport_size(PHONE)
    page.set_content(VALID.format('<p class="wide" style="width: 500px">Too wide</p>'))
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_no_horizontal_overflow(page, "a wide paragraph")
    assert "500px" not in str(failure.value) and 'p.wide "Too wide"' in str(failure.value)

    page.set_content(VALID.format('<a href="#a" id="a" style="outline: none">Seen</a>'))
    page.keyboard.press("Tab")
    with pytest.raises(AssertionError, match="no visible focus indicator"):
        assert_focus_visible(page)
    page.set_content(VALID.format('<a href="#a">One</a> <a href="#b" style="outline: none">Two</a>'))
    with pytest.raises(AssertionError, match="no visible focus indicator"):
        tab_to(page, page.get_by_role("link", name="Two"))
