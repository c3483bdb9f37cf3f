"""Security in the app itself, so the tests see it: request ids, headers and CSP,
session loading, safe redirects and the role gates."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import SecurityError

from awards.domain.core.clock import utcnow
from awards.extensions import db, login_manager
from awards.i18n import LANGUAGE_COOKIE, usable
from awards.logging_setup import log_event
from awards.models import Role
from awards.request_context import RequestInfo, reset_request_info, set_request_info

log = logging.getLogger(__name__)


# An inline script is allowed by the SHA-256 of its exact text, computed at start-up from the
# templates, rather than by a nonce: a nonce changes with every response, so a page kept by the
# public page cache (awards/web/caching.py) and served again would carry a stale one. Only
# scripts whose text is fixed in a template can be allowed this way; JSON-LD and other data
# blocks (a <script type> that is not JavaScript) are never run, so script-src does not apply.
# Template tags in the attributes are matched without backtracking across the file (each ends at its
# first closing brace): a lazy ".*?" there made a templated <script src> with no body take forever.
_STATIC_INLINE_SCRIPT = re.compile(
    r"<script\b(?P<attrs>(?:[^>{]|\{\{[^}]*\}\}|\{%[^%]*%\}|\{#[^#]*#\})*)>(?P<body>[^<{}]+)</script>", re.I
)
_SCRIPT_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]*)""", re.I)
_JAVASCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}


def inline_script_hashes(sources: Iterable[str]) -> list[str]:
    """CSP hash sources ('sha256-…') for every inline script whose text is fixed in the templates."""
    hashes = []
    for source in sources:
        for match in _STATIC_INLINE_SCRIPT.finditer(source):
            attrs = match.group("attrs")
            script_type = _SCRIPT_TYPE.search(attrs)
            if re.search(r"\bsrc\s*=", attrs) or (
                script_type and script_type.group(1).lower() not in _JAVASCRIPT_TYPES
            ):
                continue
            digest = base64.b64encode(hashlib.sha256(match.group("body").encode()).digest()).decode()
            if f"'sha256-{digest}'" not in hashes:
                hashes.append(f"'sha256-{digest}'")
    return hashes


def _template_sources(app: Flask) -> Iterator[str]:
    env = app.jinja_env
    for name in env.list_templates(extensions=("html", "jinja", "j2", "njk")):
        if name.startswith("govuk_frontend_jinja/components/") or name.startswith("govuk_frontend_wtf/"):
            continue  # component macros carry no inline script
        yield env.loader.get_source(env, name)[0]


def content_security_policy(script_hashes: Iterable[str] = (), form_targets: Iterable[str] = ()) -> str:
    """`form_targets`: origins a form may lead to besides this site's (the single sign-on providers, whose
    sign-in page the start form's redirect goes to: browsers check form-action on redirects too)."""
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *script_hashes]),
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            " ".join(["form-action 'self'", *form_targets]),
            "frame-ancestors 'none'",
        ]
    )


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no backslash tricks, no protocol-relative //."""
    if not target or not target.startswith("/"):
        return False
    if target.startswith("//") or "\\" in target:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str = "/") -> str:
    return target if is_safe_next(target) else default


# --- Sessions -------------------------------------------------------------------------------------
#
# Flask-Login keeps "<session token>.<sign-in time>" as the user id, in the signed session and in
# the signed remember-me cookie. The token ends every session of the account when it rotates
# (sign-out, password change, disabling); the sign-in time makes the absolute timeout hold for a
# session restored from a remember-me cookie too, without server-side session storage. The time of
# the last request is kept in the session for the idle timeout.

_SEEN_KEY = "_seen"
_SEEN_GRANULARITY = 60  # seconds: the session cookie is rewritten at most once a minute


def _now() -> int:
    return int(utcnow().timestamp())


def session_identifier(token: str, started: int) -> str:
    return f"{token}.{started}"


