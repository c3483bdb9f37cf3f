"""People's Choice: opening a vote, its state, asking to vote, confirming with the e-mailed link, one ballot per
address, and results hidden until the close."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.results import shortlists
from awards.domain.voting import ballots, tallies, votes
from awards.domain.voting.votes import VoteState
from awards.extensions import db
from awards.models import (
    Advancement,
    AttemptOutcome,
    AuditEvent,
    Ballot,
    Cycle,
    Eligibility,
    ImpactCase,
    Nomination,
    NominationStatus,
    PublicVote,
    VoteAttempt,
    VoteSource,
)
from tests.factories import make_cycle, make_nomination, make_published_case, make_user
from tests.support.audit import action_events
from tests.support.programme import add_round
from tests.support.queries import counting_queries
from tests.support.voting import ENTRANTS, confirmation_token, open_shortlist_vote, shortlist_cases

BIN, GP, LIBRARY = (title for title, _org, _domain in ENTRANTS)


@pytest.fixture
def setup(app):
    return open_shortlist_vote()


def ask_committed(setup, title: str, address: str, ip: str = "198.51.100.7"):
    asked = ballots.ask_to_vote(setup.vote, setup.option_titled(title).id, address, client_ip=ip)
    db.session.commit()
    return asked


def newest_vote_token(outbox) -> str:
    return confirmation_token(outbox("vote_confirm")[-1])


def confirm_committed(token: str, ip: str = "198.51.100.7"):
    confirmed = ballots.confirm_vote(token, client_ip=ip)
    db.session.commit()
    return confirmed


def vote_ballot_rows():
    return db.session.execute(sa.select(Ballot.voter_key, Ballot.option_id, Ballot.replaced_count)).all()


# --- Opening -----------------------------------------------------------------------------------------


def test_a_vote_on_the_shortlist_copies_its_public_cases_with_their_own_domains(setup):
    vote = setup.vote
    assert [o.title for o in vote.options] == sorted([BIN, GP, LIBRARY])  # all shortlisted: by title
    bins = setup.option_titled(BIN)
    assert bins.organisation == "Riverside Council"
    assert bins.summary == "What Riverside Council did."
    assert bins.impact_case_id is not None
    assert sorted(bins.own_domains) == ["digital.riverside.gov.uk", "riverside.gov.uk"]
    [event] = action_events("vote.opened")
    assert event.detail["source"] == "shortlist"
    assert votes.vote_state(vote) is VoteState.OPEN


def test_the_shortlist_order_puts_the_winner_first_and_leaves_out_cases_taken_down(app):
    cycle = make_cycle(status="published", year=2025)
    category = cycle.categories[0]
    make_published_case(cycle, category=category, title="Zebra crossings", result="winner")
    make_published_case(cycle, category=category, title="Apple orchards")
    make_published_case(cycle, category=category, title="Taken down", unpublished=True)
    make_published_case(cycle, category=cycle.categories[1], title="Another category")
    found = votes.candidates(cycle, category, VoteSource.SHORTLIST)
    assert [c.title for c in found] == ["Zebra crossings", "Apple orchards"]


def test_a_rounds_vote_is_between_its_entries_that_may_be_published(app):
    cycle = make_cycle(status="judging")
    category = cycle.categories[0]
    final = add_round(cycle)
    entries = [make_nomination(cycle, category=category, title=t) for t in ("Beta", "Alpha", "Gamma", "Delta")]
    entries[2].consents_to_publish = False  # Gamma: not agreed to publication
    entries[3].eligibility = Eligibility.INELIGIBLE  # Delta
    withdrawn = make_nomination(cycle, category=category, title="Omega", status="withdrawn")
    not_advanced = make_nomination(cycle, category=category, title="Kappa")
    for n in [*entries, withdrawn]:
        db.session.add(Advancement(round_id=final.id, nomination_id=n.id, created_at=utcnow()))
    db.session.commit()
    assert not_advanced.status is NominationStatus.SUBMITTED
    found = votes.candidates(cycle, category, VoteSource.ROUND, final)
    assert [c.title for c in found] == ["Alpha", "Beta"]
    vote = votes.open_vote(
        cycle,
        category,
        source=VoteSource.ROUND,
        judging_round=final,
        opens_at=utcnow() + timedelta(days=1),
        closes_at=utcnow() + timedelta(days=2),
        by=None,
    )
    assert vote.round_id == final.id
    assert [o.title for o in vote.options] == ["Alpha", "Beta"]
    assert votes.vote_state(vote) is VoteState.SCHEDULED


def test_opening_refuses_what_cannot_be_a_vote(app):
    organiser = make_user(roles=("organiser",))
    cycle = make_cycle(status="published", year=2025)
    category, other_category = cycle.categories[:2]
    make_published_case(cycle, category=other_category, title="Only one")
    shortlist_cases(cycle, category)
    now = utcnow()
    week = dict(opens_at=now, closes_at=now + timedelta(days=7))

    def refusal(**kwargs):
        kwargs = {"source": VoteSource.SHORTLIST, **week, **kwargs}
        chosen = kwargs.pop("category", category)
        chosen_cycle = kwargs.pop("cycle", cycle)
        with pytest.raises(DomainError) as refused:
            votes.open_vote(chosen_cycle, chosen, by=organiser, **kwargs)
        return refused.value.message

    assert "at least 2 entries" in refusal(category=other_category)
    assert refusal(closes_at=now) == "The closing time must be after the opening time"
    assert refusal(opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1)) == (
        "The closing time must be in the future"
    )
    assert refusal(cycle=make_cycle(name="Another cycle", year=2024)) == "That category is not one of this cycle’s"
    assert "judging round" in refusal(source=VoteSource.ROUND)
    votes.open_vote(cycle, category, source=VoteSource.SHORTLIST, by=organiser, **week)
    db.session.commit()
    assert "already has a People’s Choice vote" in refusal()


def test_times_change_before_the_open_only_the_close_while_open_nothing_after(setup):
    organiser = make_user(roles=("organiser",))
    vote, now = setup.vote, utcnow()
    with pytest.raises(DomainError, match="only its closing time"):
        votes.change_times(vote, opens_at=now + timedelta(hours=1), closes_at=vote.closes_at, by=organiser)
    votes.change_times(vote, opens_at=vote.opens_at, closes_at=now + timedelta(days=1), by=organiser)
    db.session.commit()
    assert vote.closes_at == now + timedelta(days=1)
    with pytest.raises(DomainError, match="withdrawn"):
        votes.withdraw(vote, by=organiser)
    votes.close_now(vote, by=organiser)
    db.session.commit()
    assert votes.vote_state(vote) is VoteState.CLOSED
    with pytest.raises(Conflict):
        votes.change_times(vote, opens_at=vote.opens_at, closes_at=now + timedelta(days=3), by=organiser)
    with pytest.raises(Conflict):
        votes.close_now(vote, by=organiser)
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["vote.times_changed", "vote.closed_early"]


def test_a_vote_not_yet_open_can_be_withdrawn(app):
    organiser = make_user(roles=("organiser",))
    now = utcnow()
    setup = open_shortlist_vote(opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=8))
    assert votes.vote_state(setup.vote) is VoteState.SCHEDULED
    assert ballots.ask_to_vote(setup.vote, setup.vote.options[0].id, "a@example.com", client_ip=None).refused_rule == (
        "not_open"
    )
    db.session.rollback()
    with pytest.raises(DomainError, match="not opened yet"):
        votes.close_now(setup.vote, by=organiser)
    votes.withdraw(setup.vote, by=organiser)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(PublicVote.id))) == 0
    assert action_events("vote.withdrawn")[0].actor_id == organiser.id


def test_the_cycles_votes_are_read_in_two_queries(setup, app):
    cycle, category_name, slug, vote_id = setup.cycle, setup.category.name, setup.category.slug, setup.vote.id
    db.session.expunge_all()
    db.session.add(cycle)
    assert cycle.id  # (loaded before counting)
    with counting_queries() as counted:
        found = votes.votes_of_cycle(cycle)
        names = [(v.category.name, [o.title for o in v.options]) for v in found]
    assert names == [(category_name, sorted([BIN, GP, LIBRARY]))]
    assert counted["n"] <= 2
    assert votes.vote_in_category(cycle, slug).id == vote_id
    assert votes.vote_in_category(cycle, "no-such-category") is None


# --- Asking and confirming ---------------------------------------------------------------------------


def test_asking_emails_a_link_that_casts_the_ballot_once(setup, outbox, app):
    asked = ask_committed(setup, BIN, "Sam.Voter@Example.com")
    assert asked.accepted and asked.attempt.outcome is AttemptOutcome.AWAITING
    [message] = outbox("vote_confirm")
    assert message.to_address == "Sam.Voter@example.com"
    assert message.subject == f"Confirm your vote in {setup.category.name}"
    assert BIN in message.body_text and "Riverside Council" in message.body_text
    assert "If you did not ask to vote, ignore this email" in message.body_text
    assert "Voting closes at" in message.body_text
    token = newest_vote_token(outbox)
    assert f"{app.config['BASE_URL']}/peoples-choice/confirm/{token}" in message.body_text
    assert vote_ballot_rows() == []  # nothing counts before the link is used

    pending = ballots.pending(token)
    assert pending.option.title == BIN and pending.vote.id == setup.vote.id
    assert vote_ballot_rows() == []  # reading the link changes nothing

    confirmed = confirm_committed(token)
    assert not confirmed.replaced and confirmed.previous_option is None
    assert [(o, n) for _k, o, n in vote_ballot_rows()] == [(setup.option_titled(BIN).id, 0)]
    attempt = db.session.get(VoteAttempt, asked.attempt.id)
    assert attempt.outcome is AttemptOutcome.CONFIRMED and attempt.confirmed_at is not None

    with pytest.raises(ballots.VoteRefused, match="This link has already been used"):
        ballots.confirm_vote(token, client_ip="198.51.100.7")
    with pytest.raises(ballots.VoteRefused, match="already been used"):
        ballots.pending(token)


def test_a_later_confirmed_vote_replaces_the_first_under_any_spelling_of_the_address(setup, outbox):
    ask_committed(setup, BIN, "J.Smith+awards@gmail.com")
    first = newest_vote_token(outbox)
    ask_committed(setup, GP, "jsmith@googlemail.com")
    second = newest_vote_token(outbox)
    confirm_committed(first)
    confirmed = confirm_committed(second)
    assert confirmed.replaced and confirmed.previous_option.title == BIN
    [(_key, option_id, replaced)] = vote_ballot_rows()
    assert (option_id, replaced) == (setup.option_titled(GP).id, 1)
    # The first link, used again: still once only.
    with pytest.raises(ballots.VoteRefused, match="already been used"):
        confirm_committed(first)


def test_forged_tampered_and_other_salted_tokens_do_not_work(setup, outbox, app):
    from itsdangerous import URLSafeTimedSerializer

    ask_committed(setup, BIN, "sam@example.com")
    token = newest_vote_token(outbox)
    attempt_id = db.session.scalar(sa.select(VoteAttempt.id))
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    forged_key = URLSafeTimedSerializer("not-the-secret", salt="peoples-choice").dumps({"a": attempt_id, "n": "x"})
    other_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="other").dumps({"a": attempt_id, "n": "x"})
    wrong_nonce = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="peoples-choice").dumps(
        {"a": attempt_id, "n": "guessed"}
    )
    for bad in (tampered, forged_key, other_salt, wrong_nonce, "", "not-a-token"):
        with pytest.raises(ballots.VoteRefused, match="This link does not work"):
            ballots.confirm_vote(bad, client_ip=None)
    assert vote_ballot_rows() == []


def test_a_link_expires_after_48_hours_and_at_the_close(setup, outbox):
    ask_committed(setup, BIN, "sam@example.com")
    token = newest_vote_token(outbox)
    with time_machine.travel(utcnow() + timedelta(hours=49), tick=False):
        with pytest.raises(ballots.VoteRefused, match="expired"):
            ballots.confirm_vote(token, client_ip=None)
    ask_committed(setup, GP, "kim@example.com")
    token = newest_vote_token(outbox)
    votes.change_times(setup.vote, opens_at=setup.vote.opens_at, closes_at=utcnow() + timedelta(hours=1), by=None)
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(hours=1, seconds=1), tick=False):
        with pytest.raises(ballots.VoteRefused, match="closed at"):
            ballots.confirm_vote(token, client_ip=None)
    assert vote_ballot_rows() == []


def test_the_audit_log_keeps_the_hashed_address_and_the_network_never_the_address_or_ip(setup, outbox):
    ask_committed(setup, BIN, "Sam.Private@Example.com", ip="198.51.100.77")
    ask_committed(setup, BIN, "not an address", ip="2001:db8:1:2:3:4:5:6")
    confirm_committed(newest_vote_token(outbox), ip="192.0.2.55")
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("vote.%")).order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["vote.opened", "vote.attempted", "vote.attempted", "vote.confirmed"]
    accepted, refused, confirmed = events[1:]
    assert accepted.ip == "198.51.100.0/24" and accepted.detail["ip_prefix"] == "198.51.100.0/24"
    assert accepted.detail["outcome"] == "awaiting" and accepted.detail["rule"] is None
    assert len(accepted.detail["voter"]) == 64
    assert refused.ip == "2001:db8:1:2::/64" and refused.detail["rule"] == "invalid_address"
    assert confirmed.ip == "192.0.2.0/24" and confirmed.detail["voter"] == accepted.detail["voter"]
    everything = " ".join(f"{e.ip} {e.detail}" for e in events).lower()
    for secret in ("sam.private", "example.com", "198.51.100.77", "192.0.2.55", "not an address", "3:4:5:6"):
        assert secret not in everything
    stored = " ".join(
        " ".join(str(v) for v in row) for row in db.session.execute(sa.select(VoteAttempt.__table__)).all()
    ).lower()
    assert "sam.private" not in stored and "198.51.100.77" not in stored


# --- Results -------------------------------------------------------------------------------------------


def test_counts_are_hidden_until_the_close_then_every_option_has_its_count_share_and_rank(setup, outbox):
    for n, title in enumerate([BIN, BIN, GP, GP, LIBRARY]):
        ask_committed(setup, title, f"voter{n}@example.com")
        confirm_committed(newest_vote_token(outbox))
    assert tallies.tally(setup.vote) is None
    assert tallies.cycle_results(setup.cycle) == []
    with time_machine.travel(setup.vote.closes_at - timedelta(seconds=1), tick=False):
        assert tallies.tally(setup.vote) is None
    with time_machine.travel(setup.vote.closes_at, tick=False):
        counted = tallies.tally(setup.vote)
        [result] = tallies.cycle_results(setup.cycle)
    # A tie shares the rank, in the vote's order; the next rank skips.
    assert [(c.option.title, c.count, c.rank) for c in counted] == [(GP, 2, 1), (BIN, 2, 1), (LIBRARY, 1, 3)]
    assert [round(c.share, 2) for c in counted] == [0.4, 0.4, 0.2]
    assert result.total == 5 and [w.title for w in result.winners] == [GP, BIN]
    assert result.category.name == setup.category.name


def test_two_first_confirmations_at_once_make_one_ballot(setup, outbox, monkeypatch):
    """The second of two first confirmations finds no ballot (the first not yet committed when it looked), so its
    insert meets uq_ballots_vote_id_voter_key: it rolls back to its savepoint and replaces the first's ballot."""
    ask_committed(setup, BIN, "sam@example.com")
    first = newest_vote_token(outbox)
    ask_committed(setup, GP, "Sam@Example.com")
    second = newest_vote_token(outbox)
    confirm_committed(first)
    looked = []
    real = ballots._existing_ballot

    def not_seen_the_first_time(vote, key):
        looked.append(key)
        return None if len(looked) == 1 else real(vote, key)

    monkeypatch.setattr(ballots, "_existing_ballot", not_seen_the_first_time)
    confirmed = confirm_committed(second)
    assert len(looked) == 2 and confirmed.replaced
    [(_key, option_id, replaced)] = vote_ballot_rows()
    assert (option_id, replaced) == (setup.option_titled(GP).id, 1)


