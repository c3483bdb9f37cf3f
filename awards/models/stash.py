"""Form input kept while its author signs in again (so a session timeout loses nothing)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from awards.models.base import Model
from awards.models.types import UTCDateTime


class FormStash(Model):
    __tablename__ = "form_stashes"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
