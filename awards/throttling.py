"""Request limits on the forms anyone can post without being signed in (Flask-Limiter).

Each form has a limit per client address and an overall limit (all addresses together), both
configurable (AWARDS_RATELIMIT_<FORM> and AWARDS_RATELIMIT_<FORM>_OVERALL, in Flask-Limiter's
notation, e.g. "20 per minute;200 per hour"; an empty value turns that limit off). The counts live
in Redis at REDIS_URL, so they hold across gunicorn workers and app servers; without REDIS_URL they
are kept in each process (one process only: see docs/operations.md, "Several app servers"). If
Redis stops answering, each process counts in memory until it answers again (logged), rather than
refusing every sign-in.

A refused request gets the 429 page (templates/errors/429.html) with a Retry-After header.

The client address is the connection's, never a header a client can write, unless the operator
says how many proxies stand in front of the app (TRUSTED_PROXY_COUNT): then the address that
many hops back in X-Forwarded-For (werkzeug's ProxyFix).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Flask, request
from flask_limiter import Limit, Limiter
from flask_login import current_user
from limits import parse_many
from werkzeug.middleware.proxy_fix import ProxyFix


@dataclass(frozen=True)
class Throttled:
    """A form whose POSTs are limited (or a page whose GETs are: `method`): its setting's name, its
    endpoint, and when a request counts."""

    setting: str
    endpoint: str
    anonymous_only: bool = False
    method: str = "POST"
    per_person: bool = False  # counted per signed-in person, not per client address

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods counted: a limited GET's HEAD too (Flask answers a HEAD by running the GET's view: a
        judge's pack made, a provider asked)."""
        return (self.method, "HEAD") if self.method == "GET" else (self.method,)

    def applies(self) -> bool:
        if request.method not in self.methods or request.endpoint != self.endpoint:
            return False
        return not (self.anonymous_only and current_user.is_authenticated)


THROTTLED = (
    Throttled("RATELIMIT_SIGN_IN", "auth.sign_in"),
    Throttled("RATELIMIT_REGISTER", "auth.register"),
    Throttled("RATELIMIT_PASSWORD_RESET", "auth.request_reset"),
    Throttled("RATELIMIT_MAGIC_LINK", "auth.request_magic_link"),
    Throttled("RATELIMIT_INVITATION", "judge.accept_invitation"),
    Throttled("RATELIMIT_INVITATION", "nominee.team_invitation"),
    Throttled("RATELIMIT_TWO_FACTOR", "auth.two_factor_code"),
    # Single sign-on: starting one (each asks the provider for a sign-in) and coming back from one
    # (each makes a back-channel request to the provider), counted apart.
    Throttled("RATELIMIT_SSO_START", "auth.sso_start"),
    Throttled("RATELIMIT_SSO_CALLBACK", "auth.sso_callback", method="GET"),
    # A section posted without a session (it is kept for after signing in): the signed-in
    # journey is not limited.
    Throttled("RATELIMIT_STASH", "nominee.section", anonymous_only=True),
    # People's Choice: asking for a link to vote, and confirming one (no account: per client address; the
    # domain's own limits per network, e-mail domain and address are counted in the database).
    Throttled("RATELIMIT_VOTE", "public.peoples_choice_vote"),
    Throttled("RATELIMIT_VOTE_CONFIRM", "public.confirm_vote"),
    # A judge's pack is a PDF made on request (seconds of CPU for a big round): per judge and overall.
    Throttled("RATELIMIT_JUDGE_PACK", "judge.pack", method="GET", per_person=True),
)

LIMIT_SETTINGS = tuple(name for form in THROTTLED for name in (form.setting, f"{form.setting}_OVERALL"))


def client_address() -> str:
    """The address limits are counted per (see the module's docstring for proxies)."""
    return request.remote_addr or "unknown"


def _person() -> str:
    """The signed-in person a per-person limit counts (else the client address)."""
    if current_user.is_authenticated:
        return f"person-{current_user.id}"
    return client_address()


def _everyone() -> str:
    return "everyone"


def check_limit_settings(config: dict) -> str | None:
    """A one-line problem with a limit setting, or None when they all parse."""
    for name in LIMIT_SETTINGS:
        value = config.get(name)
        if value is None or value == "":
            continue
        try:
            if not isinstance(value, str) or not parse_many(value):
                raise ValueError(value)
        except ValueError:
            return (
                f'AWARDS_{name} must be limits such as "20 per minute;200 per hour" (or empty for none), not {value!r}'
            )
    return None


def storage_uri(config: dict) -> str:
    return config.get("REDIS_URL") or "memory://"


def init_throttling(app: Flask) -> None:
    """Trust the configured number of proxies for the client address, then limit the forms."""
    proxies = app.config.get("TRUSTED_PROXY_COUNT") or 0
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=0, x_host=0, x_port=0, x_prefix=0)
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(app.config))
    if app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        # A Redis that does not answer must not hold a sign-in for long: fall back to memory.
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})

    limits = []
    for form in THROTTLED:

        def setting(name=form.setting):
            return app.config.get(name) or ""

        def overall(name=form.setting):
            return app.config.get(f"{name}_OVERALL") or ""

        limits.append(
            Limit(
                setting,
                key_function=_person if form.per_person else client_address,
                scope="per-person" if form.per_person else "per-address",
                methods=list(form.methods),
                exempt_when=lambda form=form: not form.applies(),
            )
        )
        limits.append(
            Limit(
                overall,
                key_function=_everyone,
                scope="overall",
                methods=list(form.methods),
                exempt_when=lambda form=form: not form.applies(),
            )
        )
    limiter = Limiter(client_address, default_limits=limits, in_memory_fallback_enabled=True, headers_enabled=False)
    # A request no limit applies to (nearly all) skips the limits at once, without resolving them: resolving the
    # 26 limits to find each exempt took about 1 ms, e.g. for every signed-in save of a section (only an
    # anonymous one is limited).
    by_request: dict[tuple[str, str], list[Throttled]] = {}
    for form in THROTTLED:
        for method in form.methods:
            by_request.setdefault((method, form.endpoint), []).append(form)

    def no_limit_applies() -> bool:
        return not any(form.applies() for form in by_request.get((request.method, request.endpoint or ""), ()))

    limiter.request_filter(no_limit_applies)
    limiter.init_app(app)
    app.extensions["awards_limiter"] = limiter


def warn_if_counted_per_process(app: Flask) -> None:
    """The served app (wsgi.py) in production without Redis: say, in the server's log, that each
    process counts alone. Not refused: one process (or a proxy's own limit) is a valid setup."""
    if (
        app.config.get("RATELIMIT_ENABLED")
        and app.config.get("ENVIRONMENT") == "production"
        and app.config["RATELIMIT_STORAGE_URI"].startswith("memory")
    ):
        app.logger.warning(
            "REDIS_URL is not set: request limits are counted in each process, so with several "
            "workers or servers each allows the whole limit (docs/operations.md, Several app servers)"
        )


def retry_after_seconds(app: Flask) -> int:
    """Whole seconds until the limit this request broke lets another through (at least 1)."""
    limiter: Limiter | None = app.extensions.get("awards_limiter")
    breached = limiter.current_limit if limiter is not None else None
    if breached is None:
        return 60
    return max(1, math.ceil(breached.reset_at - time.time()))
