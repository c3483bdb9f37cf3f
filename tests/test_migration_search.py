"""Migration f7c2a9d4e801 (full-text search of the impact cases) on a database that already holds cases, on
SQLite and on PostgreSQL: the cases there are found by their words at once (stemmed), a case added or
changed afterwards is kept in step by the database; going back drops the search objects and keeps every
case, and going forward again builds them anew."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import event
from sqlalchemy.orm import defer

from awards.domain.publishing import impact_cases
from awards.extensions import db
from awards.models import ImpactCase
from tests.support.migrations import database_at, insert_cycle, insert_row

VOTES = "e5ef5a7a3067"
SEARCH = "f7c2a9d4e801"


@pytest.fixture
def cases_database(database_url, make_app, tmp_path):
    """A database of its own migrated to the People's Choice votes, before the search."""
    with database_at(VOTES, database_url, make_app, tmp_path) as app:
        yield app


def _insert_case(conn, tables, cycle: int, number: int, title: str, summary: str) -> int:
    return insert_row(
        conn,
        tables["impact_cases"],
        slug=f"case-{number}",
        cycle_id=cycle,
        category_name="Housing",
        year=2026,
        result="winner",
        title=title,
        summary=summary,
        answers=[],
        partners=[],
        search_text=f"{title} {summary}".lower(),
        published_at=datetime(2026, 3, 1),
        updated_at=datetime(2026, 3, 1),
    )


def _found(words: str) -> list[str]:
    """The slugs the public search finds, read by today's code from a database at the search's revision:
    the impact-case columns later migrations add are left unread (deferred) while it looks."""
    present = {c["name"] for c in sa.inspect(db.engine).get_columns("impact_cases")}
    later = [column.key for column in ImpactCase.__table__.columns if column.name not in present]

    def leave_later_columns_unread(state) -> None:
        reads_cases = state.is_select and state.statement.column_descriptions[0]["expr"] is ImpactCase
        if later and reads_cases:
            state.statement = state.statement.options(*(defer(getattr(ImpactCase, key)) for key in later))

    event.listen(db.session, "do_orm_execute", leave_later_columns_unread)
    try:
        found = impact_cases.find_cases(impact_cases.CaseFilters(q=words))
        return [case.slug for case in found.items]
    finally:
        event.remove(db.session, "do_orm_execute", leave_later_columns_unread)


def _search_objects(conn) -> set[str]:
    inspector = sa.inspect(conn)
    names = {name for name in inspector.get_table_names() if name.startswith("impact_cases_fts")}
    names |= {c["name"] for c in inspector.get_columns("impact_cases") if c["name"] == "search_vector"}
    return names | {i["name"] for i in inspector.get_indexes("impact_cases") if i["name"] == "ix_impact_cases_search"}


def test_the_cases_already_there_are_found_and_going_back_keeps_them(cases_database):
    with db.engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        cycle = insert_cycle(conn, meta.tables["cycles"], status="published")
        _insert_case(conn, meta.tables, cycle, 1, "Housing repairs online", "Tenants of the council book repairs.")
        _insert_case(conn, meta.tables, cycle, 2, "Library cards", "Readers borrow books from home.")

    upgrade(revision=SEARCH)

    assert _found("councils repair") == ["case-1"]
    assert _found("borrowing") == ["case-2"]
    db.session.remove()
    with db.engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        _insert_case(conn, meta.tables, cycle, 3, "Council tax reminders", "Texts before each payment.")
        conn.execute(sa.text("UPDATE impact_cases SET summary = 'Readers stream audiobooks.' WHERE slug = 'case-2'"))
        conn.execute(
            sa.text(
                "UPDATE impact_cases SET search_text = 'library cards readers stream audiobooks' WHERE slug = 'case-2'"
            )
        )
    assert _found("council") == ["case-3", "case-1"]  # the title counts most
    assert _found("audiobook") == ["case-2"] and _found("home") == []
    db.session.remove()

    downgrade(revision=VOTES)

    with db.engine.connect() as conn:
        assert _search_objects(conn) == set()
        assert conn.execute(sa.text("SELECT slug FROM impact_cases ORDER BY slug")).scalars().all() == [
            "case-1",
            "case-2",
            "case-3",
        ]

    upgrade(revision=SEARCH)

    with db.engine.connect() as conn:
        assert _search_objects(conn)
    assert _found("council") == ["case-3", "case-1"]
    db.session.remove()
