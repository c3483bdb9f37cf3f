"""What a final round's panel meeting shows and records, per category (the meetings themselves, who sits
on them and their locks are domain/judging/meetings.py).

The board: every entry of the category in the round, in the round's order, with each judge's submitted
work side by side (scores per criterion with their comments, or the verdict, or the place in their
ranking, and the private comment), the entry's raw and normalised score and disagreement flag from the
round's results (the ranking the results page shows, shortlists.cycle_ranking), a pass/fail tally or
ranking points in those modes, and the current decision. An entry the viewer is conflicted with is left
out altogether (and with one left out no positions are shown, since a gap would place it).

A decision is the cycle's shortlist decision (shortlists.decide: one winner per category, audited with
whoever decided as the actor), always with the panel's rationale, and only while the meeting is open."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from awards.domain.core.errors import DomainError, NotFound
from awards.domain.judging import meetings
from awards.domain.judging.blind_copies import judge_titles
from awards.domain.results import round_modes, shortlists
from awards.domain.results.scoring import NominationResult
from awards.extensions import db
from awards.models import (
    Assignment,
    Category,
    Criterion,
    Judge,
    JudgingRound,
    Nomination,
    PanelMeeting,
    Result,
    Review,
    ReviewStatus,
    RoundMode,
    ShortlistDecision,
    User,
)

RATIONALE_MAX = 5000


@dataclass
class ScoreCell:
    criterion: Criterion
    value: int | None
    not_applicable: bool
    comment: str


@dataclass
class JudgeWork:
    """One judge's submitted review of the entry."""

    judge_name: str
    scores: list[ScoreCell]
    review_score: float | None  # 0–100 over the criteria they answered (scores mode)
    normalised: float | None
    verdict_label: str | None
    rank: int | None
    comment: str


@dataclass
class MeetingEntry:
    nomination: Nomination
    title: str  # as the viewer may read it (a judge in a blind round reads the redacted title)
    position: int | None
    result: NominationResult | None  # scores mode
    tally: round_modes.Tally | None  # pass / fail mode
    ranking: round_modes.RankScore | None  # ranking mode
    work: list[JudgeWork] = field(default_factory=list)
    decision: ShortlistDecision | None = None
    decided_by: str = ""


@dataclass
class MeetingBoard:
    judging_round: JudgingRound
    category: Category
    criteria: list[Criterion]
    entries: list[MeetingEntry]
    hidden: int  # entries left out: the viewer is conflicted with them
    closed: PanelMeeting | None
    closed_by: str
    rule: str  # how the round's results are combined, in words

    @property
    def winner(self) -> MeetingEntry | None:
        return next((e for e in self.entries if e.decision and e.decision.result is Result.WINNER), None)


def _submitted_reviews(judging_round: JudgingRound, ids: list[int]) -> list[Review]:
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Review)
            .join(Assignment, Review.assignment_id == Assignment.id)
            .where(
                Assignment.round_id == judging_round.id,
                Assignment.calibration.is_(False),
                Assignment.nomination_id.in_(ids),
                Review.status == ReviewStatus.SUBMITTED,
            )
            .options(
                selectinload(Review.scores),
                selectinload(Review.assignment).selectinload(Assignment.judge).selectinload(Judge.user),
            )
            .order_by(Review.id)
        )
    )


def _order(
    judging_round: JudgingRound, category: Category, nominations: dict[int, Nomination]
) -> tuple[list[int], dict[int, int], dict]:
    """The entries in the round's order, their positions, and each one's combined result by mode."""
    cycle = judging_round.cycle
    references = {nid: n.reference for nid, n in nominations.items()}
    if judging_round.mode is RoundMode.SCORES:
        ranking = shortlists.cycle_ranking(cycle, judging_round)
        order = [nid for _, nid in ranking.order.get(category.id, []) if nid in nominations]
        order += sorted((nid for nid in nominations if nid not in order), key=references.__getitem__)
        positions = {nid: p for p, nid in ranking.order.get(category.id, []) if nid in nominations}
        detailed = shortlists.detailed_results(judging_round, ranking, order)  # with each review's scores
        return order, positions, {nid: detailed.get(nid) for nid in order}
    rows = db.session.execute(
        select(Assignment.judge_id, Assignment.nomination_id, Review.verdict, Review.rank)
        .join(Review, Review.assignment_id == Assignment.id)
        .where(
            Assignment.round_id == judging_round.id,
            Assignment.calibration.is_(False),
            Review.status == ReviewStatus.SUBMITTED,
        )
    ).all()
    if judging_round.mode is RoundMode.PASS_FAIL:
        tallies = round_modes.tally((nid, v.value) for _, nid, v, _ in rows if v is not None and nid in nominations)
        order = round_modes.order_by_tally(references, tallies)
        return order, {nid: i for i, nid in enumerate(order, 1)}, {nid: tallies.get(nid) for nid in order}
    placings = [(judge_id, nid, rank) for judge_id, nid, _, rank in rows if rank is not None]
    order, scores = round_modes.rank_entries(judging_round.ranking_method, references, placings)
    return order, {nid: i for i, nid in enumerate(order, 1)}, {nid: scores.get(nid) for nid in order}


def _rule(judging_round: JudgingRound) -> str:
    if judging_round.mode is RoundMode.PASS_FAIL:
        return round_modes.verdict_rule()
    if judging_round.mode is RoundMode.RANKING:
        return round_modes.ranking_rule(judging_round.ranking_method)
    if judging_round.ranking_basis == "normalised":
        return _("Entries are in order of their normalised score, as on the results page of the round.")
    return _("Entries are in order of their raw score, as on the results page of the round.")


