"""Small named predicates about who may do what. Views call them; domain functions
enforce the same rules again where a rule is a business rule."""

from __future__ import annotations

from sqlalchemy import select

from awards.domain.core.transaction_memo import kept_in_transaction
from awards.domain.judging.reviews import live_assignments
from awards.extensions import db
from awards.models import Assignment, Judge, JudgingRound, Nomination, Role, User


def is_organiser(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_role(Role.ORGANISER))


def judge_membership(user: User | None, cycle_id: int) -> Judge | None:
    """The user's accepted judge membership of the cycle, if any (judging is per cycle)."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Judge).where(Judge.user_id == user.id, Judge.cycle_id == cycle_id, Judge.accepted_at.is_not(None))
    )


def judges_any_cycle(user: User | None) -> bool:
    """Whether the user is an accepted judge of some cycle: what the judging pages need at all."""
    if user is None or not user.is_authenticated:
        return False
    user_id = user.id
    return kept_in_transaction(  # asked by the judging pages' guard and again by the navigation
        ("judges any cycle", user_id),
        lambda: (
            db.session.scalar(select(Judge.id).where(Judge.user_id == user_id, Judge.accepted_at.is_not(None)).limit(1))
            is not None
        ),
    )


def judge_memberships(user: User | None) -> list[Judge]:
    if user is None or not user.is_authenticated:
        return []
    return list(db.session.scalars(select(Judge).where(Judge.user_id == user.id, Judge.accepted_at.is_not(None))))


def active_assignment(
    user: User | None, nomination: Nomination, judging_round: JudgingRound | None = None
) -> Assignment | None:
    """The user's live assignment to the nomination (not recused), if they judge it as an accepted judge of its
    cycle: in `judging_round` if given, else in the latest round in which they have one. One statement, the judge
    from its join (can_score reads it next)."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(live_assignments(user, nomination, judging_round).limit(1))


def can_score(user: User | None, nomination: Nomination, judging_round: JudgingRound | None = None) -> bool:
    """Assigned (in the round, if given), not conflicted, and the judge has said they have no conflict."""
    from awards.domain.judging.conflicts import is_conflicted

    assignment = active_assignment(user, nomination, judging_round)
    if assignment is None or is_conflicted(assignment.judge, nomination):
        return False
    return assignment.no_conflict_declared_at is not None
