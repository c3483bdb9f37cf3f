"""entry forms as data: every cycle gets the default form (the nine sections it had), with its own
limits; the answers that were columns move into nominations.answers, measured outcomes included;
impact cases keep their published answers as a list in form order

Revision ID: b7e1f0a2c001
Revises: a4c1e2d3b505
Create Date: 2026-12-06 03:20:00

The default form is frozen in b7e1f0a2c001_default_form.json, as it was when this migration was
written: a later change to the default form must not change what this migration does.

Downgrade puts the answers back in their columns while every form asks only the default form's
questions (reworded or re-limited is fine: the limits go back to the cycle); once an organiser has
added a question the old columns cannot hold, it refuses, and the way back is the backup taken
before the upgrade (docs/operations.md, "Upgrading").
"""

import copy
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e1f0a2c001"
down_revision = "a4c1e2d3b505"
branch_labels = None
depends_on = None

DEFAULT_FORM = json.loads((Path(__file__).with_name("b7e1f0a2c001_default_form.json")).read_text("utf-8"))

NARRATIVE = ("challenge", "approach", "outcomes_narrative", "unintended_consequences", "lessons")
# The key of a narrative's word limit in cycles.section_word_limits.
LIMIT_KEY = {"outcomes_narrative": "outcomes"}
MOVED_TEXT = ("contact_phone", *NARRATIVE)
MOVED_BOOLEAN = ("declares_accurate", "declares_authorised")
MEASURED = ("metric", "baseline", "result", "measured_on")
CYCLE_LIMITS = (
    "summary_word_limit",
    "section_word_limit",
    "section_word_limits",
    "attachments_max_count",
    "attachments_max_mb",
)


def _tables() -> dict[str, sa.Table]:
    meta = sa.MetaData()
    return {
        name: sa.Table(name, meta, autoload_with=op.get_bind())
        for name in ("cycles", "nominations", "measured_outcomes", "impact_cases", "form_sections", "form_questions")
    }


def _form_for(cycle) -> dict:
    """The default form with the cycle's own limits."""
    form = copy.deepcopy(DEFAULT_FORM)
    overrides = cycle.section_word_limits or {}
    if isinstance(overrides, str):  # SQLite hands JSON back as text through a reflected table
        overrides = json.loads(overrides or "{}")
    for section in form["sections"]:
        for question in section["questions"]:
            key = question["key"]
            if key == "summary":
                question["settings"]["max_words"] = cycle.summary_word_limit
            elif key in NARRATIVE:
                question["settings"]["max_words"] = int(
                    overrides.get(LIMIT_KEY.get(key, key), cycle.section_word_limit)
                )
            elif key == "documents":
                question["settings"]["max_count"] = cycle.attachments_max_count
                question["settings"]["max_mb"] = cycle.attachments_max_mb
    return form


def _install_forms(conn, t) -> None:
    for cycle in conn.execute(sa.select(t["cycles"])).all():
        for position, section in enumerate(_form_for(cycle)["sections"]):
            section_id = conn.execute(
                t["form_sections"]
                .insert()
                .values(
                    cycle_id=cycle.id,
                    key=section["key"],
                    title=section["title"],
                    hint=section["hint"],
                    intro=section["intro"],
                    position=position,
                    category_ids=[],
                    condition=None,
                )
            ).inserted_primary_key[0]
            conn.execute(
                t["form_questions"].insert(),
                [
                    {
                        "cycle_id": cycle.id,
                        "section_id": section_id,
                        "key": q["key"],
                        "kind": q["kind"],
                        "core": q["core"],
                        "label": q["label"],
                        "hint": q["hint"],
                        "required": q["required"],
                        "settings": q["settings"],
                        "judges_see": q["judges_see"],
                        "public": q["public"],
                        "position": i,
                        "category_ids": [],
                        "condition": None,
                    }
                    for i, q in enumerate(section["questions"])
                ],
            )


def _move_answers(conn, t) -> None:
    nominations, measured = t["nominations"], t["measured_outcomes"]
    rows_of: dict[int, list[dict]] = {}
    for row in conn.execute(sa.select(measured).order_by(measured.c.nomination_id, measured.c.position, measured.c.id)):
        rows_of.setdefault(row.nomination_id, []).append({k: getattr(row, k) or "" for k in MEASURED})
    columns = [nominations.c.id, *(nominations.c[k] for k in MOVED_TEXT + MOVED_BOOLEAN)]
    for row in conn.execute(sa.select(*columns)).all():
        answers = {k: getattr(row, k) or "" for k in MOVED_TEXT}
        answers.update({k: bool(getattr(row, k)) for k in MOVED_BOOLEAN})
        answers["measured"] = rows_of.get(row.id, [])
        conn.execute(nominations.update().where(nominations.c.id == row.id).values(answers=answers))


