from flask_babel import LazyString, format_decimal
from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import RadioField
from wtforms.validators import InputRequired

from awards.models import Role
from awards.web.forms import Form, submit


def lazy_number(value: int) -> LazyString:
    """A number written as the reader's language writes it ("2,000"; "2 000" in Swedish), when it is shown:
    for messages made when a form class is defined."""
    return LazyString(lambda: format_decimal(value))


class GrantRoleForm(Form):
    role = RadioField(
        _l("Role to grant"),
        widget=GovRadioInput(),
        choices=[(Role.JUDGE.value, _l("Judge")), (Role.ORGANISER.value, _l("Organiser"))],
        validators=[InputRequired(_l("Select a role to grant"))],
    )
    submit = submit(_l("Grant role"))
