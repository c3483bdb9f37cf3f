"""The judge's assignments, conflict declarations and score sheets.

Only the judge an entry is assigned to, who is not conflicted with it, reaches its pages; to
anyone else (other judges, nominees, organisers without a judge membership) they do not exist
(404). A judge first answers "Do you have a conflict of interest?" before seeing the entry.
Judges see the entry through `domain.judging.blind_copies.judge_entry` (the questions judges read, redacted),
never the nomination itself; they download only the files of the file questions judges read.

A judge may judge one entry in several judging rounds, each with its own score sheet: its page shows
the latest round's that has begun, or the round `?round=N` names (each link on it keeps the round).
Each round has its own criteria, its own opening and closing, and its own blind judging setting, and its
own mode: scores, a verdict, or notes and a ranking (modes.py, with the ranking page).
"""

from __future__ import annotations

import io
import re

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from awards.domain.core import paging
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.judging import blind_copies, calibration, rounds
from awards.domain.judging import conflicts as conflict_rules
from awards.domain.judging import reviews as review_rules
from awards.domain.results.scoring import CriterionSpec, ScoreInput, review_score
from awards.extensions import db
from awards.models import Assignment, Criterion, Cycle, JudgingRound, Nomination, Review, ReviewStatus, User
from awards.templating import localised_rubric
from awards.web.actions import attempt
from awards.web.downloads import read_attachment
from awards.web.forms import Form
from awards.web.helpers import error_summary, pagination, round_args
from awards.web.judge import bp, modes
from awards.web.judge import calibration as calibration_pages
from awards.web.personal_cache import install, personal_page

REASON_MAX_LENGTH = 2000
ROUND_PAGE_SIZE = 50  # entries a page on a round's own list
_FIELD = re.compile(r"^(score|comment)-(.*)$")
bp.record_once(install)  # kept pages served before the person is loaded (web/personal_cache.py)


class DeclarationForm(Form):
    has_conflict = RadioField(
        _l("Do you have a conflict of interest with this nomination?"),
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        validators=[InputRequired(_l("Select yes if you have a conflict of interest with this nomination"))],
    )
    reason = TextAreaField(
        _l("Tell the organisers why (optional)"),
        validators=[
            Length(
                max=REASON_MAX_LENGTH,
                message=LazyString(
                    lambda: _("The reason must be %(max)s characters or fewer", max=format_decimal(REASON_MAX_LENGTH))
                ),
            )
        ],
    )


# ---------------------------------------------------------------- loading


def _asked_round(nomination: Nomination) -> JudgingRound | None:
    """The round `?round=N` names (None when the address names none; 404 when the cycle has no such round)."""
    asked = request.args.get("round")
    if asked is None or asked == "":
        return None
    judging_round = rounds.round_numbered(nomination.cycle, int(asked)) if asked.isdigit() else None
    if judging_round is None:
        abort(404)
    return judging_round


def _load(reference: str) -> tuple[Nomination, Assignment]:
    """The nomination and the signed-in judge's live assignment to it (in the round the address names,
    else the latest that has begun); 404 for anyone else, and for a judge who is conflicted with it
    however the conflict arose."""
    nomination = db.session.scalar(
        select(Nomination)
        .where(Nomination.reference == reference)
        .options(
            selectinload(Nomination.partners),
            selectinload(Nomination.trend_links),
            selectinload(Nomination.attachments),
            # the conflict checks read the nominator's address, never their roles
            joinedload(Nomination.nominator).lazyload(User.roles),
        )
    )
    if nomination is None:
        abort(404)
    # A round's calibration example (maybe of an earlier cycle) is reached through its calibration assignment.
    assignment = calibration.calibration_assignment(current_user, nomination, request.args.get("round"))
    if assignment is None:
        assignment = review_rules.judging_assignment(current_user, nomination, _asked_round(nomination))
    if assignment is None:
        abort(404)
    return nomination, assignment


def _other_rounds(nomination: Nomination, assignment: Assignment) -> list[JudgingRound]:
    """The other rounds that have begun in which the judge has this entry to judge, in order."""
    found = []
    for judging_round in nomination.cycle.rounds:
        if judging_round.id == assignment.round_id:
            continue
        other = review_rules.judging_assignment(current_user, nomination, judging_round)
        if other is not None:
            found.append(judging_round)
    return found


