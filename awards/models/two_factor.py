"""A person's second factor: a TOTP secret (RFC 6238) and their one-use recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from awards.models.base import Model
from awards.models.types import UTCDateTime


class TwoFactor(Model):
    """One row per person who has turned two-factor authentication on (deleted when turned off)."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))  # base32, as authenticator apps take it
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The 30-second time step of the last code accepted: a code is never taken twice.
    last_step: Mapped[int | None] = mapped_column(Integer)
    # Keyed hashes of the recovery codes not yet used (each is removed when used).
    recovery_code_hashes: Mapped[list[str]] = mapped_column(JSON, default=list)
