"""Forms for the organiser's nomination pages: the list's filters and the eligibility decision."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSelect, GovTextInput
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError

from awards.domain.nominations.screening import REASON_MAX_LENGTH
from awards.web.forms import Form, submit


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class NominationFilterForm(Form):
    """The list's filters, read from the query string (a GET form, so filters stay in the URL).

    An unknown value (an old link, a hand-edited URL) is ignored rather than shown as an error:
    `choice_or_none` gives the value only if it is one of the offered choices.
    """

    q = StringField(
        "Search",
        widget=GovTextInput(),
        description="Reference, project title or nominated organisation",
        validators=[Length(max=200)],
    )
    category = SelectField("Category", widget=GovSelect(), choices=[], validate_choice=False)
    trend = SelectField("Trend", widget=GovSelect(), choices=[], validate_choice=False)
    status = SelectField("Status", widget=GovSelect(), choices=[], validate_choice=False)

    def set_choices(self, *, categories, trends, statuses) -> None:
        self.category.choices = [("", "All categories")] + [(c.slug, c.name) for c in categories]
        self.trend.choices = [("", "All trends")] + [
            (t.slug, f"{t.name} (retired)" if t.is_retired else t.name) for t in trends
        ]
        self.status.choices = [("", "All statuses")] + [(s.value, s.label) for s in statuses]

    def choice_or_none(self, name: str) -> str | None:
        field = self[name]
        value = field.data or ""
        return value if value and value in {v for v, _ in field.choices} else None

    def search_text(self) -> str:
        return (self.q.data or "").strip()[:200]


class EligibilityForm(Form):
    decision = RadioField(
        "Is this nomination eligible?",
        widget=GovRadioInput(),
        choices=[("eligible", "Yes, it is eligible"), ("ineligible", "No, it is not eligible")],
        description="Check it against the entry rules of the awards cycle",
        validators=[InputRequired("Select whether the nomination is eligible")],
    )
    reason = TextAreaField(
        "Reason",
        widget=GovCharacterCount(),
        filters=[_strip],
        description="Required if it is not eligible. We include it in the email to the nominator, "
        "so write it for them: say which rule it does not meet and, if they can, what they could do.",
        validators=[Length(max=REASON_MAX_LENGTH, message=f"Reason must be {REASON_MAX_LENGTH:,} characters or fewer")],
    )
    # The version the organiser looked at: a decision on an out-of-date copy is refused.
    version = HiddenField()
    submit = submit("Save decision")

    def validate_reason(self, field):
        if self.decision.data == "ineligible" and not field.data:
            raise ValidationError("Enter the reason the nomination is not eligible")

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


MAX_AT_ONCE = 200


class ScreenManyForm(Form):
    """Screening several nominations from the list, in two steps: the list posts the ticked
    references and the button pressed (the decision); the confirmation page adds the reason and
    posts `step=confirm`, with the version of each nomination it showed."""

    nominations = SelectMultipleField("Nominations", choices=[], validate_choice=False)
    decision = HiddenField()
    reason = TextAreaField(
        "Reason",
        widget=GovCharacterCount(),
        filters=[_strip],
        validators=[Length(max=REASON_MAX_LENGTH, message=f"Reason must be {REASON_MAX_LENGTH:,} characters or fewer")],
    )
    step = HiddenField()

    @property
    def confirming(self) -> bool:
        return self.step.data == "confirm"

    @property
    def eligible(self) -> bool:
        return self.decision.data == "eligible"

    def validate_nominations(self, field):
        field.data = list(dict.fromkeys(v.strip() for v in field.data or [] if v.strip()))
        if not field.data:
            raise StopValidation("Select the nominations you want to mark")
        if len(field.data) > MAX_AT_ONCE:
            raise StopValidation(f"Select {MAX_AT_ONCE} nominations or fewer at a time")

    def validate_decision(self, field):
        if field.data not in ("eligible", "ineligible"):
            raise StopValidation("Choose whether to mark the nominations eligible or not eligible")

    def validate_reason(self, field):
        if self.confirming and self.decision.data == "ineligible" and not field.data:
            raise ValidationError("Enter the reason the nominations are not eligible")

    @staticmethod
    def expected_versions(nominations, formdata) -> dict[int, int]:
        """The version of each nomination the confirmation page showed (posted as version-<reference>)."""
        versions = {}
        for nomination in nominations:
            try:
                versions[nomination.id] = int(formdata.get(f"version-{nomination.reference}", ""))
            except ValueError:
                continue
        return versions
