"""`flask assign CYCLE_SLUG [--round N] [--dry-run]`: the same summary as the preview; writes unless
--dry-run; the cycle's current round unless --round says another."""

import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.models import Advancement, Assignment, AuditEvent, JudgingRound, RoundEntries
from tests.factories import make_cycle, make_judge, make_nomination, set_expertise


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Assignment.id)))


def test_dry_run_prints_the_summary_and_writes_nothing(runner):
    cycle = make_cycle(judges_per_nomination=2, judge_max_load=3)
    for _ in range(3):
        make_nomination(cycle)
    judges = [make_judge(cycle) for _ in range(2)]
    set_expertise(judges[0].user, {cycle.trends[0]: 2})
    result = runner.invoke(args=["assign", cycle.slug, "--dry-run"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "3 submitted nominations, 2 judges (0 more invited), 2 judges per nomination" in out
    assert "Places filled: 6 of 6" in out
    assert "Changes: 6 new, 0 unchanged, 0 kept as they are (scores started or locked), 0 removed" in out
    assert "Mean affinity: +2.00" in out
    assert "Judge loads: lowest 3, highest 3" in out
    assert "Every nomination gets all its judges." in out
    assert "Dry run: nothing was saved." in out
    assert _count() == 0


def test_assign_writes_and_reports_shortfalls(runner):
    cycle = make_cycle(judges_per_nomination=3, judge_max_load=2)
    nominations = [make_nomination(cycle) for _ in range(2)]
    make_judge(cycle)
    make_judge(cycle)
    result = runner.invoke(args=["assign", cycle.slug])
    assert result.exit_code == 0, result.output
    category = nominations[0].category.name
    assert (
        f"2 nominations in {category} can get only 2 judges: only 2 judges judge this category: "
        "add a judge to this category"
    ) in result.output
    assert nominations[0].reference in result.output and nominations[1].reference in result.output
    assert "Places filled: 4 of 6 (2 short)" in result.output
    assert "Saved: 4 added, 0 removed, 0 unchanged." in result.output
    assert _count() == 4
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assignment.applied"))
    assert event.actor_id is None and event.detail["short"] == 2
    again = runner.invoke(args=["assign", cycle.slug])
    assert "Saved: 0 added, 0 removed, 4 unchanged." in again.output


def test_an_unknown_cycle_is_an_error(runner):
    result = runner.invoke(args=["assign", "no-such-cycle"])
    assert result.exit_code != 0
    assert "No award cycle with the web address no-such-cycle" in result.output


def test_a_round_can_be_chosen_by_its_number(runner):
    cycle = make_cycle(judges_per_nomination=1, judge_max_load=3)
    nominations = [make_nomination(cycle) for _ in range(2)]
    judge = make_judge(cycle)
    now = utcnow()
    second = JudgingRound(number=2, name="Final panel", entries=RoundEntries.ADVANCED, created_at=now, updated_at=now)
    cycle.rounds.append(second)
    db.session.commit()
    # Round 2 has not begun (nothing advanced into it): the current round is round 1.
    result = runner.invoke(args=["assign", cycle.slug, "--dry-run"])
    assert f"{cycle.name}, Round 1: Judging: 2 submitted nominations" in result.output
    db.session.add(Advancement(round_id=second.id, nomination_id=nominations[0].id, created_at=now))
    db.session.commit()
    result = runner.invoke(args=["assign", cycle.slug, "--round", "2"])
    assert result.exit_code == 0, result.output
    assert f"{cycle.name}, Round 2: Final panel: 1 submitted nominations" in result.output
    assert "Saved: 1 added, 0 removed, 0 unchanged." in result.output
    db.session.expire_all()
    rows = db.session.execute(sa.select(Assignment.round_id, Assignment.judge_id, Assignment.nomination_id)).all()
    assert rows == [(second.id, judge.id, nominations[0].id)]
    result = runner.invoke(args=["assign", cycle.slug, "--round", "3"])
    assert result.exit_code != 0 and f"{cycle.name} has no round 3: it judges in 2 rounds" in result.output
