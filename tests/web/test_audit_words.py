"""The organiser reads the activity log in words, not the audit log's machine names."""

from __future__ import annotations

import re
from pathlib import Path

from awards.domain.core import audit
from awards.domain.judging import rounds
from awards.extensions import db
from awards.web.audit_words import ACTION_WORDS, action_words
from tests.factories import make_cycle
from tests.support.visible import main_text


def test_the_overview_and_a_persons_page_show_activity_in_words(organiser, organiser_client):
    cycle = make_cycle(name="Gwobrau & Awards 2026")
    audit.record("sign_in", actor=organiser, obj=organiser)
    audit.record("nominations.exported", actor=organiser, obj=cycle)
    audit.record("judge.affiliations_changed", actor=organiser, obj=organiser)
    db.session.commit()
    for url in ("/organiser/", f"/organiser/users/{organiser.id}"):
        shown = main_text(organiser_client.get(url))
        assert "Signed in" in shown and f"Person {organiser.id}" in shown, url
        assert "sign_in" not in shown and "users " not in shown, url
    shown = main_text(organiser_client.get("/organiser/"))
    assert "Nominations downloaded as CSV" in shown and f"Award cycle {cycle.id}" in shown
    assert "Judge affiliations changed" in shown and "nominations.exported" not in shown


def test_the_activity_log_calls_a_judging_round_by_name(organiser, organiser_client):
    cycle = make_cycle()
    added = rounds.add_round(
        cycle,
        by=organiser,
        name="Final panel",
        entries="advanced",
        mode="scores",
        blind=True,
        judges_per_nomination=3,
        judge_max_load=10,
    )
    db.session.commit()
    shown = main_text(organiser_client.get("/organiser/"))
    assert "Judging round added" in shown and f"Judging round {added.id}" in shown
    assert "round.added" not in shown and "judging_rounds" not in shown and "Judging rounds " not in shown


# Prefixes of the judging rounds' events (issue #15): each has words of its own, not generated ones.
ROUND_EVENT = re.compile(r'"((?:round|feedback|panel_meeting)\.[a-z_]+)"')


def test_every_event_of_the_judging_rounds_has_words_of_its_own():
    recorded = {
        name for path in Path(audit.__file__).parents[1].rglob("*.py") for name in ROUND_EVENT.findall(path.read_text())
    }
    assert {"round.advanced", "round.finalists_told", "feedback.approved", "panel_meeting.closed"} <= recorded
    assert sorted(recorded - ACTION_WORDS.keys()) == []
    assert action_words("round.advancement_removed") == "Entry taken back from the next round"
    assert action_words("round.not_advanced") == "Suggested entry not advanced"


def test_the_activity_log_says_a_feedback_decision_in_words(organiser, organiser_client):
    cycle = make_cycle()
    audit.record("feedback.withheld", actor=organiser, obj=cycle)
    audit.record("round.finalists_told", actor=organiser, obj=cycle.rounds[0], emails=3)
    db.session.commit()
    shown = main_text(organiser_client.get("/organiser/"))
    assert "Feedback for the entrant withheld" in shown and "Finalists emailed" in shown
    assert "feedback.withheld" not in shown and "Round finalists told" not in shown
