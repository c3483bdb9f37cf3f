"""Worlds built once per test process and database, then restored row for row for each test that asks.

The access matrix and the tests generated from it (CSRF, page bounds, form fuzzing, id tampering) each need the
same world: three cycles, a dozen people, nominations, a review, published cases, a vote. Built through the
factories it costs about a second of a test's time, for each of several hundred tests. `kept_world(name, build)`
runs `build()` the first time in a process on a database, then reads back every row of every table and every file in
upload storage; each later test gets the same rows inserted with the same ids (one INSERT per table) and the same
files written, and the values `build()` returned.

What makes this safe:

- A world is kept only when it was built on empty tables, so what is read back is exactly what `build()` made, and
  restored only on empty tables.
- `build()` returns plain values (text, numbers), rows (ORM objects) and lists, dicts and namespaces of them: a
  row is kept as its class and primary key and loaded again in the test's own session.
- Anything else that could differ falls back to building: tables that already hold rows when the world is asked for
  (another fixture made something first) mean `build()` runs on them and nothing is kept or restored.
- The ids are the built ones. Identity sequences (PostgreSQL) only move on, so rows a test adds get new ids; on
  SQLite a new row takes the next id after the largest, as it did after the build.
- Caches inside the app that outlive a test are emptied after each test (the page cache), keyed by a value every
  writing transaction changes (the data version: a new random number, so the signed-in pages kept before are not
  shown after a restore) or keyed by content the restore brings back exactly (the public pages' fingerprint, a
  form's version, kept page fragments): a hit on those holds what the restored rows say. A test that changed such
  content behind the ORM with plain SQL, leaving the key as it was, would see the old answer; none does.
- Timestamps are the build's, so a world is restored only within `FRESH` of when it was built by the clock the test
  runs on: a test that has travelled in time (time_machine) before asking gets a world built at its time, and a
  world built by such a test is not restored into another's present. Past `FRESH` the world is built and kept again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.extensions import db


@dataclass(frozen=True)
class _Kept:
    rows: tuple[tuple[sa.Table, tuple[dict, ...]], ...]
    files: tuple[tuple[str, bytes], ...]
    values: Any
    built_at: datetime


FRESH = timedelta(minutes=5)


_KEPT: dict[tuple[str, str], _Kept] = {}
_PLAIN = (str, int, float, bool, type(None))


def kept_world(name: str, build: Callable[[], Any], storage) -> Any:
    """`build()`'s values, with the rows and files it made: built on first use in this process on this database,
    restored after. `storage` is the test's upload storage (tests/conftest.py's `storage` fixture)."""
    if not _tables_are_empty():
        return build()
    key = (db.engine.url.render_as_string(hide_password=False), name)
    kept = _KEPT.get(key)
    now = utcnow()
    if kept is None or abs(now - kept.built_at) > FRESH:
        values = build()
        db.session.commit()
        files = tuple((n, storage.read(n)) for n in storage.names())
        _KEPT[key] = _Kept(_read_rows(), files, _freeze(values), now)
        return values
    connection = db.session.connection()
    for table, rows in kept.rows:
        connection.execute(table.insert(), list(rows))
    db.session.commit()
    for file_name, data in kept.files:
        storage.write(file_name, data)
    return _thaw(kept.values)


@dataclass(frozen=True)
class _Row:
    model: type
    key: tuple


def _each_leaf(values: Any, leaf: Callable[[Any], Any]) -> Any:
    """`values` with `leaf` applied to every value inside its dicts, lists, tuples and namespaces."""
    if isinstance(values, dict):
        return {name: _each_leaf(value, leaf) for name, value in values.items()}
    if isinstance(values, list | tuple):
        return type(values)(_each_leaf(value, leaf) for value in values)
    if isinstance(values, SimpleNamespace):
        return SimpleNamespace(**_each_leaf(vars(values), leaf))
    return leaf(values)


def _kept_value(value: Any) -> Any:
    """A plain value as it is; a row as its class and primary key."""
    if isinstance(value, _PLAIN):
        return value
    state = sa.inspect(value, raiseerr=False)
    assert state is not None and state.mapper is not None, f"a kept world cannot keep {value!r}"
    return _Row(type(value), state.identity)


def _restored_value(value: Any) -> Any:
    """A kept row loaded in the test's session; a plain value as it is."""
    return db.session.get(value.model, value.key) if isinstance(value, _Row) else value


def _freeze(values: Any) -> Any:
    return _each_leaf(values, _kept_value)


def _thaw(values: Any) -> Any:
    return _each_leaf(values, _restored_value)


def _columns(table: sa.Table) -> list[sa.Column]:
    return [column for column in table.columns if column.computed is None]


def _read_rows() -> tuple[tuple[sa.Table, tuple[dict, ...]], ...]:
    """Every row of every table. A JSON column's SQL NULL is kept as `null()`, which the JSON type writes as SQL NULL
    again (a plain None would be written as the JSON text `null`)."""
    kept = []
    for table in db.metadata.sorted_tables:
        columns = _columns(table)
        json_nulls = [c.is_(None).label(f"{c.name}__is_null") for c in columns if isinstance(c.type, sa.JSON)]
        statement = sa.select(*columns, *json_nulls).order_by(*table.primary_key.columns)
        rows = []
        for row in db.session.execute(statement).mappings():
            values = {c.name: row[c.name] for c in columns}
            for flag in json_nulls:
                if row[flag.name]:
                    values[flag.name.removesuffix("__is_null")] = sa.null()
            rows.append(values)
        if rows:
            kept.append((table, tuple(rows)))
    db.session.rollback()
    return tuple(kept)


def _tables_are_empty() -> bool:
    tables = db.metadata.sorted_tables
    held = db.session.execute(sa.select(*(sa.select(sa.literal(1)).select_from(t).exists() for t in tables))).one()
    return not any(held)
