"""Signed-in pages kept per person (issue 19, item 2): `@personal_page` on a GET view.

Building a signed-in page costs 15–50 ms of CPU (the GOV.UK page template and its macros about half, the
ORM the rest; docs/performance.md), and the same person asks for the same page again and again (a judge's
list between score sheets, a nominee's task list between sections). Each process keeps the pages it built
in an LRU, and serves one again while nothing it could show has changed:

- **What the data says**: the key holds the data version (awards/models/versions.py), one value that
  changes with every transaction that writes anything, read from the database on every request (one
  statement): a change made by any worker or server is seen on the next request. Entries of an older
  version are dropped at once.
- **What the time says**: pages change when a cycle opens or closes for nominations, a judging round opens
  or closes, results are published or a vote opens or closes, with no write. The key holds how many of
  those instants have passed (read once per data version), and no entry is served once it is `MAX_AGE`
  seconds old (for words like "3 days left", and SQL run outside the app).
- **Whose page**: the key holds the person's id, their session as it is (but for the minute of their last
  request), the cookies but the session's, the language, the address with its query sorted, the host and
  the release: never another person's page, nor another session's of the same person.
- **What belongs to one response**: the form's CSRF token and what a view names with `per_request` (the
  section page's stash ticket) are cut out of the kept page and made afresh for each response. A page is
  kept only when building it changed nothing in the session but the CSRF token, flashed no message, set no
  cookie and answered 200; a person with a flashed message waiting always gets a freshly built page.

Only GET: a POST (with its error summary, or the two-window conflict page) is always built. The security
layer adds `Cache-Control: no-store` to every signed-in response. `PERSONAL_CACHE_ENTRIES` (256; 0 turns it
off) bounds the entries, `PERSONAL_CACHE_MAX_BODY_BYTES` (256 KB) the size of one: at most 64 MB a process,
about 15 MB with the benchmark's pages (10–80 KB).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from flask import current_app, g, make_response, request, session
from flask.globals import request_ctx
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import null, select, union_all

from awards.domain.core import clock
from awards.domain.core.transaction_memo import forget_kept_answers
from awards.extensions import db
from awards.models import Cycle, JudgingRound, PublicVote
from awards.models.versions import read_version
from awards.security import _SEEN_GRANULARITY as SEEN_GRANULARITY
from awards.security import _SEEN_KEY as SEEN_KEY
from awards.security import parse_session_identifier

MAX_AGE = 60  # seconds an entry is served at most
EXTENSION_KEY = "awards.personal_page_cache"
CSRF_HOLE = b"<awards-personal-csrf>"
_NOT_KEPT = frozenset({"set-cookie", "content-length", "etag", "cache-control", "vary", "x-cache"})
_SESSION_NOT_KEYED = frozenset({SEEN_KEY})  # the minute of the last request


@dataclasses.dataclass(frozen=True)
class KeptPage:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    holes: tuple[tuple[bytes, Callable[[], str]], ...]
    stored_at: datetime


class PersonalCache:
    """A thread-safe LRU of built pages of one data version, bounded in entries, size and age; with the
    instants of that version (sorted) that change pages as they pass."""

    def __init__(self, max_entries: int, max_body_bytes: int, max_age: float = MAX_AGE) -> None:
        self.max_entries, self.max_body_bytes, self.max_age = max_entries, max_body_bytes, max_age
        self._entries: OrderedDict[str, KeptPage] = OrderedDict()
        self._version: int | None = None
        self._instants: tuple[datetime, ...] | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def observe(self, version: int) -> None:
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._version, self._instants = version, None

    def instants(self, version: int) -> tuple[datetime, ...]:
        with self._lock:
            if self._version == version and self._instants is not None:
                return self._instants
        found = tuple(sorted(_instants()))
        with self._lock:
            if self._version == version:
                self._instants = found
        return found

    def get(self, key: str) -> KeptPage | None:
        now = clock.utcnow()
        with self._lock:
            page = self._entries.get(key)
            if page is None:
                return None
            if not 0 <= (now - page.stored_at).total_seconds() < self.max_age:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return page

    def put(self, key: str, version: int, page: KeptPage) -> None:
        if self.max_entries <= 0 or len(page.body) > self.max_body_bytes:
            return
        with self._lock:
            if version != self._version:  # something was written while the page was built
                return
            self._entries[key] = page
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._version, self._instants = None, None


def _instants() -> list[datetime]:
    """Every instant at which a signed-in page may change without a write: cycles opening and closing for
    nominations and publishing results, judging rounds and People's Choice votes opening and closing."""
    every = union_all(  # one statement: read again after every write, so on deadline night before every page
        select(Cycle.nominations_open_at, Cycle.nominations_close_at, Cycle.results_published_at),
        select(JudgingRound.opens_at, JudgingRound.closes_at, null()),
        select(PublicVote.opens_at, PublicVote.closes_at, null()),
    )
    return [instant for row in db.session.execute(every) for instant in row if instant is not None]


