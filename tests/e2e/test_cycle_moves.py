"""Moving a cycle on in a real browser: closing nominations early in one confirmation, and
withdrawing published results then publishing them again. Every page state is checked (axe-core,
HTML, no sideways scrolling)."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.support.browser import heading, make_organiser, results_set_up, sign_in

pytestmark = pytest.mark.e2e


def open_cycle() -> dict:
    from tests.factories import make_cycle

    cycle = make_cycle(name="Gwobrau Digidol & Data 2026 🎉")
    return {"slug": cycle.slug, "name": cycle.name}


def cycle_state(slug: str) -> tuple[str, bool]:
    """The cycle's status, and whether nominations closed in the past."""
    from awards.domain.core.clock import utcnow
    from awards.extensions import db
    from awards.models import Cycle

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.slug == slug))
    return cycle.status.value, cycle.nominations_close_at <= utcnow()


def test_organiser_closes_nominations_now(page, live_server, check_page):
    organiser = make_organiser(live_server)
    cycle = live_server.run(open_cycle)
    sign_in(page, organiser.email, organiser.password)
    page.goto(f"/organiser/cycles/{cycle['slug']}")
    expect(heading(page)).to_have_text(cycle["name"])
    page.get_by_role("button", name="Close nominations now").click()  # a link drawn as a button
    expect(heading(page)).to_have_text(f"Close nominations for {cycle['name']} now?")
    expect(page.get_by_text("the closing date becomes the moment you press the button")).to_be_visible()
    check_page(page, "close nominations now: confirm")
    page.get_by_role("button", name="Close nominations now").click()
    expect(page.get_by_text(re.compile(re.escape(f"Nominations for {cycle['name']} closed at")))).to_be_visible()
    check_page(page, "cycle: nominations closed early")
    assert live_server.run(cycle_state, cycle["slug"]) == ("closed", True)


def publish_results(slug: str, organiser_id: int) -> None:
    from awards.domain.results import shortlists
    from awards.extensions import db
    from awards.models import Cycle, User

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.slug == slug))
    organiser = db.session.get(User, organiser_id)
    shortlists.suggest_shortlist(cycle, by=organiser)
    shortlists.publish(cycle, by=organiser)


def test_organiser_withdraws_the_results_and_publishes_them_again(page, live_server, check_page):
    organiser = make_organiser(live_server)
    cycle = live_server.run(results_set_up)
    live_server.run(publish_results, cycle["slug"], organiser.id)
    sign_in(page, organiser.email, organiser.password)
    page.goto(f"/organiser/cycles/{cycle['slug']}")
    expect(page.get_by_text("The results are published.")).to_be_visible()
    page.get_by_role("button", name="Withdraw the results").click()
    expect(heading(page)).to_have_text(f"Withdraw the results of {cycle['name']}?")
    expect(page.get_by_text("takes back 2 results")).to_be_visible()
    check_page(page, "withdraw the results: confirm")
    page.get_by_role("button", name="Withdraw the results").click()
    expect(
        page.get_by_text(
            re.compile(
                r"have been withdrawn: 2 results taken back, 2 impact cases taken off the "
                r"website, 3 nominees emailed"
            )
        )
    ).to_be_visible()
    check_page(page, "cycle: results withdrawn")
    assert len(live_server.outbox(kind="results_withdrawn")) == 3

    page.get_by_role("link", name="Published impact cases").click()
    expect(page.get_by_text("Withdrawn with the results: public again when you publish them").first).to_be_visible()
    check_page(page, "impact cases: withdrawn with the results")

    page.goto(f"/organiser/cycles/{cycle['slug']}/results")
    page.get_by_role("button", name="Publish results").click()
    expect(heading(page)).to_have_text("Publish the results")
    page.get_by_role("button", name="Publish results").click()
    expect(page.get_by_text(re.compile(r"Results published: 2 shortlisted, 2 impact cases published"))).to_be_visible()
    check_page(page, "impact cases: published again")
