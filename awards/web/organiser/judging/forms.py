"""The forms of the judging pages: assignment, conflicts of interest, criteria, judges, progress
reminders and reopening scores."""

from __future__ import annotations

import re

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
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


def too_long(message: str, limit: int) -> LazyString:
    """A "must be N characters or fewer" message put into words when it is shown: in the reader's language,
    with N written as they write numbers ('2,000', '2 000'). `message` is marked where it is written
    (gettext_noop-style through `_l`), so it stays one whole sentence for translators."""
    return LazyString(lambda: _(str(message), max=format_decimal(limit)))


class RunForm(Form):
    submit = submit(_l("Run assignment"))


class FillGapsForm(Form):
    """On the assignment page beside "Run assignment": its prefix keeps the button's id its own."""

    submit = submit(_l("Fill the gaps"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "fill")
        super().__init__(*args, **kwargs)


class ConfirmForm(Form):
    # A hash of every input of the preview: if it no longer matches, the preview is out of date.
    inputs = HiddenField()
    submit = submit(_l("Confirm assignment"))


class JudgeChoiceField(RadioField):
    """Radios of judge ids; anything not offered gets a GOV.UK-style message."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None

    def pre_validate(self, form):
        if self.raw_data and self.data not in {value for value, _ in self.choices or []}:
            raise StopValidation(_("Select a judge from the list"))


class AddJudgeForm(Form):
    judge = JudgeChoiceField(
        _l("Choose a judge"),
        widget=GovRadioInput(),
        coerce=int,
        validators=[InputRequired(_l("Select a judge to add"))],
        description=_l(
            "Judges are listed best match first. Adding a judge locks the assignment, "
            "so running the assignment again keeps it."
        ),
    )
    submit = submit(_l("Add judge"))


class ButtonForm(Form):
    """A button with nothing to fill in (lock, unlock, remove)."""


REASON_MAX = 2000


class AddConflictForm(Form):
    judge = SelectField(_l("Judge"), widget=GovSelect(), choices=[], validators=[InputRequired(_l("Select the judge"))])
    reference = StringField(
        _l("Nomination reference"),
        widget=GovTextInput(),
        description=_l("For example, PSDA-2026-0042"),
        validators=[
            DataRequired(_l("Enter the nomination’s reference")),
            Length(max=32, message=_l("Enter a reference like PSDA-2026-0042")),
        ],
    )
    reason = TextAreaField(
        _l("Reason"),
        widget=GovCharacterCount(),
        description=_l("Why this judge must not judge this nomination. Other organisers see it."),
        validators=[
            DataRequired(_l("Enter the reason for the conflict")),
            Length(max=REASON_MAX, message=too_long(_l("Reason must be %(max)s characters or fewer"), REASON_MAX)),
        ],
    )
    submit = submit(_l("Add conflict"))

    def offer(self, judges: list[Judge]) -> None:
        self.judge.choices = [("", _("Choose a judge"))] + [
            (str(j.id), j.display_name if j.user is None else f"{j.display_name} ({j.email})") for j in judges
        ]


class RemoveConflictForm(Form):
    reason = TextAreaField(
        _l("Reason for removing it"),
        widget=GovCharacterCount(),
        description=_l("For example, the judge confirmed they left that organisation in 2021"),
        validators=[
            DataRequired(_l("Enter the reason for removing the conflict")),
            Length(max=REASON_MAX, message=too_long(_l("Reason must be %(max)s characters or fewer"), REASON_MAX)),
        ],
    )
    submit = submit(_l("Remove conflict"))


BAND_FIELDS = ("low", "high", "label", "text")


class NumberField(IntegerField):
    """A whole number in a narrow box, with GOV.UK wording: `missing` when left blank, `not_whole` when it is
    not a whole number (each a whole sentence, marked where the field is declared)."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, missing: str, not_whole: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.missing, self.not_whole = missing, not_whole

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
            raise StopValidation(str(self.missing))
        if self.data is None:
            raise StopValidation(str(self.not_whole))


class BandForm(PlainForm):
    """One rubric band: the scores it covers, a label and a descriptor. A row left blank is ignored."""

    low = StringField(_l("From"), widget=GovTextInput())
    high = StringField(_l("To"), widget=GovTextInput())
    label = StringField(
        _l("Label"),
        widget=GovTextInput(),
        validators=[
            Length(
                max=criteria_rules.LABEL_MAX,
                message=too_long(_l("Label must be %(max)s characters or fewer"), criteria_rules.LABEL_MAX),
            )
        ],
    )
    text = TextAreaField(
        _l("What it looks like"),
        widget=GovTextArea(),
        validators=[
            Length(
                max=criteria_rules.BAND_TEXT_MAX,
                message=too_long(_l("Description must be %(max)s characters or fewer"), criteria_rules.BAND_TEXT_MAX),
            )
        ],
    )

    @property
    def blank(self) -> bool:
        return not any((self[name].data or "").strip() for name in BAND_FIELDS)

    def validate_low(self, field):
        if not self.blank and not re.fullmatch(r"\s*-?\d{1,6}\s*", field.data or ""):
            raise ValidationError(_("Enter the lowest score of the band as a whole number"))

    def validate_high(self, field):
        if not self.blank and not re.fullmatch(r"\s*-?\d{1,6}\s*", field.data or ""):
            raise ValidationError(_("Enter the highest score of the band as a whole number"))

    def validate_label(self, field):
        if not self.blank and not (field.data or "").strip():
            raise ValidationError(_("Enter a label for the band, like Strong"))


class CriterionForm(Form):
    name = StringField(
        _l("Name"),
        widget=GovTextInput(),
        description=_l("For example, Evidenced outcomes and impact"),
        validators=[
            DataRequired(_l("Enter the criterion’s name")),
            Length(
                max=criteria_rules.NAME_MAX,
                message=too_long(_l("Name must be %(max)s characters or fewer"), criteria_rules.NAME_MAX),
            ),
        ],
    )
    description = TextAreaField(
        _l("Description (optional)"),
        widget=GovTextArea(),
        description=_l("What judges should look for. Judges see it above the scores."),
        validators=[
            Length(
                max=criteria_rules.DESCRIPTION_MAX,
                message=too_long(_l("Description must be %(max)s characters or fewer"), criteria_rules.DESCRIPTION_MAX),
            )
        ],
    )
    weight = NumberField(
        _l("Weight"),
        missing=_l("Enter the weight"),
        not_whole=_l("Weight must be a whole number"),
        description=_l(
            "How much this criterion counts compared with the others. A criterion "
            "with weight 30 counts three times as much as one with weight 10."
        ),
    )
    scale_min = NumberField(
        _l("Lowest score"), missing=_l("Enter the lowest score"), not_whole=_l("Lowest score must be a whole number")
    )
    scale_max = NumberField(
        _l("Highest score"), missing=_l("Enter the highest score"), not_whole=_l("Highest score must be a whole number")
    )
    allow_not_applicable = BooleanField(_l("Judges may answer “Not applicable”"), widget=GovCheckboxInput())
    bands = FieldList(FormField(BandForm), min_entries=0)
    # Holds an error about the bands as a whole (gaps, overlaps), shown above them.
    rubric = HiddenField()
    submit = submit(_l("Save criterion"))

    def validate_weight(self, field):
        if field.data is not None and not 1 <= field.data <= criteria_rules.MAX_WEIGHT:
            raise ValidationError(_("Weight must be between 1 and %(max)s", max=criteria_rules.MAX_WEIGHT))

    def validate_scale_max(self, field):
        low = self.scale_min.data
        if field.data is not None and low is not None and field.data <= low:
            raise ValidationError(_("The highest score must be more than the lowest score"))
        if field.data is not None and low is not None and field.data - low + 1 > criteria_rules.MAX_POINTS:
            raise ValidationError(
                _(
                    "The scale can have at most %(points)s scores, so that judges can choose from them: "
                    "make the highest score %(highest)s or lower",
                    points=format_decimal(criteria_rules.MAX_POINTS),
                    highest=format_decimal(low + criteria_rules.MAX_POINTS - 1),
                )
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
        _l("Email addresses"),
        widget=GovTextArea(),
        description=_l(
            "Enter one address on each line, or separate them with commas. Each person gets an "
            "email with their own link to accept, which works for 30 days."
        ),
        validators=[
            InputRequired(_l("Enter at least one email address")),
            Length(max=20000, message=_l("Enter fewer email addresses at a time")),
        ],
    )
    submit = submit(_l("Send invitations"))


class OptionalWholeNumberField(IntegerField):
    """A whole number that may be left blank (None). Its messages are whole sentences marked where the field
    is declared: `not_whole`, and `out_of_range` with %(min)s and %(max)s (the limits, written as the box takes
    them, without separators); `missing` for a number that must be given (WholeNumberField)."""

    widget = GovTextInput()

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        not_whole: str,
        out_of_range: str,
        missing: str = "",
        minimum: int = 1,
        maximum: int = 1000,
        **kw,
    ):
        super().__init__(label, validators, **kw)
        self.not_whole, self.out_of_range, self.missing = not_whole, out_of_range, missing
        self.minimum, self.maximum = minimum, maximum
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
            self.problem = str(self.not_whole)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def pre_validate(self, form):
        if self.problem:
            raise StopValidation(self.problem)
        if self.data is not None and not self.minimum <= self.data <= self.maximum:
            raise StopValidation(str(self.out_of_range) % {"min": self.minimum, "max": self.maximum})


