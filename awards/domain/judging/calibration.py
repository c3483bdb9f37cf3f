"""Calibration: an example every judge of a round scores first, not in competition, so that each judge
can see how they use the scale against the rest of the panel, and the organisers can see each judge's
severity before judging starts.

The organiser chooses the example by reference: a submitted nomination of an earlier cycle, or one of
the round's own cycle screened ineligible, never one of the round's entries. Every judge on the
round's panel who is not conflicted with it gets a calibration assignment (`Assignment.calibration`)
in the round; `ensure_calibration` gives one to judges who join the panel later. An example of the
round's own cycle goes only to judges who judge its category in the round (a judge of one category
sees nothing of another). Until a judge has submitted their calibration review, their other entries
in the round cannot be opened for scoring (`waiting_for`).

A round of scores or of pass / fail verdicts can calibrate; a round judged by ranking cannot, since one
example on its own has nothing to be ranked against. Calibration reviews never count in results,
progress or reminders (their assignments are left out there).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.judging import conflicts, rounds
from awards.domain.programme.translations import NameShown
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    ConflictOfInterest,
    Criterion,
    Cycle,
    CycleStatus,
    Judge,
    JudgingRound,
    Nomination,
    NominationStatus,
    Review,
    ReviewStatus,
    RoundMode,
    User,
    Verdict,
)

CALIBRATING_MODES = frozenset({RoundMode.SCORES, RoundMode.PASS_FAIL})

RANKING_CANNOT = (
    "A round judged by ranking cannot have a calibration example: each judge puts their entries in order "
    "against each other, so one example on its own has nothing to be ranked against."
)
LOCKED = _l(
    "Judges have already submitted their scores for the calibration example, so it cannot be changed or "
    "removed: their scores would no longer compare with anyone else's. Ask the judges concerned to have "
    "their calibration scores reopened first, or keep this example."
)
NOT_SUBMITTED_STATUSES = frozenset({NominationStatus.DRAFT, NominationStatus.WITHDRAWN})
# The order of verdicts from harshest to most lenient.
VERDICT_ORDER = {Verdict.FAIL: 0, Verdict.UNSURE: 1, Verdict.PASS: 2}


def can_calibrate(judging_round: JudgingRound) -> bool:
    return judging_round.mode in CALIBRATING_MODES


def is_active(judging_round: JudgingRound) -> bool:
    """Whether the round has a calibration example its judges score first."""
    return judging_round.calibration_nomination_id is not None and can_calibrate(judging_round)


def _is_earlier(other: Cycle, cycle: Cycle) -> bool:
    return (other.year, other.nominations_open_at, other.id) < (cycle.year, cycle.nominations_open_at, cycle.id)


def find_example(judging_round: JudgingRound, reference: str) -> Nomination:
    """The nomination with this reference, if it can be the round's example: a submitted nomination of
    an earlier cycle, or one of the round's cycle screened ineligible (never one of its entries)."""
    reference = " ".join((reference or "").split()).upper()
    if not reference:
        raise DomainError(_("Enter the reference of the calibration example"), field="reference")
    nomination = db.session.scalar(
        select(Nomination).where(Nomination.reference == reference).options(selectinload(Nomination.cycle))
    )
    if nomination is None:
        raise DomainError(
            _("No nomination has the reference %(reference)s: check the reference", reference=reference),
            field="reference",
        )
    cycle = judging_round.cycle
    if nomination.status in NOT_SUBMITTED_STATUSES:
        raise DomainError(
            _(
                "%(reference)s was not submitted (it is %(status)s): choose a nomination that "
                "was submitted, so that judges have a whole entry to score",
                reference=reference,
                status=nomination.status.label.lower(),
            ),
            field="reference",
        )
    if nomination.cycle_id == cycle.id:
        if nomination.id in rounds.entry_ids(judging_round) or nomination.status is not NominationStatus.INELIGIBLE:
            raise DomainError(
                _(
                    "%(reference)s is in competition in %(cycle)s: choose a nomination of an earlier cycle, or one "
                    "of this cycle screened ineligible",
                    reference=reference,
                    cycle=NameShown(cycle),
                ),
                field="reference",
            )
        return nomination
    if not _is_earlier(nomination.cycle, cycle):
        raise DomainError(
            _(
                "%(reference)s is a nomination of %(other)s, which is not earlier than %(cycle)s: "
                "choose a nomination of an earlier cycle, or one of this cycle screened ineligible",
                reference=reference,
                other=NameShown(nomination.cycle),
                cycle=NameShown(cycle),
            ),
            field="reference",
        )
    return nomination


