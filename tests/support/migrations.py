"""Rows for a database at an old migration revision, whatever its schema is then (the migration tests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from awards.extensions import db


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


def insert_cycle(conn, table: sa.Table, number: int = 0, **values) -> int:
    """A cycle (in judging unless `values` say otherwise), its nominations closed on 1 February 2026, named and
    addressed after `number` (its year 2026 + number), with `values` in its other columns."""
    row = {
        "name": f"Awards & 🏆 {number}",
        "slug": f"awards-{number}",
        "year": 2026 + number,
        "reference_prefix": "PSDA",
        "status": "judging",
        "time_zone": "Europe/London",
        "nominations_open_at": datetime(2026, 1, 1),
        "nominations_close_at": datetime(2026, 2, 1),
        "trends_min": 1,
        "trends_max": 3,
    }
    return insert_row(conn, table, **{**row, **values})


@contextmanager
def database_at(revision: str, database_url: str, make_app, tmp_path) -> Iterator[Flask]:
    """An app on a database of its own, of the kind of the test session's `database_url` (SQLite in
    tmp_path, or a PostgreSQL schema of its own), migrated to `revision`, inside its app context; dropped
    afterwards."""
    engine = None
    if database_url.startswith("sqlite"):
        url = "sqlite:///" + str(tmp_path / "old.db")
    else:
        base = os.environ.get("TEST_DATABASE_URL")
        if not base:
            pytest.skip("PostgreSQL: set TEST_DATABASE_URL")
        schema = f"awards_migration_{os.getpid()}"
        engine = sa.create_engine(base)
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        url = url.render_as_string(hide_password=False)
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    try:
        with app.app_context():
            upgrade(revision=revision)
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if engine is not None:
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()
