"""Results of a cycle: leaderboards per category, the suggested shortlist, the organiser's
decisions (with a rationale for every change from the suggestion), and publication, which
changes nominations' statuses, tells nominees, and makes impact cases of consenting
shortlisted nominations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (Assignment, Category, Criterion, Cycle, CycleStatus, ImpactCase, ImpactCaseTrend, Nomination,
                      NominationStatus, Result, Review, ReviewScore, ReviewStatus, ShortlistDecision, User)
from . import audit
from .clock import utcnow
from .errors import Conflict, DomainError
from .mail import queue_email
from .scoring import (CriterionSpec, NominationResult, RankKey, ReviewInput, ScoreInput, aggregate, rank)
from .text import unique_slug

RANKED_STATUSES = (NominationStatus.SUBMITTED, NominationStatus.SHORTLISTED, NominationStatus.HIGHLY_COMMENDED,
                   NominationStatus.WINNER)
SHORTLIST_RESULTS = (Result.WINNER, Result.HIGHLY_COMMENDED, Result.SHORTLISTED)
STATUS_FOR_RESULT = {Result.WINNER: NominationStatus.WINNER, Result.HIGHLY_COMMENDED: NominationStatus.HIGHLY_COMMENDED,
                     Result.SHORTLISTED: NominationStatus.SHORTLISTED}


@dataclass
class Row:
    position: int
    nomination: Nomination
    result: NominationResult
    decision: ShortlistDecision | None
    complete: bool

    @property
    def suggested(self) -> bool:
        return self.decision.suggested if self.decision else False


@dataclass
class CategoryBoard:
    category: Category
    rows: list[Row] = field(default_factory=list)

    @property
    def incomplete(self) -> int:
        return sum(1 for r in self.rows if not r.complete)


@dataclass
class CycleResults:
    cycle: Cycle
    boards: list[CategoryBoard]
    results: dict[int, NominationResult]
    criteria: list[Criterion]


def load_reviews(cycle: Cycle) -> list[ReviewInput]:
    """Every submitted review of the cycle with its scores, in two queries."""
    rows = db.session.execute(
        select(Review.id, Assignment.judge_id, Assignment.nomination_id)
        .join(Assignment, Review.assignment_id == Assignment.id)
        .join(Nomination, Assignment.nomination_id == Nomination.id)
        .where(Nomination.cycle_id == cycle.id, Review.status == ReviewStatus.SUBMITTED)
        .order_by(Review.id)).all()
    scores: dict[int, list[ScoreInput]] = defaultdict(list)
    if rows:
        for review_id, criterion_id, value, na in db.session.execute(
                select(ReviewScore.review_id, ReviewScore.criterion_id, ReviewScore.value, ReviewScore.not_applicable)
                .join(Review, ReviewScore.review_id == Review.id)
                .join(Assignment, Review.assignment_id == Assignment.id)
                .join(Nomination, Assignment.nomination_id == Nomination.id)
                .where(Nomination.cycle_id == cycle.id, Review.status == ReviewStatus.SUBMITTED)):
            scores[review_id].append(ScoreInput(criterion_id, value, na))
    return [ReviewInput(rid, jid, nid, scores[rid]) for rid, jid, nid in rows]


def top_criterion(criteria: list[Criterion]) -> Criterion | None:
    """The highest-weighted criterion (the first of equals), used to break ties."""
    return min(criteria, key=lambda c: (-c.weight, c.position, c.id)) if criteria else None


def cycle_results(cycle: Cycle) -> CycleResults:
    """Leaderboards per category, ranked by the cycle's basis with the stated tie-break."""
    criteria = list(db.session.scalars(select(Criterion).where(Criterion.cycle_id == cycle.id)
                                       .order_by(Criterion.position, Criterion.id)))
    specs = [CriterionSpec(c.id, c.weight, c.scale_min, c.scale_max) for c in criteria]
    results = aggregate(load_reviews(cycle), specs, method=cycle.aggregation_method,
                        range_threshold=cycle.disagreement_range, sd_threshold=cycle.disagreement_sd)
    nominations = list(db.session.scalars(
        select(Nomination).where(Nomination.cycle_id == cycle.id, Nomination.status.in_(RANKED_STATUSES))
        .options(selectinload(Nomination.trend_links), selectinload(Nomination.category))
        .order_by(Nomination.id)))
    decisions = {d.nomination_id: d for d in db.session.scalars(
        select(ShortlistDecision).where(ShortlistDecision.cycle_id == cycle.id))}
    top = top_criterion(criteria)
    by_category: dict[int, list[Nomination]] = defaultdict(list)
    for n in nominations:
        by_category[n.category_id].append(n)
    boards = []
    for category in cycle.categories:
        members = {n.id: n for n in by_category.get(category.id, [])}
        keys = [RankKey(n.id, n.reference, n.submitted_at) for n in members.values()]
        board = CategoryBoard(category)
        for position, result in rank(results, keys, basis=cycle.ranking_basis,
                                     top_criterion_id=top.id if top else None):
            nomination = members[result.nomination_id]
            board.rows.append(Row(position, nomination, result, decisions.get(nomination.id),
                                  complete=result.n >= cycle.judges_per_nomination))
        boards.append(board)
    return CycleResults(cycle, boards, results, criteria)


