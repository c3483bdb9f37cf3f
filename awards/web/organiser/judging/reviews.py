"""Organiser actions on judges' reviews: the list of score sheets of a judging round (the cycle's
current round, or `?round=N`), one sheet in full (against its round's criteria), and reopening
submitted scores (audited; the judge is e-mailed a link)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from awards.domain.core import paging
from awards.domain.judging import reviews as review_rules
from awards.domain.results.scoring import CriterionSpec, ScoreInput, review_score
from awards.domain.results.shortlists import withheld_nominations
from awards.extensions import db
from awards.models import Assignment, AuditEvent, Cycle, Judge, JudgingRound, Nomination, Review, ReviewStatus, User
from awards.web.actions import attempt
from awards.web.helpers import chosen_round, cycle_or_404, round_args
from awards.web.organiser import bp
from awards.web.organiser.judging.forms import ReopenForm

PAGE_SIZE = 50
STATUS_FILTERS = {"submitted": ReviewStatus.SUBMITTED, "draft": ReviewStatus.DRAFT}


def _cycle(slug: str) -> Cycle:
    return cycle_or_404(slug, selectinload(Cycle.rounds).selectinload(JudgingRound.criteria))


def _review(cycle: Cycle, review_id: int) -> Review:
    """The review, if it belongs to a nomination of this cycle (else 404), and to the round the address
    names if it names one."""
    review = db.session.scalar(
        select(Review)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(Review.id == review_id, Nomination.cycle_id == cycle.id)
        .options(
            selectinload(Review.scores),
            joinedload(Review.assignment).joinedload(Assignment.nomination).joinedload(Nomination.category),
            joinedload(Review.assignment).joinedload(Assignment.judge).joinedload(Judge.user),
        )
    )
    if review is None:
        abort(404)
    if request.args.get("round") and chosen_round(cycle).id != review.assignment.round_id:
        abort(404)
    if review.assignment.nomination_id in withheld_nominations(cycle, current_user):
        abort(
            403,
            description="You have a conflict of interest with this nomination, so you cannot see or "
            "change its scores. Ask another organiser.",
        )
    return review


def page_numbers(page: int, pages: int) -> list[int | None]:
    """First, last and the pages around the current one; None where pages are left out."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _score(review: Review, judging_round: JudgingRound) -> float | None:
    specs = {c.id: CriterionSpec(c.id, c.weight, c.scale_min, c.scale_max) for c in judging_round.criteria}
    return review_score([ScoreInput(s.criterion_id, s.value, s.not_applicable) for s in review.scores], specs)


@bp.route("/cycles/<slug>/reviews")
def reviews(slug: str):
    cycle = _cycle(slug)
    judging_round = chosen_round(cycle)
    status = request.args.get("status", "")
    q = (request.args.get("q") or "").strip()
    query = (
        select(Review)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .join(Judge, Judge.id == Assignment.judge_id)
        .outerjoin(User, User.id == Judge.user_id)
        .where(Nomination.cycle_id == cycle.id, Assignment.round_id == judging_round.id)
    )
    withheld = withheld_nominations(cycle, current_user)
    if withheld:
        query = query.where(Nomination.id.not_in(withheld))
    if status in STATUS_FILTERS:
        query = query.where(Review.status == STATUS_FILTERS[status])
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            func.lower(Nomination.reference).like(like)
            | func.lower(Nomination.title).like(like)
            | func.lower(User.name).like(like)
            | func.lower(Judge.email).like(like)
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page, pages = paging.clamp(paging.requested_page(request.args), total, PAGE_SIZE)
    rows = (
        db.session.scalars(
            query.order_by(Nomination.reference, Review.id)
            .options(
                selectinload(Review.scores),
                joinedload(Review.assignment).joinedload(Assignment.nomination),
                joinedload(Review.assignment).joinedload(Assignment.judge).joinedload(Judge.user),
            )
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        .unique()
        .all()
    )
    counts = dict(
        db.session.execute(
            select(Review.status, func.count(Review.id))
            .join(Assignment, Assignment.id == Review.assignment_id)
            .join(Nomination, Nomination.id == Assignment.nomination_id)
            .where(
                Nomination.cycle_id == cycle.id,
                Assignment.round_id == judging_round.id,
                Nomination.id.not_in(withheld),
            )
            .group_by(Review.status)
        ).all()
    )
    return render_template(
        "organiser/judging/reviews.html",
        cycle=cycle,
        judging_round=judging_round,
        round_args=round_args(judging_round),
        reviews=rows,
        status=status,
        q=q,
        page=page,
        pages=pages,
        total=total,
        page_numbers=page_numbers(page, pages),
        submitted=counts.get(ReviewStatus.SUBMITTED, 0),
        drafts=counts.get(ReviewStatus.DRAFT, 0),
        scores={r.id: _score(r, judging_round) for r in rows},
        title=f"Scores – {cycle.name}",
    )


@bp.route("/cycles/<slug>/reviews/<int:review_id>")
def review(slug: str, review_id: int):
    cycle = _cycle(slug)
    review = _review(cycle, review_id)
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "reviews", AuditEvent.object_id == str(review.id))
        .order_by(AuditEvent.id.desc())
        .limit(30)
    ).all()
    judging_round = review.assignment.round
    return render_template(
        "organiser/judging/review.html",
        cycle=cycle,
        judging_round=judging_round,
        round_args=round_args(judging_round),
        review=review,
        events=events,
        score=_score(review, judging_round),
        reopen_problem=review_rules.reopen_problem(review),
        scores={s.criterion_id: s for s in review.scores},
        title=f"Scores for {review.assignment.nomination.reference}",
    )


@bp.route("/cycles/<slug>/reviews/<int:review_id>/reopen", methods=["GET", "POST"])
def reopen_review(slug: str, review_id: int):
    cycle = _cycle(slug)
    review = _review(cycle, review_id)
    problem = review_rules.reopen_problem(review)
    form = ReopenForm()
    if problem:
        return render_template(
            "organiser/judging/review_reopen.html",
            cycle=cycle,
            judging_round=review.assignment.round,
            round_args=round_args(review.assignment.round),
            review=review,
            form=None,
            problem=problem,
            title="These scores cannot be reopened",
        ), 409
    if form.validate_on_submit():
        try:
            done = attempt(
                lambda: review_rules.reopen_review(review, by=current_user, reason=form.reason.data or ""),
                form=form,
                field="reason",
            )
        except StaleDataError:  # raised by the commit
            db.session.rollback()
            abort(
                409,
                description="The judge saved these scores while you were reopening them. "
                "Nothing was changed: look at them again.",
            )
        if done:
            judge = review.assignment.judge
            flash(
                f"The scores for {review.assignment.nomination.reference} by {judge.display_name} are reopened. "
                "We have emailed the judge a link to them.",
                "success",
            )
            return redirect(
                url_for("organiser.review", slug=cycle.slug, review_id=review.id, **round_args(review.assignment.round))
            )
    return render_template(
        "organiser/judging/review_reopen.html",
        cycle=cycle,
        judging_round=review.assignment.round,
        round_args=round_args(review.assignment.round),
        review=review,
        form=form,
        problem=None,
        title="Reopen these scores?",
    )
