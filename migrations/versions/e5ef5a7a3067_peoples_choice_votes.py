"""People's Choice: public votes per category, their options, every attempt to vote, and the counted ballots

Revision ID: e5ef5a7a3067
Revises: d8a2c4e6f701
Create Date: 2026-12-06 15:44:45.606350

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e5ef5a7a3067"
down_revision = "d8a2c4e6f701"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "public_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column(
            "source", sa.Enum("shortlist", "round", name="votesource", native_enum=False, length=20), nullable=False
        ),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_public_votes_category_id_categories"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_public_votes_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_public_votes_cycle_id_cycles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["judging_rounds.id"],
            name=op.f("fk_public_votes_round_id_judging_rounds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_votes")),
        sa.UniqueConstraint("cycle_id", "category_id", name=op.f("uq_public_votes_cycle_id_category_id")),
    )
    with op.batch_alter_table("public_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_votes_cycle_id"), ["cycle_id"], unique=False)

    op.create_table(
        "vote_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("impact_case_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("own_domains", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["impact_case_id"],
            ["impact_cases.id"],
            name=op.f("fk_vote_options_impact_case_id_impact_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_vote_options_nomination_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["public_votes.id"], name=op.f("fk_vote_options_vote_id_public_votes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_options")),
        sa.UniqueConstraint("vote_id", "nomination_id", name=op.f("uq_vote_options_vote_id_nomination_id")),
    )
    with op.batch_alter_table("vote_options", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_options_nomination_id"), ["nomination_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_options_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "vote_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("ip_prefix", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum("refused", "awaiting", "confirmed", name="attemptoutcome", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("refusal", sa.String(length=40), nullable=True),
        sa.Column("token_digest", sa.String(length=64), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["option_id"], ["vote_options.id"], name=op.f("fk_vote_attempts_option_id_vote_options"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["public_votes.id"], name=op.f("fk_vote_attempts_vote_id_public_votes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_attempts")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_vote_attempts_token_digest")),
    )
    with op.batch_alter_table("vote_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_attempts_option_id"), ["option_id"], unique=False)
        batch_op.create_index("ix_vote_attempts_vote_domain", ["vote_id", "domain"], unique=False)
        batch_op.create_index("ix_vote_attempts_vote_prefix", ["vote_id", "ip_prefix"], unique=False)
        batch_op.create_index("ix_vote_attempts_vote_time", ["vote_id", "attempted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_attempts_voter_key"), ["voter_key"], unique=False)

    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["vote_attempts.id"], name=op.f("fk_ballots_attempt_id_vote_attempts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["option_id"], ["vote_options.id"], name=op.f("fk_ballots_option_id_vote_options"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["public_votes.id"], name=op.f("fk_ballots_vote_id_public_votes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("vote_id", "voter_key", name=op.f("uq_ballots_vote_id_voter_key")),
    )
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballots_option_id"), ["option_id"], unique=False)


def downgrade():
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballots_option_id"))

    op.drop_table("ballots")
    with op.batch_alter_table("vote_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_attempts_voter_key"))
        batch_op.drop_index("ix_vote_attempts_vote_time")
        batch_op.drop_index("ix_vote_attempts_vote_prefix")
        batch_op.drop_index("ix_vote_attempts_vote_domain")
        batch_op.drop_index(batch_op.f("ix_vote_attempts_option_id"))

    op.drop_table("vote_attempts")
    with op.batch_alter_table("vote_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_options_vote_id"))
        batch_op.drop_index(batch_op.f("ix_vote_options_nomination_id"))

    op.drop_table("vote_options")
    with op.batch_alter_table("public_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_votes_cycle_id"))

    op.drop_table("public_votes")
