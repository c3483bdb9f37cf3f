"""How a judge judges in each kind of round, beside the score sheet (routes.py).

A round of scores has the score sheet. In a pass/fail round the entry page asks for a verdict (pass,
fail or unsure) against the round's criteria as guidance, with private comments for the organisers. In a
ranking round the entry page holds the judge's private notes on the entry only; the judge orders all
their entries of the round on the ranking page, /judging/cycles/<slug>/rounds/<number>/ranking, with a
"Position" select for each (no script needed), and submits the order as a whole.

Feedback for the entrant is written on each entry's page, in every mode (in a ranking round too, beside
the notes, so that the ranking page stays a short list of positions).

The ranking page exists only for an accepted judge of the cycle, in a ranking round that has begun
(404 otherwise); it lists only the entries they may see: assigned, not recused, not conflicted in any
way, never a calibration example.
"""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from awards.domain.core.errors import Conflict, NotAllowed
from awards.domain.judging import blind_copies, rounds
from awards.domain.judging import reviews as review_rules
from awards.extensions import db
from awards.models import (
    Assignment,
    JudgingRound,
    Nomination,
    Review,
    ReviewStatus,
    RoundMode,
    Verdict,
)
from awards.web.actions import attempt
from awards.web.helpers import cycle_or_404, error_summary, round_args
from awards.web.judge import bp

FEEDBACK_LABEL = _l("Feedback for the entrant (optional)")
FEEDBACK_HINT = _l(
    "The entrant sees this with their results if the organisers approve it. Your name is never shown with it."
)
_POSITION = re.compile(r"^position-(.*)$")
_VERSION = re.compile(r"^version-(.*)$")

# What the judge gives in each mode: a code for messages (review_rules.StaleReview), and the heading people read
SHEET_WORD = {RoundMode.SCORES: "scores", RoundMode.PASS_FAIL: "verdict", RoundMode.RANKING: "notes"}
SHEET_HEADING = {
    RoundMode.SCORES: _l("Your scores"),
    RoundMode.PASS_FAIL: _l("Your verdict"),
    RoundMode.RANKING: _l("Your notes"),
}
# A verdict as the judge reads it (Verdict.label is the organisers' English)
VERDICT_WORDS = {Verdict.PASS: _l("Pass"), Verdict.FAIL: _l("Fail"), Verdict.UNSURE: _l("Unsure")}


def scored(judging_round: JudgingRound) -> bool:
    return judging_round.mode is RoundMode.SCORES


def sheet_word(judging_round: JudgingRound) -> str:
    return SHEET_WORD[judging_round.mode]


def posted_text(name: str) -> str:
    return (request.form.get(name) or "").replace("\r\n", "\n")


def _action() -> tuple[int, bool]:
    """The posted version and whether the judge submits; anything no form of ours sends is a 400."""
    action = request.form.get("action")
    version = request.form.get("version", "")
    if action not in ("draft", "submit") or not version.isdigit():
        raise review_rules.InvalidScores(
            _("The form sent could not be understood. Nothing was saved: reload the page and try again.")
        )
    return int(version), action == "submit"


def save_sheet(assignment: Assignment) -> Review:
    """Save the entry page's sheet of a pass/fail round (a verdict) or a ranking round (notes)."""
    version, submit = _action()
    if assignment.round.mode is RoundMode.PASS_FAIL:
        raw = request.form.get("verdict") or ""
        try:
            verdict = Verdict(raw) if raw else None
        except ValueError:
            raise review_rules.InvalidScores(
                _("The verdict sent could not be understood. Nothing was saved: reload the page and try again.")
            ) from None
        return review_rules.save_verdict(
            assignment,
            verdict,
            overall_comment=posted_text("overall_comment"),
            feedback=posted_text("feedback"),
            submit=submit,
            version=version,
            by=current_user,
        )
    if submit:  # notes are only ever saved; the ranking page submits the round's reviews
        raise review_rules.InvalidScores(
            _("Notes on an entry are saved, not submitted: submit your ranking on the ranking page.")
        )
    return review_rules.save_notes(
        assignment,
        overall_comment=posted_text("overall_comment"),
        feedback=posted_text("feedback"),
        version=version,
        by=current_user,
    )


