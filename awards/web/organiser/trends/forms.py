"""Forms for the trend taxonomy."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea, GovTextInput
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from awards.domain.programme.taxonomy import MAX_CODE, MAX_NAME, MAX_SOURCE
from awards.models import TrendGroup
from awards.web.forms import Form, submit

GROUP_HINTS = {
    TrendGroup.DIGITAL.value: _l("How public services use digital: services, leadership, skills"),
    TrendGroup.TECHNOLOGY.value: _l("Technologies such as AI, data, cyber security and cloud"),
    TrendGroup.SOCIETAL.value: _l(
        "Changes in society that public services respond to. Cycles offer these only if the organiser chooses them."
    ),
}


def _trend_fields():
    """Name, group, description and source, made where they are called so the error summary
    lists them in page order."""
    return (
        StringField(
            _l("Name"),
            widget=GovTextInput(),
            validators=[
                DataRequired(_l("Enter the trend's name")),
                Length(max=MAX_NAME, message=_l("Name must be %(num)s characters or fewer", num=MAX_NAME)),
            ],
        ),
        RadioField(
            _l("Group"),
            widget=GovRadioInput(),
            choices=[(g.value, LazyString(lambda g=g: g.label)) for g in TrendGroup],
            validators=[InputRequired(_l("Select the trend's group"))],
        ),
        TextAreaField(
            _l("Description (optional)"),
            widget=GovTextArea(),
            description=_l("One or two sentences that help nominees decide whether their work addresses this trend"),
            validators=[Length(max=2000, message=_l("Description must be 2,000 characters or fewer"))],
        ),
        StringField(
            _l("Source (optional)"),
            widget=GovTextInput(),
            description=_l("Where the trend comes from, for example Socitm, Public sector digital trends 2025"),
            validators=[
                Length(max=MAX_SOURCE, message=_l("Source must be %(num)s characters or fewer", num=MAX_SOURCE))
            ],
        ),
    )


class AddTrendForm(Form):
    """Add a trend; the code is chosen once and never changes."""

    code = StringField(
        _l("Code"),
        widget=GovTextInput(),
        description=_l(
            "A short code, for example D6 or T6: up to %(num)s letters and numbers. You cannot change it later.",
            num=MAX_CODE,
        ),
        validators=[
            DataRequired(_l("Enter a code for the trend, like D6")),
            Regexp(
                rf"^[A-Za-z0-9-]{{1,{MAX_CODE}}}$",
                message=_l("Code must be %(num)s letters, numbers or hyphens or fewer", num=MAX_CODE),
            ),
        ],
    )
    name, group, description, source = _trend_fields()
    submit = submit(_l("Add trend"))


class TrendForm(Form):
    """Edit a trend: its words and group. The code and web address stay, so links keep working."""

    name, group, description, source = _trend_fields()
    submit = submit(_l("Save trend"))


class ConfirmTrendForm(Form):
    """A confirmation page's button: nothing to fill in."""

    submit = submit(_l("Confirm"))
