"""A nomination's team: the owner invites co-editors by e-mail, cancels invitations, removes people and hands the
nomination over; a co-editor leaves; the invitee accepts from the e-mailed link (awards/domain/nominations/teams.py
holds the rules). The nomination's history lists its saves and the team's changes, with who and when."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import RadioField

from awards.domain.nominations import entries as rules
from awards.domain.nominations import teams
from awards.domain.people import accounts
from awards.domain.people.accounts import InvalidToken
from awards.extensions import db
from awards.models import AuditEvent, Nomination, NominationStatus
from awards.security import begin_session
from awards.web.actions import attempt
from awards.web.forms import (
    Form,
    confirm_password_field,
    email_field,
    name_field,
    new_password_field,
    organisation_field,
    submit,
)
from awards.web.nominee import bp
from awards.web.nominee.routes import _own_nomination, _owned_nomination


class InviteForm(Form):
    email = email_field(
        _l("Email address"),
        description=_l("We will email them a link to join. The link works for 14 days."),
    )
    submit = submit(_l("Send invitation"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.email.validators[0].message = _("Enter the email address of the person you want to invite")


class ConfirmForm(Form):
    confirm = RadioField(
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        validate_choice=False,
    )


class NewAccountForm(Form):
    name = name_field()
    organisation = organisation_field()
    password = new_password_field()
    confirm_password = confirm_password_field("password")
    submit = submit(_l("Create account and join"))


class AcceptForm(Form):
    submit = submit(_l("Join the team"))


def _is_owner(nomination: Nomination) -> bool:
    return rules.is_owner(nomination, current_user)


def _team_page(nomination: Nomination, form: InviteForm, status: int = 200):
    team = teams.team_of(nomination)
    return render_template(
        "nominee/team.html",
        nomination=nomination,
        team=team,
        form=form,
        owner=_is_owner(nomination),
        editable=rules.editable(nomination),
        expired={i.id for i in team.invitations if teams.has_expired(i)},
        expires_at=teams.expires_at,
        title=_("People writing this nomination"),
    ), status


@bp.route("/nominations/<reference>/team", methods=["GET", "POST"])
def team(reference: str):
    """Who writes the nomination; its owner invites someone by e-mail address here."""
    nomination = _own_nomination(reference)
    form = InviteForm()
    if request.method == "POST":
        nomination = _owned_nomination(reference)
        if form.validate_on_submit():
            address = form.email.data
            done = attempt(lambda: teams.invite(nomination, address, by=current_user), form=form, field="email")
            if done:
                flash(_("We have sent an invitation to %(email)s", email=done.value.email), "success")
                return redirect(url_for("nominee.team", reference=reference))
    return _team_page(nomination, form)


@bp.route("/nominations/<reference>/team/invitations/<int:invitation_id>/cancel", methods=["POST"])
def cancel_invitation(reference: str, invitation_id: int):
    nomination = _owned_nomination(reference)
    invitation = teams.invitation_by_id(nomination, invitation_id)
    if invitation is None:
        abort(404)
    email = invitation.email
    if attempt(lambda: teams.cancel_invitation(invitation, by=current_user), flash_as="info"):
        flash(_("The invitation to %(email)s has been cancelled", email=email), "success")
    return redirect(url_for("nominee.team", reference=reference))


def _co_editor(nomination: Nomination, member_id: int):
    editor = teams.editor_by_id(nomination, member_id)
    if editor is None:
        abort(404)
    return editor


def _confirmed(form: ConfirmForm, problem: str) -> tuple[bool | None, list]:
    """(True: yes, False: no, None: not answered yet or not answered) and the page's error list."""
    if request.method != "POST":
        return None, []
    if form.confirm.data == "yes":
        return True, []
    if form.confirm.data == "no":
        return False, []
    form.confirm.errors = [problem]
    return None, [{"text": problem, "href": "#confirm"}]


