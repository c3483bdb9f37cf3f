"""The entry form of a cycle: its sections (the task list's items) and their questions, and named
templates a new cycle's form can start from (domain/programme/entry_forms.py reads and changes them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.models.base import Model
from awards.models.cycles import Cycle
from awards.models.types import UTCDateTime


class FormSection(Model):
    """One item of the nominee's task list, with its questions in order."""

    __tablename__ = "form_sections"
    __table_args__ = (UniqueConstraint("cycle_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    # The section's name in addresses and in the task list's records (nominations.touched_sections).
    key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    # A line under the title in the task list.
    hint: Mapped[str] = mapped_column(Text, default="")
    # A paragraph at the top of the section's page.
    intro: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The categories whose nominees see the section ([] for every category).
    category_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Shown only when an earlier answer matches: {"question": key, "values": [...]} (None: always).
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    cycle: Mapped[Cycle] = relationship(overlaps="form_sections")
    questions: Mapped[list[FormQuestion]] = relationship(
        back_populates="section", order_by="FormQuestion.position", cascade="all, delete-orphan", lazy="selectin"
    )


class FormQuestion(Model):
    """One question: its kind, words, rules, who sees the answer, and where it is asked."""

    __tablename__ = "form_questions"
    __table_args__ = (UniqueConstraint("cycle_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("form_sections.id", ondelete="CASCADE"), index=True)
    # The answer's name: a field of the form, a column of the CSV export, a key of nominations.answers
    # (or, for a core question, the name of the nomination's own column).
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    # A core question the platform itself reads (organisation, contact, title, summary, trends, consent):
    # it can be reworded, re-limited and moved, but not removed.
    core: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str] = mapped_column(String(300))
    hint: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    # The kind's own rules: limits, options, unit and range, file types, a group's sub-questions…
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Who reads the answer besides the nominee and organisers: "all" judges, judges only when
    # judging is "not_blind", or "none" (organisers only).
    judges_see: Mapped[str] = mapped_column(String(12), default="all")
    # Copied into the impact case when the nomination is published.
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    category_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    section: Mapped[FormSection] = relationship(back_populates="questions")


class FormTemplate(Model):
    """A named copy of a cycle's form, to start another cycle's form from."""

    __tablename__ = "form_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # {"sections": [{"key", "title", …, "questions": [{"key", "kind", …}]}]}, category limits left out.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
