"""Judging progress of a judging round, and reminders to judges.

Progress is counted per round (the cycle's current round unless another is given) in the database
with GROUP BY, so the organiser's page costs the same few queries for ten nominations or ten thousand:

- the round's entries count: every nomination being judged in round 1 (or a round of all eligible
  entries), those advanced into it otherwise; only the round's assignments count, and never a
  calibration example's (it is scored by every judge, not in competition);
- a nomination needs the round's judges per nomination; it *expects* that many reviews, or
  more if an organiser assigned more judges; it is *fully judged* when every review it
  expects is submitted, and *short of judges* while fewer judges are assigned than it needs;
- only assignments that are live (not recused) count, and only nominations being judged
  (submitted, or already given a result);
- a judge *has not started* when they have assignments but neither a draft nor a submitted review.

A reminder e-mails a judge the reference and title of each nomination they still have to
score in the round, with a link to their judging page: never the nominated organisation (whatever the blind
judging setting), and never a nomination they are conflicted with.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError
from awards.domain.core.mail import queue_email
from awards.domain.judging import rounds
from awards.domain.judging.blind_copies import judge_titles
from awards.domain.judging.conflicts import conflict_pairs
from awards.domain.programme.translations import NameShown
from awards.extensions import db
from awards.i18n import language_of
from awards.models import (
    Advancement,
    Assignment,
    AssignmentStatus,
    Category,
    Cycle,
    CycleStatus,
    Judge,
    JudgingRound,
    Nomination,
    NominationStatus,
    Review,
    ReviewStatus,
    RoundEntries,
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


# The progress statuses are codes (awards/web/presentation.py colours them); these are their words on a page.
STATUS_WORDS = {
    "Nothing assigned": _l("Nothing assigned"),
    "Finished": _l("Finished"),
    "Not started": _l("Not started"),
    "In progress": _l("In progress"),
    "Fully judged": _l("Fully judged"),
    "Short of judges": _l("Short of judges"),
}


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
    def status_text(self) -> str:
        """The status (a code) in the reader's language."""
        return str(STATUS_WORDS[self.status])

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
        return self.title or _("Untitled nomination")

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
    def status_text(self) -> str:
        """The status (a code) in the reader's language."""
        return str(STATUS_WORDS[self.status])

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
    judging_round: JudgingRound
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

    def matching(self, show: str = "all", category: Category | None = None) -> int:
        """How many of the round's entries `nomination_progress` lists with this filter (NOMINATION_FILTERS)
        and category, from the figures already counted: the same rows, so no query of its own."""
        figures: CycleProgress | CategoryProgress = self
        if category is not None:
            figures = next((c for c in self.categories if c.category.id == category.id), CategoryProgress(category))
        if show == "unfinished":
            return figures.nominations - figures.fully_judged
        if show == "short":
            return figures.short_of_judges
        return figures.fully_judged if show == "finished" else figures.nominations


def _round_of(cycle: Cycle, judging_round: JudgingRound | None) -> JudgingRound:
    if judging_round is None:
        return rounds.current_round(cycle)
    if judging_round.cycle_id != cycle.id:
        raise ValueError("The round is not one of the cycle's")
    return judging_round


def _entry_conditions(judging_round: JudgingRound) -> tuple:
    """The round's entries among the nominations being judged (or already given a result)."""
    conditions: tuple = (Nomination.cycle_id == judging_round.cycle_id, Nomination.status.in_(JUDGED_STATUSES))
    if judging_round.entries is RoundEntries.ADVANCED:
        advanced = select(Advancement.nomination_id).where(Advancement.round_id == judging_round.id)
        conditions = (*conditions, Nomination.id.in_(advanced))
    return conditions


def _live_in(judging_round: JudgingRound):
    """The round's live assignments that count toward progress (a calibration example's do not)."""
    return and_(
        Assignment.round_id == judging_round.id,
        Assignment.status == AssignmentStatus.ASSIGNED,
        Assignment.calibration.is_(False),
    )


def _per_nomination(judging_round: JudgingRound, only=None):
    """One row per entry of the round (or of those among `only`, a select of nomination ids): its live
    assignments in the round and their reviews, counted."""
    conditions = _entry_conditions(judging_round)
    if only is not None:
        conditions = (*conditions, Nomination.id.in_(only))
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
        .outerjoin(Assignment, and_(Assignment.nomination_id == Nomination.id, _live_in(judging_round)))
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(*conditions)
        .group_by(Nomination.id, Nomination.reference, Nomination.title, Nomination.category_id)
    )


def _expected(rows, needed: int):
    return case((rows.c.assigned > needed, rows.c.assigned), else_=needed)


