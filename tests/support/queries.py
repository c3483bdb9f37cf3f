"""Counting the SQL a piece of code runs."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa

from awards.extensions import db


@contextlib.contextmanager
def recorded_queries():
    """The SQL statements run inside the block, as a list that fills as they run."""
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before_cursor_execute)


@contextlib.contextmanager
def counting_queries():
    """The number of SQL statements run inside the block, in {"n": …}."""
    counted = {"n": 0}

    def count(*_args, **_kwargs):
        counted["n"] += 1

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
