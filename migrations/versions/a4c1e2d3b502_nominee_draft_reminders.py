"""reminders to nominees with unsubmitted drafts, sent once per nomination

Revision ID: a4c1e2d3b502
Revises: a4c1e2d3b501
Create Date: 2026-12-05 20:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c1e2d3b502"
down_revision = "a4c1e2d3b501"
branch_labels = None
depends_on = None


def upgrade():
    # When the nominee of a draft was reminded to submit it before the close (once per nomination).
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft_reminder_sent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.drop_column("draft_reminder_sent_at")
