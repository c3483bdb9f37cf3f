"""HTTP caching and an in-process cache for the public pages, the feed and the open data API.

Anonymous readers get `Cache-Control: public, max-age=60` and a weak ETag made from what the
pages show (impact cases, cycles, trends: see `impact_cases.fingerprint`), the request's URL and
the release, so a conditional request is answered 304 without building the page. Signed-in
people get the full response and the security layer's `no-store` (their pages carry their
name and a sign-out form); `Vary: Cookie` keeps a shared cache from serving one to the other.

Each process also keeps the pages it built for anonymous readers (body, status and the view's
headers) in a small LRU cache keyed by that ETag, so a page is built once per change of the
library and then served from memory. The fingerprint is read from the database on every
request (`FingerprintReader`: on a database nobody wrote to since, one statement that costs
about `SELECT 1`), so a publication made in another gunicorn worker, or on another server,
is seen on the next request: the key changes and the old entries are dropped. An anonymous
reader's hit is answered before Flask by the fast path (`awards/web/fast_path.py`), from what
this module's hits sent and under the same version. As a backstop
for a change the fingerprint cannot see (SQL run outside the app), no entry is served once it
is `MAX_AGE` seconds old, by the clock in `domain/core/clock.py`.

Only addresses whose query has nothing but the arguments the view reads (each once) are kept,
under the address with its arguments sorted; any other query (`?x=1`) gets the page built
afresh (`X-Cache: bypass`), so junk addresses cannot push useful pages out. A page is only
kept when building it touched nothing personal: no flashed message, no new cookie, no change
to the session. Cached pages carry no per-request value (the CSP allows the inline script by
its hash, see `security.py`), which is what makes reusing a body safe.

People's Choice votes open and close at instants that pass without any write, so the fingerprint
alone cannot see them. Each process keeps every vote's opening and closing instants with the
fingerprint they were read under (read again only when it changes: a vote added, moved, closed
early or withdrawn moves its cycle's `updated_at`, see `impact_cases.install_freshness`); the
number of those instants already past (the "phase") is part of the key and the ETag, so a page
built while a vote was open is never served after its close, and no request after the first of a
fingerprint pays a query for it. The HTTP max-age never runs past the next instant either.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import functools
import hashlib
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from importlib import metadata
from urllib.parse import urlencode

from flask import Flask, current_app, g, make_response, request, session
from flask.globals import request_ctx
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from awards.domain.core import clock
from awards.domain.publishing import impact_cases
from awards.extensions import db
from awards.i18n import current_language
from awards.models import PublicVote
from awards.security import signed_in

# Seconds: the HTTP max-age, and the most an entry of the page cache is served for.
MAX_AGE = 60
EXTENSION_KEY = "awards.public_page_cache"
# Headers that belong to one response only; everything else the view set is kept with the body.
_NOT_KEPT = frozenset({"set-cookie", "content-length", "etag", "cache-control", "vary", "x-cache"})


@functools.lru_cache(maxsize=1)
def _release() -> str:
    try:
        return metadata.version("awards")
    except metadata.PackageNotFoundError:  # running from a checkout that is not installed
        return "dev"


# PostgreSQL: the statement's snapshot, and the fingerprint (an md5 of impact_cases' rows, made by the server) only
# when the snapshot is not the one given: one round trip, and no more work than `SELECT 1` while nothing changed.
_POSTGRES_VERSION_SQL = (
    "SELECT now_seen.snapshot, CASE WHEN now_seen.snapshot = %(seen)s THEN NULL ELSE "
    "(SELECT md5(string_agg(shown::text, '|' ORDER BY shown.kind, shown.id)) FROM ({fingerprint}) AS shown) END "
    "FROM (SELECT {snapshot}()::text AS snapshot) AS now_seen"
)


@dataclasses.dataclass
class _Reading:
    """One connection of a `FingerprintReader`, with what it last saw: the database's change marker (SQLite's
    data_version, PostgreSQL's snapshot) and the fingerprint read under it."""

    connection: object
    seen: object = None
    fingerprint: str | None = None
    prepared: bool = False  # psycopg 3: the statement is prepared on this connection


