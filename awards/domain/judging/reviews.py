"""Score sheets: a judge's review of one assigned nomination in one judging round, saved as a draft or
submitted.

A review is scored against its assignment's round's criteria, and only while that round is open
(rounds.scoring_problem: the cycle in judging, the round begun and not closed). A judge may judge the
same nomination in two rounds: each round's assignment has its own review. A submitted review is
locked; an organiser can reopen it, which tells the judge by e-mail. Two saves of one sheet from two
windows cannot both win: the form carries the review's version, and the database row is updated only
if it still has the version the save read.

How a judge judges depends on the round's mode: a round of scores scores each criterion (save_review); a
pass/fail round gives a verdict, pass, fail or unsure (save_verdict); in a ranking round the judge keeps
private notes on each entry (save_notes) and puts all their entries of the round in order, positions 1 to
k each used once, submitted together (save_ranking). In every mode the judge may write feedback for the
entrant apart from their private comments: changed and not empty, it waits for the organisers' review
(FeedbackStatus.PENDING, domain/judging/feedback.py); emptied, there is none (NONE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.dates import govuk_datetime
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.core.mail import queue_email, written_later
from awards.domain.judging import rounds
from awards.domain.judging.blind_copies import judge_title
from awards.domain.judging.conflicts import Addressee, Partner, conflict_pairs, is_conflicted
from awards.domain.programme.translations import NameShown
from awards.extensions import db
from awards.i18n import language_of
from awards.models import (
    Assignment,
    AssignmentStatus,
    Category,
    ConflictOfInterest,
    ConflictSource,
    Criterion,
    Cycle,
    CycleStatus,
    FeedbackStatus,
    Judge,
    JudgingRound,
    Nomination,
    NominationPartner,
    NominationStatus,
    Review,
    ReviewScore,
    ReviewStatus,
    Role,
    RoundMode,
    User,
    Verdict,
)
from awards.urls import external_url

COMMENT_MAX_LENGTH = 5000
OVERALL_COMMENT_MAX_LENGTH = 10000
# Feedback for the entrant may be as long as an overall comment (and so as long as the organisers'
# wording of it, feedback.WORDING_MAX_LENGTH).
FEEDBACK_MAX_LENGTH = OVERALL_COMMENT_MAX_LENGTH

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
# The statuses above are codes (compared, and keyed on for their colour); these are their words on a page.
STATUS_WORDS = {
    NOT_STARTED: _l("Not started"),
    CONFLICT_DECLARED: _l("Conflict declared"),
    IN_PROGRESS: _l("In progress"),
    SUBMITTED: _l("Submitted"),
}


class InvalidScores(DomainError):
    """Values no form of ours sends (out of the scale, another cycle's criterion, N/A where not allowed):
    a tampered or broken request, refused as a whole."""


class IncompleteReview(DomainError):
    """Submitting needs an answer for every criterion; `problems` says which are missing."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems[0][1], field=problems[0][0])
        self.problems = problems


# What a judge saves in each kind of sheet: the message when another window saved it first.
_SAVED = {
    "scores": _l(
        "These scores were saved in another window or tab after you opened this page, so your changes have not "
        "been saved. Check the latest saved scores, then save yours again."
    ),
    "verdict": _l(
        "Your verdict was saved in another window or tab after you opened this page, so your changes have not "
        "been saved. Check the latest saved verdict, then save yours again."
    ),
    "notes": _l(
        "Your notes were saved in another window or tab after you opened this page, so your changes have not "
        "been saved. Check the latest saved notes, then save yours again."
    ),
    "ranking": _l(
        "Your ranking was saved in another window or tab after you opened this page, so your changes have not "
        "been saved. Check the latest saved ranking, then save yours again."
    ),
}


class StaleReview(Conflict):
    """The score sheet (verdict, notes or ranking) was saved from somewhere else since this copy was loaded."""

    def __init__(self, review: Review | None = None, what: str = "scores"):
        super().__init__(str(_SAVED[what]))
        self.review = review


# ---------------------------------------------------------------- reading


def review_of(assignment: Assignment) -> Review | None:
    return db.session.scalar(
        select(Review).where(Review.assignment_id == assignment.id).options(selectinload(Review.scores))
    )


def status_of(review: Review | None) -> str:
    if review is None:
        return NOT_STARTED
    return SUBMITTED if review.status is ReviewStatus.SUBMITTED else IN_PROGRESS


CALIBRATION = "Calibration example"


@dataclass
class Row:
    """One line of a judge's list: an assigned nomination, or (reference only) one they recused from.
    `round_number` is for the link when the cycle has several rounds (None: it has one)."""

    reference: str
    status: str
    title: str = ""
    category: str = ""
    review_updated_at: datetime | None = None
    calibration: bool = False
    round_number: int | None = None
    # For the category's name in the reader's language (templating.localised_text)
    category_id: int | None = None
    cycle_id: int | None = None

    @property
    def status_text(self) -> str:
        """The status in the reader's language."""
        return str(STATUS_WORDS[self.status])

    @property
    def openable(self) -> bool:
        return self.status != CONFLICT_DECLARED


def _counted(rows: list[Row]) -> list[Row]:
    """The rows that count toward the judge's progress: not a calibration example, not recused."""
    return [r for r in rows if not r.calibration and r.status != CONFLICT_DECLARED]


@dataclass
class RoundWork:
    """The judge's work in one round that has begun: calibration examples first, then by reference."""

    judging_round: JudgingRound
    rows: list[Row]
    several_rounds: bool = False  # whether the cycle judges in more than one round (headings say which)
    # An earlier round whose closing instant has passed while a later one is under way: the judge's list
    # sums it up in a line and links to the round's own list, so the open round's entries come first.
    summed_up: bool = False

    @property
    def scoring_problem(self) -> str | None:
        return rounds.scoring_problem(self.judging_round)

    @property
    def assigned(self) -> int:
        return len(_counted(self.rows))

    @property
    def submitted(self) -> int:
        return sum(1 for r in _counted(self.rows) if r.status == SUBMITTED)

    @property
    def in_progress(self) -> int:
        return sum(1 for r in _counted(self.rows) if r.status == IN_PROGRESS)

    @property
    def not_started(self) -> int:
        return sum(1 for r in _counted(self.rows) if r.status == NOT_STARTED)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.assigned) if self.assigned else 0


