"""The forms of the judging pages: assignment, conflicts of interest, criteria, judges, progress
reminders and reopening scores."""

from __future__ import annotations

import re

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation, ValidationError

from awards.domain.core.errors import DomainError
from awards.domain.judging import judges as judge_rules
from awards.domain.judging import reviews as review_rules
from awards.domain.programme import criteria as criteria_rules
from awards.models import Judge
from awards.web.forms import Form, submit


class RunForm(Form):
    submit = submit("Run assignment")


class FillGapsForm(Form):
    """On the assignment page beside "Run assignment": its prefix keeps the button's id its own."""

    submit = submit("Fill the gaps")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "fill")
        super().__init__(*args, **kwargs)


class ConfirmForm(Form):
    # A hash of every input of the preview: if it no longer matches, the preview is out of date.
    inputs = HiddenField()
    submit = submit("Confirm assignment")


class JudgeChoiceField(RadioField):
    """Radios of judge ids; anything not offered gets a GOV.UK-style message."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None

    def pre_validate(self, form):
        if self.raw_data and self.data not in {value for value, _ in self.choices or []}:
            raise StopValidation("Select a judge from the list")


class AddJudgeForm(Form):
    judge = JudgeChoiceField(
        "Choose a judge",
        widget=GovRadioInput(),
        coerce=int,
        validators=[InputRequired("Select a judge to add")],
        description="Judges are listed best match first. Adding a judge locks the assignment, "
        "so running the assignment again keeps it.",
    )
    submit = submit("Add judge")


class ButtonForm(Form):
    """A button with nothing to fill in (lock, unlock, remove)."""


REASON_MAX = 2000


class AddConflictForm(Form):
    judge = SelectField("Judge", widget=GovSelect(), choices=[], validators=[InputRequired("Select the judge")])
    reference = StringField(
        "Nomination reference",
        widget=GovTextInput(),
        description="For example, PSDA-2026-0042",
        validators=[
            DataRequired("Enter the nomination’s reference"),
            Length(max=32, message="Enter a reference like PSDA-2026-0042"),
        ],
    )
    reason = TextAreaField(
        "Reason",
        widget=GovCharacterCount(),
        description="Why this judge must not judge this nomination. Other organisers see it.",
        validators=[
            DataRequired("Enter the reason for the conflict"),
            Length(max=REASON_MAX, message=f"Reason must be {REASON_MAX:,} characters or fewer"),
        ],
    )
    submit = submit("Add conflict")

    def offer(self, judges: list[Judge]) -> None:
        self.judge.choices = [("", "Choose a judge")] + [
            (str(j.id), j.display_name if j.user is None else f"{j.display_name} ({j.email})") for j in judges
        ]


class RemoveConflictForm(Form):
    reason = TextAreaField(
        "Reason for removing it",
        widget=GovCharacterCount(),
        description="For example, the judge confirmed they left that organisation in 2021",
        validators=[
            DataRequired("Enter the reason for removing the conflict"),
            Length(max=REASON_MAX, message=f"Reason must be {REASON_MAX:,} characters or fewer"),
        ],
    )
    submit = submit("Remove conflict")


BAND_FIELDS = ("low", "high", "label", "text")


class NumberField(IntegerField):
    """A whole number in a narrow box, with GOV.UK wording."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, what: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.what = what

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "").strip()
        self.data = int(text) if re.fullmatch(r"-?\d{1,6}", text) else None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def pre_validate(self, form):
        text = (self.raw_data[0] if self.raw_data else "").strip()
        if not text:
            raise StopValidation(f"Enter the {self.what}")
        if self.data is None:
            raise StopValidation(f"{self.what[0].upper()}{self.what[1:]} must be a whole number")


