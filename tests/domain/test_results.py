"""Leaderboards, the suggested shortlist, decisions with rationale, publication."""

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.results import shortlists
from awards.extensions import db
from awards.models import (
    Advancement,
    Assignment,
    CycleStatus,
    ImpactCase,
    Judge,
    NominationStatus,
    Result,
    Review,
    ReviewScore,
    ReviewStatus,
)
from tests.factories import make_cycle, make_nomination, make_user
from tests.support.judging import score
from tests.support.programme import add_round


@pytest.fixture
def setup(app):
    cycle = make_cycle(status="judging", judges_per_nomination=2)
    category = cycle.categories[0]
    category.shortlist_size = 2
    judges = []
    for i in range(2):
        user = make_user(organisation=f"Judging Org {i}")
        judge = Judge(cycle_id=cycle.id, email=user.email, user_id=user.id, invited_at=utcnow(), accepted_at=utcnow())
        db.session.add(judge)
        judges.append(judge)
    db.session.commit()
    nominations = [make_nomination(cycle, category=category, title=f"Project {i}") for i in range(3)]
    for n, value in zip(nominations, (9, 5, 7), strict=True):
        for judge in judges:
            score(judge, n, value)
    return cycle, category, judges, nominations


def test_leaderboard_ranks_by_score(setup):
    cycle, category, judges, nominations = setup
    board = shortlists.cycle_results(cycle).boards[0]
    assert [r.nomination.title for r in board.rows] == ["Project 0", "Project 2", "Project 1"]
    assert [r.position for r in board.rows] == [1, 2, 3]
    assert all(r.complete for r in board.rows)
    assert board.rows[0].result.raw == pytest.approx(100 * 8 / 9)


def test_draft_reviews_do_not_count_and_incomplete_is_marked(setup):
    cycle, category, judges, nominations = setup
    extra = make_nomination(cycle, category=category, title="Half judged")
    score(judges[0], extra, 10)
    score(judges[1], extra, 1, status=ReviewStatus.DRAFT)
    row = next(r for r in shortlists.cycle_results(cycle).boards[0].rows if r.nomination.id == extra.id)
    assert row.result.n == 1 and not row.complete and row.result.raw == pytest.approx(100)


def test_suggest_decide_and_publish(setup, outbox):
    cycle, category, judges, nominations = setup
    organiser = make_user(roles=("organiser",))
    nominations[2].consents_to_publish = False
    db.session.commit()
    assert shortlists.suggest_shortlist(cycle, by=organiser) == 2
    decisions = {d.nomination_id: d for d in db.session.scalars(sa.select(shortlists.ShortlistDecision))}
    assert decisions[nominations[0].id].suggested and decisions[nominations[2].id].suggested
    assert not decisions[nominations[1].id].suggested
    # changing the suggestion needs a rationale
    with pytest.raises(DomainError, match="reason"):
        shortlists.decide(cycle, nominations[1], Result.HIGHLY_COMMENDED, rationale="", by=organiser)
    shortlists.decide(
        cycle, nominations[1], Result.HIGHLY_COMMENDED, rationale="Outstanding inclusion work", by=organiser
    )
    shortlists.decide(cycle, nominations[0], Result.WINNER, rationale="", by=organiser)
    with pytest.raises(Conflict):
        shortlists.decide(cycle, nominations[2], Result.WINNER, rationale="", by=organiser)
    db.session.commit()
    # statuses do not change before publication, and nobody is told
    assert {n.status for n in nominations} == {NominationStatus.SUBMITTED}
    assert outbox("result_winner") == []
    counts = shortlists.publish(cycle, by=organiser)
    db.session.commit()
    assert counts == {"shortlisted": 3, "impact_cases": 2, "emails": 3}
    statuses = [db.session.get(type(n), n.id).status for n in nominations]
    assert statuses == [NominationStatus.WINNER, NominationStatus.HIGHLY_COMMENDED, NominationStatus.SHORTLISTED]
    assert cycle.status is CycleStatus.PUBLISHED
    cases = db.session.scalars(sa.select(ImpactCase).order_by(ImpactCase.id)).all()
    assert [c.nomination_id for c in cases] == [nominations[0].id, nominations[1].id]  # not the one without consent
    assert cases[0].result is Result.WINNER and cases[0].slug == "project-0-2026"
    assert "casey" not in str(cases[0].__dict__).lower()  # no contact details copied
    assert [m.kind for m in outbox()][-3:] == ["result_winner", "result_highly_commended", "result_shortlisted"]


