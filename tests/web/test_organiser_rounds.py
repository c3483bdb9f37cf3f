"""The organiser's judging rounds pages: the list of a cycle's rounds, adding a round (in the cycle's time
zone, with its criteria copied or the defaults), changing one within the safe-change rules, removing the
last one, and choosing a round's panel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from awards.domain.judging import rounds as round_rules
from awards.extensions import db
from awards.models import AuditEvent, JudgingRound, PanelMember, RoundEntries, RoundMode
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user
from tests.support.pages import input_value
from tests.support.queries import counting_queries
from tests.support.visible import error_messages, error_summary, main_text, page_text

NAME = "Digital & Data Awards 🚀 2026"


@pytest.fixture
def cycle(app):
    return make_cycle(name=NAME)


def url(cycle, tail: str = "") -> str:
    return f"/organiser/cycles/{cycle.slug}/rounds{tail}"


def round_form(**overrides) -> dict:
    """A complete, valid round form as the browser posts it."""
    data = {
        "name": "Final panel",
        "opens_date": ["2", "9", "2026"],
        "opens_time": "9am",
        "closes_date": ["30", "9", "2026"],
        "closes_time": "17:00",
        "entries": "advanced",
        "mode": "scores",
        "ranking_method": "borda",
        "blind": "no",
        "judges_per_nomination": "4",
        "judge_max_load": "8",
        "criteria": "round-1",
    }
    data.update(overrides)
    return data


def rounds_of(cycle) -> list[JudgingRound]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(JudgingRound).where(JudgingRound.cycle_id == cycle.id).order_by("number")))


def add_second_round(cycle, organiser, **overrides) -> JudgingRound:
    values = {
        "name": "Final panel",
        "entries": "advanced",
        "mode": "scores",
        "blind": True,
        "judges_per_nomination": 3,
        "judge_max_load": 10,
    }
    values.update(overrides)
    added = round_rules.add_round(cycle, by=organiser, criteria_from=cycle.rounds[0], **values)
    db.session.commit()
    return added


# ------------------------------------------------------------------ the list


def test_the_list_shows_each_round_as_a_card(organiser_client, organiser, cycle):
    add_second_round(cycle, organiser, mode="ranking", ranking_method="schulze", is_final=True)
    make_judge(cycle)
    response = organiser_client.get(url(cycle))
    assert response.status_code == 200
    text = main_text(response)
    assert text.startswith(f"{NAME} Judging rounds")
    assert "Round 1: Judging" in text and "Round 2: Final panel" in text
    first, second = text.split("Round 2: Final panel", 1)
    assert "Mode Scores against weighted criteria" in first
    assert "Entries All eligible entries" in first
    assert "Opens When judging starts" in first and "Closes Not decided" in first
    assert "Panel Every judge of the cycle (1 judge)" in first
    assert "Judges for each entry 3" in first and "Blind judging Yes" in first and "Final round No" in first
    assert "No judges given entries yet" in first and "No reviews submitted yet" in first
    assert "Mode Ranking (each judge puts their entries in order) by the Schulze method" in second
    assert "Entries Entries advanced from the previous round" in second
    assert "Final round Yes: its panel meets to agree the results" in second
    assert "Add a round" in text
    html = response.get_data(as_text=True)
    # Change for each round; Remove only for the last (never round 1); each round's criteria and panel pages
    assert f'href="{url(cycle, "/1/edit")}"' in html and f'href="{url(cycle, "/2/edit")}"' in html
    assert f'href="{url(cycle, "/2/remove")}"' in html and f'href="{url(cycle, "/1/remove")}"' not in html
    assert f'href="/organiser/cycles/{cycle.slug}/criteria?round=2"' in html
    assert f'href="{url(cycle, "/2/panel")}"' in html


def test_a_one_round_cycle_can_remove_nothing(organiser_client, cycle):
    response = organiser_client.get(url(cycle))
    html = response.get_data(as_text=True)
    assert "/remove" not in html
    assert f'href="/organiser/cycles/{cycle.slug}/criteria"' in html


def test_the_cycle_page_links_to_its_rounds(organiser_client, cycle):
    response = organiser_client.get(f"/organiser/cycles/{cycle.slug}")
    assert f'href="{url(cycle)}"' in response.get_data(as_text=True)


def test_the_list_takes_the_same_queries_for_one_round_or_four(organiser_client, organiser, cycle):
    organiser_client.get(url(cycle))  # warm up
    with counting_queries() as one:
        assert organiser_client.get(url(cycle)).status_code == 200
    for name in ("Shortlist", "Finalists", "Winners"):
        add_second_round(cycle, organiser, name=name)
    round_rules.set_panel(
        rounds_of(cycle)[2], by=organiser, whole_panel=False, members={make_judge(cycle).id: round_rules.PanelChoice()}
    )
    db.session.commit()
    for judging_round in rounds_of(cycle)[1:]:
        make_review(
            make_assignment(make_judge(cycle), make_nomination(cycle), round_id=judging_round.id), status="submitted"
        )
    with counting_queries() as four:
        assert organiser_client.get(url(cycle)).status_code == 200
    assert four["n"] == one["n"]


# ------------------------------------------------------------------ adding


def test_adding_a_round_in_the_cycles_time_zone(organiser_client, organiser, cycle):
    response = organiser_client.get(url(cycle, "/new"))
    text = page_text(response)
    assert "Add round 2" in text
    assert "Copy the criteria and rubric from round 1 (Judging)" in text and "Start with the default criteria" in text
    # Entries advanced from round 1 and its criteria copied are the defaults
    html = response.get_data(as_text=True)
    assert 'value="advanced" checked' in html and 'value="round-1" checked' in html
    response = organiser_client.post_form(url(cycle, "/new"), round_form(), token_from=url(cycle, "/new"))
    assert response.status_code == 302 and response.headers["Location"] == url(cycle)
    added = rounds_of(cycle)[1]
    # 9am on 2 September in London is 8am UTC (summer time)
    assert added.opens_at == datetime(2026, 9, 2, 8, 0, tzinfo=UTC)
    assert added.closes_at == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert (added.number, added.name, added.entries, added.mode, added.blind) == (
        2,
        "Final panel",
        RoundEntries.ADVANCED,
        RoundMode.SCORES,
        False,
    )
    assert (added.judges_per_nomination, added.judge_max_load, added.is_final) == (4, 8, False)
    assert [c.name for c in added.criteria] == [c.name for c in rounds_of(cycle)[0].criteria]
    listed = organiser_client.get(url(cycle))
    text = page_text(listed)
    assert "Round 2: Final panel has been added" in text
    assert "Opens 9am on 2 September 2026" in text and "Closes 5pm on 30 September 2026" in text
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "round.added")).actor_id == organiser.id


def test_a_ranking_round_with_its_method(organiser_client, cycle):
    response = organiser_client.get(url(cycle, "/new"))
    html = response.get_data(as_text=True)
    # The method's radios are in the GOV.UK conditional panel under "Ranking"
    ranking = html.index('value="ranking"')
    panel = html.index('class="govuk-radios__conditional"', ranking)
    assert html.index('name="ranking_method"', panel) > panel
    text = page_text(response)
    assert "Borda count" in text and "Schulze method" in text
    # Each method's stated rule, with its tie-break
    assert "Ties are broken by the number of first places, then the reference." in text
    assert "Ties are broken by the Borda score, then the reference." in text
    form = round_form(name="Finalists", mode="ranking", ranking_method="schulze", criteria="default")
    assert organiser_client.post_form(url(cycle, "/new"), form, token_from=url(cycle, "/new")).status_code == 302
    added = rounds_of(cycle)[1]
    assert (added.mode, added.ranking_method) == (RoundMode.RANKING, "schulze")


def test_bad_input_is_shown_in_the_error_summary_and_kept(organiser_client, cycle):
    form = round_form(
        name="",
        opens_date=["31", "2", "2026"],
        closes_date=["", "", ""],
        closes_time="5pm",
        judges_per_nomination="many",
        mode="",
    )
    response = organiser_client.post_form(url(cycle, "/new"), form, token_from=url(cycle, "/new"))
    assert response.status_code == 200
    assert error_messages(response) == [
        "Enter the round’s name",
        "Date the round opens must be a real date",
        "Enter the date the round closes",
        "Select how judges judge the entries",
        "Number of judges for each entry must be a whole number",
    ]
    assert dict(error_summary(response))["#name"] == "Enter the round’s name"
    assert input_value(response, "opens_date-day") == "31"
    assert input_value(response, "closes_time") == "5pm"
    assert input_value(response, "judges_per_nomination") == "many"
    assert input_value(response, "judge_max_load") == "8"
    assert page_text(response).startswith("Error:")
    assert len(rounds_of(cycle)) == 1


def test_closing_before_opening_is_refused_on_the_closing_date(organiser_client, cycle):
    form = round_form(closes_date=["1", "9", "2026"])
    response = organiser_client.post_form(url(cycle, "/new"), form, token_from=url(cycle, "/new"))
    assert response.status_code == 200
    assert error_summary(response) == [("#closes_date-day", "The round must close after it opens")]
    assert input_value(response, "name") == "Final panel"
    assert len(rounds_of(cycle)) == 1


def test_a_second_final_round_is_refused_with_the_reason(organiser_client, organiser, cycle):
    add_second_round(cycle, organiser, is_final=True)
    form = round_form(name="Winners", is_final="y", criteria="round-2")
    response = organiser_client.post_form(url(cycle, "/new"), form, token_from=url(cycle, "/new"))
    assert response.status_code == 200
    ((href, message),) = error_summary(response)
    assert href == "#is_final"
    assert message.startswith("Round 2: Final panel is already the final round.")
    assert input_value(response, "name") == "Winners"
    assert len(rounds_of(cycle)) == 2


def test_round_two_can_judge_every_eligible_entry(organiser_client, cycle):
    form = round_form(entries="eligible", mode="pass_fail", criteria="default")
    assert organiser_client.post_form(url(cycle, "/new"), form, token_from=url(cycle, "/new")).status_code == 302
    added = rounds_of(cycle)[1]
    assert (added.entries, added.mode) == (RoundEntries.ELIGIBLE, RoundMode.PASS_FAIL)


# ------------------------------------------------------------------ changing


def test_changing_round_one_keeps_its_entries(organiser_client, cycle):
    response = organiser_client.get(url(cycle, "/1/edit"))
    text = page_text(response)
    assert "Change Round 1: Judging" in text
    assert "All eligible entries: round 1 judges every entry" in text
    assert 'name="entries"' not in response.get_data(as_text=True)
    assert input_value(response, "name") == "Judging"
    form = round_form(name="Paper shortlist", mode="pass_fail", closes_date=["30", "9", "2026"])
    form.pop("entries")
    form.pop("criteria")
    response = organiser_client.post_form(url(cycle, "/1/edit"), form, token_from=url(cycle, "/1/edit"))
    assert response.status_code == 302
    first = rounds_of(cycle)[0]
    assert (first.name, first.mode, first.entries) == ("Paper shortlist", RoundMode.PASS_FAIL, RoundEntries.ELIGIBLE)
    assert "Your changes to Round 1: Paper shortlist have been saved" in page_text(organiser_client.get(url(cycle)))
    # The stored instants come back in the cycle's time zone
    response = organiser_client.get(url(cycle, "/1/edit"))
    assert input_value(response, "opens_time") == "9am" and input_value(response, "closes_date-day") == "30"


def test_a_locked_setting_says_why_and_refuses_a_change(organiser_client, organiser, cycle):
    second = add_second_round(cycle, organiser)
    make_review(make_assignment(make_judge(cycle), make_nomination(cycle), round_id=second.id), status="submitted")
    response = organiser_client.get(url(cycle, "/2/edit"))
    text = page_text(response)
    assert round_rules.MODE_LOCKED in text and round_rules.BLIND_LOCKED in text
    form = round_form(mode="ranking", blind="yes", judges_per_nomination="5")
    form.pop("criteria")
    response = organiser_client.post_form(url(cycle, "/2/edit"), form, token_from=url(cycle, "/2/edit"))
    assert response.status_code == 200
    assert error_summary(response) == [("#mode", round_rules.MODE_LOCKED)]
    assert 'value="ranking" checked' in response.get_data(as_text=True)
    assert input_value(response, "judges_per_nomination") == "5"
    assert rounds_of(cycle)[1].mode is RoundMode.SCORES
    # Blind cannot change either, once the round has assignments
    form.update(mode="scores", blind="no")
    response = organiser_client.post_form(url(cycle, "/2/edit"), form, token_from=url(cycle, "/2/edit"))
    assert error_summary(response) == [("#blind", round_rules.BLIND_LOCKED)]
    form.update(blind="yes")
    assert organiser_client.post_form(url(cycle, "/2/edit"), form, token_from=url(cycle, "/2/edit")).status_code == 302
    assert rounds_of(cycle)[1].judges_per_nomination == 5


def test_a_round_that_does_not_exist_is_not_found(organiser_client, cycle):
    assert organiser_client.get(url(cycle, "/2/edit")).status_code == 404
    assert organiser_client.get(url(cycle, "/0/panel")).status_code == 404
    assert organiser_client.get(url(cycle, "/9/remove")).status_code == 404


# ------------------------------------------------------------------ removing


def test_round_one_cannot_be_removed(organiser_client, cycle):
    response = organiser_client.get(url(cycle, "/1/remove"))
    text = main_text(response)
    assert "You cannot remove Round 1: Judging" in text and "every cycle judges in at least one round" in text
    assert "Remove round" not in text
    response = organiser_client.post_form(url(cycle, "/1/remove"), {}, token_from=url(cycle))
    assert response.status_code == 302
    assert "Round 1 cannot be removed" in page_text(organiser_client.get(url(cycle)))
    assert len(rounds_of(cycle)) == 1


def test_removing_the_last_round(organiser_client, organiser, cycle):
    add_second_round(cycle, organiser)
    response = organiser_client.get(url(cycle, "/2/remove"))
    assert "Remove Round 2: Final panel?" in main_text(response)
    response = organiser_client.post_form(url(cycle, "/2/remove"), {}, token_from=url(cycle, "/2/remove"))
    assert response.status_code == 302 and response.headers["Location"] == url(cycle)
    assert len(rounds_of(cycle)) == 1
    assert "Round 2: Final panel has been removed" in page_text(organiser_client.get(url(cycle)))


def test_a_round_with_assignments_is_not_removed(organiser_client, organiser, cycle):
    second = add_second_round(cycle, organiser)
    make_assignment(make_judge(cycle), make_nomination(cycle), round_id=second.id)
    response = organiser_client.get(url(cycle, "/2/remove"))
    assert "Judges have been given entries in Round 2: Final panel" in main_text(response)
    organiser_client.post_form(url(cycle, "/2/remove"), {}, token_from=url(cycle))
    assert len(rounds_of(cycle)) == 2


# ------------------------------------------------------------------ panels


def test_a_cycle_without_judges_says_so(organiser_client, cycle):
    text = main_text(organiser_client.get(url(cycle, "/1/panel")))
    assert "No judges have been invited to this cycle yet" in text
    assert "Save panel" not in text


def test_choosing_a_rounds_panel(organiser_client, organiser, cycle):
    second = add_second_round(cycle, organiser)
    ada = make_judge(cycle, make_user(email="ada@judges.example.org", name="Ada Lovelace", roles=("judge",)))
    grace = make_judge(cycle, make_user(email="grace@judges.example.org", name="Grace Hopper", roles=("judge",)))
    response = organiser_client.get(url(cycle, "/2/panel"))
    text = main_text(response)
    assert "Panel of Round 2: Final panel" in text and "Ada Lovelace" in text and "Grace Hopper" in text
    assert "Leave blank for their usual limit: 10." in text
    category = cycle.categories[1]
    data = {
        "scope": "chosen",
        "judges": [str(ada.id)],
        f"categories_{ada.id}": [str(category.id)],
        f"max_load_{ada.id}": "4",
        f"max_load_{grace.id}": "",
    }
    response = organiser_client.post_form(url(cycle, "/2/panel"), data, token_from=url(cycle, "/2/panel"))
    assert response.status_code == 302
    members = list(db.session.scalars(sa.select(PanelMember).where(PanelMember.round_id == second.id)))
    assert [(m.judge_id, m.category_ids, m.max_load) for m in members] == [(ada.id, [category.id], 4)]
    assert not rounds_of(cycle)[1].whole_panel
    listed = page_text(organiser_client.get(url(cycle)))
    assert "The panel of Round 2: Final panel has been saved" in listed and "Panel 1 judge" in listed
    # The page shows the choice back
    response = organiser_client.get(url(cycle, "/2/panel"))
    html = response.get_data(as_text=True)
    assert f'value="{ada.id}" checked' in html and f'value="{category.id}" checked' in html
    assert input_value(response, f"max_load_{ada.id}") == "4"
    # Round 1 still uses every judge
    assert rounds_of(cycle)[0].whole_panel


def test_panel_mistakes_are_shown_and_kept(organiser_client, organiser, cycle):
    ada = make_judge(cycle, make_user(email="ada@judges.example.org", name="Ada Lovelace", roles=("judge",)))
    grace = make_judge(cycle, make_user(email="grace@judges.example.org", name="Grace Hopper", roles=("judge",)))
    make_assignment(ada, make_nomination(cycle))
    text = main_text(organiser_client.get(url(cycle, "/1/panel")))
    assert "Ada Lovelace Has 1 entry to judge in this round, so stays on its panel" in text
    assert "Grace Hopper No entries to judge in this round yet." in text
    # No judge chosen, and a limit that is not a number
    data = {"scope": "chosen", f"max_load_{grace.id}": "lots"}
    response = organiser_client.post_form(url(cycle, "/1/panel"), data, token_from=url(cycle, "/1/panel"))
    assert response.status_code == 200
    assert error_messages(response) == [
        "Select the judges on the round’s panel",
        "Most entries for Grace Hopper must be a whole number",
    ]
    assert input_value(response, f"max_load_{grace.id}") == "lots"
    # Ada has entries to judge in round 1: she cannot be taken off its panel
    data = {"scope": "chosen", "judges": [str(grace.id)]}
    response = organiser_client.post_form(url(cycle, "/1/panel"), data, token_from=url(cycle, "/1/panel"))
    assert response.status_code == 200
    ((href, message),) = error_summary(response)
    assert href == "#judges"
    assert message.startswith("Ada Lovelace has entries to judge in Round 1: Judging, so cannot be taken off its panel")
    assert f'value="{grace.id}" checked' in response.get_data(as_text=True)
    assert rounds_of(cycle)[0].whole_panel


def test_another_cycles_rounds_are_its_own(organiser_client, organiser, cycle):
    other = make_cycle(name="Local Gov Awards 2026")
    add_second_round(other, organiser, name="Other final")
    judge = make_judge(other)
    text = main_text(organiser_client.get(url(cycle)))
    assert "Other final" not in text and "Round 2" not in text
    assert organiser_client.get(url(cycle, "/2/edit")).status_code == 404
    # Posting another cycle's judge to this cycle's panel is refused
    data = {"scope": "chosen", "judges": [str(judge.id)]}
    response = organiser_client.post_form(url(cycle, "/1/panel"), data, token_from=url(cycle, "/1/panel"))
    assert response.status_code == 200 and rounds_of(cycle)[0].whole_panel
    assert len(rounds_of(other)) == 2