def calibration_assignments(judging_round: JudgingRound) -> list[Assignment]:
    """Every calibration assignment of the round (any example, any status), with its review and judge."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.round_id == judging_round.id, Assignment.calibration.is_(True))
            .options(
                selectinload(Assignment.review).selectinload(Review.scores),
                selectinload(Assignment.judge).selectinload(Judge.user),
            )
            .order_by(Assignment.id)
        )
    )


def _submitted(assignment: Assignment) -> bool:
    return assignment.review is not None and assignment.review.status is ReviewStatus.SUBMITTED


def has_submitted_review(judging_round: JudgingRound) -> bool:
    """Whether a judge has submitted their calibration review in the round."""
    found = db.session.scalar(
        select(Review.id)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .where(
            Assignment.round_id == judging_round.id,
            Assignment.calibration.is_(True),
            Review.status == ReviewStatus.SUBMITTED,
        )
        .limit(1)
    )
    return found is not None


def conflicted_judges(judges: Iterable[Judge], nomination: Nomination) -> set[int]:
    """The ids of the judges conflicted with the nomination: found from the data or recorded (also a
    conflict the same person has with it as a judge of the nomination's own cycle)."""
    judges = list(judges)
    if not judges:
        return set()
    found = {judge_id for judge_id, _ in conflicts.conflict_pairs(judges, [nomination])}
    user_ids = {j.user_id for j in judges if j.user_id is not None}
    if user_ids:
        people = set(
            db.session.scalars(
                select(Judge.user_id)
                .join(ConflictOfInterest, ConflictOfInterest.judge_id == Judge.id)
                .where(
                    ConflictOfInterest.nomination_id == nomination.id,
                    ConflictOfInterest.removed_at.is_(None),
                    Judge.user_id.in_(user_ids),
                )
            )
        )
        found |= {j.id for j in judges if j.user_id in people}
    return found


def _eligible_judges(judging_round: JudgingRound, nomination: Nomination) -> dict[int, Judge]:
    """The round's panel judges who are given the example: not conflicted with it and, for an example
    of the round's own cycle, judging its category in the round."""
    panel = rounds.panel(judging_round)
    if not panel:
        return {}
    judges = list(
        db.session.scalars(
            select(Judge)
            .where(Judge.id.in_(list(panel)))
            .options(selectinload(Judge.user), selectinload(Judge.categories))
            .order_by(Judge.id)
        )
    )
    if nomination.cycle_id == judging_round.cycle_id:
        judges = [
            j
            for j in judges
            if (categories := rounds.panel_categories(j, panel[j.id])) is None or nomination.category_id in categories
        ]
    conflicted = conflicted_judges(judges, nomination)
    return {j.id: j for j in judges if j.id not in conflicted}


def ensure_calibration(judging_round: JudgingRound, *, by: User | None = None) -> list[Assignment]:
    """Give the round's calibration example to every judge on its panel who should score it and has not
    been given it (judges who joined the panel since), and take it back, where no review of it was
    submitted, from judges who should not (off the panel, conflicted) and of any other example.
    Returns the assignments added. Nothing for a round without an example, or judged by ranking."""
    existing = calibration_assignments(judging_round)
    nomination = judging_round.calibration_nomination if is_active(judging_round) else None
    wanted = _eligible_judges(judging_round, nomination) if nomination is not None else {}
    kept: set[int] = set()
    for assignment in existing:
        current = nomination is not None and assignment.nomination_id == nomination.id
        if current:
            kept.add(assignment.judge_id)
        if _submitted(assignment):
            continue
        if not current or (assignment.status is AssignmentStatus.ASSIGNED and assignment.judge_id not in wanted):
            db.session.delete(assignment)
            if current:
                kept.discard(assignment.judge_id)
    added = []
    if nomination is not None:
        now = utcnow()
        for judge_id in sorted(set(wanted) - kept):
            assignment = Assignment(
                round_id=judging_round.id,
                judge_id=judge_id,
                nomination_id=nomination.id,
                calibration=True,
                created_at=now,
                created_by_id=by.id if by is not None else None,
            )
            db.session.add(assignment)
            added.append(assignment)
    db.session.flush()
    return added


def missing_judges(judging_round: JudgingRound) -> list[Judge]:
    """The round's panel judges who should score its example but have not been given it (they joined
    the panel since it was chosen): choosing the same example again gives it to them."""
    nomination = judging_round.calibration_nomination if is_active(judging_round) else None
    if nomination is None:
        return []
    given = set(
        db.session.scalars(
            select(Assignment.judge_id).where(
                Assignment.round_id == judging_round.id,
                Assignment.calibration.is_(True),
                Assignment.nomination_id == nomination.id,
            )
        )
    )
    wanted = _eligible_judges(judging_round, nomination)
    return sorted((j for i, j in wanted.items() if i not in given), key=lambda j: (j.display_name.casefold(), j.id))


def _check_changeable(judging_round: JudgingRound) -> None:
    if judging_round.cycle.status is CycleStatus.PUBLISHED:
        raise NotAllowed(_("The results of this cycle are published, so its calibration example cannot change"))
    if has_submitted_review(judging_round):
        raise Conflict(str(LOCKED))


def choose_example(judging_round: JudgingRound, reference: str, *, by: User) -> Nomination:
    """Make the nomination with this reference the round's calibration example (audited), giving it to
    the round's judges. Refused for a round judged by ranking, once a calibration review is submitted,
    and for a nomination that cannot be an example (find_example)."""
    if not can_calibrate(judging_round):
        raise Conflict(RANKING_CANNOT, field="reference")
    nomination = find_example(judging_round, reference)
    if judging_round.calibration_nomination_id == nomination.id:  # the same again: judges new to the panel
        given = ensure_calibration(judging_round, by=by)
        if given:
            audit.record(
                "round.calibration_given",
                actor=by,
                obj=judging_round,
                **rounds.round_audit(judging_round),
                reference=nomination.reference,
                judges=sorted(a.judge_id for a in given),
            )
        return nomination
    _check_changeable(judging_round)
    previous = judging_round.calibration_nomination
    judging_round.calibration_nomination = nomination
    judging_round.calibration_nomination_id = nomination.id
    judging_round.updated_at = utcnow()
    db.session.flush()
    added = ensure_calibration(judging_round, by=by)
    audit.record(
        "round.calibration_chosen",
        actor=by,
        obj=judging_round,
        **rounds.round_audit(judging_round),
        reference=nomination.reference,
        replaced=previous.reference if previous is not None else None,
        judges=len(added),
    )
    return nomination


def remove_example(judging_round: JudgingRound, *, by: User) -> None:
    """The round judges without a calibration example (audited); its calibration assignments go, with
    any draft scores. Refused once a calibration review is submitted."""
    previous = judging_round.calibration_nomination
    if previous is None:
        raise DomainError(_("This round has no calibration example to remove"))
    _check_changeable(judging_round)
    judging_round.calibration_nomination = None
    judging_round.calibration_nomination_id = None
    judging_round.updated_at = utcnow()
    db.session.flush()
    ensure_calibration(judging_round, by=by)
    audit.record(
        "round.calibration_removed",
        actor=by,
        obj=judging_round,
        **rounds.round_audit(judging_round),
        reference=previous.reference,
    )


# --- The judge's side ----------------------------------------------------------------------------


def calibration_assignment(
    user: User, nomination: Nomination, asked_round: str | None = None, now: datetime | None = None
) -> Assignment | None:
    """The user's live calibration assignment to the nomination, if it is the example of a round they
    judge that has begun and they are not conflicted with it: in the round numbered `asked_round` if
    given (the number of the round in its own cycle), else the latest."""
    if asked_round not in (None, "") and not str(asked_round).isdigit():
        return None
    query = (
        select(Assignment)
        .join(Judge, Judge.id == Assignment.judge_id)
        .join(JudgingRound, JudgingRound.id == Assignment.round_id)
        .join(Cycle, Cycle.id == JudgingRound.cycle_id)
        .where(
            Judge.user_id == user.id,
            Judge.accepted_at.is_not(None),
            Assignment.nomination_id == nomination.id,
            Assignment.calibration.is_(True),
            Assignment.status == AssignmentStatus.ASSIGNED,
            JudgingRound.calibration_nomination_id == nomination.id,
        )
        .order_by(Cycle.year.desc(), Cycle.id.desc(), JudgingRound.number.desc())
    )
    if asked_round not in (None, ""):
        query = query.where(JudgingRound.number == int(str(asked_round)))
    now = now or utcnow()
    for assignment in db.session.scalars(query):
        judging_round = assignment.round
        if not can_calibrate(judging_round) or not rounds.has_started(judging_round, now):
            continue
        if conflicted_judges([assignment.judge], nomination):
            return None
        return assignment
    return None


def may_score(user: User, assignment: Assignment) -> bool:
    """The second lock on a calibration assignment's pages: the user's own, live, the round's example,
    not conflicted, and the judge has said they have no conflict."""
    judge = assignment.judge
    return (
        assignment.calibration
        and judge.user_id == user.id
        and judge.accepted_at is not None
        and assignment.status is AssignmentStatus.ASSIGNED
        and assignment.round.calibration_nomination_id == assignment.nomination_id
        and can_calibrate(assignment.round)
        and not conflicted_judges([judge], assignment.nomination)
        and assignment.no_conflict_declared_at is not None
    )


def waiting_for(assignment: Assignment) -> Assignment | None:
    """The calibration assignment the judge must submit before scoring this (another) entry of the same
    round: None when the round has no example, the judge was not given it, or already submitted it."""
    if assignment.calibration:
        return None
    judging_round = assignment.round
    if not is_active(judging_round):
        return None
    first = db.session.scalar(
        select(Assignment)
        .where(
            Assignment.round_id == judging_round.id,
            Assignment.judge_id == assignment.judge_id,
            Assignment.nomination_id == judging_round.calibration_nomination_id,
            Assignment.calibration.is_(True),
            Assignment.status == AssignmentStatus.ASSIGNED,
        )
        .options(selectinload(Assignment.review))
    )
    if first is None or _submitted(first):
        return None
    return first


# --- Comparing scores ----------------------------------------------------------------------------


def number_text(value: float) -> str:
    """2 → "2", 2.5 → "2.5", 62.456 → "62.5" (in Swedish "62,5")."""
    return format_decimal(round(value, 1), format="#,##0.#")


def points(value: float) -> str:
    rounded = round(abs(value), 1)
    count = int(rounded) if rounded == int(rounded) else 100  # a fraction takes the plural ("other") form
    return ngettext("%(value)s point", "%(value)s points", count, value=number_text(rounded))


def against_median(yours: float, median: float, *, overall: bool = False) -> str:
    """ "You scored 2 points above the panel's median" (`overall`: "… median overall")."""
    difference = round(yours - median, 1)
    if difference == 0:
        return (
            _("You scored the same as the panel's median overall")
            if overall
            else _("You scored the same as the panel's median")
        )
    shown = points(difference)
    if difference > 0:
        if overall:
            return _("You scored %(points)s above the panel's median overall", points=shown)
        return _("You scored %(points)s above the panel's median", points=shown)
    if overall:
        return _("You scored %(points)s below the panel's median overall", points=shown)
    return _("You scored %(points)s below the panel's median", points=shown)


@dataclass(frozen=True)
class CriterionComparison:
    name: str
    scale_min: int
    scale_max: int
    yours: int | None  # None: not applicable
    median: float | None  # None: no judge scored it

    @property
    def words(self) -> str:
        if self.yours is None:
            return _("You chose ‘Not applicable’")
        if self.median is None:
            return _("No judge of the panel gave this criterion a score")
        return against_median(self.yours, self.median)


def most_common(verdicts: Iterable[Verdict]) -> list[Verdict]:
    """The verdicts given most often (several when they tie), harshest first."""
    counts = Counter(verdicts)
    if not counts:
        return []
    top = max(counts.values())
    return sorted((v for v, n in counts.items() if n == top), key=lambda v: VERDICT_ORDER[v])


# A verdict in words (Verdict.label is English)
VERDICT_WORDS = {Verdict.PASS: _l("Pass"), Verdict.FAIL: _l("Fail"), Verdict.UNSURE: _l("Unsure")}


def verdict_label(verdict: Verdict) -> str:
    return str(VERDICT_WORDS[verdict])


def _verdict_names(verdicts: list[Verdict]) -> str:
    names = [verdict_label(v) for v in verdicts]
    if len(names) == 1:
        return names[0]
    return _("%(names)s and %(last)s", names=", ".join(names[:-1]), last=names[-1])


def verdict_words(yours: Verdict | None, common: list[Verdict]) -> str:
    if yours is None:
        return _("You gave no verdict")
    if not common:
        return _("No judge of the panel gave a verdict")
    if len(common) > 1:
        return _(
            "You said %(verdict)s. The panel is split between %(verdicts)s",
            verdict=verdict_label(yours),
            verdicts=_verdict_names(common),
        )
    if yours is common[0]:
        return _("You said %(verdict)s, as most of the panel did", verdict=verdict_label(yours))
    return _(
        "You said %(verdict)s; most of the panel said %(common)s",
        verdict=verdict_label(yours),
        common=verdict_label(common[0]),
    )


def _total(review: Review, criteria: dict[int, Criterion]) -> float | None:
    """The review's overall score, 0–100 over the criteria scored, weighted: the judge's overall score as
    the score sheet shows it (results.scoring.review_score, which judging may not import)."""
    weighted = total_weight = 0.0
    for s in review.scores:
        criterion = criteria.get(s.criterion_id)
        if s.not_applicable or s.value is None or criterion is None or criterion.scale_max == criterion.scale_min:
            continue
        weighted += criterion.weight * (s.value - criterion.scale_min) / (criterion.scale_max - criterion.scale_min)
        total_weight += criterion.weight
    return 100.0 * weighted / total_weight if total_weight else None


@dataclass
class Comparison:
    """A judge's calibration review beside the panel's submitted ones."""

    judging_round: JudgingRound
    example: Nomination
    submitted: int  # the panel's submitted calibration reviews, the judge's included
    criteria: list[CriterionComparison] = field(default_factory=list)
    total: float | None = None  # 0–100
    total_median: float | None = None
    verdict: Verdict | None = None
    common: list[Verdict] = field(default_factory=list)
    verdict_counts: dict[Verdict, int] = field(default_factory=dict)

    @property
    def scored(self) -> bool:
        return self.judging_round.mode is RoundMode.SCORES

    @property
    def total_words(self) -> str:
        if self.total is None or self.total_median is None:
            return _("There is no overall score to compare: no criterion was given a score")
        return against_median(self.total, self.total_median, overall=True)

    @property
    def verdict_text(self) -> str:
        return verdict_words(self.verdict, self.common)

    @property
    def verdict_lines(self) -> list[tuple[str, int]]:
        """How many of the panel gave each verdict, most lenient first: [("Pass", 3), …]."""
        order = sorted(Verdict, key=lambda v: -VERDICT_ORDER[v])
        return [(verdict_label(v), self.verdict_counts.get(v, 0)) for v in order]


def _submitted_reviews(judging_round: JudgingRound) -> list[Assignment]:
    example = judging_round.calibration_nomination_id
    return [
        a
        for a in calibration_assignments(judging_round)
        if a.nomination_id == example and a.status is AssignmentStatus.ASSIGNED and _submitted(a)
    ]


def comparison(judging_round: JudgingRound, judge: Judge) -> Comparison | None:
    """How the judge's submitted calibration review compares with the panel's median (None until they
    have submitted it, or when the round has no example)."""
    if not is_active(judging_round) or judging_round.calibration_nomination is None:
        return None
    done = _submitted_reviews(judging_round)
    own = next((a for a in done if a.judge_id == judge.id), None)
    if own is None or own.review is None:
        return None
    reviews = [a.review for a in done if a.review is not None]
    result = Comparison(judging_round, judging_round.calibration_nomination, len(reviews))
    if judging_round.mode is RoundMode.PASS_FAIL:
        verdicts = [r.verdict for r in reviews if r.verdict is not None]
        result.verdict = own.review.verdict
        result.common = most_common(verdicts)
        result.verdict_counts = dict(Counter(verdicts))
        return result
    criteria = list(judging_round.criteria)
    specs = {c.id: c for c in criteria}
    mine = {s.criterion_id: s for s in own.review.scores}
    for criterion in criteria:
        values = [
            s.value
            for r in reviews
            for s in r.scores
            if s.criterion_id == criterion.id and s.value is not None and not s.not_applicable
        ]
        score = mine.get(criterion.id)
        result.criteria.append(
            CriterionComparison(
                criterion.name,
                criterion.scale_min,
                criterion.scale_max,
                score.value if score is not None and not score.not_applicable else None,
                float(statistics.median(values)) if values else None,
            )
        )
    totals = [t for r in reviews if (t := _total(r, specs)) is not None]
    result.total = _total(own.review, specs)
    result.total_median = float(statistics.median(totals)) if totals else None
    return result


# --- The organisers' view: each judge's severity -------------------------------------------------

SUBMITTED, NOT_YET, DRAFT, CONFLICT = "Submitted", "Not yet", "In progress", "Conflict declared"
# The statuses above are codes; their words on the organisers' page
STATUS_WORDS = {
    SUBMITTED: _l("Submitted"),
    NOT_YET: _l("Not yet"),
    DRAFT: _l("In progress"),
    CONFLICT: _l("Conflict declared"),
}


@dataclass(frozen=True)
class Severity:
    """One judge's line in the organisers' severity table."""

    judge_id: int
    name: str
    status: str
    total: float | None = None  # 0–100, scores rounds
    difference: float | None = None  # total − the panel's median
    verdict: Verdict | None = None  # pass / fail rounds
    agrees: bool | None = None  # the verdict is the panel's single most common

    @property
    def status_text(self) -> str:
        return str(STATUS_WORDS[self.status])

    @property
    def words(self) -> str:
        if self.status != SUBMITTED:
            return ""
        if self.verdict is not None:
            return _("Agrees with the panel") if self.agrees else _("Differs from the panel")
        if self.difference is None:
            return ""
        difference = round(self.difference, 1)
        if difference == 0:
            return _("In line with the panel")
        if difference > 0:
            return _("More lenient by %(points)s", points=points(difference))
        return _("Harsher by %(points)s", points=points(difference))


@dataclass
class SeverityTable:
    rows: list[Severity]
    median: float | None = None  # the panel's median overall score
    common: list[Verdict] = field(default_factory=list)
    submitted: int = 0

    @property
    def common_text(self) -> str:
        return _verdict_names(self.common) if self.common else ""


def severity_table(judging_round: JudgingRound) -> SeverityTable:
    """Every judge given the round's example, by name: whether they have submitted, their overall score
    (or verdict) and how far it is from the panel's median (or its most common verdict)."""
    example = judging_round.calibration_nomination_id
    if example is None:
        return SeverityTable([])
    mine = [a for a in calibration_assignments(judging_round) if a.nomination_id == example]
    criteria = list(judging_round.criteria)
    specs = {c.id: c for c in criteria}
    done = [a for a in mine if a.status is AssignmentStatus.ASSIGNED and _submitted(a)]
    pass_fail = judging_round.mode is RoundMode.PASS_FAIL
    totals = {a.id: _total(a.review, specs) for a in done if a.review is not None} if not pass_fail else {}
    known = [t for t in totals.values() if t is not None]
    median = float(statistics.median(known)) if known else None
    common = most_common(a.review.verdict for a in done if a.review is not None and a.review.verdict is not None)
    rows = []
    for a in mine:
        name = a.judge.display_name
        if a.status is not AssignmentStatus.ASSIGNED:
            rows.append(Severity(a.judge_id, name, CONFLICT))
            continue
        if not _submitted(a) or a.review is None:
            rows.append(Severity(a.judge_id, name, DRAFT if a.review is not None else NOT_YET))
            continue
        if pass_fail:
            verdict = a.review.verdict
            rows.append(
                Severity(a.judge_id, name, SUBMITTED, verdict=verdict, agrees=len(common) == 1 and verdict is common[0])
            )
            continue
        total = totals.get(a.id)
        difference = total - median if total is not None and median is not None else None
        rows.append(Severity(a.judge_id, name, SUBMITTED, total=total, difference=difference))
    rows.sort(key=lambda r: (r.name.casefold(), r.judge_id))
    return SeverityTable(rows, median, common, len(done))
