"""The judge's profile at /judging/profile: their organisation, the other organisations they are
connected with (affiliations), and their expertise per trend (for the trends of every cycle they
judge). The expertise radios (awards/web/forms.py) are shared with the organiser's judge settings page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from awards.domain.judging import affiliations as affiliation_rules
from awards.domain.judging import judges as judge_rules
from awards.permissions import judge_memberships
from awards.web.actions import attempt
from awards.web.forms import (
    EXPERTISE_HINT,
    Form,
    expertise_defaults,
    expertise_field_name,
    posted_levels,
    submit,
    trend_groups,
    with_expertise,
)
from awards.web.judge import bp
from awards.web.judge.affiliations import affiliation_field_names, posted_affiliations, with_affiliations


class ProfileForm(Form):
    organisation = StringField(
        _l("Your organisation"),
        widget=GovTextInput(),
        description=_l(
            "The organisation you work for. We use it to make sure you are never given a nomination "
            "from your own organisation or its partners."
        ),
        validators=[
            DataRequired(_l("Enter your organisation")),
            Length(max=200, message=_l("Organisation must be 200 characters or fewer")),
        ],
    )
    submit = submit(_l("Save your profile"))


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    memberships = judge_memberships(current_user)
    if not memberships:
        abort(403)
    trends = judge_rules.profile_trends(current_user)
    levels = judge_rules.expertise_levels(current_user)
    form_class = with_expertise(with_affiliations(ProfileForm), trends)
    form = form_class(
        data={
            "organisation": current_user.organisation,
            **affiliation_rules.as_texts(current_user),
            **expertise_defaults(trends, levels),
        }
    )
    if form.validate_on_submit():
        if attempt(
            lambda: judge_rules.update_judge_profile(
                current_user,
                organisation=form.organisation.data,
                levels=posted_levels(form, trends),
                affiliations_given=posted_affiliations(form),
            ),
            form=form,
            field="organisation",
        ):
            flash(_("Your profile has been saved"), "success")
            return redirect(url_for("judge.profile"))
    cycles = sorted({m.cycle for m in memberships}, key=lambda c: (-c.year, c.name))
    unanswered = [t for t in trends if t.id not in levels]
    return render_template(
        "judge/profile.html",
        form=form,
        groups=trend_groups(trends),
        cycles=cycles,
        unanswered=unanswered,
        hint=EXPERTISE_HINT,
        field_name=expertise_field_name,
        affiliation_names=affiliation_field_names(),
        title=_("Your judging profile"),
    )
