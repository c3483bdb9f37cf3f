"""The judges' feedback for entrants, reviewed by organisers before it is released with the results:
/organiser/cycles/<slug>/feedback lists every review's feedback in the cycle (every round, grouped by
round when there are several), filtered by where it stands (to review, approved, withheld), each with a
warning when the check finds something that identifies its judge; /organiser/cycles/<slug>/feedback/<id>
shows one, with the wording the entrant will see to approve (as written or changed) or to withhold
(domain/judging/feedback.py). Organisers see who wrote each; the entrant never does."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField

from awards.domain.core import paging
from awards.domain.core.errors import Conflict
from awards.domain.judging import feedback as rules
from awards.domain.results.shortlists import withheld_nominations
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Cycle,
    CycleStatus,
    Judge,
    Nomination,
    Review,
    ReviewStatus,
    RoundMode,
    User,
)
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.forms import Form
from awards.web.helpers import cycle_or_404, pagination
from awards.web.organiser import bp

PAGE_SIZE = 50
DEFAULT_FILTER = "to-review"
# The list's tag for a review not yet submitted, by how it is judged (feedback.judged_as).
NOT_SUBMITTED = {
    RoundMode.SCORES: _l("Scores not submitted"),
    RoundMode.PASS_FAIL: _l("Verdict not submitted"),
    RoundMode.RANKING: _l("Ranking not submitted"),
}


class FeedbackForm(Form):
    """The organiser's decision on one review's feedback: the wording and which button was pressed."""

    wording = TextAreaField(_l("Wording the entrant will see"))
    checked = BooleanField(rules.CHECKED_LABEL)
    action = StringField()  # the button: "approve" or "withhold"


class ScoresForm(Form):
    """The scored rounds whose released feedback shows the entrant their score (their numbers)."""

    rounds = SelectMultipleField(_l("Show the entrant’s score with the feedback"), choices=[], validate_choice=False)


def _cycle(slug: str) -> Cycle:
    return cycle_or_404(slug, selectinload(Cycle.rounds))


@bp.route("/cycles/<slug>/feedback")
def feedback(slug: str):
    cycle = _cycle(slug)
    chosen = request.args.get("status", DEFAULT_FILTER)
    if chosen not in rules.FILTERS:
        chosen = DEFAULT_FILTER
    withheld = withheld_nominations(cycle, current_user)
    counts = rules.status_counts(cycle, withheld)
    status = rules.FILTERS[chosen]
    total = counts.get(status, 0)
    page, pages = paging.clamp(paging.requested_page(request.args), total, PAGE_SIZE)
    _total, items = rules.feedback_items(
        cycle, status, withheld=withheld, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    groups: list[tuple[object, list[rules.Item]]] = []
    for item in items:
        if not groups or groups[-1][0] is not item.assignment.round:
            groups.append((item.assignment.round, []))
        groups[-1][1].append(item)
    return render_template(
        "organiser/judging/feedback.html",
        cycle=cycle,
        several=len(cycle.rounds) > 1,
        filters=[
            {"key": key, "label": label, "count": counts.get(rules.FILTERS[key], 0), "current": key == chosen}
            for key, label in rules.FILTER_LABELS.items()
        ],
        chosen=chosen,
        chosen_label=rules.FILTER_LABELS[chosen],
        groups=groups,
        total=total,
        pagination=pagination(
            page,
            pages,
            lambda n: url_for("organiser.feedback", slug=cycle.slug, status=chosen, page=n),
            label=_("Pages of feedback"),
        ),
        published=cycle.status is CycleStatus.PUBLISHED,
        scored_rounds=rules.scored_rounds(cycle),
        not_submitted=NOT_SUBMITTED,
        title=_("Feedback for entrants – %(cycle)s", cycle=shown(cycle)),
    )


@bp.route("/cycles/<slug>/feedback/scores", methods=["POST"])
def feedback_scores(slug: str):
    """Which scored rounds show the entrant their score beside their category's average."""
    cycle = _cycle(slug)
    form = ScoresForm()
    numbers = [
        int(value)
        for value in form.rounds.data or []
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 4
    ]
    done = attempt(lambda: rules.set_scores_shown(cycle, numbers, by=current_user))
    if done and done.value:
        one_round = len(cycle.rounds) == 1
        sentences = [
            (
                (
                    _("Entrants will see their score and their category’s average with the feedback.")
                    if r.feedback_with_scores
                    else _("Entrants will not see their score and their category’s average with the feedback.")
                )
                if one_round
                else (
                    _(
                        "%(round)s: entrants will see their score and their category’s average with the feedback.",
                        round=r.label,
                    )
                    if r.feedback_with_scores
                    else _(
                        "%(round)s: entrants will not see their score and their category’s average with the feedback.",
                        round=r.label,
                    )
                )
            )
            for r in done.value
        ]
        flash(_("Saved. %(changes)s", changes=" ".join(sentences)), "success")
    elif done:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("organiser.feedback", slug=cycle.slug, status=request.args.get("status") or None))


