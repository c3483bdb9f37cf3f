"""The final round's panel meetings in the domain: which round and categories meet, who sits on a meeting,
closing and reopening (audited), the meeting board's figures, decisions with a rationale written as the
cycle's shortlist decisions, and the locks a closed or open meeting puts on deciding, suggesting and
publishing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from awards.domain.core.errors import Conflict, DomainError, NotFound
from awards.domain.judging import meetings
from awards.domain.judging import rounds as round_rules
from awards.domain.results import meeting_board, shortlists
from awards.extensions import db
from awards.models import AuditEvent, Result, Verdict
from tests.factories import add_conflict, make_cycle, make_nomination
from tests.support.meetings import add_final_round, meeting_judge, score_in


@pytest.fixture
def setup(app, organiser):
    cycle = make_cycle(status="judging")
    cat_a, cat_b, cat_c = cycle.categories[:3]
    alice, bob = meeting_judge(cycle, "Alice Able"), meeting_judge(cycle, "Bob Bright")
    first = make_nomination(cycle, category=cat_a, title="First")
    second = make_nomination(cycle, category=cat_a, title="Second")
    other = make_nomination(cycle, category=cat_b, title="Other")
    final = add_final_round(cycle, organiser, (first, second, other))
    db.session.commit()
    return cycle, final, (cat_a, cat_b, cat_c), (alice, bob), (first, second, other)


def test_only_the_round_marked_final_meets(setup):
    cycle, final, *_ = setup
    assert meetings.final_round(cycle) is final
    assert meetings.meeting_round(cycle, 2) is final
    with pytest.raises(NotFound):
        meetings.meeting_round(cycle, 1)
    with pytest.raises(NotFound):
        meetings.meeting_round(cycle, 3)


def test_a_cycle_without_a_final_round_has_no_meetings(app, organiser):
    cycle = make_cycle(status="judging")
    make_nomination(cycle)
    assert meetings.final_round(cycle) is None
    assert meetings.open_categories(cycle) == []
    assert meetings.publication_problem(cycle) is None


def test_each_category_with_entries_in_the_round_has_a_meeting(setup):
    cycle, final, (cat_a, cat_b, _), _, _ = setup
    assert meetings.meeting_categories(final) == [cat_a, cat_b]  # not a category without entries in the round
    assert meetings.open_categories(cycle) == [cat_a, cat_b]


def test_who_sits_on_a_meeting(setup, organiser):
    cycle, final, (cat_a, cat_b, _), (alice, bob), _ = setup
    # the whole panel: every judge of the cycle, for the categories they judge
    assert meetings.panel_judge(final, alice.user, cat_a) == alice
    round_rules.set_panel(
        final,
        by=organiser,
        whole_panel=False,
        members={alice.id: round_rules.PanelChoice(category_ids=[cat_b.id])},
    )
    db.session.commit()
    assert meetings.panel_judge(final, alice.user, cat_a) is None
    assert meetings.panel_judge(final, alice.user, cat_b) == alice
    assert meetings.panel_judge(final, bob.user, cat_b) is None
    assert meetings.panel_judge(final, organiser, cat_b) is None
    assert [(m.category, m.closed) for m in meetings.meetings_of(alice.user)] == [(cat_b, False)]
    assert meetings.meetings_of(bob.user) == []


def test_closing_and_reopening(setup, organiser):
    cycle, final, (cat_a, cat_b, _), _, _ = setup
    meetings.close(final, cat_a, by=organiser)
    db.session.commit()
    assert meetings.closed_meeting(final, cat_a).closed_by_id == organiser.id
    assert meetings.open_categories(cycle) == [cat_b]
    with pytest.raises(Conflict, match="already closed"):
        meetings.close(final, cat_a, by=organiser)
    with pytest.raises(NotFound):
        meetings.close(cycle.rounds[0], cat_a, by=organiser)
    with pytest.raises(DomainError, match="Give the reason") as refused:
        meetings.reopen(final, cat_a, reason="  ", by=organiser)
    assert refused.value.field == "reason"
    meetings.reopen(final, cat_a, reason="One more look", by=organiser)
    db.session.commit()
    assert meetings.closed_meeting(final, cat_a) is None
    with pytest.raises(Conflict, match="is open"):
        meetings.reopen(final, cat_a, reason="Again", by=organiser)
    actions = list(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.action.like("panel_meeting.%")).order_by(AuditEvent.id)
        )
    )
    assert actions == ["panel_meeting.closed", "panel_meeting.reopened"]


def test_decisions_need_a_rationale_and_follow_the_shortlist_rules(setup, organiser):
    cycle, final, (cat_a, _, _), (alice, _), (first, second, other) = setup
    with pytest.raises(DomainError, match="reason") as refused:
        meeting_board.record_decision(final, cat_a, first, Result.WINNER, rationale=" ", by=alice.user, as_judge=True)
    assert refused.value.field == "rationale"
    decision = meeting_board.record_decision(
        final, cat_a, first, Result.WINNER, rationale="Clear", by=alice.user, as_judge=True
    )
    db.session.commit()
    assert decision.result is Result.WINNER and decision.decided_by_id == alice.user_id
    with pytest.raises(Conflict, match="already the winner"):
        meeting_board.record_decision(final, cat_a, second, Result.WINNER, rationale="Also", by=organiser)
    with pytest.raises(NotFound):
        meeting_board.record_decision(final, cat_a, other, Result.SHORTLISTED, rationale="Wrong room", by=organiser)


def test_a_conflicted_judge_is_told_the_entry_is_not_there(setup):
    _, final, (cat_a, _, _), (alice, _), (first, _, _) = setup
    add_conflict(alice, first)
    with pytest.raises(NotFound):
        meeting_board.record_decision(
            final, cat_a, first, Result.WINNER, rationale="Mine", by=alice.user, as_judge=True
        )
    board = meeting_board.meeting_board(
        final, cat_a, withhold=shortlists.withheld_nominations(final.cycle, alice.user), judge_view=True
    )
    assert [e.nomination.title for e in board.entries] == ["Second"]
    assert board.hidden == 1 and all(e.position is None for e in board.entries)


def test_a_closed_meeting_locks_its_decisions_everywhere(setup, organiser):
    cycle, final, (cat_a, cat_b, _), _, (first, _, other) = setup
    meetings.close(final, cat_a, by=organiser)
    db.session.commit()
    with pytest.raises(Conflict, match="is closed"):
        meeting_board.record_decision(final, cat_a, first, Result.SHORTLISTED, rationale="Late", by=organiser)
    with pytest.raises(Conflict, match="is closed"):
        shortlists.decide(cycle, first, Result.SHORTLISTED, rationale="Late", by=organiser)
    with pytest.raises(Conflict, match="cannot be suggested again"):
        shortlists.suggest_shortlist(cycle, by=organiser)
    # another category's meeting is still open
    shortlists.decide(cycle, other, Result.SHORTLISTED, rationale="Fine", by=organiser)


def test_publication_names_the_meetings_still_open(setup, organiser):
    cycle, final, (cat_a, cat_b, _), _, (first, _, other) = setup
    shortlists.decide(cycle, first, Result.WINNER, rationale="Best", by=organiser)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        shortlists.publish(cycle, by=organiser)
    assert refused.value.message == (
        f"The panel meetings of Round 2: Final panel for {cat_a.name} and {cat_b.name} are not closed yet. "
        "Close each meeting once the panel has agreed its decisions, then publish."
    )
    meetings.close(final, cat_a, by=organiser)
    meetings.close(final, cat_b, by=organiser)
    counts = shortlists.publish(cycle, by=organiser)
    assert counts["shortlisted"] == 1


def test_the_board_shows_the_rounds_results_and_each_judges_work(setup):
    _, final, (cat_a, _, _), (alice, bob), (first, second, _) = setup
    score_in(final, alice, first, 10, comment="Superb")
    score_in(final, bob, first, 6, overall="Good")
    score_in(final, alice, second, 2)
    board = meeting_board.meeting_board(final, cat_a)
    assert [e.nomination.title for e in board.entries] == ["First", "Second"]
    top = board.entries[0]
    assert top.position == 1 and top.result.n == 2
    assert top.result.raw == pytest.approx((100 + 100 * 5 / 9) / 2)  # 10 and 6 on every criterion, scale 1 to 10
    assert [w.judge_name for w in top.work] == ["Alice Able", "Bob Bright"]
    assert top.work[0].scores[0].comment == "Superb" and top.work[1].comment == "Good"
    assert board.entries[1].work[0].review_score is not None


def test_a_pass_fail_final_round_shows_the_verdicts(setup, organiser):
    cycle, final, (cat_a, _, _), (alice, bob), (first, second, _) = setup
    final.mode = "pass_fail"
    db.session.commit()
    for judge, nomination, verdict in (
        (alice, first, Verdict.PASS),
        (bob, first, Verdict.PASS),
        (alice, second, Verdict.FAIL),
    ):
        review = score_in(final, judge, nomination, 5)
        review.verdict = verdict
    db.session.commit()
    board = meeting_board.meeting_board(final, cat_a)
    assert [e.nomination.title for e in board.entries] == ["First", "Second"]
    assert board.entries[0].tally.passes == 2 and board.entries[0].tally.passed
    assert board.entries[1].work[0].verdict_label == "Fail"
    assert board.criteria == []


def test_a_ranking_final_round_shows_each_judges_places(setup):
    _, final, (cat_a, _, _), (alice, bob), (first, second, _) = setup
    final.mode = "ranking"
    db.session.commit()
    for judge, nomination, place in ((alice, first, 2), (alice, second, 1), (bob, first, 2), (bob, second, 1)):
        review = score_in(final, judge, nomination, 5)
        review.rank = place
    db.session.commit()
    board = meeting_board.meeting_board(final, cat_a)
    # both judges put Second first: 1 Borda point each, First 0
    assert [e.nomination.title for e in board.entries] == ["Second", "First"]
    assert board.entries[0].ranking.borda == 1.0 and board.entries[0].ranking.firsts == 2
    assert [w.rank for w in board.entries[1].work] == [2, 2]
    assert board.rule.startswith("Borda count")