def test_publish_needs_judging_and_a_shortlist(setup):
    cycle, category, judges, nominations = setup
    organiser = make_user(roles=("organiser",))
    with pytest.raises(DomainError, match="no shortlist"):
        shortlists.publish(cycle, by=organiser)
    cycle.status = CycleStatus.CLOSED
    with pytest.raises(Conflict):
        shortlists.publish(cycle, by=organiser)


def test_editing_the_public_copy_leaves_the_nomination_alone(setup):
    cycle, category, judges, nominations = setup
    organiser = make_user(roles=("organiser",))
    shortlists.suggest_shortlist(cycle, by=organiser)
    shortlists.publish(cycle, by=organiser)
    db.session.commit()
    case = db.session.scalar(sa.select(ImpactCase).order_by(ImpactCase.id))
    changed = shortlists.edit_case(case, by=organiser, title="A clearer public title", citation="Judges loved it")
    db.session.commit()
    assert changed == ["title", "citation"]
    assert db.session.get(type(nominations[0]), nominations[0].id).title == "Project 0"
    assert "a clearer public title" in case.search_text
    shortlists.unpublish_case(case, by=organiser)
    assert not case.is_public


def _score_in(judging_round, judge, nomination, value, *, calibration=False):
    """A submitted review in `judging_round` giving `value` on each of its criteria."""
    now = utcnow()
    assignment = Assignment(
        round_id=judging_round.id,
        judge_id=judge.id,
        nomination_id=nomination.id,
        calibration=calibration,
        created_at=now,
    )
    db.session.add(assignment)
    db.session.flush()
    review = Review(assignment_id=assignment.id, status=ReviewStatus.SUBMITTED, created_at=now, updated_at=now)
    review.submitted_at = now
    review.scores = [ReviewScore(criterion_id=c.id, value=value) for c in judging_round.criteria]
    db.session.add(review)
    db.session.commit()


def _two_rounds(setup):
    """Round 2, the final panel, judges Project 1 and Project 2 (advanced from round 1), one judge each:
    Project 1 scores 10 and Project 2 scores 2 there. Calibration reviews of round 2 score the other way."""
    cycle, category, judges, nominations = setup
    final = add_round(cycle, is_final=True, judges_per_nomination=1)
    for nomination in nominations[1:]:
        db.session.add(Advancement(round_id=final.id, nomination_id=nomination.id, created_at=utcnow()))
    db.session.commit()
    _score_in(final, judges[0], nominations[1], 10)
    _score_in(final, judges[1], nominations[2], 2)
    _score_in(final, judges[1], nominations[1], 1, calibration=True)
    _score_in(final, judges[0], nominations[2], 10, calibration=True)
    return final


def test_a_rounds_results_are_of_its_own_reviews_and_entries(setup):
    cycle, category, judges, nominations = setup
    final = _two_rounds(setup)
    first = cycle.rounds[0]
    board = shortlists.cycle_results(cycle, final)
    assert board.judging_round is final
    rows = board.boards[0].rows
    # Only the advanced entries; round 1's reviews and round 2's calibration reviews are left out.
    assert [(r.nomination.title, r.result.n, r.complete) for r in rows] == [
        ("Project 1", 1, True),
        ("Project 2", 1, True),
    ]
    assert rows[0].result.raw == pytest.approx(100) and rows[1].result.raw == pytest.approx(100 * 1 / 9)
    assert [c.name for c in board.criteria] == ["Overall impact", "Quality of evidence"]
    # Round 1 is as it was, and by default a cycle's results are its final round's.
    earlier = shortlists.cycle_results(cycle, first).boards[0].rows
    assert [(r.nomination.title, r.result.n) for r in earlier] == [("Project 0", 2), ("Project 2", 2), ("Project 1", 2)]
    assert [r.nomination.title for r in shortlists.cycle_results(cycle).boards[0].rows] == ["Project 1", "Project 2"]
    assert shortlists.result_row(cycle, nominations[0]) is None
    assert shortlists.result_row(cycle, nominations[0], first).position == 1


