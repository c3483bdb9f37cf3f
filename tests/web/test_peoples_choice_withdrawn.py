"""People's Choice: an entry that leaves the vote while it runs (its impact case taken down, its nomination
withdrawn) is no longer shown or offered to the public, is refused in words, and is left out of the results
(which say so); the organiser's page says which entry left and why, and how many votes it kept."""

from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import select

from awards.domain.results import shortlists
from awards.domain.voting import votes
from awards.extensions import db
from awards.models import Advancement, Eligibility, ImpactCase, Nomination, NominationStatus, PublicVote, VoteSource
from tests.factories import make_cycle, make_nomination
from tests.support.dates import utc
from tests.support.programme import add_round
from tests.support.visible import error_summary, main_text
from tests.support.voting import ENTRANTS, confirmation_token, open_shortlist_vote

OPENS = utc(2026, 3, 2, 9)
CLOSES = utc(2026, 3, 9, 17)
BIN, GP, LIBRARY = (title for title, _org, _domain in ENTRANTS)


@pytest.fixture(autouse=True)
def vote_clock(app):
    """Set before any client signs in (a session begun in the clock's future would not be valid)."""
    with time_machine.travel(OPENS, tick=False) as traveller:
        yield traveller


def public_vote_url(setup) -> str:
    return f"/cycles/{setup.cycle.slug}/peoples-choice/{setup.category.slug}"


def cast_through_the_pages(client, setup, title: str, email: str, outbox) -> None:
    url = public_vote_url(setup)
    option = setup.option_titled(title)
    assert client.post_form(url, {"option": str(option.id), "email": email}, token_from=url).status_code == 302
    link = f"/peoples-choice/confirm/{confirmation_token(outbox('vote_confirm')[-1])}"
    assert client.post_form(link, token_from=link).status_code == 200


def take_down(setup, title: str, organiser) -> None:
    option = setup.option_titled(title)
    shortlists.unpublish_case(db.session.get(ImpactCase, option.impact_case_id), by=organiser)
    db.session.commit()


def test_an_entry_taken_down_while_the_vote_runs_leaves_it(organiser, organiser_client, client, vote_clock, outbox):
    setup = open_shortlist_vote(opens_at=OPENS, closes_at=CLOSES)
    cast_through_the_pages(client, setup, BIN, "early@example.com", outbox)
    cast_through_the_pages(client, setup, GP, "gp@example.com", outbox)
    bins = setup.option_titled(BIN)
    take_down(setup, BIN, organiser)

    # The public no longer sees the entry, its organisation or its summary, on the page or in the API.
    page = main_text(client.get(public_vote_url(setup)))
    assert GP in page and LIBRARY in page
    assert BIN not in page and "Riverside Council" not in page
    api = client.get(f"/api/v1/cycles/{setup.cycle.slug}/peoples-choice").get_json()
    assert [e["title"] for e in api["data"]["votes"][0]["entries"]] == [LIBRARY, GP]
    listing = main_text(client.get(f"/cycles/{setup.cycle.slug}/peoples-choice"))
    assert "2 entries" in listing

    # A vote for it (a form kept open from before) is refused in words, and nothing is e-mailed.
    url = public_vote_url(setup)
    refused = client.post_form(url, {"option": str(bins.id), "email": "late@example.com"}, token_from=url)
    assert refused.status_code == 200
    assert error_summary(refused) == [("#option", "That entry is no longer in this vote. Select another entry")]
    assert len(outbox("vote_confirm")) == 2

    # The organiser sees which entry left and why.
    setup_page = f"/organiser/cycles/{setup.cycle.slug}/peoples-choice/{setup.category.slug}"
    organiser_page = main_text(organiser_client.get(setup_page))
    assert "1 entry has left this vote since it opened, so it is no longer offered to voters" in organiser_page
    assert f"{BIN}, Riverside Council Withdrawn from the vote Its impact case is no longer published" in organiser_page

    # After the close: the ranking leaves it out and says so; the organiser sees its kept vote apart.
    vote_clock.move_to(CLOSES)
    organiser_client.sign_in_as(organiser)
    results = main_text(client.get(public_vote_url(setup)))
    assert "1 entry was withdrawn from the vote while it ran, so it is not in these results" in results
    assert BIN not in results and "Riverside Council" not in results
    assert f"{GP} Hillshire NHS Trust 1 100%" in results
    closed = main_text(organiser_client.get(setup_page))
    assert f"Withdrawn from the vote Entry Why Votes kept, not counted {BIN} Riverside Council" in closed
    assert "Its impact case is no longer published 1" in closed
    assert "Confirmed votes 2" in closed


def test_a_withdrawn_nomination_is_not_offered_on_a_scheduled_votes_page(client, organiser_client):
    setup = open_shortlist_vote(opens_at=utc(2026, 3, 3, 9), closes_at=CLOSES)
    gp = db.session.get(Nomination, setup.option_titled(GP).nomination_id)
    gp.status = NominationStatus.WITHDRAWN
    db.session.commit()
    page = main_text(client.get(public_vote_url(setup)))
    assert "Voting has not opened yet" in page
    assert BIN in page and LIBRARY in page and GP not in page
    organiser_page = main_text(
        organiser_client.get(f"/organiser/cycles/{setup.cycle.slug}/peoples-choice/{setup.category.slug}")
    )
    assert f"{GP}, Hillshire NHS Trust Withdrawn from the vote The nomination was withdrawn" in organiser_page
    assert db.session.scalar(select(PublicVote.id)) is not None


def test_an_entry_leaving_a_rounds_vote_is_seen_at_once_on_the_cached_list(client):
    """A round's entry leaves its vote when its entrant takes back consent to publication or it is found ineligible:
    neither changes a published shortlist, yet the cached list of votes counts the entries offered."""
    cycle = make_cycle(status="judging")
    category = cycle.categories[0]
    final = add_round(cycle)
    entries = [make_nomination(cycle, category=category, title=title) for title in ("Alpha", "Beta", "Gamma")]
    for entry in entries:
        db.session.add(Advancement(round_id=final.id, nomination_id=entry.id, created_at=OPENS))
    db.session.commit()
    votes.open_vote(
        cycle, category, source=VoteSource.ROUND, judging_round=final, opens_at=OPENS, closes_at=CLOSES, by=None
    )
    db.session.commit()
    listing = f"/cycles/{cycle.slug}/peoples-choice"
    assert "3 entries" in main_text(client.get(listing))

    entries[2].consents_to_publish = False
    db.session.commit()
    assert "2 entries" in main_text(client.get(listing))
    entries[1].eligibility = Eligibility.INELIGIBLE
    db.session.commit()
    assert "1 entry" in main_text(client.get(listing))