class WholeNumberField(OptionalWholeNumberField):
    """A whole number that must be given."""

    def pre_validate(self, form):
        if self.data is None and not self.problem:
            raise StopValidation(str(self.missing))
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
            raise ValueError(_("Select only categories from the list")) from None

    def pre_validate(self, form):
        known = {value for value, _ in self.choices}
        if any(v not in known for v in self.data or []):
            raise StopValidation(_("Select only categories from the list"))


class JudgeSettingsForm(Form):
    organisation = StringField(
        _l("Organisation"),
        widget=GovTextInput(),
        description=_l(
            "Where the judge works. It is used to find conflicts of interest with nominated "
            "organisations and their partners."
        ),
        validators=[Length(max=200, message=too_long(_l("Organisation must be %(max)s characters or fewer"), 200))],
    )
    max_load = OptionalWholeNumberField(
        _l("Most nominations this judge scores (optional)"),
        not_whole=_l("Most nominations must be a whole number"),
        out_of_range=_l("Most nominations must be between %(min)s and %(max)s"),
        maximum=judge_rules.MAX_LOAD_LIMIT,
    )
    scope = RadioField(
        _l("Categories this judge scores"),
        widget=GovRadioInput(),
        choices=[("all", _l("All categories")), ("some", _l("Only the categories I choose"))],
        validators=[InputRequired(_l("Select which categories this judge scores"))],
    )
    category_ids = CategoryChoiceField(_l("Categories"))
    submit = submit(_l("Save settings"))

    def validate_category_ids(self, field):
        if self.scope.data == "some" and not field.data:
            raise ValidationError(_("Select the categories this judge scores"))


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
            raise ValidationError(_("Select only judges who still have nominations to score"))


class ReminderForm(Form):
    judges = JudgesField(_l("Judges to remind"), coerce=int)

    def validate_judges(self, field):
        if not field.data:
            raise ValidationError(_("Select the judges to remind"))


class ReopenForm(Form):
    reason = TextAreaField(
        _l("Tell the judge why (optional)"),
        description=_l("This goes in the email to the judge and in the history."),
        validators=[
            Length(
                max=review_rules.COMMENT_MAX_LENGTH,
                message=too_long(_l("The reason must be %(max)s characters or fewer"), review_rules.COMMENT_MAX_LENGTH),
            )
        ],
    )
