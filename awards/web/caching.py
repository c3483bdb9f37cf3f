"""HTTP caching for the public pages, the feed and the open data API.

Anonymous readers get `Cache-Control: public, max-age=60` and a weak ETag made from what the
pages show (impact cases, cycles, trends: see `library.fingerprint`), the request's URL and
the release, so a conditional request is answered 304 without building the page. Signed-in
people get the full response and the security layer's `no-store` (their pages carry their
name and a sign-out form); `Vary: Cookie` keeps a shared cache from serving one to the other.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import metadata

from flask import current_app, make_response, request
from flask_login import current_user

from ..domain import library

MAX_AGE = 60


@functools.lru_cache(maxsize=1)
def _release() -> str:
    try:
        return metadata.version("awards")
    except metadata.PackageNotFoundError:  # running from a checkout that is not installed
        return "dev"


def public_etag() -> str:
    parts = (library.fingerprint(), request.full_path, _release(), current_app.config["BASE_URL"])
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _signed_in() -> bool:
    try:
        return bool(current_user.is_authenticated)
    except Exception:  # be cautious: treat as signed in, so nothing is cached
        return True


def public_cache(view):
    """Cache headers and 304s for a public GET view, for anonymous readers only."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if request.method not in ("GET", "HEAD") or _signed_in():
            return view(*args, **kwargs)
        etag = public_etag()
        if request.if_none_match.contains_weak(etag):
            response = current_app.response_class(status=304)
        else:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
        response.set_etag(etag, weak=True)
        response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
        response.vary.add("Cookie")
        return response
    return wrapped