@bp.route("/nominations/<reference>/team/members/<int:member_id>/remove", methods=["GET", "POST"])
def remove_member(reference: str, member_id: int):
    nomination = _owned_nomination(reference)
    editor = _co_editor(nomination, member_id)
    name = editor.user.name
    form = ConfirmForm()
    answer, problems = _confirmed(form, _("Select yes if you want to remove %(name)s", name=name))
    if answer is False:
        return redirect(url_for("nominee.team", reference=reference))
    if answer and attempt(lambda: teams.remove_editor(editor, by=current_user), flash_as="info"):
        flash(_("%(name)s has been removed from the team", name=name), "success")
        return redirect(url_for("nominee.team", reference=reference))
    return render_template(
        "nominee/team_confirm.html",
        nomination=nomination,
        form=form,
        error_list=problems,
        action="remove",
        person=editor.user,
        title=_("Remove %(name)s from the team?", name=name),
    )


@bp.route("/nominations/<reference>/team/members/<int:member_id>/make-owner", methods=["GET", "POST"])
def transfer(reference: str, member_id: int):
    nomination = _owned_nomination(reference)
    editor = _co_editor(nomination, member_id)
    name = editor.user.name
    form = ConfirmForm()
    answer, problems = _confirmed(form, _("Select yes if you want to make %(name)s the owner", name=name))
    if answer is False:
        return redirect(url_for("nominee.team", reference=reference))
    if answer and attempt(lambda: teams.transfer_ownership(editor, by=current_user), flash_as="info"):
        flash(_("%(name)s is now the owner of this nomination. You can still edit it.", name=name), "success")
        return redirect(url_for("nominee.team", reference=reference))
    return render_template(
        "nominee/team_confirm.html",
        nomination=nomination,
        form=form,
        error_list=problems,
        action="transfer",
        person=editor.user,
        title=_("Make %(name)s the owner of this nomination?", name=name),
    )


@bp.route("/nominations/<reference>/team/leave", methods=["GET", "POST"])
def leave(reference: str):
    nomination = _own_nomination(reference)
    if _is_owner(nomination):
        abort(403)  # the owner hands the nomination over first
    form = ConfirmForm()
    answer, problems = _confirmed(form, _("Select yes if you want to leave this nomination’s team"))
    if answer is False:
        return redirect(url_for("nominee.task_list", reference=reference))
    if answer and attempt(lambda: teams.leave(nomination, by=current_user), flash_as="info"):
        flash(_("You have left the team of %(reference)s", reference=nomination.reference), "success")
        return redirect(url_for("nominee.my_nominations"))
    return render_template(
        "nominee/team_confirm.html",
        nomination=nomination,
        form=form,
        error_list=problems,
        action="leave",
        person=nomination.nominator,
        title=_("Leave this nomination’s team?"),
    )


# The history a team reads: what its people did to the nomination. Organisers' steps (screening, judging,
# results) are not the nominee's to read here: they learn those by e-mail when they are final.
HISTORY_ACTIONS = (
    "nomination.started",
    "nomination.section_saved",
    "nomination.edited_after_submission",
    "nomination.attachment_added",
    "nomination.attachment_removed",
    "nomination.submitted",
    "nomination.withdrawn",
    *teams.TEAM_ACTIONS,
)


