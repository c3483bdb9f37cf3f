"""The one place that reads the time, so tests can freeze it (time-machine) and the demo data
can be written as it would have happened, on the days it happened (`clock_at`)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_fixed: ContextVar[datetime | None] = ContextVar("awards_clock_fixed", default=None)


def utcnow() -> datetime:
    fixed = _fixed.get()
    return fixed if fixed is not None else datetime.now(UTC)


@contextmanager
def clock_at(instant: datetime) -> Iterator[datetime]:
    """Within the block, `utcnow()` answers `instant` (an aware datetime); for writing the demo's
    history through the same domain functions a person's actions go through."""
    if instant.tzinfo is None:
        raise ValueError("clock_at needs an aware datetime")
    token = _fixed.set(instant.astimezone(UTC))
    try:
        yield instant
    finally:
        _fixed.reset(token)
