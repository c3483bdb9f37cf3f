"""Migration a4c1e2d3b503 on a database that already has two cycles sharing a reference prefix and
year (possible before it): the oldest keeps its prefix, the later ones get the next free one (said in
their audit history), nothing else changes (SQLite's foreign keys stay on, so a rebuilt `cycles` table
would have cascaded to categories), and from then on the pair is unique."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from awards.extensions import db
from tests.support.migrations import insert_row

BEFORE = "a4c1e2d3b502"


@pytest.fixture
def old_database(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "old.db"))
    with app.app_context():
        upgrade(revision=BEFORE)
        yield app
        db.session.remove()
        db.engine.dispose()


def test_existing_duplicates_get_free_prefixes_and_nothing_else_changes(old_database):
    meta = sa.MetaData()
    with db.engine.begin() as conn:
        meta.reflect(conn)
        cycles, categories = meta.tables["cycles"], meta.tables["categories"]
        ids = [
            insert_row(
                conn,
                cycles,
                name=f"Cycle {i}",
                slug=f"cycle-{i}",
                year=year,
                reference_prefix=prefix,
                nominations_open_at=datetime(2026, 1, 1),
                nominations_close_at=datetime(2026, 2, 1),
                trends_min=1,
                trends_max=3,
            )
            for i, (prefix, year) in enumerate(
                [("PSDA", 2026), ("PSDA", 2026), ("PSDA2", 2026), ("PSDA", 2026), ("PSDA", 2027)]
            )
        ]
        for cycle_id in ids:
            insert_row(conn, categories, cycle_id=cycle_id, name="Category", slug="category")

    upgrade()

    with db.engine.connect() as conn:
        prefixes = conn.execute(
            sa.select(cycles.c.id, cycles.c.reference_prefix, cycles.c.year).order_by(cycles.c.id)
        ).all()
        # The one that had PSDA2 already keeps it: the later PSDA ones take PSDA3 and PSDA4.
        assert [(p, y) for _, p, y in prefixes] == [
            ("PSDA", 2026),
            ("PSDA3", 2026),
            ("PSDA2", 2026),
            ("PSDA4", 2026),
            ("PSDA", 2027),
        ]
        assert conn.execute(sa.select(sa.func.count()).select_from(categories)).scalar() == 5
        events = conn.execute(
            sa.text("SELECT object_id, detail FROM audit_events WHERE action = 'cycle.updated' ORDER BY id")
        ).all()
        assert [int(object_id) for object_id, _ in events] == [ids[1], ids[3]]
        assert '"from": "PSDA"' in events[0][1] and '"to": "PSDA3"' in events[0][1]
        with pytest.raises(sa.exc.IntegrityError):
            conn.execute(cycles.update().where(cycles.c.id == ids[4]).values(year=2026))

    downgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        conn.execute(cycles.update().where(cycles.c.id == ids[4]).values(year=2026))  # no longer refused