_PREPARED = b"awards_public_version"


def _checked(result):
    """A libpq result that is not a success, as the driver's error (so the reader replaces the connection)."""
    from psycopg import OperationalError, pq

    if result.status not in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        message = (result.error_message or b"no answer").decode(errors="replace")
        raise OperationalError(f"reading the public pages' version: {message}")
    return result


class FingerprintReader:
    """The library's fingerprint (what `impact_cases.fingerprint` reads), read cheaply on connections of its own.

    `impact_cases.fingerprint` checks a connection out of the pool on every request (on PostgreSQL a ping and a
    `ROLLBACK` when it goes back) and reads every row it hashes. This keeps a few connections outside the pool,
    in autocommit, and first asks the database whether anything was committed since the fingerprint it holds:

    - SQLite: `PRAGMA data_version` on the reader's own connection changes when any other connection (in this
      process or another) commits to the file; the rows are read again only then. Read before the rows, so a
      commit in between shows on the next call.
    - PostgreSQL: the statement's snapshot (`pg_current_snapshot()`: the oldest running transaction, the next
      one, those in progress) is unchanged only if no transaction ended in between, anywhere on the server; the
      same statement hashes the rows only when it changed (under that very snapshot), so a call costs one round
      trip, and on a quiet database no more than `SELECT 1`. A commit on another server moves the snapshot of
      every later statement, so another server's publication is seen on the next call.
    - Any other database: `impact_cases.fingerprint`.

    A connection is used by one request at a time (a small stack of idle ones, for threaded servers), made in
    the process that uses it (a fork starts afresh), replaced after an error (the call is tried once more on a
    new one), and closed when the engine is disposed.
    """

    IDLE = 8

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.kind = engine.dialect.name
        self._sql = impact_cases._fingerprint_sql(engine.dialect)  # the same statement, not a copy
        self._idle: list[_Reading] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._postgres_sql: str | None = None
        event.listen(engine, "engine_disposed", self._engine_disposed)

    def fingerprint(self) -> str:
        if self.kind not in ("sqlite", "postgresql"):
            return impact_cases.fingerprint()
        reading = self._take()
        try:
            value = self._read(reading)
        except self.engine.dialect.loaded_dbapi.Error as error:
            self._discard(reading)
            if reading.fingerprint is None:  # a new connection failed: the database is not answering
                raise DBAPIError.instance(self._sql, None, error, self.engine.dialect.loaded_dbapi.Error) from error
            return self.fingerprint()  # an old connection failed (a restart): once more, on a new one
        self._give_back(reading)
        return value

    def _read(self, reading: _Reading) -> str:
        if self.kind == "sqlite":
            self._read_sqlite(reading)
        elif hasattr(reading.connection, "pgconn"):
            self._read_postgres_prepared(reading)
        else:
            self._read_postgres(reading)
        assert reading.fingerprint is not None  # noqa: S101 (a first read always hashes the rows)
        return reading.fingerprint

    def _read_sqlite(self, reading: _Reading) -> None:
        cursor = reading.connection.cursor()  # type: ignore[attr-defined]
        try:
            cursor.execute("PRAGMA data_version")
            seen = cursor.fetchone()[0]
            if seen != reading.seen or reading.fingerprint is None:
                cursor.execute(self._sql)
                rows = cursor.fetchall()
                reading.fingerprint = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()[:32]
                reading.seen = seen
        finally:
            cursor.close()

    def _read_postgres(self, reading: _Reading) -> None:
        cursor = reading.connection.cursor()  # type: ignore[attr-defined]
        try:
            cursor.execute(self._postgres_statement(reading), {"seen": reading.seen})
            seen, fingerprint = cursor.fetchone()
        finally:
            cursor.close()
        if fingerprint is not None or reading.fingerprint is None:
            reading.fingerprint = fingerprint
        reading.seen = seen

    def _read_postgres_prepared(self, reading: _Reading) -> None:
        """psycopg 3: the statement prepared once per connection and run through libpq itself (`pgconn`), which
        costs the process a quarter of the CPU of a cursor's execute (the same SQL, its parameter as `$1`)."""
        pgconn = reading.connection.pgconn  # type: ignore[attr-defined]
        if not reading.prepared:
            sql = self._postgres_statement(reading).replace("%(seen)s", "$1")
            _checked(pgconn.prepare(_PREPARED, sql.encode()))
            reading.prepared = True
        result = _checked(pgconn.exec_prepared(_PREPARED, [reading.seen]))
        seen, fingerprint = result.get_value(0, 0), result.get_value(0, 1)
        if fingerprint is not None or reading.fingerprint is None:
            reading.fingerprint = fingerprint.decode()
        reading.seen = seen

    def _postgres_statement(self, reading: _Reading) -> str:
        if self._postgres_sql is None:
            cursor = reading.connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("SHOW server_version_num")
            modern = int(cursor.fetchone()[0]) >= 130000
            cursor.close()
            self._postgres_sql = _POSTGRES_VERSION_SQL.format(
                fingerprint=self._sql, snapshot="pg_current_snapshot" if modern else "txid_current_snapshot"
            )
        return self._postgres_sql

    def _take(self) -> _Reading:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's connections are not ours to use (nor to close)
                self._idle, self._pid = [], os.getpid()
            if self._idle:
                return self._idle.pop()
        proxied = self.engine.raw_connection()  # made by the engine (its connect events run), then detached
        proxied.detach()
        connection = proxied.dbapi_connection
        if self.kind == "sqlite":
            connection.isolation_level = None  # type: ignore[union-attr]
        else:
            connection.rollback()  # type: ignore[union-attr]
            connection.autocommit = True  # type: ignore[union-attr]
        return _Reading(connection)

    def _give_back(self, reading: _Reading) -> None:
        with self._lock:
            if len(self._idle) < self.IDLE and self._pid == os.getpid():
                self._idle.append(reading)
                return
        self._discard(reading)

    @staticmethod
    def _discard(reading: _Reading) -> None:
        try:
            reading.connection.close()  # type: ignore[attr-defined]
        except Exception:  # noqa: S110 (already broken: nothing more to do with it)
            pass

    def _engine_disposed(self, _engine: Engine) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for reading in idle:
            self._discard(reading)


