"""Template globals and filters: the service name, dates in GOV.UK style."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request

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


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["govuk_date"] = govuk_date
    app.jinja_env.filters["govuk_time"] = govuk_time
    app.jinja_env.filters["govuk_datetime"] = govuk_datetime
    from awards.web.audit_words import action_words, object_words
    app.jinja_env.filters["audit_action"] = action_words
    app.jinja_env.filters["audit_object"] = object_words

    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
    # What an impact case publishes: the consent question, the result e-mails and the privacy notice read it
    from awards.domain.publishing import publication
    app.jinja_env.globals["publication"] = publication
    # The header's "Judging" link: only for people who judge some cycle (the role alone opens no page).
    from awards.permissions import judges_any_cycle
    app.jinja_env.globals["judges_any_cycle"] = judges_any_cycle

    @app.context_processor
    def _globals():
        return {
            "service_name": current_app.config["SERVICE_NAME"],
            "current_path": request.path if request else "/",
        }
