"""People's Choice through the app: an organiser opens a vote on a published shortlist, a voter asks for a link,
confirms it, changes their vote; counts stay hidden on every page and in the API until the close, then show on the
shortlist page and in the API. Every form's errors, two windows changing a vote's times, and the public pages'
cache across the close (with the clock moved)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from awards.extensions import db
from awards.models import AttemptOutcome, Ballot, PublicVote, VoteAttempt
from tests.factories import make_published_cycle
from tests.support.dates import utc
from tests.support.pages import input_value
from tests.support.visible import buttons, error_summary, main_text, page_text
from tests.support.voting import ENTRANTS, confirmation_token, shortlist_cases

# Monday 2 March 2026, 9am in London (GMT): the vote opens at 10am and closes on 9 March at 5pm.
START = utc(2026, 3, 2, 9)
CLOSE = utc(2026, 3, 9, 17)
BINS, TRIAGE, CARDS = (title for title, _org, _domain in ENTRANTS)


@pytest.fixture(autouse=True)
def clock(app):
    """Set before any client signs in (a session begun in the clock's future would not be valid)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shortlist(clock):
    cycle = make_published_cycle()
    category = cycle.categories[0]
    shortlist_cases(cycle, category)
    return cycle, category


def times(opens=("2", "3", "2026", "10am"), closes=("9", "3", "2026", "5pm")) -> dict:
    return {
        "opens_date": list(opens[:3]),
        "opens_time": opens[3],
        "closes_date": list(closes[:3]),
        "closes_time": closes[3],
    }


def setup_url(cycle, category, *rest: str) -> str:
    return "/".join([f"/organiser/cycles/{cycle.slug}/peoples-choice/{category.slug}", *rest])


def vote_url(cycle, category) -> str:
    return f"/cycles/{cycle.slug}/peoples-choice/{category.slug}"


def open_through_the_form(organiser_client, cycle, category, **data):
    url = setup_url(cycle, category)
    return organiser_client.post_form(url, {"source": "shortlist", **times(), **data}, token_from=url)


def the_vote(category) -> PublicVote:
    db.session.expire_all()
    return db.session.scalar(select(PublicVote).where(PublicVote.category_id == category.id))


def ask(client, cycle, category, title: str, email: str):
    vote = the_vote(category)
    option = next(o for o in vote.options if o.title == title)
    url = vote_url(cycle, category)
    return client.post_form(url, {"option": str(option.id), "email": email}, token_from=url)


def counted(category) -> dict[str, int]:
    vote = the_vote(category)
    rows = db.session.execute(
        select(Ballot.option_id, func.count(Ballot.id)).where(Ballot.vote_id == vote.id).group_by(Ballot.option_id)
    ).all()
    titles = {o.id: o.title for o in vote.options}
    return {titles[option_id]: n for option_id, n in rows}


def test_a_vote_from_setup_to_results(organiser, organiser_client, client, shortlist, clock, outbox):
    cycle, category = shortlist
    # The organiser sees the category not set up, and sets it up on the shortlist.
    index = organiser_client.get(f"/organiser/cycles/{cycle.slug}/peoples-choice")
    assert "Not set up" in main_text(index)
    page = organiser_client.get(setup_url(cycle, category))
    assert "3 entries" in main_text(page) and "Times are in Europe/London" in main_text(page)
    response = open_through_the_form(organiser_client, cycle, category)
    assert response.status_code == 302
    vote = the_vote(category)
    assert (vote.opens_at, vote.closes_at) == (utc(2026, 3, 2, 10), CLOSE)
    assert [o.title for o in vote.options] == sorted(o.title for o in vote.options)  # all shortlisted: by title

    # Before it opens the public page lists the entries with no form.
    scheduled = client.get(vote_url(cycle, category))
    assert "Voting has not opened yet" in main_text(scheduled) and "Send me the link" not in buttons(scheduled)

    clock.move_to(utc(2026, 3, 2, 11))
    # A voter asks for a link, gets the e-mail, opens it (nothing counted yet), confirms.
    asked = ask(client, cycle, category, BINS, "sam.voter@example.com")
    assert asked.status_code == 302 and asked.headers["Location"].endswith("/check-your-email")
    sent = client.get(asked.headers["Location"])
    assert "Check your email" in main_text(sent) and "To change your vote" in main_text(sent)
    [message] = outbox("vote_confirm")
    token = confirmation_token(message)
    confirm_page = client.get(f"/peoples-choice/confirm/{token}")
    assert f"Confirm your vote for {BINS} in {category.name}" in main_text(confirm_page)
    assert confirm_page.headers["Referrer-Policy"] == "no-referrer"
    assert confirm_page.headers["Cache-Control"] == "no-store"
    assert counted(category) == {}
    done = client.post_form(f"/peoples-choice/confirm/{token}", token_from=f"/peoples-choice/confirm/{token}")
    assert done.status_code == 200 and "Your vote is counted" in main_text(done)
    assert done.headers["Referrer-Policy"] == "no-referrer"
    assert counted(category) == {BINS: 1}

    # Voting again, for another entry, replaces the vote once confirmed.
    ask(client, cycle, category, TRIAGE, "Sam.Voter@example.com")
    token = confirmation_token(outbox("vote_confirm")[-1])
    changed = client.post_form(f"/peoples-choice/confirm/{token}", token_from=f"/peoples-choice/confirm/{token}")
    assert f"Your vote has changed From {BINS} to {TRIAGE}" in main_text(changed)
    assert counted(category) == {TRIAGE: 1}
    # A second use of the link is refused with words.
    again = client.post_form(f"/peoples-choice/confirm/{token}", token_from="/privacy")
    assert again.status_code == 410 and "This link has already been used" in main_text(again)

    # Counts are hidden everywhere until the close: organiser pages, public pages, the API.
    for url in (
        f"/organiser/cycles/{cycle.slug}/peoples-choice",
        setup_url(cycle, category),
    ):
        assert "Counts are hidden until the vote closes" in main_text(organiser_client.get(url))
    patterns = organiser_client.get(setup_url(cycle, category, "patterns"))
    assert "How many votes each entry has stays hidden until the vote closes" in main_text(patterns)
    assert "By entry" not in main_text(patterns) and "Results" not in main_text(patterns)
    shortlist_page = client.get(f"/cycles/{cycle.slug}/shortlist")
    assert f"Vote for the People’s Choice in {category.name}" in main_text(shortlist_page)
    api = client.get(f"/api/v1/cycles/{cycle.slug}/peoples-choice").get_json()
    [listed] = api["data"]["votes"]
    assert listed["state"] == "open" and listed["total_votes"] is None
    assert all("votes" not in entry for entry in listed["entries"])

    # After the close: results on the shortlist page, the public list, the organiser's pages and the API.
    clock.move_to(CLOSE + timedelta(minutes=1))
    shortlist_page = client.get(f"/cycles/{cycle.slug}/shortlist")
    text = main_text(shortlist_page)
    assert f"Vote for the People’s Choice in {category.name}" not in text
    assert f"People’s Choice in {category.name}" in text and f"People’s Choice {TRIAGE}" in text
    assert "1 100%" in text
    assert "Voting closed at 5pm on 9 March 2026" in main_text(client.get(f"/cycles/{cycle.slug}/peoples-choice"))
    api = client.get(f"/api/v1/cycles/{cycle.slug}/peoples-choice").get_json()
    [listed] = api["data"]["votes"]
    assert listed["state"] == "closed" and listed["total_votes"] == 1
    assert [(e["title"], e["votes"], e["rank"]) for e in listed["entries"]][0] == (TRIAGE, 1, 1)
    organiser_client.sign_in_as(organiser)  # a week on: the earlier session has timed out
    organiser_page = organiser_client.get(setup_url(cycle, category))
    assert "Confirmed votes 1" in main_text(organiser_page) and "Results" in main_text(organiser_page)
    closed_vote = client.get(vote_url(cycle, category))
    assert "Voting closed at" in main_text(closed_vote) and "Send me the link" not in buttons(closed_vote)


def test_the_setup_forms_errors_keep_what_was_typed(organiser_client, shortlist):
    cycle, category = shortlist
    url = setup_url(cycle, category)
    empty = organiser_client.post_form(url, {}, token_from=url)
    assert error_summary(empty) == [
        ("#source", "Select which entries people can vote for"),
        ("#opens_date-day", "Enter the date voting opens"),
        ("#opens_time", "Enter the time voting opens"),
        ("#closes_date-day", "Enter the date voting closes"),
        ("#closes_time", "Enter the time voting closes"),
    ]
    backwards = open_through_the_form(
        organiser_client, cycle, category, **times(opens=("2", "3", "2026", "9:30am"), closes=("1", "3", "2026", "5pm"))
    )
    assert backwards.status_code == 200
    assert error_summary(backwards) == [("#closes_date-day", "The closing time must be after the opening time")]
    assert input_value(backwards, "opens_time") == "9:30am" and input_value(backwards, "closes_date-day") == "1"
    assert the_vote(category) is None


def test_nothing_to_vote_on_says_what_to_do_first(organiser_client, clock):
    from tests.factories import make_cycle

    cycle = make_cycle()
    index = organiser_client.get(f"/organiser/cycles/{cycle.slug}/peoples-choice")
    assert "Nothing to vote on yet" in main_text(index)
    page = organiser_client.get(setup_url(cycle, cycle.categories[0]))
    assert "There is nothing to vote on in this category yet" in main_text(page)
    assert "Open the vote" not in buttons(page)


def test_two_windows_changing_the_times_do_not_overwrite_each_other(organiser_client, shortlist):
    cycle, category = shortlist
    open_through_the_form(organiser_client, cycle, category)
    url = setup_url(cycle, category)
    first = organiser_client.get(url)
    second = organiser_client.get(url)
    version = input_value(first, "version")
    assert version == input_value(second, "version")
    saved = organiser_client.post_form(
        url, {**times(closes=("10", "3", "2026", "5pm")), "version": version}, token_from=url
    )
    assert saved.status_code == 302
    stale = organiser_client.post_form(
        url, {**times(closes=("11", "3", "2026", "6pm")), "version": version}, token_from=url
    )
    assert stale.status_code == 409
    [(_href, message)] = error_summary(stale)
    assert message.startswith("Someone changed this vote’s times in another window")
    assert "closes at 5pm on 10 March 2026" in message
    assert input_value(stale, "closes_date-day") == "11" and input_value(stale, "closes_time") == "6pm"
    assert the_vote(category).closes_at == utc(2026, 3, 10, 17)
    # Saving again from that page is a change of what is now stored.
    resaved = organiser_client.post_form(
        url, {**times(closes=("11", "3", "2026", "6pm")), "version": input_value(stale, "version")}, token_from=url
    )
    assert resaved.status_code == 302 and the_vote(category).closes_at == utc(2026, 3, 11, 18)


def test_close_now_and_withdraw_ask_first(organiser, organiser_client, shortlist, clock):
    cycle, category = shortlist
    open_through_the_form(organiser_client, cycle, category)
    withdraw = organiser_client.get(setup_url(cycle, category, "withdraw"))
    assert "Withdraw the vote?" in main_text(withdraw) and the_vote(category) is not None
    organiser_client.post_form(setup_url(cycle, category, "withdraw"), token_from=setup_url(cycle, category))
    assert the_vote(category) is None

    open_through_the_form(organiser_client, cycle, category)
    clock.move_to(utc(2026, 3, 3, 12))
    organiser_client.sign_in_as(organiser)  # a day on: the earlier session has timed out
    close = organiser_client.get(setup_url(cycle, category, "close"))
    assert "Close the vote now?" in main_text(close) and "You cannot open it again." in main_text(close)
    # Withdrawing an open vote is refused with words, not done.
    refused = organiser_client.post_form(setup_url(cycle, category, "withdraw"), token_from=setup_url(cycle, category))
    assert refused.status_code == 409 and "cannot be withdrawn" in main_text(refused)
    closed = organiser_client.post_form(
        setup_url(cycle, category, "close"), token_from=setup_url(cycle, category), follow_redirects=True
    )
    assert f"The People’s Choice vote in {category.name} is closed" in page_text(closed)
    assert the_vote(category).closes_at == utc(2026, 3, 3, 12)


def test_the_vote_forms_errors_and_refusals_keep_what_was_typed(organiser_client, client, shortlist, clock):
    cycle, category = shortlist
    open_through_the_form(organiser_client, cycle, category)
    clock.move_to(utc(2026, 3, 2, 11))
    url = vote_url(cycle, category)
    empty = client.post_form(url, {}, token_from=url)
    assert error_summary(empty) == [
        ("#option", "Select an entry to vote for"),
        ("#email", "Enter your email address"),
    ]
    disposable = ask(client, cycle, category, CARDS, "someone@mailinator.com")
    assert disposable.status_code == 200
    [(href, message)] = error_summary(disposable)
    assert href == "#email" and "disposable" in message
    assert input_value(disposable, "email") == "someone@mailinator.com"
    option = next(o for o in the_vote(category).options if o.title == CARDS)
    assert input_value(disposable, f"option-{option.position + 1}" if option.position else "option") == str(option.id)
    # The refused attempt is kept (for the organiser's patterns), with no address in it.
    attempt = db.session.scalar(select(VoteAttempt))
    assert attempt.outcome is AttemptOutcome.REFUSED and attempt.refusal == "disposable_address"
    assert "mailinator" not in attempt.voter_key
    own = ask(client, cycle, category, BINS, "someone@riverside.gov.uk")
    assert "You cannot vote for an entry from your own organisation" in error_summary(own)[0][1]


def test_bad_links_get_a_page_with_words(client, shortlist):
    bad = client.get("/peoples-choice/confirm/not-a-token")
    assert bad.status_code == 400 and "This link cannot be used" in main_text(bad)
    assert bad.headers["Referrer-Policy"] == "no-referrer"
    posted = client.post_form("/peoples-choice/confirm/not-a-token", token_from="/privacy")
    assert posted.status_code == 400 and "Nothing more is counted from this link" in main_text(posted)


def test_the_cached_pages_follow_the_vote_across_its_opening_and_close(organiser_client, client, shortlist, clock):
    cycle, category = shortlist
    open_through_the_form(organiser_client, cycle, category)
    urls = (f"/cycles/{cycle.slug}/shortlist", f"/cycles/{cycle.slug}/peoples-choice")
    before = [client.get(url) for url in urls]
    assert all("opens at 10am on 2 March 2026" in main_text(r) for r in before)
    assert [client.get(url).headers["X-Cache"] for url in urls] == ["hit", "hit"]
    # The max-age never runs past the vote's opening (an hour away).
    assert before[0].headers["Cache-Control"] == "public, max-age=60"

    clock.move_to(utc(2026, 3, 2, 10))  # the opening instant, with no write
    opened = [client.get(url) for url in urls]
    assert [r.headers["X-Cache"] for r in opened] == ["miss", "miss"]
    assert f"Vote for the People’s Choice in {category.name}" in main_text(opened[0])
    assert f"Vote in {category.name}" in main_text(opened[1])
    # An ETag from before the opening is not answered with 304.
    assert client.get(urls[0], headers={"If-None-Match": before[0].headers["ETag"]}).status_code == 200

    clock.move_to(CLOSE - timedelta(seconds=20))
    assert client.get(urls[0]).headers["Cache-Control"] == "public, max-age=20"
    assert client.get(urls[0]).headers["X-Cache"] == "hit"
    clock.move_to(CLOSE)
    closed = [client.get(url) for url in urls]
    assert [r.headers["X-Cache"] for r in closed] == ["miss", "miss"]
    assert f"Vote for the People’s Choice in {category.name}" not in main_text(closed[0])
    assert f"People’s Choice in {category.name}" in main_text(closed[0])
    assert "Voting closed at 5pm on 9 March 2026" in main_text(closed[1])


def test_closing_early_is_seen_by_the_cache_at_once(organiser, organiser_client, client, shortlist, clock):
    cycle, category = shortlist
    open_through_the_form(organiser_client, cycle, category)
    clock.move_to(utc(2026, 3, 3, 12))
    organiser_client.sign_in_as(organiser)
    url = f"/cycles/{cycle.slug}/shortlist"
    assert f"Vote for the People’s Choice in {category.name}" in main_text(client.get(url))
    organiser_client.post_form(setup_url(cycle, category, "close"), token_from=setup_url(cycle, category))
    after = client.get(url)
    assert after.headers["X-Cache"] == "miss"
    assert f"Vote for the People’s Choice in {category.name}" not in main_text(after)


def test_pages_of_a_cycle_without_votes(client, shortlist):
    cycle, _category = shortlist
    assert client.get(f"/cycles/{cycle.slug}/peoples-choice").status_code == 404
    assert client.get(f"/api/v1/cycles/{cycle.slug}/peoples-choice").status_code == 404
    page = client.get(f"/cycles/{cycle.slug}/shortlist")
    assert page.status_code == 200 and "People’s Choice" not in main_text(page)


def test_an_open_votes_close_can_move_and_its_opening_cannot(organiser, organiser_client, shortlist, clock):
    cycle, category = shortlist
    open_through_the_form(organiser_client, cycle, category)
    vote = the_vote(category)
    vote.opens_at = utc(2026, 3, 2, 10, 0, 30)  # opened at a moment the page shows to the minute
    db.session.commit()
    clock.move_to(utc(2026, 3, 3, 12))
    organiser_client.sign_in_as(organiser)
    url = setup_url(cycle, category)
    page = organiser_client.get(url)
    assert input_value(page, "opens_time") == "10am"
    later = {**times(closes=("12", "3", "2026", "5pm")), "version": input_value(page, "version")}
    assert organiser_client.post_form(url, later, token_from=url).status_code == 302
    assert the_vote(category).closes_at == utc(2026, 3, 12, 17)
    moved = {**times(opens=("3", "3", "2026", "1pm")), "version": str(the_vote(category).version)}
    refused = organiser_client.post_form(url, moved, token_from=url)
    assert error_summary(refused) == [("#opens_date-day", "This vote has opened: only its closing time can change now")]
    assert input_value(refused, "opens_time") == "1pm"
