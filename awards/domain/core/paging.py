"""Page numbers from a query string, bounded before they reach the database.

Every paged page reads its `page` (and the API its `per_page`) here. A number is only ASCII digits:
`-1`, `0`, `1.5`, `1e3`, `١٢` (Arabic-Indic digits, which Python's `int` would accept) and `²` (which
`str.isdigit` accepts and `int` refuses) are not numbers, and nothing longer than the bound is ever
converted (so `10^20`, too big for a database integer, and a 5,000-digit number, too long for `int`,
are only "too big"). The rule for the signed-in pages: anything unreadable is page 1 and a page past
the end (however far) is the last page (`clamp`).
"""

from __future__ import annotations

from collections.abc import Mapping
from math import ceil

MAX_PAGE = 10**9  # (MAX_PAGE - 1) × any page size stays far inside a 64-bit OFFSET


def whole_number(raw: str | None, low: int, high: int) -> int | None:
    """`raw` (surrounding spaces ignored) as a whole number from `low` to `high`, or None if it is not
    one; a number with more digits than `high` has is "too big" without being converted."""
    text = (raw or "").strip()
    if not text or not (text.isascii() and text.isdigit()):
        return None
    if len(text.lstrip("0")) > len(str(high)):
        return None
    number = int(text)
    return number if low <= number <= high else None


def too_big(raw: str | None, high: int) -> bool:
    """True if `raw` is ASCII digits for a number above `high` (however many digits)."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()):
        return False
    digits = text.lstrip("0")
    return len(digits) > len(str(high)) or int(digits or "0") > high


def requested_page(args: Mapping[str, str], name: str = "page") -> int:
    """The page asked for, from 1 to MAX_PAGE: unreadable (missing, zero, negative, a fraction, a word,
    other scripts' digits) is 1, and a number above MAX_PAGE is MAX_PAGE (which `clamp` brings back)."""
    raw = args.get(name)
    if too_big(raw, MAX_PAGE):
        return MAX_PAGE
    return whole_number(raw, 1, MAX_PAGE) or 1


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows make (at least one, so an empty list is page 1 of 1)."""
    return max(1, ceil(total / per_page))


def clamp(page: int, total: int, per_page: int) -> tuple[int, int]:
    """(page, pages): the page brought within 1..pages."""
    pages = page_count(total, per_page)
    return min(max(1, page), pages), pages
