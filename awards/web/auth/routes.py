from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from awards.domain.core import mail
from awards.domain.people import accounts
from awards.extensions import db
from awards.i18n import LANGUAGE_COOKIE, request_language, usable
from awards.models import Role
from awards.permissions import judges_any_cycle
from awards.security import begin_session, is_safe_next, safe_next
from awards.web.actions import attempt
from awards.web.auth import bp
from awards.web.auth.forms import (
    ChangePasswordForm,
    MagicLinkRequestForm,
    MagicLinkSignInForm,
    ProfileForm,
    RegisterForm,
    ResendVerificationForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
)
from awards.web.auth.two_factor import finish_first_factor
from awards.web.helpers import count_wrong_password


def _chosen_language() -> str | None:
    """The language the person chose with the switcher before they had an account (None: they chose none, so
    their account follows the service's default)."""
    return request_language() if usable(request.cookies.get(LANGUAGE_COOKIE)) else None


def _start_session(user, remember: bool = False) -> None:
    begin_session(user, remember=remember)  # fresh session, sign-in time for the timeouts


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = RegisterForm()
    if form.validate_on_submit():

        def register_account() -> None:
            accounts.register(
                email=form.email.data,
                name=form.name.data,
                organisation=form.organisation.data,
                password=form.password.data,
                language=_chosen_language(),
            )
            # The same answer, and as soon, whether the address was new (a confirmation link) or
            # already had an account (its owner is told): nobody learns which addresses have one.
            mail.deliver_after_response()

        if attempt(register_account, form=form):
            return render_template(
                "auth/register_sent.html",
                email=form.email.data,
                title=_("Check your email"),
                days=current_app.config["EMAIL_VERIFICATION_MAX_AGE"] // 86400,
            )
    return render_template("auth/register.html", form=form, title=_("Create an account"))


@bp.route("/verify-email/<token>")
def verify_email(token: str):
    done = attempt(lambda: accounts.verify_email(token), catch=accounts.InvalidToken)
    if not done:
        return render_template("auth/link_problem.html", title=done.message, resend=current_user.is_authenticated), 400
    user = done.value
    flash(_("Your email address is confirmed"), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("auth.account"))
    return redirect(url_for("auth.sign_in"))


@bp.route("/verify-email", methods=["POST"])
@login_required
def resend_verification():
    form = ResendVerificationForm()
    if form.validate_on_submit() and not current_user.email_verified:
        accounts.send_verification_email(current_user)
        db.session.commit()
        flash(_("We have sent a new link to %(email)s", email=current_user.email), "success")
    return redirect(url_for("auth.account"))


def _landing(user) -> str:
    """Where a person lands after signing in when no page sent them: their own work (an organiser's
    overview, a judge's assignments, a nominee's nominations with their drafts)."""
    if user.has_role(Role.ORGANISER):
        return url_for("organiser.dashboard")
    if judges_any_cycle(user):
        return url_for("judge.home")
    return url_for("nominee.my_nominations")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), _landing(current_user)))
    form = SignInForm()
    if form.validate_on_submit():
        # A refusal is committed too: it keeps the failure count and the audit record.
        done = attempt(
            lambda: accounts.authenticate(form.email.data, form.password.data, ip=request.remote_addr),
            form=form,
            field="email",
            commit_on_error=True,
        )
        if done:
            return finish_first_factor(
                done.value, remember=bool(form.remember.data), method="password", next_url=request.args.get("next")
            )
    return render_template("auth/sign_in.html", form=form, title=_("Sign in"))


@bp.route("/sign-in/email-link", methods=["GET", "POST"])
def request_magic_link():
    form = MagicLinkRequestForm()
    if form.validate_on_submit():
        wanted = request.args.get("next")
        accounts.request_magic_link(form.email.data, next_url=wanted if is_safe_next(wanted) else None)
        mail.deliver_after_response()  # the answer takes as long whether or not an e-mail goes out
        db.session.commit()
        return render_template(
            "auth/magic_link_sent.html",
            email=form.email.data,
            title=_("Check your email"),
            minutes=current_app.config["MAGIC_LINK_MAX_AGE"] // 60,
        )
    return render_template(
        "auth/magic_link_request.html",
        form=form,
        title=_("Sign in with a link by email"),
        minutes=current_app.config["MAGIC_LINK_MAX_AGE"] // 60,
    )


@bp.route("/sign-in/email-link/<token>", methods=["GET", "POST"])
def magic_link(token: str):
    """The link from the e-mail opens a page with a button: only the POST signs in, so a mail
    scanner that opens links (a GET) cannot use it up."""
    minutes = current_app.config["MAGIC_LINK_MAX_AGE"] // 60
    try:
        accounts.user_for_magic_link(token)
    except accounts.InvalidToken as error:
        return render_template("auth/link_problem.html", title=error.message, magic=True, minutes=minutes), 400
    form = MagicLinkSignInForm()
    if form.validate_on_submit():
        done = attempt(lambda: accounts.sign_in_with_magic_link(token), catch=accounts.InvalidToken)
        if not done:  # used in another tab a moment ago
            return render_template("auth/link_problem.html", title=done.message, magic=True, minutes=minutes), 400
        user, next_url = done.value
        return finish_first_factor(user, method="magic_link", next_url=next_url)
    return render_template("auth/magic_link.html", form=form, title=_("Sign in"), minutes=minutes)


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    if current_user.is_authenticated:
        accounts.sign_out(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out"), "success")
    return redirect(url_for("public.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    profile = ProfileForm(prefix="profile", obj=current_user)
    password = ChangePasswordForm(prefix="password")
    if request.method == "POST" and "profile-submit" in request.form:
        if profile.validate_on_submit():
            accounts.update_profile(current_user, name=profile.name.data, organisation=profile.organisation.data)
            db.session.commit()
            flash(_("Your details have been saved"), "success")
            return redirect(url_for("auth.account"))
    elif request.method == "POST" and "password-submit" in request.form:
        if password.validate_on_submit():
            if attempt(
                lambda: accounts.change_password(
                    current_user,
                    current_password=password.current_password.data,
                    new_password=password.new_password.data,
                ),
                form=password,
                on_error=count_wrong_password,
            ):
                # Other sessions ended with the old token; keep this one going with the new.
                _start_session(current_user._get_current_object())
                flash(_("Your password has been changed. You have been signed out everywhere else."), "success")
                return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        profile=profile,
        password=password,
        error_forms=[profile, password],
        title=_("Your account"),
    )


@bp.route("/account/reset-password", methods=["GET", "POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        mail.deliver_after_response()  # the answer takes as long whether or not an e-mail goes out
        db.session.commit()
        return render_template("auth/reset_sent.html", email=form.email.data, title=_("Check your email"))
    return render_template("auth/reset_request.html", form=form, title=_("Reset your password"))


@bp.route("/account/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        accounts.user_for_reset_token(token)
    except accounts.InvalidToken as error:
        return render_template("auth/link_problem.html", title=error.message, reset=True), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        if attempt(lambda: accounts.reset_password(token, form.password.data), form=form):
            logout_user()
            session.clear()
            flash(_("Your password has been reset. Sign in with your new password."), "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form, title=_("Choose a new password"))
