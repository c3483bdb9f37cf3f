"""Instants in words, the GOV.UK way ('5pm on 28 June 2025', 'midday', 'midnight'), in a cycle's time zone.

The domain writes sentences for people (a refusal's reason, an e-mail's deadline) and the templates show dates
in the same style: both read these, so a date reads the same on a page, in a message and in an e-mail."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _

DEFAULT_TIME_ZONE = "Europe/London"


def _language() -> str:
    """The language being written in (a page's, or an e-mail's recipient's); English outside a request."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def day_in_words(day: date | None) -> str:
    """'28 June 2025', '28 Mehefin 2025', '28 juni 2025': a calendar day in the language being written in."""
    if day is None:
        return ""
    language = _language()
    if language == "en":
        return f"{day.day} {day:%B %Y}"
    return format_date(day, "d MMMM y", locale=language)


def govuk_date(value: datetime | None, tz: str = DEFAULT_TIME_ZONE) -> str:
    """'28 June 2025' in the given time zone."""
    if value is None:
        return ""
    return day_in_words(value.astimezone(ZoneInfo(tz)).date())


def govuk_time(value: datetime | None, tz: str = DEFAULT_TIME_ZONE) -> str:
    """GOV.UK style times: '5pm', '5:30pm', 'midday', 'midnight'; in Welsh '5yh', '5:30yb' (the Welsh
    Government's style); in Swedish the 24-hour clock, 'kl. 17.00' (Språkrådet's style)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(tz))
    if local.hour == 0 and local.minute == 0:
        return _("midnight")
    if local.hour == 12 and local.minute == 0:
        return _("midday")
    language = _language()
    if language == "sv":
        return f"kl. {local.hour:02d}.{local.minute:02d}"
    hour = local.hour % 12 or 12
    if language == "cy":
        suffix = "yb" if local.hour < 12 else "yh"
    else:
        suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def govuk_datetime(value: datetime | None, tz: str = DEFAULT_TIME_ZONE) -> str:
    """'5pm on 28 June 2025'."""
    if value is None:
        return ""
    return _("%(time)s on %(date)s", time=govuk_time(value, tz), date=govuk_date(value, tz))
