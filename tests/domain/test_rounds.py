"""Setting up a cycle's judging rounds (domain/judging/rounds.py): adding a round after the last, with
the criteria copied from an earlier round or the defaults; changing one within the safe-change rules;
removing the last one; choosing a round's panel. Each is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.judging import calibration, rounds
from awards.domain.programme import criteria as criteria_rules
from awards.domain.programme.taxonomy import default_taxonomy
from awards.extensions import db
from awards.models import (
    Advancement,
    Assignment,
    Criterion,
    JudgingRound,
    PanelMember,
    Review,
    RoundEntries,
    RoundMode,
)
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user
from tests.support.audit import action_events


@pytest.fixture
def cycle(app):
    return make_cycle()


def settings(**overrides) -> dict:
    values = {
        "name": "Final panel",
        "opens_at": None,
        "closes_at": None,
        "entries": RoundEntries.ADVANCED.value,
        "mode": RoundMode.SCORES.value,
        "ranking_method": "borda",
        "blind": True,
        "judges_per_nomination": 3,
        "judge_max_load": 12,
        "is_final": False,
    }
    values.update(overrides)
    return values


def refused(call, field: str | None = None) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    db.session.rollback()
    if field is not None:
        assert caught.value.field == field, caught.value.message
    return caught.value


# ------------------------------------------------------------------ adding


def test_a_new_round_comes_after_the_last_with_a_copy_of_the_criteria(cycle, organiser):
    first = cycle.rounds[0]
    first.criteria[0].rubric = [{"from": 1, "to": 10, "label": "Any", "text": "Any score"}]
    db.session.commit()
    added = rounds.add_round(cycle, by=organiser, criteria_from=first, **settings(is_final=True))
    db.session.commit()
    assert [r.number for r in cycle.rounds] == [1, 2]
    assert (added.label, added.entries, added.mode, added.is_final, added.whole_panel) == (
        "Round 2: Final panel",
        RoundEntries.ADVANCED,
        RoundMode.SCORES,
        True,
        True,
    )
    assert (added.judges_per_nomination, added.judge_max_load, added.blind) == (3, 12, True)
    copied = [(c.name, c.weight, c.scale_min, c.scale_max, c.rubric, c.position) for c in added.criteria]
    assert copied == [(c.name, c.weight, c.scale_min, c.scale_max, c.rubric, c.position) for c in first.criteria]
    assert all(c.cycle_id == cycle.id and c.round_id == added.id for c in added.criteria)
    assert not {c.id for c in added.criteria} & {c.id for c in first.criteria}
    # The copy is the new round's own: changing it leaves round 1's as it was.
    criteria_rules.edit_criterion(
        added.criteria[0],
        by=organiser,
        name="Changed",
        description="",
        weight=5,
        scale_min=1,
        scale_max=10,
        rubric=[],
        allow_not_applicable=False,
    )
    db.session.commit()
    assert first.criteria[0].name != "Changed"
    (event,) = action_events("round.added")
    assert event.actor_id == organiser.id and event.object_type == "judging_rounds" and event.object_id == str(added.id)
    assert event.detail["number"] == 2 and event.detail["criteria_from"] == 1 and event.detail["is_final"] is True


def test_a_new_round_can_start_with_the_default_criteria(cycle, organiser):
    added = rounds.add_round(cycle, by=organiser, criteria_from=None, **settings(name="Shortlist"))
    db.session.commit()
    defaults = default_taxonomy()["criteria"]
    assert [c.name for c in added.criteria] == [item["name"] for item in defaults]
    assert action_events("round.added")[0].detail["criteria_from"] == "default"


def test_round_names_are_checked_and_unique_in_the_cycle(cycle, organiser):
    assert refused(lambda: rounds.add_round(cycle, by=organiser, **settings(name="  ")), "name").message == (
        "Enter the round's name"
    )
    error = refused(lambda: rounds.add_round(cycle, by=organiser, **settings(name="JUDGING")), "name")
    assert error.message == "Round 1: Judging already has that name: give this round another"
    refused(lambda: rounds.add_round(cycle, by=organiser, **settings(name="x" * 121)), "name")


def test_a_round_closes_after_it_opens(cycle, organiser):
    now = utcnow()
    error = refused(lambda: rounds.add_round(cycle, by=organiser, **settings(opens_at=now, closes_at=now)), "closes_at")
    assert error.message == "The round must close after it opens"


def test_numbers_are_checked(cycle, organiser):
    refused(lambda: rounds.add_round(cycle, by=organiser, **settings(judges_per_nomination=0)), "judges_per_nomination")
    refused(lambda: rounds.add_round(cycle, by=organiser, **settings(judge_max_load=1001)), "judge_max_load")
    refused(lambda: rounds.add_round(cycle, by=organiser, **settings(mode="guess")), "mode")
    refused(lambda: rounds.add_round(cycle, by=organiser, **settings(ranking_method="coin")), "ranking_method")
    refused(lambda: rounds.add_round(cycle, by=organiser, **settings(entries="all")), "entries")
    assert len(cycle.rounds) == 1


def test_one_final_round_per_cycle_and_marking_another_is_refused(cycle, organiser):
    final = rounds.add_round(cycle, by=organiser, **settings(is_final=True))
    db.session.commit()
    error = refused(
        lambda: rounds.add_round(cycle, by=organiser, **settings(name="Another", is_final=True)), "is_final"
    )
    assert "Round 2: Final panel is already the final round" in error.message
    assert isinstance(error, Conflict)
    first = cycle.rounds[0]
    refused(
        lambda: rounds.update_round(first, by=organiser, **settings(name="Judging", entries="eligible", is_final=True)),
        "is_final",
    )
    assert final.is_final and not first.is_final


def test_criteria_from_another_cycle_are_refused(cycle, organiser):
    other = make_cycle(name="Another awards")
    refused(lambda: rounds.add_round(cycle, by=organiser, criteria_from=other.rounds[0], **settings()), "criteria")


# ------------------------------------------------------------------ changing


def test_changing_a_round_records_what_changed(cycle, organiser):
    second = rounds.add_round(cycle, by=organiser, **settings())
    db.session.commit()
    opens = utcnow() + timedelta(days=3)
    rounds.update_round(
        second, by=organiser, **settings(name="Finalists", mode="ranking", ranking_method="schulze", opens_at=opens)
    )
    db.session.commit()
    assert (second.name, second.mode, second.ranking_method, second.opens_at) == (
        "Finalists",
        RoundMode.RANKING,
        "schulze",
        opens.replace(microsecond=opens.microsecond),
    )
    (event,) = action_events("round.changed")
    assert set(event.detail["changes"]) == {"name", "mode", "ranking_method", "opens_at"}
    assert event.detail["changes"]["mode"] == {"from": "scores", "to": "ranking"}
    # Saving it unchanged records nothing
    rounds.update_round(
        second, by=organiser, **settings(name="Finalists", mode="ranking", ranking_method="schulze", opens_at=opens)
    )
    db.session.commit()
    assert len(action_events("round.changed")) == 1


def test_round_one_judges_every_eligible_entry(cycle, organiser):
    first = cycle.rounds[0]
    error = refused(lambda: rounds.update_round(first, by=organiser, **settings(name="Judging")), "entries")
    assert error.message == rounds.FIRST_ROUND_ENTRIES
    assert rounds.locked_settings(first) == {"entries": rounds.FIRST_ROUND_ENTRIES}


def test_mode_and_entries_are_locked_once_a_review_is_submitted(cycle, organiser):
    second = rounds.add_round(cycle, by=organiser, **settings())
    db.session.commit()
    nomination = make_nomination(cycle)
    assignment = make_assignment(make_judge(cycle), nomination, round_id=second.id)
    assert rounds.locked_settings(second) == {"blind": rounds.BLIND_LOCKED}
    make_review(assignment, status="draft")
    assert "mode" not in rounds.locked_settings(second)
    review = make_review(make_assignment(make_judge(cycle), nomination, round_id=second.id), status="submitted")
    assert review.id
    locked = rounds.locked_settings(second)
    assert locked == {"mode": rounds.MODE_LOCKED, "entries": rounds.ENTRIES_LOCKED, "blind": rounds.BLIND_LOCKED}
    assert refused(lambda: rounds.update_round(second, by=organiser, **settings(mode="pass_fail")), "mode").message == (
        rounds.MODE_LOCKED
    )
    refused(lambda: rounds.update_round(second, by=organiser, **settings(entries="eligible")), "entries")
    refused(lambda: rounds.update_round(second, by=organiser, **settings(blind=False)), "blind")
    # The other settings still change
    rounds.update_round(second, by=organiser, **settings(name="Final", judges_per_nomination=5))
    db.session.commit()
    assert (second.name, second.judges_per_nomination, second.mode) == ("Final", 5, RoundMode.SCORES)


def test_a_review_in_another_round_locks_nothing_here(cycle, organiser):
    second = rounds.add_round(cycle, by=organiser, **settings())
    db.session.commit()
    make_review(make_assignment(make_judge(cycle), make_nomination(cycle)), status="submitted")
    assert rounds.locked_settings(second) == {}
    assert set(rounds.locked_settings(cycle.rounds[0])) == {"entries", "mode", "blind"}


# ------------------------------------------------------------------ removing


def test_only_the_last_round_is_removed_never_round_one(cycle, organiser):
    second = rounds.add_round(cycle, by=organiser, **settings())
    third = rounds.add_round(cycle, by=organiser, **settings(name="Winners"))
    db.session.commit()
    error = refused(lambda: rounds.remove_round(cycle.rounds[0], by=organiser))
    assert error.message.startswith("Round 1 cannot be removed")
    assert refused(lambda: rounds.remove_round(second, by=organiser)).message == (
        "Only the last round can be removed. Remove Round 3: Winners first."
    )
    criterion_ids = [c.id for c in third.criteria]
    rounds.remove_round(third, by=organiser)
    db.session.commit()
    assert [r.number for r in cycle.rounds] == [1, 2]
    assert db.session.scalar(sa.select(sa.func.count(Criterion.id)).where(Criterion.id.in_(criterion_ids))) == 0
    (event,) = action_events("round.removed")
    assert event.detail == {"cycle": cycle.slug, "number": 3, "name": "Winners"}
    # The next round added takes the number again (numbers stay 1, 2, 3 … without gaps)
    again = rounds.add_round(cycle, by=organiser, **settings(name="Winners"))
    db.session.commit()
    assert again.number == 3 and [r.number for r in cycle.rounds] == [1, 2, 3]


def test_a_round_with_assignments_or_advancements_stays(cycle, organiser):
    second = rounds.add_round(cycle, by=organiser, **settings())
    db.session.commit()
    nomination = make_nomination(cycle)
    db.session.add(Advancement(round_id=second.id, nomination_id=nomination.id, created_at=utcnow()))
    db.session.commit()
    assert (
        "Entries have been advanced into Round 2: Final panel"
        in refused(lambda: rounds.remove_round(second, by=organiser)).message
    )
    db.session.execute(sa.delete(Advancement))
    db.session.commit()
    judge = make_judge(cycle)
    # Only the calibration example given out: the organiser is told to remove the example.
    second.calibration_nomination_id = nomination.id
    example = make_assignment(judge, nomination, round_id=second.id, calibration=True)
    assert (
        "Judges have been given the calibration example of Round 2: Final panel, so it cannot be removed. Remove "
        "the calibration example first." in refused(lambda: rounds.remove_round(second, by=organiser)).message
    )
    db.session.delete(example)
    second.calibration_nomination_id = None
    db.session.commit()
    make_assignment(judge, nomination, round_id=second.id)
    assert (
        "Judges have been given entries in Round 2: Final panel"
        in refused(lambda: rounds.remove_round(second, by=organiser)).message
    )
    assert db.session.get(JudgingRound, second.id) is not None


# ------------------------------------------------------------------ panels


def test_choosing_a_panel_writes_its_members(cycle, organiser):
    second = rounds.add_round(cycle, by=organiser, **settings())
    db.session.commit()
    ada, grace, alan = make_judge(cycle), make_judge(cycle), make_judge(cycle)
    first_category = cycle.categories[0]
    rounds.set_panel(
        second,
        by=organiser,
        whole_panel=False,
        members={
            ada.id: rounds.PanelChoice(category_ids=[first_category.id], max_load=4),
            grace.id: rounds.PanelChoice(),
        },
    )
    db.session.commit()
    assert not second.whole_panel
    panel = rounds.panel(second)
    assert set(panel) == {ada.id, grace.id}
    assert (panel[ada.id].category_ids, panel[ada.id].max_load) == ([first_category.id], 4)
    assert (panel[grace.id].category_ids, panel[grace.id].max_load) == (None, None)
    assert rounds.load_limit(second, ada, panel[ada.id]) == 4
    assert rounds.load_limit(second, grace, panel[grace.id]) == 12
    assert rounds.panel_categories(ada, panel[ada.id]) == frozenset({first_category.id})
    (event,) = action_events("round.panel_chosen")
    assert event.detail["whole_panel"] is False
    assert event.detail["members"][str(ada.id)] == {"categories": [first_category.id], "max_load": 4}
    # Changing it: Grace off, Alan on; then back to every judge of the cycle (the members go)
    rounds.set_panel(
        second, by=organiser, whole_panel=False, members={ada.id: rounds.PanelChoice(), alan.id: rounds.PanelChoice()}
    )
    db.session.commit()
    assert set(rounds.panel(second)) == {ada.id, alan.id}
    rounds.set_panel(second, by=organiser, whole_panel=True, members={ada.id: rounds.PanelChoice()})
    db.session.commit()
    assert second.whole_panel and set(rounds.panel(second)) == {ada.id, grace.id, alan.id}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PanelMember)) == 0
    # Round 1's panel is untouched throughout
    assert cycle.rounds[0].whole_panel


def test_a_judge_with_entries_in_the_round_stays_on_its_panel(cycle, organiser):
    first = cycle.rounds[0]
    ada = make_judge(cycle, make_user(email="ada@judges.example.org", name="Ada Lovelace", roles=("judge",)))
    grace = make_judge(cycle, make_user(email="grace@judges.example.org", name="Grace Hopper", roles=("judge",)))
    alan = make_judge(cycle)
    make_assignment(ada, make_nomination(cycle))
    make_assignment(grace, make_nomination(cycle))
    error = refused(
        lambda: rounds.set_panel(first, by=organiser, whole_panel=False, members={alan.id: rounds.PanelChoice()}),
        "judges",
    )
    assert error.message.startswith("Ada Lovelace and Grace Hopper have entries to judge in Round 1: Judging")
    # A recused assignment does not keep a judge on the panel
    make_assignment(alan, make_nomination(cycle), status="recused")
    rounds.set_panel(
        first, by=organiser, whole_panel=False, members={ada.id: rounds.PanelChoice(), grace.id: rounds.PanelChoice()}
    )
    db.session.commit()
    assert set(rounds.panel(first)) == {ada.id, grace.id}


def test_panel_choices_are_checked(cycle, organiser):
    first = cycle.rounds[0]
    judge = make_judge(cycle)
    stranger = make_judge(make_cycle(name="Elsewhere awards"))
    refused(lambda: rounds.set_panel(first, by=organiser, whole_panel=False, members={}), "judges")
    refused(
        lambda: rounds.set_panel(first, by=organiser, whole_panel=False, members={stranger.id: rounds.PanelChoice()}),
        "judges",
    )
    refused(
        lambda: rounds.set_panel(
            first, by=organiser, whole_panel=False, members={judge.id: rounds.PanelChoice(category_ids=[999999])}
        ),
        f"categories_{judge.id}",
    )
    refused(
        lambda: rounds.set_panel(
            first, by=organiser, whole_panel=False, members={judge.id: rounds.PanelChoice(max_load=0)}
        ),
        f"max_load_{judge.id}",
    )
    assert first.whole_panel and action_events("round.panel_chosen") == []


def test_round_counts_take_three_queries_for_any_number_of_rounds(cycle, organiser):
    from tests.support.queries import counting_queries

    second = rounds.add_round(cycle, by=organiser, **settings())
    db.session.commit()
    nomination = make_nomination(cycle)
    make_review(make_assignment(make_judge(cycle), nomination), status="submitted")
    make_assignment(make_judge(cycle), nomination, round_id=second.id)
    make_assignment(make_judge(cycle), nomination, round_id=second.id, status="recused")
    assert [r.number for r in cycle.rounds] == [1, 2]  # loaded, as the page loads them
    with counting_queries() as counted:
        counts = rounds.round_counts(cycle)
    assert counted["n"] == 3
    first = cycle.rounds[0]
    assert counts[first.id] == rounds.RoundCounts(len(first.criteria), 1, 1)
    assert counts[second.id] == rounds.RoundCounts(len(second.criteria), 1, 0)


def test_which_rounds_have_begun_takes_one_query_and_follows_every_advancement_saved(cycle, organiser):
    from tests.support.queries import counting_queries

    second = rounds.add_round(cycle, by=organiser, **settings())
    third = rounds.add_round(cycle, by=organiser, **settings(name="Winners", opens_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    nomination = make_nomination(cycle)
    first = cycle.rounds[0]
    assert [(r.number, r.opens_at is None) for r in cycle.rounds] == [(1, True), (2, True), (3, False)]  # loaded
    with counting_queries() as counted:
        assert rounds.begun_rounds(cycle) == {first.id}
        assert rounds.current_round(cycle) == first
        assert not rounds.has_started(second) and not rounds.has_started(third)
    assert counted["n"] == 1  # for every round, asked three ways
    # An advancement added, not yet flushed: round 2 has begun at once
    db.session.add(Advancement(round_id=second.id, nomination_id=nomination.id, created_at=utcnow()))
    assert rounds.has_started(second)
    assert rounds.current_round(cycle) == second
    # Removed by a statement in the same transaction: not begun any more
    db.session.execute(sa.delete(Advancement).where(Advancement.round_id == second.id))
    assert rounds.current_round(cycle) == first
    # Added and rolled back: not begun
    db.session.add(Advancement(round_id=second.id, nomination_id=nomination.id, created_at=utcnow()))
    db.session.flush()
    assert rounds.begun_rounds(cycle) == {first.id, second.id}
    db.session.rollback()
    assert rounds.begun_rounds(cycle) == {first.id}
    # Round 3's opening instant passed: begun without any advancement
    assert rounds.begun_rounds(cycle, now=utcnow() + timedelta(days=2)) == {first.id, third.id}
    # An advancement removed through the session and committed
    advancement = Advancement(round_id=second.id, nomination_id=nomination.id, created_at=utcnow())
    db.session.add(advancement)
    db.session.commit()
    assert rounds.current_round(cycle) == second
    db.session.delete(advancement)
    assert not rounds.has_started(second)
    db.session.commit()
    assert rounds.current_round(cycle) == first


# ------------------------------------------------------------------ the calibration example


def calibration_given(judging_round) -> dict[int, Assignment]:
    """The round's calibration assignments by judge id."""
    found = db.session.scalars(
        sa.select(Assignment).where(Assignment.round_id == judging_round.id, Assignment.calibration.is_(True))
    )
    return {a.judge_id: a for a in found}


