"""Judging: judges of a cycle, their expertise, conflicts of interest, assignments,
reviews with a score per criterion, and organiser-redacted copies of free text."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
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
from awards.models.cycles import Category, Criterion, Cycle
from awards.models.nominations import Nomination
from awards.models.rounds import FeedbackStatus, JudgingRound, Verdict
from awards.models.taxonomy import Trend
from awards.models.types import UTCDateTime, enum_column
from awards.models.users import User

EXPERTISE_LEVELS = {
    -2: _l("Prefer not"),
    -1: _l("Limited"),
    0: _l("Some knowledge"),
    1: _l("Knowledgeable"),
    2: _l("Expert"),
}

judge_categories = Table(
    "judge_categories",
    db.metadata,
    Column("judge_id", ForeignKey("judges.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class Judge(Model):
    """A person invited to judge one cycle (the invitation until accepted, then the membership)."""

    __tablename__ = "judges"
    __table_args__ = (UniqueConstraint("cycle_id", "email"), Index("ix_judges_user_cycle", "user_id", "cycle_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # None: each round's judge_max_load (or the judge's limit on the round's panel)
    max_load: Mapped[int | None] = mapped_column(Integer)
    # True: judges every category; otherwise only those in `categories`
    all_categories: Mapped[bool] = mapped_column(Boolean, default=True)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    cycle: Mapped[Cycle] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    categories: Mapped[list[Category]] = relationship(secondary=judge_categories)

    @property
    def email_domain(self) -> str:
        return self.email.rsplit("@", 1)[-1].lower()

    @property
    def has_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def display_name(self) -> str:
        return self.user.name if self.user else self.email

    def judges_category(self, category_id: int) -> bool:
        return self.all_categories or any(c.id == category_id for c in self.categories)


class Expertise(Model):
    """How well a person knows a trend, from −2 (prefer not to judge it) to +2 (expert). Kept across cycles."""

    __tablename__ = "expertise"
    __table_args__ = (
        UniqueConstraint("user_id", "trend_id"),
        CheckConstraint("level >= -2 AND level <= 2", name="level_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    trend_id: Mapped[int] = mapped_column(ForeignKey("trends.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer, default=0)

    trend: Mapped[Trend] = relationship()


# "Worked for in the last N years": how far back a past employer still counts as a conflict.
AFFILIATION_RECENT_YEARS = 3


class AffiliationKind(str, enum.Enum):
    """How a person is connected with an organisation, besides the one they give as theirs."""

    WORKS_FOR = "works_for"
    WORKED_FOR = "worked_for"
    PARTNERS_WITH = "partners_with"

    @property
    def label(self) -> str:
        """For organisers and the judge: "Works for", "Worked for in the last 3 years", "Partners with"."""
        return str(_AFFILIATION_KIND_LABELS[self.value])


_AFFILIATION_KIND_LABELS = {
    "works_for": _l("Works for"),
    "worked_for": _l("Worked for in the last %(years)d years", years=AFFILIATION_RECENT_YEARS),
    "partners_with": _l("Partners with"),
}


class Affiliation(Model):
    """An organisation a person works for, worked for recently or partners with closely, as they told
    us when accepting an invitation or on their judging profile. It belongs to the person (like their
    expertise), so it carries over to every cycle they judge; conflicts of interest are found from it."""

    __tablename__ = "affiliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AffiliationKind] = mapped_column(enum_column(AffiliationKind, 20))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConflictSource(str, enum.Enum):
    DETECTED = "detected"
    DECLARED = "declared"
    ORGANISER = "organiser"

    @property
    def label(self) -> str:
        return str(_CONFLICT_SOURCE_LABELS[self.value])


_CONFLICT_SOURCE_LABELS = {
    "detected": _l("Found automatically"),
    "declared": _l("Declared by the judge"),
    "organiser": _l("Entered by an organiser"),
}


class ConflictOfInterest(Model):
    """A judge who must not see a nomination. Removed ones stay for the record (removed_at set)."""

    __tablename__ = "conflicts"
    __table_args__ = (
        Index("ix_conflicts_judge_nomination", "judge_id", "nomination_id"),
        Index("ix_conflicts_nomination", "nomination_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("judges.id", ondelete="CASCADE"))
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"))
    source: Mapped[ConflictSource] = mapped_column(enum_column(ConflictSource, 20))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removal_reason: Mapped[str] = mapped_column(Text, default="")

    judge: Mapped[Judge] = relationship()
    nomination: Mapped[Nomination] = relationship()

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class AssignmentStatus(str, enum.Enum):
    ASSIGNED = "assigned"
    RECUSED = "recused"  # the judge declared a conflict: the slot is free again


class Assignment(Model):
    """A judge's part in judging one nomination in one round."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("round_id", "judge_id", "nomination_id"),
        # An entry's assignments in a round (progress, results): without the round in the index, SQLite's planner
        # walks the whole round's assignments for every entry (docs/performance.md, "Two judging rounds").
        Index("ix_assignments_nomination_round", "nomination_id", "round_id"),
        Index("ix_assignments_judge_round", "judge_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("judges.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"))
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus, 20), default=AssignmentStatus.ASSIGNED
    )
    # An organiser's lock keeps it when the assignment is run again.
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    affinity: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The judge said "no conflict" before seeing the entry.
    no_conflict_declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The round's calibration example: scored by every judge first, never in the results.
    calibration: Mapped[bool] = mapped_column(Boolean, default=False)

    round: Mapped[JudgingRound] = relationship()
    judge: Mapped[Judge] = relationship()
    nomination: Mapped[Nomination] = relationship()
    review: Mapped[Review | None] = relationship(
        back_populates="assignment", uselist=False, cascade="all, delete-orphan"
    )


class ReviewStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Review(Model):
    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("(status = 'submitted') = (submitted_at IS NOT NULL)", name="submitted_has_time"),
        Index("ix_reviews_version", "version"),  # the results' freshness stamp (domain/results/shortlists.py)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), unique=True)
    status: Mapped[ReviewStatus] = mapped_column(enum_column(ReviewStatus, 20), default=ReviewStatus.DRAFT)
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    # A pass/fail round's verdict; a ranking round's place among the judge's entries (1 = best).
    verdict: Mapped[Verdict | None] = mapped_column(enum_column(Verdict, 8))
    rank: Mapped[int | None] = mapped_column(Integer)
    # For the entrant, apart from the private comments: released only once an organiser approves it,
    # as the organiser's wording (feedback_released), never with the judge's name.
    feedback: Mapped[str] = mapped_column(Text, default="")
    feedback_status: Mapped[FeedbackStatus] = mapped_column(
        enum_column(FeedbackStatus, 10), default=FeedbackStatus.NONE, server_default="none"
    )
    feedback_released: Mapped[str] = mapped_column(Text, default="")
    feedback_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    assignment: Mapped[Assignment] = relationship(back_populates="review")
    scores: Mapped[list[ReviewScore]] = relationship(back_populates="review", cascade="all, delete-orphan")


class ReviewScore(Model):
    """One criterion's score in a review: a value on the criterion's scale, or not applicable."""

    __tablename__ = "review_scores"
    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id"),
        CheckConstraint("NOT (not_applicable AND value IS NOT NULL)", name="na_has_no_value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="RESTRICT"), index=True)
    value: Mapped[int | None] = mapped_column(Integer)
    not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class Redaction(Model):
    """The organiser's redacted copy of one free-text field, shown to judges instead of the original."""

    __tablename__ = "redactions"
    __table_args__ = (UniqueConstraint("nomination_id", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
