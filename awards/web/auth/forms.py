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
    email = email_field(description="We’ll send you a link to confirm it")
    organisation = organisation_field()
    password = new_password_field()
    confirm_password = confirm_password_field("password")
    submit = submit("Create account")


class SignInForm(Form):
    email = email_field()
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[InputRequired("Enter your password")])
    remember = BooleanField("Keep me signed in on this device", widget=GovCheckboxInput())
    submit = submit("Sign in")


class ProfileForm(Form):
    name = name_field()
    organisation = organisation_field()
    submit = submit("Save changes")


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password", widget=GovPasswordInput(), validators=[InputRequired("Enter your current password")]
    )
    new_password = new_password_field("New password")
    confirm_password = confirm_password_field("new_password", "Confirm new password")
    submit = submit("Change password")


class ResetRequestForm(Form):
    email = email_field()
    submit = submit("Send reset link")


class MagicLinkRequestForm(Form):
    email = email_field()
    submit = submit("Email me a sign-in link")


class MagicLinkSignInForm(Form):
    submit = submit("Sign in")


class ResetPasswordForm(Form):
    password = new_password_field("New password")
    confirm_password = confirm_password_field("password", "Confirm new password")
    submit = submit("Set new password")


class ResendVerificationForm(Form):
    submit = submit("Send the link again")


class DeleteAccountForm(Form):
    password = PasswordField(
        "Enter your password to confirm", widget=GovPasswordInput(), validators=[InputRequired("Enter your password")]
    )
    submit = submit("Delete your account")