@dataclass
class CycleWork:
    """The judge's work in one cycle, round by round (the latest round first; rounds not yet begun are
    left out). The totals are over those rounds, calibration examples not counted."""

    judge: Judge
    cycle: Cycle
    rounds: list[RoundWork]

    @property
    def rows(self) -> list[Row]:
        return [row for work in self.rounds for row in work.rows]

    @property
    def assigned(self) -> int:
        return sum(w.assigned for w in self.rounds)

    @property
    def submitted(self) -> int:
        return sum(w.submitted for w in self.rounds)

    @property
    def in_progress(self) -> int:
        return sum(w.in_progress for w in self.rounds)

    @property
    def not_started(self) -> int:
        return sum(w.not_started for w in self.rounds)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.assigned) if self.assigned else 0


@dataclass(eq=False, slots=True)
class _Entry:
    """What the judge's list reads of an assigned nomination, from plain columns: what conflict
    detection reads (conflicts.NominationContacts) and what its judge-facing title needs
    (blind_copies.judge_titles)."""

    id: int
    cycle_id: int
    cycle: Cycle
    reference: str
    title: str
    status: NominationStatus
    category: str
    category_id: int | None
    nominator_id: int | None
    contact_email: str
    nominator: Addressee | None
    organisation_name: str
    partners: list[Partner] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Assigned:
    judge_id: int
    round_id: int
    recused: bool
    calibration: bool
    review_status: ReviewStatus | None
    review_updated_at: datetime | None
    entry: _Entry


def _assigned_to(judges: list[Judge]) -> list[_Assigned]:
    """Every assignment of the judges with its nomination, category, nominator's address, partners and
    review, as plain rows in two queries (the list of a judge in two rounds of a big cycle loaded about
    800 ORM objects for its 142 rows before)."""
    judge_ids = [j.id for j in judges]
    cycles = {j.cycle_id: j.cycle for j in judges}
    rows = db.session.execute(
        select(
            Assignment.judge_id,
            Assignment.round_id,
            Assignment.status,
            Assignment.calibration,
            Review.status,
            Review.updated_at,
            Nomination.id,
            Nomination.cycle_id,
            Nomination.reference,
            Nomination.title,
            Nomination.status,
            Category.name,
            Nomination.category_id,
            Nomination.nominator_id,
            Nomination.contact_email,
            User.email,
            Nomination.organisation_name,
        )
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .outerjoin(Category, Category.id == Nomination.category_id)
        .outerjoin(User, User.id == Nomination.nominator_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.judge_id.in_(judge_ids))
    ).all()
    entries: dict[int, _Entry] = {}
    assigned = []
    for (
        judge_id,
        round_id,
        status,
        calibration,
        review_status,
        review_updated_at,
        nid,
        cycle_id,
        reference,
        title,
        nomination_status,
        category,
        category_id,
        nominator_id,
        contact_email,
        nominator_email,
        organisation_name,
    ) in rows:
        entry = entries.get(nid)
        if entry is None:
            cycle = cycles.get(cycle_id) or db.session.get_one(Cycle, cycle_id)  # a calibration example's
            entry = entries[nid] = _Entry(
                nid,
                cycle_id,
                cycle,
                reference,
                title or "",
                nomination_status,
                category or "",
                category_id,
                nominator_id,
                contact_email,
                Addressee(nominator_email) if nominator_email else None,
                organisation_name,
            )
        assigned.append(
            _Assigned(
                judge_id,
                round_id,
                status is AssignmentStatus.RECUSED,
                calibration,
                review_status,
                review_updated_at,
                entry,
            )
        )
    if entries:
        partners = (
            select(NominationPartner.nomination_id, NominationPartner.name)
            .where(
                NominationPartner.nomination_id.in_(
                    select(Assignment.nomination_id).where(Assignment.judge_id.in_(judge_ids))
                )
            )
            .order_by(NominationPartner.id)
        )
        for nid, name in db.session.execute(partners):
            if nid in entries:
                entries[nid].partners.append(Partner(name))
    return assigned


