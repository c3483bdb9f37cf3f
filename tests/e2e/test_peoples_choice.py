"""People's Choice in a real browser: a voter on a phone, by keyboard only, from the shortlist page to a counted
vote (through a refused address and the GOV.UK errors); the organiser setting a vote up, its patterns and the close
step; the results once a vote has closed. Every page through axe and the HTML checker, at 1280 and 375 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import Steps, error_box, heading, sign_in, tab_to

pytestmark = pytest.mark.e2e

VOTER = "pat.voter@example.com"


def _open_vote(closed: bool = False) -> dict:
    """A published cycle with its first category's shortlist put to a vote (open now, or closed with votes)."""
    from awards.domain.core.clock import utcnow
    from awards.extensions import db
    from awards.models import Ballot
    from tests.support.voting import open_shortlist_vote

    setup = open_shortlist_vote()
    if closed:
        from awards.domain.voting import ballots

        vote = setup.vote
        for n in range(25):  # a burst from one network
            ballots.ask_to_vote(vote, vote.options[2].id, f"stuffer.{n}@gmail.com", client_ip=f"203.0.113.{n}")
        for n, option in enumerate([vote.options[0]] * 3 + [vote.options[1]]):
            db.session.add(Ballot(vote_id=vote.id, option_id=option.id, voter_key=f"key-{n}", cast_at=utcnow()))
        vote.closes_at = utcnow() - timedelta(minutes=1)
    return {"slug": setup.cycle.slug, "category": setup.category.name, "category_slug": setup.category.slug}


def test_a_voter_votes_on_a_phone_by_keyboard(phone_page, live_server, check_page):
    page = phone_page
    steps = Steps(page, check_page, "people's choice voter", phone=True)
    steps.check = lambda state: check_page(page, f"people's choice voter: {state}")  # with screenshots at both widths
    vote = live_server.run(_open_vote)
    page.goto(f"/cycles/{vote['slug']}/shortlist")
    link = page.get_by_role("link", name=f"Vote for the People’s Choice in {vote['category']}")
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text(f"People’s Choice: {vote['category']}")
    steps.check("vote page")

    # Sending nothing: the errors, each linking to its field.
    tab_to(page, page.get_by_role("button", name="Send me the link"))
    page.keyboard.press("Enter")
    expect(error_box(page)).to_be_visible()
    steps.check("vote page with errors")

    radio = page.get_by_role("radio", name="Faster GP triage")
    tab_to(page, page.get_by_role("radio").first)
    while not radio.is_checked():
        page.keyboard.press("ArrowDown")
    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type("someone@mailinator.com")
    page.keyboard.press("Enter")
    expect(error_box(page)).to_contain_text("disposable")
    expect(page.get_by_label("Email address")).to_have_value("someone@mailinator.com")
    expect(radio).to_be_checked()
    steps.check("vote page with a refused address")

    tab_to(page, page.get_by_label("Email address"))  # from the error summary, which has the focus
    page.keyboard.press("Control+A")
    page.keyboard.type(VOTER)
    tab_to(page, page.get_by_role("button", name="Send me the link"))
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Check your email")
    steps.check("check your email")

    page.goto(live_server.email_link(VOTER, "vote_confirm"))
    expect(heading(page)).to_have_text(f"Confirm your vote for Faster GP triage in {vote['category']}")
    steps.check("confirm your vote")
    tab_to(page, page.get_by_role("button", name="Confirm my vote"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your vote is counted")).to_be_visible()
    steps.check("your vote is counted")

    page.reload()  # the same link again: used
    expect(heading(page)).to_have_text("This link cannot be used")
    steps.check("a used link")


def test_the_organiser_sets_a_vote_up(page, live_server, check_page):
    from tests.support.browser import make_organiser

    steps = Steps(page, check_page, "people's choice organiser")
    organiser = make_organiser(live_server)

    def published() -> dict:
        from tests.factories import make_published_cycle
        from tests.support.voting import shortlist_cases

        cycle = make_published_cycle()
        shortlist_cases(cycle, cycle.categories[0])
        return {"slug": cycle.slug, "category": cycle.categories[0].name}

    cycle = live_server.run(published)
    sign_in(page, organiser.email, organiser.password)
    page.goto(f"/organiser/cycles/{cycle['slug']}")
    page.get_by_role("link", name="People’s Choice").click()
    expect(heading(page)).to_have_text("People’s Choice")
    steps.check("votes by category")
    page.get_by_role("link", name=f"Set up a vote in {cycle['category']}").click()
    expect(heading(page)).to_have_text(f"People’s Choice in {cycle['category']}")
    steps.check("set up a vote")

    page.get_by_role("button", name="Open the vote").click()
    expect(error_box(page)).to_be_visible()
    steps.check("set up a vote with errors")

    from awards.domain.core.clock import utcnow

    opens, closes = utcnow() + timedelta(days=1), utcnow() + timedelta(days=8)
    for name, when in (("Voting opens", opens), ("Voting closes", closes)):
        group = page.get_by_role("group", name=name)
        group.get_by_label("Day").fill(str(when.day))
        group.get_by_label("Month").fill(str(when.month))
        group.get_by_label("Year").fill(str(when.year))
        group.get_by_label("Time").fill("9am")
    page.get_by_role("button", name="Open the vote").click()
    expect(page.get_by_text(f"The People’s Choice vote in {cycle['category']} is set up")).to_be_visible()
    steps.check("a scheduled vote")
    page.get_by_role("link", name="See the patterns of voting").click()
    expect(heading(page)).to_have_text(f"Patterns of voting in {cycle['category']}")
    steps.check("patterns")
    page.go_back()
    page.get_by_role("button", name="Withdraw the vote").click()
    expect(heading(page)).to_have_text("Withdraw the vote?")
    steps.check("withdraw the vote")


def test_results_once_a_vote_has_closed(page, live_server, check_page):
    steps = Steps(page, check_page, "people's choice results")
    vote = live_server.run(_open_vote, closed=True)
    page.goto(f"/cycles/{vote['slug']}/shortlist")
    table = page.get_by_role("table", name=f"People’s Choice in {vote['category']}")
    expect(table).to_contain_text("Digital library cards")
    steps.check("shortlist with results")
    page.get_by_role("link", name="People’s Choice: the public vote").click()
    expect(heading(page)).to_have_text("People’s Choice")
    steps.check("votes with results")

    from tests.support.browser import make_organiser

    organiser = make_organiser(live_server)
    sign_in(page, organiser.email, organiser.password)
    page.goto(f"/organiser/cycles/{vote['slug']}/peoples-choice/{vote['category_slug']}/patterns")
    expect(page.get_by_text("25 attempts in one minute")).to_be_visible()
    expect(page.get_by_role("img", name="Bursts: attempts in one minute")).to_be_visible()
    steps.check("patterns of a closed vote")
    page.goto(f"/organiser/cycles/{vote['slug']}/peoples-choice")
    steps.check("organiser's votes with results")
