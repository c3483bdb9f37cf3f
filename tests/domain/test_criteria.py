"""Criteria rules: adding, changing and removing criteria, the checks on weights, scales and rubric
bands, weight shares, and the lock once the first score of the round is saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from awards.domain.core.errors import Conflict, DomainError
from awards.domain.programme import criteria as criteria_rules
from awards.domain.programme.criteria import CriteriaLocked
from awards.extensions import db
from awards.models import AuditEvent, Criterion, ReviewScore
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user
from tests.support.programme import add_round

BANDS = [
    {"from": 1, "to": 2, "label": "Weak", "text": "Little evidence."},
    {"from": 3, "to": 3, "label": "Fair", "text": ""},
    {"from": 4, "to": 5, "label": "Strong", "text": "Clear evidence."},
]


@pytest.fixture
def cycle(app):
    return make_cycle()


def add(cycle, organiser, **overrides):
    values = dict(
        name="Value for money",
        description="Costs and benefits",
        weight=20,
        scale_min=1,
        scale_max=5,
        rubric=BANDS,
        allow_not_applicable=True,
    )
    values.update(overrides)
    criterion = criteria_rules.add_criterion(cycle.rounds[0], by=organiser, **values)
    db.session.commit()
    return criterion


def score_criterion(cycle, criterion, value=7):
    user = make_user(email=f"scorer{criterion.id}@judges.example.net", roles=("judge",))
    review = make_review(make_assignment(make_judge(cycle, user), make_nomination(cycle)))
    db.session.add(ReviewScore(review_id=review.id, criterion_id=criterion.id, value=value))
    db.session.commit()


def test_add_puts_the_criterion_last_and_audits(cycle, organiser):
    criterion = add(cycle, organiser)
    assert cycle.rounds[0].criteria[-1] is criterion and criterion.position == 6
    assert criterion.rubric == BANDS and criterion.allow_not_applicable
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "criterion.added"))
    assert event.actor_id == organiser.id and event.detail["name"] == "Value for money"


def test_bands_are_stored_in_score_order(cycle, organiser):
    criterion = add(cycle, organiser, rubric=list(reversed(BANDS)))
    assert [b["label"] for b in criterion.rubric] == ["Weak", "Fair", "Strong"]


def test_no_bands_is_allowed(cycle, organiser):
    assert add(cycle, organiser, rubric=[]).rubric == []


def test_edit_reports_what_changed(cycle, organiser):
    criterion = cycle.rounds[0].criteria[0]
    changed = criteria_rules.edit_criterion(
        criterion,
        name=criterion.name,
        description="New words",
        weight=35,
        scale_min=1,
        scale_max=10,
        rubric=criterion.rubric,
        allow_not_applicable=False,
        by=organiser,
    )
    assert changed == ["description", "weight"]
    assert criterion.weight == 35
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "criterion.edited"))
    assert event.detail["fields"] == ["description", "weight"]


def test_a_criterion_may_keep_its_own_name(cycle, organiser):
    criterion = cycle.rounds[0].criteria[0]
    criteria_rules.edit_criterion(
        criterion,
        name=criterion.name.upper(),
        description="",
        weight=30,
        scale_min=1,
        scale_max=10,
        rubric=[],
        allow_not_applicable=False,
        by=organiser,
    )


def test_remove(cycle, organiser):
    criterion = cycle.rounds[0].criteria[-1]
    criteria_rules.remove_criterion(criterion, by=organiser)
    db.session.commit()
    assert len(cycle.rounds[0].criteria) == 5 and db.session.get(Criterion, criterion.id) is None
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "criterion.removed"))


def test_the_last_criterion_stays(cycle, organiser):
    for criterion in list(cycle.rounds[0].criteria)[1:]:
        criteria_rules.remove_criterion(criterion, by=organiser)
    with pytest.raises(Conflict, match="at least one criterion"):
        criteria_rules.remove_criterion(cycle.rounds[0].criteria[0], by=organiser)


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"name": "  "}, "name", "Enter the criterion's name"),
        ({"name": "x" * 201}, "name", "200 characters or fewer"),
        ({"name": " transferability "}, "name", "already has a criterion with that name"),
        ({"description": "x" * 2001}, "description", "2,000 characters or fewer"),
        ({"weight": 0}, "weight", "from 1 to 1000"),
        ({"weight": -5}, "weight", "from 1 to 1000"),
        ({"weight": 1001}, "weight", "from 1 to 1000"),
        ({"scale_min": -1, "rubric": []}, "scale_min", "from 0 to 99"),
        ({"scale_min": 5, "scale_max": 5, "rubric": []}, "scale_max", "more than the lowest"),
        ({"scale_min": 6, "scale_max": 5, "rubric": []}, "scale_max", "more than the lowest"),
        ({"scale_min": 0, "scale_max": 21, "rubric": []}, "scale_max", "at most 21 scores"),
    ],
)
def test_values_are_checked(cycle, organiser, overrides, field, message):
    with pytest.raises(DomainError) as error:
        add(cycle, organiser, **overrides)
    assert error.value.field == field and message in error.value.message.replace("’", "'")


def test_a_scale_of_21_points_is_allowed(cycle, organiser):
    criterion = add(cycle, organiser, scale_min=0, scale_max=20, rubric=[])
    assert (criterion.scale_min, criterion.scale_max) == (0, 20)


@pytest.mark.parametrize(
    "bands,message",
    [
        ([{"from": 1, "to": 2, "label": "Weak"}, {"from": 4, "to": 5, "label": "Strong"}], "no band covers 3"),
        ([{"from": 2, "to": 5, "label": "All"}], "no band covers 1"),
        ([{"from": 1, "to": 3, "label": "Low"}], "no band covers 4 to 5"),
        ([{"from": 1, "to": 4, "label": "Low"}], "no band covers 5"),
        ([{"from": 1, "to": 3, "label": "Low"}, {"from": 3, "to": 5, "label": "High"}], "must not overlap"),
        ([{"from": 1, "to": 6, "label": "Too far"}], "Band 1 must be within the scale, 1 to 5"),
        ([{"from": 0, "to": 5, "label": "Too low"}], "within the scale"),
        ([{"from": 3, "to": 1, "label": "Backwards"}, {"from": 4, "to": 5, "label": "x"}], "start at or below"),
        ([{"from": 1, "to": 5, "label": " "}], "Enter a label for band 1"),
        ([{"from": 1, "to": 5, "label": "x" * 61}], "60 characters or fewer"),
        ([{"from": 1, "to": 5, "label": "x", "text": "y" * 501}], "500 characters or fewer"),
        ([{"from": "one", "to": 5, "label": "x"}], "as whole numbers"),
        ([{"from": True, "to": 5, "label": "x"}], "as whole numbers"),
    ],
)
def test_bands_are_checked(cycle, organiser, bands, message):
    with pytest.raises(DomainError) as error:
        add(cycle, organiser, rubric=bands)
    assert error.value.field == "rubric" and message in error.value.message


def test_changing_the_scale_checks_the_bands_again(cycle, organiser):
    criterion = cycle.rounds[0].criteria[0]  # bands for 1 to 10
    with pytest.raises(DomainError, match="within the scale"):
        criteria_rules.edit_criterion(
            criterion,
            name=criterion.name,
            description="",
            weight=30,
            scale_min=1,
            scale_max=5,
            rubric=criterion.rubric,
            allow_not_applicable=False,
            by=organiser,
        )


def test_weight_shares(cycle, organiser):
    shares = criteria_rules.weight_shares(cycle.rounds[0].criteria)
    assert shares[cycle.rounds[0].criteria[0].id] == pytest.approx(30.0)
    assert sum(shares.values()) == pytest.approx(100.0)
    add(cycle, organiser, weight=20)
    shares = criteria_rules.weight_shares(cycle.rounds[0].criteria)
    assert shares[cycle.rounds[0].criteria[-1].id] == pytest.approx(100 * 20 / 120)
    assert criteria_rules.weight_shares([]) == {}


# ------------------------------------------------------------------ the lock


def test_not_locked_before_any_score(cycle):
    judge = make_judge(cycle, make_user(email="j@judges.example.net", roles=("judge",)))
    make_review(make_assignment(judge, make_nomination(cycle)))  # a review with no score yet
    assert not criteria_rules.scoring_started(cycle.rounds[0])


def test_the_first_score_locks_every_change(cycle, organiser):
    criterion = cycle.rounds[0].criteria[1]
    score_criterion(cycle, cycle.rounds[0].criteria[0])
    assert criteria_rules.scoring_started(cycle.rounds[0])
    with pytest.raises(CriteriaLocked) as error:
        add(cycle, organiser)
    assert "Judges have started scoring" in error.value.message and "compare" in error.value.message
    with pytest.raises(CriteriaLocked):
        criteria_rules.edit_criterion(
            criterion,
            name="Changed",
            description="",
            weight=5,
            scale_min=1,
            scale_max=10,
            rubric=[],
            allow_not_applicable=False,
            by=organiser,
        )
    with pytest.raises(CriteriaLocked):
        criteria_rules.remove_criterion(criterion, by=organiser)
    db.session.rollback()
    assert len(cycle.rounds[0].criteria) == 6 and cycle.rounds[0].criteria[1].name != "Changed"


def test_a_not_applicable_answer_is_a_score_too(cycle):
    user = make_user(email="j@judges.example.net", roles=("judge",))
    review = make_review(make_assignment(make_judge(cycle, user), make_nomination(cycle)))
    db.session.add(ReviewScore(review_id=review.id, criterion_id=cycle.rounds[0].criteria[2].id, not_applicable=True))
    db.session.commit()
    assert criteria_rules.scoring_started(cycle.rounds[0])


def test_scores_in_another_cycle_do_not_lock_this_one(cycle, organiser):
    other = make_cycle(name="Other awards", year=2027)
    score_criterion(other, other.rounds[0].criteria[0])
    assert criteria_rules.scoring_started(other.rounds[0]) and not criteria_rules.scoring_started(cycle.rounds[0])
    add(cycle, organiser)


def test_each_round_has_its_own_criteria_and_lock(cycle, organiser):
    final = add_round(cycle)
    # The same name may be used in another round; not twice in one.
    same = criteria_rules.add_criterion(final, name=cycle.rounds[0].criteria[0].name, weight=10, by=organiser)
    assert (same.round_id, same.cycle_id, same.position) == (final.id, cycle.id, 2)
    with pytest.raises(Conflict, match="Round 2: Final panel already has a criterion with that name"):
        criteria_rules.add_criterion(final, name="overall impact", by=organiser)
    db.session.commit()
    # A score in round 2 locks round 2's criteria only.
    user = make_user(email="finalist-judge@judges.example.net", roles=("judge",))
    review = make_review(make_assignment(make_judge(cycle, user), make_nomination(cycle), round_id=final.id))
    db.session.add(ReviewScore(review_id=review.id, criterion_id=final.criteria[0].id, value=8))
    db.session.commit()
    assert criteria_rules.scoring_started(final) and not criteria_rules.scoring_started(cycle.rounds[0])
    with pytest.raises(CriteriaLocked):
        criteria_rules.remove_criterion(final.criteria[1], by=organiser)
    criteria_rules.remove_criterion(cycle.rounds[0].criteria[-1], by=organiser)
    assert len(cycle.rounds[0].criteria) == 5 and len(final.criteria) == 3
