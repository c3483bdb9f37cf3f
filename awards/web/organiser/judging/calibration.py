"""A round's calibration example at /organiser/cycles/<slug>/rounds/<number>/calibration: choosing it by
reference or removing it, and each judge's severity on it before judging starts
(templates/organiser/judging/calibration.html).

The rules are the domain's (domain/judging/calibration.py): this page shows them, and its refusals on
the field they are about."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from awards.domain.judging import blind_copies, calibration
from awards.models import Cycle, JudgingRound
from awards.web.actions import attempt
from awards.web.forms import Form, submit
from awards.web.organiser import bp
from awards.web.organiser.judging.forms import too_long
from awards.web.organiser.judging.rounds import load_cycle, load_round, rounds_trail

REFERENCE_MAX = 32


class ExampleForm(Form):
    reference = StringField(
        _l("Reference of the calibration example"),
        widget=GovTextInput(),
        description=_l(
            "A submitted nomination of an earlier cycle, or one of this cycle screened ineligible, "
            "for example PSDA-2025-0042"
        ),
        validators=[
            DataRequired(_l("Enter the reference of the calibration example")),
            Length(
                max=REFERENCE_MAX, message=too_long(_l("Reference must be %(max)s characters or fewer"), REFERENCE_MAX)
            ),
        ],
    )
    submit = submit(_l("Choose this example"))


class RemoveExampleForm(Form):
    submit = submit(_l("Remove the calibration example"))


def _url(cycle: Cycle, judging_round: JudgingRound) -> str:
    return url_for("organiser.round_calibration", slug=cycle.slug, number=judging_round.number)


def _render(cycle: Cycle, judging_round: JudgingRound, form: ExampleForm, status: int = 200):
    example = judging_round.calibration_nomination
    return render_template(
        "organiser/judging/calibration.html",
        cycle=cycle,
        judging_round=judging_round,
        form=form,
        remove_form=RemoveExampleForm(formdata=None),
        can_calibrate=calibration.can_calibrate(judging_round),
        ranking_cannot=calibration.RANKING_CANNOT,
        example=example,
        example_title=blind_copies.judge_title(example, judging_round=judging_round) if example else "",
        locked=calibration.has_submitted_review(judging_round) if example else False,
        table=calibration.severity_table(judging_round),
        missing=calibration.missing_judges(judging_round),
        number=calibration.number_text,
        points=calibration.points,
        breadcrumbs=rounds_trail(cycle, {"text": _("Calibration in %(round)s", round=judging_round.label)}),
        title=_("Calibration example – %(round)s", round=judging_round.label),
    ), status


@bp.route("/cycles/<slug>/rounds/<int:number>/calibration", methods=["GET", "POST"], endpoint="round_calibration")
def round_calibration(slug: str, number: int):
    cycle = load_cycle(slug)
    judging_round = load_round(cycle, number)
    if request.method == "POST" and "reference" not in request.form:
        remove = RemoveExampleForm()
        if remove.validate_on_submit():
            reference = judging_round.calibration_nomination.reference if judging_round.calibration_nomination else ""
            done = attempt(lambda: calibration.remove_example(judging_round, by=current_user), flash_as="info")
            if done:
                flash(
                    _(
                        "%(reference)s is no longer the calibration example of %(round)s",
                        reference=reference,
                        round=judging_round.label,
                    ),
                    "success",
                )
            return redirect(_url(cycle, judging_round))
    form = ExampleForm()
    if request.method == "POST" and "reference" in request.form and form.validate_on_submit():
        done = attempt(
            lambda: calibration.choose_example(judging_round, form.reference.data, by=current_user),
            form=form,
            field="reference",
        )
        if done and done.value is not None:
            flash(
                _(
                    "%(reference)s is the calibration example of %(round)s",
                    reference=done.value.reference,
                    round=judging_round.label,
                ),
                "success",
            )
            return redirect(_url(cycle, judging_round))
        return _render(cycle, judging_round, form, status=done.status if not done else 200)
    return _render(cycle, judging_round, form)