def test_calibration_assignments_and_reviews_are_not_counted(cycle, organiser):
    first = cycle.rounds[0]
    ada = make_judge(cycle)
    grace = make_judge(cycle)
    example = make_nomination(cycle, status="ineligible")
    calibration.choose_example(first, example.reference, by=organiser)
    db.session.commit()
    make_review(calibration_given(first)[ada.id], status="submitted")
    make_review(make_assignment(ada, make_nomination(cycle)), status="submitted")

    counts = rounds.round_counts(cycle)
    assert counts[first.id] == rounds.RoundCounts(len(first.criteria), 1, 1)
    assert rounds.assigned_counts(first) == {ada.id: 1}
    assert grace.id not in rounds.assigned_counts(first)


def test_a_judge_given_only_the_calibration_example_can_leave_the_panel_unless_they_submitted_it(cycle, organiser):
    first = cycle.rounds[0]
    ada = make_judge(cycle, make_user(email="ada@judges.example.org", name="Ada Lovelace", roles=("judge",)))
    grace = make_judge(cycle, make_user(email="grace@judges.example.org", name="Grace Hopper", roles=("judge",)))
    alan = make_judge(cycle, make_user(email="alan@judges.example.org", name="Alan Turing", roles=("judge",)))
    make_assignment(ada, make_nomination(cycle))
    example = make_nomination(cycle, status="ineligible")
    calibration.choose_example(first, example.reference, by=organiser)
    db.session.commit()
    given = calibration_given(first)
    assert set(given) == {ada.id, grace.id, alan.id}
    make_review(given[grace.id], status="draft")
    make_review(given[alan.id], status="submitted")

    # Alan submitted his calibration scores: he stays, and the message says why
    error = refused(
        lambda: rounds.set_panel(first, by=organiser, whole_panel=False, members={ada.id: rounds.PanelChoice()}),
        "judges",
    )
    assert error.message.startswith(
        "Alan Turing has submitted scores for the calibration example of Round 1: Judging, so cannot be taken off "
        "its panel"
    )
    assert "Grace Hopper" not in error.message

    # Grace only has the example, a draft: she leaves the panel and it is taken back from her, draft and all
    rounds.set_panel(
        first, by=organiser, whole_panel=False, members={ada.id: rounds.PanelChoice(), alan.id: rounds.PanelChoice()}
    )
    db.session.commit()
    assert set(rounds.panel(first)) == {ada.id, alan.id}
    assert set(calibration_given(first)) == {ada.id, alan.id}
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 1  # Alan's

    # Back on the panel, she is given the example again
    rounds.set_panel(first, by=organiser, whole_panel=True)
    db.session.commit()
    assert set(calibration_given(first)) == {ada.id, grace.id, alan.id}


