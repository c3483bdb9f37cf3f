"""The one place that reads the time, so tests can freeze it (time-machine)."""

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
