"""A visitor finds published impact cases: from /trends to a trend and its case, then /impact-cases
filtered by trend and year and searched by a word, the case, and a trend from the case. Also with
the keyboard alone for the filter form, and on a 375×667 phone with nothing scrolling sideways."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import PHONE, assert_focus_visible, assert_no_horizontal_overflow, tab_to

pytestmark = pytest.mark.e2e

FLOODS = "Flood warnings by text message"
LIBRARY = "A library app for everyone"
PLANNING = "Paperless planning applications"


def library_set_up() -> dict:
    """Three published impact cases: two of 2025 and one of 2024, over two trends."""
    from awards.domain.programme import taxonomy
    from awards.extensions import db
    from awards.models import Trend
    from tests.factories import make_published_case, make_published_cycle

    taxonomy.seed_trends()
    first, second = db.session.query(Trend).order_by(Trend.position, Trend.id).limit(2).all()
    cycle_2025 = make_published_cycle(year=2025)
    cycle_2024 = make_published_cycle(year=2024)
    make_published_case(
        cycle_2025,
        title=FLOODS,
        organisation="Riverside Borough Council",
        trends=[first, second],
        result="winner",
        summary="Residents on the flood plain get a text message hours before the river rises.",
    )
    make_published_case(
        cycle_2025,
        title=LIBRARY,
        organisation="Northshire Libraries",
        trends=[second],
        summary="One app to borrow, renew and reserve across every branch.",
    )
    make_published_case(
        cycle_2024,
        title=PLANNING,
        organisation="Eastvale District Council",
        trends=[first],
        summary="Planning applications made and tracked online from start to decision.",
    )
    return {"first": first.name, "first_slug": first.slug, "second": second.name}


def card(page, title):
    """The impact case's entry in a list: the heading that links to it."""
    return page.get_by_role("heading").filter(has=page.get_by_role("link", name=title, exact=True))


def find_a_case_from_trends(page, check_page, data: dict, label: str) -> None:
    trend = data["first"]
    page.goto("/")
    nav_link = page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Trends")
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():  # a phone folds the service navigation behind a Menu button
        menu.click()
    nav_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trends")
    check_page(page, f"{label}: trends")

    page.get_by_role("main").get_by_role("link", name=trend, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(trend)
    expect(page.get_by_text("2 published impact cases address this trend")).to_be_visible()
    expect(card(page, FLOODS)).to_be_visible()
    expect(card(page, PLANNING)).to_be_visible()
    expect(card(page, LIBRARY)).to_have_count(0)
    check_page(page, f"{label}: a trend")

    page.get_by_role("link", name=FLOODS, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FLOODS)
    expect(page.get_by_text("Riverside Borough Council").first).to_be_visible()
    check_page(page, f"{label}: the impact case from its trend")


def filter_the_library(page, check_page, data: dict, label: str) -> None:
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Impact cases").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Impact cases")
    expect(page.get_by_role("heading", name="3 impact cases")).to_be_visible()
    check_page(page, f"{label}: impact cases, unfiltered")

    search = page.get_by_role("search", name="Impact cases")
    search.get_by_label("Trend").select_option(label=data["first"])
    search.get_by_label("Year").select_option("2025")
    search.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="1 impact case")).to_be_visible()
    expect(card(page, FLOODS)).to_be_visible()
    expect(card(page, PLANNING)).to_have_count(0)
    check_page(page, f"{label}: impact cases by trend and year")

    page.get_by_role("link", name="Clear all filters").click()
    expect(page.get_by_role("heading", name="3 impact cases")).to_be_visible()
    search.get_by_label("Search").fill("renew")
    search.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="1 impact case")).to_be_visible()
    expect(card(page, LIBRARY)).to_be_visible()
    check_page(page, f"{label}: impact cases searched")

    search.get_by_label("Search").fill("no such project anywhere")
    search.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="No impact cases")).to_be_visible()
    check_page(page, f"{label}: impact cases, nothing found")

    search.get_by_label("Search").fill("flood")
    search.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="1 impact case")).to_be_visible()
    page.get_by_role("link", name=FLOODS, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FLOODS)

    page.get_by_role("heading", name="Trends it addresses").wait_for()
    page.get_by_role("main").get_by_role("link", name=data["second"], exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(data["second"])
    expect(card(page, LIBRARY)).to_be_visible()
    expect(card(page, FLOODS)).to_be_visible()
    check_page(page, f"{label}: a trend from the case")


def test_visitor_finds_impact_cases_by_trend_filter_and_search(page, live_server, check_page):
    data = live_server.run(library_set_up)
    find_a_case_from_trends(page, check_page, data, "public")
    filter_the_library(page, check_page, data, "public")


def test_visitor_finds_impact_cases_on_a_phone(phone_page, live_server, check_page):
    page = phone_page
    data = live_server.run(library_set_up)
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    find_a_case_from_trends(page, check_page, data, "public on a phone")
    assert_no_horizontal_overflow(page, "impact case on a phone")
    filter_the_library(page, check_page, data, "public on a phone")
    assert_no_horizontal_overflow(page, "trend on a phone")


def choose_with_arrows(page, select, option_text: str, max_presses: int = 60) -> None:
    """A closed <select> with the focus: ArrowDown moves through its options."""
    for _ in range(max_presses):
        if select.evaluate("el => el.options[el.selectedIndex].text") == option_text:
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"{option_text!r} was never chosen with the arrow keys")


def test_visitor_filters_impact_cases_with_the_keyboard_alone(page, live_server, check_page):
    data = live_server.run(library_set_up)
    page.goto("/impact-cases")
    search = page.get_by_role("search", name="Impact cases")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    words = search.get_by_label("Search")
    tab_to(page, words)
    page.keyboard.type("council")
    trend = search.get_by_label("Trend")
    tab_to(page, trend)
    choose_with_arrows(page, trend, data["first"])
    year = search.get_by_label("Year")
    tab_to(page, year)
    choose_with_arrows(page, year, "2025")
    tab_to(page, words, backwards=True)
    expect(words).to_have_value("council")
    apply = search.get_by_role("button", name="Apply filters")
    tab_to(page, apply)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="1 impact case")).to_be_visible()
    expect(search.get_by_label("Trend")).to_have_value(data["first_slug"])
    expect(search.get_by_label("Year")).to_have_value("2025")
    check_page(page, "impact cases filtered by keyboard")

    case_link = page.get_by_role("link", name=FLOODS, exact=True)
    tab_to(page, case_link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(FLOODS)
    trend_link = page.get_by_role("main").get_by_role("link", name=data["second"], exact=True).first
    tab_to(page, page.get_by_role("region", name="Measured outcomes"))  # a table that may scroll sideways
    tab_to(page, trend_link, backwards=True)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(data["second"])
    check_page(page, "a trend, reached by keyboard")
