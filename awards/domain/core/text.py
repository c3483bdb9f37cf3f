"""Small text rules shared by the domain: slugs and word counts."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from awards.extensions import db

_WORD = re.compile(r"\S+")


def slugify(value: str, max_length: int = 120) -> str:
    """'Data & AI Innovation' → 'data-ai-innovation' (ASCII, lower case, hyphens)."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-zA-Z0-9]+", "-", value).strip("-").lower()
    return value[:max_length].rstrip("-") or "item"


def word_count(text: str | None) -> int:
    """Words as GOV.UK's character count component counts them: runs of non-space characters."""
    return len(_WORD.findall(text or ""))


def unique_slug(column, base: str, exclude_id: int | None = None, max_length: int = 120) -> str:
    """`base` as a slug that no other row has in `column` (a model's slug column): base, base-2, base-3 …"""
    base = slugify(base, max_length)
    model = column.class_
    slug, n = base, 2
    while True:
        query = select(model.id).where(column == slug)
        if exclude_id is not None:
            query = query.where(model.id != exclude_id)
        if db.session.scalar(query) is None:
            return slug
        slug, n = f"{base}-{n}", n + 1
