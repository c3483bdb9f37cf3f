"""round suggestion sizes: the numbers of a round's latest suggestion of entries to advance are kept on
the round (judging_rounds.suggestion_sizes), filled from the round's latest audit record of a suggestion

Revision ID: d8a2c4e6f701
Revises: c5d7e9f1a301
Create Date: 2026-12-07 09:30:00

The audit record of each suggestion ("round.advancement_suggested", its detail's "sizes": category id →
how many) stays as it is; the new column holds the same numbers of the latest one, so the advancing page
reads them from the round. A round never suggested keeps NULL (each category's shortlist size).
Downgrade drops the column; the audit records still hold the numbers.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d8a2c4e6f701"
down_revision = "c5d7e9f1a301"
branch_labels = None
depends_on = None

SUGGESTED = "round.advancement_suggested"


def _sizes(detail) -> dict[str, int] | None:
    """The "sizes" of a suggestion's audit detail as the column keeps them (category id as text → number),
    or None when the detail holds none that can be read."""
    chosen = detail.get("sizes") if isinstance(detail, dict) else None
    if not isinstance(chosen, dict):
        return None
    return {
        str(key): value
        for key, value in chosen.items()
        if str(key).isdigit() and isinstance(value, int) and not isinstance(value, bool)
    }


def upgrade():
    with op.batch_alter_table("judging_rounds") as batch_op:
        batch_op.add_column(sa.Column("suggestion_sizes", sa.JSON(), nullable=True))

    conn = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer()),
        sa.column("action", sa.String()),
        sa.column("object_type", sa.String()),
        sa.column("object_id", sa.String()),
        sa.column("detail", sa.JSON()),
    )
    rounds = sa.table("judging_rounds", sa.column("id", sa.Integer()), sa.column("suggestion_sizes", sa.JSON()))
    existing = set(conn.execute(sa.select(rounds.c.id)).scalars())
    latest: dict[int, dict[str, int]] = {}
    rows = conn.execute(
        sa.select(events.c.object_id, events.c.detail)
        .where(events.c.action == SUGGESTED, events.c.object_type == "judging_rounds")
        .order_by(events.c.id)
    )
    for object_id, detail in rows:  # in the order recorded: the latest of each round stays
        sizes = _sizes(detail)
        if sizes is not None and str(object_id).isdigit() and int(object_id) in existing:
            latest[int(object_id)] = sizes
    for round_id, sizes in sorted(latest.items()):
        conn.execute(rounds.update().where(rounds.c.id == round_id).values(suggestion_sizes=sizes))


def downgrade():
    with op.batch_alter_table("judging_rounds") as batch_op:
        batch_op.drop_column("suggestion_sizes")