def cycle_progress(cycle: Cycle, judging_round: JudgingRound | None = None) -> CycleProgress:
    """Completion of the round (None: the cycle's current round) per category and per judge, the
    totals, who has not started and who has not accepted. The judges are the round's panel, and any
    other judge with work in the round."""
    judging_round = _round_of(cycle, judging_round)
    needed = judging_round.judges_per_nomination
    rows = _per_nomination(judging_round).subquery()
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

    counts = {
        r.judge_id: r
        for r in db.session.execute(
            select(
                Assignment.judge_id,
                func.count(Assignment.id).label("assigned"),
                func.count(case((Review.status == ReviewStatus.SUBMITTED, 1))).label("submitted"),
                func.count(case((Review.status == ReviewStatus.DRAFT, 1))).label("drafts"),
            )
            .outerjoin(Review, Review.assignment_id == Assignment.id)
            # The entries as a list of ids (SQLite reads them from a narrow index) rather than a join,
            # which read each assigned entry's whole row: 74 → 48 ms at 30,000 assignments.
            .where(
                _live_in(judging_round),
                Assignment.nomination_id.in_(select(Nomination.id).where(*_entry_conditions(judging_round))),
            )
            .group_by(Assignment.judge_id)
        )
    }
    on_panel = set(rounds.panel(judging_round)) | set(counts)
    # The round's judges and every invited one, with their accounts (not their roles: a page of 300
    # judges spent two thirds of its loading time on them).
    query = select(Judge).where(Judge.cycle_id == cycle.id).options(joinedload(Judge.user).lazyload(User.roles))
    if not judging_round.whole_panel:
        query = query.where(or_(Judge.accepted_at.is_(None), Judge.id.in_(on_panel)))
    judges = list(db.session.scalars(query))
    accepted = sorted(
        (j for j in judges if j.has_accepted and j.id in on_panel), key=lambda j: (j.display_name.lower(), j.id)
    )
    judge_rows = []
    for judge in accepted:
        r = counts.get(judge.id)
        judge_rows.append(
            JudgeProgress(judge, r.assigned, r.submitted, r.drafts) if r is not None else JudgeProgress(judge, 0, 0, 0)
        )
    invited = sorted((j for j in judges if not j.has_accepted), key=lambda j: (j.invited_at, j.email))

    return CycleProgress(
        cycle=cycle,
        judging_round=judging_round,
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
    "all": _l("All"),
    "unfinished": _l("Still being judged"),
    "short": _l("Short of judges"),
    "finished": _l("Fully judged"),
}


def nomination_progress(
    cycle: Cycle,
    *,
    judging_round: JudgingRound | None = None,
    show: str = "all",
    category: Category | None = None,
    limit: int = 50,
    offset: int = 0,
    count: bool = True,
) -> tuple[list[NominationProgress], int]:
    """One page of the round's entries (None: the cycle's current round) with their figures, by
    reference, and how many match in all (not counted, and returned as -1, with count=False)."""
    judging_round = _round_of(cycle, judging_round)
    needed = judging_round.judges_per_nomination
    if show not in ("unfinished", "finished", "short"):  # "all"
        # The page's entries first, by reference (the round's entries only, not their assignments), and
        # then only theirs counted: at 10,000 entries, not every entry's figures to sort and keep 50.
        entries = select(Nomination.id).where(*_entry_conditions(judging_round))
        if category is not None:
            entries = entries.where(Nomination.category_id == category.id)
        total = db.session.scalar(select(func.count()).select_from(entries.subquery())) if count else -1
        shown = _per_nomination(judging_round, entries.order_by(Nomination.reference).limit(limit).offset(offset))
        rows = shown.subquery()
        page = db.session.execute(select(rows).order_by(rows.c.reference)).all()
    else:
        per_entry = _per_nomination(judging_round).subquery()
        expected = _expected(per_entry, needed)
        fully = and_(expected > 0, per_entry.c.submitted >= expected)
        clauses = [~fully if show == "unfinished" else fully if show == "finished" else per_entry.c.assigned < needed]
        if category is not None:
            clauses.append(per_entry.c.category_id == category.id)
        total = db.session.scalar(select(func.count()).select_from(per_entry).where(*clauses)) if count else -1
        page = db.session.execute(
            select(per_entry).where(*clauses).order_by(per_entry.c.reference).limit(limit).offset(offset)
        ).all()
    names = {c.id: c.name for c in cycle.categories}
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