def _status(review_status: ReviewStatus | None) -> str:
    if review_status is None:
        return NOT_STARTED
    return SUBMITTED if review_status is ReviewStatus.SUBMITTED else IN_PROGRESS


def _row(a: _Assigned, declared: set, hidden: set[int], titles: dict[int, str], number: int | None) -> Row | None:
    """The assignment's line in the judge's list, or None when it is not shown."""
    n = a.entry
    if a.recused:
        if (a.judge_id, n.id) in declared:
            return Row(n.reference, CONFLICT_DECLARED, calibration=a.calibration, round_number=number)
        return None
    if n.id in hidden or (n.status not in VISIBLE_NOMINATION_STATUSES and not a.calibration):
        return None
    return Row(
        n.reference,
        _status(a.review_status),
        titles[n.id],
        n.category,
        a.review_updated_at,
        calibration=a.calibration,
        round_number=number,
        category_id=n.category_id,
        cycle_id=n.cycle_id,
    )


def work_of(user: User, now: datetime | None = None, cycle: Cycle | None = None) -> list[CycleWork]:
    """Per cycle the user judges (accepted memberships, newest cycle first; only `cycle` if given), per
    round of it that has begun (latest first): their assigned nominations with a status (the round's
    calibration examples first), and those they declared a conflict with (by reference only). A
    nomination they are conflicted with in any other way is left out entirely."""
    from awards.domain.judging.blind_copies import judge_titles

    now = now or utcnow()
    query = (
        select(Judge)
        .where(Judge.user_id == user.id, Judge.accepted_at.is_not(None))
        .options(selectinload(Judge.cycle).selectinload(Cycle.rounds), selectinload(Judge.user))
    )
    if cycle is not None:
        query = query.where(Judge.cycle_id == cycle.id)
    judges = list(db.session.scalars(query))
    if not judges:
        return []
    judges.sort(key=lambda j: (-j.cycle.year, j.cycle.name, j.cycle_id))
    assignments = _assigned_to(judges)
    # The same rule as conflicts.conflicted_nomination_ids, checked only against what is assigned
    # (not every nomination of the cycle), so the page stays quick in a big cycle.
    hidden = {n for _, n in conflict_pairs(judges, list({a.entry.id: a.entry for a in assignments}.values()))}
    declared = set(
        db.session.execute(
            select(ConflictOfInterest.judge_id, ConflictOfInterest.nomination_id).where(
                ConflictOfInterest.judge_id.in_([j.id for j in judges]),
                ConflictOfInterest.source == ConflictSource.DECLARED,
                ConflictOfInterest.removed_at.is_(None),
            )
        ).all()
    )
    by_round: dict[tuple[int, int], list[_Assigned]] = {}
    for a in assignments:
        by_round.setdefault((a.judge_id, a.round_id), []).append(a)
    result = []
    for judge in judges:
        several = len(judge.cycle.rounds) > 1
        begun = rounds.begun_rounds(judge.cycle, now)
        work: list[RoundWork] = []
        for judging_round in reversed(judge.cycle.rounds):
            if judging_round.id not in begun:
                continue
            mine = by_round.get((judge.id, judging_round.id), [])
            titles = judge_titles([a.entry for a in mine], judging_round)
            rows = [
                row
                for a in sorted(mine, key=lambda a: (not a.calibration, a.entry.reference))
                if (row := _row(a, declared, hidden, titles, judging_round.number if several else None)) is not None
            ]
            closed = judging_round.closes_at is not None and judging_round.closes_at <= now
            work.append(RoundWork(judging_round, rows, several, summed_up=bool(work) and closed))
        result.append(CycleWork(judge, judge.cycle, work))
    return result


def round_work(user: User, cycle: Cycle, number: int, now: datetime | None = None) -> RoundWork | None:
    """The user's work in the cycle's round `number` (as `work_of` gives it), if they judge the cycle
    and the round has begun; else None."""
    work = work_of(user, now, cycle)
    return next((w for cw in work for w in cw.rounds if w.judging_round.number == number), None)


# ---------------------------------------------------------------- access


def live_assignments(user: User, nomination: Nomination, judging_round: JudgingRound | None = None):
    """The statement of the user's live (not recused) assignments to the nomination as an accepted judge of its
    cycle, in `judging_round` if given, the latest round first; each with its judge, from the join (the conflict
    checks read it next). judging_assignment and permissions.active_assignment (the second lock) both read it."""
    query = (
        select(Assignment)
        .join(Judge, Judge.id == Assignment.judge_id)
        .join(JudgingRound, JudgingRound.id == Assignment.round_id)
        .where(
            Judge.user_id == user.id,
            Judge.cycle_id == nomination.cycle_id,
            Judge.accepted_at.is_not(None),
            Assignment.nomination_id == nomination.id,
            Assignment.status == AssignmentStatus.ASSIGNED,
        )
        .order_by(JudgingRound.number.desc())
        .options(contains_eager(Assignment.judge))
    )
    if judging_round is not None:
        query = query.where(Assignment.round_id == judging_round.id)
    return query


