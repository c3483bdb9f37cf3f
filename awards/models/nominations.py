"""Nominations, with their partners, trends, answers and attachments."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.models.base import Model
from awards.models.cycles import Category, Cycle
from awards.models.taxonomy import Trend
from awards.models.types import UTCDateTime, enum_column
from awards.models.users import User


class NominationStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    INELIGIBLE = "ineligible"
    SHORTLISTED = "shortlisted"
    HIGHLY_COMMENDED = "highly_commended"
    WINNER = "winner"

    @property
    def label(self) -> str:
        # Put into words when shown (the stored value is the code), in the reader's language.
        return str(_NOMINATION_STATUS_LABELS[self.value])


_NOMINATION_STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "withdrawn": _l("Withdrawn"),
    "ineligible": _l("Ineligible"),
    "shortlisted": _l("Shortlisted"),
    "highly_commended": _l("Highly commended"),
    "winner": _l("Winner"),
}


class Eligibility(str, enum.Enum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"


class Nomination(Model):
    __tablename__ = "nominations"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL", name="submitted_has_time"),
        Index("ix_nominations_cycle_status", "cycle_id", "status"),
        Index("ix_nominations_cycle_category", "cycle_id", "category_id"),
        # The organiser's list (in id order, filtered by status and category, searched by reference,
        # title and organisation) and the results' freshness stamp, read from this index alone
        # (docs/performance.md).
        Index(
            "ix_nominations_cycle_list",
            "cycle_id",
            "id",
            "version",
            "status",
            "category_id",
            "reference",
            "title",
            "organisation_name",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    nominator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[NominationStatus] = mapped_column(enum_column(NominationStatus, 20), default=NominationStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the nominee was e-mailed that this draft is not submitted yet
    # (never twice: domain/nominations/draft_reminders.py).
    draft_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optimistic locking: every save bumps it, and a save based on an old copy of a section is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)

    # About the nominated organisation
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    region: Mapped[str] = mapped_column(String(60), default="")
    # Project
    title: Mapped[str] = mapped_column(String(200), default="")
    # The language the nomination is written in ('en', 'cy', 'sv'; None: the service's default language, as every
    # nomination made before languages were recorded): its answers are shown with this `lang` and judged as typed.
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    summary: Mapped[str] = mapped_column(Text, default="")
    # Declarations
    consents_to_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    # The answers to the form's other questions, by question key, as typed (a draft keeps what
    # is wrong with them): domain/nominations/answers.py reads and writes them.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Sections the nominee has saved at least once (for Not started / In progress).
    touched_sections: Mapped[str] = mapped_column(String(300), default="")

    # Screening by the organiser
    eligibility: Mapped[Eligibility | None] = mapped_column(enum_column(Eligibility, 20))
    eligibility_reason: Mapped[str] = mapped_column(Text, default="")
    eligibility_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    eligibility_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __mapper_args__ = {"version_id_col": version}

    cycle: Mapped[Cycle] = relationship()
    category: Mapped[Category] = relationship()
    nominator: Mapped[User | None] = relationship(foreign_keys=[nominator_id])
    partners: Mapped[list[NominationPartner]] = relationship(
        back_populates="nomination", order_by="NominationPartner.position", cascade="all, delete-orphan"
    )
    trend_links: Mapped[list[NominationTrend]] = relationship(
        back_populates="nomination",
        cascade="all, delete-orphan",
        order_by="(NominationTrend.is_primary.desc(), NominationTrend.position)",
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="nomination", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def touched(self) -> set[str]:
        return {s for s in (self.touched_sections or "").split(",") if s}

    def mark_touched(self, section: str) -> None:
        self.touched_sections = ",".join(sorted(self.touched | {section}))

    @property
    def primary_trend(self) -> Trend | None:
        return next((link.trend for link in self.trend_links if link.is_primary), None)

    @property
    def display_title(self) -> str:
        return self.title or _("Untitled nomination")

    def __repr__(self) -> str:
        return f"<Nomination {self.reference}>"


class NominationPartner(Model):
    __tablename__ = "nomination_partners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    is_supplier: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    nomination: Mapped[Nomination] = relationship(back_populates="partners")


class NominationTrend(Model):
    __tablename__ = "nomination_trends"
    __table_args__ = (
        UniqueConstraint("nomination_id", "trend_id"),
        Index("ix_nomination_trends_trend_nomination", "trend_id", "nomination_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"), index=True)
    trend_id: Mapped[int] = mapped_column(ForeignKey("trends.id", ondelete="RESTRICT"))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    how_addressed: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    nomination: Mapped[Nomination] = relationship(back_populates="trend_links")
    trend: Mapped[Trend] = relationship(lazy="joined")


class Attachment(Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"), index=True)
    # The file question it answers.
    question_key: Mapped[str] = mapped_column(String(40), default="documents", server_default="documents")
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    extension: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    nomination: Mapped[Nomination] = relationship(back_populates="attachments")
