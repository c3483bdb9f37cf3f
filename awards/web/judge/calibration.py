"""A judge's calibration pages: how their scores for the round's calibration example compare with the
panel's, at /judging/cycles/<slug>/rounds/<number>/calibration, and the page that stands in for
another entry of the round until the example is scored (templates/judge/calibration*.html).

The example itself is scored on the usual entry page (routes.nomination), reached through the judge's
calibration assignment (domain/judging/calibration.py)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from awards.domain.judging import blind_copies, calibration, rounds
from awards.extensions import db
from awards.models import Assignment, AssignmentStatus, Cycle, Nomination
from awards.permissions import can_score, judge_membership
from awards.web.helpers import round_args
from awards.web.judge import bp


def may_open(user, nomination: Nomination, assignment: Assignment) -> bool:
    """The shared predicate, as a second lock on an entry's pages: a calibration example by its own
    rules (it may be of another cycle), any other entry by permissions.can_score."""
    if assignment.calibration:
        return calibration.may_score(user, assignment)
    return can_score(user, nomination, assignment.round)


def example_link(first: Assignment) -> str:
    return url_for("judge.nomination", assigned_reference=first.nomination.reference, **round_args(first.round))


def score_example_first(nomination: Nomination, assignment: Assignment, first: Assignment):
    """What a judge sees of another entry of the round until they submit the calibration example."""
    judging_round = assignment.round
    return render_template(
        "judge/calibration_first.html",
        reference=nomination.reference,
        judging_round=judging_round,
        several_rounds=len(judging_round.cycle.rounds) > 1,
        example_reference=first.nomination.reference,
        example_title=blind_copies.judge_title(first.nomination, judging_round=judging_round),
        example_link=example_link(first),
        title=_("Score the calibration example first"),
    ), (409 if request.method == "POST" else 200)


@bp.route("/cycles/<slug>/rounds/<int:number>/calibration", endpoint="calibration")
def calibration_page(slug: str, number: int):
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == slug))
    if cycle is None:
        abort(404)
    judge = judge_membership(current_user, cycle.id)
    judging_round = rounds.round_numbered(cycle, number)
    if judge is None or judging_round is None or not calibration.is_active(judging_round):
        abort(404)
    if not rounds.has_started(judging_round):
        abort(404)
    mine = db.session.scalar(
        select(Assignment).where(
            Assignment.round_id == judging_round.id,
            Assignment.judge_id == judge.id,
            Assignment.nomination_id == judging_round.calibration_nomination_id,
            Assignment.calibration.is_(True),
            Assignment.status == AssignmentStatus.ASSIGNED,
        )
    )
    example = judging_round.calibration_nomination
    if mine is None or example is None or calibration.conflicted_judges([judge], example):
        abort(404)
    return render_template(
        "judge/calibration.html",
        cycle=cycle,
        judging_round=judging_round,
        several_rounds=len(cycle.rounds) > 1,
        example_reference=example.reference,
        example_title=blind_copies.judge_title(example, judging_round=judging_round),
        example_link=example_link(mine),
        comparison=calibration.comparison(judging_round, judge),
        number=calibration.number_text,
        title=_("How your calibration scores compare"),
    )
