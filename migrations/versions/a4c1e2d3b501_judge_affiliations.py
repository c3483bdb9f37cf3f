"""judges' affiliations (organisations they work for, worked for, partner with)

Revision ID: a4c1e2d3b501
Revises: f3b8d5c6a2e1
Create Date: 2026-12-05 20:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c1e2d3b501'
down_revision = 'f3b8d5c6a2e1'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
