"""A nomination's team, for tests: a co-editor added through the domain (invited, then accepted), and the link of
an invitation e-mail."""

from __future__ import annotations

import re

import sqlalchemy as sa

from awards.domain.nominations import teams
from awards.extensions import db
from awards.models import NominationEditor, OutboxMessage

INVITATION_LINK = re.compile(r"https?://[^/\s]+(/team-invitations/[^\s]+)")


def add_co_editor(nomination, user) -> NominationEditor:
    """`user` joins the nomination's team as its owner would have them: invited by e-mail, then accepted."""
    invitation = teams.invite(nomination, user.email, by=nomination.nominator)
    editor = teams.accept(invitation, user)
    db.session.commit()
    return editor


def invite_to_team(nomination, email: str):
    """A pending invitation from the nomination's owner to `email`."""
    invitation = teams.invite(nomination, email, by=nomination.nominator)
    db.session.commit()
    return invitation


def invitation_path(address: str) -> str:
    """The path of the link in the newest team invitation e-mailed to `address`."""
    db.session.expire_all()
    body = db.session.scalars(
        sa.select(OutboxMessage.body_text)
        .where(OutboxMessage.kind == "team_invitation", OutboxMessage.to_address == address)
        .order_by(OutboxMessage.id.desc())
    ).first()
    return INVITATION_LINK.search(body).group(1)
