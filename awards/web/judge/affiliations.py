"""The three lists of organisations a judge is connected with (works for, worked for recently,
partners with), as text areas shared by the invitation and the judge's profile. Each list is
checked by the same rules the domain applies (`domain.affiliations.parse_list`), so every list
with a mistake shows its own error at once and keeps what was typed."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from awards.domain.core.errors import DomainError
from awards.domain.judging import affiliations as affiliation_rules
from awards.models import AFFILIATION_RECENT_YEARS, AffiliationKind
from awards.web.forms import Form

LABELS = {
    AffiliationKind.WORKS_FOR: (
        _l("Other organisations you work for now"),
        _l(
            "Besides your own organisation: for example as a board member, trustee, adviser or consultant, paid or "
            "not. Put each organisation on its own line."
        ),
    ),
    AffiliationKind.WORKED_FOR: (
        LazyString(
            lambda: _("Organisations you have worked for in the last %(years)s years", years=AFFILIATION_RECENT_YEARS)
        ),
        _l("As an employee, contractor or consultant. Put each organisation on its own line."),
    ),
    AffiliationKind.PARTNERS_WITH: (
        _l("Organisations you partner with closely"),
        _l(
            "For example, suppliers, councils or charities you work with on a project now. Put each organisation on "
            "its own line."
        ),
    ),
}


class _ValidList:
    def __init__(self, kind: AffiliationKind):
        self.kind = kind

    def __call__(self, form, field):
        try:
            affiliation_rules.parse_list(field.data, self.kind)
        except DomainError as error:
            raise ValidationError(error.message) from None


def with_affiliations(form_class: type[Form]) -> type[Form]:
    """The form class plus one text area per kind of affiliation (named works_for, worked_for,
    partners_with), after the class's own fields in the error summary."""
    fields = {}
    for kind, (label, hint) in LABELS.items():
        fields[affiliation_rules.field_name(kind)] = TextAreaField(
            label,
            widget=GovTextArea(),
            description=hint,
            validators=[_ValidList(kind)],
        )
    return type(form_class.__name__, (form_class,), fields)


def posted_affiliations(form: Form) -> dict[str, str]:
    """The lists as typed, for the domain."""
    return {
        affiliation_rules.field_name(kind): form[affiliation_rules.field_name(kind)].data or ""
        for kind in AffiliationKind
    }


def affiliation_field_names() -> list[str]:
    return [affiliation_rules.field_name(kind) for kind in AffiliationKind]