def criterion_bands(criterion: Criterion) -> list[dict]:
    """The criterion's scale grouped by rubric band: [{"label": "Strong", "text": "A baseline …",
    "values": [7, 8]}, …]; values no band covers form bands of their own, without a label."""
    # Each band's label and words in the judge's language when the organiser translated them (a `Localised`).
    bands = sorted(localised_rubric(criterion), key=lambda b: int(b.get("from", 0)))
    groups: list[dict] = []
    for value in range(criterion.scale_min, criterion.scale_max + 1):
        band = next((b for b in bands if int(b.get("from", 0)) <= value <= int(b.get("to", 0))), None)
        key = id(band) if band is not None else None
        if groups and groups[-1]["key"] == key:
            groups[-1]["values"].append(value)
        else:
            groups.append(
                {
                    "key": key,
                    "label": (band or {}).get("label", ""),
                    "text": (band or {}).get("text", ""),
                    "values": [value],
                }
            )
    return groups


def _value_labels(criterion: Criterion) -> dict[str, str]:
    """'7' → '7 – Strong', for showing an answer."""
    return {
        str(v): f"{v} – {band['label']}" if band["label"] else str(v)
        for band in criterion_bands(criterion)
        for v in band["values"]
    }


def _values_from_review(review: Review | None) -> tuple[dict[int, str], dict[int, str], str]:
    chosen, comments = {}, {}
    if review is not None:
        for score in review.scores:
            if score.not_applicable:
                chosen[score.criterion_id] = "na"
            elif score.value is not None:
                chosen[score.criterion_id] = str(score.value)
            comments[score.criterion_id] = score.comment
    return chosen, comments, review.overall_comment if review else ""


def _parse_scores(criteria: list[Criterion]) -> tuple[dict[int, review_rules.ScoreEntry], int, bool]:
    """The posted score sheet; anything no form of ours sends raises InvalidScores (a 400)."""
    form = request.form
    ids = {c.id for c in criteria}
    invalid = review_rules.InvalidScores(
        _("The scores sent could not be understood. Nothing was saved: reload the page and try again.")
    )
    for key in form:
        match = _FIELD.match(key)
        if match and (not match.group(2).isdigit() or int(match.group(2)) not in ids):
            raise review_rules.InvalidScores(
                _(
                    "The scores sent are not for this nomination’s criteria. Nothing "
                    "was saved: reload the page and try again."
                )
            )
    action = form.get("action")
    version = form.get("version", "")
    if action not in ("draft", "submit") or not version.isdigit():
        raise invalid
    entries = {}
    for criterion in criteria:
        raw = (form.get(f"score-{criterion.id}") or "").strip()
        comment = (form.get(f"comment-{criterion.id}") or "").replace("\r\n", "\n")
        if raw == "":
            entry = review_rules.ScoreEntry(comment=comment)
        elif raw == "na":
            entry = review_rules.ScoreEntry(not_applicable=True, comment=comment)
        elif re.fullmatch(r"-?\d{1,6}", raw):
            entry = review_rules.ScoreEntry(value=int(raw), comment=comment)
        else:
            raise invalid
        entries[criterion.id] = entry
    return entries, int(version), action == "submit"


def _page(
    nomination: Nomination,
    assignment: Assignment,
    *,
    status: int = 200,
    posted: bool = False,
    problems: list[tuple[str, str]] | None = None,
    notice: str | None = None,
    review: Review | None = None,
    version: int | None = None,
):
    cycle = assignment.round.cycle  # a calibration example may be of another cycle
    judging_round = assignment.round
    criteria = list(judging_round.criteria)
    review = review if review is not None else review_rules.review_of(assignment)
    problem = rounds.scoring_problem(judging_round)
    submitted = review is not None and review.status is ReviewStatus.SUBMITTED
    if posted:
        chosen = {c.id: (request.form.get(f"score-{c.id}") or "") for c in criteria}
        comments = {c.id: request.form.get(f"comment-{c.id}") or "" for c in criteria}
        overall = request.form.get("overall_comment") or ""
    else:
        chosen, comments, overall = _values_from_review(review)
    problems = problems or []
    errors = dict(reversed(problems))
    error_list = error_summary(problems)
    labels = {c.id: _value_labels(c) for c in criteria}
    overall_score = None
    if review is not None and review.scores:
        overall_score = review_score(
            [ScoreInput(s.criterion_id, s.value, s.not_applicable) for s in review.scores],
            {c.id: CriterionSpec(c.id, c.weight, c.scale_min, c.scale_max) for c in criteria},
        )
    return render_template(
        "judge/nomination.html",
        entry=blind_copies.judge_entry(nomination, judging_round),
        cycle=cycle,
        judging_round=judging_round,
        several_rounds=len(cycle.rounds) > 1,
        other_rounds=[] if assignment.calibration else _other_rounds(nomination, assignment),
        link_args=round_args(judging_round),
        criteria=criteria,
        bands={c.id: criterion_bands(c) for c in criteria},
        labels=labels,
        review=review,
        chosen=chosen,
        comments=comments,
        overall_comment=overall,
        errors=errors,
        error_list=error_list,
        version=version if version is not None else (review.version if review else 0),
        editable=problem is None and not submitted,
        scoring_problem=problem,
        submitted=submitted,
        notice=notice,
        overall_score=overall_score,
        assignment=assignment,
        comment_max=review_rules.COMMENT_MAX_LENGTH,
        **modes.sheet_context(nomination, assignment, review, posted),
    ), status