def judging_assignment(
    user: User, nomination: Nomination, judging_round: JudgingRound | None = None, now: datetime | None = None
) -> Assignment | None:
    """The user's live assignment to the nomination if they may see it as a judge: an accepted judge
    of its cycle, assigned (not recused) in a round that has begun, not conflicted, and the nomination
    one judges can open. In `judging_round` if given, else in the latest round that has begun in
    which they have one."""
    if nomination.status not in VISIBLE_NOMINATION_STATUSES:
        return None
    now = now or utcnow()
    begun = rounds.begun_rounds(nomination.cycle, now)
    found = db.session.scalars(live_assignments(user, nomination, judging_round))
    assignment = next((a for a in found if a.round_id in begun), None)
    if assignment is None or is_conflicted(assignment.judge, nomination):
        return None
    return assignment


def _check_may_score(assignment: Assignment, by: User) -> None:
    judge = assignment.judge
    if judge.user_id != by.id or judge.accepted_at is None:
        raise NotAllowed(_("Only the judge this nomination is assigned to can score it"))
    if assignment.status is not AssignmentStatus.ASSIGNED or is_conflicted(judge, assignment.nomination):
        raise NotAllowed(_("You have a conflict of interest with this nomination, so you cannot score it"))
    if assignment.no_conflict_declared_at is None:
        raise NotAllowed(_("Tell us whether you have a conflict of interest before you score this nomination"))
    # A calibration example may be one screened ineligible (domain/judging/calibration.py).
    if assignment.nomination.status not in VISIBLE_NOMINATION_STATUSES and not assignment.calibration:
        raise NotAllowed(_("This nomination is no longer being judged"))


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
                _(
                    "The scores sent are not for this nomination’s criteria. Nothing was saved: "
                    "reload the page and try again."
                )
            )
        if entry.value is not None and not (criterion.scale_min <= entry.value <= criterion.scale_max):
            raise InvalidScores(
                _(
                    "The score for %(criterion)s must be from %(low)s to %(high)s. Nothing was saved: "
                    "reload the page and try again.",
                    criterion=criterion.name,
                    low=format_decimal(criterion.scale_min),
                    high=format_decimal(criterion.scale_max),
                )
            )
        if entry.not_applicable and (entry.value is not None or not criterion.allow_not_applicable):
            raise InvalidScores(
                _(
                    "‘Not applicable’ cannot be chosen for %(criterion)s. Nothing was saved: "
                    "reload the page and try again.",
                    criterion=criterion.name,
                )
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
                    _(
                        "Your comment on %(criterion)s must be %(max)s characters or fewer",
                        criterion=criterion.name,
                        max=format_decimal(COMMENT_MAX_LENGTH),
                    ),
                )
            )
    if len(overall_comment) > OVERALL_COMMENT_MAX_LENGTH:
        problems.append(
            (
                "overall_comment",
                _(
                    "Your overall comment must be %(max)s characters or fewer",
                    max=format_decimal(OVERALL_COMMENT_MAX_LENGTH),
                ),
            )
        )
    return problems


def missing_answers(criteria: list[Criterion], entries: dict[int, ScoreEntry]) -> list[tuple[str, str]]:
    problems = []
    for criterion in criteria:
        entry = entries.get(criterion.id)
        if entry is None or not entry.answered:
            if criterion.allow_not_applicable:
                message = _("Select a score or ‘Not applicable’ for %(criterion)s", criterion=criterion.name)
            else:
                message = _("Select a score for %(criterion)s", criterion=criterion.name)
            problems.append((f"score-{criterion.id}", message))
    return problems


def feedback_problems(feedback: str) -> list[tuple[str, str]]:
    if len(feedback) > FEEDBACK_MAX_LENGTH:
        return [
            (
                "feedback",
                _(
                    "Your feedback for the entrant must be %(max)s characters or fewer",
                    max=format_decimal(FEEDBACK_MAX_LENGTH),
                ),
            )
        ]
    return []


def set_feedback(review: Review, feedback: str | None) -> None:
    """The judge's feedback for the entrant (None: left as it is). Changed and not empty, it waits for the
    organisers' review again; emptied, there is none."""
    if feedback is None:
        return
    feedback = feedback.strip()
    if feedback == (review.feedback or ""):
        return
    review.feedback = feedback
    review.feedback_status = FeedbackStatus.PENDING if feedback else FeedbackStatus.NONE


MODE_CHANGED = {
    RoundMode.SCORES: _l(
        "This round is judged by scores against its criteria: the organisers changed how it is judged. "
        "Reload the page to see what to give in it."
    ),
    RoundMode.PASS_FAIL: _l(
        "This round is judged by a verdict of pass, fail or unsure: the organisers changed how it is judged. "
        "Reload the page to see what to give in it."
    ),
    RoundMode.RANKING: _l(
        "This round is judged by each judge putting their entries in order: the organisers changed how it is "
        "judged. Reload the page to see what to give in it."
    ),
}


def _check_mode(judging_round: JudgingRound, mode: RoundMode) -> None:
    """Refuse a sheet of another mode than the round's (the organisers changed it since the page loaded)."""
    if judging_round.mode is not mode:
        raise NotAllowed(str(MODE_CHANGED[judging_round.mode]))


