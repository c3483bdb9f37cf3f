"""Migration d8a2c4e6f701 (round suggestion sizes) on a database holding suggestions recorded only in the
audit log, on SQLite and on PostgreSQL: each round gets the numbers of its latest suggestion, a round never
suggested keeps none, the audit records are exactly as they were; going back drops the column and keeps
the audit records."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from awards.extensions import db
from tests.support.migrations import database_at, insert_cycle, insert_row

ROUNDS = "c5d7e9f1a301"
SIZES = "d8a2c4e6f701"
SUGGESTED = "round.advancement_suggested"


@pytest.fixture
def rounds_database(database_url, make_app, tmp_path):
    """A database of its own migrated to judging rounds, before the suggestion sizes."""
    with database_at(ROUNDS, database_url, make_app, tmp_path) as app:
        yield app


def _audit(conn, table: sa.Table, action: str, object_id: str, detail: dict, minute: int) -> int:
    return insert_row(
        conn,
        table,
        at=datetime(2026, 5, 1, 9, minute),
        action=action,
        object_type="judging_rounds",
        object_id=object_id,
        detail=detail,
    )


def _fill_suggestions(conn) -> dict[str, int]:
    """A cycle of three rounds with two categories: round 1 suggested twice (other numbers the second
    time), round 2 once with a key that is no category number, round 3 never; a suggestion of a round
    since deleted and another action on round 3. The ids put in."""
    meta = sa.MetaData()
    meta.reflect(conn)
    t = meta.tables
    cycle = insert_cycle(conn, t["cycles"])
    a = insert_row(conn, t["categories"], cycle_id=cycle, name="Category A", slug="a", shortlist_size=5)
    b = insert_row(conn, t["categories"], cycle_id=cycle, name="Category B", slug="b", shortlist_size=5)
    ids = {"a": a, "b": b}
    for number in (1, 2, 3):
        ids[f"round{number}"] = insert_row(
            conn,
            t["judging_rounds"],
            cycle_id=cycle,
            number=number,
            name=f"Round & {number}",
            entries="eligible" if number == 1 else "advanced",
            mode="pass_fail",
            ranking_method="borda",
            aggregation_method="mean",
            ranking_basis="normalised",
        )
    events = t["audit_events"]
    first, second = str(ids["round1"]), str(ids["round2"])
    _audit(conn, events, SUGGESTED, first, {"number": 1, "sizes": {str(a): 3, str(b): 4}, "advanced": 7}, 1)
    _audit(conn, events, SUGGESTED, second, {"number": 2, "sizes": {str(a): 2, "x": 9}, "advanced": 2}, 2)
    _audit(conn, events, SUGGESTED, first, {"number": 1, "sizes": {str(a): 1, str(b): 0}, "advanced": 1}, 3)
    _audit(conn, events, SUGGESTED, "999999", {"number": 4, "sizes": {str(a): 6}, "advanced": 6}, 4)
    _audit(conn, events, "round.changed", str(ids["round3"]), {"number": 3, "sizes": {str(a): 8}}, 5)
    return ids


def _audit_rows(conn) -> list[tuple]:
    rows = conn.execute(
        sa.text("SELECT id, action, object_type, object_id, detail FROM audit_events ORDER BY id")
    ).all()
    return [tuple(row) for row in rows]


def _kept_sizes(conn) -> dict[int, object]:
    table = sa.table("judging_rounds", sa.column("id", sa.Integer()), sa.column("suggestion_sizes", sa.JSON()))
    return dict(conn.execute(sa.select(table.c.id, table.c.suggestion_sizes)).all())


def test_each_round_keeps_the_numbers_of_its_latest_suggestion(rounds_database):
    with db.engine.begin() as conn:
        ids = _fill_suggestions(conn)
    with db.engine.connect() as conn:
        audit_before = _audit_rows(conn)

    upgrade(revision=SIZES)

    a, b = str(ids["a"]), str(ids["b"])
    with db.engine.connect() as conn:
        assert _kept_sizes(conn) == {
            ids["round1"]: {a: 1, b: 0},  # the second suggestion, not the first
            ids["round2"]: {a: 2},  # the key that is no category's number left out
            ids["round3"]: None,  # never suggested (another action does not count)
        }
        assert _audit_rows(conn) == audit_before

    # The app (at the head revision: its models read every column since) reads the numbers from the round:
    # category B's 0 from the latest suggestion, not its shortlist.
    upgrade()
    from awards.domain.results import advancing
    from awards.models import JudgingRound

    first = db.session.get(JudgingRound, ids["round1"])
    third = db.session.get(JudgingRound, ids["round3"])
    assert advancing.suggestion_sizes(first) == {ids["a"]: 1, ids["b"]: 0}
    assert advancing.suggestion_sizes(third) == {ids["a"]: 5, ids["b"]: 5}
    db.session.remove()

    downgrade(revision=ROUNDS)

    with db.engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("judging_rounds")}
        assert "suggestion_sizes" not in columns
        assert conn.execute(sa.text("SELECT COUNT(*) FROM judging_rounds")).scalar() == 3
        assert _audit_rows(conn) == audit_before
