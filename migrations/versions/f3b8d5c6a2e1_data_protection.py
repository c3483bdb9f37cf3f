"""data protection: account deletion and retention purge

Revision ID: f3b8d5c6a2e1
Revises: e1a7c4b2d9f0
Create Date: 2026-11-25 00:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3b8d5c6a2e1"
down_revision = "e1a7c4b2d9f0"
branch_labels = None
depends_on = None


def upgrade():
    # When an organiser removed a cycle's personal data after its retention period.
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("personal_data_purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.drop_column("personal_data_purged_at")
