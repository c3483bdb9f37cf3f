"""A pooled PostgreSQL connection is checked before use only when it has lain idle (awards/db_ping.py): one that
died while idle is replaced without an error; one in steady use is not pinged, and if it dies, that one use fails
and the next gets a new connection."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from awards.db_ping import ping_when_idle


@pytest.fixture
def engine(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite's connections are files, never dropped")
    made = sa.create_engine(database_url, pool_size=1, max_overflow=0)
    yield made
    made.dispose()


def _backend(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def _end(engine, pid: int) -> None:
    killer = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    with killer.connect() as connection:
        assert connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    killer.dispose()


def test_a_connection_that_died_while_idle_is_replaced_without_an_error(engine):
    ping_when_idle(engine, after=0.0)  # every connection counts as idle
    first = _backend(engine)
    _end(engine, first)
    second = _backend(engine)  # pinged, found dead, replaced: no error
    assert second != first


def test_a_connection_in_steady_use_is_not_pinged_and_fails_once_if_it_dies(engine):
    ping_when_idle(engine, after=3600.0)
    first = _backend(engine)
    _end(engine, first)
    with Session(engine) as session:  # as a request uses it
        with pytest.raises(sa.exc.OperationalError):  # not pinged: its death shows in this one use
            session.execute(sa.text("SELECT pg_backend_pid()"))
        session.rollback()
    assert _backend(engine) != first  # the pool dropped it: the next use gets a new one
