"""Feedback for the entrant: what a judge writes for the entrant (apart from their private comments),
reviewed by an organiser before anything is released.

A judge's feedback waits for review (FeedbackStatus.PENDING). An organiser reads it beside a check that
points out anything identifying its judge (their name, e-mail address, organisation or an organisation
they are affiliated with), may change the wording the entrant will see, and approves it (the wording is
kept apart from the judge's text, as `feedback_released`) or withholds it. Wording the check flags is
approved only when the organiser ticks that they have checked it does not identify the judge.

Approved wording reaches the entrant only with the cycle's published results, never with a judge's
name (domain/results/released_feedback.py); a calibration example's feedback never reaches anyone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.judging import rounds
from awards.extensions import db
from awards.models import (
    Affiliation,
    AffiliationKind,
    Assignment,
    AssignmentStatus,
    Cycle,
    FeedbackStatus,
    Judge,
    JudgingRound,
    Nomination,
    Review,
    ReviewStatus,
    RoundMode,
    User,
)

WORDING_MAX_LENGTH = 10000
# The organisers' list of feedback: its filters, by the name in the address (?status=…)
FILTERS = {
    "to-review": FeedbackStatus.PENDING,
    "approved": FeedbackStatus.APPROVED,
    "withheld": FeedbackStatus.WITHHELD,
}
FILTER_LABELS = {"to-review": _l("To review"), "approved": _l("Approved"), "withheld": _l("Withheld")}
CHECKED_LABEL = _l("I have checked: this does not identify the judge")
# Why the feedback cannot be decided yet, by how the review was judged: (nothing written, not submitted)
_NOT_READY = {
    RoundMode.SCORES: (
        _l("The judge has not written any feedback for the entrant on these scores."),
        _l(
            "The judge has not submitted these scores yet, so their feedback may still change: "
            "approve or withhold it once they have."
        ),
    ),
    RoundMode.PASS_FAIL: (
        _l("The judge has not written any feedback for the entrant on this verdict."),
        _l(
            "The judge has not submitted this verdict yet, so their feedback may still change: "
            "approve or withhold it once they have."
        ),
    ),
    RoundMode.RANKING: (
        _l("The judge has not written any feedback for the entrant on this ranking."),
        _l(
            "The judge has not submitted this ranking yet, so their feedback may still change: "
            "approve or withhold it once they have."
        ),
    ),
}

# What the check found, by the kind of term (Term.what), with the text found
_FOUND = {
    "name": _l("It names the judge (%(text)s)"),
    "email": _l("It gives the judge’s email address (%(text)s)"),
    "organisation": _l("It names the judge’s organisation (%(text)s)"),
    AffiliationKind.WORKS_FOR.value: _l("It names an organisation the judge works for (%(text)s)"),
    AffiliationKind.WORKED_FOR.value: _l("It names an organisation the judge has worked for (%(text)s)"),
    AffiliationKind.PARTNERS_WITH.value: _l("It names an organisation the judge partners with (%(text)s)"),
}


# ---------------------------------------------------------------- the check


@dataclass(frozen=True)
class Term:
    """Something that would identify the judge, and how to say it was found."""

    text: str
    what: str  # what it is, a key of _FOUND: "name", "email", "organisation", or an affiliation's kind
    whole_words: bool = True  # False: found anywhere in the text (an e-mail address)

    def found_in(self, text: str) -> bool:
        if not self.whole_words:
            return self.text.lower() in text.lower()
        words = r"\s+".join(re.escape(word) for word in self.text.split())
        return re.search(rf"(?<!\w){words}(?!\w)", text, re.IGNORECASE) is not None

    @property
    def explanation(self) -> str:
        """ "It names the judge's organisation (Riverside Council)"."""
        return str(_FOUND[self.what]) % {"text": self.text}


def surname(name: str) -> str:
    """The last word of a full name, when it has 3 letters or more ("" otherwise)."""
    words = name.split()
    if len(words) < 2:
        return ""
    last = words[-1].strip(".,;:()\"'")
    return last if sum(1 for ch in last if ch.isalpha()) >= 3 else ""


def identifying_terms(judge: Judge, affiliations: Iterable[Affiliation] = ()) -> list[Term]:
    """What would identify the judge in feedback: their full name and surname, e-mail addresses,
    organisation (as a judge of the cycle and on their account) and their affiliations' organisations."""
    user = judge.user
    terms: list[Term] = []
    seen: set[str] = set()

    def add(text: str | None, what: str, whole_words: bool = True) -> None:
        text = " ".join((text or "").split())
        if len(text) < 3 or text.lower() in seen:
            return
        seen.add(text.lower())
        terms.append(Term(text, what, whole_words))

    name = user.name if user is not None else ""
    add(name, "name")
    add(surname(name), "name")
    add(judge.email, "email", whole_words=False)
    add(user.email if user is not None else "", "email", whole_words=False)
    add(judge.organisation, "organisation")
    add(user.organisation if user is not None else "", "organisation")
    for affiliation in affiliations:
        add(affiliation.name, affiliation.kind.value)
    return terms