def _check_not_published(cycle: Cycle) -> None:
    if cycle.status is CycleStatus.PUBLISHED:
        raise Conflict("The results of this cycle are published: unpublish them to change the shortlist")


def suggest_shortlist(cycle: Cycle, *, by: User) -> int:
    """Top N per category (the category's shortlist size) by the ranking basis; replaces earlier decisions."""
    _check_not_published(cycle)
    board = cycle_results(cycle)
    db.session.execute(ShortlistDecision.__table__.delete().where(ShortlistDecision.cycle_id == cycle.id))
    now = utcnow()
    count = 0
    for category_board in board.boards:
        for row in category_board.rows:
            on_list = row.position <= category_board.category.shortlist_size and row.result.n > 0
            db.session.add(ShortlistDecision(cycle_id=cycle.id, nomination_id=row.nomination.id,
                                             result=Result.SHORTLISTED if on_list else Result.NOT_SHORTLISTED,
                                             suggested=on_list, rationale="", decided_at=now, decided_by_id=by.id))
            count += on_list
    db.session.flush()
    audit.record("shortlist.suggested", actor=by, obj=cycle, shortlisted=count)
    return count


def decide(cycle: Cycle, nomination: Nomination, result: Result, *, rationale: str, by: User) -> ShortlistDecision:
    """Set a nomination's result. A change from the suggestion needs a rationale; one winner per category."""
    _check_not_published(cycle)
    if nomination.cycle_id != cycle.id or nomination.status not in RANKED_STATUSES:
        raise DomainError("Only submitted nominations of this cycle can be shortlisted")
    decision = db.session.scalar(select(ShortlistDecision).where(ShortlistDecision.nomination_id == nomination.id))
    suggested = decision.suggested if decision else False
    differs = (result in SHORTLIST_RESULTS) != suggested
    rationale = (rationale or "").strip()
    if differs and not rationale:
        raise DomainError("Give the reason for changing the suggested shortlist", field="rationale")
    if result is Result.WINNER:
        other = db.session.scalar(
            select(ShortlistDecision).join(Nomination, ShortlistDecision.nomination_id == Nomination.id)
            .where(ShortlistDecision.cycle_id == cycle.id, ShortlistDecision.result == Result.WINNER,
                   Nomination.category_id == nomination.category_id, Nomination.id != nomination.id))
        if other is not None:
            raise Conflict(f"{other.nomination.reference} is already the winner of this category: "
                           "change it first", field="result")
    if decision is None:
        decision = ShortlistDecision(cycle_id=cycle.id, nomination_id=nomination.id, suggested=False)
        db.session.add(decision)
    previous = decision.result.value if decision.result else None
    decision.result, decision.rationale = result, rationale
    decision.decided_at, decision.decided_by_id = utcnow(), by.id
    db.session.flush()
    audit.record("shortlist.decided", actor=by, obj=nomination, result=result.value, previous=previous,
                 rationale=rationale, differs_from_suggestion=differs)
    return decision


