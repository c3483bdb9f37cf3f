"""Small text rules shared by the domain: slugs and word counts."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\S+")


def slugify(value: str, max_length: int = 120) -> str:
    """'Data & AI Innovation' → 'data-ai-innovation' (ASCII, lower case, hyphens)."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-zA-Z0-9]+", "-", value).strip("-").lower()
    return value[:max_length].rstrip("-") or "item"


def word_count(text: str | None) -> int:
    """Words as GOV.UK's character count component counts them: runs of non-space characters."""
    return len(_WORD.findall(text or ""))
