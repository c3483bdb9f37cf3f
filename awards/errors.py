"""Error pages: friendly, with the security headers, and a 500 that logs an incident id."""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
import uuid

import psycopg
from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from awards.extensions import db, login_manager
from awards.logging_setup import log_event

log = logging.getLogger(__name__)

# Long opaque path segments are links' tokens (reset, verification, invitation): never logged.
_TOKEN_SEGMENT = re.compile(r"[A-Za-z0-9_\-.~%]{24,}")


def loggable_path() -> str:
    """The request path with anything that may be a token replaced, and no query string."""
    return "/".join(_TOKEN_SEGMENT.sub("[token]", part) for part in request.path.split("/"))


def _user_id():
    try:
        from flask_login import current_user

        return current_user.id if current_user.is_authenticated else None
    except Exception:  # the database may be the problem
        return None


PAGES = {
    400: ("errors/400.html", _l("There is a problem with your request")),
    403: ("errors/403.html", _l("You do not have permission to see this page")),
    404: ("errors/404.html", _l("Page not found")),
    405: ("errors/400.html", _l("There is a problem with your request")),
    409: ("errors/409.html", _l("This was changed by someone else")),
    410: ("errors/410.html", _l("This page has been removed")),
    413: ("errors/413.html", _l("The file is too large")),
    429: ("errors/429.html", _l("Too many requests")),
    503: ("errors/503.html", _l("Sorry, the service is unavailable")),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def init_error_pages(app: Flask) -> None:
    """One handler per family of error: forms, hosts, HTTP errors (with 429), the database, and the rest."""
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(SecurityError, untrusted_host)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)
    # The same faults raised by the drivers themselves, on the connections the page version is read on
    # outside SQLAlchemy (awards/web/caching.py, FingerprintReader)
    app.register_error_handler(sqlite3.OperationalError, database_unavailable)
    app.register_error_handler(psycopg.OperationalError, database_unavailable)
    app.register_error_handler(psycopg.InterfaceError, database_unavailable)
    app.register_error_handler(IntegrityError, database_refused)
    app.register_error_handler(InternalServerError, server_error)


def _warn(event: str, **fields) -> None:
    """A refused or limited request, logged with its method and path."""
    log_event(log, event, level=logging.WARNING, method=request.method, path=loggable_path(), **fields)


def _first_line(error: Exception) -> str:
    """The database's own words for what went wrong, on one line."""
    return (str(getattr(error, "orig", None) or error).splitlines() or [error.__class__.__name__])[0][:300]


def csrf_error(error):
    _warn("csrf.failed", user=_user_id(), reason=error.description)
    return render_template(
        "errors/400.html",
        title=_("Your form has expired"),
        message=_(
            "The page you came from has expired or was opened in another session. "
            "Go back, reload the page and try again."
        ),
    ), 400


def untrusted_host(error: SecurityError):
    # No page can be built for a host we do not serve: no links, no templates.
    _warn("host.refused", host=request.environ.get("HTTP_HOST", ""))
    return "Bad request: this host is not served here.", 400, {"Content-Type": "text/plain; charset=utf-8"}


def http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if error.code in (401, 403, 404, 405, 410):
        _warn("request.denied", status=error.code, user=_user_id())
    elif error.code == 413:
        _warn("request.too_large", user=_user_id(), length=request.content_length)
    if error.code == 429:
        return too_many_requests()
    if _wants_json():
        return jsonify({"error": error.name, "status": error.code}), error.code
    template, title = PAGES.get(error.code, ("errors/400.html", error.name))
    return render_template(template, title=title, error=error), error.code


def too_many_requests():
    # A request limit (awards/throttling.py): say how long to wait, in words and in Retry-After.
    from flask import current_app

    from awards.throttling import retry_after_seconds

    seconds = retry_after_seconds(current_app)
    _warn("request.throttled", user=_user_id(), retry_after=seconds)
    headers = {"Retry-After": str(seconds)}
    if _wants_json():
        return jsonify({"error": "Too Many Requests", "status": 429}), 429, headers
    minutes = max(1, round(seconds / 60))  # a minute's window says 1 minute, though Retry-After may be 61
    return render_template(PAGES[429][0], title=PAGES[429][1], minutes=minutes), 429, headers


def database_unavailable(error):
    # The database is restarting, unreachable or (SQLite) still locked after the busy timeout: a
    # passing fault, not a bug. Say so, ask the browser to come back, and let the pool reconnect.
    reason = _first_line(error)
    log.error("database unavailable on %s %s: %s", request.method, loggable_path(), reason)
    with contextlib.suppress(Exception):  # the connection is gone; the pool replaces it on the next checkout
        db.session.rollback()
    # Build the page without the database: no signed-in header (loading the user would query again).
    g._login_user = login_manager.anonymous_user()
    headers = {"Retry-After": "5"}
    if _wants_json():
        return jsonify({"error": "Service Unavailable", "status": 503}), 503, headers
    try:
        return render_template("errors/503.html", title=PAGES[503][1]), 503, headers
    except Exception:
        log.exception("the 503 page itself failed")
        return (
            "Sorry, the service is unavailable. Try again in a few moments.",
            503,
            {**headers, "Content-Type": "text/plain; charset=utf-8"},
        )


def database_refused(error: IntegrityError):
    # Every unique constraint has a check in the domain that names the problem on the form
    # (docs/architecture.md, "Unique constraints"); this is the net under it, for two requests
    # that passed their checks at the same moment. Nothing of the request was saved: say so as a
    # 409, never a 500, and let the person try again on the latest data.
    reason = _first_line(error)
    _warn("request.conflict", user=_user_id(), reason=reason)
    try:
        db.session.rollback()
    except Exception:  # the database may be the problem
        log.exception("rollback after a refused write failed")
    if _wants_json():
        return jsonify({"error": "Conflict", "status": 409}), 409
    return render_template("errors/409.html", title=PAGES[409][1], error=None), 409


def server_error(error: InternalServerError):
    incident = uuid.uuid4().hex[:12].upper()
    original = getattr(error, "original_exception", None)
    log.error("incident %s on %s %s", incident, request.method, loggable_path(), exc_info=original or error)
    try:
        db.session.rollback()
    except Exception:  # the database may be the problem
        log.exception("rollback after incident %s failed", incident)
    if _wants_json():
        return jsonify({"error": "Internal Server Error", "status": 500, "incident": incident}), 500
    try:
        return render_template(
            "errors/500.html", title=_("Sorry, there is a problem with the service"), incident=incident
        ), 500
    except Exception:
        log.exception("the 500 page itself failed for incident %s", incident)
        return (
            f"Sorry, there is a problem with the service. Incident {incident}.",
            500,
            {"Content-Type": "text/plain; charset=utf-8"},
        )
