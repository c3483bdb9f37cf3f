"""What one section save writes (issue 19, item 1): the answers, the sections touched and the time of the change in
one UPDATE (the entry's version goes up by one), one "section saved" event, and nothing at all when the answers are
the same as those kept (partners too, compared before the save is flushed)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from awards.extensions import db
from awards.models import AuditEvent, Nomination
from tests.factories import make_cycle
from tests.support.nominating import save, start_draft, valid_sections


@pytest.fixture
def cycle(app):
    return make_cycle(name="Public Sector Digital Awards 2026", year=2026)


def _kept(nomination) -> tuple[int, object, int]:
    """The entry's version, its time of change and how many "section saved" events it has, as the database holds
    them."""
    db.session.expire_all()
    stored = db.session.get(Nomination, nomination.id)
    events = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "nomination.section_saved", AuditEvent.object_id == str(nomination.id)
        )
    )
    return stored.version, stored.updated_at, events


@pytest.fixture
def statements(app):
    """The SQL statements run from the moment the test calls `start()` (the app's engine: requests and the test)."""
    ran: list[str] = []
    counting = []

    def seen(_connection, _cursor, statement, *_):
        if counting:
            ran.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    yield ran, lambda: counting.append(True)
    sa.event.remove(db.engine, "before_cursor_execute", seen)


def test_a_save_that_changes_a_section_is_one_update_adding_one_to_the_version(nominee_client, cycle, statements):
    nomination = start_draft(nominee_client, cycle)
    version, _, events = _kept(nomination)
    ran, start = statements
    start()

    response = save(nominee_client, nomination, "challenge", {"challenge": "Applications took 12 weeks."})

    assert response.status_code == 302
    updates = [s for s in ran if s.lstrip().upper().startswith("UPDATE NOMINATIONS")]
    assert len(updates) == 1, updates
    assert _kept(nomination)[0::2] == (version + 1, events + 1)
    stored = db.session.get(Nomination, nomination.id)
    assert stored.answers["challenge"] == "Applications took 12 weeks." and "challenge" in stored.touched


@pytest.mark.parametrize("section", ["organisation", "project", "trends", "outcomes", "declarations"])
def test_saving_the_same_answers_again_writes_nothing(nominee_client, cycle, section):
    """Partners are rows of their own: the same ones posted again are no change."""
    nomination = start_draft(nominee_client, cycle)
    answers = valid_sections(cycle)[section]
    assert save(nominee_client, nomination, section, answers).status_code == 302
    first = _kept(nomination)
    assert first[2] == 1

    assert save(nominee_client, nomination, section, answers).status_code == 302

    assert _kept(nomination) == first


def test_changing_the_trends_chosen_is_a_change(nominee_client, cycle):
    nomination = start_draft(nominee_client, cycle)
    answers = valid_sections(cycle)["trends"]
    save(nominee_client, nomination, "trends", answers)
    version, updated_at, events = _kept(nomination)
    trend_a, trend_c = cycle.trends[0].id, cycle.trends[2].id
    changed = {
        "trends": [str(trend_a), str(trend_c)],
        "primary": str(trend_c),
        f"how_{trend_a}": "Designed with residents.",
        f"how_{trend_c}": "Shared with other councils.",
    }

    assert save(nominee_client, nomination, "trends", changed).status_code == 302

    new_version, new_updated_at, new_events = _kept(nomination)
    assert (new_version, new_events) == (version + 1, events + 1) and new_updated_at >= updated_at
    stored = db.session.get(Nomination, nomination.id)
    assert [(link.trend_id, link.is_primary) for link in stored.trend_links] == [(trend_c, True), (trend_a, False)]


def test_after_the_save_commits_the_response_does_not_read_the_person_again(nominee_client, cycle, statements):
    """The response's headers ask whether someone is signed in: the person loaded for the request is, without
    reading their row and roles back after the commit expired them (two statements a save)."""
    nomination = start_draft(nominee_client, cycle)
    ran, start = statements
    start()

    response = save(nominee_client, nomination, "challenge", {"challenge": "Applications took 12 weeks."})

    assert response.status_code == 302
    commit_at = next(i for i, s in enumerate(ran) if s.lstrip().upper().startswith("UPDATE NOMINATIONS"))
    after = [s for s in ran[commit_at + 1 :] if "FROM users" in s or "FROM user_roles" in s]
    assert after == []
