"""Organiser actions on judges' reviews: the list of a judging round's reviews (the cycle's current round,
or `?round=N`), one in full as its round judges (scores against the round's criteria, a pass/fail
verdict, or the entry's position in the judge's ranking), with the judge's private comments and their
feedback for the entrant, and reopening a submitted one (audited; the judge is e-mailed a link; in a
ranking round the judge's whole ranking is reopened)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from awards.domain.core import paging
from awards.domain.judging import reviews as review_rules
from awards.domain.judging.conflicts import conflict_pairs
from awards.domain.results.scoring import CriterionSpec, ScoreInput, review_score
from awards.domain.results.shortlists import withheld_nominations
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Cycle,
    Judge,
    JudgingRound,
    Nomination,
    Review,
    ReviewStatus,
    RoundMode,
    User,
)
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.helpers import chosen_round, cycle_or_404, round_args
from awards.web.organiser import bp
from awards.web.organiser.judging.forms import ReopenForm

PAGE_SIZE = 50
STATUS_FILTERS = {"submitted": ReviewStatus.SUBMITTED, "draft": ReviewStatus.DRAFT}


@dataclass(frozen=True)
class ModeWords:
    """How the review pages name what a judge gives in a round of one mode."""

    heading: str  # the list's heading
    noun: str  # one line of the list
    nouns: str
    intro: str  # the list's line of what each line is
    given: str  # what the judge saved ("saved any …")
    sheet: str  # one review's heading: "<sheet> by <judge>"
    comments: str  # the private comments' label
    no_comments: str


MODE_WORDS = {
    RoundMode.SCORES: ModeWords(
        _l("Judges’ scores"),
        _l("score sheet"),
        _l("score sheets"),
        _l(
            "Each line is one judge’s score sheet for one nomination. Submitted scores are locked; open one to "
            "reopen it for the judge."
        ),
        _l("scores"),
        _l("Scores"),
        _l("Overall comment"),
        _l("No overall comment"),
    ),
    RoundMode.PASS_FAIL: ModeWords(
        _l("Judges’ verdicts"),
        _l("verdict"),
        _l("verdicts"),
        _l(
            "Each line is one judge’s verdict on one nomination: pass, fail or unsure. Submitted verdicts are "
            "locked; open one to reopen it for the judge."
        ),
        _l("verdicts"),
        _l("Verdict"),
        _l("Comments for the organisers"),
        _l("No comments"),
    ),
    RoundMode.RANKING: ModeWords(
        _l("Judges’ rankings"),
        _l("ranked entry"),
        _l("ranked entries"),
        _l(
            "Each line is one nomination’s position in one judge’s ranking, with the judge’s notes on it. "
            "Submitted rankings are locked; open one to reopen the judge’s ranking."
        ),
        _l("rankings"),
        _l("Ranking"),
        _l("The judge’s notes"),
        _l("No notes"),
    ),
}


def ranking_sizes(judging_round: JudgingRound, judge_ids: set[int]) -> dict[int, int]:
    """How many entries each judge ranks in a ranking round (the "5" of "2 of 5"): as the judge's ranking
    page counts them (reviews.ranking_entries), for many judges in a constant number of queries."""
    if judging_round.mode is not RoundMode.RANKING or not judge_ids:
        return {}
    assignments = db.session.scalars(
        select(Assignment)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(
            Assignment.round_id == judging_round.id,
            Assignment.judge_id.in_(judge_ids),
            Assignment.status == AssignmentStatus.ASSIGNED,
            Assignment.calibration.is_(False),
            Nomination.status.in_(review_rules.VISIBLE_NOMINATION_STATUSES),
        )
        .options(
            selectinload(Assignment.nomination).selectinload(Nomination.partners),
            selectinload(Assignment.nomination).selectinload(Nomination.nominator),
            selectinload(Assignment.judge).selectinload(Judge.user),
        )
    ).all()
    hidden = conflict_pairs({a.judge for a in assignments}, {a.nomination for a in assignments})
    return dict(Counter(a.judge_id for a in assignments if (a.judge_id, a.nomination_id) not in hidden))


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
            description=_(
                "You have a conflict of interest with this nomination, so you cannot see or "
                "change its scores. Ask another organiser."
            ),
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


def _mode(review: Review) -> str:
    """How this review judges its entry: its round's mode, but a calibration example is always scored."""
    return RoundMode.SCORES.value if review.assignment.calibration else review.assignment.round.mode.value


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
        scores={
            r.id: _score(r, judging_round)
            for r in rows
            if judging_round.mode is RoundMode.SCORES or r.assignment.calibration
        },
        sizes=ranking_sizes(judging_round, {r.assignment.judge_id for r in rows}),
        mode=judging_round.mode.value,
        words=MODE_WORDS[judging_round.mode],
        title=_("%(heading)s – %(cycle)s", heading=MODE_WORDS[judging_round.mode].heading, cycle=shown(cycle)),
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
        mode=_mode(review),
        words=MODE_WORDS[RoundMode(_mode(review))],
        size=ranking_sizes(judging_round, {review.assignment.judge_id}).get(review.assignment.judge_id, 0),
        title=_(
            "%(what)s for %(reference)s",
            what=MODE_WORDS[RoundMode(_mode(review))].sheet,
            reference=review.assignment.nomination.reference,
        ),
    )