def history_words(event: AuditEvent, names: dict[int, str], nomination: Nomination) -> str:
    """What happened, in words a nominee reads."""
    detail = event.detail or {}
    member = names.get(detail.get("member"), _("someone whose account has been deleted"))
    section = None
    if detail.get("section"):
        found = rules.section_for(nomination, str(detail["section"]))
        section = found.title if found else None
    words = {
        "nomination.started": lambda: _("Started the nomination"),
        "nomination.section_saved": lambda: (
            _("Saved ‘%(section)s’", section=section) if section else _("Saved a section")
        ),
        "nomination.edited_after_submission": lambda: (
            _("Changed ‘%(section)s’ after submitting", section=section)
            if section
            else _("Changed a section after submitting")
        ),
        "nomination.attachment_added": lambda: _("Added a file"),
        "nomination.attachment_removed": lambda: _("Removed a file"),
        "nomination.submitted": lambda: _("Submitted the nomination"),
        "nomination.withdrawn": lambda: _("Withdrew the nomination"),
        "nomination.team_invited": lambda: _("Invited %(email)s to edit", email=detail.get("email", "")),
        "nomination.team_invitation_cancelled": lambda: _(
            "Cancelled the invitation to %(email)s", email=detail.get("email", "")
        ),
        "nomination.team_joined": lambda: _("Joined the team"),
        "nomination.team_member_removed": lambda: _("Removed %(name)s from the team", name=member),
        "nomination.team_left": lambda: _("Left the team"),
        "nomination.ownership_transferred": lambda: _("Made %(name)s the owner", name=member),
    }
    return words[event.action]()


@bp.route("/nominations/<reference>/history")
def history(reference: str):
    """Everything the team did to the nomination, newest first, with who and when."""
    nomination = _own_nomination(reference)
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.object_type == Nomination.__tablename__,
                AuditEvent.object_id == str(nomination.id),
                AuditEvent.action.in_(HISTORY_ACTIONS),
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )
    names = teams.member_names({m for e in events if isinstance(m := (e.detail or {}).get("member"), int)})
    return render_template(
        "nominee/history.html",
        nomination=nomination,
        events=[(event, history_words(event, names, nomination)) for event in events],
        title=_("History of this nomination"),
    )


# Accepting an invitation (open to anyone: the link is the proof; signed in, it must be the invited address) ---


def _invitation_problem(problem: str, title: str, status: int, **context):
    return render_template("nominee/team_invitation_problem.html", problem=problem, title=title, **context), status


@bp.route("/team-invitations/<token>", methods=["GET", "POST"])
def team_invitation(token: str):
    try:
        invitation = teams.invitation_for_token(token)
    except InvalidToken as error:
        return _invitation_problem("invalid", error.message, 400)
    nomination = invitation.nomination
    context = dict(invitation=invitation, nomination=nomination, inviter=invitation.invited_by)
    if nomination.status is NominationStatus.WITHDRAWN:
        return _invitation_problem("withdrawn", _("This nomination has been withdrawn"), 410, **context)

    if current_user.is_authenticated:
        if accounts.normalise_email(current_user.email) != invitation.email:
            return _invitation_problem(
                "wrong_account", _("This invitation is for a different email address"), 403, **context
            )
        form = AcceptForm()
        if form.validate_on_submit():
            if attempt(lambda: teams.accept(invitation, current_user), flash_as="info"):
                flash(_("You have joined the team writing %(reference)s", reference=nomination.reference), "success")
            return redirect(url_for("nominee.task_list", reference=nomination.reference))
        return render_template(
            "nominee/team_invitation.html", form=form, mode="accept", title=_("Join a nomination’s team"), **context
        )

    if accounts.find_user_by_email(invitation.email) is not None:
        return render_template(
            "nominee/team_invitation.html",
            mode="sign_in",
            sign_in=url_for("auth.sign_in", next=request.path),
            magic_link=url_for("auth.request_magic_link", next=request.path),
            title=_("Join a nomination’s team"),
            **context,
        )

    form = NewAccountForm()
    if form.validate_on_submit():
        done = attempt(
            lambda: teams.accept_as_new_person(
                invitation,
                name=form.name.data,
                organisation=form.organisation.data,
                password=form.password.data,
            ),
            form=form,
        )
        if done:
            begin_session(done.value)
            flash(_("You have joined the team writing %(reference)s", reference=nomination.reference), "success")
            return redirect(url_for("nominee.task_list", reference=nomination.reference))
    return render_template(
        "nominee/team_invitation.html", form=form, mode="new", title=_("Join a nomination’s team"), **context
    )
