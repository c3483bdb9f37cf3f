"""the data version: one row whose value changes with every writing transaction (awards/models/versions.py)

Revision ID: d3a7f1c9e201
Revises: c4e2a7b9d501
Create Date: 2026-12-07 03:30:00

The signed-in page cache (awards/web/personal_cache.py) keeps a page only while this value is the one it
was built under. Not a model: tests empty the model tables and backups copy them; this row is neither's.
"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d3a7f1c9e201"
down_revision = "c4e2a7b9d501"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "version": secrets.randbits(62)}])


def downgrade():
    op.drop_table("data_versions")