# ---------------------------------------------------------------- pages


@bp.route("/")
@personal_page
def home():
    return render_template("judge/index.html", work=review_rules.work_of(current_user), title=_("Your judging"))


@bp.route("/cycles/<slug>/rounds/<int:number>", endpoint="round_list")
def round_list(slug: str, number: int):
    """The judge's entries in one round that has begun, ROUND_PAGE_SIZE a page: where the list links to
    an earlier round that has closed (summed up there in a line)."""
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == slug).options(selectinload(Cycle.rounds)))
    work = review_rules.round_work(current_user, cycle, number) if cycle is not None else None
    if cycle is None or work is None:
        abort(404)
    page, pages = paging.clamp(paging.requested_page(request.args), len(work.rows), ROUND_PAGE_SIZE)
    first = (page - 1) * ROUND_PAGE_SIZE
    return render_template(
        "judge/round.html",
        cycle=cycle,
        rw=work,
        rows=work.rows[first : first + ROUND_PAGE_SIZE],
        first=first + 1,
        page=page,
        pages=pages,
        pagination=pagination(
            page,
            pages,
            lambda n: url_for("judge.round_list", slug=slug, number=number, page=n),
            label=_("Pages of your entries"),
        ),
        title=_("%(round)s – Your judging", round=work.judging_round.label),
    )


@bp.route("/nominations/<assigned_reference>/declare", methods=["GET", "POST"])
def declare(assigned_reference: str):
    nomination, assignment = _load(assigned_reference)
    form = DeclarationForm()
    if form.validate_on_submit():
        has_conflict = form.has_conflict.data == "yes"
        if attempt(
            lambda: conflict_rules.declare(
                assignment.judge,
                nomination,
                has_conflict=has_conflict,
                reason=form.reason.data if has_conflict else "",
                by=current_user,
                judging_round=assignment.round,
            ),
            form=form,
            field="has_conflict",
        ):
            if not has_conflict:
                return redirect(
                    url_for("judge.nomination", assigned_reference=nomination.reference, **round_args(assignment.round))
                )
            if assignment.calibration:
                flash(
                    _(
                        "You have declared a conflict of interest with %(reference)s, the calibration example. "
                        "You will not see it again, and your other entries no longer wait for it.",
                        reference=nomination.reference,
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "You have declared a conflict of interest with %(reference)s. You will not see it again: "
                        "the organisers will give it to another judge.",
                        reference=nomination.reference,
                    ),
                    "success",
                )
            return redirect(url_for("judge.home"))
    entry = blind_copies.judge_entry(nomination, assignment.round)
    return render_template(
        "judge/declare.html",
        form=form,
        entry=entry,
        assignment=assignment,
        cycle=assignment.round.cycle,
        judging_round=assignment.round,
        several_rounds=len(assignment.round.cycle.rounds) > 1,
        link_args=round_args(assignment.round),
        reason_max=REASON_MAX_LENGTH,
        title=_("Do you have a conflict of interest?"),
    )


