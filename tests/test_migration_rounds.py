"""Migration c5d7e9f1a301 (judging rounds) on a database filled before it, on SQLite and on PostgreSQL:
every cycle becomes a one-round cycle holding what were its judging and results settings, its criteria
and assignments belong to that round, and every review, score, shortlist decision and impact case is
exactly as it was (on SQLite too, where changing the assignments' constraints copies the table that
reviews refer to); going back puts the settings on the cycle again, or refuses once a cycle judges in
more than one round."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from flask import current_app
from flask_migrate import downgrade, upgrade

from awards.extensions import db
from tests.support.migrations import database_at, insert_cycle, insert_row

BEFORE = "b7e1f0a2c001"
ROUNDS = "c5d7e9f1a301"
SETTINGS = (
    "judges_per_nomination",
    "judge_max_load",
    "aggregation_method",
    "ranking_basis",
    "disagreement_range",
    "disagreement_sd",
)
KEPT = ("reviews", "review_scores", "shortlist_decisions", "impact_cases", "conflicts", "redactions")


@pytest.fixture
def judged_database(database_url, make_app, tmp_path):
    """A database of its own migrated to just before judging rounds."""
    with database_at(BEFORE, database_url, make_app, tmp_path) as app:
        yield app


def _tables(conn) -> dict[str, sa.Table]:
    meta = sa.MetaData()
    meta.reflect(conn)
    return dict(meta.tables)


def _fill_judged_cycles(conn) -> dict:
    """Two judged cycles with different settings: criteria, judges, assignments (one recused, one locked),
    submitted and draft reviews with scores, a conflict, a redaction, shortlist decisions and a published
    impact case; the ids and settings put in."""
    t = _tables(conn)
    organiser = insert_row(
        conn, t["users"], email="organiser@example.org", name="Olu Organiser", session_token="organiser"
    )
    cycles = {}
    settings = [
        dict(
            judges_per_nomination=2,
            judge_max_load=7,
            blind_judging=False,
            aggregation_method="median",
            ranking_basis="raw",
            disagreement_range=25,
            disagreement_sd=10,
            judging_close_at=datetime(2026, 4, 1, 16, 0),
        ),
        dict(
            judges_per_nomination=3,
            judge_max_load=20,
            blind_judging=True,
            aggregation_method="mean",
            ranking_basis="normalised",
            disagreement_range=30,
            disagreement_sd=15,
            judging_close_at=None,
        ),
    ]
    for i, values in enumerate(settings):
        cycle = insert_cycle(conn, t["cycles"], i, **values)
        category = insert_row(conn, t["categories"], cycle_id=cycle, name="Category & co", slug=f"cat-{i}")
        criteria = [
            insert_row(
                conn, t["criteria"], cycle_id=cycle, name=f"Impact {i}-{n}", weight=10 + n, scale_min=1, scale_max=10
            )
            for n in range(2)
        ]
        judges = []
        for n in range(3):
            user = insert_row(
                conn,
                t["users"],
                email=f"judge{i}{n}@example.org",
                name=f"Judge {i}{n} 🧑‍⚖️",
                session_token=f"judge{i}{n}",
            )
            judges.append(insert_row(conn, t["judges"], cycle_id=cycle, email=f"judge{i}{n}@example.org", user_id=user))
        nominations = [
            insert_row(
                conn,
                t["nominations"],
                cycle_id=cycle,
                category_id=category,
                reference=f"PSDA-{2026 + i}-000{n + 1}",
                title=f"Entry {n} & more",
                status="submitted",
                submitted_at=datetime(2026, 1, 20),
                answers={},
            )
            for n in range(2)
        ]
        for j, judge in enumerate(judges):
            for k, nomination in enumerate(nominations):
                status = "recused" if (j, k) == (2, 1) else "assigned"
                assignment = insert_row(
                    conn,
                    t["assignments"],
                    judge_id=judge,
                    nomination_id=nomination,
                    status=status,
                    locked=(j, k) == (0, 0),
                    affinity=j - k,
                )
                if status == "recused":
                    insert_row(conn, t["conflicts"], judge_id=judge, nomination_id=nomination, source="declared")
                    continue
                submitted = (j + k) % 2 == 0
                review = insert_row(
                    conn,
                    t["reviews"],
                    assignment_id=assignment,
                    status="submitted" if submitted else "draft",
                    overall_comment=f"Comment {j}{k} & ✓",
                    submitted_at=datetime(2026, 3, 1) if submitted else None,
                    version=2,
                )
                for c, criterion in enumerate(criteria):
                    insert_row(
                        conn,
                        t["review_scores"],
                        review_id=review,
                        criterion_id=criterion,
                        value=None if c and j == 1 else 3 + j + k + c,
                        not_applicable=bool(c and j == 1),
                        comment=f"Why {c}",
                    )
        insert_row(conn, t["redactions"], nomination_id=nominations[0], field="summary", text="[redacted]")
        insert_row(
            conn,
            t["shortlist_decisions"],
            cycle_id=cycle,
            nomination_id=nominations[0],
            result="winner",
            suggested=True,
            rationale="Clear & 🏆",
            decided_by_id=organiser,
        )
        insert_row(
            conn,
            t["impact_cases"],
            nomination_id=nominations[0],
            cycle_id=cycle,
            slug=f"case-{i}",
            title=f"Entry 0 & more {i}",
            year=2026 + i,
            result="winner",
            answers=[],
        )
        cycles[cycle] = {"settings": values, "criteria": criteria, "judges": judges, "nominations": nominations}
    return cycles


def _rows(conn, table: str, drop: tuple[str, ...] = ()) -> list[dict]:
    """Every row of the table in id order, without the named columns."""
    t = _tables(conn)[table]
    key = [c for c in t.primary_key.columns]
    return [
        {k: v for k, v in row._mapping.items() if k not in drop}
        for row in conn.execute(sa.select(t).order_by(*key)).all()
    ]


def _same_instant(a, b) -> bool:
    if a is None or b is None:
        return a is b
    a = a if a.tzinfo else a.replace(tzinfo=UTC)
    b = b if b.tzinfo else b.replace(tzinfo=UTC)
    return a == b


NEW_REVIEW_COLUMNS = (
    "verdict",
    "rank",
    "feedback",
    "feedback_status",
    "feedback_released",
    "feedback_reviewed_at",
    "feedback_reviewed_by_id",
)


def test_every_cycle_becomes_one_round_and_nothing_judged_changes(judged_database):
    with db.engine.begin() as conn:
        filled = _fill_judged_cycles(conn)
    with db.engine.connect() as conn:
        before = {table: _rows(conn, table) for table in KEPT}
        assignments_before = _rows(conn, "assignments")

    upgrade(revision=ROUNDS)

    with db.engine.connect() as conn:
        for table in KEPT:
            drop = NEW_REVIEW_COLUMNS if table == "reviews" else ()
            assert _rows(conn, table, drop) == before[table], table
        rounds = _rows(conn, "judging_rounds")
        assert len(rounds) == len(filled)
        by_cycle = {r["cycle_id"]: r for r in rounds}
        for cycle_id, put in filled.items():
            r = by_cycle[cycle_id]
            assert (r["number"], r["name"], r["mode"], r["entries"]) == (1, "Judging", "scores", "eligible")
            for name in SETTINGS:
                assert r[name] == put["settings"][name], name
            assert r["blind"] == put["settings"]["blind_judging"]
            assert _same_instant(r["closes_at"], put["settings"]["judging_close_at"])
            assert r["opens_at"] is None and r["is_final"] is False and r["whole_panel"] is True
            criteria = conn.execute(sa.text("SELECT id, round_id FROM criteria WHERE cycle_id = :c"), {"c": cycle_id})
            assert {cid: rid for cid, rid in criteria} == dict.fromkeys(put["criteria"], r["id"])
        assignments = _rows(conn, "assignments")
        assert [{k: v for k, v in a.items() if k not in ("round_id", "calibration")} for a in assignments] == (
            assignments_before
        )
        nomination_round = {n: by_cycle[cycle_id]["id"] for cycle_id, put in filled.items() for n in put["nominations"]}
        assert all(a["round_id"] == nomination_round[a["nomination_id"]] for a in assignments)
        assert not any(a["calibration"] for a in assignments)
        reviews = _rows(conn, "reviews")
        assert {(r["feedback"], r["feedback_status"], r["verdict"], r["rank"]) for r in reviews} == {
            ("", "none", None, None)
        }
        cycle_columns = {c["name"] for c in sa.inspect(conn).get_columns("cycles")}
        assert not cycle_columns & {*SETTINGS, "blind_judging", "judging_close_at"}

    # The app reads the rounds through the models (at the latest revision, whose columns they map): each
    # cycle's one round with its criteria in order.
    upgrade()
    from awards.models import Cycle

    for cycle in db.session.scalars(sa.select(Cycle).order_by(Cycle.id)):
        assert [r.label for r in cycle.rounds] == ["Round 1: Judging"]
        assert [c.id for c in cycle.rounds[0].criteria] == filled[cycle.id]["criteria"]
    db.session.remove()

    downgrade(revision=BEFORE)

    with db.engine.connect() as conn:
        for table in KEPT:
            assert _rows(conn, table) == before[table], table
        assert _rows(conn, "assignments") == assignments_before
        cycles = {c["id"]: c for c in _rows(conn, "cycles")}
        for cycle_id, put in filled.items():
            for name, value in put["settings"].items():
                if name == "judging_close_at":
                    assert _same_instant(cycles[cycle_id][name], value)
                else:
                    assert cycles[cycle_id][name] == value, name


def test_going_back_refuses_once_a_cycle_judges_in_two_rounds(judged_database):
    with db.engine.begin() as conn:
        filled = _fill_judged_cycles(conn)
    upgrade(revision=ROUNDS)
    cycle_id = next(iter(filled))
    with db.engine.begin() as conn:
        insert_row(
            conn,
            _tables(conn)["judging_rounds"],
            cycle_id=cycle_id,
            number=2,
            name="Final panel",
            entries="advanced",
            mode="scores",
            ranking_method="borda",
            aggregation_method="mean",
            ranking_basis="normalised",
        )
    config = current_app.extensions["migrate"].migrate.get_config()
    with pytest.raises(RuntimeError, match="1 later rounds"):
        command.downgrade(config, BEFORE)
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM judging_rounds")).scalar() == len(filled) + 1
