"""The entry form builder's pages in a real browser, at 1280 and 375 pixels wide: axe, the HTML checker, no
sideways scrolling, screenshots with AWARDS_SCREENSHOTS=1. The form is the default one, with a submitted
nomination, so the page warns that changes are checked; one refusal is shown as the organiser sees it."""

from __future__ import annotations

import pytest

from tests.factories import DEFAULT_PASSWORD
from tests.support.browser import PHONE, assert_no_horizontal_overflow, make_organiser, sign_in

pytestmark = pytest.mark.e2e


def _cycle_with_a_submission() -> dict:
    from tests.factories import make_cycle, make_nomination

    cycle = make_cycle()
    make_nomination(cycle, lessons="word " * 42)
    return {"slug": cycle.slug}


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_builder_pages_pass_the_checks(journey, live_server, check_page, viewport):
    organiser = make_organiser(live_server)
    cycle = live_server.run(_cycle_with_a_submission)
    page = journey.new_page(viewport=PHONE) if viewport == "phone" else journey.new_page()
    sign_in(page, organiser.email, DEFAULT_PASSWORD)
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
        check_page(page, f"builder {label} {viewport}")
        assert_no_horizontal_overflow(page, label)
    # A refusal, as the organiser sees it: a tighter word limit than a submitted answer.
    page.goto(base + "/questions/lessons/edit")
    page.get_by_label("Word limit").fill("40")
    page.get_by_role("button", name="Save question").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "the word limit must be at least 42" in summary.inner_text()
    check_page(page, f"builder refusal {viewport}")