def unique_case_slug(title: str, year: int) -> str:
    return unique_slug(ImpactCase.slug, f"{title} {year}", max_length=150)


def _search_text(case: ImpactCase) -> str:
    partners = " ".join(p.get("name", "") for p in case.partners or [])
    return " ".join([case.title, case.summary, case.organisation, partners]).lower()


def refresh_search_text(case: ImpactCase) -> None:
    case.search_text = _search_text(case)


def prepare_case(cycle: Cycle, nomination: Nomination, *, by: User) -> ImpactCase:
    """A draft public copy of a shortlisted nomination, to edit before the results are published."""
    decision = db.session.scalar(select(ShortlistDecision).where(ShortlistDecision.nomination_id == nomination.id))
    if nomination.cycle_id != cycle.id or decision is None or decision.result not in SHORTLIST_RESULTS:
        raise DomainError("Only shortlisted nominations get a public copy")
    if not nomination.consents_to_publish:
        raise DomainError("The nominee did not consent to publication, so there is no public copy")
    existing = db.session.scalar(select(ImpactCase).where(ImpactCase.nomination_id == nomination.id))
    if existing is not None:
        return existing
    case = make_impact_case(nomination, decision.result, utcnow(), published=False)
    db.session.add(case)
    db.session.flush()
    audit.record("impact_case.prepared", actor=by, obj=case, nomination=nomination.reference)
    return case


def make_impact_case(nomination: Nomination, result: Result, now: datetime, published: bool = True) -> ImpactCase:
    """The public copy of a nomination: its own words (never the judges' redacted copy), no contact details."""
    case = ImpactCase(
        slug=unique_case_slug(nomination.title or nomination.reference, nomination.cycle.year),
        cycle_id=nomination.cycle_id, nomination_id=nomination.id, category_id=nomination.category_id,
        category_name=nomination.category.name, year=nomination.cycle.year, result=result,
        title=nomination.title, summary=nomination.summary, challenge=nomination.challenge,
        approach=nomination.approach, outcomes_narrative=nomination.outcomes_narrative,
        measured_outcomes=[{"metric": m.metric, "baseline": m.baseline, "result": m.result,
                            "measured_on": m.measured_on} for m in nomination.measured_outcomes],
        unintended_consequences=nomination.unintended_consequences, lessons=nomination.lessons,
        organisation=nomination.organisation_name,
        partners=[{"name": p.name, "is_supplier": p.is_supplier} for p in nomination.partners],
        region=nomination.region, licence="CC BY 4.0", published_at=now if published else None, updated_at=now)
    case.trend_links = [ImpactCaseTrend(trend_id=link.trend_id, is_primary=link.is_primary,
                                        how_addressed=link.how_addressed, position=i)
                        for i, link in enumerate(nomination.trend_links)]
    refresh_search_text(case)
    return case


RESULT_TEMPLATES = {Result.WINNER: ("result_winner", "Congratulations: your nomination has won"),
                    Result.HIGHLY_COMMENDED: ("result_highly_commended", "Your nomination is highly commended"),
                    Result.SHORTLISTED: ("result_shortlisted", "Your nomination is shortlisted"),
                    Result.NOT_SHORTLISTED: ("result_not_shortlisted", "The shortlist has been published")}


