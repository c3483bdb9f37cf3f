"""Accepting an invitation to judge a cycle, at /judging/invitations/<token> (open to anyone:
the link in the e-mail is the proof).

- Someone without an account sets their name, organisation and password, and is signed in; or
  accepts without a password, and signs in later with links by e-mail (auth.request_magic_link).
- Someone with an account signs in (if they have not) and accepts.
- Either way they list the other organisations they work for, worked for recently or partner with
  (their affiliations), from which conflicts of interest are found.
- Someone signed in with another e-mail address is told so, and cannot accept it.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.validators import StopValidation

from awards.domain.judging import affiliations as affiliation_rules
from awards.domain.judging import judges as judge_rules
from awards.domain.people import accounts
from awards.domain.people.accounts import InvalidToken
from awards.security import begin_session
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.forms import Form, confirm_password_field, name_field, new_password_field, organisation_field, submit
from awards.web.helpers import apply_domain_error
from awards.web.judge import bp
from awards.web.judge.affiliations import affiliation_field_names, posted_affiliations, with_affiliations


class _UnlessWithoutPassword:
    """Skips the password fields' checks when the person pressed "Accept without a password"."""

    def __call__(self, form, field):
        if form.no_password.data:
            field.errors[:] = []
            raise StopValidation()


def _unless_without_password(unbound):
    unbound.kwargs["validators"] = [_UnlessWithoutPassword(), *unbound.kwargs.get("validators", [])]
    return unbound


class _NewJudgeForm(Form):
    name = name_field()
    organisation = organisation_field()
    password = _unless_without_password(new_password_field())
    confirm_password = _unless_without_password(confirm_password_field("password"))
    no_password = submit(_l("Accept without a password"))  # (before `submit` names the field in this class)
    submit = submit(_l("Accept and create account"))


class _AcceptForm(Form):
    submit = submit(_l("Accept invitation"))


NewJudgeForm = with_affiliations(_NewJudgeForm)
AcceptForm = with_affiliations(_AcceptForm)


def judging_home() -> str:
    """Where a judge starts: their list of nominations, once that page exists; else their profile."""
    for endpoint in ("judge.home", "judge.index", "judge.dashboard", "judge.assignments"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("judge.profile")


def _sign_in(user) -> None:
    # A fresh session, as on the sign-in page (no fixation), with the
    # sign-in time the absolute timeout needs: a session without one is refused.
    begin_session(user)


def _welcome(judge) -> None:
    flash(
        _(
            "You are now a judge for %(cycle)s. Tell us about your expertise so that we can give "
            "you nominations you know about.",
            cycle=shown(judge.cycle),
        ),
        "success",
    )


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        judge = judge_rules.invitation_for_token(token)
    except InvalidToken as error:
        return render_template("judge/invitation_problem.html", problem="invalid", title=error.message), 400
    cycle = judge.cycle

    if current_user.is_authenticated:
        if accounts.normalise_email(current_user.email) != judge.email:
            return render_template(
                "judge/invitation_problem.html",
                problem="wrong_account",
                judge=judge,
                cycle=cycle,
                title=_("This invitation is for a different email address"),
            ), 403
        if judge.has_accepted:
            flash(_("You have already accepted the invitation to judge %(cycle)s", cycle=shown(cycle)), "info")
            return redirect(judging_home())
        form = AcceptForm(data=affiliation_rules.as_texts(current_user))
        if form.validate_on_submit():
            done = attempt(
                lambda: judge_rules.accept_invitation(judge, current_user, affiliations_given=posted_affiliations(form))
            )
            if done:
                _welcome(judge)
                return redirect(url_for("judge.profile"))
            if done.error.field not in form:  # not about what was typed: the invitation itself
                flash(done.message, "info")
                return redirect(request.path)
            apply_domain_error(form, done.error)
        return render_template(
            "judge/invitation.html",
            judge=judge,
            cycle=cycle,
            form=form,
            mode="accept",
            affiliation_names=affiliation_field_names(),
            title=_("Judge %(cycle)s", cycle=shown(cycle)),
        )

    if judge.has_accepted:
        return render_template(
            "judge/invitation_problem.html",
            problem="accepted",
            judge=judge,
            cycle=cycle,
            sign_in=url_for("auth.sign_in", next=judging_home()),
            title=_("This invitation has already been accepted"),
        )

    if accounts.find_user_by_email(judge.email) is not None:
        return render_template(
            "judge/invitation.html",
            judge=judge,
            cycle=cycle,
            mode="sign_in",
            sign_in=url_for("auth.sign_in", next=request.path),
            magic_link=url_for("auth.request_magic_link", next=request.path),
            title=_("Judge %(cycle)s", cycle=shown(cycle)),
        )

    form = NewJudgeForm()
    if request.method == "GET" and not form.organisation.data:
        form.organisation.data = judge.organisation
    if form.validate_on_submit():
        password = None if form.no_password.data else form.password.data
        done = attempt(
            lambda: judge_rules.accept_as_new_person(
                judge,
                name=form.name.data,
                organisation=form.organisation.data,
                password=password,
                affiliations_given=posted_affiliations(form),
            ),
            form=form,
        )
        if done:
            _sign_in(done.value)
            _welcome(judge)
            return redirect(url_for("judge.profile"))
    return render_template(
        "judge/invitation.html",
        judge=judge,
        cycle=cycle,
        form=form,
        mode="new",
        affiliation_names=affiliation_field_names(),
        title=_("Judge %(cycle)s", cycle=shown(cycle)),
    )