def saved_message(nomination: Nomination, judging_round: JudgingRound, review: Review) -> str:
    """The banner after a save of the entry page's sheet."""
    reference = nomination.reference
    if judging_round.mode is RoundMode.PASS_FAIL:
        if review.status is ReviewStatus.SUBMITTED:
            return _("Your verdict on %(reference)s has been submitted. Thank you.", reference=reference)
        return _("Your draft verdict has been saved. You can come back and change it before you submit.")
    if judging_round.mode is RoundMode.RANKING:
        return _(
            "Your notes on %(reference)s have been saved. Rank your entries on the ranking page when you are ready.",
            reference=reference,
        )
    if review.status is ReviewStatus.SUBMITTED:
        return _("Your scores for %(reference)s have been submitted. Thank you.", reference=reference)
    return _("Your draft scores have been saved. You can come back and change them before you submit.")


def submitted_elsewhere(judging_round: JudgingRound) -> str:
    if judging_round.mode is RoundMode.SCORES:
        return _(
            "These scores were submitted in another window or tab, so the changes you made here have not been "
            "saved. Submitted scores are locked."
        )
    if judging_round.mode is RoundMode.PASS_FAIL:
        return _(
            "This verdict was submitted in another window or tab, so the changes you made here have not been "
            "saved. It is locked now."
        )
    return _(
        "Your ranking was submitted in another window or tab, so the changes you made here have not been saved. "
        "It is locked now."
    )


def sheet_context(nomination: Nomination, assignment: Assignment, review: Review | None, posted: bool) -> dict:
    """What the entry page shows for the round's mode, beside the score sheet's own values."""
    judging_round = assignment.round
    mode = judging_round.mode
    if posted:
        verdict = request.form.get("verdict") or ""
        feedback = request.form.get("feedback") or ""
    else:
        verdict = review.verdict.value if review is not None and review.verdict is not None else ""
        feedback = review.feedback if review is not None else ""
    heading = SHEET_HEADING[mode]
    return {
        "mode": mode.value,
        "sheet_heading": heading,
        "sheet_word": SHEET_WORD[mode],
        "verdicts": [(v.value, VERDICT_WORDS[v]) for v in Verdict],
        "verdict_words": {v.value: VERDICT_WORDS[v] for v in Verdict},
        "chosen_verdict": verdict,
        "feedback": feedback,
        "feedback_label": FEEDBACK_LABEL,
        "feedback_hint": FEEDBACK_HINT,
        "feedback_max": review_rules.FEEDBACK_MAX_LENGTH,
        "overall_max": review_rules.OVERALL_COMMENT_MAX_LENGTH,
        "ranking_url": (
            url_for("judge.ranking", slug=judging_round.cycle.slug, number=judging_round.number)
            if mode is RoundMode.RANKING and not assignment.calibration
            else None
        ),
        "title": _("%(reference)s: score this nomination", reference=nomination.reference)
        if scored(judging_round)
        else {
            RoundMode.PASS_FAIL: _("%(reference)s: your verdict", reference=nomination.reference),
            RoundMode.RANKING: _("%(reference)s: your notes", reference=nomination.reference),
        }[mode],
    }


# ---------------------------------------------------------------- the ranking page


def _ranking_round(slug: str, number: int):
    """The cycle's ranking round `number` and the signed-in judge's membership; 404 unless they judge the
    cycle and the round ranks and has begun."""
    cycle = cycle_or_404(slug)
    judge = review_rules.ranking_judge(current_user, cycle)
    judging_round = rounds.round_numbered(cycle, number)
    if (
        judge is None
        or judging_round is None
        or judging_round.mode is not RoundMode.RANKING
        or not rounds.has_started(judging_round)
    ):
        abort(404)
    return judge, judging_round


def _parse_ranking(entries: list[Assignment]) -> tuple[dict[int, int | None], dict[int, int], bool]:
    """The posted positions and versions by assignment id; anything no form of ours sends is a 400."""
    invalid = review_rules.InvalidScores(
        _("The ranking sent could not be understood. Nothing was saved: reload the page and try again.")
    )
    action = request.form.get("action")
    if action not in ("draft", "submit"):
        raise invalid
    positions: dict[int, int | None] = {}
    versions: dict[int, int] = {}
    for key in request.form:
        if match := _POSITION.match(key):
            if not match.group(1).isdigit():
                raise invalid
            raw = (request.form.get(key) or "").strip()
            if raw and not re.fullmatch(r"\d{1,6}", raw):
                raise invalid
            positions[int(match.group(1))] = int(raw) if raw else None
        elif match := _VERSION.match(key):
            raw = request.form.get(key) or ""
            if not match.group(1).isdigit() or not raw.isdigit():
                raise invalid
            versions[int(match.group(1))] = int(raw)
    return positions, versions, action == "submit"