READER_KEY = "awards.fingerprint_reader"


def fingerprint_reader(app: Flask | None = None) -> FingerprintReader:
    app = app or current_app
    reader = app.extensions.get(READER_KEY)
    if reader is None or reader.engine is not db.engine:
        reader = app.extensions[READER_KEY] = FingerprintReader(db.engine)
    return reader


@dataclasses.dataclass(frozen=True)
class CachedPage:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stored_at: datetime | None = None


@dataclasses.dataclass(frozen=True)
class Answer:
    """What the fast path sends for one key (awards/web/fast_path.py): the page as the normal path sent it (status
    200: its headers and body), and its 304 once one went through; either may be missing."""

    etag: str
    headers: tuple[tuple[str, str], ...] | None = None
    body: bytes | None = None
    not_modified: tuple[tuple[str, str], ...] | None = None


class PageCache:
    """A thread-safe LRU of built pages, bounded in entries, in the size of one body and in age.

    Entries are keyed by ETag, which already includes the library's fingerprint; when a request
    sees a new fingerprint, every entry built from an older one is dropped at once (they could
    never be asked for again) rather than left to age out. An entry older than `max_age`
    seconds (or stored "later" than now: the clock went back) is not served.
    """

    def __init__(self, max_entries: int, max_body_bytes: int, max_age: float = MAX_AGE) -> None:
        self.max_entries = max_entries
        self.max_body_bytes = max_body_bytes
        self.max_age = max_age
        self._entries: OrderedDict[str, CachedPage] = OrderedDict()
        # The fast path's answers (awards/web/fast_path.py), by what it can tell of a request before Flask sees
        # it; each stands for the entry of its ETag here, and is served only while that entry is.
        self._answers: OrderedDict[tuple, Answer] = OrderedDict()
        self._version: str | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def observe(self, version: str) -> None:
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._answers.clear()
                self._version = version

    def get(self, key: str) -> CachedPage | None:
        now = clock.utcnow()
        with self._lock:
            return self._current(key, now)

    def _current(self, key: str, now: datetime) -> CachedPage | None:
        page = self._entries.get(key)
        if page is None:
            return None
        if page.stored_at is None or not 0 <= (now - page.stored_at).total_seconds() < self.max_age:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return page

    def has_answers(self) -> bool:
        return bool(self._answers)

    def has_answer(self, key: tuple) -> bool:
        return key in self._answers

    def answer(self, key: tuple, version: str) -> Answer | None:
        """The fast path's answer kept under `key`, if it was made under `version`."""
        if version != self._version:
            return None
        answer = self._answers.get(key)
        return answer if answer is not None and version == self._version else None

    def page_kept(self, etag: str) -> bool:
        """Whether the page of this ETag is still kept (not dropped, evicted or `max_age` old): a use of it."""
        now = clock.utcnow()
        with self._lock:
            return self._current(etag, now) is not None

    def keep_answer(self, key: tuple, version: str, etag: str, **parts) -> None:
        """Keep for the fast path what the normal path sent for the page of `etag` under `version`: the page
        (`headers`, `body`; only while this cache holds the page) or its 304 (`not_modified`), beside what is
        kept already for that ETag. Nothing is kept under an older version."""
        with self._lock:
            if version != self._version or ("body" in parts and etag not in self._entries):
                return
            answer = self._answers.get(key)
            if answer is None or answer.etag != etag:
                answer = Answer(etag)
            self._answers[key] = dataclasses.replace(answer, **parts)  # a new object: a reader sees one or the other
            self._answers.move_to_end(key)
            while len(self._answers) > self.max_entries:
                self._answers.popitem(last=False)

    def put(self, key: str, version: str, page: CachedPage) -> None:
        if self.max_entries <= 0 or len(page.body) > self.max_body_bytes:
            return
        page = dataclasses.replace(page, stored_at=clock.utcnow())
        with self._lock:
            if version != self._version:  # the library changed while this page was being built
                return
            self._entries[key] = page
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._answers.clear()
            self._version = None


