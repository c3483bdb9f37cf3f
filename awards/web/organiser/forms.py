from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import RadioField
from wtforms.validators import InputRequired

from awards.models import Role
from awards.web.forms import Form, submit


class GrantRoleForm(Form):
    role = RadioField(
        "Role to grant",
        widget=GovRadioInput(),
        choices=[(Role.JUDGE.value, "Judge"), (Role.ORGANISER.value, "Organiser")],
        validators=[InputRequired("Select a role to grant")],
    )
    submit = submit("Grant role")