def test_removing_the_cycles_personal_data_forgets_the_voters_and_keeps_the_counts(setup, outbox):
    from awards.domain.records.data_protection import purge_cycle

    organiser = make_user(roles=("organiser",))
    for n, title in enumerate([BIN, GP, GP]):
        ask_committed(setup, title, f"voter{n}@example.com", ip=f"198.51.100.{n}")
        confirm_committed(newest_vote_token(outbox))
    ask_committed(setup, BIN, "disposable@mailinator.com")
    with time_machine.travel(utcnow() + timedelta(days=400), tick=False):
        before = [(c.option.title, c.count) for c in tallies.tally(setup.vote)]
        purge_cycle(setup.cycle, by=organiser)
        db.session.commit()
        after = [(c.option.title, c.count) for c in tallies.tally(setup.vote)]
    assert before == after == [(GP, 2), (BIN, 1), (LIBRARY, 0)]
    attempts = db.session.execute(sa.select(VoteAttempt.voter_key, VoteAttempt.ip_prefix, VoteAttempt.outcome)).all()
    assert {(k, p) for k, p, _o in attempts} == {("removed", "removed")}
    assert sorted(o.value for _k, _p, o in attempts) == ["confirmed"] * 3 + ["refused"]
    assert all(key.startswith("removed-") for key, _o, _n in vote_ballot_rows())
    events = action_events("vote.attempted") + action_events("vote.confirmed")
    assert len(events) == 7
    assert all(e.ip is None and "voter" not in e.detail and "ip_prefix" not in e.detail for e in events)
    assert action_events("cycle.personal_data_purged")[0].detail["vote_attempts"] == 4