class VoteInstants:
    """Every People's Choice vote's opening and closing instants, sorted, read once per fingerprint."""

    def __init__(self) -> None:
        self._version: str | None = None
        self._instants: tuple[datetime, ...] = ()
        self._lock = threading.Lock()

    def instants(self, version: str) -> tuple[datetime, ...]:
        if version == self._version:
            return self._instants
        found = tuple(
            sorted(
                instant
                for row in db.session.execute(select(PublicVote.opens_at, PublicVote.closes_at))
                for instant in row
            )
        )
        with self._lock:
            self._version, self._instants = version, found
        return found

    def known(self, version: str) -> tuple[datetime, ...] | None:
        """The instants if they were read under `version`, else None (without reading them)."""
        with self._lock:
            return self._instants if version == self._version else None

    def phase(self, version: str, now: datetime) -> tuple[int, float | None]:
        """How many instants have passed, and the seconds until the next (None if none is to come)."""
        return phase_of(self.instants(version), now)


def phase_of(instants: tuple[datetime, ...], now: datetime) -> tuple[int, float | None]:
    passed = bisect.bisect_right(instants, now)
    if passed == len(instants):
        return passed, None
    return passed, (instants[passed] - now).total_seconds()


def version_with_phase(fingerprint: str, passed: int) -> str:
    """The public pages' version: the fingerprint, and how many vote instants are past (when any is)."""
    return f"{fingerprint}.{passed}" if passed else fingerprint


