"""Instants in words, the GOV.UK way ('5pm on 28 June 2025', 'midday', 'midnight'), in a cycle's time zone.

The domain writes sentences for people (a refusal's reason, an e-mail's deadline) and the templates show dates
in the same style: both read these, so a date reads the same on a page, in a message and in an e-mail."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = "Europe/London"


def govuk_date(value: datetime | None, tz: str = DEFAULT_TIME_ZONE) -> str:
    """'28 June 2025' in the given time zone."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(tz))
    return f"{local.day} {local:%B %Y}"


def govuk_time(value: datetime | None, tz: str = DEFAULT_TIME_ZONE) -> str:
    """GOV.UK style times: '5pm', '5:30pm', 'midday', 'midnight'."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(tz))
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    if local.hour == 12 and local.minute == 0:
        return "midday"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def govuk_datetime(value: datetime | None, tz: str = DEFAULT_TIME_ZONE) -> str:
    """'5pm on 28 June 2025'."""
    if value is None:
        return ""
    return f"{govuk_time(value, tz)} on {govuk_date(value, tz)}"
