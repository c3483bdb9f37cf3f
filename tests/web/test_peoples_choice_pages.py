"""People's Choice pages beyond the main flow: the list pages run as many queries for three votes as for one,
the API validates against its OpenAPI document before and after a close, the organiser's patterns page (bursts
as a chart and a table, flags in words, no count by entry until the close), a vote on a round's entries set up
through the form, and the per-address request limit on asking for a link."""

from __future__ import annotations

import pytest
import time_machine
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import select

from awards.domain.voting import ballots, votes
from awards.extensions import db
from awards.models import Ballot, ImpactCase, PublicVote, VoteSource
from tests.factories import make_cycle, make_nomination, make_published_cycle
from tests.support.dates import utc
from tests.support.queries import counting_queries
from tests.support.visible import buttons, links_in, main_text
from tests.support.voting import confirmation_token, shortlist_cases

START = utc(2026, 3, 2, 9)
CLOSE = utc(2026, 3, 9, 17)


@pytest.fixture(autouse=True)
def clock(app):
    """Set before any client signs in (a session begun in the clock's future would not be valid)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def voted_cycle(categories: int, voters: int, tag: str = "a"):
    """A published cycle with a vote (open now until CLOSE) on the shortlist of each of its first `categories`
    categories, and `voters` ballots in each, for its first entry."""
    cycle = make_published_cycle()
    for index, category in enumerate(cycle.categories[:categories]):
        shortlist_cases(
            cycle,
            category,
            [(f"Entry {index}-{n}", f"Council {index}-{n}", f"council{index}x{n}{tag}.gov.uk") for n in range(3)],
        )
        vote = votes.open_vote(cycle, category, source=VoteSource.SHORTLIST, opens_at=START, closes_at=CLOSE, by=None)
        for n in range(voters):
            db.session.add(Ballot(vote_id=vote.id, option_id=vote.options[0].id, voter_key=f"k{n}", cast_at=START))
    db.session.commit()
    return cycle


def test_the_list_pages_run_as_many_queries_for_three_votes_as_for_one(organiser, organiser_client, client, clock):
    one, three = voted_cycle(1, 2, "one"), voted_cycle(3, 5, "three")

    def queries(client, url: str) -> int:
        with counting_queries() as counted:
            assert client.get(url).status_code == 200
        return counted["n"]

    def counts(cycle) -> list[int]:
        return [
            # (a query argument the page does not read: built afresh, not served from the page cache)
            queries(client, f"/cycles/{cycle.slug}/peoples-choice?fresh=1"),
            queries(client, f"/cycles/{cycle.slug}/shortlist?fresh=1"),
            queries(client, f"/api/v1/cycles/{cycle.slug}/peoples-choice?fresh=1"),
            queries(organiser_client, f"/organiser/cycles/{cycle.slug}/peoples-choice"),
        ]

    client.get("/trends")  # the page cache reads the votes' instants once per change of the library
    assert counts(one) == counts(three)
    clock.move_to(CLOSE)
    organiser_client.sign_in_as(organiser)  # a week on: the earlier session has timed out
    assert counts(one) == counts(three)
    assert "Council 2-0" in main_text(client.get(f"/cycles/{three.slug}/peoples-choice"))


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def _validate(spec: dict, body) -> None:
    content = spec["paths"]["/cycles/{slug}/peoples-choice"]["get"]["responses"]["200"]["content"]
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **content["application/json"]["schema"],
        "components": spec["components"],
    }
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(body)


def test_the_api_validates_before_and_after_the_close(client, spec, clock):
    cycle = voted_cycle(2, 3)
    url = f"/api/v1/cycles/{cycle.slug}/peoples-choice"
    before = client.get(url)
    assert before.status_code == 200 and before.headers["Access-Control-Allow-Origin"] == "*"
    _validate(spec, before.get_json())
    assert {v["total_votes"] for v in before.get_json()["data"]["votes"]} == {None}
    clock.move_to(CLOSE)
    after = client.get(url).get_json()
    _validate(spec, after)
    first = after["data"]["votes"][0]
    assert first["total_votes"] == 3
    assert [(e["votes"], e["rank"], e["share"]) for e in first["entries"]] == [(3, 1, 1.0), (0, 2, 0.0), (0, 2, 0.0)]
    assert first["entries"][0]["impact_case_url"].startswith("http")
    missing = client.get("/api/v1/cycles/no-such-cycle/peoples-choice")
    assert missing.status_code == 404 and missing.mimetype == "application/json"


def test_the_patterns_page_shows_bursts_and_flags_but_no_count_by_entry_until_the_close(
    app, organiser, organiser_client, clock
):
    app.config.update(VOTE_BURST_PER_MINUTE=3, VOTE_FLAG_ADDRESSES_IN_10_MINUTES=4, VOTE_IP_PREFIX_LIMIT_PER_HOUR=100)
    cycle = voted_cycle(1, 0)
    vote = db.session.scalar(select(PublicVote))
    for n in range(6):
        ballots.ask_to_vote(vote, vote.options[0].id, f"voter{n}@stuffers.example.com", client_ip="203.0.113.9")
    ballots.ask_to_vote(vote, vote.options[1].id, "someone@mailinator.com", client_ip="198.51.100.4")
    db.session.commit()
    url = f"/organiser/cycles/{cycle.slug}/peoples-choice/{vote.category.slug}/patterns"
    page = main_text(organiser_client.get(url))
    assert "All attempts 7" in page and "Waiting for the voter to confirm 6" in page and "Refused 1" in page
    assert "A disposable email address 1" in page
    assert "6 addresses from one network (203.0.113.0/24) in 10 minutes" in page
    assert "6 addresses from one email domain (example.com) in 10 minutes" in page
    assert "7 attempts in one minute" in page  # the burst, in the flags and the chart's table
    assert "Bursts: attempts in one minute" in page
    assert "By entry" not in page and "Counted votes" not in page
    clock.move_to(CLOSE)
    organiser_client.sign_in_as(organiser)
    closed = main_text(organiser_client.get(url))
    assert "By entry" in closed and "Results" in closed


def test_a_vote_on_a_rounds_entries_through_the_form(organiser_client):
    cycle = make_cycle(status="judging")
    category = cycle.categories[0]
    for title in ("Bus times by text", "Open data for parks"):
        make_nomination(cycle, category=category, title=title)
    make_nomination(cycle, category=category, title="Kept private", consents_to_publish=False)
    url = f"/organiser/cycles/{cycle.slug}/peoples-choice/{category.slug}"
    page = organiser_client.get(url)
    assert "The entries being judged" in main_text(page) and "2 entries" in main_text(page)
    assert "Kept private" not in main_text(page)
    data = {
        "source": "round-1",
        "opens_date": ["3", "3", "2026"],
        "opens_time": "9am",
        "closes_date": ["4", "3", "2026"],
        "closes_time": "midday",
    }
    assert organiser_client.post_form(url, data, token_from=url).status_code == 302
    vote = db.session.scalar(select(PublicVote))
    assert vote.source is VoteSource.ROUND and vote.judging_round.number == 1
    assert [o.title for o in vote.options] == ["Bus times by text", "Open data for parks"]
    assert "Withdraw the vote" in main_text(organiser_client.get(url))


def test_asking_for_links_is_limited_per_client_address(make_app, clock):
    app = make_app(RATELIMIT_ENABLED=True, REDIS_URL="", RATELIMIT_VOTE="2 per minute", RATELIMIT_VOTE_OVERALL="")
    with app.app_context():
        cycle = voted_cycle(1, 0)
        vote = db.session.scalar(select(PublicVote))
        client = app.test_client()
        url = f"/cycles/{cycle.slug}/peoples-choice/{vote.category.slug}"
        option = str(vote.options[0].id)
        statuses = [
            client.post_form(url, {"option": option, "email": f"v{n}@example.com"}, token_from=url).status_code
            for n in range(3)
        ]
        assert statuses == [302, 302, 429]
        assert "Send me the link" in buttons(client.get(url))  # the page itself is not limited
        db.session.remove()


def test_the_patterns_page_ranks_places_by_different_addresses_too(organiser_client, clock):
    cycle = voted_cycle(1, 0)
    vote = db.session.scalar(select(PublicVote))
    for _n in range(3):  # one address, asking three times, from one network
        ballots.ask_to_vote(vote, vote.options[0].id, "keen@example.org", client_ip="198.51.100.1")
    for n in range(2):  # two addresses from another
        ballots.ask_to_vote(vote, vote.options[0].id, f"voter{n}@example.net", client_ip="203.0.113.5")
    db.session.commit()
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/peoples-choice/{vote.category.slug}/patterns")
    text = main_text(page)
    assert "Networks with most attempts Network Attempts Different addresses Refused 198.51.100.0/24 3 1" in text
    assert (
        "Networks with most different addresses Network Attempts Different addresses Refused 203.0.113.0/24 2 2" in text
    )


def test_the_patterns_page_groups_invalid_addresses_under_one_label_not_what_was_typed(organiser_client, clock):
    cycle = voted_cycle(1, 0)
    vote = db.session.scalar(select(PublicVote))
    for typed in ("<b>x</b>@bad host", "nobody@", "<script>alert(1)</script>"):
        ballots.ask_to_vote(vote, vote.options[0].id, typed, client_ip="198.51.100.1")
    db.session.commit()
    text = main_text(
        organiser_client.get(f"/organiser/cycles/{cycle.slug}/peoples-choice/{vote.category.slug}/patterns")
    )
    assert (
        "Email domains with most attempts Domain Attempts Different addresses Refused (not a valid address) 3 3 3"
        in text
    )
    assert "bad host" not in text and "alert(1)" not in text


# What each of a voter's requests may run: the vote with its cycle and category is one statement, its entries
# another, what left the vote with the impact cases' addresses a third; asking for a link adds the rules' counts,
# the attempt, its audit record and e-mail; confirming adds the claim, the ballot and its audit record.
VOTER_STATEMENTS = {"vote page": 3, "vote": 10, "check your email": 1, "confirm page": 2, "confirm": 10}


def test_a_voters_requests_run_a_fixed_number_of_statements_however_many_entries(client, outbox):
    def journey(entries: int, tag: str) -> dict[str, int]:
        cycle = make_published_cycle()
        category = cycle.categories[0]
        shortlist_cases(
            cycle,
            category,
            [(f"Entry {tag}{n}", f"Council {tag}{n}", f"council{tag}{n}.gov.uk") for n in range(entries)],
        )
        vote = votes.open_vote(cycle, category, source=VoteSource.SHORTLIST, opens_at=START, closes_at=CLOSE, by=None)
        option_id = str(vote.options[-1].id)
        db.session.commit()
        url = f"/cycles/{cycle.slug}/peoples-choice/{category.slug}"
        token = client.csrf_token(url)
        counts = {}

        def count(name: str, method: str, path: str, data=None, expect: int = 200):
            with counting_queries() as counted:
                response = client.open(path, method=method, data=data)
            assert response.status_code == expect, (name, response.status_code)
            counts[name] = counted["n"]
            return response

        count("vote page", "GET", url)
        asked = count(
            "vote", "POST", url, {"csrf_token": token, "option": option_id, "email": f"sam@{tag}.example.com"}, 302
        )
        count("check your email", "GET", asked.headers["Location"])
        link = f"/peoples-choice/confirm/{confirmation_token(outbox('vote_confirm')[-1])}"
        count("confirm page", "GET", link)
        done = count("confirm", "POST", link, {"csrf_token": token})
        assert "Your vote is counted" in main_text(done)
        return counts

    three, eight = journey(3, "a"), journey(8, "b")
    assert three == eight
    assert {name: n for name, n in eight.items() if n > VOTER_STATEMENTS[name]} == {}


def test_each_entry_links_to_its_own_impact_case(client):
    """The vote page links each entry to its impact case, found by the entry (not by a number that could be
    another's): here a case in another category comes first, so entries and cases are numbered differently."""
    cycle = make_published_cycle()
    shortlist_cases(cycle, cycle.categories[1], [("Somewhere else", "Other Council", "other-council.gov.uk")])
    category = cycle.categories[0]
    shortlist_cases(cycle, category, [(f"Entry {n}", f"Council {n}", f"council-{n}.gov.uk") for n in range(3)])
    vote = votes.open_vote(cycle, category, source=VoteSource.SHORTLIST, opens_at=START, closes_at=CLOSE, by=None)
    db.session.commit()
    assert all(option.id != option.impact_case_id for option in vote.options)

    links = links_in(client.get(f"/cycles/{cycle.slug}/peoples-choice/{category.slug}").get_data(as_text=True))
    for option in vote.options:
        case = db.session.get(ImpactCase, option.impact_case_id)
        assert links[f"Read the impact case: {option.title}"] == f"/impact-cases/{case.slug}"


def test_the_confirmation_email_goes_out_once_the_answer_has_been_sent(client, outbox):
    cycle = voted_cycle(1, 0, "mail")
    vote = db.session.scalar(select(PublicVote).where(PublicVote.cycle_id == cycle.id))
    url = f"/cycles/{cycle.slug}/peoples-choice/{vote.category.slug}"
    data = {"csrf_token": client.csrf_token(url), "option": str(vote.options[0].id), "email": "sam@example.org"}
    response = client.post(url, data=data, buffered=False)
    assert response.status_code == 302
    [message] = outbox("vote_confirm")
    assert message.sent_at is None  # queued with the vote's attempt, not yet sent while the answer is open
    response.close()
    [message] = outbox("vote_confirm")
    assert message.sent_at is not None
