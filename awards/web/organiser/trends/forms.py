"""Forms for the trend taxonomy."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea, GovTextInput
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from awards.domain.programme.taxonomy import MAX_CODE, MAX_NAME, MAX_SOURCE
from awards.models import TrendGroup
from awards.web.forms import Form, submit

GROUP_HINTS = {
    TrendGroup.DIGITAL.value: "How public services use digital: services, leadership, skills",
    TrendGroup.TECHNOLOGY.value: "Technologies such as AI, data, cyber security and cloud",
    TrendGroup.SOCIETAL.value: "Changes in society that public services respond to. Cycles offer these only "
    "if the organiser chooses them.",
}


def _trend_fields():
    """Name, group, description and source, made where they are called so the error summary
    lists them in page order."""
    return (
        StringField(
            "Name",
            widget=GovTextInput(),
            validators=[
                DataRequired("Enter the trend's name"),
                Length(max=MAX_NAME, message=f"Name must be {MAX_NAME} characters or fewer"),
            ],
        ),
        RadioField(
            "Group",
            widget=GovRadioInput(),
            choices=[(g.value, g.label) for g in TrendGroup],
            validators=[InputRequired("Select the trend's group")],
        ),
        TextAreaField(
            "Description (optional)",
            widget=GovTextArea(),
            description="One or two sentences that help nominees decide whether their work addresses this trend",
            validators=[Length(max=2000, message="Description must be 2,000 characters or fewer")],
        ),
        StringField(
            "Source (optional)",
            widget=GovTextInput(),
            description="Where the trend comes from, for example Socitm, Public sector digital trends 2025",
            validators=[Length(max=MAX_SOURCE, message=f"Source must be {MAX_SOURCE} characters or fewer")],
        ),
    )


class AddTrendForm(Form):
    """Add a trend; the code is chosen once and never changes."""

    code = StringField(
        "Code",
        widget=GovTextInput(),
        description=f"A short code, for example D6 or T6: up to {MAX_CODE} letters and numbers. "
        "You cannot change it later.",
        validators=[
            DataRequired("Enter a code for the trend, like D6"),
            Regexp(
                rf"^[A-Za-z0-9-]{{1,{MAX_CODE}}}$",
                message=f"Code must be {MAX_CODE} letters, numbers or hyphens or fewer",
            ),
        ],
    )
    name, group, description, source = _trend_fields()
    submit = submit("Add trend")


class TrendForm(Form):
    """Edit a trend: its words and group. The code and web address stay, so links keep working."""

    name, group, description, source = _trend_fields()
    submit = submit("Save trend")


class ConfirmTrendForm(Form):
    """A confirmation page's button: nothing to fill in."""

    submit = submit("Confirm")
