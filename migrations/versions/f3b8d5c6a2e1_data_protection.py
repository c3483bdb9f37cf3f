"""data protection: account deletion and retention purge

Revision ID: f3b8d5c6a2e1
Revises: e1a7c4b2d9f0
Create Date: 2026-11-25 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b8d5c6a2e1'
down_revision = 'e1a7c4b2d9f0'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