def findings(text: str, terms: Sequence[Term]) -> list[str]:
    """What the text gives away of the judge, in words ("It names the judge (Zebedee Quill)"); a surname
    is not reported again when the full name was found."""
    found: list[str] = []
    named = False
    for term in terms:
        if term.found_in(text or ""):
            if term.what == "name":
                if named:
                    continue
                named = True
            found.append(term.explanation)
    return found


def affiliations_by_user(user_ids: Iterable[int | None]) -> dict[int, list[Affiliation]]:
    """Each person's affiliations (one query for all of them)."""
    ids = sorted({i for i in user_ids if i is not None})
    by_user: dict[int, list[Affiliation]] = defaultdict(list)
    if ids:
        for affiliation in db.session.scalars(
            select(Affiliation).where(Affiliation.user_id.in_(ids)).order_by(Affiliation.position, Affiliation.id)
        ):
            by_user[affiliation.user_id].append(affiliation)
    return by_user


def terms_for(review: Review) -> list[Term]:
    judge = review.assignment.judge
    return identifying_terms(judge, affiliations_by_user([judge.user_id]).get(judge.user_id or 0, []))


# ---------------------------------------------------------------- reading


def wording_of(review: Review) -> str:
    """The wording the entrant will see: the organiser's once they have approved some, else the judge's."""
    return review.feedback_released or review.feedback


def _in_cycle(cycle: Cycle) -> tuple[ColumnElement[bool], ...]:
    """The reviews with feedback of the cycle's nominations (every round; never a calibration example)."""
    return (
        Nomination.cycle_id == cycle.id,
        Assignment.calibration.is_(False),
        Review.feedback_status != FeedbackStatus.NONE,
    )


def _base(cycle: Cycle, withheld: AbstractSet[int]):
    query = (
        select(Review)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .join(JudgingRound, JudgingRound.id == Assignment.round_id)
        .where(*_in_cycle(cycle))
    )
    if withheld:
        query = query.where(Nomination.id.not_in(withheld))
    return query


def status_counts(cycle: Cycle, withheld: AbstractSet[int] = frozenset()) -> dict[FeedbackStatus, int]:
    """How many reviews of the cycle have feedback in each status (the reviews of nominations in
    `withheld` left out)."""
    query = (
        select(Review.feedback_status, func.count(Review.id))
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(*_in_cycle(cycle))
        .group_by(Review.feedback_status)
    )
    if withheld:
        query = query.where(Nomination.id.not_in(withheld))
    return {status: count for status, count in db.session.execute(query).all()}


@dataclass
class Item:
    """One review's feedback on the organisers' list."""

    review: Review
    findings: list[str]

    @property
    def assignment(self) -> Assignment:
        return self.review.assignment

    @property
    def wording(self) -> str:
        return wording_of(self.review)

    @property
    def edited(self) -> bool:
        return bool(self.review.feedback_released) and self.review.feedback_released != self.review.feedback

    @property
    def mode(self) -> RoundMode:
        return judged_as(self.review)


def judged_as(review: Review) -> RoundMode:
    """How the review was judged: its round's mode, or scores for a calibration example (always scored)."""
    assignment = review.assignment
    return RoundMode.SCORES if assignment.calibration else assignment.round.mode


