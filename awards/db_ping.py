"""A pooled PostgreSQL connection is checked before use only when it has lain idle.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` before every checkout: on deadline night that was one more round trip
to PostgreSQL for every request (two for a signed-in page, whose data version is read on a short checkout of its own:
5–6% of the app servers' time in a profile, and as much again in PostgreSQL's). Connections in use are rarely dead;
one that has lain unused for a while may be (PostgreSQL restarted, a firewall dropped it). So a connection is pinged
before use when it has not been used for `PING_AFTER_IDLE` seconds (a fresh one never); a failed ping makes the pool
open a new one. A connection that dies while in steady use fails its request once (the 503 page, awards/errors.py):
through the session SQLAlchemy then drops every pooled connection made before it; a dead one met first by the data
version's short read (awards/models/versions.py) is dropped alone, so after PostgreSQL restarts each connection used
in the last seconds may fail one request.
"""

from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

PING_AFTER_IDLE = 10.0  # seconds
_LAST_USED = "awards.last_used"


def ping_when_idle(engine: Engine, after: float = PING_AFTER_IDLE) -> None:
    """Check the engine's pooled connections before use only after `after` seconds unused (once per engine; the
    listeners stay with the pool when it is recreated)."""
    if engine.dialect.name != "postgresql" or getattr(engine, "_awards_ping_when_idle", False):
        return
    engine._awards_ping_when_idle = True  # type: ignore[attr-defined]

    def checked_out(dbapi_connection, record, _proxy) -> None:
        last = record.info.get(_LAST_USED)
        if last is not None and time.monotonic() - last < after:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:  # the pool drops it and opens another
            raise exc.DisconnectionError(f"the connection did not answer after lying idle: {error}") from error
        record.info[_LAST_USED] = time.monotonic()

    event.listen(engine.pool, "connect", _note_use)
    event.listen(engine.pool, "checkin", _note_use)
    event.listen(engine.pool, "checkout", checked_out)


def _note_use(_dbapi_connection, record) -> None:
    if record is not None:
        record.info[_LAST_USED] = time.monotonic()
