"""single sign-on: identities at OpenID Connect providers linked to accounts

Revision ID: a4c1e2d3b505
Revises: a4c1e2d3b504
Create Date: 2026-12-05 23:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c1e2d3b505"
down_revision = "a4c1e2d3b504"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "linked_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_linked_identities_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linked_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_linked_identities_issuer_subject")),
    )
    with op.batch_alter_table("linked_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linked_identities_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("linked_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linked_identities_user_id"))
    op.drop_table("linked_identities")