def _reopen_words(review: Review) -> dict[str, str]:
    """What reopening gives back to the judge, in the review's own words: "these scores", "this verdict",
    or (in a ranking round) the judge's whole ranking."""
    mode = RoundMode(_mode(review))
    judge = review.assignment.judge.display_name
    if mode is RoundMode.PASS_FAIL:
        return {"title": _("Reopen this verdict?"), "refused": _("This verdict cannot be reopened")}
    if mode is RoundMode.RANKING:
        return {
            "title": _("Reopen %(name)s’s ranking?", name=judge),
            "refused": _("This ranking cannot be reopened"),
        }
    return {"title": _("Reopen these scores?"), "refused": _("These scores cannot be reopened")}


@bp.route("/cycles/<slug>/reviews/<int:review_id>/reopen", methods=["GET", "POST"])
def reopen_review(slug: str, review_id: int):
    cycle = _cycle(slug)
    review = _review(cycle, review_id)
    judging_round = review.assignment.round
    problem = review_rules.reopen_problem(review)
    form = ReopenForm()
    words = _reopen_words(review)
    shown = {
        "cycle": cycle,
        "judging_round": judging_round,
        "round_args": round_args(judging_round),
        "review": review,
        "mode": _mode(review),
        "size": ranking_sizes(judging_round, {review.assignment.judge_id}).get(review.assignment.judge_id, 0),
    }
    if problem:
        return render_template(
            "organiser/judging/review_reopen.html", **shown, form=None, problem=problem, title=words["refused"]
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
                description=(
                    _(
                        "The judge saved these scores while you were reopening them. "
                        "Nothing was changed: look at them again."
                    )
                    if shown["mode"] == RoundMode.SCORES.value
                    else _(
                        "The judge saved their review while you were reopening it. "
                        "Nothing was changed: look at it again."
                    )
                ),
            )
        if done:
            judge = review.assignment.judge
            reference = review.assignment.nomination.reference
            mode = RoundMode(shown["mode"])
            name = judge.display_name
            if mode is RoundMode.PASS_FAIL:
                said = _(
                    "The verdict on %(reference)s by %(name)s is reopened. We have emailed the judge a link to it.",
                    reference=reference,
                    name=name,
                )
            elif mode is RoundMode.RANKING and len(cycle.rounds) > 1:
                said = _(
                    "%(name)s’s ranking in %(round)s is reopened, with every entry in it. We have emailed the judge a "
                    "link to it.",
                    name=name,
                    round=judging_round.label,
                )
            elif mode is RoundMode.RANKING:
                said = _(
                    "%(name)s’s ranking is reopened, with every entry in it. We have emailed the judge a link to it.",
                    name=name,
                )
            else:
                said = _(
                    "The scores for %(reference)s by %(name)s are reopened. We have emailed the judge a link to them.",
                    reference=reference,
                    name=name,
                )
            flash(said, "success")
            return redirect(
                url_for("organiser.review", slug=cycle.slug, review_id=review.id, **round_args(judging_round))
            )
    return render_template(
        "organiser/judging/review_reopen.html", **shown, form=form, problem=None, title=words["title"]
    )
