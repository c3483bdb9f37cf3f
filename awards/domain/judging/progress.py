"""Judging progress, and reminders to judges.

Progress is counted in the database with GROUP BY, so the organiser's page costs the same
few queries for ten nominations or ten thousand:

- a nomination needs the cycle's judges per nomination; it *expects* that many reviews, or
  more if an organiser assigned more judges; it is *fully judged* when every review it
  expects is submitted, and *short of judges* while fewer judges are assigned than it needs;
- only assignments that are live (not recused) count, and only nominations being judged
  (submitted, or already given a result);
- a judge *has not started* when they have assignments but neither a draft nor a submitted review.

A reminder e-mails a judge the reference and title of each nomination they still have to
score, with a link to their judging page: never the nominated organisation (whatever the blind
judging setting), and never a nomination they are conflicted with.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError
from awards.domain.core.mail import queue_email
from awards.domain.judging.blind_copies import judge_titles
from awards.domain.judging.conflicts import conflict_pairs
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    Category,
    Cycle,
    CycleStatus,
    Judge,
    Nomination,
    NominationStatus,
    Review,
    ReviewStatus,
    User,
)
from awards.urls import external_url

# Nominations that are (or have been) judged. Drafts, withdrawn and ineligible ones are not.
JUDGED_STATUSES = (
    NominationStatus.SUBMITTED,
    NominationStatus.SHORTLISTED,
    NominationStatus.HIGHLY_COMMENDED,
    NominationStatus.WINNER,
)


def percent(part: int, whole: int) -> int:
    """A whole percentage, rounded down so that 299 of 300 never shows as 100%."""
    return (100 * part) // whole if whole else 0


# ---------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class JudgeProgress:
    judge: Judge
    assigned: int
    submitted: int
    drafts: int

    @property
    def not_started(self) -> int:
        return self.assigned - self.submitted - self.drafts

    @property
    def remaining(self) -> int:
        return self.assigned - self.submitted

    @property
    def has_not_started(self) -> bool:
        return self.assigned > 0 and self.submitted == 0 and self.drafts == 0

    @property
    def status(self) -> str:
        if self.assigned == 0:
            return "Nothing assigned"
        if self.submitted == self.assigned:
            return "Finished"
        if self.has_not_started:
            return "Not started"
        return "In progress"


@dataclass(frozen=True)
class NominationProgress:
    id: int
    reference: str
    title: str
    category_id: int
    category_name: str
    needed: int
    assigned: int
    submitted: int
    drafts: int

    @property
    def display_title(self) -> str:
        return self.title or "Untitled nomination"

    @property
    def expected(self) -> int:
        """Reviews expected: one per judge needed, or per judge assigned if an organiser added more."""
        return max(self.needed, self.assigned)

    @property
    def short_by(self) -> int:
        return max(0, self.needed - self.assigned)

    @property
    def fully_judged(self) -> bool:
        return self.expected > 0 and self.submitted >= self.expected

    @property
    def status(self) -> str:
        if self.fully_judged:
            return "Fully judged"
        if self.short_by:
            return "Short of judges"
        if self.submitted or self.drafts:
            return "In progress"
        return "Not started"


@dataclass(frozen=True)
class CategoryProgress:
    category: Category
    nominations: int = 0
    fully_judged: int = 0
    short_of_judges: int = 0
    submitted: int = 0
    expected: int = 0

    @property
    def percent(self) -> int:
        return percent(self.submitted, self.expected)


@dataclass
class CycleProgress:
    cycle: Cycle
    categories: list[CategoryProgress]
    judges: list[JudgeProgress]  # accepted judges, by name
    invited: list[Judge]  # invited, not accepted yet, oldest invitation first
    nominations: int = 0
    fully_judged: int = 0
    short_of_judges: int = 0
    submitted: int = 0
    expected: int = 0
    not_started: list[JudgeProgress] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return percent(self.submitted, self.expected)

    @property
    def remindable(self) -> list[JudgeProgress]:
        """Judges with something left to score: the only ones a reminder is for."""
        return [p for p in self.judges if p.remaining > 0]


def _per_nomination(cycle: Cycle):
    """One row per nomination being judged: its live assignments and their reviews, counted."""
    return (
        select(
            Nomination.id.label("id"),
            Nomination.reference.label("reference"),
            Nomination.title.label("title"),
            Nomination.category_id.label("category_id"),
            func.count(Assignment.id).label("assigned"),
            func.count(case((Review.status == ReviewStatus.SUBMITTED, 1))).label("submitted"),
            func.count(case((Review.status == ReviewStatus.DRAFT, 1))).label("drafts"),
        )
        .select_from(Nomination)
        .outerjoin(
            Assignment, and_(Assignment.nomination_id == Nomination.id, Assignment.status == AssignmentStatus.ASSIGNED)
        )
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Nomination.cycle_id == cycle.id, Nomination.status.in_(JUDGED_STATUSES))
        .group_by(Nomination.id, Nomination.reference, Nomination.title, Nomination.category_id)
    )


def _expected(rows, needed: int):
    return case((rows.c.assigned > needed, rows.c.assigned), else_=needed)


def cycle_progress(cycle: Cycle) -> CycleProgress:
    """Completion per category and per judge, the totals, who has not started and who has not accepted."""
    needed = cycle.judges_per_nomination
    rows = _per_nomination(cycle).subquery()
    expected = _expected(rows, needed)
    per_category = {
        r.category_id: r
        for r in db.session.execute(
            select(
                rows.c.category_id,
                func.count().label("nominations"),
                func.sum(case((and_(expected > 0, rows.c.submitted >= expected), 1), else_=0)).label("fully"),
                func.sum(case((rows.c.assigned < needed, 1), else_=0)).label("short"),
                func.sum(rows.c.submitted).label("submitted"),
                func.sum(expected).label("expected"),
            ).group_by(rows.c.category_id)
        )
    }
    categories = []
    for category in cycle.categories:
        r = per_category.get(category.id)
        categories.append(
            CategoryProgress(category)
            if r is None
            else CategoryProgress(
                category,
                nominations=r.nominations,
                fully_judged=int(r.fully or 0),
                short_of_judges=int(r.short or 0),
                submitted=int(r.submitted or 0),
                expected=int(r.expected or 0),
            )
        )

    judges = list(db.session.scalars(select(Judge).where(Judge.cycle_id == cycle.id).options(joinedload(Judge.user))))
    counts = {
        r.judge_id: r
        for r in db.session.execute(
            select(
                Assignment.judge_id,
                func.count(Assignment.id).label("assigned"),
                func.count(case((Review.status == ReviewStatus.SUBMITTED, 1))).label("submitted"),
                func.count(case((Review.status == ReviewStatus.DRAFT, 1))).label("drafts"),
            )
            .join(Judge, Judge.id == Assignment.judge_id)
            .join(Nomination, Nomination.id == Assignment.nomination_id)
            .outerjoin(Review, Review.assignment_id == Assignment.id)
            .where(
                Judge.cycle_id == cycle.id,
                Assignment.status == AssignmentStatus.ASSIGNED,
                Nomination.status.in_(JUDGED_STATUSES),
            )
            .group_by(Assignment.judge_id)
        )
    }
    accepted = sorted((j for j in judges if j.has_accepted), key=lambda j: (j.display_name.lower(), j.id))
    judge_rows = []
    for judge in accepted:
        r = counts.get(judge.id)
        judge_rows.append(
            JudgeProgress(judge, r.assigned, r.submitted, r.drafts) if r is not None else JudgeProgress(judge, 0, 0, 0)
        )
    invited = sorted((j for j in judges if not j.has_accepted), key=lambda j: (j.invited_at, j.email))

    return CycleProgress(
        cycle=cycle,
        categories=categories,
        judges=judge_rows,
        invited=invited,
        nominations=sum(c.nominations for c in categories),
        fully_judged=sum(c.fully_judged for c in categories),
        short_of_judges=sum(c.short_of_judges for c in categories),
        submitted=sum(c.submitted for c in categories),
        expected=sum(c.expected for c in categories),
        not_started=[p for p in judge_rows if p.has_not_started],
    )


NOMINATION_FILTERS = {
    "all": "All",
    "unfinished": "Still being judged",
    "short": "Short of judges",
    "finished": "Fully judged",
}


def nomination_progress(
    cycle: Cycle,
    *,
    show: str = "all",
    category: Category | None = None,
    limit: int = 50,
    offset: int = 0,
    count: bool = True,
) -> tuple[list[NominationProgress], int]:
    """One page of nominations with their figures, by reference, and how many match in all
    (not counted, and returned as -1, with count=False)."""
    needed = cycle.judges_per_nomination
    rows = _per_nomination(cycle).subquery()
    expected = _expected(rows, needed)
    fully = and_(expected > 0, rows.c.submitted >= expected)
    clauses = []
    if show == "unfinished":
        clauses.append(~fully)
    elif show == "finished":
        clauses.append(fully)
    elif show == "short":
        clauses.append(rows.c.assigned < needed)
    if category is not None:
        clauses.append(rows.c.category_id == category.id)
    total = db.session.scalar(select(func.count()).select_from(rows).where(*clauses)) if count else -1
    names = {c.id: c.name for c in cycle.categories}
    page = db.session.execute(select(rows).where(*clauses).order_by(rows.c.reference).limit(limit).offset(offset)).all()
    return [
        NominationProgress(
            id=r.id,
            reference=r.reference,
            title=r.title or "",
            category_id=r.category_id,
            category_name=names.get(r.category_id, ""),
            needed=needed,
            assigned=r.assigned,
            submitted=r.submitted,
            drafts=r.drafts,
        )
        for r in page
    ], total if total is not None else 0


# ---------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class Outstanding:
    """What a reminder lists for one nomination: only what a judge may see before opening it."""

    reference: str
    title: str
    started: bool


def judging_home_url() -> str:
    """The judge's own page (/judging), as an absolute link for an e-mail."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule in ("/judging/", "/judging") and "GET" in (rule.methods or ()) and not rule.arguments:
            return external_url(rule.endpoint)
    return current_app.config["BASE_URL"].rstrip("/") + "/judging"