def parse_session_identifier(identifier: str) -> tuple[str, int | None]:
    """The session token and the sign-in time (None for an id without one)."""
    token, _, started = (identifier or "").partition(".")
    return token, int(started) if started.isdigit() else None


def _clear_session() -> None:
    """Empty the session. (Form input kept when a session ended mid-edit is found by its author's
    id, not through the session: see domain/nominations/stash.py.)"""
    session.clear()


def begin_session(user, remember: bool = False) -> None:
    """A fresh session on sign-in: nothing from before survives (no fixation). The sign-in time
    starts the absolute timeout; a remember-me cookie never outlives it."""
    _clear_session()
    absolute = int(current_app.config["SESSION_ABSOLUTE_TIMEOUT"])
    login_user(user, remember=remember, duration=timedelta(seconds=absolute))
    now = _now()
    session["_user_id"] = session_identifier(user.session_token, now)
    session[_SEEN_KEY] = now
    _adopt_chosen_language(user)


def _adopt_chosen_language(user) -> None:
    """A language chosen with the switcher before signing in becomes the account's: the pages after signing in
    stay in the language the person was reading, and their e-mails follow it (the cookie is written only by the
    switcher, so it is their own choice on this browser)."""
    chosen = usable(request.cookies.get(LANGUAGE_COOKIE))
    if chosen is not None and chosen != user.language:
        user.language = chosen
        db.session.commit()
    g.pop("awards_language", None)  # this request's pages follow the account from here on


def duration_words(seconds: int) -> str:
    """3600 → "1 hour", 7200 → "2 hours", 5400 → "90 minutes" (in the reader's language)."""
    seconds = int(seconds)
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(num)d hour", "%(num)d hours", hours)
    minutes = max(1, round(seconds / 60))
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def _expiry_reason(started: int, seen: int, now: int) -> str | None:
    config = current_app.config
    if now - started > int(config["SESSION_ABSOLUTE_TIMEOUT"]):
        return "absolute"
    if now - seen > int(config["SESSION_IDLE_TIMEOUT"]):
        return "idle"
    return None


def _end_expired_session(reason: str):
    config = current_app.config
    user = current_user._get_current_object()
    log_event(log, "session.expired", reason=reason, user=user.id)
    had_remember_cookie = config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    logout_user()
    _clear_session()
    if had_remember_cookie:
        session["_remember"] = "clear"  # Flask-Login deletes the cookie on the response
    if reason == "idle":
        message = _(
            "You were signed out after %(duration)s without activity. Sign in again to carry on.",
            duration=duration_words(config["SESSION_IDLE_TIMEOUT"]),
        )
    elif reason == "unknown_start":
        message = _("You were signed out because your sign-in had ended. Sign in again to carry on.")
    else:
        message = _(
            "You were signed out because you signed in more than %(duration)s ago. Sign in again to carry on.",
            duration=duration_words(config["SESSION_ABSOLUTE_TIMEOUT"]),
        )
    flash(message, "info")
    g.session_expired = True
    if request.method in ("GET", "HEAD") and request.endpoint != "auth.sign_in":
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("auth.sign_in", next=target))
    # A POST goes on as anonymous: the nominee section keeps what was typed if the form carries its
    # stash ticket (see web/nominee).
    return None


def signed_in() -> bool:
    """Whether someone is signed in; when that cannot be told (e.g. the database is down), be
    cautious and say yes, so nothing personal is cached.

    A person the request has already loaded counts as signed in without asking the database again: after a
    save's commit their row is expired, and `is_authenticated` (their `active` column) would read it and their
    roles back only to set the response's headers."""
    try:
        loaded = g.get("_login_user")
        if loaded is not None and not loaded.is_anonymous:
            return True
        return bool(current_user.is_authenticated)
    except Exception:
        return True


def gate_blueprint(bp, *roles: Role) -> None:
    """Put every route of the blueprint behind the role gate."""

    @bp.before_request
    def _gate():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if roles and not any(current_user.has_role(r) for r in roles):
            abort(403)
        return None