def test_the_shortlist_is_decided_from_the_final_rounds_results(setup):
    cycle, category, judges, nominations = setup
    category.shortlist_size = 1
    db.session.commit()
    final = _two_rounds(setup)
    organiser = make_user(roles=("organiser",))
    assert shortlists.suggest_shortlist(cycle, by=organiser) == 1
    decisions = {r.nomination.title: r.decision for r in shortlists.cycle_results(cycle, final).boards[0].rows}
    assert decisions["Project 1"].result is Result.SHORTLISTED and decisions["Project 2"].suggested is False
    # Round 1's board shows no decisions: they are the final round's.
    assert all(r.decision is None for r in shortlists.cycle_results(cycle, cycle.rounds[0]).boards[0].rows)
    with pytest.raises(DomainError, match="Only nominations in Round 2: Final panel can be shortlisted"):
        shortlists.decide(cycle, nominations[0], Result.SHORTLISTED, rationale="Best in round 1", by=organiser)


def test_each_rounds_ranking_is_kept_apart(setup, app):
    cycle, category, judges, nominations = setup
    final = _two_rounds(setup)
    before = app.config.get("RESULTS_CACHE_ENTRIES")
    app.config["RESULTS_CACHE_ENTRIES"] = 4
    try:
        first_order = shortlists.cycle_ranking(cycle, cycle.rounds[0]).order[category.id]
        final_order = shortlists.cycle_ranking(cycle, final).order[category.id]
        assert [nid for _, nid in first_order] == [nominations[0].id, nominations[2].id, nominations[1].id]
        assert [nid for _, nid in final_order] == [nominations[1].id, nominations[2].id]
        # Advancing another entry changes round 2's ranking at once (and not round 1's).
        db.session.add(Advancement(round_id=final.id, nomination_id=nominations[0].id, created_at=utcnow()))
        db.session.commit()
        assert len(shortlists.cycle_ranking(cycle, final).order[category.id]) == 3
        assert shortlists.cycle_ranking(cycle, cycle.rounds[0]).order[category.id] == first_order
    finally:
        app.config["RESULTS_CACHE_ENTRIES"] = before
        shortlists._rankings.clear()  # kept by this process: another test's database may reuse the ids


def test_the_garbage_collector_is_paused_only_while_results_are_built():
    import gc

    from awards.domain.results.shortlists import collector_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("a failure while aggregating")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_an_impact_case_copies_the_public_answers_typed_and_never_a_file(app):
    from awards.domain.programme import entry_forms
    from awards.domain.publishing import publication
    from awards.models import Result
    from tests.support.public_form import ANSWERS, install_public_form

    cycle = make_cycle(status="judging")
    install_public_form(cycle)
    # a file question marked public is still never published: files have no public address
    entry_forms.question_by_key(cycle, "documents").public = True
    db.session.commit()
    nomination = make_nomination(cycle, category=cycle.categories[0], **ANSWERS)
    case = shortlists.make_impact_case(nomination, Result.WINNER, utcnow())
    by_key = {a["key"]: a for a in case.answers}
    assert "documents" not in by_key and "Supporting documents" not in publication.published_labels(cycle)
    assert by_key["staff_hours"] == {
        "key": "staff_hours",
        "label": "Staff hours saved",
        "kind": "number",
        "value": 1200,
        "unit": "hours",
    }
    assert by_key["went_live"]["value"] == "2025-03-07" and by_key["open_source"]["value"] is True
    assert by_key["savings"]["value"]["rows"][0] == {"item": "Printing", "amount": 2500.5, "recurring": True}
    # neither the answers judges read but the public does not, nor the organisers' own, nor the core ones
    assert not {"internal_notes", "budget_code", "title", "summary", "partners", "trends"} & set(by_key)
    # an unanswered public question is left out
    nomination.answers = {**nomination.answers, "went_live": {"day": "", "month": "", "year": ""}}
    assert "went_live" not in {a["key"] for a in publication.case_answers(nomination)}
