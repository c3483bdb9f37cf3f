"""People's Choice in a real browser with an entry withdrawn from the vote: the public vote page (the entry gone),
the closed vote's results saying an entry left, and the organiser's page listing it with why and its kept votes;
each through axe and the HTML checker, at 1280 and 375 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import Steps, heading, sign_in

pytestmark = pytest.mark.e2e


def _vote_with_an_entry_taken_down(closed: bool) -> dict:
    """A shortlist vote (open, or closed with votes) whose first entry's impact case was taken down after it opened."""
    from awards.domain.core.clock import utcnow
    from awards.extensions import db
    from awards.models import Ballot, ImpactCase
    from tests.support.voting import open_shortlist_vote

    setup = open_shortlist_vote()
    vote = setup.vote
    for n, option in enumerate([vote.options[0]] * 2 + [vote.options[1]] * 3):
        db.session.add(Ballot(vote_id=vote.id, option_id=option.id, voter_key=f"gone-{n}", cast_at=utcnow()))
    case = db.session.get(ImpactCase, vote.options[0].impact_case_id)
    case.unpublished_at = utcnow()
    if closed:
        vote.closes_at = utcnow() - timedelta(minutes=1)
    return {
        "slug": setup.cycle.slug,
        "category": setup.category.name,
        "category_slug": setup.category.slug,
        "gone": vote.options[0].title,
    }


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
def test_an_entry_withdrawn_from_a_vote(page, live_server, check_page, closed):
    from tests.support.browser import make_organiser

    steps = Steps(page, check_page, f"people's choice withdrawn entry ({'closed' if closed else 'open'})")
    vote = live_server.run(lambda: _vote_with_an_entry_taken_down(closed))
    page.goto(f"/cycles/{vote['slug']}/peoples-choice/{vote['category_slug']}")
    expect(heading(page)).to_have_text(f"People’s Choice: {vote['category']}")
    expect(page.get_by_text(vote["gone"])).to_have_count(0)
    if closed:
        expect(page.get_by_text("1 entry was withdrawn from the vote while it ran")).to_be_visible()
    steps.check("public vote page")

    organiser = make_organiser(live_server)
    sign_in(page, organiser.email, organiser.password)
    page.goto(f"/organiser/cycles/{vote['slug']}/peoples-choice/{vote['category_slug']}")
    expect(page.get_by_text("1 entry has left this vote since it opened")).to_be_visible()
    expect(page.get_by_text("Its impact case is no longer published")).to_be_visible()
    steps.check("organiser's vote page")
