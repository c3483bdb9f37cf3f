"""The data version: one value that changes with every transaction that writes, read by the signed-in page
cache (awards/web/personal_cache.py) to tell whether a kept page may still be shown.

`data_versions` holds one row (id 1). Whenever a transaction through any of this process's engines ran an
INSERT, UPDATE or DELETE, its COMMIT is preceded by one statement setting the row's `version` to a new random
number, in the same transaction: a reader sees the new number exactly when it can see the change, in any
worker or on any server sharing the database. The number is random rather than counted, so a value once
replaced never comes back (a restored backup, a counter reset) to make an old page look current.

The statement runs at the last moment (the engine's `commit` event, on the driver's connection), not when
the first write happens: on PostgreSQL the row's lock is then held only while the transaction commits, by a
transaction that waits for nothing else, so it cannot take part in a deadlock; it does put every writing
transaction's commit in one line, one after the other.

The table is not among the models (db.metadata): tests empty every model table between tests, backups
copy them, and neither should carry this row. Until its migration has run (an older database, `flask db
upgrade` on the way there) nothing is written: the table's existence is checked for each engine until it
is found.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

TABLE = "data_versions"
_WRITE = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE|MERGE|WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b)", re.I | re.S)
_DROP = re.compile(r"\s*DROP\b", re.I)
_WROTE = "awards.data_version.wrote"
_KNOWN: set[str] = set()  # engines (by URL) whose database has the table


def _has_table(connection: Connection, cursor) -> bool:
    url = str(connection.engine.url)
    if url in _KNOWN:
        return True
    if connection.dialect.name == "sqlite":
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'data_versions'")
        found = cursor.fetchone() is not None
    else:
        cursor.execute("SELECT to_regclass('data_versions') IS NOT NULL")
        found = bool(cursor.fetchone()[0])
    if found:
        _KNOWN.add(url)
    return found


@event.listens_for(Engine, "after_cursor_execute")
def _note_write(connection, _cursor, statement, _parameters, _context, _executemany):
    if _WRITE.match(statement):
        connection.info[_WROTE] = True
    elif _DROP.match(statement):  # a migration going back, or a database emptied: look for the table again
        _KNOWN.discard(str(connection.engine.url))


@event.listens_for(Engine, "begin")
def _forget_on_begin(connection):
    connection.info.pop(_WROTE, None)


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(connection):
    if connection.invalidated:  # its driver connection is gone (the database went away), and what it noted with it
        return
    connection.info.pop(_WROTE, None)


@event.listens_for(Engine, "commit")
def _move_on(connection):
    """Before a writing transaction commits: a new version, in the same transaction."""
    if not connection.info.pop(_WROTE, False):
        return
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if _has_table(connection, cursor):
            value = secrets.randbits(62)  # an int made here, never input: safe to write into the statement
            cursor.execute(
                f"INSERT INTO data_versions (id, version) VALUES (1, {value}) "  # noqa: S608
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version"
            )
    finally:
        cursor.close()


def wrote_uncommitted(connection: Connection) -> bool:
    """Whether the connection's transaction has written and not committed yet: the version does not show it."""
    return bool(connection.info.get(_WROTE))


def read_version(engine: Engine) -> int | None:
    """The current version (None when the table has no row yet: then nothing is to be kept). Read with the
    driver's cursor on a short checkout of its own, outside any transaction, not through the ORM session (a
    quarter of a kept page's time went on the session's connection and statement machinery)."""
    connection = engine.raw_connection()
    try:
        # On PostgreSQL in autocommit: one round trip, where a transaction would add a BEGIN before it and a
        # ROLLBACK when the connection goes back to the pool (0.39 → 0.15 ms a read here, 0.2 → 0.1 ms of CPU).
        driver = connection.driver_connection if engine.dialect.name == "postgresql" else None
        if driver is not None:
            driver.autocommit = True
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT version FROM data_versions WHERE id = 1")
            row = cursor.fetchone()
            cursor.close()
        finally:
            if driver is not None and not driver.closed:
                driver.autocommit = False
    finally:
        connection.close()
    return int(row[0]) if row is not None else None


def version_in(session) -> int | None:
    """The version as `session`'s transaction sees it, read in that transaction (on SQLite a transaction keeps
    reading what was there when it began, so the version is of the data read beside it). None when the
    transaction has changes of its own, in the session or written: they are not in the version until it commits."""
    if session.new or session.dirty or session.deleted:
        return None
    connection = session.connection()
    if wrote_uncommitted(connection):
        return None
    found = connection.exec_driver_sql(f"SELECT version FROM {TABLE} WHERE id = 1").scalar()  # noqa: S608
    return int(found) if found is not None else None
