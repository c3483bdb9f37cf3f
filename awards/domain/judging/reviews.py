"""Score sheets: a judge's review of one assigned nomination, saved as a draft or submitted.

Scoring is open while the cycle is in judging and before its judging close instant (if it has
one). A submitted review is locked; an organiser can reopen it, which tells the judge by e-mail.
Two saves of one sheet from two windows cannot both win: the form carries the review's version,
and the database row is updated only if it still has the version the save read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.dates import govuk_datetime
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.core.mail import queue_email
from awards.domain.judging.blind_copies import judge_title
from awards.domain.judging.conflicts import conflict_pairs, is_conflicted
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    ConflictOfInterest,
    ConflictSource,
    Criterion,
    Cycle,
    CycleStatus,
    Judge,
    Nomination,
    NominationStatus,
    Review,
    ReviewScore,
    ReviewStatus,
    Role,
    User,
)
from awards.urls import external_url

COMMENT_MAX_LENGTH = 5000
OVERALL_COMMENT_MAX_LENGTH = 10000

# Nominations a judge can open: submitted ones, and (read-only) those judging has settled.
VISIBLE_NOMINATION_STATUSES = frozenset(
    {
        NominationStatus.SUBMITTED,
        NominationStatus.SHORTLISTED,
        NominationStatus.HIGHLY_COMMENDED,
        NominationStatus.WINNER,
    }
)

NOT_STARTED, CONFLICT_DECLARED, IN_PROGRESS, SUBMITTED = (
    "Not started",
    "Conflict declared",
    "In progress",
    "Submitted",
)


class InvalidScores(DomainError):
    """Values no form of ours sends (out of the scale, another cycle's criterion, N/A where not allowed):
    a tampered or broken request, refused as a whole."""


class IncompleteReview(DomainError):
    """Submitting needs an answer for every criterion; `problems` says which are missing."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems[0][1], field=problems[0][0])
        self.problems = problems


class StaleReview(Conflict):
    """The score sheet was saved from somewhere else since this copy was loaded."""

    def __init__(self, review: Review | None = None):
        super().__init__(
            "These scores were saved in another window or tab after you opened this page, so your "
            "changes have not been saved. Check the latest saved scores, then save yours again."
        )
        self.review = review


# ---------------------------------------------------------------- when scoring is open


def scoring_problem(cycle: Cycle, now: datetime | None = None) -> str | None:
    """Why scores cannot be saved now, in words for the judge (None while scoring is open).

    Scoring is open only while the cycle is in judging (the organiser starts it), and until the
    judging close instant if the cycle has one."""
    now = now or utcnow()
    if cycle.status is CycleStatus.PUBLISHED:
        return "The results have been published, so scores can no longer be changed."
    if cycle.status is not CycleStatus.JUDGING:
        return "Scoring opens when the organisers start judging. You can read the entry now."
    if cycle.judging_close_at is not None and now >= cycle.judging_close_at:
        return (
            f"Judging closed at {govuk_datetime(cycle.judging_close_at, cycle.time_zone)}, so scores can "
            "no longer be saved or changed."
        )
    return None


def scoring_open(cycle: Cycle, now: datetime | None = None) -> bool:
    return scoring_problem(cycle, now) is None


# ---------------------------------------------------------------- reading


def review_of(assignment: Assignment) -> Review | None:
    return db.session.scalar(
        select(Review).where(Review.assignment_id == assignment.id).options(selectinload(Review.scores))
    )


def status_of(review: Review | None) -> str:
    if review is None:
        return NOT_STARTED
    return SUBMITTED if review.status is ReviewStatus.SUBMITTED else IN_PROGRESS


@dataclass
class Row:
    """One line of a judge's list: an assigned nomination, or (reference only) one they recused from."""

    reference: str
    status: str
    title: str = ""
    category: str = ""
    review_updated_at: datetime | None = None

    @property
    def openable(self) -> bool:
        return self.status != CONFLICT_DECLARED


@dataclass
class CycleWork:
    judge: Judge
    cycle: Cycle
    rows: list[Row]

    @property
    def assigned(self) -> int:
        return sum(1 for r in self.rows if r.status != CONFLICT_DECLARED)

    @property
    def submitted(self) -> int:
        return sum(1 for r in self.rows if r.status == SUBMITTED)

    @property
    def in_progress(self) -> int:
        return sum(1 for r in self.rows if r.status == IN_PROGRESS)

    @property
    def not_started(self) -> int:
        return sum(1 for r in self.rows if r.status == NOT_STARTED)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.assigned) if self.assigned else 0


