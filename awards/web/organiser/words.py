"""Small pieces of wording the organiser's pages share, in the reader's language."""

from __future__ import annotations

from babel.lists import format_list
from flask_babel import get_locale
from markupsafe import Markup, escape


def and_list(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C' (English as the service has always written it); in another language as
    that language joins a list ('A, B och C', 'A, B a C'). Items that are markup (links) stay markup, the rest
    is escaped, and the whole is markup."""
    if any(isinstance(item, Markup) for item in items):
        return Markup(and_list([str(escape(item)) for item in items]))  # noqa: S704 (every item escaped or markup)
    locale = get_locale()
    if locale is None or locale.language in JOINED_BY:
        word = JOINED_BY["en" if locale is None else locale.language]
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]
    return format_list(items, locale=locale)


# Languages whose lists are joined here rather than by CLDR's pattern: English as the service has always written
# it (no comma before "and"), and Welsh, whose CLDR pattern writes "a(c)" for the reader to choose from.
JOINED_BY = {"en": "and", "cy": "a"}
