"""Award cycles, their categories, the trends they offer and their judging criteria."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.extensions import db
from awards.models.base import Model
from awards.models.taxonomy import Trend
from awards.models.types import UTCDateTime, enum_column

if TYPE_CHECKING:
    from awards.models.forms import FormSection
    from awards.models.rounds import JudgingRound


class CycleStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    JUDGING = "judging"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        # Put into words when shown (the stored value is the code), in the reader's language.
        return str(_CYCLE_STATUS_LABELS[self.value])


_CYCLE_STATUS_LABELS = {
    "draft": _l("Draft"),
    "open": _l("Open for nominations"),
    "closed": _l("Closed"),
    "judging": _l("Judging"),
    "published": _l("Results published"),
}


cycle_trends = Table(
    "cycle_trends",
    db.metadata,
    Column("cycle_id", ForeignKey("cycles.id", ondelete="CASCADE"), primary_key=True),
    Column("trend_id", ForeignKey("trends.id", ondelete="RESTRICT"), primary_key=True),
)

category_trends = Table(
    "category_trends",
    db.metadata,
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
    Column("trend_id", ForeignKey("trends.id", ondelete="RESTRICT"), primary_key=True),
)


class Cycle(Model):
    __tablename__ = "cycles"
    __table_args__ = (
        CheckConstraint("nominations_open_at < nominations_close_at", name="open_before_close"),
        CheckConstraint("trends_min >= 1 AND trends_min <= trends_max", name="trend_limits"),
        # References are PREFIX-YEAR-0001, counted per cycle: two cycles sharing both would issue the same ones.
        # A unique index (not a constraint) so SQLite adds it without rebuilding the table.
        Index("uq_cycles_reference_prefix_year", "reference_prefix", "year", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer, index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    status: Mapped[CycleStatus] = mapped_column(enum_column(CycleStatus, 20), default=CycleStatus.DRAFT, index=True)
    nominations_open_at: Mapped[datetime] = mapped_column(UTCDateTime())
    nominations_close_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # References look like PSDA-2025-0042.
    reference_prefix: Mapped[str] = mapped_column(String(12), default="PSDA")
    last_reference_number: Mapped[int] = mapped_column(Integer, default=0)

    # Entry rules (the questions, their limits and the files are the cycle's form: models/forms.py)
    trends_min: Mapped[int] = mapped_column(Integer, default=1)
    trends_max: Mapped[int] = mapped_column(Integer, default=3)

    # Judging: the rounds (models/rounds.py) hold the judging settings, criteria and results' settings.
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When an organiser removed the cycle's personal data after its retention period
    # (domain/records/data_protection.py).
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A random token given anew whenever the entry form's sections or questions change (in the same transaction):
    # a process keeps the form it read under a token while the cycle shows it (domain/programme/entry_forms.py).
    form_version: Mapped[str] = mapped_column(
        String(16), default=lambda: secrets.token_hex(8), server_default="", nullable=False
    )

    categories: Mapped[list[Category]] = relationship(
        back_populates="cycle", order_by="Category.position", cascade="all, delete-orphan"
    )
    trends: Mapped[list[Trend]] = relationship(secondary=cycle_trends, order_by=Trend.position)
    rounds: Mapped[list[JudgingRound]] = relationship(
        "JudgingRound", back_populates="cycle", order_by="JudgingRound.number", cascade="all, delete-orphan"
    )
    # The entry form: its sections in order, each loaded with its questions (models/forms.py).
    form_sections: Mapped[list[FormSection]] = relationship(
        "FormSection", order_by="FormSection.position", cascade="all, delete-orphan", overlaps="cycle"
    )

    def __repr__(self) -> str:
        return f"<Cycle {self.slug}>"


class Category(Model):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("cycle_id", "slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    shortlist_size: Mapped[int] = mapped_column(Integer, default=6)
    position: Mapped[int] = mapped_column(Integer, default=0)

    cycle: Mapped[Cycle] = relationship(back_populates="categories")
    trends: Mapped[list[Trend]] = relationship(secondary=category_trends, order_by=Trend.position)


class Criterion(Model):
    """A weighted judging criterion of one judging round, with its scale and rubric bands."""

    __tablename__ = "criteria"
    __table_args__ = (
        CheckConstraint("scale_min < scale_max", name="scale_order"),
        CheckConstraint("weight > 0", name="positive_weight"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(Integer, default=10)
    scale_min: Mapped[int] = mapped_column(Integer, default=1)
    scale_max: Mapped[int] = mapped_column(Integer, default=10)
    # [{"from": 1, "to": 2, "label": "Not evidenced", "text": "..."}, ...]
    rubric: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    allow_not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    cycle: Mapped[Cycle] = relationship()
    round: Mapped[JudgingRound] = relationship(back_populates="criteria")