def outstanding_work(judges: list[Judge]) -> dict[int, list[Outstanding]]:
    """For each judge, the nominations they still have to score (by reference): live assignments
    without a submitted review, leaving out any nomination the judge is conflicted with.
    Titles are as judges see them (blind_copies.judge_titles: the organiser's redacted copy where
    there is one, the reference if the form hides the title from judges)."""
    if not judges:
        return {}
    assignments = list(
        db.session.scalars(
            select(Assignment)
            .join(Nomination, Nomination.id == Assignment.nomination_id)
            .where(
                Assignment.judge_id.in_([j.id for j in judges]),
                Assignment.status == AssignmentStatus.ASSIGNED,
                Nomination.status.in_(JUDGED_STATUSES),
            )
            .options(
                joinedload(Assignment.review),
                joinedload(Assignment.nomination).selectinload(Nomination.partners),
                joinedload(Assignment.nomination).joinedload(Nomination.nominator),
            )
            .order_by(Nomination.reference)
        )
    )
    pending = [a for a in assignments if a.review is None or a.review.status is not ReviewStatus.SUBMITTED]
    nominations = {a.nomination_id: a.nomination for a in pending}
    conflicted = conflict_pairs(judges, nominations.values())
    titles = judge_titles(list(nominations.values()))
    work: dict[int, list[Outstanding]] = defaultdict(list)
    for a in pending:
        if (a.judge_id, a.nomination_id) in conflicted:
            continue
        work[a.judge_id].append(
            Outstanding(reference=a.nomination.reference, title=titles[a.nomination_id], started=a.review is not None)
        )
    return dict(work)