def _check_open(judging_round: JudgingRound, now: datetime) -> None:
    problem = rounds.scoring_problem(judging_round, now)
    if problem:
        raise NotAllowed(problem)


# Refusals of a sheet already submitted, by the round's mode
ALREADY_SUBMITTED = {
    RoundMode.SCORES: _l(
        "You have already submitted your scores for this nomination, so they can no longer be "
        "changed. If you need to change them, ask the organisers to reopen them."
    ),
    RoundMode.PASS_FAIL: _l(
        "You have already submitted your verdict on this nomination, so it can no longer be changed. "
        "If you need to change it, ask the organisers to reopen it."
    ),
    RoundMode.RANKING: _l(
        "You have already submitted your ranking, so it can no longer be changed. If you need to change it, "
        "ask the organisers to reopen it."
    ),
}
RANKING_SUBMITTED = ALREADY_SUBMITTED[RoundMode.RANKING]


@dataclass(frozen=True)
class Placing:
    """An entry's position in the judge's ranking (None: not placed yet), as save_ranking saves it."""

    rank: int | None


def _sheet_problems(
    judging_round: JudgingRound,
    mode: RoundMode,
    entries: dict[int, ScoreEntry],
    overall_comment: str,
    verdict: Verdict | None,
    placing: Placing | None,
    submit: bool,
) -> list[tuple[str, str]]:
    """What stops the sheet being saved (or submitted), in the round's mode; values that no form of that
    mode sends raise InvalidScores."""
    if mode is RoundMode.SCORES:
        criteria = list(judging_round.criteria)
        check_entries(criteria, entries)
        problems = comment_problems(criteria, entries, overall_comment)
        return missing_answers(criteria, entries) + problems if submit else problems
    if entries or (mode is RoundMode.PASS_FAIL and placing is not None) or (mode is RoundMode.RANKING and verdict):
        raise InvalidScores(
            _("What was sent is not what this round asks for. Nothing was saved: reload the page and try again.")
        )
    problems = []
    if mode is RoundMode.PASS_FAIL and submit and verdict is None:
        problems.append(("verdict", _("Select pass, fail or unsure")))
    if mode is RoundMode.RANKING and submit and placing is None:
        raise InvalidScores(_("Notes on an entry are saved, not submitted: submit your ranking on the ranking page."))
    if len(overall_comment) > OVERALL_COMMENT_MAX_LENGTH:
        longest = format_decimal(OVERALL_COMMENT_MAX_LENGTH)
        if mode is RoundMode.PASS_FAIL:
            message = _("Your comments must be %(max)s characters or fewer", max=longest)
        else:
            message = _("Your notes must be %(max)s characters or fewer", max=longest)
        problems.append(("overall_comment", message))
    return problems


def save_review(
    assignment: Assignment,
    entries: dict[int, ScoreEntry],
    *,
    overall_comment: str | None = "",
    feedback: str | None = None,
    verdict: Verdict | None = None,
    placing: Placing | None = None,
    mode: RoundMode = RoundMode.SCORES,
    submit: bool,
    version: int,
    by: User,
    now: datetime | None = None,
) -> Review:
    """Save the judge's sheet for one assignment as a draft or submit it (then locked), while its round is
    open. `mode` is the kind of sheet sent, which must be the round's: scores (`entries`, every criterion
    answered to submit), a pass/fail verdict (given to submit), or a ranking round's notes (saved only;
    `placing`, from save_ranking, sets the entry's position and lets it be submitted with the ranking).
    `overall_comment` is the private comments or notes (None: unchanged), `feedback` is for the entrant
    (None: unchanged). `version` is the review version the form was loaded with (0: none yet)."""
    now = now or utcnow()
    _check_may_score(assignment, by)
    judging_round = assignment.round
    _check_open(judging_round, now)
    _check_mode(judging_round, mode)
    comment = None if overall_comment is None else overall_comment.strip()
    problems = _sheet_problems(judging_round, mode, entries, comment or "", verdict, placing, submit)
    problems += feedback_problems((feedback or "").strip())
    if problems:
        raise IncompleteReview(problems)

    what = (
        "ranking"
        if placing is not None
        else {"scores": "scores", "pass_fail": "verdict", "ranking": "notes"}[mode.value]
    )
    review = review_of(assignment)
    if review is None:
        if version != 0:
            raise StaleReview(what=what)
        review = Review(assignment=assignment, created_at=now, updated_at=now, status=ReviewStatus.DRAFT)
        db.session.add(review)
    else:
        if review.status is ReviewStatus.SUBMITTED:
            raise Conflict(str(ALREADY_SUBMITTED[mode]))
        if version != review.version:
            raise StaleReview(review, what=what)

    if mode is RoundMode.SCORES:
        _apply_scores(review, list(judging_round.criteria), entries)
    elif mode is RoundMode.PASS_FAIL:
        review.verdict = verdict
    if placing is not None:
        review.rank = placing.rank
    if comment is not None:
        review.overall_comment = comment
    set_feedback(review, feedback)
    # Always touching the row bumps its version, so a concurrent save of the same sheet fails.
    review.updated_at = now
    if submit:
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = now
    db.session.flush()
    if submit:
        audit.record(
            "review.submitted",
            actor=by,
            obj=review,
            nomination=assignment.nomination.reference,
            judge=assignment.judge_id,
            **_judgement(review, mode),
        )
    return review