def test_a_judge_new_to_the_panel_is_given_the_calibration_example(cycle, organiser):
    second = rounds.add_round(cycle, by=organiser, **settings())
    db.session.commit()
    ada, grace = make_judge(cycle), make_judge(cycle)
    rounds.set_panel(second, by=organiser, whole_panel=False, members={ada.id: rounds.PanelChoice()})
    calibration.choose_example(second, make_nomination(cycle, status="ineligible").reference, by=organiser)
    db.session.commit()
    assert set(calibration_given(second)) == {ada.id}
    rounds.set_panel(
        second, by=organiser, whole_panel=False, members={ada.id: rounds.PanelChoice(), grace.id: rounds.PanelChoice()}
    )
    db.session.commit()
    assert set(calibration_given(second)) == {ada.id, grace.id}


def test_a_round_with_a_calibration_example_cannot_become_a_ranking_round(cycle, organiser):
    second = rounds.add_round(cycle, by=organiser, **settings())
    db.session.commit()
    make_judge(cycle)
    calibration.choose_example(second, make_nomination(cycle, status="ineligible").reference, by=organiser)
    db.session.commit()
    error = refused(lambda: rounds.update_round(second, by=organiser, **settings(mode="ranking")), "mode")
    assert error.message == "Remove the calibration example first: a ranking round cannot calibrate on one entry"
    assert second.mode is RoundMode.SCORES
    # Pass / fail verdicts can calibrate; without the example, ranking is allowed
    rounds.update_round(second, by=organiser, **settings(mode="pass_fail"))
    calibration.remove_example(second, by=organiser)
    rounds.update_round(second, by=organiser, **settings(mode="ranking"))
    db.session.commit()
    assert second.mode is RoundMode.RANKING