def _sso_origins(app: Flask) -> list[str]:
    """The origins of the configured single sign-on providers' issuers (their sign-in pages are there)."""
    from awards.domain.people.single_sign_on import parse_providers

    origins = []
    for provider in parse_providers(app.config.get("SSO_PROVIDERS")):
        parts = urlsplit(provider.issuer)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in origins:
            origins.append(origin)
    return origins


def init_security(app: Flask) -> None:
    """Sessions (Flask-Login), the request's id and host check first of all, the session timeouts, and
    the security headers on every response, each in its own function below."""
    _init_login()
    # These two run before every other before_request function (the CSRF check among them), so
    # every log line of a request carries its id and a forged Host meets nothing else.
    app.before_request_funcs.setdefault(None, [])[:0] = [_request_context, _refuse_untrusted_host]
    app.before_request(_session_timeouts)
    app.teardown_request(_clear_context)
    policy = content_security_policy(inline_script_hashes(_template_sources(app)), _sso_origins(app))
    app.after_request(_security_headers(app, policy))


def _init_login() -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Sign in to see this page")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)


def _load_user(identifier: str):
    from awards.domain.people.accounts import user_by_session_token

    token, started = parse_session_identifier(identifier)
    user = user_by_session_token(token)
    if user is None or not user.active:
        return None
    g.session_started = started
    return user


def _unauthorized():
    if request.blueprint == "api":
        abort(401)
    if not g.get("session_expired"):  # that message already says why
        flash(_("Sign in to see this page"), "info")
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.sign_in", next=target))


def _refuse_untrusted_host():
    # Flask keeps a forged Host as a routing error raised only after the before_request
    # functions; refuse it first, so nothing (CSRF, sessions, the database) runs for it.
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception
    return None


def _request_context():
    rid = request.headers.get("X-Request-ID", "")
    if not (0 < len(rid) <= 36 and all(c.isalnum() or c == "-" for c in rid)):
        rid = str(uuid.uuid4())
    g.request_id = rid
    g.request_info_token = set_request_info(RequestInfo(ip=request.remote_addr, request_id=rid))


def _session_timeouts():
    """Idle and absolute timeouts, on the clock of the server (UTC)."""
    if request.endpoint in ("static", "public.healthz") or request.blueprint == "api":
        return None
    if not current_user.is_authenticated:
        return None
    now = _now()
    started = g.get("session_started")
    seen = session.get(_SEEN_KEY)
    if not isinstance(seen, int):  # restored from a remember-me cookie: activity now
        seen = now
    if started is None:
        # A session or remember-me cookie from before sign-in times were kept carries only the
        # token, so how long ago its holder signed in is unknown: it has ended, as if timed
        # out (taking it as "signed in now" would let a copied cookie live for ever).
        reason = "unknown_start"
    else:
        reason = _expiry_reason(started, seen, now)
    if reason is not None:
        return _end_expired_session(reason)
    if session.get(_SEEN_KEY) is None or now - seen >= _SEEN_GRANULARITY:
        session[_SEEN_KEY] = now
    return None


def _clear_context(_exc):
    token = g.pop("request_info_token", None)
    if token is not None:
        reset_request_info(token)


def _security_headers(app: Flask, policy: str):
    """The after_request function that sets the security headers (with this app's policy)."""

    def headers_for(response):
        headers = response.headers
        if response.status_code != 304:
            # A 304 keeps the cached page with the policy it came with.
            headers["Content-Security-Policy"] = policy
        if headers.get("Content-Disposition", "").startswith("attachment"):
            # A download is never a page of this site, even if a browser were to open it inline.
            headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        headers["X-Content-Type-Options"] = "nosniff"
        # A page with a secret in its address (a People's Choice confirmation link) sets its own: no-referrer.
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        if "request_id" in g:
            headers["X-Request-ID"] = g.request_id
        if app.config["SESSION_COOKIE_SECURE"]:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if signed_in():
            headers["Cache-Control"] = "no-store"
            headers["Vary"] = "Cookie"
        return response

    return headers_for
