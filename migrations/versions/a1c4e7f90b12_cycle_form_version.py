"""cycles: a form version, to keep a cycle's entry form per process between its changes

Revision ID: a1c4e7f90b12
Revises: f7c2a9d4e803
Create Date: 2026-12-07 13:00:00

`cycles.form_version` is a random token that every flush changing the cycle's sections or questions gives anew
(domain/programme/entry_forms.py, `kept_sections`). Existing cycles start from the empty token: a process keeps a
form under the cycle's id and its token, and the next change of the form gives it a random one.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a1c4e7f90b12"
down_revision = "f7c2a9d4e803"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cycles") as batch_op:
        batch_op.add_column(sa.Column("form_version", sa.String(length=16), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("cycles") as batch_op:
        batch_op.drop_column("form_version")
