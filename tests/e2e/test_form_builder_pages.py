"""The entry form builder's pages in a real browser, at 1280 and 375 pixels wide: axe, the HTML checker, no
sideways scrolling, screenshots with AWARDS_SCREENSHOTS=1. The form is the default one, with a submitted
nomination, so the page warns that changes are checked; one refusal is shown as the organiser sees it.

Each page is loaded once and checked at 1280, then narrowed to 375 and checked again (the server sends the
same HTML at any width, so the HTML checker reads it once; axe and the sideways-scrolling check run at
both widths, on the page as laid out at each)."""

from __future__ import annotations

import pytest

from tests.e2e.signed_in import sign_in_with_cookie
from tests.support.browser import DESKTOP, PHONE, make_organiser

pytestmark = pytest.mark.e2e

# Two animation frames: the media queries' change events (GOV.UK Frontend folds the header's menu
# away on one) have run before the page is checked at its new width.
_LAID_OUT = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _cycle_with_a_submission() -> dict:
    from tests.factories import make_cycle, make_nomination

    cycle = make_cycle()
    make_nomination(cycle, lessons="word " * 42)
    return {"slug": cycle.slug}


def _check_at_both_widths(page, check_page, label: str) -> None:
    check_page(page, f"builder {label} desktop")
    page.set_viewport_size(PHONE)
    page.evaluate(_LAID_OUT)
    check_page(page, f"builder {label} phone", screenshot=False)  # the desktop check's screenshots include 375
    page.set_viewport_size(DESKTOP)
    page.evaluate(_LAID_OUT)


def test_the_builder_pages_pass_the_checks_at_both_widths(journey, live_server, check_page):
    organiser = make_organiser(live_server)
    cycle = live_server.run(_cycle_with_a_submission)
    page = journey.new_page()
    sign_in_with_cookie(page, live_server, organiser.email, organiser.password)
    base = f"/organiser/cycles/{cycle['slug']}/form"
    pages = [
        ("", "entry form"),
        ("/sections/new", "add a section"),
        ("/sections/lessons/edit", "change a section"),
        ("/sections/lessons/questions/new", "choose the kind"),
        ("/sections/lessons/questions/new?kind=textarea", "add a long text question"),
        ("/sections/lessons/questions/new?kind=group", "add a repeating group"),
        ("/sections/lessons/questions/new?kind=file", "add a file question"),
        ("/sections/lessons/questions/new?kind=choices", "add a several choices question"),
        ("/questions/title/edit", "change a core question"),
        ("/questions/contact_phone/remove", "remove a question"),
        ("/questions/lessons/remove", "cannot remove a question"),
        ("/preview", "preview"),
        ("/save-template", "save as a template"),
        ("/start-from-template", "start from a template"),
    ]
    for path, label in pages:
        response = page.goto(base + path)
        assert response.status == 200, (path, response.status)
        _check_at_both_widths(page, check_page, label)
    # A refusal, as the organiser sees it: a tighter word limit than a submitted answer.
    page.goto(base + "/questions/lessons/edit")
    page.get_by_label("Word limit").fill("40")
    page.get_by_role("button", name="Save question").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "the word limit must be at least 42" in summary.inner_text()
    _check_at_both_widths(page, check_page, "refusal")
