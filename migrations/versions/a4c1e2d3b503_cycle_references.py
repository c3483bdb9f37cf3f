"""cycle reference prefix and year unique (existing duplicates renamed, audited)

Revision ID: a4c1e2d3b503
Revises: a4c1e2d3b502
Create Date: 2026-12-05 20:20:00

"""

from datetime import UTC

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c1e2d3b503"
down_revision = "a4c1e2d3b502"
branch_labels = None
depends_on = None


def upgrade():
    _unique_cycle_references_upgrade()


def downgrade():
    _unique_cycle_references_downgrade()


# --- Cycle references (issue 12, item 2) ----------------------------------------------------------
# Nomination references are PREFIX-YEAR-0001, counted per cycle, so two cycles with the same reference
# prefix and year handed out the same references (a 500 for every nominee of the second one). From here
# the pair is unique (uq_cycles_reference_prefix_year). A database that already has such pairs keeps the
# oldest cycle's prefix; each later one gets the first free PREFIX2, PREFIX3, … for its year, said in the
# cycle's audit history. References already issued stay as they are (they were unique already).

_MAX_PREFIX = 12


def _free_prefix(prefix, year, taken):
    n = 2
    while True:
        candidate = prefix[: _MAX_PREFIX - len(str(n))] + str(n)
        if (candidate.upper(), year) not in taken:
            return candidate
        n += 1


def _unique_cycle_references_upgrade():
    from datetime import datetime

    bind = op.get_bind()
    cycles = sa.table(
        "cycles", sa.column("id", sa.Integer), sa.column("reference_prefix", sa.String), sa.column("year", sa.Integer)
    )
    audit_events = sa.table(
        "audit_events",
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("action", sa.String),
        sa.column("object_type", sa.String),
        sa.column("object_id", sa.String),
        sa.column("detail", sa.JSON),
    )
    rows = bind.execute(sa.select(cycles.c.id, cycles.c.reference_prefix, cycles.c.year).order_by(cycles.c.id)).all()
    # The first cycle of each pair keeps it; the later ones take prefixes no cycle has for the year.
    keepers = {}
    for cycle_id, prefix, year in rows:
        keepers.setdefault((prefix.upper(), year), cycle_id)
    taken, renamed = set(keepers), []
    for cycle_id, prefix, year in rows:
        if keepers[(prefix.upper(), year)] != cycle_id:
            new = _free_prefix(prefix, year, taken)
            renamed.append((cycle_id, prefix, new))
            taken.add((new.upper(), year))
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC there (models/types.py UTCDateTime)
    for cycle_id, old, new in renamed:
        bind.execute(cycles.update().where(cycles.c.id == cycle_id).values(reference_prefix=new))
        bind.execute(
            audit_events.insert().values(
                at=now,
                action="cycle.updated",
                object_type="cycles",
                object_id=str(cycle_id),
                detail={
                    "fields": ["reference_prefix"],
                    "from": old,
                    "to": new,
                    "reason": "another cycle of the same year used the prefix (migration a4c1e2d3b503)",
                },
            )
        )
    # An index, not a table constraint: SQLite adds it in place, where a constraint would rebuild `cycles`
    # (and dropping the old table, with foreign keys on, would cascade to its categories and criteria).
    op.create_index("uq_cycles_reference_prefix_year", "cycles", ["reference_prefix", "year"], unique=True)


def _unique_cycle_references_downgrade():
    # Prefixes changed by the upgrade are left as they are: they are in references nominees have.
    op.drop_index("uq_cycles_reference_prefix_year", table_name="cycles")