class BandForm(PlainForm):
    """One rubric band: the scores it covers, a label and a descriptor. A row left blank is ignored."""

    low = StringField("From", widget=GovTextInput())
    high = StringField("To", widget=GovTextInput())
    label = StringField(
        "Label",
        widget=GovTextInput(),
        validators=[
            Length(
                max=criteria_rules.LABEL_MAX, message=f"Label must be {criteria_rules.LABEL_MAX} characters or fewer"
            )
        ],
    )
    text = TextAreaField(
        "What it looks like",
        widget=GovTextArea(),
        validators=[
            Length(
                max=criteria_rules.BAND_TEXT_MAX,
                message=f"Description must be {criteria_rules.BAND_TEXT_MAX} characters or fewer",
            )
        ],
    )

    @property
    def blank(self) -> bool:
        return not any((self[name].data or "").strip() for name in BAND_FIELDS)

    def validate_low(self, field):
        if not self.blank and not re.fullmatch(r"\s*-?\d{1,6}\s*", field.data or ""):
            raise ValidationError("Enter the lowest score of the band as a whole number")

    def validate_high(self, field):
        if not self.blank and not re.fullmatch(r"\s*-?\d{1,6}\s*", field.data or ""):
            raise ValidationError("Enter the highest score of the band as a whole number")

    def validate_label(self, field):
        if not self.blank and not (field.data or "").strip():
            raise ValidationError("Enter a label for the band, like Strong")


class CriterionForm(Form):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        description="For example, Evidenced outcomes and impact",
        validators=[
            DataRequired("Enter the criterion’s name"),
            Length(max=criteria_rules.NAME_MAX, message=f"Name must be {criteria_rules.NAME_MAX} characters or fewer"),
        ],
    )
    description = TextAreaField(
        "Description (optional)",
        widget=GovTextArea(),
        description="What judges should look for. Judges see it above the scores.",
        validators=[
            Length(
                max=criteria_rules.DESCRIPTION_MAX,
                message=f"Description must be {criteria_rules.DESCRIPTION_MAX:,} characters or fewer",
            )
        ],
    )
    weight = NumberField(
        "Weight",
        what="weight",
        description="How much this criterion counts compared with the others. A criterion "
        "with weight 30 counts three times as much as one with weight 10.",
    )
    scale_min = NumberField("Lowest score", what="lowest score")
    scale_max = NumberField("Highest score", what="highest score")
    allow_not_applicable = BooleanField("Judges may answer “Not applicable”", widget=GovCheckboxInput())
    bands = FieldList(FormField(BandForm), min_entries=0)
    # Holds an error about the bands as a whole (gaps, overlaps), shown above them.
    rubric = HiddenField()
    submit = submit("Save criterion")

    def validate_weight(self, field):
        if field.data is not None and not 1 <= field.data <= criteria_rules.MAX_WEIGHT:
            raise ValidationError(f"Weight must be between 1 and {criteria_rules.MAX_WEIGHT}")

    def validate_scale_max(self, field):
        low = self.scale_min.data
        if field.data is not None and low is not None and field.data <= low:
            raise ValidationError("The highest score must be more than the lowest score")
        if field.data is not None and low is not None and field.data - low + 1 > criteria_rules.MAX_POINTS:
            raise ValidationError(
                f"The scale can have at most {criteria_rules.MAX_POINTS} scores, so that judges "
                f"can choose from them: make the highest score "
                f"{low + criteria_rules.MAX_POINTS - 1} or lower"
            )

    def validate(self, extra_validators=None) -> bool:
        """Also check the bands together (gaps, overlaps) when the scale and every band row are
        readable, so that all the problems show at once."""
        ok = super().validate(extra_validators)
        scale_ok = not (self.scale_min.errors or self.scale_max.errors) and None not in (
            self.scale_min.data,
            self.scale_max.data,
        )
        if scale_ok and not any(entry.form.errors for entry in self.bands):
            try:
                criteria_rules.clean_rubric(self.rubric_bands(), self.scale_min.data, self.scale_max.data)
            except DomainError as error:
                self.rubric.errors = [error.message]
                return False
        return ok

    def rubric_bands(self) -> list[dict]:
        bands = [entry.form for entry in self.bands]
        return [
            {
                "from": int(b.low.data),
                "to": int(b.high.data),
                "label": b.label.data.strip(),
                "text": (b.text.data or "").strip(),
            }
            for b in bands
            if not b.blank
        ]

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "description": self.description.data or "",
            "weight": self.weight.data,
            "scale_min": self.scale_min.data,
            "scale_max": self.scale_max.data,
            "allow_not_applicable": bool(self.allow_not_applicable.data),
            "rubric": self.rubric_bands(),
        }