def _ranking_page(
    judging_round: JudgingRound,
    entries: list[Assignment],
    *,
    status: int = 200,
    posted: bool = False,
    problems: list[tuple[str, str]] | None = None,
    latest: bool = False,
):
    cycle = judging_round.cycle
    problem = rounds.scoring_problem(judging_round)
    submitted = review_rules.ranking_submitted(entries)
    titles = blind_copies.judge_titles([a.nomination for a in entries], judging_round)
    saved = {a.id: a.review.rank if a.review is not None else None for a in entries}
    if posted:
        chosen = {a.id: request.form.get(f"position-{a.id}") or "" for a in entries}
    else:
        chosen = {a.id: str(saved[a.id]) if saved[a.id] is not None else "" for a in entries}
    problems = problems or []
    locked = {a.id for a in entries if a.review is not None and a.review.status is ReviewStatus.SUBMITTED}
    placed = sorted(
        (a for a in entries if saved[a.id] is not None),
        key=lambda a: (saved[a.id], a.nomination.reference),
    )
    return render_template(
        "judge/ranking.html",
        cycle=cycle,
        judging_round=judging_round,
        several_rounds=len(cycle.rounds) > 1,
        link_args=round_args(judging_round),
        entries=entries,
        titles=titles,
        chosen=chosen,
        saved=saved,
        placed=placed,
        locked=locked,
        versions={a.id: a.review.version if a.review is not None else 0 for a in entries},
        errors=dict(reversed(problems)),
        error_list=error_summary(problems),
        submitted=submitted,
        submitted_at=max((a.review.submitted_at for a in entries if a.id in locked and a.review), default=None),
        editable=problem is None and not submitted and bool(entries),
        scoring_problem=problem,
        latest=latest,
        title=_("Rank your entries in %(round)s", round=judging_round.label)
        if len(cycle.rounds) > 1
        else _("Rank your entries"),
    ), status


@bp.route("/cycles/<slug>/rounds/<int:number>/ranking", methods=["GET", "POST"])
def ranking(slug: str, number: int):
    judge, judging_round = _ranking_round(slug, number)
    entries = review_rules.ranking_entries(judge, judging_round)
    if request.method == "GET":
        return _ranking_page(judging_round, entries)

    problem = rounds.scoring_problem(judging_round)
    if problem:
        return _ranking_page(
            judging_round,
            entries,
            status=409,
            posted=True,
            problems=[("ranking", _("%(problem)s Nothing was saved.", problem=problem))],
        )

    def save() -> list[Review]:
        positions, versions, submit = _parse_ranking(entries)
        return review_rules.save_ranking(
            judge, judging_round, positions, versions=versions, submit=submit, by=current_user
        )

    submit = request.form.get("action") == "submit"
    try:
        done = attempt(save, catch=(review_rules.InvalidScores, review_rules.IncompleteReview, NotAllowed, Conflict))
    except (StaleDataError, IntegrityError):  # another window saved the ranking at the same moment
        db.session.rollback()
        return _stale_ranking(judge, judging_round)
    if not done:
        error = done.error
        if isinstance(error, review_rules.InvalidScores):
            return render_template(
                "errors/400.html", title=_("There is a problem with your ranking"), message=error.message
            ), 400
        if isinstance(error, review_rules.IncompleteReview):
            return _ranking_page(judging_round, entries, posted=True, problems=error.problems)
        if isinstance(error, review_rules.StaleReview):
            return _stale_ranking(judge, judging_round)
        message = (
            error.message if isinstance(error, Conflict) else _("%(problem)s Nothing was saved.", problem=error.message)
        )
        db.session.expire_all()
        entries = review_rules.ranking_entries(judge, judging_round)
        return _ranking_page(judging_round, entries, status=409, posted=True, problems=[("ranking", message)])
    if submit:
        count = len(entries)
        flash(
            ngettext(
                "Your ranking of %(num)d entry has been submitted. Thank you.",
                "Your ranking of %(num)d entries has been submitted. Thank you.",
                count,
            ),
            "success",
        )
        return redirect(url_for("judge.home"))
    flash(_("Your draft ranking has been saved. You can come back and change it before you submit."), "success")
    return redirect(url_for("judge.ranking", slug=slug, number=number))


def _stale_ranking(judge, judging_round: JudgingRound):
    """Another window saved the ranking first: the latest saved positions beside what this one sent, with
    the latest versions, so that saving again replaces them."""
    db.session.expire_all()
    entries = review_rules.ranking_entries(judge, judging_round)
    if review_rules.ranking_submitted(entries):
        return _ranking_page(
            judging_round, entries, status=409, problems=[("ranking", submitted_elsewhere(judging_round))]
        )
    return _ranking_page(
        judging_round,
        entries,
        status=409,
        posted=True,
        latest=True,
        problems=[("ranking", review_rules.StaleReview(what="ranking").message)],
    )
