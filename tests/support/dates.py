"""Dates for tests."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(*args) -> datetime:
    """A moment in UTC: utc(2026, 3, 1, 9) is 9am on 1 March 2026."""
    return datetime(*args, tzinfo=UTC)