def outstanding_work(judges: list[Judge], judging_round: JudgingRound | None = None) -> dict[int, list[Outstanding]]:
    """For each judge, the nominations they still have to score (by reference): live assignments
    without a submitted review, in `judging_round` (None: in every round that has begun), leaving out
    any nomination the judge is conflicted with. A calibration example is not on the list. Titles are
    as judges of the round see them (blind_copies.judge_titles: the organiser's redacted copy where
    there is one, the reference if the form hides the title from judges)."""
    if not judges:
        return {}
    query = (
        select(Assignment)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .join(JudgingRound, JudgingRound.id == Assignment.round_id)
        .where(
            Assignment.judge_id.in_([j.id for j in judges]),
            Assignment.status == AssignmentStatus.ASSIGNED,
            Assignment.calibration.is_(False),
            Nomination.status.in_(JUDGED_STATUSES),
        )
        .options(
            joinedload(Assignment.review),
            joinedload(Assignment.round),
            joinedload(Assignment.nomination).selectinload(Nomination.partners),
            joinedload(Assignment.nomination).joinedload(Nomination.nominator),
        )
        .order_by(Nomination.reference, JudgingRound.number)
    )
    if judging_round is not None:
        query = query.where(Assignment.round_id == judging_round.id)
    assignments = list(db.session.scalars(query).unique())
    now = utcnow()
    begun = {r for cycle in {j.cycle for j in judges} for r in rounds.begun_rounds(cycle, now)}
    pending = [
        a
        for a in assignments
        if a.round_id in begun and (a.review is None or a.review.status is not ReviewStatus.SUBMITTED)
    ]
    nominations = {a.nomination_id: a.nomination for a in pending}
    conflicted = conflict_pairs(judges, nominations.values())
    titles: dict[tuple[int, int], str] = {}
    for r in {a.round for a in pending}:
        ids = {a.nomination_id for a in pending if a.round_id == r.id}
        for nomination_id, title in judge_titles([nominations[i] for i in ids], r).items():
            titles[(r.id, nomination_id)] = title
    work: dict[int, list[Outstanding]] = defaultdict(list)
    for a in pending:
        if (a.judge_id, a.nomination_id) in conflicted:
            continue
        work[a.judge_id].append(
            Outstanding(
                reference=a.nomination.reference,
                title=titles[(a.round_id, a.nomination_id)],
                started=a.review is not None,
            )
        )
    return dict(work)


def reminders_closed(
    cycle: Cycle, now: datetime | None = None, judging_round: JudgingRound | None = None
) -> str | None:
    """Why reminders about the round (None: the cycle's current round) cannot be sent (judging in it is
    over, or has not begun), or None."""
    now = now or utcnow()
    judging_round = _round_of(cycle, judging_round)
    several = len(cycle.rounds) > 1
    if cycle.status is CycleStatus.PUBLISHED:
        return _("The results are published, so judging has finished")
    if judging_round.closes_at is not None and judging_round.closes_at <= now:
        if several:
            return _(
                "%(round)s has closed, so judges cannot score any more nominations in it", round=judging_round.label
            )
        return _("Judging has closed, so judges cannot score any more nominations")
    if not rounds.has_started(judging_round, now):
        return _("%(round)s has not begun, so its judges cannot see its nominations yet", round=judging_round.label)
    return None


def send_reminders(
    cycle: Cycle, judges: list[Judge], *, by: User, judging_round: JudgingRound | None = None
) -> tuple[list[Judge], list[Judge]]:
    """E-mail each judge what they have left to score in the round (None: the cycle's current round),
    and note when they were reminded. When the cycle judges in several rounds, the e-mail names the round.

    Returns (reminded, skipped): a judge with nothing left, or who has not accepted, is skipped."""
    if not judges:
        raise DomainError(_("Select the judges to remind"), field="judges")
    now = utcnow()
    judging_round = _round_of(cycle, judging_round)
    closed = reminders_closed(cycle, now, judging_round)
    if closed:
        raise DomainError(closed, field="judges")
    accepted = [j for j in judges if j.cycle_id == cycle.id and j.has_accepted and j.user is not None]
    work = outstanding_work(accepted, judging_round)
    link = judging_home_url()
    round_label = judging_round.label if len(cycle.rounds) > 1 else ""
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
            language=language_of(user),
            template="judging_reminder",
            subject=(
                _ln(
                    "Reminder: %(num)d nomination left to score for %(cycle)s (%(round)s)",
                    "Reminder: %(num)d nominations left to score for %(cycle)s (%(round)s)",
                    count,
                    cycle=NameShown(cycle),
                    round=round_label,
                )
                if round_label
                else _ln(
                    "Reminder: %(num)d nomination left to score for %(cycle)s",
                    "Reminder: %(num)d nominations left to score for %(cycle)s",
                    count,
                    cycle=NameShown(cycle),
                )
            ),
            cycle=cycle,
            round_label=round_label,
            closes_at=judging_round.closes_at,
            items=items,
            count=count,
            link=link,
        )
        judge.last_reminded_at = now
        audit.record(
            "judging.reminder_sent",
            actor=by,
            obj=judge,
            cycle=cycle.slug,
            round=judging_round.number,
            outstanding=count,
        )
        reminded.append(judge)
    db.session.flush()
    return reminded, skipped