def personal_cache(app=None) -> PersonalCache:
    app = app or current_app
    cache = app.extensions.get(EXTENSION_KEY)
    if cache is None:
        cache = app.extensions[EXTENSION_KEY] = PersonalCache(
            int(app.config.get("PERSONAL_CACHE_ENTRIES", 256)),
            int(app.config.get("PERSONAL_CACHE_MAX_BODY_BYTES", 256 * 1024)),
        )
    return cache


def per_request(value: str, make: Callable[[], str]) -> str:
    """Name a value of this response only (a signed ticket with its time, say): a kept page holds a hole
    where it was, and `make()` fills it for each response served from it. Returns the value."""
    g.setdefault("personal_holes", []).append((value, make))
    return value


def _key(version: int, passed: int) -> str:
    """The entry's key: the version and the instants passed, the session as it is (whose it is: its
    `_user_id` is the person's session token and sign-in time), every cookie but the session's (the
    language cookie among them; a signed-in person's own choice of language is data, in the version),
    the host and the address. Made from the request alone, so that `serve_kept` can make it before
    anyone is loaded."""
    cookie_names = {current_app.config.get("SESSION_COOKIE_NAME", "session")}
    cookie_names.add(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    args = sorted(request.args.items(multi=True))
    parts = (
        version,
        passed,
        request.endpoint,
        sorted((k, repr(v)) for k, v in session.items() if k not in _SESSION_NOT_KEYED),
        sorted((k, v) for k, v in request.cookies.items() if k not in cookie_names),
        request.host,
        request.path,
        args,
        current_app.config.get("BASE_URL"),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _served(page: KeptPage):
    body = page.body
    if CSRF_HOLE in body:
        body = body.replace(CSRF_HOLE, generate_csrf().encode())
    for hole, make in page.holes:
        body = body.replace(hole, make().encode())
    response = current_app.response_class(body, status=page.status, headers=list(page.headers))
    response.headers["X-Cache"] = "hit"
    return response


def _keepable(response, session_before: dict) -> bool:
    changed = {k for k in session.keys() | session_before.keys() if session.get(k) != session_before.get(k)}
    return (
        response.status_code == 200
        and not response.is_streamed
        and changed <= {"csrf_token"}
        and "Set-Cookie" not in response.headers
        and "_flashes" not in session
        and not request_ctx.flashes
    )


def _kept(response) -> KeptPage:
    body = response.get_data()
    token = g.get("csrf_token")
    if token:
        body = body.replace(token.encode(), CSRF_HOLE)
    holes = []
    for number, (value, make) in enumerate(g.get("personal_holes", [])):
        hole = f"<awards-personal-hole-{number}>".encode()
        body = body.replace(value.encode(), hole)
        holes.append((hole, make))
    headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in _NOT_KEPT)
    return KeptPage(response.status_code, headers, body, tuple(holes), clock.utcnow())


def _version(cache: PersonalCache) -> tuple[int, int] | None:
    """The data version and how many of its instants have passed (None: nothing may be kept now)."""
    version = read_version(db.engine)
    if version is None:
        return None
    cache.observe(version)
    return version, bisect.bisect_right(cache.instants(version), clock.utcnow())


class _KeptUser:
    """Who a page served by `serve_kept` is for, without loading them: signed in (what the security
    headers ask); anything else loads the person as Flask-Login would and answers from them."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, identifier: str) -> None:
        self._identifier = identifier

    def get_id(self) -> str:
        return self._identifier

    def __getattr__(self, name: str):
        g.pop("_login_user", None)
        current_app.login_manager._load_user()
        return getattr(g._login_user, name)


def serve_kept():
    """Before the session timeouts, the sign-in gates and loading the person (a before_request function,
    installed by `install`): a GET of a `personal_page` view answered from the kept page, when there is
    one for this session, address and version and the session is plainly current (stamped with this
    minute when its last request was in an earlier one, as `security._session_timeouts` does). Anything
    else (a session past its idle or absolute timeout, a remember-me cookie without a session, a
    different browser than the session's, a flashed message) goes the usual way.

    What makes this safe: the entry was built for a request with this very session (the key holds all
    of it but its last-seen minute), after the gates let it through and the person was loaded by the
    session's token; the version is the same, so nothing has been written since: not the person's
    token (signing out everywhere, a password change), their roles, their being disabled, nor anything
    the page shows."""
    if request.method != "GET":
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "personal_page", False):
        return None
    cache = personal_cache()
    identifier = session.get("_user_id")
    seen = session.get("_seen")
    if cache.max_entries <= 0 or not isinstance(identifier, str) or not isinstance(seen, int):
        return None
    if "_flashes" in session:
        return None
    _token, started = parse_session_identifier(identifier)
    now = int(clock.utcnow().timestamp())
    config = current_app.config
    if (
        started is None
        or not 0 <= now - started <= int(config["SESSION_ABSOLUTE_TIMEOUT"])
        or not 0 <= now - seen <= int(config["SESSION_IDLE_TIMEOUT"])
    ):
        return None
    manager = current_app.login_manager
    if manager.session_protection and session.get("_id") != manager._session_identifier_generator():
        return None
    found = _version(cache)
    if found is None:
        return None
    # Kept for the view (a miss): the version was read before anyone or anything was loaded.
    g.personal_version = found
    page = cache.get(_key(*found))
    if page is None:
        return None
    g._login_user = _KeptUser(identifier)
    if now - seen >= SEEN_GRANULARITY:  # as the session timeouts would: the last request's minute, stamped
        session[SEEN_KEY] = now
    return _served(page)


def install(state) -> None:
    """Put `serve_kept` first among the app's before_request functions, once (a blueprint's
    `record_once`, at registration): the security layer later puts the request's id and the host check
    before it; the CSRF check (nothing to check on a GET), the organisers' two-factor enrolment, the
    session timeouts and the gates come after it, as does loading the person."""
    app = state.app
    if app.extensions.get(EXTENSION_KEY + ".installed"):
        return
    app.extensions[EXTENSION_KEY + ".installed"] = True
    app.before_request_funcs.setdefault(None, []).insert(0, serve_kept)


def personal_page(view):
    """Keep the signed-in person's GET page of this view and serve it again while nothing it shows has
    changed (the module's note says how that is told)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        cache = personal_cache()
        if (
            request.method != "GET"
            or cache.max_entries <= 0
            or not current_user.is_authenticated
            or "_flashes" in session
        ):
            return view(*args, **kwargs)
        found = g.pop("personal_version", None)
        if found is None:
            found = _version(cache)
            if found is None:
                return view(*args, **kwargs)
            # What this request loaded or asked before the version was read (the person, in the session's
            # identity map; whether they judge, kept for the transaction) is read again, so that nothing older
            # than the version goes into the page.
            db.session.expire_all()
            forget_kept_answers(db.session())
        version, passed = found
        key = _key(version, passed)
        page = cache.get(key)
        if page is not None:
            return _served(page)
        session_before = dict(session)
        g.personal_holes = []
        response = make_response(view(*args, **kwargs))
        response.headers["X-Cache"] = "miss"
        if _keepable(response, session_before):
            cache.put(key, version, _kept(response))
        return response

    wrapped.personal_page = True
    return wrapped