def max_age_until(until_next: float | None) -> int:
    """The HTTP max-age: MAX_AGE, but never past the next vote instant."""
    return MAX_AGE if until_next is None else max(0, min(MAX_AGE, math.ceil(until_next)))


VOTES_KEY = "awards.vote_instants"


def vote_instants(app: Flask | None = None) -> VoteInstants:
    app = app or current_app
    if VOTES_KEY not in app.extensions:
        app.extensions[VOTES_KEY] = VoteInstants()
    return app.extensions[VOTES_KEY]


def public_version() -> tuple[str, float | None]:
    """What the public pages show, as one string: the library's fingerprint and the phase of the votes
    (see the module's note); and the seconds until that phase ends (None when no vote is to open or close)."""
    fingerprint = fingerprint_reader().fingerprint()
    keeper = vote_instants()
    if not keeper.instants(fingerprint):  # no vote anywhere: nothing more to pay for
        return fingerprint, None
    passed, until_next = keeper.phase(fingerprint, clock.utcnow())
    return version_with_phase(fingerprint, passed), until_next


def init_public_cache(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = PageCache(
        app.config.get("PUBLIC_CACHE_ENTRIES", 256), app.config.get("PUBLIC_CACHE_MAX_BODY_BYTES", 1024 * 1024)
    )


def page_cache(app: Flask | None = None) -> PageCache:
    app = app or current_app
    if EXTENSION_KEY not in app.extensions:
        init_public_cache(app)
    return app.extensions[EXTENSION_KEY]


def public_etag(version: str | None = None, path: str | None = None) -> str:
    parts = (
        version or public_version()[0],
        request.host,
        path or request.full_path,
        current_language(),
        _release(),
        current_app.config["BASE_URL"],
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def cacheable_path(query_args: Iterable[str]) -> str | None:
    """The address to keep this request's page under: its path and its query arguments sorted,
    when the query has only arguments the view reads (`query_args`), each once; else None (the
    page is built for this request and not kept)."""
    args = request.args
    if not args:
        return request.path
    pairs = list(args.items(multi=True))
    if len(pairs) != len(args) or any(name not in query_args for name, _value in pairs):
        return None
    return request.path + "?" + urlencode(sorted(pairs))


# Where `public_cache` leaves a `PageMark` in the WSGI environ for the fast path (awards/web/fast_path.py).
MARK = "awards.page_cache.mark"


@dataclasses.dataclass(frozen=True)
class PageMark:
    """What `public_cache` tells the fast path about a response it served from the page cache (or a 304)."""

    outcome: str  # "hit" or "revalidated"
    version: str
    etag: str
    host: str
    root: str
    path: str  # the address as the page cache keeps it (`cacheable_path`)
    language: str
    api: bool  # the open data API also reads Accept-Language (awards/web/api)


def _mark(outcome: str, version: str, etag: str, path: str) -> None:
    request.environ[MARK] = PageMark(
        outcome, version, etag, request.host, request.script_root, path, current_language(), request.blueprint == "api"
    )


def _personal_session() -> bool:
    """A flashed message waiting to be shown makes the next page personal."""
    return "_flashes" in session


def public_cache(view=None, *, query_args: Iterable[str] = ()):
    """Cache headers, 304s and the in-process page cache for a public GET view, for anonymous readers only.

    `@public_cache` for a view that reads no query argument; `@public_cache(query_args=(...))`
    names the ones it reads: a page whose address has any other is never kept."""
    if view is None:
        return functools.partial(public_cache, query_args=query_args)
    query_args = frozenset(query_args)

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if request.method not in ("GET", "HEAD") or signed_in():
            return view(*args, **kwargs)
        version, until_next = public_version()
        path = cacheable_path(query_args)
        etag = public_etag(version, path)
        cache = page_cache()
        cache.observe(version)
        outcome = "miss" if path is not None else "bypass"
        if request.if_none_match.contains_weak(etag):
            response = current_app.response_class(status=304)
            outcome = "revalidated"
        elif path is not None and not _personal_session() and (page := cache.get(etag)) is not None:
            response = current_app.response_class(page.body, status=page.status, headers=list(page.headers))
            outcome = "hit"
        if path is not None and outcome != "miss":  # for the fast path to answer the next such request itself
            _mark(outcome, version, etag, path)
        else:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
            if not (
                path is None
                or response.is_streamed
                or session.modified
                or "Set-Cookie" in response.headers
                or _personal_session()
            ):
                cache.put(
                    etag,
                    version,
                    CachedPage(
                        response.status_code,
                        tuple((k, v) for k, v in response.headers.items() if k.lower() not in _NOT_KEPT),
                        response.get_data(),
                    ),
                )
        response.set_etag(etag, weak=True)
        max_age = MAX_AGE if until_next is None else max(0, min(MAX_AGE, math.ceil(until_next)))
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
        response.headers["X-Cache"] = outcome
        response.vary.add("Cookie")
        return response

    return wrapped


# What a kept form page holds where its CSRF token was (a token never contains these characters).
TOKEN_HOLE = b"<awards-csrf-token>"


def form_page_cache(view):
    """The in-process page cache for a public page that carries a form (a People's Choice vote page): GET only,
    for anonymous readers only, never in a shared cache.

    Such a page is the same for every reader but for its form's CSRF token, which belongs to the reader's
    session. It is kept with the token cut out (`TOKEN_HOLE`), under a key made as `public_cache`'s is (the
    library's fingerprint and the votes' phase, the address, the release), and each reader served from it gets
    their own session's token put back. It is only kept when building it touched nothing else personal: the
    token is the only change to the session (compared value by value), no flashed message (waiting, or flashed
    and shown while it was built), no other cookie. A query in the address, a signed-in person or a waiting
    flashed message gets the page built afresh. No other cache may keep it (`no-store`: it holds the reader's
    token)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if request.method != "GET" or signed_in() or _personal_session():
            return view(*args, **kwargs)
        path = cacheable_path(())
        if path is None:
            return view(*args, **kwargs)
        version, _until_next = public_version()
        key = "form:" + public_etag(version, path)
        cache = page_cache()
        cache.observe(version)
        page = cache.get(key)
        if page is not None:
            body = page.body
            if TOKEN_HOLE in body:
                body = body.replace(TOKEN_HOLE, generate_csrf().encode())
            response = current_app.response_class(body, status=page.status, headers=list(page.headers))
            response.headers["X-Cache"] = "hit"
            response.headers["Cache-Control"] = "no-store"
            return response
        session_before = copy.deepcopy(dict(session))
        response = make_response(view(*args, **kwargs))
        response.headers["X-Cache"] = "miss"
        response.headers["Cache-Control"] = "no-store"  # the reader's own token: for no other cache
        token = g.get("csrf_token")
        changed = {
            name for name in session.keys() | session_before.keys() if session.get(name) != session_before.get(name)
        }
        if (
            response.status_code == 200
            and not response.is_streamed
            and changed <= {"csrf_token"}
            and "Set-Cookie" not in response.headers  # the session's cookie is added later, by Flask
            and not _personal_session()
            and not request_ctx.flashes  # a message flashed and shown while this page was built
        ):
            body = response.get_data()
            if token:
                body = body.replace(token.encode(), TOKEN_HOLE)
            headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in _NOT_KEPT)
            cache.put(key, version, CachedPage(response.status_code, headers, body))
        return response

    return wrapped