def work_of(user: User) -> list[CycleWork]:
    """Per cycle the user judges (accepted memberships, newest cycle first): their assigned nominations with
    a status, and those they declared a conflict with (by reference only). A nomination they are
    conflicted with in any other way is left out entirely."""
    from awards.domain.judging.blind_copies import judge_titles

    judges = list(
        db.session.scalars(
            select(Judge)
            .where(Judge.user_id == user.id, Judge.accepted_at.is_not(None))
            .options(selectinload(Judge.cycle), selectinload(Judge.user))
        )
    )
    if not judges:
        return []
    judges.sort(key=lambda j: (-j.cycle.year, j.cycle.name, j.cycle_id))
    assignments = list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.judge_id.in_([j.id for j in judges]))
            .options(
                selectinload(Assignment.nomination).selectinload(Nomination.category),
                selectinload(Assignment.nomination).selectinload(Nomination.partners),
                selectinload(Assignment.nomination).selectinload(Nomination.nominator),
                selectinload(Assignment.review),
            )
        )
    )
    # The same rule as conflicts.conflicted_nomination_ids, checked only against what is assigned
    # (not every nomination of the cycle), so the page stays quick in a big cycle.
    hidden = {n for _, n in conflict_pairs(judges, {a.nomination for a in assignments})}
    declared = set(
        db.session.execute(
            select(ConflictOfInterest.judge_id, ConflictOfInterest.nomination_id).where(
                ConflictOfInterest.judge_id.in_([j.id for j in judges]),
                ConflictOfInterest.source == ConflictSource.DECLARED,
                ConflictOfInterest.removed_at.is_(None),
            )
        ).all()
    )
    titles = judge_titles([a.nomination for a in assignments])
    by_judge: dict[int, list[Row]] = {j.id: [] for j in judges}
    for a in sorted(assignments, key=lambda a: a.nomination.reference):
        n = a.nomination
        if a.status is AssignmentStatus.RECUSED:
            if (a.judge_id, n.id) in declared:
                by_judge[a.judge_id].append(Row(n.reference, CONFLICT_DECLARED))
            continue
        if n.id in hidden or n.status not in VISIBLE_NOMINATION_STATUSES:
            continue
        by_judge[a.judge_id].append(
            Row(
                n.reference,
                status_of(a.review),
                titles[n.id],
                n.category.name,
                a.review.updated_at if a.review else None,
            )
        )
    return [CycleWork(j, j.cycle, by_judge[j.id]) for j in judges]


# ---------------------------------------------------------------- access


def judging_assignment(user: User, nomination: Nomination) -> Assignment | None:
    """The user's live assignment to the nomination if they may see it as a judge: an accepted judge
    of its cycle, assigned (not recused), not conflicted, and the nomination one judges can open."""
    if nomination.status not in VISIBLE_NOMINATION_STATUSES:
        return None
    assignment = db.session.scalar(
        select(Assignment)
        .join(Judge, Judge.id == Assignment.judge_id)
        .where(
            Judge.user_id == user.id,
            Judge.cycle_id == nomination.cycle_id,
            Judge.accepted_at.is_not(None),
            Assignment.nomination_id == nomination.id,
            Assignment.status == AssignmentStatus.ASSIGNED,
        )
    )
    if assignment is None or is_conflicted(assignment.judge, nomination):
        return None
    return assignment


