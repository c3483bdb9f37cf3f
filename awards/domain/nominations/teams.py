"""A nomination's team: its owner (the nominator) invites co-editors by e-mail; co-editors edit every section and
file and read the history, and may leave; only the owner invites, cancels invitations, removes people, submits,
withdraws and hands the nomination over to a co-editor (who becomes its owner; the old owner stays a co-editor).

An invitation's link is signed (itsdangerous, salt "nomination-team", valid INVITATION_MAX_AGE) and carries the
invitation's id and a random nonce; the row keeps only the nonce's SHA-256. Accepting or cancelling deletes the row,
and inviting the address again after it expired gives a new nonce, so a link works once, and only while it is the
newest for its address. It is accepted by the account whose e-mail address is the invited one (signed in, or made
on the spot), never by whoever holds the link: the address is who was invited, and conflicts of interest are found
from co-editors' addresses and organisations.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.core.mail import queue_email
from awards.domain.nominations.entries import editable, is_co_editor, is_owner
from awards.domain.people import accounts
from awards.domain.people.accounts import InvalidToken
from awards.domain.programme.translations import NameShown
from awards.extensions import db
from awards.i18n import language_of
from awards.models import Nomination, NominationEditor, NominationInvitation, NominationStatus, User
from awards.urls import external_url

INVITATION_SALT = "nomination-team"
INVITATION_MAX_AGE = timedelta(days=14)
# Besides its owner: a bid is written by a few officers, not a department.
MAX_CO_EDITORS = 10

# The audit events of a team, on the nomination.
TEAM_ACTIONS = (
    "nomination.team_invited",
    "nomination.team_invitation_cancelled",
    "nomination.team_joined",
    "nomination.team_member_removed",
    "nomination.team_left",
    "nomination.ownership_transferred",
)


@dataclass
class Team:
    owner: User | None
    editors: list[NominationEditor]
    invitations: list[NominationInvitation]


def team_of(nomination: Nomination) -> Team:
    """The owner, the co-editors (in the order they joined) and the invitations not yet accepted."""
    editors = list(
        db.session.scalars(
            select(NominationEditor)
            .where(NominationEditor.nomination_id == nomination.id)
            .order_by(NominationEditor.added_at, NominationEditor.id)
        )
    )
    invitations = list(
        db.session.scalars(
            select(NominationInvitation)
            .where(NominationInvitation.nomination_id == nomination.id)
            .options(selectinload(NominationInvitation.invited_by))
            .order_by(NominationInvitation.invited_at, NominationInvitation.id)
        )
    )
    return Team(owner=nomination.nominator, editors=editors, invitations=invitations)


def expires_at(invitation: NominationInvitation) -> datetime:
    return invitation.invited_at + INVITATION_MAX_AGE


def has_expired(invitation: NominationInvitation, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= expires_at(invitation)


def _check_owner(nomination: Nomination, by: User, refusal: str) -> None:
    if not is_owner(nomination, by):
        raise NotAllowed(refusal)


# Inviting ------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def invite(nomination: Nomination, email: str, *, by: User) -> NominationInvitation:
    """The owner invites someone by e-mail address to edit the nomination with them; the e-mail with the link is
    queued in the same transaction. Refused: a bad address, the owner's own, a co-editor's, one already invited
    (unless that invitation has expired: it is then sent again with a new link), a full team, a closed nomination."""
    _check_owner(nomination, by, _("Only the owner of this nomination can invite people to edit it"))
    if not editable(nomination):
        raise NotAllowed(_("This nomination can no longer be changed, so no one can be invited to edit it"))
    address = accounts.check_email_syntax(email)
    if address == accounts.normalise_email(by.email):
        raise DomainError(
            _("Enter someone else’s email address: you are already the owner of this nomination"), "email"
        )
    team = team_of(nomination)
    if any(accounts.normalise_email(e.user.email) == address for e in team.editors):
        raise DomainError(_("%(email)s is already editing this nomination", email=address), "email")
    existing = next((i for i in team.invitations if i.email == address), None)
    if existing is not None and not has_expired(existing):
        raise DomainError(
            _("You have already invited %(email)s. The invitation is waiting for them to accept it", email=address),
            "email",
        )
    if existing is None and len(team.editors) + len(team.invitations) >= MAX_CO_EDITORS:
        raise DomainError(
            _(
                "A nomination can have up to %(count)d people editing it besides its owner: "
                "remove someone or cancel an invitation first",
                count=MAX_CO_EDITORS,
            ),
            "email",
        )
    nonce = secrets.token_urlsafe(24)
    invitation = existing or NominationInvitation(nomination_id=nomination.id, email=address)
    invitation.token_digest = _digest(nonce)
    invitation.invited_at = utcnow()
    invitation.invited_by_id = by.id
    if existing is None:
        db.session.add(invitation)
    db.session.flush()
    person = accounts.find_user_by_email(address)
    queue_email(
        to_address=address,
        to_name=person.name if person else "",
        language=language_of(person) if person else None,  # no account yet: the service's default
        template="team_invitation",
        subject=_l(
            "%(name)s invited you to help write a nomination for %(cycle)s",
            name=by.name,
            cycle=NameShown(nomination.cycle),
        ),
        nomination=nomination,
        cycle=nomination.cycle,
        inviter=by,
        link=external_url("nominee.team_invitation", token=make_invitation_token(invitation, nonce)),
        has_account=person is not None,
        expires_at=expires_at(invitation),
        days=INVITATION_MAX_AGE.days,
    )
    audit.record("nomination.team_invited", actor=by, obj=nomination, email=address, again=existing is not None)
    return invitation


def make_invitation_token(invitation: NominationInvitation, nonce: str) -> str:
    return _serializer().dumps({"i": invitation.id, "n": nonce})


def invitation_for_token(token: str) -> NominationInvitation:
    """The invitation a link is for; InvalidToken if the link is tampered with, expired, used, cancelled or
    replaced by a newer one."""
    try:
        data = _serializer().loads(token, max_age=int(INVITATION_MAX_AGE.total_seconds()))
    except SignatureExpired:
        raise InvalidToken(_("This invitation link has expired")) from None
    except BadSignature:
        raise InvalidToken(_("This invitation link is not valid")) from None
    invitation_id, nonce = (data.get("i"), data.get("n")) if isinstance(data, dict) else (None, None)
    invitation = db.session.get(NominationInvitation, invitation_id) if isinstance(invitation_id, int) else None
    if invitation is None or not isinstance(nonce, str) or invitation.token_digest != _digest(nonce):
        raise InvalidToken(_("This invitation link has already been used or has been cancelled"))
    if has_expired(invitation):
        raise InvalidToken(_("This invitation link has expired"))
    return invitation


def cancel_invitation(invitation: NominationInvitation, *, by: User) -> None:
    """The owner cancels an invitation not yet accepted: its link stops working."""
    nomination = invitation.nomination
    _check_owner(nomination, by, _("Only the owner of this nomination can cancel invitations"))
    audit.record("nomination.team_invitation_cancelled", actor=by, obj=nomination, email=invitation.email)
    db.session.delete(invitation)
    db.session.flush()


# Accepting -----------------------------------------------------------------------


def accept(invitation: NominationInvitation, user: User) -> NominationEditor | None:
    """The invited person accepts with their own account, whose e-mail address must be the invited one: they join
    the team (their address counts as confirmed: the link reached it). The invitation is used up. None if they
    already own the nomination (ownership was handed to them meanwhile)."""
    if accounts.normalise_email(user.email) != invitation.email:
        raise NotAllowed(
            _(
                "This invitation was sent to %(invited)s, but you are signed in as %(email)s",
                invited=invitation.email,
                email=user.email,
            )
        )
    nomination = invitation.nomination
    if nomination.status is NominationStatus.WITHDRAWN:
        raise NotAllowed(_("This nomination has been withdrawn, so it can no longer be edited"))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record("account.email_verified", actor=user, obj=user)
    db.session.delete(invitation)
    if is_owner(nomination, user):
        db.session.flush()
        return None
    editor = db.session.scalar(
        select(NominationEditor).where(
            NominationEditor.nomination_id == nomination.id, NominationEditor.user_id == user.id
        )
    )
    if editor is None:
        editor = NominationEditor(
            nomination_id=nomination.id, user_id=user.id, added_at=utcnow(), added_by_id=invitation.invited_by_id
        )
        db.session.add(editor)
        audit.record("nomination.team_joined", actor=user, obj=nomination, member=user.id)
    db.session.flush()
    return editor


def accept_as_new_person(invitation: NominationInvitation, *, name: str, organisation: str, password: str) -> User:
    """Someone without an account accepts: the account is made with the invited address (confirmed, since the link
    reached it) and they join the team."""
    if accounts.find_user_by_email(invitation.email) is not None:
        raise Conflict(_("An account with this email address already exists: sign in to accept the invitation"), "name")
    if not (name or "").strip():
        raise DomainError(_("Enter your full name"), "name")
    user = accounts.create_user(
        email=invitation.email, name=name, organisation=organisation, password=password, verified=True
    )
    accept(invitation, user)
    return user


# Changing the team ---------------------------------------------------------------


def remove_editor(editor: NominationEditor, *, by: User) -> None:
    """The owner takes a co-editor off the team; they no longer see the nomination."""
    nomination = editor.nomination
    _check_owner(nomination, by, _("Only the owner of this nomination can remove people from its team"))
    audit.record("nomination.team_member_removed", actor=by, obj=nomination, member=editor.user_id)
    db.session.delete(editor)
    db.session.flush()


def leave(nomination: Nomination, *, by: User) -> None:
    """A co-editor leaves the team. The owner cannot leave: they hand the nomination over first."""
    if is_owner(nomination, by):
        raise NotAllowed(_("You own this nomination: make someone else its owner before you leave its team"))
    editor = db.session.scalar(
        select(NominationEditor).where(
            NominationEditor.nomination_id == nomination.id, NominationEditor.user_id == by.id
        )
    )
    if editor is None:
        raise NotAllowed(_("You are not editing this nomination"))
    audit.record("nomination.team_left", actor=by, obj=nomination, member=by.id)
    db.session.delete(editor)
    db.session.flush()


def transfer_ownership(editor: NominationEditor, *, by: User) -> None:
    """The owner makes a co-editor the nomination's owner (who then submits, withdraws and gets its e-mails, and is
    e-mailed that they own it now); the old owner stays in the team as a co-editor."""
    nomination = editor.nomination
    _check_owner(nomination, by, _("Only the owner of this nomination can hand it over to someone else"))
    if nomination.status is NominationStatus.WITHDRAWN:
        raise NotAllowed(_("This nomination has been withdrawn, so it can no longer be handed over"))
    new_owner = editor.user
    db.session.delete(editor)
    db.session.flush()
    nomination.nominator_id = new_owner.id
    nomination.nominator = new_owner
    db.session.add(NominationEditor(nomination_id=nomination.id, user_id=by.id, added_at=utcnow(), added_by_id=by.id))
    audit.record("nomination.ownership_transferred", actor=by, obj=nomination, member=new_owner.id, was=by.id)
    queue_email(
        to_address=new_owner.email,
        to_name=new_owner.name,
        language=language_of(new_owner),
        template="team_ownership",
        subject=_l("You are now the owner of nomination %(reference)s", reference=nomination.reference),
        nomination=nomination,
        cycle=nomination.cycle,
        by=by,
        link=external_url("nominee.task_list", reference=nomination.reference),
    )
    db.session.flush()


def editor_by_id(nomination: Nomination, editor_id: int) -> NominationEditor | None:
    """The co-editor row of that id if it is this nomination's."""
    editor = db.session.get(NominationEditor, editor_id)
    return editor if editor is not None and editor.nomination_id == nomination.id else None


def invitation_by_id(nomination: Nomination, invitation_id: int) -> NominationInvitation | None:
    invitation = db.session.get(NominationInvitation, invitation_id)
    return invitation if invitation is not None and invitation.nomination_id == nomination.id else None


def member_names(user_ids: set[int]) -> dict[int, str]:
    """The names of people named by id in team events (one query); a deleted account is left out."""
    if not user_ids:
        return {}
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(sorted(user_ids))))
    return {user_id: name for user_id, name in rows}


__all__ = ["InvalidToken", "is_co_editor"]
