"""judging rounds: every cycle gets one round holding what were its judging and results settings;
its criteria and assignments belong to that round; reviews gain a verdict, a rank and feedback for
the entrant; advancements and closed panel meetings are new

Revision ID: c5d7e9f1a301
Revises: b7e1f0a2c001
Create Date: 2026-12-06 06:10:00

Every existing review, score, shortlist decision and impact case stays as it was: the one round
judges what the cycle judged, with the cycle's settings. Downgrade puts the settings back on the
cycle while every cycle has one scored round; once a cycle judges in more than one round (or in
another mode), it refuses, and the way back is the backup taken before the upgrade
(docs/operations.md, "Upgrading").
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5d7e9f1a301"
down_revision = "b7e1f0a2c001"
branch_labels = None
depends_on = None

# The cycle's settings that became its rounds', with the column type each had on the cycle.
MOVED = {
    "judges_per_nomination": (sa.Integer(), "3"),
    "judge_max_load": (sa.Integer(), "20"),
    "aggregation_method": (sa.String(length=10), "mean"),
    "ranking_basis": (sa.String(length=12), "normalised"),
    "disagreement_range": (sa.Integer(), "30"),
    "disagreement_sd": (sa.Integer(), "15"),
}
FIRST_ROUND_NAME = "Judging"


def _enum(*values: str, name: str, length: int) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def upgrade():
    op.create_table(
        "judging_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entries", _enum("eligible", "advanced", name="roundentries", length=12), nullable=False),
        sa.Column("mode", _enum("scores", "pass_fail", "ranking", name="roundmode", length=12), nullable=False),
        sa.Column("ranking_method", sa.String(length=10), nullable=False),
        sa.Column("blind", sa.Boolean(), nullable=False),
        sa.Column("judges_per_nomination", sa.Integer(), nullable=False),
        sa.Column("judge_max_load", sa.Integer(), nullable=False),
        sa.Column("whole_panel", sa.Boolean(), nullable=False),
        sa.Column("is_final", sa.Boolean(), nullable=False),
        sa.Column("calibration_nomination_id", sa.Integer(), nullable=True),
        sa.Column("aggregation_method", sa.String(length=10), nullable=False),
        sa.Column("ranking_basis", sa.String(length=12), nullable=False),
        sa.Column("disagreement_range", sa.Integer(), nullable=False),
        sa.Column("disagreement_sd", sa.Integer(), nullable=False),
        sa.Column("feedback_with_scores", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_judging_rounds_number_positive")),
        sa.CheckConstraint(
            "opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at",
            name=op.f("ck_judging_rounds_open_before_close"),
        ),
        sa.ForeignKeyConstraint(
            ["calibration_nomination_id"],
            ["nominations.id"],
            name=op.f("fk_judging_rounds_calibration_nomination_id_nominations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_judging_rounds_cycle_id_cycles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judging_rounds")),
        sa.UniqueConstraint("cycle_id", "number", name=op.f("uq_judging_rounds_cycle_id_number")),
    )
    op.create_index(op.f("ix_judging_rounds_cycle_id"), "judging_rounds", ["cycle_id"], unique=False)
    op.create_table(
        "round_panel",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("judge_id", sa.Integer(), nullable=False),
        sa.Column("category_ids", sa.JSON(), nullable=True),
        sa.Column("max_load", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["judge_id"], ["judges.id"], name=op.f("fk_round_panel_judge_id_judges"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["judging_rounds.id"], name=op.f("fk_round_panel_round_id_judging_rounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("round_id", "judge_id", name=op.f("pk_round_panel")),
    )
    op.create_index(op.f("ix_round_panel_judge_id"), "round_panel", ["judge_id"], unique=False)
    op.create_table(
        "advancements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("suggested", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_advancements_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_advancements_nomination_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["judging_rounds.id"],
            name=op.f("fk_advancements_round_id_judging_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advancements")),
        sa.UniqueConstraint("round_id", "nomination_id", name=op.f("uq_advancements_round_id_nomination_id")),
    )
    op.create_index(op.f("ix_advancements_nomination_id"), "advancements", ["nomination_id"], unique=False)
    op.create_index(op.f("ix_advancements_round_id"), "advancements", ["round_id"], unique=False)
    op.create_table(
        "panel_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_panel_meetings_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_panel_meetings_closed_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["judging_rounds.id"],
            name=op.f("fk_panel_meetings_round_id_judging_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_meetings")),
        sa.UniqueConstraint("round_id", "category_id", name=op.f("uq_panel_meetings_round_id_category_id")),
    )
    op.create_index(op.f("ix_panel_meetings_round_id"), "panel_meetings", ["round_id"], unique=False)

    conn = op.get_bind()
    # One round per cycle, with the cycle's settings.
    conn.execute(
        sa.text(
            "INSERT INTO judging_rounds (cycle_id, number, name, opens_at, closes_at, entries, mode, ranking_method,"
            " blind, judges_per_nomination, judge_max_load, whole_panel, is_final, aggregation_method,"
            " ranking_basis, disagreement_range, disagreement_sd, feedback_with_scores, created_at, updated_at)"
            " SELECT id, 1, :name, NULL, judging_close_at, 'eligible', 'scores', 'borda', blind_judging,"
            " judges_per_nomination, judge_max_load, :true, :false, aggregation_method, ranking_basis,"
            " disagreement_range, disagreement_sd, :false, created_at, updated_at FROM cycles"
        ),
        {"name": FIRST_ROUND_NAME, "true": True, "false": False},
    )

    with op.batch_alter_table("criteria") as batch_op:
        batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
    conn.execute(
        sa.text(
            "UPDATE criteria SET round_id = (SELECT r.id FROM judging_rounds r"
            " WHERE r.cycle_id = criteria.cycle_id AND r.number = 1)"
        )
    )
    with op.batch_alter_table("criteria") as batch_op:
        batch_op.alter_column("round_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_criteria_round_id_judging_rounds"),
            "judging_rounds",
            ["round_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(batch_op.f("ix_criteria_round_id"), ["round_id"], unique=False)

    with op.batch_alter_table("assignments") as batch_op:
        batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("calibration", sa.Boolean(), nullable=False, server_default=sa.false()))
    conn.execute(
        sa.text(
            "UPDATE assignments SET round_id = (SELECT r.id FROM judging_rounds r JOIN nominations n"
            " ON n.cycle_id = r.cycle_id WHERE n.id = assignments.nomination_id AND r.number = 1)"
        )
    )
    with op.batch_alter_table("assignments") as batch_op:
        batch_op.alter_column("round_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_assignments_round_id_judging_rounds"),
            "judging_rounds",
            ["round_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint("uq_assignments_judge_id_nomination_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_assignments_round_id_judge_id_nomination_id"), ["round_id", "judge_id", "nomination_id"]
        )
        batch_op.create_index(batch_op.f("ix_assignments_round_id"), ["round_id"], unique=False)
        batch_op.create_index("ix_assignments_judge_round", ["judge_id", "round_id"], unique=False)
        batch_op.drop_index("ix_assignments_nomination")
        batch_op.create_index("ix_assignments_nomination_round", ["nomination_id", "round_id"], unique=False)

    with op.batch_alter_table("reviews") as batch_op:
        batch_op.add_column(sa.Column("verdict", _enum("pass", "fail", "unsure", name="verdict", length=8)))
        batch_op.add_column(sa.Column("rank", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("feedback", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column(
                "feedback_status",
                _enum("none", "pending", "approved", "withheld", name="feedbackstatus", length=10),
                nullable=False,
                server_default="none",
            )
        )
        batch_op.add_column(sa.Column("feedback_released", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("feedback_reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("feedback_reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_reviews_feedback_reviewed_by_id_users"),
            "users",
            ["feedback_reviewed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("cycles") as batch_op:
        for column in (*MOVED, "blind_judging", "judging_close_at"):
            batch_op.drop_column(column)


def _check_downgradable(conn) -> None:
    """Refuse when what the rounds hold cannot go back on the cycle without loss."""
    problems = []
    several = conn.execute(sa.text("SELECT COUNT(*) FROM judging_rounds WHERE number > 1")).scalar()
    if several:
        problems.append(f"{several} later rounds")
    other = conn.execute(sa.text("SELECT COUNT(*) FROM judging_rounds WHERE mode <> 'scores'")).scalar()
    if other:
        problems.append(f"{other} rounds judged by pass/fail or ranking")
    feedback = conn.execute(sa.text("SELECT COUNT(*) FROM reviews WHERE feedback <> ''")).scalar()
    if feedback:
        problems.append(f"{feedback} reviews with feedback for entrants")
    if problems:
        raise RuntimeError(
            "This database cannot go back before judging rounds: it has "
            + ", ".join(problems)
            + ". Restore the backup taken before the upgrade instead (docs/operations.md, 'Upgrading')."
        )


def downgrade():
    conn = op.get_bind()
    _check_downgradable(conn)
    with op.batch_alter_table("cycles") as batch_op:
        for column, (type_, default) in MOVED.items():
            batch_op.add_column(sa.Column(column, type_, nullable=False, server_default=default))
        batch_op.add_column(sa.Column("blind_judging", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("judging_close_at", sa.DateTime(timezone=True), nullable=True))
    for column in (*MOVED, "blind_judging", "judging_close_at"):
        source = {"blind_judging": "blind", "judging_close_at": "closes_at"}.get(column, column)
        conn.execute(
            sa.text(
                f"UPDATE cycles SET {column} = (SELECT r.{source} FROM judging_rounds r"  # noqa: S608 (names above)
                " WHERE r.cycle_id = cycles.id AND r.number = 1)"
                " WHERE EXISTS (SELECT 1 FROM judging_rounds r WHERE r.cycle_id = cycles.id)"
            )
        )

    with op.batch_alter_table("reviews") as batch_op:
        batch_op.drop_constraint("fk_reviews_feedback_reviewed_by_id_users", type_="foreignkey")
        for column in (
            "feedback_reviewed_by_id",
            "feedback_reviewed_at",
            "feedback_released",
            "feedback_status",
            "feedback",
            "rank",
            "verdict",
        ):
            batch_op.drop_column(column)

    # Calibration assignments were never part of the cycle's judging.
    conn.execute(sa.text("DELETE FROM assignments WHERE calibration = :true"), {"true": True})
    with op.batch_alter_table("assignments") as batch_op:
        batch_op.drop_index("ix_assignments_nomination_round")
        batch_op.create_index("ix_assignments_nomination", ["nomination_id"], unique=False)
        batch_op.drop_index("ix_assignments_judge_round")
        batch_op.drop_index(batch_op.f("ix_assignments_round_id"))
        batch_op.drop_constraint("uq_assignments_round_id_judge_id_nomination_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_assignments_judge_id_nomination_id"), ["judge_id", "nomination_id"]
        )
        batch_op.drop_constraint("fk_assignments_round_id_judging_rounds", type_="foreignkey")
        batch_op.drop_column("calibration")
        batch_op.drop_column("round_id")

    with op.batch_alter_table("criteria") as batch_op:
        batch_op.drop_index(batch_op.f("ix_criteria_round_id"))
        batch_op.drop_constraint("fk_criteria_round_id_judging_rounds", type_="foreignkey")
        batch_op.drop_column("round_id")

    op.drop_index(op.f("ix_panel_meetings_round_id"), table_name="panel_meetings")
    op.drop_table("panel_meetings")
    op.drop_index(op.f("ix_advancements_round_id"), table_name="advancements")
    op.drop_index(op.f("ix_advancements_nomination_id"), table_name="advancements")
    op.drop_table("advancements")
    op.drop_index(op.f("ix_round_panel_judge_id"), table_name="round_panel")
    op.drop_table("round_panel")
    op.drop_index(op.f("ix_judging_rounds_cycle_id"), table_name="judging_rounds")
    op.drop_table("judging_rounds")