def feedback_items(
    cycle: Cycle,
    status: FeedbackStatus | None,
    *,
    withheld: AbstractSet[int] = frozenset(),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[Item]]:
    """(how many, one page of them): the cycle's reviews with feedback in `status` (None: any), by
    round, then entry reference, then review; each with what the check finds in its wording. A fixed
    number of queries, however many there are."""
    query = _base(cycle, withheld)
    if status is not None:
        query = query.where(Review.feedback_status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.order_by(JudgingRound.number, Nomination.reference, Review.id).options(
        joinedload(Review.assignment).joinedload(Assignment.nomination),
        joinedload(Review.assignment).joinedload(Assignment.round),
        joinedload(Review.assignment).joinedload(Assignment.judge).joinedload(Judge.user),
    )
    if limit is not None:
        page = page.limit(limit).offset(offset)
    reviews = list(db.session.scalars(page).unique())
    affiliations = affiliations_by_user(r.assignment.judge.user_id for r in reviews)
    items = []
    for review in reviews:
        judge = review.assignment.judge
        terms = identifying_terms(judge, affiliations.get(judge.user_id or 0, []))
        items.append(Item(review, findings(wording_of(review), terms)))
    return total, items


# ---------------------------------------------------------------- deciding


def decision_problem(review: Review) -> str | None:
    """Why the review's feedback cannot be approved or withheld now (None: it can)."""
    if review.assignment.calibration:
        return _("This is a calibration example: its feedback is never shown to an entrant.")
    nothing_written, not_submitted = _NOT_READY[judged_as(review)]
    if review.feedback_status is FeedbackStatus.NONE or not review.feedback.strip():
        return str(nothing_written)
    if review.status is not ReviewStatus.SUBMITTED:
        return str(not_submitted)
    return None


def approve(review: Review, wording: str | None, *, checked: bool = False, by: User) -> list[str]:
    """Approve the feedback with `wording` (what the entrant will see: the judge's text, or the
    organiser's change of it). Refused when the wording is empty, too long, or gives the judge away
    (the check) and `checked` does not say the organiser has made sure it does not; and (Conflict) while
    the judge has not submitted the scores. Returns what the check found (approved anyway: `checked`)."""
    problem = decision_problem(review)
    if problem:
        raise Conflict(problem)
    text = (wording or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError(_("Enter the wording the entrant will see, or withhold the feedback"), field="wording")
    if len(text) > WORDING_MAX_LENGTH:
        raise DomainError(
            _(
                "The wording the entrant will see must be %(max)s characters or fewer",
                max=format_decimal(WORDING_MAX_LENGTH),
            ),
            field="wording",
        )
    found = findings(text, terms_for(review))
    if found and not checked:
        raise DomainError(
            _(
                "%(found)s. Change the wording so it does not identify the judge, or tick ‘%(checked)s’",
                found="; ".join(found),
                checked=CHECKED_LABEL,
            ),
            field="checked",
        )
    edited = text != review.feedback.replace("\r\n", "\n").strip()
    now = utcnow()
    review.feedback_released = text
    review.feedback_status = FeedbackStatus.APPROVED
    review.feedback_reviewed_at = now
    review.feedback_reviewed_by_id = by.id
    audit.record("feedback.approved", actor=by, obj=review, edited=edited, flagged=bool(found), **_where(review))
    return found


def withhold(review: Review, *, by: User) -> None:
    """Withhold the feedback: the entrant never sees it (it can be approved later)."""
    problem = decision_problem(review)
    if problem:
        raise Conflict(problem)
    review.feedback_status = FeedbackStatus.WITHHELD
    review.feedback_reviewed_at = utcnow()
    review.feedback_reviewed_by_id = by.id
    audit.record("feedback.withheld", actor=by, obj=review, **_where(review))


def _where(review: Review) -> dict[str, Any]:
    """The entry and its round (the cycle and the round's number) for the audit record."""
    assignment = review.assignment
    return {"nomination": assignment.nomination.reference, **rounds.round_audit(assignment.round)}


def set_scores_shown(cycle: Cycle, numbers: Iterable[int], *, by: User) -> list[JudgingRound]:
    """Which of the cycle's scored rounds show the entrant their score beside their category's average with
    the released feedback (`feedback_with_scores`): those numbered in `numbers`; any other number is
    ignored (a pass/fail or ranking round has no score to show). Returns the rounds changed (audited)."""
    wanted = set(numbers)
    changed = []
    for judging_round in cycle.rounds:
        if judging_round.mode is not RoundMode.SCORES:
            continue
        show = judging_round.number in wanted
        if judging_round.feedback_with_scores != show:
            judging_round.feedback_with_scores = show
            judging_round.updated_at = utcnow()
            changed.append(judging_round)
            which: dict[str, Any] = {"round": judging_round.number} if len(cycle.rounds) > 1 else {}
            audit.record("feedback.scores_shown" if show else "feedback.scores_hidden", actor=by, obj=cycle, **which)
    return changed


def scored_rounds(cycle: Cycle) -> list[JudgingRound]:
    """The cycle's rounds judged with scores (the ones that can show the entrant their score)."""
    return [r for r in cycle.rounds if r.mode is RoundMode.SCORES]


# ---------------------------------------------------------------- for the entrant


def approved_wordings(nomination: Nomination) -> list[tuple[JudgingRound, str]]:
    """(round, wording) of every approved feedback of the nomination's submitted reviews in any round,
    by round and then in a stable order; never a calibration example's, never a recused judge's.
    Nothing here says who wrote it. Whether the results are published is the caller's to check."""
    rows = db.session.execute(
        select(JudgingRound, Review.feedback_released)
        .join(Assignment, Assignment.round_id == JudgingRound.id)
        .join(Review, Review.assignment_id == Assignment.id)
        .where(
            Assignment.nomination_id == nomination.id,
            Assignment.calibration.is_(False),
            Assignment.status == AssignmentStatus.ASSIGNED,
            Review.status == ReviewStatus.SUBMITTED,
            Review.feedback_status == FeedbackStatus.APPROVED,
            Review.feedback_released != "",
        )
        .order_by(JudgingRound.number, Review.id)
    ).all()
    return [(judging_round, text) for judging_round, text in rows if text.strip()]
