"""A cycle's judges at /organiser/cycles/<slug>/judges: the list, inviting one or many by
e-mail, re-sending an invitation, each judge's settings (organisation, load limit, categories,
expertise) and removing a judge who has not submitted scores."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovTextArea, GovTextInput
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import IntegerField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError

from awards.domain.core.errors import DomainError
from awards.domain.judging import affiliations as affiliation_rules
from awards.domain.judging import judges as judge_rules
from awards.extensions import db
from awards.models import Assignment, AssignmentStatus, Cycle, Judge
from awards.web.forms import Form, submit
from awards.web.helpers import apply_domain_error, cycle_or_404
from awards.web.judge.profile import (
    EXPERTISE_HINT,
    expertise_defaults,
    expertise_field_name,
    posted_levels,
    trend_groups,
    with_expertise,
)
from awards.web.organiser import bp

# --- Loading -------------------------------------------------------------------------------------

def load_cycle(slug: str) -> Cycle:
    return cycle_or_404(slug, selectinload(Cycle.categories), selectinload(Cycle.trends))


def load_judge(cycle: Cycle, judge_id: int) -> Judge:
    judge = db.session.scalar(select(Judge).where(Judge.id == judge_id, Judge.cycle_id == cycle.id)
                              .options(selectinload(Judge.user), selectinload(Judge.categories)))
    if judge is None:
        abort(404)
    return judge


def breadcrumbs(cycle: Cycle, *trail: dict) -> list[dict]:
    return [{"text": "Organiser overview", "href": url_for("organiser.dashboard")},
            {"text": "Award cycles", "href": url_for("organiser.cycles")},
            {"text": cycle.name, "href": url_for("organiser.cycle", slug=cycle.slug)},
            *trail]


def assigned_counts(cycle: Cycle) -> dict[int, int]:
    """Live assignments per judge id of the cycle, in one query."""
    rows = db.session.execute(
        select(Assignment.judge_id, func.count(Assignment.id))
        .join(Judge, Judge.id == Assignment.judge_id)
        .where(Judge.cycle_id == cycle.id, Assignment.status == AssignmentStatus.ASSIGNED)
        .group_by(Assignment.judge_id))
    return dict(rows.all())


# --- Forms ---------------------------------------------------------------------------------------

class InviteForm(Form):
    emails = TextAreaField(
        "Email addresses", widget=GovTextArea(),
        description="Enter one address on each line, or separate them with commas. Each person gets an "
                    "email with their own link to accept, which works for 30 days.",
        validators=[InputRequired("Enter at least one email address"),
                    Length(max=20000, message="Enter fewer email addresses at a time")])
    submit = submit("Send invitations")


class OptionalWholeNumberField(IntegerField):
    """A whole number that may be left blank (None)."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, what: str, minimum: int = 1, maximum: int = 1000, **kw):
        super().__init__(label, validators, **kw)
        self.what, self.minimum, self.maximum = what, minimum, maximum
        self.problem: str | None = None

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        self.problem = None
        if not text:
            self.data = None
        elif re.fullmatch(r"-?\d{1,9}", text):
            self.data = int(text)
        else:
            self.data = None
            self.problem = f"{self.what[0].upper()}{self.what[1:]} must be a whole number"

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def pre_validate(self, form):
        if self.problem:
            raise StopValidation(self.problem)
        if self.data is not None and not self.minimum <= self.data <= self.maximum:
            raise StopValidation(f"{self.what[0].upper()}{self.what[1:]} must be between {self.minimum} "
                                 f"and {self.maximum}")


class CategoryChoiceField(SelectMultipleField):
    widget = GovCheckboxesInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int, **kwargs)

    def process_formdata(self, valuelist):
        try:
            self.data = [int(v) for v in valuelist]
        except ValueError:
            self.data = []
            raise ValueError("Select only categories from the list")

    def pre_validate(self, form):
        known = {value for value, _ in self.choices}
        if any(v not in known for v in self.data or []):
            raise StopValidation("Select only categories from the list")


class JudgeSettingsForm(Form):
    organisation = StringField(
        "Organisation", widget=GovTextInput(),
        description="Where the judge works. It is used to find conflicts of interest with nominated "
                    "organisations and their partners.",
        validators=[Length(max=200, message="Organisation must be 200 characters or fewer")])
    max_load = OptionalWholeNumberField("Most nominations this judge scores (optional)",
                                        what="most nominations", maximum=judge_rules.MAX_LOAD_LIMIT)
    scope = RadioField("Categories this judge scores", widget=GovRadioInput(),
                       choices=[("all", "All categories"), ("some", "Only the categories I choose")],
                       validators=[InputRequired("Select which categories this judge scores")])
    category_ids = CategoryChoiceField("Categories")
    submit = submit("Save settings")

    def validate_category_ids(self, field):
        if self.scope.data == "some" and not field.data:
            raise ValidationError("Select the categories this judge scores")


def settings_form(cycle: Cycle, judge: Judge, trends: list) -> JudgeSettingsForm:
    form_class = with_expertise(JudgeSettingsForm, trends) if judge.user else JudgeSettingsForm
    levels = judge_rules.expertise_levels(judge.user)
    defaults = {
        "organisation": judge.organisation or (judge.user.organisation if judge.user else ""),
        "max_load": judge.max_load,
        "scope": "all" if judge.all_categories else "some",
        "category_ids": [c.id for c in judge.categories],
        **(expertise_defaults(trends, levels) if judge.user else {}),
    }
    form = form_class(data=defaults)
    form.max_load.description = (f"Leave blank to use the cycle’s limit, which is {cycle.judge_max_load}. "
                                 "No judge is given more nominations than this.")
    form.category_ids.choices = [(c.id, c.name) for c in cycle.categories]
    return form


