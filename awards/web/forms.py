"""Fields and validators shared by the blueprints' forms, with GOV.UK wording."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from awards.domain.people.passwords import MAX_LENGTH, password_problem, personal_words
from awards.models import EXPERTISE_LEVELS, Trend


class Form(FlaskForm):
    """Base form: strips surrounding spaces from text input.

    CSRF is checked for every POST by CSRFProtect (extensions.csrf) before any
    view runs, so forms do not carry their own token field.
    """

    class Meta:
        csrf = False

        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if unbound_field.field_class in (StringField,) and _strip not in filters:
                unbound_field.kwargs["filters"] = [*filters, _strip]
            return unbound_field.bind(form=form, **options)


def _in_reader_language(map_gov_params):
    """A widget's parameters with the GOV.UK components' own English words in the reader's language: the hidden
    "Error:" before an error message, and the password field's "Show" and "Hide"."""

    def mapped(self, field, **kwargs):
        params = map_gov_params(self, field, **kwargs)
        if params.get("errorMessage"):
            params["errorMessage"].setdefault("visuallyHiddenText", _("Error"))
        if isinstance(self, GovPasswordInput):
            for key, text in (
                ("showPasswordText", _("Show")),
                ("hidePasswordText", _("Hide")),
                ("showPasswordAriaLabelText", _("Show password")),
                ("hidePasswordAriaLabelText", _("Hide password")),
                ("passwordShownAnnouncementText", _("Your password is visible")),
                ("passwordHiddenAnnouncementText", _("Your password is hidden")),
            ):
                params.setdefault(key, text)
        return params

    mapped.in_reader_language = True  # type: ignore[attr-defined]
    return mapped


def _widget_classes(base: type) -> list[type]:
    return [base, *(c for sub in base.__subclasses__() for c in _widget_classes(sub))]


# Every widget class of govuk_frontend_wtf that maps its own parameters.
for _widget in set(_widget_classes(GovFormBase)):
    if "map_gov_params" in vars(_widget) and not getattr(vars(_widget)["map_gov_params"], "in_reader_language", False):
        _widget.map_gov_params = _in_reader_language(vars(_widget)["map_gov_params"])  # type: ignore[method-assign]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def email_field(label=None, description=None):
    return StringField(
        label or _l("Email address"),
        description=description,
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter your email address")),
            Length(max=254, message=_l("Email address must be 254 characters or fewer")),
        ],
    )


def name_field(label=None):
    return StringField(
        label or _l("Full name"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter your full name")),
            Length(max=200, message=_l("Full name must be 200 characters or fewer")),
        ],
    )


def organisation_field(label=None, required=True):
    validators = [Length(max=200, message=_l("Organisation must be 200 characters or fewer"))]
    if required:
        validators.insert(0, DataRequired(_l("Enter your organisation")))
    return StringField(
        label or _l("Organisation"),
        widget=GovTextInput(),
        validators=validators,
        description=_l("For example, the council or public body you work for"),
    )


class PasswordRules:
    """The password policy as a field validator (length 12–128, hard to guess), with the name,
    e-mail address and organisation typed in the same form, or those of the person signed in, as
    words a guesser tries first. The domain checks again with the account's own details."""

    def __call__(self, form, field):
        typed = [
            form[key].data
            for key in ("name", "email", "organisation")
            if key in form and isinstance(form[key].data, str)
        ]
        if current_user and current_user.is_authenticated:
            typed += [current_user.name, current_user.email, current_user.organisation]
        problem = password_problem(field.data or "", personal_words(*typed))
        if problem:
            raise ValidationError(problem)


def new_password_field(label=None):
    return PasswordField(
        label or _l("Create a password"),
        widget=GovPasswordInput(),
        description=_l("Use 12 characters or more. A few unrelated words make a strong password."),
        validators=[InputRequired(_l("Enter a password")), PasswordRules()],
    )


class SameAs:
    def __init__(self, other: str, message):
        self.other, self.message = other, message

    def __call__(self, form, field):
        if field.data != form[self.other].data:
            raise ValidationError(self.message)


def confirm_password_field(other: str, label=None):
    return PasswordField(
        label or _l("Confirm password"),
        widget=GovPasswordInput(),
        validators=[InputRequired(_l("Confirm your password")), SameAs(other, _l("Passwords do not match"))],
    )


def submit(label):
    return SubmitField(label, widget=GovSubmitInput())


# --- Expertise: one row of radios per trend, on the judge's profile and the organiser's judge settings ---

EXPERTISE_HINT = _l(
    "We use your expertise to match you with nominations about the trends you know best. "
    "Choose “Prefer not” for a trend you would rather not judge: we avoid giving you "
    "nominations that are mainly about it."
)


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
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(_("Select your level of expertise in %(trend)s from the list", trend=self.label.text))

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


__all__ = [
    "Form",
    "email_field",
    "name_field",
    "organisation_field",
    "new_password_field",
    "confirm_password_field",
    "submit",
    "MAX_LENGTH",
    "GovTextInput",
    "GovPasswordInput",
    "EXPERTISE_HINT",
    "ExpertiseField",
    "expertise_field_name",
    "with_expertise",
    "expertise_defaults",
    "posted_levels",
    "trend_groups",
]
