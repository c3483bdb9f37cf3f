"""The fast path: an anonymous reader's request for a public page the page cache holds, answered before Flask.

A WSGI middleware in front of the app (`init_fast_path`). For a GET or HEAD with no session or remember-me
cookie, it works out what the page cache's key would be (host, script root, the address in its kept form, the
language) from the request alone; when it holds an answer for that key, it reads the public pages' version
(`caching.FingerprintReader`: on a quiet database one cheap statement, see there; plus the votes' phase, kept
in memory) and, when the answer was made under that version, sends it: the 304 the normal path sent when
`If-None-Match` names its ETag (as the normal path, whether or not the page is still kept), else, while its page
is still in the page cache (neither dropped nor `MAX_AGE` old), the same status, headers and body the normal
path sent for that page's last hit; either with this request's own `X-Request-ID` and `Cache-Control` (the
`max-age` runs to the next vote instant). No request context is pushed: no session is opened, no user loaded,
no CSRF token, no before- or after-request function runs.

Anything else goes through the app unchanged. The answers are made from what the normal path sends: when
`public_cache` serves a page from the page cache (or a 304) it marks the request (`PageMark`: the version, the
ETag, and the key it used), and this middleware keeps the response as sent, under its own key, only if that
key is the one the view used, the response sets no cookie, and the page cache still holds the page under the
same version. So the fast path never answers a request the normal path would not have answered from the cache
with those very bytes, and it is never fresher or staler than the page cache itself: the version is read on
every request, as the normal path reads it, and a change of version drops every answer with the pages.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host

from awards.domain.core import clock
from awards.i18n import LANGUAGE_COOKIE, default_language, enabled_languages, usable
from awards.web import caching

# Headers that belong to one request: made afresh for each answer.
_REQUEST_ID = "x-request-id"
_CACHE_CONTROL = "cache-control"


class _Request:
    """What the fast path reads of one request, parsed as Flask would parse it (the app's request class)."""

    __slots__ = ("app", "request", "host", "root", "path", "cookie_language")

    def __init__(self, app: Flask, request, host: str, path: str, cookie_language: str | None) -> None:
        self.app, self.request, self.host, self.path = app, request, host, path
        self.root = request.script_root
        self.cookie_language = cookie_language

    def key(self, api: bool) -> tuple:
        if api:
            language = self.cookie_language or usable(
                self.request.accept_languages.best_match(enabled_languages(self.app)), self.app
            )
        else:
            language = self.cookie_language
        return ("api" if api else "page", self.host, self.root, self.path, language or default_language(self.app))


def request_id(environ: dict) -> str:
    """The request's id as `security._request_context` makes it: the client's, if short and plain, else new."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    if 0 < len(given) <= 36 and all(c.isalnum() or c == "-" for c in given):
        return given
    return str(uuid.uuid4())


class FastPublicPages:
    """The WSGI middleware (see the module's docstring)."""

    def __init__(self, wsgi_app, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.people_cookies = (
            app.config["SESSION_COOKIE_NAME"],
            app.config.get("REMEMBER_COOKIE_NAME") or "remember_token",
        )

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        reading = self._reading(environ)
        if reading is None:
            return self.wsgi_app(environ, start_response)
        try:
            sent = self._answer(environ, start_response, reading)
        except DBAPIError:  # the database is not answering: the app says so (its 503 page)
            sent = None
        if sent is not None:
            return sent
        return self._through(environ, start_response, reading)

    def _reading(self, environ) -> _Request | None:
        """The request as the fast path needs it, or None when it is not for the fast path at all."""
        request = self.app.request_class(environ)
        cookies = request.cookies
        if any(name in cookies for name in self.people_cookies):
            return None
        try:
            host = get_host(environ, self.app.config["TRUSTED_HOSTS"])
        except SecurityError:
            return None
        path = request.path
        if request.args:
            pairs = list(request.args.items(multi=True))
            if len(pairs) != len(request.args):
                return None
            path += "?" + urlencode(sorted(pairs))
        return _Request(self.app, request, host, path, usable(cookies.get(LANGUAGE_COOKIE), self.app))

    def _answer(self, environ, start_response, reading: _Request):
        cache: caching.PageCache | None = self.app.extensions.get(caching.EXTENSION_KEY)
        if cache is None or not cache.has_answers():
            return None
        key = reading.key(api=False)
        if not cache.has_answer(key):
            key = reading.key(api=True)
            if not cache.has_answer(key):
                return None
        version = self._version()
        if version is None:
            return None
        version, until_next = version
        answer = cache.answer(key, version)
        if answer is None:
            return None
        if reading.request.if_none_match.contains_weak(answer.etag):
            # As the normal path: a 304 for the ETag of this version, whether or not the page is still kept.
            if answer.not_modified is None:
                return None  # not yet seen: the app answers, and the 304 it sends is kept
            status, template, body = "304 NOT MODIFIED", answer.not_modified, b""
        elif answer.headers is None or answer.body is None or not cache.page_kept(answer.etag):
            return None  # the app builds it again (or serves it), and its next hit is kept
        else:
            status, template, body = "200 OK", answer.headers, answer.body
        per_request = {
            _REQUEST_ID: request_id(environ),
            _CACHE_CONTROL: f"public, max-age={caching.max_age_until(until_next)}",
        }
        headers = [(name, per_request.get(name.lower(), value)) for name, value in template]
        start_response(status, headers)
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    def _version(self) -> tuple[str, float | None] | None:
        """The public pages' version and the seconds to the next vote instant, as `caching.public_version` reads
        them; None when that needs the app (another database, or the votes not yet read for this fingerprint)."""
        reader: caching.FingerprintReader | None = self.app.extensions.get(caching.READER_KEY)
        keeper: caching.VoteInstants | None = self.app.extensions.get(caching.VOTES_KEY)
        if reader is None or keeper is None or reader.kind not in ("sqlite", "postgresql"):
            return None
        fingerprint = reader.fingerprint()
        instants = keeper.known(fingerprint)
        if instants is None:
            return None
        if not instants:
            return fingerprint, None
        passed, until_next = caching.phase_of(instants, clock.utcnow())
        return caching.version_with_phase(fingerprint, passed), until_next

    def _through(self, environ, start_response, reading: _Request):
        """The app answers; a page it served from the page cache is kept as sent, for the next reader."""
        sent: dict = {}

        def keep_start(status, headers, exc_info=None):
            sent["status"], sent["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, keep_start)
        mark: caching.PageMark | None = environ.get(caching.MARK)
        if mark is None:
            return body
        key = reading.key(api=mark.api)
        headers = sent.get("headers") or []
        if key != ("api" if mark.api else "page", mark.host, mark.root, mark.path, mark.language) or any(
            name.lower() == "set-cookie" for name, _value in headers
        ):
            return body
        cache: caching.PageCache = self.app.extensions[caching.EXTENSION_KEY]
        status = sent.get("status", "")
        if mark.outcome == "hit" and status == "200 OK" and environ["REQUEST_METHOD"] == "GET":
            try:
                data = b"".join(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
            cache.keep_answer(key, mark.version, mark.etag, headers=tuple(headers), body=data)
            return [data]
        if mark.outcome == "revalidated" and status.startswith("304"):
            cache.keep_answer(key, mark.version, mark.etag, not_modified=tuple(headers))
        return body


def init_fast_path(app: Flask) -> None:
    """Put the fast path in front of the app (outermost: it runs before anything else)."""
    app.wsgi_app = FastPublicPages(app.wsgi_app, app)  # type: ignore[method-assign]
