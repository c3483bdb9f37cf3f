"""Error pages: friendly, with the security headers, and a 500 that logs an incident id."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from .extensions import db

log = logging.getLogger(__name__)

PAGES = {
    400: ("errors/400.html", "There is a problem with your request"),
    403: ("errors/403.html", "You do not have permission to see this page"),
    404: ("errors/404.html", "Page not found"),
    405: ("errors/400.html", "There is a problem with your request"),
    409: ("errors/409.html", "This was changed by someone else"),
    410: ("errors/410.html", "This page has been removed"),
    413: ("errors/413.html", "The file is too large"),
    429: ("errors/429.html", "Too many requests"),
    503: ("errors/503.html", "Sorry, the service is unavailable"),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def init_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        log.warning("CSRF check failed on %s %s: %s", request.method, request.path, error.description)
        return render_template("errors/400.html", title="Your form has expired",
                               message="The page you came from has expired or was opened in another "
                                       "session. Go back, reload the page and try again."), 400

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # No page can be built for a host we do not serve: no links, no templates.
        log.warning("refused request for untrusted host on %s %s", request.method, request.path)
        return "Bad request: this host is not served here.", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if _wants_json():
            return jsonify({"error": error.name, "status": error.code}), error.code
        template, title = PAGES.get(error.code, ("errors/400.html", error.name))
        return render_template(template, title=title, error=error), error.code

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        incident = uuid.uuid4().hex[:12].upper()
        original = getattr(error, "original_exception", None)
        log.error("incident %s on %s %s", incident, request.method, request.path, exc_info=original or error)
        try:
            db.session.rollback()
        except Exception:  # the database may be the problem
            log.exception("rollback after incident %s failed", incident)
        if _wants_json():
            return jsonify({"error": "Internal Server Error", "status": 500, "incident": incident}), 500
        try:
            return render_template("errors/500.html", title="Sorry, there is a problem with the service",
                                   incident=incident), 500
        except Exception:
            log.exception("the 500 page itself failed for incident %s", incident)
            return (f"Sorry, there is a problem with the service. Incident {incident}.", 500,
                    {"Content-Type": "text/plain; charset=utf-8"})
