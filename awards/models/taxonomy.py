"""The trend taxonomy: groups of trends that cycles offer and nominations address."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from awards.models.base import Model
from awards.models.types import UTCDateTime, enum_column


class TrendGroup(str, enum.Enum):
    DIGITAL = "digital"
    TECHNOLOGY = "technology"
    SOCIETAL = "societal"

    @property
    def label(self) -> str:
        # Put into words when shown (the stored value is the code), in the reader's language.
        return str(_TREND_GROUP_LABELS[self.value])


_TREND_GROUP_LABELS = {
    "digital": _l("Digital trends"),
    "technology": _l("Technology trends"),
    "societal": _l("Societal trends"),
}


class Trend(Model):
    __tablename__ = "trends"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    group: Mapped[TrendGroup] = mapped_column(enum_column(TrendGroup, 20), index=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # A retired trend is no longer offered to new cycles, but stays on what carries it.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        return f"<Trend {self.code} {self.name}>"