@bp.route("/nominations/<assigned_reference>", methods=["GET", "POST"])
@personal_page
def nomination(assigned_reference: str):
    nomination, assignment = _load(assigned_reference)
    here = round_args(assignment.round)
    if assignment.no_conflict_declared_at is None:
        return redirect(url_for("judge.declare", assigned_reference=nomination.reference, **here))
    if not calibration_pages.may_open(current_user, nomination, assignment):  # the shared predicate, a second lock
        abort(404)
    if (first := calibration.waiting_for(assignment)) is not None:  # the round's calibration example first
        return calibration_pages.score_example_first(nomination, assignment, first)
    if request.method == "GET":
        return _page(nomination, assignment)

    problem = rounds.scoring_problem(assignment.round)
    if problem:
        return _page(
            nomination,
            assignment,
            status=409,
            posted=True,
            problems=[("scores", _("%(problem)s Nothing was saved.", problem=problem))],
        )
    judging_round = assignment.round
    criteria = list(judging_round.criteria)

    def save() -> tuple[str, str]:
        """Save the sheet; the banner and where to go next, worked out before the commit (after it, every object
        would be read again)."""
        if not modes.scored(judging_round):  # a verdict, or notes in a ranking round
            review = modes.save_sheet(assignment)
        else:
            entries, version, submit = _parse_scores(criteria)
            review = review_rules.save_review(
                assignment,
                entries,
                overall_comment=request.form.get("overall_comment", ""),
                feedback=modes.posted_text("feedback"),
                submit=submit,
                version=version,
                by=current_user,
            )
        message = modes.saved_message(nomination, judging_round, review)
        if review.status is ReviewStatus.SUBMITTED and assignment.calibration:  # how they compare with the panel
            return message, url_for("judge.calibration", slug=judging_round.cycle.slug, number=judging_round.number)
        if review.status is ReviewStatus.SUBMITTED:
            return message, url_for("judge.home")
        return message, url_for("judge.nomination", assigned_reference=nomination.reference, **here)

    try:
        done = attempt(save, catch=(review_rules.InvalidScores, review_rules.IncompleteReview, NotAllowed, Conflict))
    except (StaleDataError, IntegrityError):  # another window saved the sheet at the same moment
        db.session.rollback()
        return _conflict(nomination, assignment)
    if not done:
        return _refused(nomination, assignment, done.error)
    message, following = done.value
    flash(message, "success")
    return redirect(following)


def _refused(nomination: Nomination, assignment: Assignment, error: DomainError):
    """The page for scores the rules refused, each kind of refusal with its own answer."""
    if isinstance(error, review_rules.InvalidScores):
        return render_template(
            "errors/400.html", title=_("There is a problem with your scores"), message=error.message
        ), 400
    if isinstance(error, review_rules.IncompleteReview):
        return _page(nomination, assignment, status=200, posted=True, problems=error.problems)
    if isinstance(error, review_rules.StaleReview):
        return _conflict(nomination, assignment)
    if isinstance(error, NotAllowed):
        return _page(
            nomination,
            assignment,
            status=409,
            posted=True,
            problems=[("scores", _("%(problem)s Nothing was saved.", problem=error.message))],
        )
    return _page(nomination, assignment, status=409, problems=[("scores", error.message)])  # already submitted


def _conflict(nomination: Nomination, assignment: Assignment):
    """Another window saved the sheet first: show the latest saved scores beside what this one sent."""
    db.session.expire_all()
    review = review_rules.review_of(assignment)
    if review is not None and review.status is ReviewStatus.SUBMITTED:
        return _page(
            nomination,
            assignment,
            status=409,
            review=review,
            problems=[("scores", modes.submitted_elsewhere(assignment.round))],
        )
    return _page(
        nomination,
        assignment,
        status=409,
        posted=True,
        review=review,
        version=review.version if review else 0,
        notice="latest",
        problems=[("scores", review_rules.StaleReview(what=modes.sheet_word(assignment.round)).message)],
    )


@bp.route("/nominations/<assigned_reference>/documents/<int:judged_attachment_id>")
def document(assigned_reference: str, judged_attachment_id: int):
    nomination, assignment = _load(assigned_reference)
    judging_round = assignment.round
    if assignment.no_conflict_declared_at is None:
        return redirect(url_for("judge.declare", assigned_reference=nomination.reference, **round_args(judging_round)))
    if not calibration_pages.may_open(current_user, nomination, assignment):  # the shared predicate, a second lock
        abort(404)
    numbered = blind_copies.numbered_documents(nomination, judging_round=judging_round)
    found = next(((number, a) for number, a in numbered if a.id == judged_attachment_id), None)
    if found is None:
        abort(404)
    number, attachment = found
    original = read_attachment(attachment)
    blind = judging_round.blind
    try:
        data = blind_copies.judge_copy(attachment, original, blind=blind)
    except blind_copies.CannotPrepareDocument as error:
        return render_template(
            "errors/400.html", title=_("This document cannot be downloaded"), message=error.message
        ), 422
    return send_file(
        io.BytesIO(data),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=blind_copies.document_name(attachment, number, blind),
        max_age=0,
    )
