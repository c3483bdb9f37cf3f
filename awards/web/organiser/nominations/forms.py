"""Forms for the organiser's nomination pages: the list's filters and the eligibility decision."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSelect, GovTextInput
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError

from awards.domain.nominations.screening import REASON_MAX_LENGTH
from awards.web.forms import Form, submit
from awards.web.organiser.forms import lazy_number


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class NominationFilterForm(Form):
    """The list's filters, read from the query string (a GET form, so filters stay in the URL).

    An unknown value (an old link, a hand-edited URL) is ignored rather than shown as an error:
    `choice_or_none` gives the value only if it is one of the offered choices.
    """

    q = StringField(
        _l("Search"),
        widget=GovTextInput(),
        description=_l("Reference, project title or nominated organisation"),
        validators=[Length(max=200)],
    )
    category = SelectField(_l("Category"), widget=GovSelect(), choices=[], validate_choice=False)
    trend = SelectField(_l("Trend"), widget=GovSelect(), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), widget=GovSelect(), choices=[], validate_choice=False)

    def set_choices(self, *, categories, trends, statuses) -> None:
        self.category.choices = [("", _("All categories"))] + [(c.slug, c.name) for c in categories]
        self.trend.choices = [("", _("All trends"))] + [
            (t.slug, _("%(trend)s (retired)", trend=t.name) if t.is_retired else t.name) for t in trends
        ]
        self.status.choices = [("", _("All statuses"))] + [(s.value, s.label) for s in statuses]

    def choice_or_none(self, name: str) -> str | None:
        field = self[name]
        value = field.data or ""
        return value if value and value in {v for v, _ in field.choices} else None

    def search_text(self) -> str:
        return (self.q.data or "").strip()[:200]


class EligibilityForm(Form):
    decision = RadioField(
        _l("Is this nomination eligible?"),
        widget=GovRadioInput(),
        choices=[("eligible", _l("Yes, it is eligible")), ("ineligible", _l("No, it is not eligible"))],
        description=_l("Check it against the entry rules of the awards cycle"),
        validators=[InputRequired(_l("Select whether the nomination is eligible"))],
    )
    reason = TextAreaField(
        _l("Reason"),
        widget=GovCharacterCount(),
        filters=[_strip],
        description=_l(
            "Required if it is not eligible. We include it in the email to the nominator, "
            "so write it for them: say which rule it does not meet and, if they can, what they could do."
        ),
        validators=[
            Length(
                max=REASON_MAX_LENGTH,
                message=_l("Reason must be %(num)s characters or fewer", num=lazy_number(REASON_MAX_LENGTH)),
            )
        ],
    )
    # The version the organiser looked at: a decision on an out-of-date copy is refused.
    version = HiddenField()
    submit = submit(_l("Save decision"))

    def validate_reason(self, field):
        if self.decision.data == "ineligible" and not field.data:
            raise ValidationError(_("Enter the reason the nomination is not eligible"))

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

    nominations = SelectMultipleField(_l("Nominations"), choices=[], validate_choice=False)
    decision = HiddenField()
    reason = TextAreaField(
        _l("Reason"),
        widget=GovCharacterCount(),
        filters=[_strip],
        validators=[
            Length(
                max=REASON_MAX_LENGTH,
                message=_l("Reason must be %(num)s characters or fewer", num=lazy_number(REASON_MAX_LENGTH)),
            )
        ],
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
            raise StopValidation(_("Select the nominations you want to mark"))
        if len(field.data) > MAX_AT_ONCE:
            raise StopValidation(_("Select %(num)s nominations or fewer at a time", num=MAX_AT_ONCE))

    def validate_decision(self, field):
        if field.data not in ("eligible", "ineligible"):
            raise StopValidation(_("Choose whether to mark the nominations eligible or not eligible"))

    def validate_reason(self, field):
        if self.confirming and self.decision.data == "ineligible" and not field.data:
            raise ValidationError(_("Enter the reason the nominations are not eligible"))

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
