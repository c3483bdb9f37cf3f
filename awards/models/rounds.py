"""Judging rounds: a cycle judges in one or more rounds, each with its own entries, panel, criteria,
mode and settings; entries advance from one round to the next; a final round's panel meets per
category and records its decisions (as the cycle's shortlist decisions), then the meeting is closed."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.models.base import Model
from awards.models.cycles import Category, Cycle
from awards.models.types import UTCDateTime, enum_column

if TYPE_CHECKING:
    from awards.models.cycles import Criterion
    from awards.models.judging import Judge
    from awards.models.nominations import Nomination


# The name a cycle's first round is given (domain/programme/cycles.py): while it is unchanged it is the platform's
# word, so it is shown in the reader's language (JudgingRound.display_name).
FIRST_ROUND_NAME = "Judging"


class RoundMode(str, enum.Enum):
    """How the judges of a round judge each entry."""

    SCORES = "scores"  # weighted criteria, each on its scale, with a rubric
    PASS_FAIL = "pass_fail"  # noqa: S105 (a mode, not a password): a qualifying verdict
    RANKING = "ranking"  # each judge puts their entries in order; the orders are combined

    @property
    def label(self) -> str:
        return str(_ROUND_MODE_LABELS[self.value])


_ROUND_MODE_LABELS = {
    "scores": _l("Scores against weighted criteria"),
    "pass_fail": _l("Pass, fail or unsure (qualifying)"),
    "ranking": _l("Ranking (each judge puts their entries in order)"),
}


class RoundEntries(str, enum.Enum):
    """Which nominations a round judges."""

    ELIGIBLE = "eligible"  # every submitted nomination screened as eligible (or not yet screened)
    ADVANCED = "advanced"  # those the organiser advanced from the previous round

    @property
    def label(self) -> str:
        return str(_ROUND_ENTRIES_LABELS[self.value])


_ROUND_ENTRIES_LABELS = {
    "eligible": _l("All eligible entries"),
    "advanced": _l("Entries advanced from the previous round"),
}


class Verdict(str, enum.Enum):
    """A judge's verdict in a pass/fail round."""

    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    FAIL = "fail"
    UNSURE = "unsure"

    @property
    def label(self) -> str:
        return str(_VERDICT_LABELS[self.value])


_VERDICT_LABELS = {"pass": _l("Pass"), "fail": _l("Fail"), "unsure": _l("Unsure")}


# How a ranking round combines the judges' orders (domain/results/ranking.py).
RANKING_METHODS = {
    "borda": _l("Borda count"),
    "schulze": _l("Schulze method"),
}


class FeedbackStatus(str, enum.Enum):
    """Where a judge's feedback for the entrant stands with the organisers."""

    NONE = "none"  # the judge wrote none
    PENDING = "pending"  # written, not yet reviewed
    APPROVED = "approved"  # released to the entrant with the results
    WITHHELD = "withheld"  # never shown to the entrant

    @property
    def label(self) -> str:
        return str(_FEEDBACK_STATUS_LABELS[self.value])


_FEEDBACK_STATUS_LABELS = {
    "none": _l("No feedback"),
    "pending": _l("To review"),
    "approved": _l("Approved"),
    "withheld": _l("Withheld"),
}


