"""Migration b7e1f0a2c001 (entry forms as data) on a database filled before it, on SQLite and on
PostgreSQL: every cycle gets the default form with its own limits, every answer that was a column
(measured outcomes included) reads the same through the form afterwards, files answer the documents
question, published impact cases keep every answer; and going back puts them all in their columns
again, or refuses once a form asks a question the old columns cannot hold."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command
from flask import current_app
from flask_migrate import downgrade, upgrade

from awards.extensions import db
from tests.support.migrations import database_at, insert_cycle, insert_row

BEFORE = "a4c1e2d3b505"
NARRATIVE = ("challenge", "approach", "outcomes_narrative", "unintended_consequences", "lessons")


@pytest.fixture
def old_database(database_url, make_app, tmp_path):
    """A database of its own migrated to just before entry forms."""
    with database_at(BEFORE, database_url, make_app, tmp_path) as app:
        yield app


def _fill(conn) -> dict:
    """Two cycles with their own limits, nominations with every column answered, measured outcomes
    out of order, partners, trends, a file and a published impact case; what was put in."""
    meta = sa.MetaData()
    meta.reflect(conn)
    t = meta.tables
    user = insert_row(conn, t["users"], email="nominee@example.org", name="Nia Nominee")
    trend = insert_row(conn, t["trends"], code="T1", group="digital", name="Trend one", slug="trend-one")
    cycles = {}
    for i, limits in enumerate(
        [
            dict(
                summary_word_limit=80, section_word_limit=400, section_word_limits={"challenge": 250, "outcomes": 300}
            ),
            dict(summary_word_limit=120, section_word_limit=700, section_word_limits={}),
        ]
    ):
        cycles[i] = insert_cycle(
            conn, t["cycles"], i, status="open", attachments_max_count=3 + i, attachments_max_mb=7 + i, **limits
        )
    category = insert_row(conn, t["categories"], cycle_id=cycles[0], name="Category", slug="category")
    nominations = []
    for n in range(3):
        columns = {
            "contact_phone": f"01632 960 00{n}",
            "challenge": f"Challenge {n}\n\nwith a second paragraph & an emoji 🚀",
            "approach": f"Approach {n}",
            "outcomes_narrative": f"Outcomes {n}",
            "unintended_consequences": f"Consequences {n}",
            "lessons": f"Lessons {n}",
            "declares_accurate": n != 1,
            "declares_authorised": n != 2,
        }
        nomination = insert_row(
            conn,
            t["nominations"],
            reference=f"PSDA-2026-000{n}",
            cycle_id=cycles[0],
            category_id=category,
            nominator_id=user,
            status="submitted",
            submitted_at=datetime(2026, 1, 10),
            organisation_name=f"Council {n}",
            contact_name="Casey Contact",
            contact_email="casey@example.gov.uk",
            region="Wales",
            title=f"Project {n}",
            summary=f"Summary {n}",
            consents_to_publish=True,
            touched_sections="approach,challenge,declarations,documents,lessons,organisation,outcomes,project,trends",
            **columns,
        )
        measured = [
            {"metric": f"Metric B{n}", "baseline": "", "result": "2", "measured_on": "May 2026", "position": 1},
            {"metric": f"Metric A{n}", "baseline": "10", "result": "4", "measured_on": "", "position": 0},
        ]
        for row in measured:
            insert_row(conn, t["measured_outcomes"], nomination_id=nomination, **row)
        insert_row(conn, t["nomination_partners"], nomination_id=nomination, name=f"Partner {n}", is_supplier=True)
        insert_row(conn, t["nomination_trends"], nomination_id=nomination, trend_id=trend, is_primary=True)
        insert_row(
            conn,
            t["attachments"],
            nomination_id=nomination,
            original_name=f"report-{n}.pdf",
            stored_name=f"stored-{n}",
            content_type="application/pdf",
            extension="pdf",
            size=10,
            sha256="0" * 64,
            uploaded_at=datetime(2026, 1, 5),
        )
        nominations.append((nomination, columns, sorted(measured, key=lambda r: r["position"])))
    case_values = {key: f"Published {key}" for key in NARRATIVE}
    case_measured = [{"metric": "Calls", "baseline": "100", "result": "40", "measured_on": "March 2026"}]
    case = insert_row(
        conn,
        t["impact_cases"],
        slug="project-0",
        cycle_id=cycles[0],
        nomination_id=nominations[0][0],
        category_name="Category",
        year=2026,
        result="winner",
        title="Project 0",
        measured_outcomes=case_measured,
        **case_values,
    )
    return {"cycles": cycles, "nominations": nominations, "case": (case, case_values, case_measured)}


def test_every_answer_reads_the_same_through_the_form_after_the_upgrade(old_database):
    with db.engine.begin() as conn:
        before = _fill(conn)

    upgrade()

    from awards.domain.nominations import answers
    from awards.domain.programme import entry_forms
    from awards.models import Attachment, Cycle, ImpactCase, Nomination

    first, second = (db.session.get(Cycle, before["cycles"][i]) for i in (0, 1))
    assert [s.key for s in first.form_sections] == [
        "organisation",
        "project",
        "trends",
        "challenge",
        "approach",
        "outcomes",
        "lessons",
        "documents",
        "declarations",
    ]
    limits = {q.key: q.settings.get("max_words") for q in entry_forms.questions_of(first) if q.kind == "textarea"}
    assert limits == {
        "summary": 80,
        "challenge": 250,
        "approach": 400,
        "outcomes_narrative": 300,
        "unintended_consequences": 400,
        "lessons": 400,
    }
    assert entry_forms.question_by_key(second, "challenge").settings["max_words"] == 700
    files = entry_forms.question_by_key(first, "documents").settings
    assert (files["max_count"], files["max_mb"]) == (3, 7)

    for nomination_id, columns, measured in before["nominations"]:
        nomination = db.session.get(Nomination, nomination_id)
        for key, value in columns.items():
            assert answers.stored(nomination, entry_forms.question_by_key(first, key)) == value, key
        rows = answers.stored(nomination, entry_forms.question_by_key(first, "measured"))
        assert rows == [{k: r[k] for k in ("metric", "baseline", "result", "measured_on")} for r in measured]
        assert answers.stored(nomination, entry_forms.question_by_key(first, "region")) == "Wales"
        assert answers.stored(nomination, entry_forms.question_by_key(first, "partners")) == [
            {"name": nomination.partners[0].name, "is_supplier": True}
        ]
        assert answers.stored(nomination, entry_forms.question_by_key(first, "consents_to_publish")) is True
        assert [
            a.question_key for a in db.session.scalars(sa.select(Attachment).filter_by(nomination_id=nomination_id))
        ] == ["documents"]

    case_id, case_values, case_measured = before["case"]
    case = db.session.get(ImpactCase, case_id)
    by_key = {entry["key"]: entry for entry in case.answers}
    assert [entry["key"] for entry in case.answers] == [
        "challenge",
        "approach",
        "outcomes_narrative",
        "measured",
        "unintended_consequences",
        "lessons",
    ]
    for key, value in case_values.items():
        assert by_key[key]["value"] == value
    assert by_key["challenge"]["label"] == "The challenge"
    assert by_key["measured"]["value"]["rows"] == case_measured
    db.session.remove()

    downgrade(revision=BEFORE)
    meta = sa.MetaData()
    with db.engine.connect() as conn:
        meta.reflect(conn)
        t = meta.tables
        for nomination_id, columns, measured in before["nominations"]:
            row = conn.execute(sa.select(t["nominations"]).where(t["nominations"].c.id == nomination_id)).one()
            assert {
                k: (bool(row._mapping[k]) if isinstance(v, bool) else row._mapping[k]) for k, v in columns.items()
            } == columns
            rows = conn.execute(
                sa.select(t["measured_outcomes"])
                .where(t["measured_outcomes"].c.nomination_id == nomination_id)
                .order_by(t["measured_outcomes"].c.position)
            ).all()
            assert [r.metric for r in rows] == [r["metric"] for r in measured]
        cycle = conn.execute(sa.select(t["cycles"]).where(t["cycles"].c.id == before["cycles"][0])).one()
        assert (cycle.summary_word_limit, cycle.attachments_max_count, cycle.attachments_max_mb) == (80, 3, 7)
        case_row = conn.execute(sa.select(t["impact_cases"]).where(t["impact_cases"].c.id == case_id)).one()
        assert case_row.challenge == case_values["challenge"]
        assert "form_sections" not in t


def test_going_back_refuses_once_a_form_asks_a_question_the_columns_cannot_hold(old_database):
    with db.engine.begin() as conn:
        before = _fill(conn)
    upgrade()
    from awards.domain.programme import entry_forms
    from awards.models import Cycle

    cycle = db.session.get(Cycle, before["cycles"][0])
    definition = entry_forms.definition_of(cycle)
    definition["sections"][0]["questions"].append(
        {"key": "budget", "kind": "number", "label": "Budget", "settings": {"unit": "£"}}
    )
    entry_forms.install(cycle, definition)
    db.session.commit()
    db.session.remove()

    config = current_app.extensions["migrate"].migrate.get_config()
    with pytest.raises(RuntimeError, match=r"cannot hold \(budget\)"):  # (flask db downgrade says it and exits)
        command.downgrade(config, BEFORE)
    with db.engine.connect() as conn:  # nothing undone
        assert conn.execute(sa.text("SELECT count(*) FROM form_questions WHERE key = 'budget'")).scalar() == 1
        assert "answers" in {c["name"] for c in sa.inspect(conn).get_columns("nominations")}
