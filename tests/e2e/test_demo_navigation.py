"""The demo `make run` loads, as each demo person meets it: signing in lands on their own work, and
every link in the header (the service name and the main menu) opens a working page.

Every page is checked (axe, the HTML checker, the browser's errors, sideways scrolling) once for what it
shows: a header link back to the page the person landed on is the page already checked, and the home page,
the impact cases and the trends show every signed-in person the same thing below the header (each
person's header is checked on their landing page), so the organiser's visit checks them. Every link is
still followed, answers 200 and shows its heading, for each person."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from awards.devdata.demo import DEMO_ACCOUNTS, seed_demo
from tests.support.browser import sign_in

pytestmark = pytest.mark.e2e

# The main heading each header link leads to (the service name's link leads to the home page,
# whose heading is the service name).
HEADINGS = {
    "Impact cases": "Impact cases",
    "Trends": "Trends",
    "Organise": "Organiser overview",
    "Judging": "Your judging",
    "Your nominations": "Your nominations",
    "Your account": "Your account",
}
# The pages whose content below the header is the same for every signed-in person.
SAME_FOR_EVERYONE = {"Impact cases", "Trends"}
# Where each demo person lands after signing in, and something there for them to do.
LANDINGS = {
    "organiser": ("/organiser/", "Organiser overview", "Award cycles"),
    "judge": ("/judging/", "Your judging", "Not started"),
    "nominee": ("/nominations", "Your nominations", "Draft"),
}
ROLE_LINKS = {"organiser": {"Organise"}, "judge": {"Judging"}, "nominee": set()}


def test_each_demo_role_lands_on_its_work_and_every_header_link_works(journey, live_server, check_page):
    assert live_server.run(seed_demo) is True
    checked: set[str] = set()  # paths of pages whose content is the same for everyone, once checked
    for account in DEMO_ACCOUNTS:
        role = account.role.value
        page = journey.new_page()
        sign_in(page, account.email, account.password)
        path, heading, work = LANDINGS[role]
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_role("main").get_by_text(work, exact=True).first).to_be_visible()
        check_page(page, f"demo {role}: after signing in")

        header = page.get_by_role("banner")
        links = [(link.inner_text().strip(), link.get_attribute("href")) for link in header.get_by_role("link").all()]
        names = [name for name, _ in links]
        service_name = names[0]
        assert links[0][1] == "/", f"the header's first link should be the service name, to the home page: {links}"
        unknown = [name for name in names[1:] if name not in HEADINGS]
        assert not unknown, f"header links without an expected page in this test: {unknown}"
        assert {"Impact cases", "Trends", "Your nominations", "Your account"} | ROLE_LINKS[role] == set(names[1:])

        for name, href in links:
            with page.expect_response(lambda r: r.request.is_navigation_request()) as navigation:
                page.get_by_role("banner").get_by_role("link", name=name, exact=True).click()
            response = navigation.value
            assert response.status == 200, f"{role}: {name} ({href}) answered {response.status}"
            expect(page).to_have_url(re.compile(re.escape(href) + "$"))
            expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS.get(name, service_name))
            if href == path or href in checked:
                continue  # the landing page, or the same page as the organiser's (see the docstring)
            check_page(page, f"demo {role}: {name}")
            if name == service_name or name in SAME_FOR_EVERYONE:
                checked.add(href)
        # The page stays open: the browser's problems on a page left unchecked are reported when the test ends.