class JudgingRound(Model):
    """One round of a cycle's judging. Round 1 judges every eligible entry; a later round may judge only
    the entries advanced from the round before it. Settings that were the cycle's (judges per entry,
    load limit, blind judging, how results are combined) are each round's own."""

    __tablename__ = "judging_rounds"
    __table_args__ = (
        UniqueConstraint("cycle_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at", name="open_before_close"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    # 1, 2, …: the order of the rounds, and the round's number in addresses (?round=2).
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    # None: opens when the cycle moves to judging; closes when the organiser moves on.
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    entries: Mapped[RoundEntries] = mapped_column(enum_column(RoundEntries, 12), default=RoundEntries.ELIGIBLE)
    mode: Mapped[RoundMode] = mapped_column(enum_column(RoundMode, 12), default=RoundMode.SCORES)
    ranking_method: Mapped[str] = mapped_column(String(10), default="borda")
    blind: Mapped[bool] = mapped_column(Boolean, default=True)
    judges_per_nomination: Mapped[int] = mapped_column(Integer, default=3)
    judge_max_load: Mapped[int] = mapped_column(Integer, default=20)
    # True: every judge of the cycle is on the round's panel; False: only the round's panel members.
    whole_panel: Mapped[bool] = mapped_column(Boolean, default=True)
    # The final round: its panel meets per category and agrees the results.
    is_final: Mapped[bool] = mapped_column(Boolean, default=False)
    # An example every judge of the round scores first, not in competition (None: no calibration).
    calibration_nomination_id: Mapped[int | None] = mapped_column(ForeignKey("nominations.id", ondelete="SET NULL"))
    # Results of a scored round
    aggregation_method: Mapped[str] = mapped_column(String(10), default="mean")  # or "median"
    ranking_basis: Mapped[str] = mapped_column(String(12), default="normalised")  # or "raw"
    disagreement_range: Mapped[int] = mapped_column(Integer, default=30)
    disagreement_sd: Mapped[int] = mapped_column(Integer, default=15)
    # Released feedback shows the entrant's score beside their category's average.
    feedback_with_scores: Mapped[bool] = mapped_column(Boolean, default=False)
    # The numbers of the organiser's latest suggestion of entries to advance, category id (as text) → how
    # many from the top of its order (None, or a category left out: the category's shortlist size).
    suggestion_sizes: Mapped[dict[str, int] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    cycle: Mapped[Cycle] = relationship(back_populates="rounds")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="round", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    panel: Mapped[list[PanelMember]] = relationship(back_populates="round", cascade="all, delete-orphan")
    calibration_nomination: Mapped[Nomination | None] = relationship()

    @property
    def display_name(self) -> str:
        """The round's name as people read it: the first round's default name in their language (as the platform's
        word, while the organiser has not renamed it), else the name the organiser gave."""
        return _("Judging") if self.name == FIRST_ROUND_NAME else self.name

    @property
    def label(self) -> str:
        """ "Round 2: Final panel"."""
        return _("Round %(number)s: %(name)s", number=self.number, name=self.display_name)

    def __repr__(self) -> str:
        return f"<JudgingRound {self.cycle_id}/{self.number}>"


class PanelMember(Model):
    """A judge on a round's panel (when the round does not use every judge of the cycle), optionally for
    some categories only (None: every category the judge judges in the cycle)."""

    __tablename__ = "round_panel"

    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"), primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("judges.id", ondelete="CASCADE"), primary_key=True, index=True)
    category_ids: Mapped[list[int] | None] = mapped_column(JSON)
    # None: the round's judge_max_load
    max_load: Mapped[int | None] = mapped_column(Integer)

    round: Mapped[JudgingRound] = relationship(back_populates="panel")
    judge: Mapped[Judge] = relationship()


class Advancement(Model):
    """A nomination advanced into a round (from the round before it), with the organiser's reason when
    it differs from the suggestion (top N per category)."""

    __tablename__ = "advancements"
    __table_args__ = (UniqueConstraint("round_id", "nomination_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"), index=True)
    # Whether the suggestion had it in the top N of its category.
    suggested: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When the entrant was told they are a finalist (None: not told).
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    round: Mapped[JudgingRound] = relationship()
    nomination: Mapped[Nomination] = relationship()


class PanelMeeting(Model):
    """A final round's meeting for one category, once the organiser has closed it: its decisions are then
    locked. A category of the round without a row is still meeting."""

    __tablename__ = "panel_meetings"
    __table_args__ = (UniqueConstraint("round_id", "category_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    round: Mapped[JudgingRound] = relationship()
    category: Mapped[Category] = relationship()
