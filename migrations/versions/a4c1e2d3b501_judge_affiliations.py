"""judges' affiliations (organisations they work for, worked for, partner with)

Revision ID: a4c1e2d3b501
Revises: f3b8d5c6a2e1
Create Date: 2026-12-05 20:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c1e2d3b501"
down_revision = "f3b8d5c6a2e1"
branch_labels = None
depends_on = None


def upgrade():
    # The organisations a person works for, worked for in the last few years, or partners with
    # (kept per person, like their expertise); conflicts of interest are found from them.
    op.create_table(
        "affiliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("works_for", "worked_for", "partners_with", name="affiliationkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_affiliations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliations")),
    )
    with op.batch_alter_table("affiliations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_affiliations_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("affiliations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affiliations_user_id"))

    op.drop_table("affiliations")
