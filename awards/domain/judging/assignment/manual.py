"""An organiser's edits by hand on a cycle's assignments: who may be added to a nomination (and why
the others are not offered), adding a judge (locked, so a re-run of the assignment keeps it),
removing an assignment, and locking or unlocking one. Refused once the cycle's results are published."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.judging import conflicts
from awards.domain.judging.assignment.problem import (
    AVOID_LEVEL,
    affinity,
    check_changeable,
    expertise_levels,
    nomination_trends,
)
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    Cycle,
    Judge,
    Nomination,
    NominationStatus,
    ReviewStatus,
    User,
)


def judge_loads(cycle: Cycle) -> dict[int, int]:
    """Live (not recused) assignments per judge id of the cycle."""
    return dict(
        db.session.execute(
            select(Assignment.judge_id, func.count(Assignment.id))
            .join(Judge, Judge.id == Assignment.judge_id)
            .where(Judge.cycle_id == cycle.id, Assignment.status == AssignmentStatus.ASSIGNED)
            .group_by(Assignment.judge_id)
        ).all()
    )


@dataclass
class Candidate:
    judge: Judge
    load: int
    limit: int
    affinity: int
    avoided: bool


@dataclass
class ManualOptions:
    """Who an organiser may add to a nomination by hand, and why the others are not offered."""

    offered: list[Candidate]
    at_limit: list[Candidate]
    conflicted: list[Judge]
    other_category: list[Judge]
    recused: list[Judge]
    not_accepted: int


def manual_options(nomination: Nomination, judges: list[Judge], assignments: list[Assignment]) -> ManualOptions:
    """Sort the cycle's judges for the nomination's "Add a judge" list: only accepted judges of its
    category with no conflict, no assignment to it yet and room under their load limit are offered."""
    taken = {a.judge_id: a for a in assignments}
    accepted = [(j, j.user_id) for j in judges if j.has_accepted and j.user_id is not None]
    pairs = conflicts.conflict_pairs([j for j, _ in accepted], [nomination]) if accepted else set()
    loads = judge_loads(nomination.cycle)
    levels = expertise_levels(user_id for _, user_id in accepted)
    trends = nomination_trends(nomination)
    primary = next((t for t, p in trends if p), None)
    options = ManualOptions(
        offered=[], at_limit=[], conflicted=[], other_category=[], recused=[], not_accepted=len(judges) - len(accepted)
    )
    for judge, user_id in sorted(accepted, key=lambda pair: (pair[0].display_name.lower(), pair[0].id)):
        existing = taken.get(judge.id)
        if existing is not None:
            if existing.status is AssignmentStatus.RECUSED:
                options.recused.append(judge)
        elif (judge.id, nomination.id) in pairs:
            options.conflicted.append(judge)
        elif not judge.judges_category(nomination.category_id):
            options.other_category.append(judge)
        else:
            judge_levels = levels.get(user_id, {})
            candidate = Candidate(
                judge=judge,
                load=loads.get(judge.id, 0),
                limit=judge.load_limit,
                affinity=affinity(judge_levels, trends),
                avoided=primary is not None and judge_levels.get(primary) == AVOID_LEVEL,
            )
            (options.offered if candidate.load < candidate.limit else options.at_limit).append(candidate)
    options.offered.sort(key=lambda c: (-c.affinity, c.load, c.judge.display_name.lower(), c.judge.id))
    return options


def add_judge(nomination: Nomination, judge: Judge, *, by: User) -> Assignment:
    """An organiser gives a submitted nomination a judge by hand: an accepted judge of its category
    with no conflict and room under their load limit. The assignment is locked, so a re-run keeps it."""
    user_id = _check_can_add(nomination, judge)
    levels = expertise_levels([user_id])[user_id]
    assignment = Assignment(
        judge_id=judge.id,
        nomination_id=nomination.id,
        status=AssignmentStatus.ASSIGNED,
        locked=True,
        affinity=affinity(levels, nomination_trends(nomination)),
        created_at=utcnow(),
        created_by_id=by.id,
    )
    db.session.add(assignment)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(f"{judge.display_name} already judges this nomination", field="judge") from error
    audit.record("assignment.added", actor=by, obj=nomination, judge=judge.id, assignment=assignment.id, locked=True)
    return assignment


def _check_can_add(nomination: Nomination, judge: Judge) -> int:
    """Refused (on the judge field) unless the judge may be added to the nomination; their user id."""
    check_changeable(nomination.cycle)
    if judge.cycle_id != nomination.cycle_id:
        raise NotAllowed("This judge does not judge this award cycle", field="judge")
    if nomination.status is not NominationStatus.SUBMITTED:
        raise DomainError(
            f"{nomination.reference} is {nomination.status.label.lower()}: only submitted nominations are judged",
            field="judge",
        )
    if not judge.has_accepted or judge.user_id is None:
        raise DomainError(f"{judge.display_name} has not accepted the invitation yet", field="judge")
    if not judge.judges_category(nomination.category_id):
        raise DomainError(f"{judge.display_name} does not judge {nomination.category.name}", field="judge")
    existing = db.session.scalar(
        select(Assignment).where(Assignment.judge_id == judge.id, Assignment.nomination_id == nomination.id)
    )
    if existing is not None:
        if existing.status is AssignmentStatus.RECUSED:
            raise DomainError(
                f"{judge.display_name} declared a conflict of interest with this nomination", field="judge"
            )
        raise Conflict(f"{judge.display_name} already judges this nomination", field="judge")
    if conflicts.is_conflicted(judge, nomination):
        raise DomainError(f"{judge.display_name} has a conflict of interest with this nomination", field="judge")
    load = judge_loads(nomination.cycle).get(judge.id, 0)
    if load >= judge.load_limit:
        raise DomainError(
            f"{judge.display_name} already has {load} nominations, their limit: raise their "
            "limit on the judges page first",
            field="judge",
        )
    return judge.user_id


def remove_assignment(assignment: Assignment, *, by: User) -> None:
    """Take a judge off a nomination; refused once they have submitted scores (reopen them first).
    A draft review is deleted with the assignment."""
    check_changeable(assignment.nomination.cycle)
    if assignment.status is not AssignmentStatus.ASSIGNED:
        raise DomainError("This judge declared a conflict of interest: the record of it stays")
    review = assignment.review
    if review is not None and review.status is ReviewStatus.SUBMITTED:
        raise DomainError(
            f"{assignment.judge.display_name} has submitted scores for this nomination, so the "
            "assignment cannot be removed"
        )
    audit.record(
        "assignment.removed",
        actor=by,
        obj=assignment.nomination,
        judge=assignment.judge_id,
        assignment=assignment.id,
        had_draft=review is not None,
    )
    db.session.delete(assignment)
    db.session.flush()


def set_locked(assignment: Assignment, locked: bool, *, by: User) -> bool:
    """Lock an assignment so a re-run keeps it, or unlock it; False if it already was."""
    check_changeable(assignment.nomination.cycle)
    if assignment.status is not AssignmentStatus.ASSIGNED:
        raise DomainError("This judge declared a conflict of interest, so the assignment cannot be locked")
    if assignment.locked == locked:
        return False
    assignment.locked = locked
    audit.record(
        "assignment.locked" if locked else "assignment.unlocked",
        actor=by,
        obj=assignment.nomination,
        judge=assignment.judge_id,
        assignment=assignment.id,
    )
    db.session.flush()
    return True
