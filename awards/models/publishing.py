"""Results: shortlist decisions, and the public impact cases made from shortlisted nominations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.models.base import Model
from awards.models.cycles import Category, Cycle
from awards.models.nominations import Nomination
from awards.models.taxonomy import Trend
from awards.models.types import UTCDateTime, enum_column


class Result(str, enum.Enum):
    WINNER = "winner"
    HIGHLY_COMMENDED = "highly_commended"
    SHORTLISTED = "shortlisted"
    NOT_SHORTLISTED = "not_shortlisted"

    @property
    def label(self) -> str:
        # Put into words when shown (the stored value is the code), in the reader's language.
        return str(_RESULT_LABELS[self.value])

    @property
    def rank(self) -> int:
        return {"winner": 0, "highly_commended": 1, "shortlisted": 2, "not_shortlisted": 3}[self.value]


_RESULT_LABELS = {
    "winner": _l("Winner"),
    "highly_commended": _l("Highly commended"),
    "shortlisted": _l("Shortlisted"),
    "not_shortlisted": _l("Not shortlisted"),
}


class ShortlistDecision(Model):
    """The organiser's decision for one nomination; it reaches the nomination only at publication."""

    __tablename__ = "shortlist_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"), unique=True)
    result: Mapped[Result] = mapped_column(enum_column(Result, 20))
    # Whether the suggestion (top N by the ranking basis) had it on the shortlist.
    suggested: Mapped[bool] = mapped_column(Boolean, default=False)
    rationale: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    nomination: Mapped[Nomination] = relationship()


class ImpactCase(Model):
    """The public copy of a shortlisted nomination. Editing it never changes the nomination."""

    __tablename__ = "impact_cases"
    __table_args__ = (
        Index("ix_impact_cases_published", "published_at", "unpublished_at"),
        Index("ix_impact_cases_year_result", "year", "result"),
        # Every column the library's choice of years and categories reads (impact_cases.facets).
        Index("ix_impact_cases_public_filters", "cycle_id", "published_at", "unpublished_at", "year", "category_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"), index=True)
    nomination_id: Mapped[int | None] = mapped_column(ForeignKey("nominations.id", ondelete="SET NULL"), unique=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"), index=True)
    category_name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    result: Mapped[Result] = mapped_column(enum_column(Result, 20))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    # The language of its words, copied from the nomination (None: the service's default language).
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    # The answers to the questions marked public, in form order, copied at publication with their
    # words: [{"key", "label", "kind", "value"}] (a group's value: its columns and rows,
    # {"columns": [{"key", "label", "kind"}], "rows": [{column key: value}]}).
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # [{"name", "is_supplier"}]
    partners: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    region: Mapped[str] = mapped_column(String(60), default="")
    citation: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(String(60), default="CC BY 4.0")
    # Lower-cased title, summary, organisation and partners' names: what the public search finds a case
    # by. The database's full-text index reads it, and the title and summary on their own to weigh them
    # more (see SEARCH_SCHEMA_NAMES).
    search_text: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unpublished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    cycle: Mapped[Cycle] = relationship()
    category: Mapped[Category | None] = relationship()
    nomination: Mapped[Nomination | None] = relationship()
    trend_links: Mapped[list[ImpactCaseTrend]] = relationship(
        back_populates="case",
        cascade="all, delete-orphan",
        order_by="(ImpactCaseTrend.is_primary.desc(), ImpactCaseTrend.position)",
    )

    @property
    def is_public(self) -> bool:
        return self.published_at is not None and self.unpublished_at is None

    @property
    def primary_trend(self) -> Trend | None:
        return next((link.trend for link in self.trend_links if link.is_primary), None)


# The full-text search objects that migration f7c2a9d4e801 builds for each database, outside the
# models because each engine has its own: on SQLite the FTS5 table `impact_cases_fts` (and the
# shadow tables FTS5 keeps, named after it) with its triggers; on PostgreSQL the generated column
# `impact_cases.search_vector` and its GIN index. Comparing the models with the database skips them.
SEARCH_SCHEMA_NAMES = frozenset({"impact_cases_fts", "search_vector", "ix_impact_cases_search"})
# The partial index in library order that migration f7c2a9d4e803 builds (an index on expressions, which Alembic
# does not compare either; the same on both databases).
EXPRESSION_INDEX_NAMES = frozenset({"ix_impact_cases_library"})


def compared_with_models(name: str | None, type_: str, parent_names: dict) -> bool:
    """Whether Alembic compares this object of the database with the models (its `include_name`
    hook): every one but the search objects and the expression index above and the data version's table."""
    if name is None:
        return True
    if type_ == "table":  # (and the data version's row, kept outside the models: awards/models/versions.py)
        return not (name == "impact_cases_fts" or name.startswith("impact_cases_fts_") or name == "data_versions")
    return name not in SEARCH_SCHEMA_NAMES and name not in EXPRESSION_INDEX_NAMES


class ImpactCaseTrend(Model):
    __tablename__ = "impact_case_trends"
    __table_args__ = (
        UniqueConstraint("case_id", "trend_id"),
        Index("ix_impact_case_trends_trend", "trend_id", "is_primary"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("impact_cases.id", ondelete="CASCADE"), index=True)
    trend_id: Mapped[int] = mapped_column(ForeignKey("trends.id", ondelete="RESTRICT"))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    how_addressed: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    case: Mapped[ImpactCase] = relationship(back_populates="trend_links")
    trend: Mapped[Trend] = relationship(lazy="joined")