def _apply_scores(review: Review, criteria: list[Criterion], entries: dict[int, ScoreEntry]) -> None:
    """The sent answers onto the review's scores (a criterion neither answered nor commented on has none)."""
    existing = {s.criterion_id: s for s in review.scores}
    for criterion in criteria:
        entry = entries.get(criterion.id) or ScoreEntry()
        text = entry.comment.strip()
        score = existing.get(criterion.id)
        if not entry.answered and not text:
            if score is not None:
                review.scores.remove(score)
            continue
        if score is None:
            score = ReviewScore(criterion_id=criterion.id)
            review.scores.append(score)
        score.value = None if entry.not_applicable else entry.value
        score.not_applicable = entry.not_applicable
        score.comment = text


def _judgement(review: Review, mode: RoundMode) -> dict[str, Any]:
    """A submitted verdict or position, for the audit record."""
    if mode is RoundMode.PASS_FAIL:
        return {"verdict": review.verdict.value if review.verdict else None}
    if mode is RoundMode.RANKING:
        return {"rank": review.rank}
    return {}


def save_verdict(
    assignment: Assignment,
    verdict: Verdict | None,
    *,
    overall_comment: str = "",
    feedback: str | None = None,
    submit: bool,
    version: int,
    by: User,
    now: datetime | None = None,
) -> Review:
    """Save the judge's verdict in a pass/fail round as a draft (the verdict may be missing) or submit it
    (a verdict given, then locked), while the round is open; with private comments for the organisers
    and feedback for the entrant (None: unchanged). `version` as for save_review."""
    return save_review(
        assignment,
        {},
        overall_comment=overall_comment,
        feedback=feedback,
        verdict=verdict,
        mode=RoundMode.PASS_FAIL,
        submit=submit,
        version=version,
        by=by,
        now=now,
    )


def save_notes(
    assignment: Assignment,
    *,
    overall_comment: str = "",
    feedback: str | None = None,
    version: int,
    by: User,
    now: datetime | None = None,
) -> Review:
    """Save the judge's private notes on one entry of a ranking round, and their feedback for its entrant
    (None: unchanged), while the round is open and their ranking not yet submitted (the ranking itself is
    saved and submitted with save_ranking)."""
    return save_review(
        assignment,
        {},
        overall_comment=overall_comment,
        feedback=feedback,
        mode=RoundMode.RANKING,
        submit=False,
        version=version,
        by=by,
        now=now,
    )


def ranking_judge(user: User, cycle: Cycle) -> Judge | None:
    """The user's accepted membership of the cycle's judges (None: they do not judge it)."""
    return db.session.scalar(
        select(Judge).where(Judge.user_id == user.id, Judge.cycle_id == cycle.id, Judge.accepted_at.is_not(None))
    )


def ranking_entries(judge: Judge, judging_round: JudgingRound) -> list[Assignment]:
    """The entries the judge ranks in the round, by reference: assigned to them (not recused), not a
    calibration example, one judges can open, and not one they are conflicted with in any way."""
    assignments = [
        a
        for a in db.session.scalars(
            select(Assignment)
            .where(
                Assignment.judge_id == judge.id,
                Assignment.round_id == judging_round.id,
                Assignment.status == AssignmentStatus.ASSIGNED,
                Assignment.calibration.is_(False),
            )
            .options(
                selectinload(Assignment.nomination).selectinload(Nomination.category),
                selectinload(Assignment.nomination).selectinload(Nomination.partners),
                selectinload(Assignment.nomination).selectinload(Nomination.nominator),
                selectinload(Assignment.review),
            )
        )
        if a.nomination.status in VISIBLE_NOMINATION_STATUSES
    ]
    hidden = {n for _, n in conflict_pairs([judge], {a.nomination for a in assignments})}
    return sorted((a for a in assignments if a.nomination_id not in hidden), key=lambda a: a.nomination.reference)


def ranking_submitted(entries: list[Assignment]) -> bool:
    """Whether the judge's ranking of these entries is submitted (each entry's review submitted)."""
    return bool(entries) and all(a.review is not None and a.review.status is ReviewStatus.SUBMITTED for a in entries)


_HOW_MANY = {
    2: _l("Two entries are in position %(position)s"),
    3: _l("Three entries are in position %(position)s"),
    4: _l("Four entries are in position %(position)s"),
    5: _l("Five entries are in position %(position)s"),
    6: _l("Six entries are in position %(position)s"),
    7: _l("Seven entries are in position %(position)s"),
    8: _l("Eight entries are in position %(position)s"),
    9: _l("Nine entries are in position %(position)s"),
    10: _l("Ten entries are in position %(position)s"),
}


