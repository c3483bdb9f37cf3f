"""Calibration (domain/judging/calibration.py): choosing a round's example (an earlier cycle's submitted
nomination, or this cycle's ineligible one, never an entry; not in a ranking round), giving it to the
panel's judges who are not conflicted with it, the judge's comparison with the panel's median (figures
worked out by hand), the organisers' severity table, the gate before other entries, and calibration
reviews kept out of the results."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.judging import calibration, rounds
from awards.domain.results import shortlists
from awards.extensions import db
from awards.models import (
    Assignment,
    AuditEvent,
    NominationStatus,
    PanelMember,
    ReviewScore,
    RoundEntries,
    RoundMode,
    Verdict,
)
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review
from tests.factories.judging import add_conflict
from tests.support.calibration import calibrating_cycle, earlier_cycle, judge_account
from tests.support.programme import add_round


@pytest.fixture
def earlier(app):
    return earlier_cycle()


@pytest.fixture
def cycle(app, earlier):
    return calibrating_cycle()


@pytest.fixture
def scored_round(cycle):
    """Round 2, begun, judging every eligible entry, scored on Impact (60) and Evidence (40), 1 to 10."""
    return add_round(
        cycle,
        "Scored round",
        criteria=(("Impact", 60), ("Evidence", 40)),
        entries=RoundEntries.ELIGIBLE,
        opens_at=utcnow() - timedelta(days=1),
    )


@pytest.fixture
def example(earlier):
    return make_nomination(earlier, title="Last year’s example")


@pytest.fixture
def judges(cycle):
    return [make_judge(cycle, judge_account(name)) for name in ("Ada Adams", "Ben Brown", "Cy Clark")]


def calibration_assignments(judging_round) -> list[Assignment]:
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.round_id == judging_round.id, Assignment.calibration.is_(True))
            .order_by(Assignment.judge_id)
        )
    )


def refused_choice(call, field: str | None = "reference") -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    db.session.rollback()
    assert caught.value.field == field
    return caught.value


def submit_scores(assignment, values: dict) -> None:
    review = make_review(assignment, status="submitted")
    for criterion, value in values.items():
        review.scores.append(ReviewScore(criterion_id=criterion.id, value=value))
    db.session.commit()


# ------------------------------------------------------------------ choosing the example


def test_an_earlier_cycles_nomination_is_given_to_every_panel_judge_not_conflicted_with_it(
    scored_round, example, judges, organiser
):
    ada, ben, cy = judges
    add_conflict(cy, example)
    calibration.choose_example(scored_round, f"  {example.reference.lower()} ", by=organiser)
    db.session.commit()

    assert scored_round.calibration_nomination_id == example.id
    given = calibration_assignments(scored_round)
    assert [a.judge_id for a in given] == [ada.id, ben.id]
    assert all(a.nomination_id == example.id and a.round_id == scored_round.id for a in given)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "round.calibration_chosen"))
    assert event.detail["reference"] == example.reference and event.detail["judges"] == 2

    # A judge who joins the cycle (and so the round's panel) later is given it too
    dee = make_judge(scored_round.cycle, judge_account("Dee Dunn"))
    assert [j.id for j in calibration.missing_judges(scored_round)] == [dee.id]
    added = calibration.ensure_calibration(scored_round)
    db.session.commit()
    assert [a.judge_id for a in added] == [dee.id]
    assert calibration.missing_judges(scored_round) == []


def test_a_conflict_the_same_person_has_as_a_judge_of_the_earlier_cycle_counts(
    scored_round, example, judges, organiser
):
    ada = judges[0]
    then = make_judge(example.cycle, ada.user)
    add_conflict(then, example)
    calibration.choose_example(scored_round, example.reference, by=organiser)
    db.session.commit()
    assert ada.id not in {a.judge_id for a in calibration_assignments(scored_round)}


def test_refusals_name_the_reason_on_the_reference(cycle, scored_round, earlier, judges, organiser):
    entry = make_nomination(cycle)
    error = refused_choice(lambda: calibration.choose_example(scored_round, entry.reference, by=organiser))
    assert "in competition" in error.message
    draft = make_nomination(earlier, status="draft", complete=False)
    assert (
        "was not submitted"
        in refused_choice(lambda: calibration.choose_example(scored_round, draft.reference, by=organiser)).message
    )
    assert (
        "No nomination has the reference"
        in refused_choice(lambda: calibration.choose_example(scored_round, "PSDA-1999-0001", by=organiser)).message
    )
    assert (
        "Enter the reference"
        in refused_choice(lambda: calibration.choose_example(scored_round, " ", by=organiser)).message
    )
    later = make_cycle(name="Awards 2027", year=2027)
    future = make_nomination(later)
    assert (
        "not earlier than"
        in refused_choice(lambda: calibration.choose_example(scored_round, future.reference, by=organiser)).message
    )
    assert calibration_assignments(scored_round) == []

    ranking = add_round(cycle, "Ranked", entries=RoundEntries.ELIGIBLE, mode=RoundMode.RANKING)
    example = make_nomination(earlier)
    with pytest.raises(Conflict) as caught:
        calibration.choose_example(ranking, example.reference, by=organiser)
    db.session.rollback()
    assert "ranking cannot have a calibration example" in caught.value.message


def test_an_ineligible_nomination_of_this_cycle_goes_only_to_judges_of_its_category(cycle, scored_round, organiser):
    first, second = cycle.categories[0], cycle.categories[1]
    ineligible = make_nomination(cycle, category=first, status="ineligible")
    everyone = make_judge(cycle, judge_account("Eve Everyone"))
    other = make_judge(cycle, judge_account("Oz Other"))
    scored_round.whole_panel = False
    scored_round.panel.append(PanelMember(judge_id=everyone.id))
    scored_round.panel.append(PanelMember(judge_id=other.id, category_ids=[second.id]))
    db.session.commit()

    calibration.choose_example(scored_round, ineligible.reference, by=organiser)
    db.session.commit()
    assert [a.judge_id for a in calibration_assignments(scored_round)] == [everyone.id]
    assert ineligible.id not in rounds.entry_ids(scored_round)


def test_changing_or_removing_the_example_is_refused_once_a_calibration_review_is_submitted(
    scored_round, earlier, example, judges, organiser
):
    calibration.choose_example(scored_round, example.reference, by=organiser)
    db.session.commit()
    ada_given, ben_given, _ = calibration_assignments(scored_round)
    make_review(ben_given, status="draft")

    # Before any is submitted: another example replaces it, drafts and all
    another = make_nomination(earlier)
    calibration.choose_example(scored_round, another.reference, by=organiser)
    db.session.commit()
    given = calibration_assignments(scored_round)
    assert {a.nomination_id for a in given} == {another.id} and len(given) == 3

    make_review(given[0], status="submitted")
    assert (
        "cannot be changed or removed"
        in refused_choice(
            lambda: calibration.choose_example(scored_round, example.reference, by=organiser), field=None
        ).message
    )
    assert (
        "cannot be changed or removed"
        in refused_choice(lambda: calibration.remove_example(scored_round, by=organiser), field=None).message
    )
    assert scored_round.calibration_nomination_id == another.id


def test_removing_the_example_takes_back_its_assignments(scored_round, example, judges, organiser):
    calibration.choose_example(scored_round, example.reference, by=organiser)
    db.session.commit()
    make_review(calibration_assignments(scored_round)[0], status="draft")
    calibration.remove_example(scored_round, by=organiser)
    db.session.commit()
    assert scored_round.calibration_nomination_id is None
    assert calibration_assignments(scored_round) == []
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "round.calibration_removed"))


# ------------------------------------------------------------------ comparing, severity and the gate


@pytest.fixture
def three_scored(scored_round, example, judges, organiser):
    """Ada 8 and 6, Ben 6 and 5, Cy 4 and 9 (Impact, Evidence)."""
    calibration.choose_example(scored_round, example.reference, by=organiser)
    db.session.commit()
    impact, evidence = scored_round.criteria
    for assignment, (i, e) in zip(calibration_assignments(scored_round), ((8, 6), (6, 5), (4, 9)), strict=True):
        submit_scores(assignment, {impact: i, evidence: e})
    return scored_round


def test_a_judges_scores_beside_the_panels_median_worked_out_by_hand(three_scored, judges):
    ada, ben, cy = judges
    result = calibration.comparison(three_scored, ada)
    assert result.submitted == 3
    impact, evidence = result.criteria
    # Impact: 8, 6, 4 → median 6; Evidence: 6, 5, 9 → median 6
    assert (impact.yours, impact.median, impact.words) == (8, 6, "You scored 2 points above the panel's median")
    assert (evidence.yours, evidence.median) == (6, 6)
    assert evidence.words == "You scored the same as the panel's median"
    assert calibration.comparison(three_scored, ben).criteria[1].words == "You scored 1 point below the panel's median"
    # Overall (0–100, weighted 60/40 over 1 to 10): Ada 620/9, Ben 460/9, Cy 500/9 → median 500/9
    assert result.total == pytest.approx(620 / 9) and result.total_median == pytest.approx(500 / 9)
    assert result.total_words == "You scored 13.3 points above the panel's median overall"


def test_the_organisers_severity_table(three_scored, judges):
    pending = make_judge(three_scored.cycle, judge_account("Dee Dunn"))
    calibration.ensure_calibration(three_scored)
    db.session.commit()
    table = calibration.severity_table(three_scored)
    assert table.median == pytest.approx(500 / 9) and table.submitted == 3
    words = {row.name: (row.status, row.words) for row in table.rows}
    assert words == {
        "Ada Adams": ("Submitted", "More lenient by 13.3 points"),
        "Ben Brown": ("Submitted", "Harsher by 4.4 points"),
        "Cy Clark": ("Submitted", "In line with the panel"),
        pending.display_name: ("Not yet", ""),
    }


def test_pass_fail_verdicts_against_the_panels_most_common(cycle, example, judges, organiser):
    qualifying = add_round(
        cycle, "Qualifying", entries=RoundEntries.ELIGIBLE, mode=RoundMode.PASS_FAIL, opens_at=utcnow() - timedelta(1)
    )
    calibration.choose_example(qualifying, example.reference, by=organiser)
    db.session.commit()
    for assignment, verdict in zip(
        calibration_assignments(qualifying), (Verdict.PASS, Verdict.PASS, Verdict.FAIL), strict=True
    ):
        make_review(assignment, status="submitted", verdict=verdict)
    ada, _, cy = judges
    assert calibration.comparison(qualifying, ada).verdict_text == "You said Pass, as most of the panel did"
    assert calibration.comparison(qualifying, cy).verdict_text == "You said Fail; most of the panel said Pass"
    assert calibration.comparison(qualifying, cy).verdict_lines == [("Pass", 2), ("Unsure", 0), ("Fail", 1)]
    rows = {row.name: row.words for row in calibration.severity_table(qualifying).rows}
    assert rows == {
        "Ada Adams": "Agrees with the panel",
        "Ben Brown": "Agrees with the panel",
        "Cy Clark": "Differs from the panel",
    }


def test_no_comparison_before_the_judge_submits(scored_round, example, judges, organiser):
    calibration.choose_example(scored_round, example.reference, by=organiser)
    db.session.commit()
    assert calibration.comparison(scored_round, judges[0]) is None


def test_the_other_entries_of_the_round_wait_for_the_calibration_example(
    cycle, scored_round, example, judges, organiser
):
    ada = judges[0]
    entry = make_nomination(cycle)
    own = make_assignment(ada, entry, round_id=scored_round.id, no_conflict_declared=True)
    elsewhere = make_assignment(ada, entry, no_conflict_declared=True)  # round 1 has no example
    assert calibration.waiting_for(own) is None
    calibration.choose_example(scored_round, example.reference, by=organiser)
    db.session.commit()
    first = calibration.waiting_for(own)
    assert first is not None and first.nomination_id == example.id and first.calibration
    assert calibration.waiting_for(elsewhere) is None
    assert calibration.waiting_for(first) is None
    make_review(first, status="draft")
    assert calibration.waiting_for(own) is not None
    first.review.status = first.review.status.SUBMITTED
    first.review.submitted_at = utcnow()
    db.session.commit()
    assert calibration.waiting_for(own) is None


def test_calibration_reviews_are_left_out_of_the_results(cycle, three_scored, judges):
    impact, evidence = three_scored.criteria
    entry = make_nomination(cycle)
    counted = make_assignment(judges[0], entry, round_id=three_scored.id)
    submit_scores(counted, {impact: 5, evidence: 5})
    loaded = shortlists.load_reviews(three_scored)
    assert [r.nomination_id for r in loaded] == [entry.id]
    assert entry.status is NominationStatus.SUBMITTED
