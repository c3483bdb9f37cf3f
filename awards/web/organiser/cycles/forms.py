"""Forms for award cycles and their categories: GOV.UK date inputs with a time field, read in
the cycle's time zone; entry rules as whole numbers; trends as checkboxes grouped by group."""

from __future__ import annotations

import copy
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import Field, IntegerField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, StopValidation, ValidationError

from awards.domain.core.errors import DomainError
from awards.domain.programme import default_translations
from awards.domain.programme.cycles import (
    DEFAULT_PREFIX,
    MAX_YEAR,
    MIN_YEAR,
    check_time_zone,
    cycle_setting,
    cycle_using_prefix,
    default_categories,
    free_reference_prefix,
    local_instant,
)
from awards.i18n import current_language
from awards.models import Cycle, Trend
from awards.templating import govuk_time
from awards.web.forms import Form, submit

# --- Dates and times --------------------------------------------------------------------------


class DateWidget(GovDateInput):
    """GOV.UK date input that shows back exactly what was typed and marks the boxes with the
    problem. The boxes' container takes the field's name as its id; the field's id is the box
    the error summary links to."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.name)
        return super().__call__(field, **kwargs)

    def map_gov_params(self, field, **kwargs):
        day, month, year = field.parts
        kwargs.setdefault("value", None)
        params = super(GovDateInput, self).map_gov_params(field, **kwargs)
        params.pop("value", None)
        params.pop("label", None)
        params.setdefault("fieldset", {"legend": {"text": field.label.text}})
        error = " govuk-input--error" if field.errors else ""
        bad = field.bad_part or "all"  # a problem with the date as a whole marks every box
        params["items"] = [
            {
                "label": _("Day"),
                "id": f"{field.name}-day",
                "name": field.name,
                "value": day,
                "classes": "govuk-input--width-2" + (error if bad in ("day", "all") else ""),
            },
            {
                "label": _("Month"),
                "id": f"{field.name}-month",
                "name": field.name,
                "value": month,
                "classes": "govuk-input--width-2" + (error if bad in ("month", "all") else ""),
            },
            {
                "label": _("Year"),
                "id": f"{field.name}-year",
                "name": field.name,
                "value": year,
                "classes": "govuk-input--width-4" + (error if bad in ("year", "all") else ""),
            },
        ]
        return params


class GovDateField(Field):
    """A date typed as day, month and year boxes (all posted under the field's name).

    `what` names the date in error messages, e.g. "date nominations close" gives
    "Enter the date nominations close" and "Date nominations close must include a month".
    """

    widget = DateWidget()

    def __init__(self, label=None, validators=None, *, what: str, required: bool = True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.what, self.required = what, required
        self.parts: tuple[str, str, str] = ("", "", "")
        self.problem: str | None = None
        self.bad_part: str | None = None
        # The error summary links to the field's id: make that the day box.
        self.id = f"{self.name}-day"

    def process_data(self, value):
        self.data = value
        if value:
            self.parts = (str(value.day), str(value.month), str(value.year))

    def process_formdata(self, valuelist):
        parts = tuple((list(valuelist) + ["", "", ""])[:3])
        self.parts = tuple((p or "").strip() for p in parts)
        self.raw_data = list(self.parts)
        self.data, self.problem, self.bad_part = None, None, None
        day, month, year = self.parts
        missing = [name for name, value in zip(("day", "month", "year"), self.parts, strict=True) if not value]
        what = str(self.what)
        if len(missing) == 3:
            if self.required:
                self.problem, self.bad_part = _("Enter the %(what)s", what=what), "all"
            return
        if missing:
            self.problem = _missing_parts(what, tuple(missing))
            self.bad_part = missing[0] if len(missing) == 1 else "all"
            return
        if not all(p.isdigit() for p in self.parts):
            self.problem, self.bad_part = sentence(_("%(what)s must be a real date", what=what)), "all"
            return
        if len(year) != 4:
            self.problem, self.bad_part = _("Year must include 4 numbers"), "year"
            return
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            self.problem, self.bad_part = sentence(_("%(what)s must be a real date", what=what)), "all"

    def pre_validate(self, form):
        if self.problem:
            # The error summary links to the first box with the problem.
            if self.bad_part in ("month", "year"):
                self.id = f"{self.name}-{self.bad_part}"
            raise StopValidation(self.problem)

    def _value(self):
        return " ".join(self.parts)


def _missing_parts(what: str, missing: tuple[str, ...]) -> str:
    """ "Date nominations close must include a day and month", as one sentence for each combination."""
    return sentence(
        {
            ("day",): _("%(what)s must include a day", what=what),
            ("month",): _("%(what)s must include a month", what=what),
            ("year",): _("%(what)s must include a year", what=what),
            ("day", "month"): _("%(what)s must include a day and month", what=what),
            ("day", "year"): _("%(what)s must include a day and year", what=what),
            ("month", "year"): _("%(what)s must include a month and year", what=what),
        }[missing]
    )


def sentence(text: str) -> str:
    """The message with a capital first letter: `what` ("date nominations open") is written to fit mid-sentence,
    and a language may put it first ("Date nominations open must include a month")."""
    return text[:1].upper() + text[1:]


_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")


def parse_time(text: str) -> time | None:
    """'5pm', '5:30pm', '17:00', '9.15am', 'midday', 'midnight' → a time; None if it is not one."""
    value = re.sub(r"\s+", " ", (text or "").strip().lower()).replace("a.m.", "am").replace("p.m.", "pm")
    if value in ("midday", "noon", "12 noon", "12 midday"):
        return time(12, 0)
    if value in ("midnight", "12 midnight"):
        return time(0, 0)
    match = _TIME.match(value)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if minute > 59:
        return None
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif hour > 23 or match.group(2) is None:
        return None  # "17" alone is unclear; "5" could be am or pm
    return time(hour, minute)


class TimeField(StringField):
    """A time of day typed as text, like 5pm or 17:00."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, what: str, required: bool = True, **kwargs):
        kwargs.setdefault("description", _l("For example, 5pm or 17:00"))
        super().__init__(label, validators, **kwargs)
        self.what, self.required = what, required
        self.time: time | None = None

    def pre_validate(self, form):
        self.time = None
        if not (self.data or "").strip():
            if self.required:
                raise StopValidation(_("Enter the %(what)s", what=self.what))
            return
        self.time = parse_time(self.data)
        if self.time is None:
            raise StopValidation(_("Enter the %(what)s like 5pm or 17:00", what=self.what))


def time_value(instant: datetime | None, time_zone: str) -> str:
    """How a stored instant appears in a time field: '5pm', '9:30am', 'midday'."""
    return govuk_time(instant, time_zone) if instant else ""


def local_date(instant: datetime | None, time_zone: str) -> date | None:
    return instant.astimezone(ZoneInfo(time_zone)).date() if instant else None


# --- Numbers ----------------------------------------------------------------------------------


class WholeNumberField(IntegerField):
    """A whole number in a narrow text box, with GOV.UK wording for each problem."""

    widget = GovTextInput()

    def __init__(
        self, label=None, validators=None, *, what: str, minimum: int = 1, maximum: int | None = None, **kwargs
    ):
        super().__init__(label, validators, **kwargs)
        self.what, self.minimum, self.maximum = what, minimum, maximum

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        self.data = int(text) if re.fullmatch(r"-?\d{1,9}", text) else None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def pre_validate(self, form):
        what = str(self.what)
        text = (self.raw_data[0] if self.raw_data else "").strip()
        if not text:
            raise StopValidation(_("Enter the %(what)s", what=what))
        if self.data is None:
            raise StopValidation(sentence(_("%(what)s must be a whole number", what=what)))
        maximum = self.maximum() if callable(self.maximum) else self.maximum
        if self.data < self.minimum:
            raise StopValidation(sentence(_("%(what)s must be %(num)s or more", what=what, num=self.minimum)))
        if maximum is not None and self.data > maximum:
            raise StopValidation(sentence(_("%(what)s must be %(num)s or fewer", what=what, num=maximum)))

    def __call__(self, **kwargs):
        params = kwargs.pop("params", {})
        params.setdefault("classes", "govuk-input--width-5")
        params.setdefault("inputmode", "numeric")
        params.setdefault("spellcheck", False)
        return super().__call__(params=params, **kwargs)


# --- Trends as checkboxes ---------------------------------------------------------------------


class TrendChoiceField(SelectMultipleField):
    """Trend ids, rendered by the template as one group of checkboxes per trend group."""

    widget = GovCheckboxesInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int, **kwargs)
        self.trends: list[Trend] = []

    def offer(self, trends: list[Trend]) -> None:
        self.trends = list(trends)
        self.choices = [(t.id, t.name) for t in self.trends]

    def pre_validate(self, form):
        if self.data:
            known = {t.id for t in self.trends}
            if any(value not in known for value in self.data):
                raise StopValidation(_("Select only trends from the list"))

    def process_formdata(self, valuelist):
        try:
            self.data = [int(v) for v in valuelist]
        except ValueError:
            self.data = []
            raise ValueError(_("Select only trends from the list")) from None

    @property
    def selected(self) -> set[int]:
        return set(self.data or [])

    def groups(self):
        """[(group, [trend, ...]), ...] in the taxonomy's order."""
        grouped: dict = {}
        for trend in self.trends:
            grouped.setdefault(trend.group, []).append(trend)
        return list(grouped.items())


