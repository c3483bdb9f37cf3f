"""The step every way of signing in ends with (password, magic link, later single sign-on), and
two-factor authentication (TOTP, see awards/domain/people/two_factor.py) around it.

`finish_first_factor` is called once a person has proved the first factor. Someone with two-factor
on is not signed in yet: their id waits in the session (for PENDING_SECONDS) while the code page
asks for a code from their app or a recovery code. A provider that asserts it checked a second
factor itself (single sign-on with `amr` containing mfa or otp) passes `mfa_asserted=True` and skips
that step. An organiser who must use two-factor (REQUIRE_ORGANISER_2FA) and has not turned it on is
signed in but sent to turn it on, and cannot reach an organiser page until they have.
"""

from __future__ import annotations

import segno
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import Length

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError
from awards.domain.people import two_factor as tf
from awards.extensions import db
from awards.models import User
from awards.security import begin_session, safe_next
from awards.web.actions import attempt
from awards.web.auth import bp
from awards.web.forms import Form, submit

PENDING_KEY = "_two_factor_pending"
ENROL_KEY = "_two_factor_secret"
PENDING_SECONDS = 10 * 60


def _code_field(label, hint) -> StringField:
    return StringField(
        label,
        description=hint,
        widget=GovTextInput(),
        filters=[lambda v: (v or "").strip()],
        validators=[Length(max=40, message=_l("Enter a code of 40 characters or fewer"))],
    )


class CodeForm(Form):
    code = _code_field(_l("Code"), _l("The 6-digit code your authenticator app shows, or one of your recovery codes"))
    submit = submit(_l("Continue"))


class EnableForm(Form):
    code = _code_field(_l("Code from your app"), _l("The 6-digit code your authenticator app shows now"))
    submit = submit(_l("Turn on two-factor authentication"))


class DisableForm(Form):
    code = _code_field(_l("Code"), _l("The 6-digit code your authenticator app shows, or a recovery code"))
    submit = submit(_l("Turn off two-factor authentication"))


class RegenerateForm(Form):
    code = _code_field(_l("Code"), _l("The 6-digit code your authenticator app shows, or a recovery code"))
    submit = submit(_l("Get new recovery codes"))


def _now() -> int:
    return int(utcnow().timestamp())


def finish_first_factor(
    user, *, remember: bool = False, method: str, mfa_asserted: bool = False, next_url: str | None = None
) -> Response:
    """Complete a sign-in whose first factor (`method`: "password", "magic_link", "sso") is proved:
    ask for the second factor when the person has one, else start the session."""
    from awards.web.auth.routes import _landing

    if not mfa_asserted and tf.is_enabled(user):
        session.clear()  # nothing from before survives; nobody is signed in yet
        session[PENDING_KEY] = {
            "user": user.id,
            "token": user.session_token,
            "at": _now(),
            "remember": bool(remember),
            "method": method,
            "next": next_url if next_url and safe_next(next_url, "") else None,
        }
        return redirect(url_for("auth.two_factor_code"))
    begin_session(user, remember=remember)  # fresh session, sign-in time for the timeouts
    if tf.is_required(user) and not tf.is_enabled(user):
        flash(_("Organisers must use two-factor authentication. Set it up to carry on."), "info")
        return redirect(url_for("auth.two_factor"))
    return redirect(safe_next(next_url, _landing(user)))


def _pending_user() -> tuple[User | None, dict | None]:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, None
    if not isinstance(pending.get("at"), int) or _now() - pending["at"] > PENDING_SECONDS:
        return None, pending
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or user.session_token != pending.get("token"):
        return None, pending
    return user, pending


