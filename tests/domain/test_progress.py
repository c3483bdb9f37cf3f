"""Judging progress figures and reminders (awards.domain.judging.progress)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError
from awards.domain.judging import progress
from awards.extensions import db
from awards.models import AuditEvent, ConflictOfInterest, ConflictSource, Judge, Redaction
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user
from tests.support.judging import build_scenario


def by_name(result):
    return {p.judge.user.name.split()[0]: p for p in result.judges}


# ----------------------------------------------------------------------------- figures


def test_figures_per_judge_category_and_cycle(app):
    s = build_scenario()
    result = progress.cycle_progress(s.cycle)

    assert (result.submitted, result.expected, result.percent) == (3, 10, 30)
    assert (result.nominations, result.fully_judged, result.short_of_judges) == (5, 1, 2)

    a, b = result.categories[:2]
    assert (a.nominations, a.fully_judged, a.short_of_judges, a.submitted, a.expected, a.percent) == (3, 1, 1, 2, 6, 33)
    assert (b.nominations, b.fully_judged, b.short_of_judges, b.submitted, b.expected, b.percent) == (2, 0, 1, 1, 4, 25)
    assert all(c.nominations == 0 for c in result.categories[2:])

    judges = by_name(result)
    assert list(judges) == ["Alice", "Bob", "Cara", "Dev"]
    figures = {name: (p.assigned, p.submitted, p.drafts, p.not_started, p.status) for name, p in judges.items()}
    assert figures == {
        "Alice": (2, 1, 1, 0, "In progress"),  # the withdrawn nomination does not count
        "Bob": (3, 2, 0, 1, "In progress"),
        "Cara": (2, 0, 0, 2, "Not started"),
        "Dev": (0, 0, 0, 0, "Nothing assigned"),  # recused
    }
    assert [p.judge.id for p in result.not_started] == [s.judges["Cara"].id]
    assert [p.judge.id for p in result.remindable] == [s.judges[n].id for n in ("Alice", "Bob", "Cara")]
    assert [j.id for j in result.invited] == [s.invited.id]


def test_each_nomination_and_the_filters(app):
    s = build_scenario()
    rows, total = progress.nomination_progress(s.cycle)
    assert total == 5
    figures = {r.reference: (r.assigned, r.submitted, r.drafts, r.expected, r.short_by, r.status) for r in rows}
    n = s.nominations
    assert figures == {
        n[1].reference: (2, 2, 0, 2, 0, "Fully judged"),
        n[2].reference: (2, 0, 1, 2, 0, "In progress"),
        n[3].reference: (1, 0, 0, 2, 1, "Short of judges"),
        n[4].reference: (2, 1, 0, 2, 0, "In progress"),
        n[5].reference: (0, 0, 0, 2, 2, "Short of judges"),
    }
    assert [r.reference for r in rows] == sorted(figures)

    def refs(**kw):
        return [r.reference for r in progress.nomination_progress(s.cycle, **kw)[0]]

    assert refs(show="short") == [n[3].reference, n[5].reference]
    assert refs(show="finished") == [n[1].reference]
    assert refs(show="unfinished") == [n[i].reference for i in (2, 3, 4, 5)]
    assert refs(category=s.cycle.categories[1]) == [n[4].reference, n[5].reference]
    page, total = progress.nomination_progress(s.cycle, limit=2, offset=2)
    assert total == 5 and [r.reference for r in page] == [n[3].reference, n[4].reference]


def test_an_extra_judge_raises_what_a_nomination_expects(app):
    cycle = make_cycle(status="judging", judges_per_nomination=2)
    nomination = make_nomination(cycle)
    for _ in range(3):
        make_review(make_assignment(make_judge(cycle), nomination), status="submitted")
    [row], _ = progress.nomination_progress(cycle)
    assert (row.assigned, row.submitted, row.expected, row.fully_judged) == (3, 3, 3, True)
    result = progress.cycle_progress(cycle)
    assert (result.submitted, result.expected, result.fully_judged, result.short_of_judges) == (3, 3, 1, 0)


def test_an_empty_cycle(app):
    cycle = make_cycle(status="judging")
    result = progress.cycle_progress(cycle)
    assert (result.nominations, result.submitted, result.expected, result.percent) == (0, 0, 0, 0)
    assert result.judges == [] and result.invited == []


def test_other_cycles_do_not_count(app):
    s = build_scenario()
    other = make_cycle(name="Other awards", year=2027, status="judging")
    judge = make_judge(other)
    make_review(make_assignment(judge, make_nomination(other)), status="submitted")
    result = progress.cycle_progress(s.cycle)
    assert (result.submitted, result.expected) == (3, 10)
    assert judge.id not in {p.judge.id for p in result.judges}


def test_queries_do_not_grow_with_the_cycle(app):
    def count_queries(cycle):
        db.session.expire_all()
        cycle = db.session.get(type(cycle), cycle.id)
        statements = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            progress.cycle_progress(cycle)
            progress.nomination_progress(cycle)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    small = build_scenario()
    large = make_cycle(name="Big awards", year=2027, status="judging", judges_per_nomination=2)
    judges = [make_judge(large) for _ in range(6)]
    for i in range(12):
        nomination = make_nomination(large, category=large.categories[i % 3])
        for judge in (judges[i % 6], judges[(i + 1) % 6]):
            assignment = make_assignment(judge, nomination)
            if i % 2:
                make_review(assignment, status="submitted" if i % 4 == 1 else "draft")
    assert count_queries(small.cycle) == count_queries(large)


# ----------------------------------------------------------------------------- reminders


def test_reminders_list_what_is_left_and_record_when(app, outbox):
    s = build_scenario()
    organiser = make_user(roles=("organiser",))
    judges = [s.judges["Alice"], s.judges["Cara"]]
    reminded, skipped = progress.send_reminders(s.cycle, judges, by=organiser)
    db.session.commit()
    assert reminded == judges and skipped == []

    messages = {m.to_address: m for m in outbox("judging_reminder")}
    assert set(messages) == {"alice@judges.example.org", "cara@judges.example.org"}
    alice = messages["alice@judges.example.org"]
    assert alice.subject == f"Reminder: 1 nomination left to score for {s.cycle.name}"
    assert f"{s.nominations[2].reference}: Digital front door (draft saved)" in alice.body_text
    assert s.nominations[1].reference not in alice.body_text  # submitted
    assert s.nominations[7].reference not in alice.body_text  # withdrawn
    link = app.config["BASE_URL"].rstrip("/") + "/judging"
    assert f"\n{link}" in alice.body_text and f'href="{link}' in alice.body_html
    assert "Digital front door" in alice.body_html
    cara = messages["cara@judges.example.org"].body_text
    assert messages["cara@judges.example.org"].subject.startswith("Reminder: 2 nominations left to score")
    assert f"{s.nominations[3].reference}: Housing repairs online\n" in cara
    assert f"{s.nominations[4].reference}: Open data for buses\n" in cara

    db.session.expire_all()
    assert db.session.get(Judge, s.judges["Alice"].id).last_reminded_at is not None
    assert db.session.get(Judge, s.judges["Bob"].id).last_reminded_at is None
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "judging.reminder_sent")).all()
    assert sorted(e.object_id for e in events) == sorted(str(j.id) for j in judges)
    assert all(e.actor_id == organiser.id for e in events)


def test_a_reminder_never_names_the_organisation_or_a_conflicted_nomination(app, outbox):
    for blind in (True, False):
        cycle = make_cycle(name=f"Awards blind={blind}", year=2026 + blind, status="judging")
        cycle.rounds[0].blind = blind
        judge = make_judge(cycle)
        canary = make_nomination(
            cycle, title="Canary project", organisation_name="Zanzibar Borough Council", contact_name="Zed Canary"
        )
        declared = make_nomination(cycle, title="Declared conflict")
        detected = make_nomination(cycle, title="Detected conflict", contact_email="x@judges.example.org")
        for nomination in (canary, declared, detected):
            make_assignment(judge, nomination)
        db.session.add(
            ConflictOfInterest(
                judge_id=judge.id,
                nomination_id=declared.id,
                source=ConflictSource.ORGANISER,
                reason="Former colleague",
                created_at=utcnow(),
            )
        )
        db.session.commit()
        progress.send_reminders(cycle, [judge], by=make_user(roles=("organiser",)))
        db.session.commit()
        message = outbox("judging_reminder")[-1]
        for body in (message.subject, message.body_text, message.body_html):
            assert "Zanzibar" not in body and "Zed Canary" not in body and "Acme" not in body
            assert "Declared conflict" not in body and declared.reference not in body
            assert "Detected conflict" not in body and detected.reference not in body
        assert "Canary project" in message.body_text
        assert message.subject.startswith("Reminder: 1 nomination left")


def test_a_reminder_uses_the_redacted_title(app, outbox):
    cycle = make_cycle(status="judging")
    judge = make_judge(cycle)
    nomination = make_nomination(cycle, title="Zanzibar Council's digital front door")
    make_assignment(judge, nomination)
    db.session.add(
        Redaction(
            nomination_id=nomination.id, field="title", text="A council's digital front door", updated_at=utcnow()
        )
    )
    db.session.commit()
    progress.send_reminders(cycle, [judge], by=make_user(roles=("organiser",)))
    db.session.commit()
    body = outbox("judging_reminder")[-1].body_text
    assert "A council’s digital front door" in body or "A council's digital front door" in body
    assert "Zanzibar" not in body


def test_judges_with_nothing_left_are_skipped(app, outbox):
    s = build_scenario()
    finished = make_judge(s.cycle)
    make_review(make_assignment(finished, s.nominations[4]), status="submitted")
    reminded, skipped = progress.send_reminders(
        s.cycle, [finished, s.judges["Dev"], s.invited, s.judges["Bob"]], by=make_user(roles=("organiser",))
    )
    db.session.commit()
    assert reminded == [s.judges["Bob"]]
    assert set(skipped) == {finished, s.judges["Dev"], s.invited}
    assert [m.to_address for m in outbox("judging_reminder")] == ["bob@judges.example.org"]
    db.session.expire_all()
    assert db.session.get(Judge, finished.id).last_reminded_at is None


def test_nobody_selected_or_judging_closed_is_refused(app, outbox):
    s = build_scenario()
    organiser = make_user(roles=("organiser",))
    with pytest.raises(DomainError) as error:
        progress.send_reminders(s.cycle, [], by=organiser)
    assert error.value.message == "Select the judges to remind" and error.value.field == "judges"

    s.cycle.rounds[0].closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(DomainError, match="Judging has closed"):
        progress.send_reminders(s.cycle, [s.judges["Cara"]], by=organiser)
    assert outbox("judging_reminder") == []