def reminders_closed(cycle: Cycle, now: datetime | None = None) -> str | None:
    """Why reminders cannot be sent any more (judging is over), or None."""
    now = now or utcnow()
    if cycle.status is CycleStatus.PUBLISHED:
        return "The results are published, so judging has finished"
    if cycle.judging_close_at is not None and cycle.judging_close_at <= now:
        return "Judging has closed, so judges cannot score any more nominations"
    return None


def send_reminders(cycle: Cycle, judges: list[Judge], *, by: User) -> tuple[list[Judge], list[Judge]]:
    """E-mail each judge what they have left to score, and note when they were reminded.

    Returns (reminded, skipped): a judge with nothing left, or who has not accepted, is skipped."""
    if not judges:
        raise DomainError("Select the judges to remind", field="judges")
    now = utcnow()
    closed = reminders_closed(cycle, now)
    if closed:
        raise DomainError(closed, field="judges")
    accepted = [j for j in judges if j.cycle_id == cycle.id and j.has_accepted and j.user is not None]
    work = outstanding_work(accepted)
    link = judging_home_url()
    reminded, skipped = [], [j for j in judges if j not in accepted]
    for judge in accepted:
        items = work.get(judge.id, [])
        user = judge.user  # never None here: `accepted` holds judges with an account
        if not items or user is None:
            skipped.append(judge)
            continue
        count = len(items)
        queue_email(
            to_address=user.email,
            to_name=user.name,
            template="judging_reminder",
            subject=(
                f"Reminder: {count} {'nomination' if count == 1 else 'nominations'} left to score for {cycle.name}"
            ),
            cycle=cycle,
            items=items,
            count=count,
            link=link,
        )
        judge.last_reminded_at = now
        audit.record("judging.reminder_sent", actor=by, obj=judge, cycle=cycle.slug, outstanding=count)
        reminded.append(judge)
    db.session.flush()
    return reminded, skipped
