from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovPasswordInput
from wtforms import BooleanField, PasswordField
from wtforms.validators import InputRequired

from awards.web.forms import (
    Form,
    confirm_password_field,
    email_field,
    name_field,
    new_password_field,
    organisation_field,
    submit,
)


class RegisterForm(Form):
    name = name_field()
    email = email_field(description=_l("We’ll send you a link to confirm it"))
    organisation = organisation_field()
    password = new_password_field()
    confirm_password = confirm_password_field("password")
    submit = submit(_l("Create account"))


class SignInForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Password"), widget=GovPasswordInput(), validators=[InputRequired(_l("Enter your password"))]
    )
    remember = BooleanField(_l("Keep me signed in on this device"), widget=GovCheckboxInput())
    submit = submit(_l("Sign in"))


class ProfileForm(Form):
    name = name_field()
    organisation = organisation_field()
    submit = submit(_l("Save changes"))


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), widget=GovPasswordInput(), validators=[InputRequired(_l("Enter your current password"))]
    )
    new_password = new_password_field(_l("New password"))
    confirm_password = confirm_password_field("new_password", _l("Confirm new password"))
    submit = submit(_l("Change password"))


class ResetRequestForm(Form):
    email = email_field()
    submit = submit(_l("Send reset link"))


class MagicLinkRequestForm(Form):
    email = email_field()
    submit = submit(_l("Email me a sign-in link"))


class MagicLinkSignInForm(Form):
    submit = submit(_l("Sign in"))


class ResetPasswordForm(Form):
    password = new_password_field(_l("New password"))
    confirm_password = confirm_password_field("password", _l("Confirm new password"))
    submit = submit(_l("Set new password"))


class ResendVerificationForm(Form):
    submit = submit(_l("Send the link again"))


class DeleteAccountForm(Form):
    password = PasswordField(
        _l("Enter your password to confirm"),
        widget=GovPasswordInput(),
        validators=[InputRequired(_l("Enter your password"))],
    )
    submit = submit(_l("Delete your account"))
