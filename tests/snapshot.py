"""Every row of every table, to show that a request changed nothing in the database.

    before = snapshot()
    client.post(...)
    assert_unchanged(before, snapshot())

Shared by the access-matrix, tampering and CSRF tests (and anyone else who needs "nothing changed").
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from awards.extensions import db

Snapshot = dict[str, list[tuple]]


def _key(row: tuple) -> tuple:
    # Rows sort by their values as text, so NULLs and mixed types never make sorting fail.
    return tuple("" if v is None else repr(v) for v in row)


def snapshot(exclude: Iterable[str] = ()) -> Snapshot:
    """{table name: its rows, sorted}, for every table in the models' metadata except `exclude`.

    Reads in a fresh transaction (the test's session is rolled back first), so it sees what
    requests committed and nothing a test left pending."""
    skip = set(exclude)
    db.session.rollback()
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        rows = db.session.execute(sa.select(table)).all()
        tables[table.name] = sorted((tuple(r) for r in rows), key=_key)
    db.session.rollback()
    return tables


def changes(before: Snapshot, after: Snapshot) -> dict[str, dict[str, list[tuple]]]:
    """Per changed table, the rows that went and the rows that came (a changed row is both)."""
    found = {}
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name, []), after.get(name, [])
        if old == new:
            continue
        gone = [r for r in old if r not in new]
        came = [r for r in new if r not in old]
        found[name] = {"removed": gone, "added": came}
    return found


def describe(difference: dict[str, dict[str, list[tuple]]], limit: int = 3) -> str:
    """A short account of `changes(...)` for an assertion message."""
    parts = []
    for name, rows in difference.items():
        parts.append(
            f"{name}: -{len(rows['removed'])} +{len(rows['added'])} (e.g. {(rows['added'] or rows['removed'])[:limit]})"
        )
    return "; ".join(parts)


def assert_unchanged(before: Snapshot, after: Snapshot, what: str = "the request") -> None:
    difference = changes(before, after)
    assert not difference, f"{what} changed the database: {describe(difference)}"