# --- Default categories as checkboxes ---------------------------------------------------------


class DefaultCategoriesField(SelectMultipleField):
    """The default categories (awards/data/default_taxonomy.json) a new cycle starts with, by slug.
    All are ticked at first; none ticked is allowed (the organiser adds their own afterwards, and the
    cycle cannot open without one)."""

    widget = GovCheckboxesInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        # Named in the reader's language (the cycle stores them in the service's default language, the others as
        # translations): the data file's words, else the defaults' English.
        language = current_language()
        self.offered = [
            {**item, "name": default_translations.default_words("categories", item["name"], "name", language)}
            for item in default_categories()
        ]
        self.choices = [(item["slug"], item["name"]) for item in self.offered]

    def pre_validate(self, form):
        known = {item["slug"] for item in self.offered}
        if any(value not in known for value in self.data or []):
            raise StopValidation(_("Select only categories from the list"))

    @property
    def selected(self) -> set[str]:
        return set(self.data or [])


# --- The forms --------------------------------------------------------------------------------

INSTANTS = (
    ("nominations_open_at", "nominations_open_date", "nominations_open_time"),
    ("nominations_close_at", "nominations_close_date", "nominations_close_time"),
    ("judging_close_at", "judging_close_date", "judging_close_time"),
)

# Where a domain error about a model field is shown on these forms.
FIELD_FOR = {
    "nominations_open_at": "nominations_open_date",
    "nominations_close_at": "nominations_close_date",
    "judging_close_at": "judging_close_date",
    "trend_ids": "trends",
}