def _review(cycle: Cycle, review_id: int) -> Review:
    """The review, if it belongs to a nomination of this cycle (else 404); an organiser conflicted with
    its nomination is refused (403), as on the score sheets."""
    review = db.session.scalar(
        select(Review)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(Review.id == review_id, Nomination.cycle_id == cycle.id)
        .options(
            joinedload(Review.assignment).joinedload(Assignment.nomination).joinedload(Nomination.category),
            joinedload(Review.assignment).joinedload(Assignment.round),
            joinedload(Review.assignment).joinedload(Assignment.judge).joinedload(Judge.user),
        )
    )
    if review is None:
        abort(404)
    if review.assignment.nomination_id in withheld_nominations(cycle, current_user):
        abort(
            403,
            description=_(
                "You have a conflict of interest with this nomination, so you cannot see or "
                "review its feedback. Ask another organiser."
            ),
        )
    return review


def _judgement(review: Review) -> tuple[str, str]:
    """The summary row of what the judge gave with the feedback, in the words of the round's mode:
    ("Scores", "Submitted"), ("Verdict", "Pass"), ("Place", "2 of 7": of the entries in the judge's ranking)."""
    mode = rules.judged_as(review)
    submitted = review.status is ReviewStatus.SUBMITTED
    if mode is RoundMode.PASS_FAIL:
        return _("Verdict"), review.verdict.label if submitted and review.verdict else _("Not submitted yet")
    if mode is RoundMode.RANKING:
        if not submitted or review.rank is None:
            return _("Place"), _("Not submitted yet")
        assignment = review.assignment
        ranked = db.session.scalar(
            select(func.count())
            .select_from(Review)
            .join(Assignment, Assignment.id == Review.assignment_id)
            .where(
                Assignment.judge_id == assignment.judge_id,
                Assignment.round_id == assignment.round_id,
                Assignment.status == AssignmentStatus.ASSIGNED,
                Assignment.calibration.is_(False),
                Review.rank.is_not(None),
            )
        )
        return _("Place"), _("%(done)s of %(all)s", done=format_decimal(review.rank), all=format_decimal(ranked or 0))
    return _("Scores"), _("Submitted") if submitted else _("Not submitted yet")


def _render(cycle: Cycle, review: Review, form: FeedbackForm, *, wording: str, status: int = 200):
    errors = {name: field.errors[0] for name, field in form._fields.items() if field.errors}
    found = rules.findings(wording, rules.terms_for(review))
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "reviews",
            AuditEvent.object_id == str(review.id),
            AuditEvent.action.in_(("feedback.approved", "feedback.withheld")),
        )
        .order_by(AuditEvent.id.desc())
        .limit(10)
    ).all()
    reviewer = db.session.get(User, review.feedback_reviewed_by_id) if review.feedback_reviewed_by_id else None
    return render_template(
        "organiser/judging/feedback_review.html",
        cycle=cycle,
        review=review,
        assignment=review.assignment,
        several=len(cycle.rounds) > 1,
        judgement=_judgement(review),
        form=form,
        wording=wording,
        findings=found,
        show_checkbox=bool(found) or "checked" in errors or bool(form.checked.data),
        problem=rules.decision_problem(review),
        errors=errors,
        error_list=[
            {"text": message, "href": "#approve" if name == "action" else f"#{name}"}
            for name, message in errors.items()
        ],
        events=events,
        reviewer=reviewer,
        published=cycle.status is CycleStatus.PUBLISHED,
        checked_label=rules.CHECKED_LABEL,
        max_length=rules.WORDING_MAX_LENGTH,
        title=_("Feedback on %(reference)s", reference=review.assignment.nomination.reference),
    ), status


@bp.route("/cycles/<slug>/feedback/<int:review_id>", methods=["GET", "POST"])
def feedback_review(slug: str, review_id: int):
    cycle = _cycle(slug)
    review = _review(cycle, review_id)
    form = FeedbackForm()
    if request.method == "GET":
        return _render(cycle, review, form, wording=rules.wording_of(review))
    wording = form.wording.data if isinstance(form.wording.data, str) else ""
    problem = rules.decision_problem(review)
    if problem:
        form.action.errors = [problem]
        return _render(cycle, review, form, wording=wording, status=409)
    action = form.action.data
    if action not in ("approve", "withhold"):
        form.action.errors = [_("Choose whether to approve the feedback or withhold it")]
        return _render(cycle, review, form, wording=wording)
    try:
        if action == "approve":
            done = attempt(
                lambda: rules.approve(review, wording, checked=bool(form.checked.data), by=current_user),
                form=form,
                field="wording",
            )
        else:
            done = attempt(lambda: rules.withhold(review, by=current_user), form=form, field="action")
    except StaleDataError:  # raised by the commit: the judge saved the review meanwhile
        db.session.rollback()
        abort(
            409,
            description=_(
                "The judge changed this review while you were deciding on its feedback. "
                "Nothing was changed: look at it again."
            ),
        )
    if isinstance(done.error, Conflict):
        return _render(cycle, review, form, wording=wording, status=409)
    if not done:
        return _render(cycle, review, form, wording=wording)
    reference = review.assignment.nomination.reference
    if action == "approve":
        message = (
            _(
                "Feedback on %(reference)s approved. The entrant can read it on their nomination page now.",
                reference=reference,
            )
            if cycle.status is CycleStatus.PUBLISHED
            else _("Feedback on %(reference)s approved. The entrant will see it with the results.", reference=reference)
        )
    else:
        message = _("Feedback on %(reference)s withheld. The entrant will not see it.", reference=reference)
    flash(message, "success")
    return redirect(url_for("organiser.feedback", slug=cycle.slug, status=DEFAULT_FILTER))
