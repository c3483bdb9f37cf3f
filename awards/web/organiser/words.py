"""Small pieces of wording the organiser's pages share, in the reader's language."""

from __future__ import annotations

from babel.lists import format_list
from flask_babel import get_locale


def and_list(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C' (English as the service has always written it); in another language as
    that language joins a list ('A, B och C', 'A, B a C')."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    return format_list(items, locale=locale)