def _instant_fields():
    """The six fields of the three instants, made where they are called so the error summary
    lists them in page order. Each instant is one fieldset on the page (the `instant_input` macro in
    organiser/cycles/_macros.html): the date's label is its legend, and its boxes (Day, Month, Year)
    and the time box (Time) are named by it."""
    return (
        GovDateField(_l("Nominations open"), what=_l("date nominations open"), description=_l("For example, 2 3 2026")),
        TimeField(_l("Time"), what=_l("time nominations open")),
        GovDateField(
            _l("Nominations close"),
            what=_l("date nominations close"),
            description=_l("Nominees can submit until this moment, not after it. For example, 28 6 2026"),
        ),
        TimeField(_l("Time"), what=_l("time nominations close")),
        GovDateField(
            _l("Judging closes (optional)"),
            what=_l("date judging closes"),
            required=False,
            description=_l("Leave the date and time blank if you have not decided yet"),
        ),
        TimeField(_l("Time"), what=_l("time judging closes"), required=False),
    )


class DatesMixin:
    """The three instants of a cycle: date boxes plus a time, read in the chosen time zone."""

    def validate_judging_close_time(self, field):
        has_date = self.judging_close_date.data is not None or any(self.judging_close_date.parts)
        if has_date and not (field.data or "").strip():
            raise ValidationError(_("Enter the time judging closes"))

    def validate_judging_close_date(self, field):
        if field.data is None and not any(field.parts) and (self.judging_close_time.data or "").strip():
            raise ValidationError(_("Enter the date judging closes"))

    def fill_dates(self, cycle_like, time_zone: str) -> None:
        """Show stored instants back in the time zone (for a GET)."""
        for attribute, date_name, time_name in INSTANTS:
            if date_name not in self:
                continue
            instant = (
                cycle_like.get(attribute) if isinstance(cycle_like, dict) else cycle_setting(cycle_like, attribute)
            )
            self[date_name].process_data(local_date(instant, time_zone))
            self[time_name].data = time_value(instant, time_zone)

    def instants(self, time_zone: str) -> dict[str, datetime | None]:
        """The instants typed, in UTC; a time that does not exist there (clocks going forward) is an error."""
        result: dict[str, datetime | None] = {}
        for attribute, date_name, time_name in INSTANTS:
            if date_name not in self:
                continue  # not on the form (a cycle with several rounds: the rounds' own pages)
            day, at = self[date_name].data, self[time_name].time
            if day is None or at is None:
                result[attribute] = None
                continue
            try:
                result[attribute] = local_instant(day, at, time_zone)
            except DomainError as error:
                raise DomainError(error.message, field=time_name) from None
        return result


