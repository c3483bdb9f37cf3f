"""cycle reference prefix and year unique; state-machine bookkeeping

Revision ID: a4c1e2d3b503
Revises: a4c1e2d3b502
Create Date: 2026-12-05 20:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c1e2d3b503'
down_revision = 'a4c1e2d3b502'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
