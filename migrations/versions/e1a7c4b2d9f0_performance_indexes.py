"""performance: indexes for the filters and joins the pages use

Revision ID: e1a7c4b2d9f0
Revises: de9ad130dd11
Create Date: 2026-11-25 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1a7c4b2d9f0'
down_revision = 'de9ad130dd11'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
