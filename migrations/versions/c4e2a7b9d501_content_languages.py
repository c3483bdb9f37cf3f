"""content in several languages: organisers' texts translated, and the language a nomination is written in

Revision ID: c4e2a7b9d501
Revises: a9d3e5f7b101
Create Date: 2026-12-07 01:00:00

`content_translations` holds what organisers type in the service's other languages (a cycle's name in Welsh, a
question's hint in Swedish); the text in the default language stays where it was. `nominations.language` and
`impact_cases.language` say what a nomination and its public case are written in; existing rows keep NULL, read
as the service's default language, which is what they were written in.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e2a7b9d501"
down_revision = "a9d3e5f7b101"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "content_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_content_translations_cycle_id_cycles"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_content_translations_updated_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_translations")),
        sa.UniqueConstraint("kind", "object_id", "field", "language", name="uq_content_translations_text"),
    )  # fmt: skip
    op.create_index("ix_content_translations_cycle_id", "content_translations", ["cycle_id"])
    op.create_index("ix_content_translations_language", "content_translations", ["language", "kind", "object_id"])
    with op.batch_alter_table("nominations") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    # A plain ADD COLUMN (no table rebuild): SQLite's full-text triggers on impact_cases stay in place.
    op.add_column("impact_cases", sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    op.drop_column("impact_cases", "language")
    with op.batch_alter_table("nominations") as batch_op:
        batch_op.drop_column("language")
    op.drop_index("ix_content_translations_language", table_name="content_translations")
    op.drop_index("ix_content_translations_cycle_id", table_name="content_translations")
    op.drop_table("content_translations")