def test_the_cycles_results_are_read_in_three_queries(setup, outbox):
    """The closed votes with their options, the counts, the options withdrawn while a vote ran: however many."""
    ask_committed(setup, GP, "sam@example.com")
    confirm_committed(newest_vote_token(outbox))
    cycle_id, category_name = setup.cycle.id, setup.category.name
    db.session.expunge_all()
    cycle = db.session.get(Cycle, cycle_id)
    with time_machine.travel(utcnow() + timedelta(days=8), tick=False), counting_queries() as counted:
        [result] = tallies.cycle_results(cycle)
        shown = [(c.option.title, c.count, c.rank) for c in result.counts], result.category.name
    assert counted["n"] == 3
    assert shown == ([(GP, 1, 1), (LIBRARY, 0, 2), (BIN, 0, 2)], category_name)


def test_two_asks_at_once_cannot_both_take_the_last_place_under_a_limit(setup, app, monkeypatch):
    """The first ask holds its transaction open; the second, from the same network, waits on the vote's row lock
    instead of counting the first's attempt as not there, and is refused once the first commits."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the row lock is PostgreSQL's (SQLite runs one writing transaction at a time)")
    monkeypatch.setitem(app.config, "VOTE_IP_PREFIX_LIMIT_PER_HOUR", 1)
    vote_id, option_id = setup.vote.id, setup.option_titled(BIN).id
    db.session.commit()
    first_asked, release, results = threading.Event(), threading.Event(), {}

    def ask_in_own_session(name: str, address: str, before=None, after=None):
        with app.app_context():
            if before:
                before.wait(10)
            vote = db.session.get(PublicVote, vote_id)
            results[name] = ballots.ask_to_vote(vote, option_id, address, client_ip="203.0.113.9").refused_rule
            if after:
                after()
            db.session.commit()

    def hold_until_released():
        first_asked.set()
        release.wait(10)

    first = threading.Thread(target=ask_in_own_session, args=("first", "one@example.com", None, hold_until_released))
    second = threading.Thread(target=ask_in_own_session, args=("second", "two@example.com", first_asked))
    first.start()
    second.start()
    waiting = sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    for _ in range(200):  # until the second waits on the lock (or 10 s)
        found = db.session.execute(waiting).scalar_one()
        db.session.rollback()  # (the activity view is read once per transaction)
        if found:
            break
        threading.Event().wait(0.05)
    assert "second" not in results
    release.set()
    first.join(10)
    second.join(10)
    assert results == {"first": None, "second": "ip_prefix_rate"}


def test_a_vote_someone_tried_before_its_opening_is_not_withdrawn_but_can_move(app):
    now = utcnow()
    setup = open_shortlist_vote(opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=8))
    assert ask_committed(setup, BIN, "eager@example.com").refused_rule == "not_open"
    with pytest.raises(Conflict, match="People have already tried to vote in this vote"):
        votes.withdraw(setup.vote, by=None)
    votes.change_times(setup.vote, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=2), by=None)
    db.session.commit()
    assert votes.vote_state(setup.vote) is VoteState.OPEN  # an opening moved into the past opens it now


# --- Entries that leave the vote while it runs ------------------------------------------------------------


def test_an_entry_whose_case_is_taken_down_is_no_longer_offered_and_left_out_of_the_ranking(setup, outbox):
    organiser = make_user(email="org@example.org", roles=("organiser",))
    ask_committed(setup, BIN, "early@example.com")
    pending_link = newest_vote_token(outbox)
    ask_committed(setup, BIN, "counted@example.com")
    confirm_committed(newest_vote_token(outbox))
    ask_committed(setup, GP, "gp@example.com")
    confirm_committed(newest_vote_token(outbox))
    bins = setup.option_titled(BIN)
    shortlists.unpublish_case(db.session.get(ImpactCase, bins.impact_case_id), by=organiser)
    db.session.commit()

    assert votes.withdrawn_options([setup.vote.id]) == {bins.id: "Its impact case is no longer published"}
    assert [o.title for o in votes.offered_options(setup.vote)] == [LIBRARY, GP]
    asked = ask_committed(setup, BIN, "late@example.com")
    assert asked.refused_rule == "entry_withdrawn"
    assert asked.message == "That entry is no longer in this vote. Select another entry"
    with pytest.raises(ballots.VoteRefused, match="no longer in this vote"):
        ballots.pending(pending_link)
    assert ask_committed(setup, GP, "other@example.com").accepted

    with time_machine.travel(setup.vote.closes_at, tick=False):
        result = tallies.result(setup.vote)
        assert [(c.option.title, c.count, c.rank, c.share) for c in result.counts] == [
            (GP, 1, 1, 1.0),
            (LIBRARY, 0, 2, 0.0),
        ]
        assert result.total == 1
        assert [(w.option.title, w.count, w.reason) for w in result.withdrawn] == [
            (BIN, 1, "Its impact case is no longer published")
        ]
        [closed] = tallies.cycle_results(setup.cycle)
        assert [c.option.title for c in closed.counts] == [GP, LIBRARY] and len(closed.withdrawn) == 1
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id)).where(Ballot.option_id == bins.id)) == 1  # kept


def test_a_withdrawn_nomination_or_deleted_case_leaves_the_vote_with_its_reason(setup):
    gp, library = setup.option_titled(GP), setup.option_titled(LIBRARY)
    db.session.get(Nomination, gp.nomination_id).status = NominationStatus.WITHDRAWN
    db.session.delete(db.session.get(ImpactCase, library.impact_case_id))
    db.session.commit()
    assert votes.withdrawn_options([setup.vote.id]) == {
        gp.id: "The nomination was withdrawn",
        library.id: "Its impact case was deleted",
    }
    assert ask_committed(setup, LIBRARY, "sam@example.com").refused_rule == "entry_withdrawn"