def _work(review: Review, criteria: list[Criterion], result: NominationResult | None) -> JudgeWork:
    by_criterion = {s.criterion_id: s for s in review.scores}
    cells = []
    for criterion in criteria:
        score = by_criterion.get(criterion.id)
        cells.append(
            ScoreCell(
                criterion,
                score.value if score else None,
                bool(score.not_applicable) if score else False,
                score.comment if score else "",
            )
        )
    return JudgeWork(
        judge_name=review.assignment.judge.display_name,
        scores=cells,
        review_score=result.review_scores.get(review.id) if result else None,
        normalised=result.normalised_reviews.get(review.id) if result else None,
        verdict_label=review.verdict.label if review.verdict else None,
        rank=review.rank,
        comment=review.overall_comment,
    )


def meeting_board(
    judging_round: JudgingRound,
    category: Category,
    *,
    withhold: AbstractSet[int] = frozenset(),
    judge_view: bool = False,
) -> MeetingBoard:
    """The category's meeting in the (final) round as the viewer may see it: `withhold` are the entries
    they are conflicted with (left out); a judge (`judge_view`) reads each title as judges read it."""
    all_ids = meetings.entry_ids(judging_round, category)
    shown_ids = [nid for nid in all_ids if nid not in withhold]
    nominations = {
        n.id: n
        for n in db.session.scalars(
            select(Nomination).where(Nomination.id.in_(shown_ids)).options(selectinload(Nomination.category))
        )
    }
    order, positions, combined = _order(judging_round, category, nominations)
    hidden = len(all_ids) - len(shown_ids)
    criteria = shortlists.round_criteria(judging_round) if judging_round.mode is RoundMode.SCORES else []
    decisions = {
        d.nomination_id: d
        for d in db.session.scalars(select(ShortlistDecision).where(ShortlistDecision.nomination_id.in_(shown_ids)))
    }
    deciders = {d.decided_by_id for d in decisions.values() if d.decided_by_id}
    # their names only (a User row would bring its roles too); one query, with or without decisions
    people = {uid: name for uid, name in db.session.execute(select(User.id, User.name).where(User.id.in_(deciders)))}
    titles = judge_titles(list(nominations.values()), judging_round) if judge_view else {}
    work: dict[int, list[JudgeWork]] = {nid: [] for nid in order}
    for review in _submitted_reviews(judging_round, shown_ids):
        nid = review.assignment.nomination_id
        result = combined.get(nid) if judging_round.mode is RoundMode.SCORES else None
        work[nid].append(_work(review, criteria, result))
    entries = []
    for nid in order:
        nomination = nominations[nid]
        value = combined.get(nid)
        decision = decisions.get(nid)
        entries.append(
            MeetingEntry(
                nomination=nomination,
                title=titles.get(nid, nomination.display_title) if judge_view else nomination.display_title,
                position=None if hidden else positions.get(nid),
                result=value if isinstance(value, NominationResult) else None,
                tally=value if isinstance(value, round_modes.Tally) else None,
                ranking=value if isinstance(value, round_modes.RankScore) else None,
                work=work[nid],
                decision=decision,
                decided_by=people.get(decision.decided_by_id, "") if decision and decision.decided_by_id else "",
            )
        )
    closed = meetings.closed_meeting(judging_round, category)
    closed_by = ""
    if closed is not None and closed.closed_by_id is not None:
        closed_by = db.session.scalar(select(User.name).where(User.id == closed.closed_by_id)) or ""
    return MeetingBoard(judging_round, category, criteria, entries, hidden, closed, closed_by, _rule(judging_round))


def undecided_count(judging_round: JudgingRound, category: Category) -> int:
    """How many of the category's entries in the round have no decision yet."""
    ids = meetings.entry_ids(judging_round, category)
    if not ids:
        return 0
    decided = db.session.scalar(
        select(func.count(ShortlistDecision.id)).where(ShortlistDecision.nomination_id.in_(ids))
    )
    return len(ids) - (decided or 0)


def record_decision(
    judging_round: JudgingRound,
    category: Category,
    nomination: Nomination,
    result: Result,
    *,
    rationale: str,
    by: User,
    as_judge: bool = False,
) -> ShortlistDecision:
    """The panel's decision for an entry of the category's open meeting, with its rationale (required),
    as the cycle's shortlist decision: shortlists.decide's rules hold (one winner per category, an
    organiser conflicted with it leaves it to another), and it is audited with `by` as the actor. A
    judge (`as_judge`) conflicted with the entry is told it does not exist."""
    meetings.check_meeting_open(judging_round, category)
    if nomination.id not in meetings.entry_ids(judging_round, category):
        raise NotFound(_("That entry is not in this meeting"))
    if as_judge and nomination.id in shortlists.withheld_nominations(judging_round.cycle, by):
        raise NotFound(_("That entry is not in this meeting"))
    rationale = (rationale or "").strip()
    if not rationale:
        raise DomainError(_("Give the panel’s reason for the decision"), field="rationale")
    if len(rationale) > RATIONALE_MAX:
        raise DomainError(
            _("The reason must be %(rationale_max)s characters or fewer", rationale_max=format_decimal(RATIONALE_MAX)),
            field="rationale",
        )
    return shortlists.decide(judging_round.cycle, nomination, result, rationale=rationale, by=by)