class InviteForm(Form):
    emails = TextAreaField(
        "Email addresses",
        widget=GovTextArea(),
        description="Enter one address on each line, or separate them with commas. Each person gets an "
        "email with their own link to accept, which works for 30 days.",
        validators=[
            InputRequired("Enter at least one email address"),
            Length(max=20000, message="Enter fewer email addresses at a time"),
        ],
    )
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
            raise StopValidation(
                f"{self.what[0].upper()}{self.what[1:]} must be between {self.minimum} and {self.maximum}"
            )


class WholeNumberField(OptionalWholeNumberField):
    """A whole number that must be given."""

    def pre_validate(self, form):
        if self.data is None and not self.problem:
            raise StopValidation(f"Enter the {self.what}")
        super().pre_validate(form)


class CategoryChoiceField(SelectMultipleField):
    widget = GovCheckboxesInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int, **kwargs)

    def process_formdata(self, valuelist):
        try:
            self.data = [int(v) for v in valuelist]
        except ValueError:
            self.data = []
            raise ValueError("Select only categories from the list") from None

    def pre_validate(self, form):
        known = {value for value, _ in self.choices}
        if any(v not in known for v in self.data or []):
            raise StopValidation("Select only categories from the list")


class JudgeSettingsForm(Form):
    organisation = StringField(
        "Organisation",
        widget=GovTextInput(),
        description="Where the judge works. It is used to find conflicts of interest with nominated "
        "organisations and their partners.",
        validators=[Length(max=200, message="Organisation must be 200 characters or fewer")],
    )
    max_load = OptionalWholeNumberField(
        "Most nominations this judge scores (optional)", what="most nominations", maximum=judge_rules.MAX_LOAD_LIMIT
    )
    scope = RadioField(
        "Categories this judge scores",
        widget=GovRadioInput(),
        choices=[("all", "All categories"), ("some", "Only the categories I choose")],
        validators=[InputRequired("Select which categories this judge scores")],
    )
    category_ids = CategoryChoiceField("Categories")
    submit = submit("Save settings")

    def validate_category_ids(self, field):
        if self.scope.data == "some" and not field.data:
            raise ValidationError("Select the categories this judge scores")


class JudgesField(SelectMultipleField):
    """Ticked judges, by id. Anything that is not one of the choices (a judge who has finished in the
    meantime, or a tampered value) is an error, never ignored silently."""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        self.data = [int(v) for v in valuelist if str(v).isdigit()]
        self._unknown = len(self.data) != len(valuelist)

    def pre_validate(self, form):
        allowed = {value for value, _ in self.choices or []}
        if getattr(self, "_unknown", False) or any(v not in allowed for v in self.data or []):
            raise ValidationError("Select only judges who still have nominations to score")


class ReminderForm(Form):
    judges = JudgesField("Judges to remind", coerce=int)

    def validate_judges(self, field):
        if not field.data:
            raise ValidationError("Select the judges to remind")


class ReopenForm(Form):
    reason = TextAreaField(
        "Tell the judge why (optional)",
        description="This goes in the email to the judge and in the history.",
        validators=[
            Length(
                max=review_rules.COMMENT_MAX_LENGTH,
                message=f"The reason must be {review_rules.COMMENT_MAX_LENGTH:,} characters or fewer",
            )
        ],
    )