def ranking_problems(entries: list[Assignment], placed: dict[int, int | None]) -> list[tuple[str, str]]:
    """What stops a ranking being submitted: an entry without a position (or whose conflict question is
    unanswered), and positions used more than once."""
    problems = []
    for a in entries:
        reference = a.nomination.reference
        if a.no_conflict_declared_at is None:
            problems.append(
                (
                    f"position-{a.id}",
                    _(
                        "Open %(reference)s and say whether you have a conflict of interest with it before you "
                        "submit your ranking",
                        reference=reference,
                    ),
                )
            )
        elif placed.get(a.id) is None:
            problems.append((f"position-{a.id}", _("Select a position for %(reference)s", reference=reference)))
    holders: dict[int, list[int]] = {}
    for a in entries:
        position = placed.get(a.id)
        if position is not None:
            holders.setdefault(position, []).append(a.id)
    for position, ids in sorted(holders.items()):
        if len(ids) > 1:
            if len(ids) in _HOW_MANY:
                message = str(_HOW_MANY[len(ids)]) % {"position": position}
            else:
                message = _("%(count)s entries are in position %(position)s", count=len(ids), position=position)
            problems.append((f"position-{ids[0]}", message))
    return problems


def save_ranking(
    judge: Judge,
    judging_round: JudgingRound,
    positions: dict[int, int | None],
    *,
    versions: dict[int, int],
    submit: bool,
    by: User,
    now: datetime | None = None,
) -> list[Review]:
    """Save the judge's order of their entries in a ranking round (`positions`: assignment id → position,
    1 = best, None: not placed yet) as a draft, or submit it: every entry placed, each position from 1 to
    the number of entries used once, all the entries' reviews submitted together and locked. Entries
    whose review is already submitted (one added after a submission, say) keep their positions.
    `versions` are the entries' review versions the form was loaded with (0: none yet)."""
    now = now or utcnow()
    if judge.user_id != by.id or judge.accepted_at is None or judging_round.cycle_id != judge.cycle_id:
        raise NotAllowed(_("Only a judge of this round can rank its entries"))
    _check_open(judging_round, now)
    _check_mode(judging_round, RoundMode.RANKING)
    entries = ranking_entries(judge, judging_round)
    if not entries:
        raise NotAllowed(_("You have no entries to rank in this round."))
    by_id = {a.id: a for a in entries}
    invalid = InvalidScores(
        _("The ranking sent is not of your entries in this round. Nothing was saved: reload the page and try again.")
    )
    if set(positions) - set(by_id):
        raise invalid
    for position in positions.values():
        if position is not None and not 1 <= position <= len(entries):
            raise InvalidScores(
                _(
                    "Positions must be from 1 to %(last)s. Nothing was saved: reload the page and try again.",
                    last=len(entries),
                )
            )
    locked = {a.id for a in entries if a.review is not None and a.review.status is ReviewStatus.SUBMITTED}
    if len(locked) == len(entries):
        raise Conflict(str(RANKING_SUBMITTED))
    placed = {a.id: (a.review.rank if a.id in locked and a.review else positions.get(a.id)) for a in entries}
    for assignment_id in positions:
        if assignment_id not in locked:
            _check_may_score(by_id[assignment_id], by)
    if submit:
        problems = ranking_problems(entries, placed)
        if problems:
            raise IncompleteReview(problems)
    return [
        save_review(
            a,
            {},
            overall_comment=None,  # the notes stay as they are
            placing=Placing(placed[a.id]),
            mode=RoundMode.RANKING,
            submit=submit,
            version=versions.get(a.id, 0),
            by=by,
            now=now,
        )
        for a in entries
        if a.id not in locked and a.id in positions
    ]


# ---------------------------------------------------------------- reopening


def reopen_problem(review: Review, now: datetime | None = None) -> str | None:
    """Why the organiser cannot reopen these scores now (None if they can): their round must still be
    open for the judge to submit them again."""
    now = now or utcnow()
    judging_round = review.assignment.round
    cycle = judging_round.cycle
    what = _judgement_words(review)
    if review.status is not ReviewStatus.SUBMITTED:
        return str(_NOT_SUBMITTED[what])
    if review.assignment.status is not AssignmentStatus.ASSIGNED:
        return _("This judge is no longer assigned to the nomination.")
    if cycle.status is CycleStatus.PUBLISHED:
        return str(_PUBLISHED[what])
    if judging_round.closes_at is not None and now >= judging_round.closes_at:
        values = {
            "round": judging_round.display_name,
            "closed": govuk_datetime(judging_round.closes_at, cycle.time_zone),
            "settings": judging_round.label,
        }
        return str(_CLOSED[what][len(cycle.rounds) == 1]) % values
    return None


