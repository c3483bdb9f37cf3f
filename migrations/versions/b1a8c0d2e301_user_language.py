"""users: the language a person chose (Welsh, Swedish or English), for their pages and e-mails

Revision ID: b1a8c0d2e301
Revises: f7c2a9d4e802
Create Date: 2026-12-07 00:30:00

Empty for everyone at first: they read the service's default language until they choose another with the
language switcher (awards/i18n.py).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b1a8c0d2e301"
down_revision = "f7c2a9d4e802"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("language")
