"""Feedback for entrants in tests: a judge's review with feedback, made directly (the judge's own form for it
is another part of the product), and the organisers' feedback pages' addresses."""

from __future__ import annotations

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.models import Assignment, FeedbackStatus, Review, ReviewScore, ReviewStatus


def review_with_feedback(
    judge, nomination, text="", *, judging_round=None, value=None, status="submitted", **fields
) -> Review:
    """The judge's review of the nomination in the round (default: the cycle's first), submitted unless
    `status` says otherwise, with feedback `text` (pending unless `feedback_status` says otherwise) and
    `value` on every criterion of the round; `calibration=True` makes it the round's calibration example."""
    now = utcnow()
    judging_round = judging_round or nomination.cycle.rounds[0]
    assignment = Assignment(
        round_id=judging_round.id,
        judge_id=judge.id,
        nomination_id=nomination.id,
        created_at=now,
        no_conflict_declared_at=now,
        calibration=fields.pop("calibration", False),
    )
    db.session.add(assignment)
    db.session.flush()
    review = Review(
        assignment_id=assignment.id,
        status=ReviewStatus(status),
        created_at=now,
        updated_at=now,
        submitted_at=now if status == "submitted" else None,
        feedback=text,
        feedback_status=fields.pop("feedback_status", FeedbackStatus.PENDING if text else FeedbackStatus.NONE),
        **fields,
    )
    if value is not None:
        review.scores = [ReviewScore(criterion_id=c.id, value=value) for c in judging_round.criteria]
    db.session.add(review)
    db.session.commit()
    return review


def feedback_url(cycle, review=None, **args) -> str:
    """The organisers' feedback list of the cycle (`status=…`), or one review's feedback page."""
    base = f"/organiser/cycles/{cycle.slug}/feedback"
    if review is not None:
        base += f"/{review.id}"
    if args:
        base += "?" + "&".join(f"{k}={v}" for k, v in args.items())
    return base
