"""Security in the app itself, so the tests see it: request ids, headers and CSP,
session loading, safe redirects and the role gates."""

from __future__ import annotations

import functools
import secrets
import uuid
from urllib.parse import urlsplit

from flask import Flask, abort, g, redirect, request, url_for
from flask_login import current_user

from .domain.context import RequestInfo, reset_request_info, set_request_info
from .extensions import login_manager
from .models import Role


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


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


def role_required(*roles: Role):
    """Anonymous → sign in; signed in without one of the roles → 403."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not any(current_user.has_role(r) for r in roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def gate_blueprint(bp, *roles: Role) -> None:
    """Put every route of the blueprint behind the role gate."""
    @bp.before_request
    def _gate():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if roles and not any(current_user.has_role(r) for r in roles):
            abort(403)
        return None


def init_security(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        from .domain.accounts import user_by_session_token
        user = user_by_session_token(token)
        if user is None or not user.active:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash
        if request.blueprint == "api":
            abort(401)
        flash("Sign in to see this page", "info")
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("auth.sign_in", next=target))

    @app.before_request
    def _request_context():
        rid = request.headers.get("X-Request-ID", "")
        if not (0 < len(rid) <= 36 and all(c.isalnum() or c == "-" for c in rid)):
            rid = str(uuid.uuid4())
        g.request_id = rid
        g.request_info_token = set_request_info(RequestInfo(ip=request.remote_addr, request_id=rid))

    @app.teardown_request
    def _clear_context(_exc):
        token = g.pop("request_info_token", None)
        if token is not None:
            reset_request_info(token)

    @app.after_request
    def _headers(response):
        headers = response.headers
        if response.status_code != 304:
            # A 304 keeps the cached page, whose scripts carry the nonce of the policy sent with it;
            # a new policy would update the cached one and block them.
            headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        if "request_id" in g:
            headers["X-Request-ID"] = g.request_id
        if app.config["SESSION_COOKIE_SECURE"]:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        try:
            signed_in = current_user.is_authenticated
        except Exception:  # e.g. the database is down: be cautious
            signed_in = True
        if signed_in:
            headers["Cache-Control"] = "no-store"
            headers["Vary"] = "Cookie"
        return response
