"""The shell in Welsh and Swedish in a real browser: chosen with the switcher on the home page, then the impact case
library, sign-in (with its error summary) and registration, each checked (axe, the HTML checker, no sideways
scrolling) at desktop width and at 375 px, where long Welsh and Swedish words must not break the layout."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import DESKTOP, assert_no_horizontal_overflow, narrowed

pytestmark = pytest.mark.e2e

WORDS = {
    "cy": {
        "switch": "Newid yr iaith i'r Gymraeg",
        "library": "Astudiaethau achos effaith",
        "menu": "Prif ddewislen",
        "sign_in": "Mewngofnodi",
        "problem": "Mae problem wedi codi",
        "register": "Creu cyfrif",
    },
    "sv": {
        "switch": "Byt språk till svenska",
        "library": "Effektexempel",
        "menu": "Huvudmeny",
        "sign_in": "Logga in",
        "problem": "Det finns ett problem",
        "register": "Skapa ett konto",
    },
}


def a_published_case() -> None:
    from tests.factories import make_published_case, make_published_cycle

    make_published_case(
        make_published_cycle(year=2025),
        title="Gwasanaethau cwsmeriaid digidol",
        organisation="Cyngor Bwrdeistref Sirol Rhondda Cynon Taf",
        result="highly_commended",
        summary="Trigolion yn gwneud cais am wasanaethau ar-lein, ddydd a nos.",
    )


def both_widths(page, check_page, label: str) -> None:
    check_page(page, label)
    narrowed(page)
    assert_no_horizontal_overflow(page, f"{label} at 375 px")
    narrowed(page, DESKTOP)


@pytest.mark.parametrize("language", ["cy", "sv"])
def test_the_shell_in_welsh_and_swedish(page, live_server, check_page, language):
    words = WORDS[language]
    live_server.run(a_published_case)
    page.goto("/")
    page.get_by_role("link", name=words["switch"]).click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    both_widths(page, check_page, f"home ({language})")

    page.get_by_role("navigation", name=words["menu"]).get_by_role("link", name=words["library"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["library"])
    both_widths(page, check_page, f"impact case library ({language})")

    page.get_by_role("navigation", name=words["menu"]).get_by_role("link", name=words["sign_in"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["sign_in"])
    both_widths(page, check_page, f"sign in ({language})")
    page.get_by_role("main").get_by_role("button", name=words["sign_in"]).click()
    expect(page.get_by_role("alert")).to_contain_text(words["problem"])
    both_widths(page, check_page, f"sign in, nothing typed ({language})")

    page.get_by_role("navigation", name=words["menu"]).get_by_role("link", name=words["register"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["register"])
    both_widths(page, check_page, f"register ({language})")
