"""The judge's profile at /judging/profile: their organisation, the other organisations they are
connected with (affiliations), and their expertise per trend (for the trends of every cycle they judge). The expertise radios are shared with the
organiser's judge settings page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from awards.domain.core.errors import DomainError
from awards.domain.judging import affiliations as affiliation_rules
from awards.domain.judging import judges as judge_rules
from awards.extensions import db
from awards.models import EXPERTISE_LEVELS, Trend
from awards.permissions import judge_memberships
from awards.web.forms import Form, submit
from awards.web.helpers import apply_domain_error
from awards.web.judge import bp
from awards.web.judge.affiliations import affiliation_field_names, posted_affiliations, with_affiliations

EXPERTISE_HINT = ("We use your expertise to match you with nominations about the trends you know best. "
                  "Choose “Prefer not” for a trend you would rather not judge: we avoid giving you "
                  "nominations that are mainly about it.")


class ExpertiseField(RadioField):
    """One trend's level of expertise as five inline radios, from "Prefer not" to "Expert".
    Leaving it unanswered keeps what was there (none: treated as "Some knowledge")."""

    widget = GovRadioInput()

    def __init__(self, label=None, validators=None, **kwargs):
        choices = [(str(level), EXPERTISE_LEVELS[level]) for level in sorted(EXPERTISE_LEVELS)]
        super().__init__(label, validators, choices=choices, **kwargs)

    def process_data(self, value):
        self.data = None if value is None else str(value)

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = valuelist[0]

    def pre_validate(self, form):
        if self.data in (None, ""):
            return
        if self.data not in {value for value, _ in self.choices}:
            raise ValidationError(f"Select your level of expertise in {self.label.text} from the list")

    @property
    def level(self) -> int | None:
        return None if self.data in (None, "") else int(self.data)


def expertise_field_name(trend: Trend) -> str:
    return f"expertise_{trend.id}"


def with_expertise(form_class: type[Form], trends: list[Trend]) -> type[Form]:
    """The form class plus one ExpertiseField per trend (named expertise_<trend id>)."""
    fields = {expertise_field_name(t): ExpertiseField(f"{t.code} {t.name}".strip()) for t in trends}
    return type(form_class.__name__, (form_class,), fields)


def expertise_defaults(trends: list[Trend], levels: dict[int, int]) -> dict[str, int]:
    return {expertise_field_name(t): levels[t.id] for t in trends if t.id in levels}


def posted_levels(form: Form, trends: list[Trend]) -> dict[int, int | None]:
    return {t.id: form[expertise_field_name(t)].level for t in trends}


def trend_groups(trends: list[Trend]) -> list[tuple]:
    """[(group, [trend, ...]), ...] in the taxonomy's order, for headings above the radios."""
    grouped: dict = {}
    for trend in trends:
        grouped.setdefault(trend.group, []).append(trend)
    return list(grouped.items())


class ProfileForm(Form):
    organisation = StringField(
        "Your organisation", widget=GovTextInput(),
        description="The organisation you work for. We use it to make sure you are never given a nomination "
                    "from your own organisation or its partners.",
        validators=[DataRequired("Enter your organisation"),
                    Length(max=200, message="Organisation must be 200 characters or fewer")])
    submit = submit("Save your profile")


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    memberships = judge_memberships(current_user)
    if not memberships:
        abort(403)
    trends = judge_rules.profile_trends(current_user)
    levels = judge_rules.expertise_levels(current_user)
    form_class = with_expertise(with_affiliations(ProfileForm), trends)
    form = form_class(data={"organisation": current_user.organisation, **affiliation_rules.as_texts(current_user),
                            **expertise_defaults(trends, levels)})
    if form.validate_on_submit():
        try:
            judge_rules.update_judge_profile(current_user, organisation=form.organisation.data,
                                             levels=posted_levels(form, trends),
                                             affiliations_given=posted_affiliations(form))
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error, default_field="organisation")
        else:
            db.session.commit()
            flash("Your profile has been saved", "success")
            return redirect(url_for("judge.profile"))
    cycles = sorted({m.cycle for m in memberships}, key=lambda c: (-c.year, c.name))
    unanswered = [t for t in trends if t.id not in levels]
    return render_template("judge/profile.html", form=form, groups=trend_groups(trends), cycles=cycles,
                           unanswered=unanswered, hint=EXPERTISE_HINT, field_name=expertise_field_name,
                           affiliation_names=affiliation_field_names(),
                           title="Your judging profile")