# --- The list and invitations --------------------------------------------------------------------

def _render_list(cycle: Cycle, form: InviteForm, status: int = 200):
    judges = db.session.scalars(
        select(Judge).where(Judge.cycle_id == cycle.id)
        .options(selectinload(Judge.user), selectinload(Judge.categories))).all()
    judges = sorted(judges, key=lambda j: (j.has_accepted, (j.user.name if j.user else j.email).lower()))
    accepted = sum(1 for j in judges if j.has_accepted)
    return render_template("organiser/judging/judges.html", cycle=cycle, judges=judges, form=form,
                           counts=assigned_counts(cycle), accepted=accepted,
                           breadcrumbs=breadcrumbs(cycle, {"text": "Judges"}),
                           title=f"Judges – {cycle.name}"), status


def _names(addresses: list[str]) -> str:
    if len(addresses) <= 1:
        return "".join(addresses)
    return ", ".join(addresses[:-1]) + " and " + addresses[-1]


@bp.route("/cycles/<slug>/judges", methods=["GET", "POST"])
def judges(slug: str):
    cycle = load_cycle(slug)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            result = judge_rules.invite_judges(cycle, form.emails.data, by=current_user)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error, default_field="emails")
        else:
            db.session.commit()
            if result.invited:
                n = len(result.invited)
                flash(f"{n} {'invitation' if n == 1 else 'invitations'} sent to "
                      f"{_names([j.email for j in result.invited])}", "success")
            if result.already_invited:
                flash(f"Not sent again: {_names(result.already_invited)} "
                      f"{'has' if len(result.already_invited) == 1 else 'have'} already been invited to this "
                      "cycle. Use “Send again” in the list to send a new link.", "info")
            if result.repeated:
                flash(f"{_names(result.repeated)} {'was' if len(result.repeated) == 1 else 'were'} in the list "
                      "more than once, and invited only once.", "info")
            return redirect(url_for("organiser.judges", slug=cycle.slug))
    return _render_list(cycle, form)


@bp.route("/cycles/<slug>/judges/<int:judge_id>/resend", methods=["POST"])
def resend_invitation(slug: str, judge_id: int):
    cycle = load_cycle(slug)
    judge = load_judge(cycle, judge_id)
    try:
        judge_rules.resend_invitation(judge, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "info")
    else:
        db.session.commit()
        flash(f"A new invitation has been sent to {judge.email}", "success")
    return redirect(url_for("organiser.judges", slug=cycle.slug))


# --- One judge -----------------------------------------------------------------------------------

@bp.route("/cycles/<slug>/judges/<int:judge_id>", methods=["GET", "POST"])
def judge_settings(slug: str, judge_id: int):
    cycle = load_cycle(slug)
    judge = load_judge(cycle, judge_id)
    trends = list(cycle.trends)
    form = settings_form(cycle, judge, trends)
    if form.validate_on_submit():
        try:
            judge_rules.update_judge_settings(
                judge, organisation=form.organisation.data, max_load=form.max_load.data,
                all_categories=form.scope.data == "all", category_ids=form.category_ids.data, by=current_user)
            if judge.user is not None:
                judge_rules.set_expertise(judge.user, posted_levels(form, trends),
                                          allowed_trend_ids={t.id for t in trends}, by=current_user)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error, default_field="organisation")
        else:
            db.session.commit()
            flash(f"Settings saved for {judge.display_name}", "success")
            return redirect(url_for("organiser.judges", slug=cycle.slug))
    return render_template("organiser/judging/judges_settings.html", cycle=cycle, judge=judge, form=form,
                           groups=trend_groups(trends) if judge.user else [], field_name=expertise_field_name,
                           hint=EXPERTISE_HINT, assigned=judge_rules.assignment_count(judge),
                           affiliations=affiliation_rules.grouped(judge.user) if judge.user else [],
                           breadcrumbs=breadcrumbs(cycle, {"text": "Judges",
                                                           "href": url_for("organiser.judges", slug=cycle.slug)},
                                               {"text": judge.display_name}),
                           title=f"{judge.display_name} – judge settings")


@bp.route("/cycles/<slug>/judges/<int:judge_id>/remove", methods=["GET", "POST"])
def remove_judge(slug: str, judge_id: int):
    cycle = load_cycle(slug)
    judge = load_judge(cycle, judge_id)
    submitted = judge_rules.submitted_review_count(judge)
    if request.method == "POST" and not submitted:
        name = judge.display_name
        try:
            judge_rules.remove_judge(judge, by=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "info")
        else:
            db.session.commit()
            flash(f"{name} has been removed from the judges of {cycle.name}", "success")
            return redirect(url_for("organiser.judges", slug=cycle.slug))
    elif request.method == "POST":
        abort(409, description=f"{judge.display_name} has submitted scores, so they cannot be removed.")
    return render_template("organiser/judging/judges_remove.html", cycle=cycle, judge=judge, submitted=submitted,
                           assigned=judge_rules.assignment_count(judge),
                           breadcrumbs=breadcrumbs(cycle, {"text": "Judges",
                                                           "href": url_for("organiser.judges", slug=cycle.slug)},
                                               {"text": judge.display_name}),
                           title=f"Remove {judge.display_name}?")

