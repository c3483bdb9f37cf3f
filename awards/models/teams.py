"""A nomination's team: the co-editors who write it with its owner (the nominator), and the invitations
the owner has sent that are not yet accepted (awards/domain/nominations/teams.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.models.base import Model
from awards.models.nominations import Nomination
from awards.models.types import UTCDateTime
from awards.models.users import User


class NominationEditor(Model):
    """A person who may edit a nomination besides its owner: every section and file, not submit or withdraw."""

    __tablename__ = "nomination_editors"
    __table_args__ = (UniqueConstraint("nomination_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    nomination: Mapped[Nomination] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class NominationInvitation(Model):
    """An invitation to edit a nomination, e-mailed to `email` (normalised). Its link carries the row's id and a
    random nonce whose SHA-256 is `token_digest`: accepting or cancelling deletes the row, and inviting the same
    address again after it expired gives a new nonce, so a link works once and only while it is the newest."""

    __tablename__ = "nomination_invitations"
    __table_args__ = (
        UniqueConstraint("nomination_id", "email"),
        UniqueConstraint("token_digest"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    token_digest: Mapped[str] = mapped_column(String(64))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    nomination: Mapped[Nomination] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
