"""What organisers type, in the service's other languages: one row per text, language and thing it belongs to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from awards.models.base import Model
from awards.models.types import UTCDateTime


class ContentTranslation(Model):
    """A cycle's name in Welsh, a question's hint in Swedish, a rubric band's words…

    `kind` and `object_id` name the thing (awards/domain/programme/translations.py lists the kinds and their
    fields); `field` is one of its texts ('name', 'hint', 'rubric.2.label' for a criterion's third band). The text
    typed in the service's default language stays on the thing itself: a missing translation falls back to it."""

    __tablename__ = "content_translations"
    __table_args__ = (
        UniqueConstraint("kind", "object_id", "field", "language", name="uq_content_translations_text"),
        Index("ix_content_translations_language", "language", "kind", "object_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The cycle the thing belongs to (None for a trend, which every cycle shares): removing a cycle removes its
    # translations, and changing one moves the cycle's public pages on (awards/domain/publishing/impact_cases.py).
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    # Counts the text's changes, so the public pages' fingerprint sees an edit even when the clock stands still.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