# Why a judgement cannot be reopened, by what the judge gave (_judgement_words)
_NOT_SUBMITTED = {
    "scores": _l("The scores have not been submitted, so there is nothing to reopen: the judge can still change them."),
    "verdict": _l("The verdict has not been submitted, so there is nothing to reopen: the judge can still change it."),
    "ranking": _l("The ranking has not been submitted, so there is nothing to reopen: the judge can still change it."),
}
_PUBLISHED = {
    "scores": _l("The results have been published, so the scores can no longer be reopened."),
    "verdict": _l("The results have been published, so the verdict can no longer be reopened."),
    "ranking": _l("The results have been published, so the ranking can no longer be reopened."),
}
# [what][whether the cycle has one round]
_CLOSED = {
    "scores": {
        True: _l(
            "%(round)s closed at %(closed)s, so the judge could not submit the scores again. Move the judging "
            "closing time later in the cycle’s settings first."
        ),
        False: _l(
            "%(round)s closed at %(closed)s, so the judge could not submit the scores again. Move the judging "
            "closing time later in the settings of %(settings)s first."
        ),
    },
    "verdict": {
        True: _l(
            "%(round)s closed at %(closed)s, so the judge could not submit the verdict again. Move the judging "
            "closing time later in the cycle’s settings first."
        ),
        False: _l(
            "%(round)s closed at %(closed)s, so the judge could not submit the verdict again. Move the judging "
            "closing time later in the settings of %(settings)s first."
        ),
    },
    "ranking": {
        True: _l(
            "%(round)s closed at %(closed)s, so the judge could not submit the ranking again. Move the judging "
            "closing time later in the cycle’s settings first."
        ),
        False: _l(
            "%(round)s closed at %(closed)s, so the judge could not submit the ranking again. Move the judging "
            "closing time later in the settings of %(settings)s first."
        ),
    },
}


def _judgement_words(review: Review) -> str:
    """What the judge gave, as a key of the messages above: "scores", "verdict", "ranking"."""
    judging_round = review.assignment.round
    if review.assignment.calibration or judging_round.mode is RoundMode.SCORES:
        return "scores"
    return "verdict" if judging_round.mode is RoundMode.PASS_FAIL else "ranking"


def reopen_review(review: Review, *, by: User, reason: str = "", now: datetime | None = None) -> None:
    """Return submitted scores (or a verdict) to the judge as a draft (audited), and e-mail the judge a link
    to them. In a ranking round the judge's whole ranking is reopened (every submitted review of their
    entries in the round), as it was submitted together: one position cannot change alone."""
    now = now or utcnow()
    if not by.has_role(Role.ORGANISER):
        raise NotAllowed(_("Only an organiser can reopen scores"))
    problem = reopen_problem(review, now)
    if problem:
        raise Conflict(problem)
    reason = (reason or "").strip()
    if len(reason) > COMMENT_MAX_LENGTH:
        raise DomainError(
            _("The reason must be %(max)s characters or fewer", max=format_decimal(COMMENT_MAX_LENGTH)),
            field="reason",
        )
    assignment = review.assignment
    nomination, judge = assignment.nomination, assignment.judge
    judging_round = assignment.round
    reopened = [review]
    if judging_round.mode is RoundMode.RANKING and not assignment.calibration:
        reopened += [
            a.review
            for a in ranking_entries(judge, judging_round)
            if a.review is not None and a.review is not review and a.review.status is ReviewStatus.SUBMITTED
        ]
    for each in reopened:
        each.status = ReviewStatus.DRAFT
        each.submitted_at = None
        each.updated_at = now
    db.session.flush()
    for each in reopened:
        audit.record(
            "review.reopened",
            actor=by,
            obj=each,
            nomination=each.assignment.nomination.reference,
            judge=judge.id,
            reason=reason,
        )
    person = judge.user
    cycle = judging_round.cycle
    several = len(cycle.rounds) > 1
    to: dict[str, Any] = {
        "to_address": person.email if person else judge.email,
        "to_name": person.name if person else "",
        "language": language_of(person) if person else None,
    }
    closes = (
        written_later(govuk_datetime, judging_round.closes_at, cycle.time_zone) if judging_round.closes_at else None
    )
    entry_link = external_url(
        "judge.nomination",
        assigned_reference=nomination.reference,
        **({"round": judging_round.number} if several else {}),
    )
    title = judge_title(nomination, judging_round=judging_round)
    if judging_round.mode is RoundMode.SCORES or assignment.calibration:
        queue_email(
            **to,
            template="review_reopened",
            subject=_l("Your scores for %(reference)s have been reopened", reference=nomination.reference),
            reference=nomination.reference,
            title=title,
            cycle_name=NameShown(cycle),
            reason=reason,
            link=entry_link,
            closes=closes,
            round_name=written_later(getattr, judging_round, "label") if several else None,
        )
    elif judging_round.mode is RoundMode.PASS_FAIL:
        queue_email(
            **to,
            template="judgement_reopened",
            subject=_l("Your verdict on %(reference)s has been reopened", reference=nomination.reference),
            ranking=False,
            reference=nomination.reference,
            title=title,
            cycle_name=NameShown(cycle),
            reason=reason,
            link=entry_link,
            closes=closes,
            round_name=written_later(getattr, judging_round, "label") if several else None,
        )
    else:
        queue_email(
            **to,
            template="judgement_reopened",
            subject=_l(
                "Your ranking in %(round)s has been reopened",
                round=written_later(getattr, judging_round, "display_name"),
            ),
            ranking=True,
            round_name=written_later(getattr, judging_round, "label" if several else "display_name"),
            cycle_name=NameShown(cycle),
            reason=reason,
            link=external_url("judge.ranking", slug=cycle.slug, number=judging_round.number),
            closes=closes,
        )
