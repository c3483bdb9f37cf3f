"""The suite's kept worlds (tests/support/kept_worlds.py): a restored world is the built one, row for row and file
for file, with its objects loaded in the test's own session; a world asked for on tables that hold rows is built."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.nominations.attachments import add_attachment
from awards.domain.publishing.impact_cases import CaseFilters, find_cases
from awards.extensions import db
from awards.models import Nomination, User
from awards.models.versions import read_version
from tests.factories import make_cycle, make_nomination, make_published_case, make_user
from tests.snapshot import snapshot
from tests.support.files import PNG
from tests.support.kept_worlds import kept_world


def _a_world() -> dict:
    owner = make_user(name="Kit Kept & 🌍", email="kit@kept.example.org")
    nomination = make_nomination(make_cycle(), nominator=owner, title="A kept nomination")
    add_attachment(nomination, filename="chart.png", stream=io.BytesIO(PNG), by=owner)
    case = make_published_case(title="Keepsake lanterns for libraries")
    db.session.commit()
    return {"owner": owner, "references": [nomination.reference], "count": 1, "case": case}


def _json_nulls() -> dict[str, int]:
    """How many SQL NULLs each JSON column holds (not the JSON text `null`, which reads back as None as well)."""
    counts = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.JSON):
                found = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(column.is_(None)))
                counts[f"{table.name}.{column.name}"] = found
    db.session.rollback()
    return counts


def _only_once(build):
    calls = []

    def counted():
        assert not calls, "built again where the kept world should have been restored"
        calls.append(1)
        return build()

    return counted


def _empty_the_tables() -> None:
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def test_a_restored_world_is_the_built_one(app, storage):
    name = f"a world of this test {uuid.uuid4()}"
    build = _only_once(_a_world)
    built = kept_world(name, build, storage)
    rows, files, nulls = snapshot(), {n: storage.read(n) for n in storage.names()}, _json_nulls()
    assert rows["nominations"] and len(files) == 1 and any(nulls.values())
    version = read_version(db.engine)
    _empty_the_tables()
    for file_name in files:
        storage.store.delete(file_name)

    restored = kept_world(name, build, storage)

    assert snapshot() == rows and _json_nulls() == nulls
    assert {n: storage.read(n) for n in storage.names()} == files
    assert read_version(db.engine) != version  # the signed-in pages kept before are not shown after it
    # the search index is the database's own, filled again by the restored rows
    found = find_cases(CaseFilters(q="lanterns"))
    assert [case.id for case in found.items] == [restored["case"].id] == [built["case"].id]
    assert isinstance(restored["owner"], User) and restored["owner"] in db.session
    assert restored["owner"].id == built["owner"].id and restored["owner"].name == "Kit Kept & 🌍"
    assert restored["references"] == built["references"] and restored["count"] == 1
    nomination = db.session.scalar(sa.select(Nomination).where(Nomination.reference == restored["references"][0]))
    assert nomination.nominator_id == restored["owner"].id


def test_a_world_asked_for_beside_other_rows_is_built_not_restored_nor_kept(app, storage):
    name = f"a world of this test {uuid.uuid4()}"
    kept_world(name, _a_world, storage)
    _empty_the_tables()
    make_user(name="Someone First", email="first@example.org")

    calls = []

    def counted() -> dict:
        calls.append(1)
        return {"made": make_user(name="Made Here", email="made.here@example.org").email}

    assert kept_world(name, counted, storage) == {"made": "made.here@example.org"}
    assert calls == [1]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2

    other = f"another world of this test {uuid.uuid4()}"

    def another() -> dict:
        calls.append(2)
        return {"made": make_user(name="Also Made", email=f"{uuid.uuid4().hex}@example.org").email}

    kept_world(other, another, storage)  # beside the rows above: built, and not kept
    _empty_the_tables()
    kept_world(other, another, storage)  # so built again here
    assert calls == [1, 2, 2]


def test_a_world_is_not_restored_into_another_time(app, storage, time_machine):
    """A test that travelled in time gets a world made at its time, not one made at another's."""
    name = f"a world of this test {uuid.uuid4()}"
    made_at = []

    def timed() -> dict:
        made_at.append(utcnow())
        return {"owner": make_user(name="Tam Timed", email="tam@timed.example.org").id}

    kept_world(name, timed, storage)
    _empty_the_tables()
    time_machine.move_to(utcnow() + timedelta(days=3))
    kept_world(name, timed, storage)
    assert len(made_at) == 2 and made_at[1] - made_at[0] >= timedelta(days=3)
    assert db.session.scalar(sa.select(User.created_at)) >= made_at[1] - timedelta(seconds=5)
