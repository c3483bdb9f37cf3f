"""Rows for a database at an old migration revision, whatever its schema is then (the migration tests)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa


def filler(column: sa.Column):
    """A plausible value for a required column of this type."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 1, 1)
    if isinstance(kind, sa.JSON):
        return {}
    return "x"


def insert_row(conn, table: sa.Table, **values) -> int:
    """A row with the given values and a plausible value in every other required column."""
    row = {
        c.name: filler(c) for c in table.columns if not c.nullable and c.server_default is None and not c.primary_key
    }
    row.update(values)
    return conn.execute(table.insert().values(**row)).inserted_primary_key[0]
