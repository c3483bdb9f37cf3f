"""team entries: a nomination's co-editors and the invitations its owner has sent

Revision ID: a9d3e5f7b101
Revises: b1a8c0d2e301
Create Date: 2026-12-07 00:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a9d3e5f7b101"
down_revision = "b1a8c0d2e301"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "nomination_editors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_nomination_editors_added_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_nomination_editors_nomination_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_nomination_editors_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_editors")),
        sa.UniqueConstraint("nomination_id", "user_id", name=op.f("uq_nomination_editors_nomination_id_user_id")),
    )
    with op.batch_alter_table("nomination_editors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nomination_editors_user_id"), ["user_id"], unique=False)
    op.create_table(
        "nomination_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_nomination_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_nomination_invitations_nomination_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_invitations")),
        sa.UniqueConstraint("nomination_id", "email", name=op.f("uq_nomination_invitations_nomination_id_email")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_nomination_invitations_token_digest")),
    )


def downgrade():
    op.drop_table("nomination_invitations")
    with op.batch_alter_table("nomination_editors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_editors_user_id"))
    op.drop_table("nomination_editors")