@bp.route("/sign-in/code", methods=["GET", "POST"])
def two_factor_code():
    from awards.web.auth.routes import _landing

    if current_user.is_authenticated:
        return redirect(_landing(current_user))
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        if pending is not None:
            flash(_("You took more than 10 minutes to enter the code. Sign in again."), "info")
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        done = attempt(
            lambda: tf.verify(user, form.code.data, ip=request.remote_addr),
            form=form,
            on_error=lambda error: _count_wrong_code(user, error, "sign_in"),
        )
        if done:
            how = done.value
            begin_session(user, remember=bool(pending.get("remember")))
            if how == "recovery_code":
                left = tf.recovery_codes_left(user)
                flash(
                    ngettext(
                        "You used a recovery code. You have %(num)d left: you can get new ones on your account page.",
                        "You used a recovery code. You have %(num)d left: you can get new ones on your account page.",
                        left,
                    ),
                    "info",
                )
            return redirect(safe_next(pending.get("next"), _landing(user)))
    return render_template("auth/two_factor_code.html", form=form, title=_("Enter your code"))


def _qr_code(uri: str) -> Markup:
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, title=_("QR code for your authenticator app"), svgclass="app-qr-code", lineclass=None
    )
    return Markup(svg)  # noqa: S704 - segno's own SVG markup; the address in it is escaped by segno


def _show_recovery_codes(codes: list[str]):
    return render_template("auth/two_factor_recovery_codes.html", codes=codes, title=_("Your recovery codes"))


@bp.route("/account/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@login_required
def two_factor_settings():
    user = current_user._get_current_object()
    if tf.is_enabled(user):
        disable, regenerate = DisableForm(prefix="disable"), RegenerateForm(prefix="regenerate")
        if request.method == "POST" and "disable-submit" in request.form and disable.validate_on_submit():
            if attempt(
                lambda: tf.disable(user, code=disable.code.data, ip=request.remote_addr),
                form=disable,
                on_error=lambda error: _count_wrong_code(user, error, "disable"),
            ):
                flash(_("Two-factor authentication is off"), "success")
                return redirect(url_for("auth.two_factor"))
        elif request.method == "POST" and "regenerate-submit" in request.form and regenerate.validate_on_submit():
            done = attempt(
                lambda: tf.regenerate_recovery_codes(user, code=regenerate.code.data, ip=request.remote_addr),
                form=regenerate,
                on_error=lambda error: _count_wrong_code(user, error, "regenerate_recovery_codes"),
            )
            if done:
                return _show_recovery_codes(done.value)
        return render_template(
            "auth/two_factor.html",
            enabled=True,
            disable=disable,
            regenerate=regenerate,
            error_forms=[disable, regenerate],
            required=tf.is_required(user),
            codes_left=tf.recovery_codes_left(user),
            title=_("Two-factor authentication"),
        )
    secret = session.get(ENROL_KEY)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session[ENROL_KEY] = tf.new_secret()
    enable = EnableForm(prefix="enable")
    if enable.validate_on_submit():
        done = attempt(
            lambda: tf.enable(user, secret=secret, code=enable.code.data, ip=request.remote_addr),
            form=enable,
            on_error=lambda error: _count_wrong_code(user, error, "enable"),
        )
        if done:
            session.pop(ENROL_KEY, None)
            return _show_recovery_codes(done.value)
    uri = tf.provisioning_uri(user, secret)
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template(
        "auth/two_factor.html",
        enabled=False,
        enable=enable,
        error_forms=[enable],
        qr_code=_qr_code(uri),
        secret=spaced,
        required=tf.is_required(user),
        title=_("Set up two-factor authentication"),
    )


def _count_wrong_code(user: User, error: DomainError, purpose: str) -> None:
    """A refused code (rolled back by `attempt`): a wrong one counts toward the lock, committed on its own."""
    if isinstance(error, tf.WrongCode):
        tf.record_wrong_code(user, ip=request.remote_addr, purpose=purpose)
        db.session.commit()


@bp.before_app_request
def _organisers_must_enrol():
    """An organiser who must use two-factor and has not turned it on reaches no organiser page."""
    if request.blueprint != "organiser" or not current_app.config.get("REQUIRE_ORGANISER_2FA"):
        return None
    if not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    if tf.is_required(user) and not tf.is_enabled(user):
        flash(_("Organisers must use two-factor authentication. Set it up to carry on."), "info")
        return redirect(url_for("auth.two_factor"))
    return None