def _prefix_field(default: str | None = None):
    return StringField(
        _l("Reference prefix"),
        widget=GovTextInput(),
        default=default,
        description=_l(
            "Nomination references start with this and the year, like PSDA-2026-0042. "
            "Use up to 12 letters or numbers. No other cycle of the same year may use it."
        ),
        validators=[
            DataRequired(_l("Enter the reference prefix, like PSDA")),
            Regexp(
                r"^[A-Za-z0-9]{1,12}$", message=_l("Reference prefix must be 1 to 12 letters or numbers, like PSDA")
            ),
        ],
    )


class CycleForm(DatesMixin, Form):
    """Create or edit a cycle."""

    name = StringField(
        _l("Name"),
        widget=GovTextInput(),
        description=_l("For example, Public Sector Digital Awards 2026"),
        validators=[
            DataRequired(_l("Enter the cycle's name")),
            Length(max=200, message=_l("Name must be 200 characters or fewer")),
        ],
    )
    year = WholeNumberField(
        _l("Awards year"),
        what=_l("year"),
        minimum=MIN_YEAR,
        maximum=MAX_YEAR,
        description=_l("The year the awards are for. It is part of every nomination reference."),
    )
    slug = StringField(
        _l("Web address (optional)"),
        widget=GovTextInput(),
        description=_l(
            "Used in links to the cycle. Leave blank to make one from the name, like public-sector-digital-awards-2026."
        ),
        validators=[
            Optional(),
            Length(max=120, message=_l("Web address must be 120 characters or fewer")),
            Regexp(
                r"^[a-z0-9]+(-[a-z0-9]+)*$",
                message=_l("Web address must only include lower case letters, numbers and hyphens, like psda-2026"),
            ),
        ],
    )
    description = TextAreaField(
        _l("Description (optional)"),
        widget=GovTextArea(),
        description=_l("A sentence or two about the awards, shown to people who nominate"),
        validators=[Length(max=2000, message=_l("Description must be 2,000 characters or fewer"))],
    )
    time_zone = StringField(
        _l("Time zone"),
        widget=GovTextInput(),
        default="Europe/London",
        description=_l(
            "Opening and closing times are in this time zone. For example, Europe/London or Europe/Stockholm."
        ),
        validators=[DataRequired(_l("Enter the time zone, like Europe/London"))],
    )
    (
        nominations_open_date,
        nominations_open_time,
        nominations_close_date,
        nominations_close_time,
        judging_close_date,
        judging_close_time,
    ) = _instant_fields()
    trends = TrendChoiceField(_l("Trends this cycle offers"))
    # Only on the create page (the edit page removes it): the default categories to start with.
    categories = DefaultCategoriesField(_l("Categories to start with"))

    trends_min = WholeNumberField(
        _l("Fewest trends a nomination addresses"), what=_l("fewest trends"), maximum=10, default=1
    )
    trends_max = WholeNumberField(
        _l("Most trends a nomination addresses"),
        what=_l("most trends"),
        maximum=10,
        default=3,
        description=_l("One of them is the primary trend"),
    )
    judges_per_nomination = WholeNumberField(
        _l("Judges for each nomination"), what=_l("number of judges for each nomination"), maximum=20, default=3
    )
    judge_max_load = WholeNumberField(
        _l("Most nominations one judge scores"),
        what=_l("most nominations one judge scores"),
        maximum=1000,
        default=20,
        description=_l("Keeps the work fair when judges are assigned"),
    )
    reference_prefix = _prefix_field(DEFAULT_PREFIX)
    submit = submit(_l("Save cycle"))

    # The cycle being changed (None on the create page): its own prefix does not clash with itself.
    editing: Cycle | None = None

    # Only on the create page: the entry form to start with, the default one or a saved template's
    # (its limits, once the word and file limits of the cycle, now live in its questions).
    form_start = RadioField(
        _l("Start the entry form from"),
        widget=GovRadioInput(),
        choices=[("default", _l("The default form"))],
        default="default",
        validators=[InputRequired(_l("Select the form to start from"))],
    )

    RULES = (
        "trends_min",
        "trends_max",
        "judges_per_nomination",
        "judge_max_load",
    )

    def offer_templates(self, templates) -> None:
        """The saved templates the new cycle's form can start from."""
        self.form_start.choices = [("default", _("The default form"))] + [(str(t.id), t.name) for t in templates]
        self.templates = {str(t.id): t for t in templates}

    def validate_time_zone(self, field):
        try:
            check_time_zone(field.data)
        except DomainError as error:
            raise ValidationError(error.message) from None

    def validate_trends_max(self, field):
        if self.trends_min.data and field.data and field.data < self.trends_min.data:
            raise ValidationError(_("Most trends must be the same as or more than the fewest trends"))

    def validate_trends(self, field):
        if not field.data:
            raise StopValidation(_("Select the trends this cycle offers"))
        fewest = self.trends_min.data
        if fewest and len(field.data) < fewest:
            raise ValidationError(
                ngettext(
                    "Select at least %(num)d trend: each nomination must address %(num)d",
                    "Select at least %(num)d trends: each nomination must address %(num)d",
                    fewest,
                )
            )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = check_prefix_free(self, self.editing) and ok
        if not ok or self.time_zone.errors:
            return ok
        try:
            self.parsed = self.instants(self.time_zone.data)
        except DomainError as error:
            self[error.field].errors = list(self[error.field].errors) + [error.message]
            return False
        return True

    def values(self) -> dict:
        """Keyword arguments for create_cycle / update_cycle."""
        slug = self.slug.data if "slug" in self._fields else None  # the edit page drops it once open
        values = {
            "name": self.name.data,
            "year": self.year.data,
            "slug": slug or None,
            "description": self.description.data or "",
            "time_zone": self.time_zone.data,
            "reference_prefix": self.reference_prefix.data,
            "trend_ids": list(self.trends.data or []),
        }
        if "categories" in self._fields:
            values["categories"] = list(self.categories.data or [])
        if "form_start" in self._fields and self.form_start.data in getattr(self, "templates", {}):
            values["form"] = copy.deepcopy(self.templates[self.form_start.data].definition)
        values.update({name: self[name].data for name in self.RULES if name in self._fields})
        values.update(self.parsed)
        return values


