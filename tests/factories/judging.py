"""Judging: judges, assignments and reviews (and expertise, conflicts) in one call each."""

from __future__ import annotations

import itertools

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.models import Assignment, AssignmentStatus, Judge, Review, ReviewStatus
from tests.factories.people import make_user

_invitees = itertools.count(1)


def make_judge(
    cycle, user=None, *, accepted: bool = True, email: str | None = None, organisation: str = "", **fields
) -> Judge:
    """A judge of the cycle: accepted (with a user who has the judge role) unless told otherwise.

    An invitation that has not been accepted has no user; pass `email` to choose its address.
    Judges get addresses at judges.example.org, so they are not conflicted with the factories'
    nominations unless a test makes them so."""
    now = utcnow()
    if user is None and accepted:
        # Not the factories' default testshire.gov.uk domain, which the nominations' contacts share.
        user = make_user(
            email=email or f"judge{next(_invitees)}@judges.example.org",
            roles=("judge",),
            organisation=organisation or "Judging Partners Ltd",
        )
    email = email or (user.email if user is not None else f"invitee{next(_invitees)}@judges.example.org")
    judge = Judge(
        cycle_id=cycle.id,
        email=email,
        user_id=user.id if user is not None and accepted else None,
        organisation=organisation,
        invited_at=fields.pop("invited_at", now),
        accepted_at=fields.pop("accepted_at", now if accepted else None),
        **fields,
    )
    db.session.add(judge)
    db.session.commit()
    return judge


def make_assignment(
    judge, nomination, *, status: str = "assigned", no_conflict_declared: bool = False, **fields
) -> Assignment:
    """The judge assigned to the nomination (optionally having said they have no conflict), in the cycle's
    first round unless `round_id` says another."""
    now = utcnow()
    if "round_id" not in fields and "round" not in fields:
        fields["round_id"] = nomination.cycle.rounds[0].id
    assignment = Assignment(
        judge_id=judge.id,
        nomination_id=nomination.id,
        status=AssignmentStatus(status),
        created_at=now,
        no_conflict_declared_at=now if no_conflict_declared else None,
        **fields,
    )
    db.session.add(assignment)
    db.session.commit()
    return assignment


def make_review(assignment, *, status: str = "draft", overall_comment: str = "", **fields) -> Review:
    """A review of the assignment, a draft or submitted (with no scores unless you add them)."""
    now = utcnow()
    review = Review(
        assignment_id=assignment.id,
        status=ReviewStatus(status),
        overall_comment=overall_comment,
        created_at=now,
        updated_at=now,
        submitted_at=now if status == "submitted" else None,
        **fields,
    )
    if assignment.no_conflict_declared_at is None:
        assignment.no_conflict_declared_at = now
    db.session.add(review)
    db.session.commit()
    return review


def set_expertise(user, levels: dict) -> None:
    """The user's expertise: {trend (or trend id): level −2..+2}; levels not given are left as they are."""
    from sqlalchemy import select

    from awards.models import Expertise

    for trend, level in levels.items():
        trend_id = getattr(trend, "id", trend)
        row = db.session.scalar(select(Expertise).where(Expertise.user_id == user.id, Expertise.trend_id == trend_id))
        if row is None:
            db.session.add(Expertise(user_id=user.id, trend_id=trend_id, level=level))
        else:
            row.level = level
    db.session.commit()


def add_conflict(judge, nomination, *, source: str = "organiser", reason: str = "Recorded for a test"):
    """A recorded conflict of interest between the judge and the nomination."""
    from awards.models import ConflictOfInterest, ConflictSource

    conflict = ConflictOfInterest(
        judge_id=judge.id,
        nomination_id=nomination.id,
        source=ConflictSource(source),
        reason=reason,
        created_at=utcnow(),
    )
    db.session.add(conflict)
    db.session.commit()
    return conflict