def _public_questions() -> list[dict]:
    return [q for section in DEFAULT_FORM["sections"] for q in section["questions"] if q["public"] and not q["core"]]


def _move_case_answers(conn, t) -> None:
    cases = t["impact_cases"]
    for case in conn.execute(sa.select(cases)).all():
        answers = []
        for q in _public_questions():
            entry = {"key": q["key"], "label": q["settings"].get("short") or q["label"], "kind": q["kind"]}
            if q["key"] == "measured":
                rows = case.measured_outcomes or []
                if isinstance(rows, str):
                    rows = json.loads(rows or "[]")
                columns = [{"key": c["key"], "label": c["label"], "kind": c["kind"]} for c in q["settings"]["columns"]]
                entry["value"] = {"columns": columns, "rows": [{k: r.get(k) or "" for k in MEASURED} for r in rows]}
            else:
                entry["value"] = getattr(case, q["key"]) or ""
            answers.append(entry)
        conn.execute(cases.update().where(cases.c.id == case.id).values(answers=answers))


def upgrade():
    op.create_table(
        "form_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("hint", sa.Text(), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category_ids", sa.JSON(), nullable=False),
        sa.Column("condition", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_form_sections_cycle_id_cycles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_sections")),
        sa.UniqueConstraint("cycle_id", "key", name=op.f("uq_form_sections_cycle_id_key")),
    )
    op.create_index(op.f("ix_form_sections_cycle_id"), "form_sections", ["cycle_id"], unique=False)
    op.create_table(
        "form_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("core", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("hint", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("judges_see", sa.String(length=12), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category_ids", sa.JSON(), nullable=False),
        sa.Column("condition", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_form_questions_cycle_id_cycles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["form_sections.id"],
            name=op.f("fk_form_questions_section_id_form_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_questions")),
        sa.UniqueConstraint("cycle_id", "key", name=op.f("uq_form_questions_cycle_id_key")),
    )
    op.create_index(op.f("ix_form_questions_cycle_id"), "form_questions", ["cycle_id"], unique=False)
    op.create_index(op.f("ix_form_questions_section_id"), "form_questions", ["section_id"], unique=False)
    op.create_table(
        "form_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_form_templates_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_form_templates_name")),
    )
    # Columns are added and dropped in place (SQLite 3.35 and later drops a column without rebuilding
    # the table, so the foreign keys pointing at nominations never see it go).
    op.add_column("nominations", sa.Column("answers", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.add_column(
        "attachments",
        sa.Column("question_key", sa.String(length=40), nullable=False, server_default="documents"),
    )
    op.add_column("impact_cases", sa.Column("answers", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))

    conn = op.get_bind()
    t = _tables()
    _install_forms(conn, t)
    _move_answers(conn, t)
    _move_case_answers(conn, t)

    for column in (*MOVED_TEXT, *MOVED_BOOLEAN):
        op.drop_column("nominations", column)
    for column in CYCLE_LIMITS:
        op.drop_column("cycles", column)
    for column in (*NARRATIVE, "measured_outcomes"):
        op.drop_column("impact_cases", column)
    op.drop_index(op.f("ix_measured_outcomes_nomination_id"), table_name="measured_outcomes")
    op.drop_table("measured_outcomes")


def _default_keys() -> set[str]:
    return {q["key"] for section in DEFAULT_FORM["sections"] for q in section["questions"]}


def _check_downgradable(conn) -> None:
    """Refuse when a form asks a question the old columns cannot hold (its answers would be lost)."""
    extra = (
        conn.execute(
            sa.text("SELECT DISTINCT key FROM form_questions WHERE key NOT IN :keys").bindparams(
                sa.bindparam("keys", expanding=True)
            ),
            {"keys": sorted(_default_keys())},
        )
        .scalars()
        .all()
    )
    if extra:
        raise RuntimeError(
            "This database cannot go back before entry forms: its forms ask questions the old columns cannot "
            f"hold ({', '.join(sorted(extra)[:5])}). Restore the backup taken before the upgrade instead "
            "(docs/operations.md, 'Upgrading')."
        )


def downgrade():
    conn = op.get_bind()
    _check_downgradable(conn)
    for column in MOVED_TEXT:
        op.add_column("nominations", sa.Column(column, sa.Text(), nullable=False, server_default=""))
    for column in MOVED_BOOLEAN:
        op.add_column("nominations", sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("cycles", sa.Column("summary_word_limit", sa.Integer(), nullable=False, server_default="100"))
    op.add_column("cycles", sa.Column("section_word_limit", sa.Integer(), nullable=False, server_default="500"))
    op.add_column("cycles", sa.Column("section_word_limits", sa.JSON(), nullable=False, server_default="{}"))
    op.add_column("cycles", sa.Column("attachments_max_count", sa.Integer(), nullable=False, server_default="5"))
    op.add_column("cycles", sa.Column("attachments_max_mb", sa.Integer(), nullable=False, server_default="10"))
    for column in NARRATIVE:
        op.add_column("impact_cases", sa.Column(column, sa.Text(), nullable=False, server_default=""))
    op.add_column("impact_cases", sa.Column("measured_outcomes", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "measured_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=200), nullable=False),
        sa.Column("baseline", sa.String(length=200), nullable=False),
        sa.Column("result", sa.String(length=200), nullable=False),
        sa.Column("measured_on", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_measured_outcomes_nomination_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measured_outcomes")),
    )
    op.create_index(op.f("ix_measured_outcomes_nomination_id"), "measured_outcomes", ["nomination_id"], unique=False)
    t = _tables()
    _restore_answers(conn, t)
    _restore_limits(conn, t)
    _restore_cases(conn, t)
    op.drop_column("impact_cases", "answers")
    op.drop_column("attachments", "question_key")
    op.drop_column("nominations", "answers")
    op.drop_table("form_templates")
    op.drop_index(op.f("ix_form_questions_section_id"), table_name="form_questions")
    op.drop_index(op.f("ix_form_questions_cycle_id"), table_name="form_questions")
    op.drop_table("form_questions")
    op.drop_index(op.f("ix_form_sections_cycle_id"), table_name="form_sections")
    op.drop_table("form_sections")


def _json(value, empty):
    if isinstance(value, str):
        return json.loads(value or json.dumps(empty))
    return value if value is not None else empty


def _restore_answers(conn, t) -> None:
    nominations = t["nominations"]
    for row in conn.execute(sa.select(nominations.c.id, nominations.c.answers)).all():
        answers = _json(row.answers, {})
        values = {k: str(answers.get(k) or "") for k in MOVED_TEXT}
        values.update({k: bool(answers.get(k)) for k in MOVED_BOOLEAN})
        conn.execute(nominations.update().where(nominations.c.id == row.id).values(**values))
        rows = [
            {"nomination_id": row.id, "position": i, **{k: str(r.get(k) or "")[:200] for k in MEASURED}}
            for i, r in enumerate(answers.get("measured") or [])
        ]
        if rows:
            conn.execute(t["measured_outcomes"].insert(), rows)


def _restore_limits(conn, t) -> None:
    questions = t["form_questions"]
    for cycle in conn.execute(sa.select(t["cycles"].c.id)).all():
        settings = {
            q.key: _json(q.settings, {})
            for q in conn.execute(
                sa.select(questions.c.key, questions.c.settings).where(questions.c.cycle_id == cycle.id)
            )
        }
        words = {LIMIT_KEY.get(k, k): int(settings[k].get("max_words") or 500) for k in NARRATIVE if k in settings}
        files = settings.get("documents", {})
        conn.execute(
            t["cycles"]
            .update()
            .where(t["cycles"].c.id == cycle.id)
            .values(
                summary_word_limit=int(settings.get("summary", {}).get("max_words") or 100),
                section_word_limit=500,
                section_word_limits=words,
                attachments_max_count=int(files.get("max_count") or 5),
                attachments_max_mb=int(files.get("max_mb") or 10),
            )
        )


def _restore_cases(conn, t) -> None:
    cases = t["impact_cases"]
    for case in conn.execute(sa.select(cases.c.id, cases.c.answers)).all():
        values = {}
        for entry in _json(case.answers, []):
            if entry.get("key") in NARRATIVE:
                values[entry["key"]] = str(entry.get("value") or "")
            elif entry.get("key") == "measured":
                values["measured_outcomes"] = list((entry.get("value") or {}).get("rows") or [])
        if values:
            conn.execute(cases.update().where(cases.c.id == case.id).values(**values))