def check_prefix_free(form, editing: Cycle | None) -> bool:
    """The prefix and year a form has (both valid) are not another cycle's: references would clash.
    Shown on the prefix with all the form's other errors (the domain refuses it too)."""
    if form.reference_prefix.errors or form.year.errors or form.year.data is None or not form.reference_prefix.data:
        return True
    prefix = form.reference_prefix.data.strip().upper()
    other = cycle_using_prefix(prefix, form.year.data, editing.id if editing else None)
    if other is None:
        return True
    suggestion = free_reference_prefix(form.year.data, prefix, editing.id if editing else None)
    form.reference_prefix.errors = list(form.reference_prefix.errors) + [
        _(
            "%(cycle)s already uses the reference prefix %(prefix)s for %(year)s: enter a different prefix, like "
            "%(suggestion)s",
            cycle=other.name,
            prefix=prefix,
            year=form.year.data,
            suggestion=suggestion,
        )
    ]
    return False


class CopyCycleForm(DatesMixin, Form):
    """Next year's cycle: a new name, year and dates; the rest comes from the cycle copied."""

    name = StringField(
        _l("Name of the new cycle"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter the new cycle's name")),
            Length(max=200, message=_l("Name must be 200 characters or fewer")),
        ],
    )
    year = WholeNumberField(
        _l("Awards year"),
        what=_l("year"),
        minimum=MIN_YEAR,
        maximum=MAX_YEAR,
        description=_l("The year the awards are for. It is part of every nomination reference."),
    )
    (
        nominations_open_date,
        nominations_open_time,
        nominations_close_date,
        nominations_close_time,
        judging_close_date,
        judging_close_time,
    ) = _instant_fields()
    reference_prefix = _prefix_field()
    submit = submit(_l("Create next year's cycle"))

    def __init__(self, *args, time_zone: str = "Europe/London", **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone_name = time_zone

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = check_prefix_free(self, None) and ok
        if not ok:
            return ok
        try:
            self.parsed = self.instants(self.time_zone_name)
        except DomainError as error:
            self[error.field].errors = list(self[error.field].errors) + [error.message]
            return False
        return True


class CategoryForm(Form):
    name = StringField(
        _l("Name"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter the category's name")),
            Length(max=200, message=_l("Name must be 200 characters or fewer")),
        ],
    )
    description = TextAreaField(
        _l("Description (optional)"),
        widget=GovTextArea(),
        description=_l("What kind of work the category is for. Nominees see this when they choose a category."),
        validators=[Length(max=2000, message=_l("Description must be 2,000 characters or fewer"))],
    )
    shortlist_size = WholeNumberField(
        _l("Shortlist size"),
        what=_l("shortlist size"),
        maximum=50,
        default=6,
        description=_l("How many nominations in this category judges shortlist"),
    )
    trends = TrendChoiceField(
        _l("Linked trends (optional)"),
        description=_l("The trends this category is about. Judges whose expertise matches them are preferred."),
    )
    submit = submit(_l("Save category"))


class ConfirmForm(Form):
    """A confirmation page's button: nothing to fill in."""

    submit = submit(_l("Confirm"))


def cycle_form_defaults(cycle: Cycle) -> dict:
    """The cycle's details as the form shows them (the judging ones are its first round's)."""
    return {
        name: cycle_setting(cycle, name)
        for name in ("name", "year", "slug", "description", "time_zone", "reference_prefix", *CycleForm.RULES)
    }


# The judging fields of the cycle's form: its first round's settings, on the form only while the cycle has one round.
ROUND_FIELDS = ("judging_close_date", "judging_close_time", "judges_per_nomination", "judge_max_load")


def drop_round_fields(form: CycleForm, cycle: Cycle) -> None:
    """On the form of a cycle that judges in several rounds, leave out the judging fields (judging close,
    judges per nomination, load limit): each round has its own, on the "Judging rounds" page, and the cycle's
    form would change only round 1's while seeming to speak for the cycle. Saving the form leaves them as
    they are."""
    if len(cycle.rounds) < 2:
        return
    for name in ROUND_FIELDS:
        delattr(form, name)