def publish(cycle: Cycle, *, by: User) -> dict[str, int]:
    """Publish the results: statuses change now (never before), nominees are e-mailed, and
    each shortlisted nomination whose nominee consented becomes a public impact case."""
    if cycle.status is not CycleStatus.JUDGING:
        raise Conflict("Results can be published once the cycle is in judging")
    decisions = list(db.session.scalars(
        select(ShortlistDecision).where(ShortlistDecision.cycle_id == cycle.id)
        .options(selectinload(ShortlistDecision.nomination)).order_by(ShortlistDecision.nomination_id)))
    if not any(d.result in SHORTLIST_RESULTS for d in decisions):
        raise DomainError("There is no shortlist yet: suggest one and adjust it before publishing")
    now = utcnow()
    counts = {"shortlisted": 0, "impact_cases": 0, "emails": 0}
    for decision in decisions:
        nomination = decision.nomination
        if nomination.status not in RANKED_STATUSES:
            continue
        if decision.result in SHORTLIST_RESULTS:
            nomination.status = STATUS_FOR_RESULT[decision.result]
            counts["shortlisted"] += 1
            existing = db.session.scalar(select(ImpactCase).where(ImpactCase.nomination_id == nomination.id))
            if nomination.consents_to_publish:
                if existing is None:
                    db.session.add(make_impact_case(nomination, decision.result, now))
                else:
                    existing.result, existing.unpublished_at = decision.result, None
                    existing.published_at = existing.published_at or now
                counts["impact_cases"] += 1
        else:
            nomination.status = NominationStatus.SUBMITTED
        nomination.updated_at = now
        if nomination.nominator is not None:
            template, subject = RESULT_TEMPLATES[decision.result]
            queue_email(to_address=nomination.nominator.email, to_name=nomination.nominator.name, template=template,
                        subject=f"{subject}: {nomination.reference}", nomination=nomination, cycle=cycle)
            counts["emails"] += 1
    cycle.status = CycleStatus.PUBLISHED
    cycle.results_published_at = now
    cycle.updated_at = now
    db.session.flush()
    audit.record("results.published", actor=by, obj=cycle, **counts)
    return counts


def unpublish_case(case: ImpactCase, *, by: User) -> None:
    """Take an impact case off the public site: its page then answers 410 Gone."""
    if case.unpublished_at is None:
        case.unpublished_at = utcnow()
        case.updated_at = case.unpublished_at
        audit.record("impact_case.unpublished", actor=by, obj=case)


def republish_case(case: ImpactCase, *, by: User) -> None:
    if case.unpublished_at is not None:
        case.unpublished_at = None
        case.published_at = case.published_at or utcnow()
        case.updated_at = utcnow()
        audit.record("impact_case.republished", actor=by, obj=case)


EDITABLE_CASE_FIELDS = ("title", "summary", "challenge", "approach", "outcomes_narrative", "unintended_consequences",
                        "lessons", "organisation", "region", "citation", "licence")


def edit_case(case: ImpactCase, *, by: User, **fields) -> list[str]:
    """Edit the public copy (never the nomination). Returns the changed field names."""
    unknown = set(fields) - set(EDITABLE_CASE_FIELDS) - {"measured_outcomes", "partners", "trend_how"}
    if unknown:
        raise ValueError(f"not editable: {unknown}")
    if "title" in fields and not str(fields["title"]).strip():
        raise DomainError("Enter a title", field="title")
    changed = []
    for name, value in fields.items():
        if name == "trend_how":
            for link in case.trend_links:
                new = str(value.get(link.trend_id, link.how_addressed)).strip()
                if new != link.how_addressed:
                    link.how_addressed = new
                    changed.append(f"trend {link.trend.code}")
            continue
        value = value.strip() if isinstance(value, str) else value
        if getattr(case, name) != value:
            setattr(case, name, value)
            changed.append(name)
    if changed:
        case.updated_at = utcnow()
        refresh_search_text(case)
        audit.record("impact_case.edited", actor=by, obj=case, fields=changed)
    return changed
