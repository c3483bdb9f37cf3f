"""A round's results in every mode and advancing its entries to the next round (domain/results/round_results.py,
advancing.py), on a hand-built two-round cycle: round 1 judged pass/fail, round 2 the final panel judging the
entries advanced from it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from awards.domain.core.errors import Conflict, DomainError
from awards.domain.judging import rounds
from awards.domain.results import advancing, round_results, shortlists
from awards.extensions import db
from awards.models import (
    Advancement,
    JudgingRound,
    RoundEntries,
    RoundMode,
    ShortlistDecision,
    Verdict,
)
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user
from tests.support.audit import action_events
from tests.support.programme import add_round

# Round 1's verdicts, by entry: one letter per judge (P pass, U unsure, F fail), hand-tallied below.
VERDICTS = {
    "a1": "PPP",  # 3 passes: share 1
    "a2": "PPU",  # 2/3, no fail
    "a3": "PPF",  # 2/3, one fail: after a2
    "a4": "FFU",  # 0
    "b1": "PFF",  # 1/3
    "b2": "PP",  # 2/2: first in B
    "b3": "",  # no verdict yet: last
}
LETTER = {"P": Verdict.PASS, "U": Verdict.UNSURE, "F": Verdict.FAIL}


@pytest.fixture
def world(app):
    cycle = make_cycle(status="judging")
    first = cycle.rounds[0]
    first.mode = RoundMode.PASS_FAIL
    for category in cycle.categories[:2]:
        category.shortlist_size = 2
    db.session.commit()
    final = add_round(cycle, "Final panel", entries=RoundEntries.ADVANCED, is_final=True)
    judges = [make_judge(cycle) for _ in range(3)]
    a, b = cycle.categories[0], cycle.categories[1]
    entries = {
        key: make_nomination(cycle, category=a if key[0] == "a" else b, title=f"Entry {key}") for key in VERDICTS
    }
    for key, letters in VERDICTS.items():
        for judge, letter in zip(judges, letters, strict=False):
            make_review(make_assignment(judge, entries[key]), status="submitted", verdict=LETTER[letter])
    # Not counted: a draft's verdict, and a calibration example's
    make_review(make_assignment(judges[2], entries["b3"]), status="draft", verdict=Verdict.PASS)
    calibrating = make_judge(cycle)
    make_review(make_assignment(calibrating, entries["a4"], calibration=True), status="submitted", verdict=Verdict.PASS)
    organiser = make_user(roles=("organiser",))
    return cycle, first, final, entries, organiser


def ids(entries, *keys):
    return [entries[k].id for k in keys]


def test_a_pass_fail_round_orders_by_the_share_of_passes(world):
    cycle, first, final, entries, _ = world
    order = round_results.round_order(first)
    a, b = cycle.categories[0], cycle.categories[1]
    assert order.order[a.id] == ids(entries, "a1", "a2", "a3", "a4")
    assert order.order[b.id] == ids(entries, "b2", "b1", "b3")
    a3 = order.tallies[entries["a3"].id]
    assert (a3.passes, a3.unsure, a3.fails, a3.passed) == (2, 0, 1, True)
    a4 = order.tallies[entries["a4"].id]
    assert (a4.passes, a4.unsure, a4.fails, a4.passed) == (0, 1, 2, False)  # the calibration pass is not counted
    assert entries["b3"].id not in order.judged and entries["b3"].id not in order.tallies  # the draft is not counted
    boards = round_results.mode_boards(cycle, first)
    assert [(r.position, r.nomination.reference, r.passed) for r in boards[0].rows] == [
        (1, entries["a1"].reference, True),
        (2, entries["a2"].reference, True),
        (3, entries["a3"].reference, True),
        (4, entries["a4"].reference, False),
    ]
    assert boards[1].unjudged == 1


def test_a_ranking_round_combines_the_judges_orders(app):
    cycle = make_cycle(status="judging")
    first = cycle.rounds[0]
    first.mode, first.ranking_method = RoundMode.RANKING, "borda"
    db.session.commit()
    one, two = make_judge(cycle), make_judge(cycle)
    x, y, z = (make_nomination(cycle, category=cycle.categories[0]) for _ in range(3))
    # Judge one: x, y, z (points 1, ½, 0); judge two: y, x (1, 0). x: ½, y: ¾, z: 0.
    for judge, placed in ((one, (x, y, z)), (two, (y, x))):
        for rank, nomination in enumerate(placed, start=1):
            make_review(make_assignment(judge, nomination), status="submitted", rank=rank)
    order = round_results.round_order(first)
    assert order.order[cycle.categories[0].id] == [y.id, x.id, z.id]
    scores = order.rank_scores
    assert (scores[y.id].borda, scores[y.id].firsts, scores[y.id].judges) == (0.75, 1, 2)
    assert (scores[x.id].borda, scores[z.id].borda) == (0.5, 0.0)


def test_the_suggestion_takes_the_top_of_each_category(world):
    cycle, first, final, entries, organiser = world
    plan = advancing.advance_plan(first)
    assert plan.target.id == final.id and plan.advanced == 0
    suggested = {c.nomination.id for block in plan.categories for c in block.candidates if c.suggested}
    assert suggested == set(ids(entries, "a1", "a2", "b2", "b1"))
    assert advancing.suggest(first, {}, by=organiser) == 4
    db.session.commit()
    assert rounds.entry_ids(final) == set(ids(entries, "a1", "a2", "b2", "b1"))
    assert all(a.suggested and a.created_by_id == organiser.id for a in db.session.scalars(sa.select(Advancement)))
    # Another number for category A: only its first entry
    advancing.suggest(first, {cycle.categories[0].id: 1}, by=organiser)
    db.session.commit()
    assert rounds.entry_ids(final) == set(ids(entries, "a1", "b2", "b1"))
    assert advancing.suggestion_sizes(first)[cycle.categories[0].id] == 1
    # The numbers are the round's own (not read back from the audit log): every other category's is its
    # shortlist size.
    kept = db.session.scalar(sa.select(JudgingRound.suggestion_sizes).where(JudgingRound.id == first.id))
    assert kept == {str(c.id): 1 if c == cycle.categories[0] else c.shortlist_size for c in cycle.categories}
    assert action_events(advancing.SUGGESTED)[-1].detail["advanced"] == 3
    # A suggestion for category B alone (as B's own page sends) keeps A's number
    advancing.suggest(first, {cycle.categories[1].id: 1}, by=organiser)
    db.session.commit()
    assert rounds.entry_ids(final) == set(ids(entries, "a1", "b2"))
    assert advancing.suggestion_sizes(first)[cycle.categories[0].id] == 1
    with pytest.raises(DomainError) as caught:
        advancing.suggest(first, {cycle.categories[0].id: -1}, by=organiser)
    db.session.rollback()
    assert caught.value.field == f"top_{cycle.categories[0].id}"


def test_a_change_from_the_suggestion_needs_a_reason_and_is_audited(world):
    cycle, first, final, entries, organiser = world
    advancing.suggest(first, {}, by=organiser)
    db.session.commit()
    shown = set(ids(entries, *VERDICTS))
    wanted = set(ids(entries, "a1", "a2", "a3", "b2"))  # a3 added, b1 dropped
    with pytest.raises(advancing.AdvancementProblems) as caught:
        advancing.save_advancement(first, shown=shown, chosen=wanted, reasons={}, by=organiser)
    db.session.rollback()
    problems = caught.value.problems
    assert problems == {
        f"reason_{entries['a3'].id}": f"Give the reason for advancing {entries['a3'].reference}: the suggestion "
        "leaves it out",
        f"reason_{entries['b1'].id}": f"Give the reason for not advancing {entries['b1'].reference}: the "
        "suggestion includes it",
    }
    reasons = {entries["a3"].id: "Strong evidence, one harsh fail", entries["b1"].id: "Two judges failed it"}
    changes = advancing.save_advancement(first, shown=shown, chosen=wanted, reasons=reasons, by=organiser)
    db.session.commit()
    assert (changes.advanced, changes.removed, changes.total) == (1, 1, 4)
    assert rounds.entry_ids(final) == wanted
    added = db.session.scalar(sa.select(Advancement).where(Advancement.nomination_id == entries["a3"].id))
    assert (added.suggested, added.reason, added.round_id) == (False, "Strong evidence, one harsh fail", final.id)
    [advanced] = action_events("round.advanced")
    [removed] = action_events("round.advancement_removed")
    assert advanced.object_id == str(entries["a3"].id) and advanced.detail["reason"] == reasons[entries["a3"].id]
    assert removed.object_id == str(entries["b1"].id) and removed.detail["reason"] == "Two judges failed it"
    assert removed.detail["suggested"] is True
    # Saving the same again changes nothing and asks for nothing
    again = advancing.save_advancement(first, shown=shown, chosen=wanted, reasons={}, by=organiser)
    assert (again.advanced, again.removed) == (0, 0)
    # An entry that is not the round's is refused
    other = make_nomination(make_cycle(name="Another cycle"))
    with pytest.raises(DomainError):
        advancing.save_advancement(first, shown=shown | {other.id}, chosen=wanted, reasons={}, by=organiser)
    db.session.rollback()


def test_an_entry_with_judges_in_the_next_round_stays_advanced(world):
    cycle, first, final, entries, organiser = world
    advancing.suggest(first, {}, by=organiser)
    db.session.commit()
    make_assignment(make_judge(cycle), entries["a1"], round_id=final.id)
    shown = set(ids(entries, *VERDICTS))
    keep = set(ids(entries, "a2", "b2", "b1"))
    with pytest.raises(advancing.AdvancementProblems) as caught:
        advancing.save_advancement(first, shown=shown, chosen=keep, reasons={entries["a1"].id: "x"}, by=organiser)
    db.session.rollback()
    assert "already has judges in Round 2: Final panel, so it stays advanced" in caught.value.message
    with pytest.raises(Conflict, match="a new suggestion cannot replace"):
        advancing.suggest(first, {}, by=organiser)
    db.session.rollback()


def test_the_finalists_are_told_once_and_nothing_of_their_results(world, outbox):
    cycle, first, final, entries, organiser = world
    advancing.suggest(first, {}, by=organiser)
    db.session.commit()
    assert advancing.finalist_counts(first).to_tell == 4
    assert advancing.tell_finalists(first, by=organiser) == 4
    db.session.commit()
    sent = outbox("finalist")
    assert sorted(m.to_address for m in sent) == sorted(entries[k].nominator.email for k in ("a1", "a2", "b1", "b2"))
    for message in sent:
        assert "is a finalist in" in message.body_text and cycle.name in message.body_text
        assert "Final panel" in message.body_text
        for word in ("pass", "fail", "score", "rank", "position", "unsure"):
            assert word not in message.body_text.lower(), word
    assert all(a.notified_at is not None for a in db.session.scalars(sa.select(Advancement)))
    with pytest.raises(Conflict):
        advancing.tell_finalists(first, by=organiser)
    db.session.rollback()
    assert action_events("round.finalists_told")[0].detail["emails"] == 4


def test_no_advancing_without_a_next_round_of_advanced_entries(app):
    cycle = make_cycle(status="judging")
    assert "is the last round" in advancing.advancing_problem(cycle.rounds[0])
    add_round(cycle, "Second look", entries=RoundEntries.ELIGIBLE)
    assert "judges all eligible entries" in advancing.advancing_problem(cycle.rounds[0])
    with pytest.raises(Conflict):
        advancing.advance_plan(cycle.rounds[0])


def test_a_pass_fail_final_round_suggests_the_shortlist_by_its_order(app):
    cycle = make_cycle(status="judging")
    first = cycle.rounds[0]
    first.mode = RoundMode.PASS_FAIL
    cycle.categories[0].shortlist_size = 1
    db.session.commit()
    judge = make_judge(cycle)
    weak, strong = (make_nomination(cycle, category=cycle.categories[0]) for _ in range(2))
    make_review(make_assignment(judge, weak), status="submitted", verdict=Verdict.FAIL)
    make_review(make_assignment(judge, strong), status="submitted", verdict=Verdict.PASS)
    assert shortlists.suggest_shortlist(cycle, by=make_user(roles=("organiser",))) == 1
    decisions = {d.nomination_id: d for d in db.session.scalars(sa.select(ShortlistDecision))}
    assert decisions[strong.id].suggested and not decisions[weak.id].suggested
