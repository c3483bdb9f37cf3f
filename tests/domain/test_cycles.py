"""Award cycles' rules: time zones, creation defaults, edits, state changes guarded by the dates,
categories, and copying a cycle to next year."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.core.dates import govuk_datetime
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.nominations import form_builder
from awards.domain.programme import cycles, entry_forms, taxonomy
from awards.extensions import db
from awards.models import AuditEvent, Criterion, Cycle, CycleStatus, JudgingRound, RoundEntries, RoundMode, Trend
from tests.factories import make_cycle, make_nomination
from tests.support.dates import utc

UTC = UTC


def _trend(code):
    return db.session.scalar(sa.select(Trend).where(Trend.code == code))


def _new_cycle(**overrides):
    taxonomy.seed_trends()
    values = dict(
        name="Public Sector Digital Awards 2026",
        year=2026,
        nominations_open_at=utc(2026, 3, 2, 9),
        nominations_close_at=utc(2026, 6, 28, 16),
    )
    values.update(overrides)
    cycle = cycles.create_cycle(**values)
    db.session.commit()
    return cycle


# --- Time zones -------------------------------------------------------------------------------


def test_a_london_summer_time_is_stored_an_hour_earlier_in_utc():
    instant = cycles.local_instant(date(2026, 6, 28), time(17, 0), "Europe/London")
    assert instant == utc(2026, 6, 28, 16, 0)
    assert govuk_datetime(instant, "Europe/London") == "5pm on 28 June 2026"


@pytest.mark.parametrize(
    "day,at,zone,expected",
    [
        (date(2026, 1, 15), time(17, 0), "Europe/London", utc(2026, 1, 15, 17)),  # GMT in winter
        (date(2026, 6, 28), time(17, 0), "Europe/Stockholm", utc(2026, 6, 28, 15)),  # CEST
        (date(2026, 6, 28), time(0, 0), "Europe/London", utc(2026, 6, 27, 23)),  # midnight, a day back
        (date(2026, 10, 25), time(1, 30), "Europe/London", utc(2026, 10, 25, 0, 30)),  # the repeated hour: the first
    ],
)
def test_local_instant(day, at, zone, expected):
    assert cycles.local_instant(day, at, zone) == expected


def test_a_time_the_clocks_skip_is_refused():
    with pytest.raises(DomainError) as error:
        cycles.local_instant(date(2026, 3, 29), time(1, 30), "Europe/London")
    assert "clocks go forward" in error.value.message


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "Europe/"])
def test_unknown_time_zones_are_refused(name):
    with pytest.raises(DomainError) as error:
        cycles.check_time_zone(name)
    assert error.value.field == "time_zone"


def test_next_year_keeps_the_wall_clock_time():
    # 5pm BST on 28 June 2026 → 5pm BST on 28 June 2027; 29 February becomes 28 February.
    assert cycles.next_year(utc(2026, 6, 28, 16), "Europe/London") == utc(2027, 6, 28, 16)
    assert cycles.next_year(utc(2028, 2, 29, 12), "Europe/London") == utc(2029, 2, 28, 12)
    assert cycles.next_year(None, "Europe/London") is None


# --- Creating and changing ------------------------------------------------------------------


def test_a_new_cycle_is_a_draft_with_the_defaults(app, organiser):
    cycle = _new_cycle(by=organiser)
    assert cycle.status is CycleStatus.DRAFT and cycle.slug == "public-sector-digital-awards-2026"
    assert [t.code for t in cycle.trends] == ["D1", "D2", "D3", "D4", "D5", "T1", "T2", "T3", "T4", "T5"]
    assert len(cycle.categories) == 8 and len(cycle.rounds[0].criteria) == 6
    assert (cycle.trends_min, cycle.trends_max) == (1, 3)
    # The default form, with the default limits in its questions.
    summary, lessons = entry_forms.question_by_key(cycle, "summary"), entry_forms.question_by_key(cycle, "lessons")
    assert (summary.settings["max_words"], lessons.settings["max_words"]) == (100, 500)
    assert [s.key for s in cycle.form_sections][:3] == ["organisation", "project", "trends"]
    assert cycle.reference_prefix == "PSDA"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.created"))
    assert event.actor_id == organiser.id


def test_a_new_cycle_judges_in_one_round_with_the_settings_given_and_the_criteria_on_it(app):
    cycle = _new_cycle(
        judging_close_at=utc(2026, 9, 1, 16),
        blind_judging=False,
        judges_per_nomination=5,
        judge_max_load=12,
        aggregation_method="median",
    )
    db.session.expire_all()
    assert [r.label for r in cycle.rounds] == ["Round 1: Judging"]
    first = cycle.rounds[0]
    assert (first.closes_at, first.blind, first.judges_per_nomination, first.judge_max_load) == (
        utc(2026, 9, 1, 16),
        False,
        5,
        12,
    )
    assert (first.entries, first.mode, first.aggregation_method, first.ranking_basis) == (
        RoundEntries.ELIGIBLE,
        RoundMode.SCORES,
        "median",
        "normalised",
    )
    assert len(first.criteria) == 6
    assert all(c.cycle_id == cycle.id and c.round_id == first.id for c in first.criteria)
    # The defaults: blind, three judges for each nomination, at most 20 each, judging open until moved on.
    plain = _new_cycle(name="Another", slug="another")
    assert (plain.rounds[0].blind, plain.rounds[0].judges_per_nomination, plain.rounds[0].judge_max_load) == (
        True,
        3,
        20,
    )
    assert plain.rounds[0].closes_at is None


def test_the_judging_fields_of_an_edit_are_the_first_rounds(app, organiser):
    cycle = _new_cycle(judging_close_at=utc(2026, 9, 1, 16))
    cycles.update_cycle(
        cycle, judging_close_at=utc(2026, 9, 8, 16), blind_judging=False, judges_per_nomination=2, by=organiser
    )
    first = cycle.rounds[0]
    assert (first.closes_at, first.blind, first.judges_per_nomination) == (utc(2026, 9, 8, 16), False, 2)
    assert cycles.cycle_setting(cycle, "judge_max_load") == 20
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.updated"))
    assert event.detail["fields"] == ["blind_judging", "judges_per_nomination", "judging_close_at"]
    with pytest.raises(DomainError) as error:
        cycles.update_cycle(cycle, judging_close_at=utc(2026, 6, 1))
    assert error.value.field == "judging_close_at"


def test_slugs_are_unique(app):
    _new_cycle()
    second = _new_cycle(nominations_open_at=utc(2026, 4, 1), nominations_close_at=utc(2026, 7, 1))
    assert second.slug == "public-sector-digital-awards-2026-2"
    with pytest.raises(Conflict) as error:
        _new_cycle(slug="public-sector-digital-awards-2026")
    assert error.value.field == "slug" and "already used" in error.value.message


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"name": " "}, "name"),
        ({"year": 1999}, "year"),
        ({"time_zone": "Nowhere/Special"}, "time_zone"),
        ({"nominations_close_at": utc(2026, 3, 2, 9)}, "nominations_close_at"),
        ({"judging_close_at": utc(2026, 6, 1)}, "judging_close_at"),
        ({"reference_prefix": "PS-DA"}, "reference_prefix"),
        ({"trends_min": 3, "trends_max": 2}, "trends_max"),
        ({"attachments_max_count": 0}, "attachments_max_count"),
    ],
)
def test_create_checks_its_fields(app, overrides, field):
    with pytest.raises(DomainError) as error:
        _new_cycle(**overrides)
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Cycle.id))) == 0


def test_retired_trends_are_not_offered_anew_but_a_cycle_may_keep_one(app):
    taxonomy.seed_trends()
    retired = _trend("D3")
    taxonomy.retire_trend(retired)
    db.session.commit()
    assert retired not in cycles.default_trends()
    with pytest.raises(DomainError) as error:
        _new_cycle(trend_ids=[_trend("D1").id, retired.id])
    assert "Community resilience is retired" in error.value.message and error.value.field == "trend_ids"
    db.session.rollback()
    # A cycle that already offered it (chosen before it was retired) keeps it on edit.
    taxonomy.restore_trend(retired)
    cycle = _new_cycle(trend_ids=[_trend("D1").id, retired.id])
    taxonomy.retire_trend(retired)
    cycles.update_cycle(cycle, trend_ids=[_trend("D1").id, retired.id], name="Renamed")
    db.session.commit()
    assert retired in cycle.trends and cycle.name == "Renamed"
    # ...but once removed it cannot come back.
    cycles.update_cycle(cycle, trend_ids=[_trend("D1").id])
    with pytest.raises(DomainError):
        cycles.update_cycle(cycle, trend_ids=[_trend("D1").id, retired.id])


def test_the_web_address_changes_only_while_a_draft(app, organiser):
    other = _new_cycle(name="Other awards")
    cycle = _new_cycle()
    with pytest.raises(Conflict):
        cycles.update_cycle(cycle, slug=other.slug)
    cycles.update_cycle(cycle, slug="psda-2026", by=organiser)
    db.session.commit()
    assert cycle.slug == "psda-2026"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.updated"))
    assert event.detail == {"fields": ["slug"]}
    cycle.status = CycleStatus.OPEN
    with pytest.raises(DomainError) as error:
        cycles.update_cycle(cycle, slug="another")
    assert "only be changed while the cycle is a draft" in error.value.message
    cycles.update_cycle(cycle, slug="psda-2026", year=2027)  # unchanged web address: fine
    assert cycle.year == 2027


# --- State changes ----------------------------------------------------------------------------


def test_the_allowed_moves():
    assert cycles.TRANSITIONS[CycleStatus.DRAFT] == (CycleStatus.OPEN,)
    assert set(cycles.TRANSITIONS[CycleStatus.OPEN]) == {CycleStatus.CLOSED, CycleStatus.DRAFT}


def test_opening_needs_a_closing_date_in_the_future(app, organiser):
    cycle = _new_cycle()
    close = cycle.nominations_close_at
    with pytest.raises(DomainError) as error:
        cycles.transition(cycle, CycleStatus.OPEN, now=close)
    assert error.value.field == "nominations_close_at" and "closing date has passed" in error.value.message
    cycles.transition(cycle, CycleStatus.OPEN, now=close - timedelta(seconds=1), by=organiser)
    assert cycle.status is CycleStatus.OPEN
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.status_changed"))
    assert event.detail == {"from": "draft", "to": "open"} and event.actor_id == organiser.id


def test_closing_is_its_own_decision_at_the_closing_instant(app, organiser):
    cycle = _new_cycle()
    close = cycle.nominations_close_at
    cycles.transition(cycle, CycleStatus.OPEN, now=close - timedelta(days=1))
    assert cycles.accepts_nominations(cycle, now=close - timedelta(seconds=1))
    assert not cycles.accepts_nominations(cycle, now=close)
    with pytest.raises(Conflict) as error:  # only close_nominations closes
        cycles.transition(cycle, CycleStatus.CLOSED, now=close)
    assert "Close nominations" in error.value.message and cycle.status is CycleStatus.OPEN
    assert cycles.close_nominations(cycle, by=organiser, now=close + timedelta(hours=1)) is False
    assert cycle.status is CycleStatus.CLOSED and cycle.nominations_close_at == close  # the date stands
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.nominations_closed"))
    assert event.actor_id == organiser.id and event.detail["early"] is False


def test_closing_early_makes_now_the_closing_instant(app, organiser):
    cycle = _new_cycle()
    cycles.transition(cycle, CycleStatus.OPEN, now=utc(2026, 3, 1))
    with pytest.raises(DomainError) as error:  # not started yet: back to draft is the move
        cycles.close_nominations(cycle, by=organiser, now=utc(2026, 3, 2, 8, 59))
    assert error.value.field == "nominations_open_at" and "move the cycle back to draft" in error.value.message
    now = utc(2026, 5, 1, 10, 30)
    assert cycles.close_nominations(cycle, by=organiser, now=now) is True
    assert cycle.status is CycleStatus.CLOSED and cycle.nominations_close_at == now
    assert not cycles.accepts_nominations(cycle, now=now)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.nominations_closed"))
    assert event.detail == {
        "closed_at": now.isoformat(),
        "planned_close_at": utc(2026, 6, 28, 16).isoformat(),
        "early": True,
    }
    with pytest.raises(Conflict):
        cycles.close_nominations(cycle, by=organiser, now=now)


def test_moves_that_may_not_follow_are_conflicts(app):
    cycle = _new_cycle()
    with pytest.raises(Conflict):
        cycles.transition(cycle, CycleStatus.PUBLISHED)


def test_publishing_and_withdrawing_are_not_plain_moves(app):
    cycle = _new_cycle()
    cycle.status = CycleStatus.JUDGING
    with pytest.raises(Conflict) as error:
        cycles.transition(cycle, CycleStatus.PUBLISHED)
    assert "Publish the results from the results page" in error.value.message
    cycle.status = CycleStatus.PUBLISHED
    with pytest.raises(Conflict) as error:
        cycles.transition(cycle, CycleStatus.JUDGING)
    assert "Withdraw the results" in error.value.message
    assert cycle.status is CycleStatus.PUBLISHED
    assert set(cycles.OWN_FUNCTIONS) <= {(a, b) for a, tos in cycles.TRANSITIONS.items() for b in tos}


def test_opening_needs_categories_and_trends(app):
    cycle = _new_cycle(with_defaults=False)
    with pytest.raises(DomainError) as error:
        cycles.check_transition(cycle, CycleStatus.OPEN, now=utc(2026, 1, 1))
    assert error.value.field == "categories"
    cycles.add_category(cycle, name="Best service")
    cycles.update_cycle(cycle, trend_ids=[])
    with pytest.raises(DomainError) as error:
        cycles.check_transition(cycle, CycleStatus.OPEN, now=utc(2026, 1, 1))
    assert error.value.field == "trend_ids"


def test_counts_of_nominations(app):
    cycle = make_cycle()
    make_nomination(cycle)
    make_nomination(cycle, status="draft", complete=False)
    make_nomination(cycle, status="withdrawn")
    make_nomination(cycle, category=cycle.categories[1], status="ineligible")
    assert cycles.nomination_counts_by_cycle()[cycle.id] == {"draft": 1, "received": 2, "withdrawn": 1}
    by_category = cycles.category_nomination_counts(cycle)
    assert by_category == {cycle.categories[0].id: 3, cycle.categories[1].id: 1}


# --- Categories -------------------------------------------------------------------------------


def test_categories_link_only_the_cycles_trends(app, organiser):
    cycle = _new_cycle()
    with pytest.raises(DomainError) as error:
        cycles.add_category(cycle, name="Societal impact", trend_ids=[_trend("S1").id])
    assert error.value.field == "trend_ids"
    category = cycles.add_category(
        cycle, name="Data for good", shortlist_size=4, trend_ids=[_trend("T2").id], by=organiser
    )
    assert category.position == 8 and [t.code for t in category.trends] == ["T2"]
    with pytest.raises(Conflict):
        cycles.add_category(cycle, name="data for GOOD")
    cycles.edit_category(
        category,
        name="Data for the public good",
        description="Open data.",
        shortlist_size=5,
        trend_ids=[_trend("T1").id, _trend("T2").id],
    )
    db.session.commit()
    assert (category.name, category.slug, category.shortlist_size) == (
        "Data for the public good",
        "data-for-the-public-good",
        5,
    )
    assert [t.code for t in category.trends] == ["T1", "T2"]


def test_a_category_with_nominations_cannot_be_removed(app, organiser):
    cycle = make_cycle()
    make_nomination(cycle, status="withdrawn")
    used, unused = cycle.categories[0], cycle.categories[-1]
    with pytest.raises(Conflict):
        cycles.remove_category(used, by=organiser)
    cycles.remove_category(unused, by=organiser)
    db.session.commit()
    db.session.expire_all()
    assert unused.id not in {c.id for c in cycle.categories} and len(cycle.categories) == 7


# --- Copying ------------------------------------------------------------------------------------


def test_copy_starts_next_year_without_retired_trends(app, organiser):
    cycle = _new_cycle(judging_close_at=utc(2026, 9, 1, 16), reference_prefix="SDA", summary_word_limit=150)
    form_builder.add_question(
        entry_forms.section_by_key(cycle, "project"),
        kind="number",
        label="What was the budget?",
        required=False,
        category_ids=[cycle.categories[0].id],
        settings={"unit": "£"},
    )
    cycles.add_category(cycle, name="Cyber", trend_ids=[_trend("T3").id])
    taxonomy.retire_trend(_trend("T3"))
    db.session.commit()
    copy = cycles.copy_cycle(
        cycle,
        name="Public Sector Digital Awards 2027",
        year=2027,
        nominations_open_at=cycles.next_year(cycle.nominations_open_at, cycle.time_zone),
        nominations_close_at=cycles.next_year(cycle.nominations_close_at, cycle.time_zone),
        by=organiser,
    )
    db.session.commit()
    assert copy.status is CycleStatus.DRAFT and copy.slug == "public-sector-digital-awards-2027"
    assert copy.nominations_close_at == utc(2027, 6, 28, 16)
    assert copy.reference_prefix == "SDA"
    # The form is copied: its limits, and its questions' category limits on the copied categories.
    assert entry_forms.definition_of(copy) == entry_forms.definition_of(cycle)
    assert entry_forms.question_by_key(copy, "summary").settings["max_words"] == 150
    assert entry_forms.question_by_key(copy, "what_was_the_budget").category_ids == [copy.categories[0].id]
    assert "T3" not in [t.code for t in copy.trends] and len(copy.trends) == 9
    assert [c.name for c in copy.categories] == [c.name for c in cycle.categories]
    cyber = next(c for c in copy.categories if c.name == "Cyber")
    assert cyber.trends == []
    assert [(c.name, c.weight) for c in copy.rounds[0].criteria] == [
        (c.name, c.weight) for c in cycle.rounds[0].criteria
    ]
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.copied")).detail == {
        "source": cycle.slug
    }


def test_copy_copies_every_round_with_its_settings_and_criteria(app, organiser):
    cycle = _new_cycle(judging_close_at=utc(2026, 9, 1, 16), judges_per_nomination=4)
    first = cycle.rounds[0]
    first.aggregation_method, first.blind = "median", False
    cycle.rounds[0].criteria[0].weight = 35
    final = JudgingRound(
        number=2,
        name="Final panel",
        entries=RoundEntries.ADVANCED,
        mode=RoundMode.RANKING,
        ranking_method="schulze",
        judges_per_nomination=6,
        judge_max_load=12,
        whole_panel=False,
        is_final=True,
        opens_at=utc(2026, 9, 10, 9),
        created_at=first.created_at,
        updated_at=first.created_at,
    )
    final.criteria.append(Criterion(cycle=cycle, name="Overall impact", weight=1, position=0))
    cycle.rounds.append(final)
    db.session.commit()
    copy = cycles.copy_cycle(
        cycle,
        name="Public Sector Digital Awards 2027",
        year=2027,
        nominations_open_at=cycles.next_year(cycle.nominations_open_at, cycle.time_zone),
        nominations_close_at=cycles.next_year(cycle.nominations_close_at, cycle.time_zone),
        judging_close_at=utc(2027, 9, 1, 16),
        by=organiser,
    )
    db.session.commit()
    db.session.expire_all()
    assert [r.label for r in copy.rounds] == ["Round 1: Judging", "Round 2: Final panel"]
    one, two = copy.rounds
    assert (one.closes_at, one.judges_per_nomination, one.aggregation_method, one.blind) == (
        utc(2027, 9, 1, 16),
        4,
        "median",
        False,
    )
    assert (two.entries, two.mode, two.ranking_method, two.judges_per_nomination, two.judge_max_load) == (
        RoundEntries.ADVANCED,
        RoundMode.RANKING,
        "schulze",
        6,
        12,
    )
    assert (two.whole_panel, two.is_final, two.opens_at) == (False, True, None)  # dates are next year's to set
    assert [(c.name, c.weight) for c in one.criteria] == [(c.name, c.weight) for c in first.criteria]
    assert one.criteria[0].weight == 35
    assert [(c.name, c.cycle_id) for c in two.criteria] == [("Overall impact", copy.id)]
    assert {c.id for c in one.criteria}.isdisjoint({c.id for c in first.criteria})
    # The source keeps its own rounds and criteria.
    assert len(cycle.rounds) == 2 and len(cycle.rounds[1].criteria) == 1


def test_transition_uses_the_clock(app):
    cycle = _new_cycle()
    with time_machine.travel(datetime(2026, 7, 1, tzinfo=UTC), tick=False):
        with pytest.raises(DomainError):
            cycles.transition(cycle, CycleStatus.OPEN)
    with time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False):
        cycles.transition(cycle, CycleStatus.OPEN)
    assert cycle.status is CycleStatus.OPEN