def _check_may_score(assignment: Assignment, by: User) -> None:
    judge = assignment.judge
    if judge.user_id != by.id or judge.accepted_at is None:
        raise NotAllowed("Only the judge this nomination is assigned to can score it")
    if assignment.status is not AssignmentStatus.ASSIGNED or is_conflicted(judge, assignment.nomination):
        raise NotAllowed("You have a conflict of interest with this nomination, so you cannot score it")
    if assignment.no_conflict_declared_at is None:
        raise NotAllowed("Tell us whether you have a conflict of interest before you score this nomination")
    if assignment.nomination.status not in VISIBLE_NOMINATION_STATUSES:
        raise NotAllowed("This nomination is no longer being judged")


# ---------------------------------------------------------------- saving


@dataclass(frozen=True)
class ScoreEntry:
    """One criterion's answer as sent: a value, or not applicable, or nothing yet; and a comment."""

    value: int | None = None
    not_applicable: bool = False
    comment: str = ""

    @property
    def answered(self) -> bool:
        return self.value is not None or self.not_applicable


def check_entries(criteria: list[Criterion], entries: dict[int, ScoreEntry]) -> None:
    """Refuse what no honest form sends: another cycle's criterion, a value off the scale, both a value
    and N/A, or N/A where the criterion does not allow it."""
    by_id = {c.id: c for c in criteria}
    for criterion_id, entry in entries.items():
        criterion = by_id.get(criterion_id)
        if criterion is None:
            raise InvalidScores(
                "The scores sent are not for this nomination’s criteria. Nothing was saved: "
                "reload the page and try again."
            )
        if entry.value is not None and not (criterion.scale_min <= entry.value <= criterion.scale_max):
            raise InvalidScores(
                f"The score for {criterion.name} must be from {criterion.scale_min} to "
                f"{criterion.scale_max}. Nothing was saved: reload the page and try again."
            )
        if entry.not_applicable and (entry.value is not None or not criterion.allow_not_applicable):
            raise InvalidScores(
                f"‘Not applicable’ cannot be chosen for {criterion.name}. Nothing was saved: "
                "reload the page and try again."
            )


def comment_problems(
    criteria: list[Criterion], entries: dict[int, ScoreEntry], overall_comment: str
) -> list[tuple[str, str]]:
    problems = []
    for criterion in criteria:
        entry = entries.get(criterion.id)
        if entry is not None and len(entry.comment) > COMMENT_MAX_LENGTH:
            problems.append(
                (
                    f"comment-{criterion.id}",
                    f"Your comment on {criterion.name} must be {COMMENT_MAX_LENGTH:,} characters or fewer",
                )
            )
    if len(overall_comment) > OVERALL_COMMENT_MAX_LENGTH:
        problems.append(
            ("overall_comment", f"Your overall comment must be {OVERALL_COMMENT_MAX_LENGTH:,} characters or fewer")
        )
    return problems


def missing_answers(criteria: list[Criterion], entries: dict[int, ScoreEntry]) -> list[tuple[str, str]]:
    problems = []
    for criterion in criteria:
        entry = entries.get(criterion.id)
        if entry is None or not entry.answered:
            choice = "a score or ‘Not applicable’" if criterion.allow_not_applicable else "a score"
            problems.append((f"score-{criterion.id}", f"Select {choice} for {criterion.name}"))
    return problems


