"""What is published and what organisers read of a nomination made on a custom form, in a real browser,
on a desktop and on a phone: the public case page with its public answers in form order (numbers,
dates, yes or no, choices, a repeating group as a table), the organiser's nomination page with every
question asked, organiser-only ones too, and the public copy's edit page. axe, the HTML checker and
no sideways scrolling on each; screenshots with AWARDS_SCREENSHOTS=1."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import PHONE, make_organiser, sign_in

pytestmark = pytest.mark.e2e


def _case_on_a_custom_form() -> dict:
    """A published cycle whose form adds an "Impact in numbers" section (tests/support/public_form.py),
    and a published case of one of its nominations. Plain values only."""
    from tests.factories import make_published_case, make_published_cycle
    from tests.support.public_form import ANSWERS, install_public_form

    cycle = make_published_cycle(year=2025, name="Public Sector Digital Awards 2025")
    install_public_form(cycle)
    case = make_published_case(
        cycle,
        category=cycle.categories[0],
        title="Bins that tell crews when they are full",
        organisation="Riverside Borough Council",
        summary="Sensors in 4,000 bins tell crews which ones are full, so rounds skip the empty ones.",
        **ANSWERS,
    )
    return {
        "slug": case.slug,
        "case_id": case.id,
        "cycle": cycle.slug,
        "reference": case.nomination.reference,
    }


def test_a_case_from_a_custom_form_and_the_organisers_view_of_its_nomination(journey, live_server, page, check_page):
    from tests.support.public_form import ORGANISER_ONLY_ANSWER, PRIVATE_ANSWER

    setup = live_server.run(_case_on_a_custom_form)

    page.goto(f"/impact-cases/{setup['slug']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bins that tell crews when they are full")
    expect(page.get_by_role("heading", name="Staff hours saved")).to_be_visible()
    expect(page.get_by_role("region", name="Savings (scroll sideways to see every column)")).to_be_visible()
    expect(page.get_by_text(PRIVATE_ANSWER)).to_have_count(0)
    expect(page.get_by_text(ORGANISER_ONLY_ANSWER)).to_have_count(0)
    check_page(page, "public case from a custom form")
    phone = journey.new_page(viewport=PHONE)
    phone.goto(f"/impact-cases/{setup['slug']}")
    check_page(phone, "public case from a custom form on a phone", screenshot=False)

    organiser = make_organiser(live_server)
    sign_in(page, organiser.email, organiser.password)
    page.goto(f"/organiser/cycles/{setup['cycle']}/nominations/{setup['reference']}")
    expect(page.get_by_role("heading", name="Impact in numbers")).to_be_visible()
    expect(page.get_by_text(ORGANISER_ONLY_ANSWER)).to_be_visible()
    check_page(page, "organiser nomination from a custom form")
    page.set_viewport_size(PHONE)
    check_page(page, "organiser nomination from a custom form on a phone", screenshot=False)

    page.goto(f"/organiser/impact-cases/{setup['case_id']}")
    expect(page.get_by_label("What was saved")).to_have_count(2)
    check_page(page, "organiser edits the public copy of a custom case", screenshot=False)
    page.set_viewport_size({"width": 1280, "height": 800})
    check_page(page, "organiser edits the public copy of a custom case (desktop)")
