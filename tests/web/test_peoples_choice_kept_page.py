"""A People's Choice vote page is built once per change and kept (awards/web/caching.py, `form_page_cache`):
every reader gets the same page with their own session's CSRF token put back, a kept page never outlives a
change to the vote (an entry leaving it, its close), and nothing personal is kept. The "check your email" page
is a public page like the others (`public_cache`)."""

from __future__ import annotations

import re

import pytest
import time_machine

from awards.domain.results import shortlists
from awards.extensions import db
from awards.models import ImpactCase
from awards.web.caching import TOKEN_HOLE
from tests.support.dates import utc
from tests.support.visible import main_text, page_text
from tests.support.voting import ENTRANTS, confirmation_token, open_shortlist_vote

OPENS = utc(2026, 3, 2, 9)
CLOSES = utc(2026, 3, 9, 17)
BIN, GP, LIBRARY = (title for title, _org, _domain in ENTRANTS)
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def vote_clock(app):
    with time_machine.travel(OPENS, tick=False) as traveller:
        yield traveller


@pytest.fixture
def setup(app):
    return open_shortlist_vote(opens_at=OPENS, closes_at=CLOSES)


def url_of(setup) -> str:
    return f"/cycles/{setup.cycle.slug}/peoples-choice/{setup.category.slug}"


def form_token(response) -> str:
    found = TOKEN.search(response.get_data(as_text=True))
    assert found, "no CSRF token in the vote page's form"
    return found.group(1) or found.group(2)


def ask_for_vote_link(client, setup, token: str):
    option = setup.option_titled(BIN)
    return client.post(url_of(setup), data={"csrf_token": token, "option": str(option.id), "email": "sam@example.org"})


def test_each_reader_of_a_kept_page_gets_their_own_token(app, setup, client):
    first = client.get(url_of(setup))
    other = app.test_client()
    kept = other.get(url_of(setup))

    assert (first.headers["X-Cache"], kept.headers["X-Cache"]) == ("miss", "hit")
    assert main_text(kept) == main_text(first)
    assert TOKEN_HOLE.decode() not in kept.get_data(as_text=True)
    assert form_token(kept) != form_token(first)
    assert first.headers["Cache-Control"] == kept.headers["Cache-Control"] == "no-store"  # it holds their token
    assert ask_for_vote_link(other, setup, form_token(first)).status_code == 400  # another reader's token is refused
    assert ask_for_vote_link(other, setup, form_token(kept)).status_code == 302  # their own works
    assert ask_for_vote_link(client, setup, form_token(first)).status_code == 302


def test_a_kept_page_follows_the_vote(organiser, setup, client, vote_clock):
    assert GP in main_text(client.get(url_of(setup)))
    assert client.get(url_of(setup)).headers["X-Cache"] == "hit"

    option = setup.option_titled(GP)
    shortlists.unpublish_case(db.session.get(ImpactCase, option.impact_case_id), by=organiser)
    db.session.commit()
    page = client.get(url_of(setup))
    assert page.headers["X-Cache"] == "miss"
    assert BIN in main_text(page) and GP not in main_text(page)

    vote_clock.move_to(CLOSES)
    closed = client.get(url_of(setup))
    assert closed.headers["X-Cache"] == "miss"
    assert "Voting closed at" in main_text(closed)
    assert "Send me the link" not in main_text(closed)


def test_nothing_personal_is_kept(app, setup, client, judge):
    signed_in = app.test_client()
    signed_in.sign_in_as(judge)
    page = signed_in.get(url_of(setup))
    assert "X-Cache" not in page.headers
    assert "Sign out" in page_text(page)
    assert client.get(url_of(setup)).headers["X-Cache"] == "miss"  # the signed-in page was not kept
    assert signed_in.get(url_of(setup)).headers.get("X-Cache") is None  # nor served to them from the cache

    with client.session_transaction() as session:  # a message waiting to be shown
        session["_flashes"] = [("success", "Saved")]
    assert "X-Cache" not in client.get(url_of(setup)).headers
    assert app.test_client().get(url_of(setup) + "?x=1").headers.get("X-Cache") != "hit"


def test_a_form_with_errors_is_built_for_its_reader(setup, client):
    client.get(url_of(setup))
    token = form_token(client.get(url_of(setup)))
    refused = client.post(url_of(setup), data={"csrf_token": token, "email": "not an address"})
    assert refused.status_code == 200 and "X-Cache" not in refused.headers
    assert "Select an entry to vote for" in main_text(refused)
    assert "not an address" in refused.get_data(as_text=True)  # what was typed is kept
    assert "Select an entry to vote for" not in main_text(client.get(url_of(setup)))


def test_the_check_your_email_page_is_a_public_page(setup, client):
    url = url_of(setup) + "/check-your-email"
    first, second = client.get(url), client.get(url)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert "Check your email" in main_text(second)
    assert second.headers["Cache-Control"].startswith("public")


def test_votes_being_cast_do_not_throw_the_kept_page_away(app, setup, client, outbox):
    """A vote night is thousands of votes: asking for a link and confirming it change nothing the page shows."""
    client.get(url_of(setup))
    voter = app.test_client()
    assert ask_for_vote_link(voter, setup, form_token(voter.get(url_of(setup)))).status_code == 302
    link = f"/peoples-choice/confirm/{confirmation_token(outbox('vote_confirm')[-1])}"
    assert voter.post_form(link, token_from=link).status_code == 200
    assert client.get(url_of(setup)).headers["X-Cache"] == "hit"


def test_a_page_that_showed_a_message_flashed_while_it_was_built_is_not_kept(app, setup, client, monkeypatch):
    from flask import flash

    from awards.web.public import voting

    render = voting._render_vote

    def flashing(*args, **kwargs):
        flash("Only for this reader", "info")
        return render(*args, **kwargs)

    monkeypatch.setattr(voting, "_render_vote", flashing)
    first = client.get(url_of(setup))
    assert "Only for this reader" in page_text(first)
    monkeypatch.setattr(voting, "_render_vote", render)
    other = app.test_client().get(url_of(setup))
    assert other.headers["X-Cache"] == "miss" and "Only for this reader" not in page_text(other)
