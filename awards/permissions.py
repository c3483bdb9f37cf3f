"""Small named predicates about who may do what. Views call them; domain functions
enforce the same rules again where a rule is a business rule."""

from __future__ import annotations

from sqlalchemy import select

from awards.extensions import db
from awards.models import Assignment, AssignmentStatus, Judge, Nomination, Role, User


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
    return (
        db.session.scalar(select(Judge.id).where(Judge.user_id == user.id, Judge.accepted_at.is_not(None)).limit(1))
        is not None
    )


def judge_memberships(user: User | None) -> list[Judge]:
    if user is None or not user.is_authenticated:
        return []
    return list(db.session.scalars(select(Judge).where(Judge.user_id == user.id, Judge.accepted_at.is_not(None))))


def active_assignment(user: User | None, nomination: Nomination) -> Assignment | None:
    """The user's live assignment to the nomination (not recused), if they judge it."""
    judge = judge_membership(user, nomination.cycle_id)
    if judge is None:
        return None
    return db.session.scalar(
        select(Assignment).where(
            Assignment.judge_id == judge.id,
            Assignment.nomination_id == nomination.id,
            Assignment.status == AssignmentStatus.ASSIGNED,
        )
    )


def can_score(user: User | None, nomination: Nomination) -> bool:
    """Assigned, not conflicted, and the judge has said they have no conflict."""
    from awards.domain.judging.conflicts import is_conflicted

    assignment = active_assignment(user, nomination)
    if assignment is None or is_conflicted(assignment.judge, nomination):
        return False
    return assignment.no_conflict_declared_at is not None
