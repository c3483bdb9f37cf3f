"""Set-ups for the final round's panel meetings (tests/web/test_panel_meeting.py, tests/domain/test_meetings.py):
a named judge of a cycle, the final round with the entries advanced into it, and a submitted review in a chosen
round."""

from __future__ import annotations

from awards.domain.core.clock import utcnow
from awards.domain.judging import rounds as round_rules
from awards.extensions import db
from awards.models import Advancement, Assignment, Review, ReviewScore
from tests.factories import make_judge, make_user


def meeting_judge(cycle, name: str):
    """An accepted judge of the cycle called `name` (address <first name>@judges.example.org)."""
    user = make_user(name=name, email=f"{name.split()[0].lower()}@judges.example.org", roles=("judge",))
    return make_judge(cycle, user)


def add_final_round(cycle, organiser, advanced, *, suggested: bool = False):
    """Round 2 "Final panel", the final round, scored on round 1's criteria by 2 judges an entry (at most 10
    each), not blind, with `advanced` advanced into it (not committed)."""
    final = round_rules.add_round(
        cycle,
        by=organiser,
        criteria_from=cycle.rounds[0],
        name="Final panel",
        entries="advanced",
        mode="scores",
        blind=False,
        judges_per_nomination=2,
        judge_max_load=10,
        is_final=True,
    )
    for nomination in advanced:
        db.session.add(
            Advancement(round_id=final.id, nomination_id=nomination.id, suggested=suggested, created_at=utcnow())
        )
    return final


def score_in(judging_round, judge, nomination, value: int, comment: str = "", overall: str = "") -> Review:
    """A submitted review in the round giving `value` on every criterion, with a comment on the first."""
    now = utcnow()
    assignment = Assignment(round_id=judging_round.id, judge_id=judge.id, nomination_id=nomination.id, created_at=now)
    db.session.add(assignment)
    db.session.flush()
    review = Review(
        assignment_id=assignment.id,
        status="submitted",
        overall_comment=overall,
        created_at=now,
        updated_at=now,
        submitted_at=now,
    )
    review.scores = [
        ReviewScore(criterion_id=c.id, value=value, comment=comment if i == 0 else "")
        for i, c in enumerate(judging_round.criteria)
    ]
    db.session.add(review)
    db.session.commit()
    return review