def save_review(
    assignment: Assignment,
    entries: dict[int, ScoreEntry],
    *,
    overall_comment: str = "",
    submit: bool,
    version: int,
    by: User,
    now: datetime | None = None,
) -> Review:
    """Save the judge's score sheet as a draft (answers may be missing) or submit it (every criterion
    answered, then locked). `version` is the review version the form was loaded with (0: none yet)."""
    now = now or utcnow()
    _check_may_score(assignment, by)
    nomination = assignment.nomination
    problem = scoring_problem(nomination.cycle, now)
    if problem:
        raise NotAllowed(problem)
    criteria = list(nomination.cycle.criteria)
    check_entries(criteria, entries)
    overall_comment = (overall_comment or "").strip()
    problems = comment_problems(criteria, entries, overall_comment)
    if submit:
        problems = missing_answers(criteria, entries) + problems
    if problems:
        raise IncompleteReview(problems)

    review = review_of(assignment)
    if review is None:
        if version != 0:
            raise StaleReview()
        review = Review(assignment=assignment, created_at=now, updated_at=now, status=ReviewStatus.DRAFT)
        db.session.add(review)
    else:
        if review.status is ReviewStatus.SUBMITTED:
            raise Conflict(
                "You have already submitted your scores for this nomination, so they can no longer be "
                "changed. If you need to change them, ask the organisers to reopen them."
            )
        if version != review.version:
            raise StaleReview(review)

    existing = {s.criterion_id: s for s in review.scores}
    for criterion in criteria:
        entry = entries.get(criterion.id) or ScoreEntry()
        comment = entry.comment.strip()
        score = existing.get(criterion.id)
        if not entry.answered and not comment:
            if score is not None:
                review.scores.remove(score)
            continue
        if score is None:
            score = ReviewScore(criterion_id=criterion.id)
            review.scores.append(score)
        score.value = None if entry.not_applicable else entry.value
        score.not_applicable = entry.not_applicable
        score.comment = comment
    review.overall_comment = overall_comment
    # Always touching the row bumps its version, so a concurrent save of the same sheet fails.
    review.updated_at = now
    if submit:
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = now
    db.session.flush()
    if submit:
        audit.record(
            "review.submitted", actor=by, obj=review, nomination=nomination.reference, judge=assignment.judge_id
        )
    return review


# ---------------------------------------------------------------- reopening


def reopen_problem(review: Review, now: datetime | None = None) -> str | None:
    """Why the organiser cannot reopen these scores now (None if they can)."""
    now = now or utcnow()
    cycle = review.assignment.nomination.cycle
    if review.status is not ReviewStatus.SUBMITTED:
        return "These scores have not been submitted, so there is nothing to reopen: the judge can still change them."
    if review.assignment.status is not AssignmentStatus.ASSIGNED:
        return "This judge is no longer assigned to the nomination."
    if cycle.status is CycleStatus.PUBLISHED:
        return "The results have been published, so scores can no longer be reopened."
    if cycle.judging_close_at is not None and now >= cycle.judging_close_at:
        return (
            f"Judging closed at {govuk_datetime(cycle.judging_close_at, cycle.time_zone)}, so the judge could "
            "not submit the scores again. Move the judging closing time later in the cycle’s settings first."
        )
    return None


def reopen_review(review: Review, *, by: User, reason: str = "", now: datetime | None = None) -> None:
    """Return submitted scores to the judge as a draft (audited), and e-mail the judge a link to them."""
    now = now or utcnow()
    if not by.has_role(Role.ORGANISER):
        raise NotAllowed("Only an organiser can reopen scores")
    problem = reopen_problem(review, now)
    if problem:
        raise Conflict(problem)
    reason = (reason or "").strip()
    if len(reason) > COMMENT_MAX_LENGTH:
        raise DomainError(f"The reason must be {COMMENT_MAX_LENGTH:,} characters or fewer", field="reason")
    review.status = ReviewStatus.DRAFT
    review.submitted_at = None
    review.updated_at = now
    db.session.flush()
    assignment = review.assignment
    nomination, judge = assignment.nomination, assignment.judge
    audit.record(
        "review.reopened", actor=by, obj=review, nomination=nomination.reference, judge=judge.id, reason=reason
    )
    person = judge.user
    cycle = nomination.cycle
    queue_email(
        to_address=person.email if person else judge.email,
        to_name=person.name if person else "",
        template="review_reopened",
        subject=f"Your scores for {nomination.reference} have been reopened",
        reference=nomination.reference,
        title=judge_title(nomination),
        cycle_name=cycle.name,
        reason=reason,
        link=external_url("judge.nomination", assigned_reference=nomination.reference),
        closes=(govuk_datetime(cycle.judging_close_at, cycle.time_zone) if cycle.judging_close_at else None),
    )
