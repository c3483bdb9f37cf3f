"""Leaderboards, the suggested shortlist, decisions with rationale, publication."""

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.results import shortlists
from awards.extensions import db
from awards.models import (
    CycleStatus,
    ImpactCase,
    Judge,
    NominationStatus,
    Result,
    ReviewStatus,
)
from tests.factories import make_cycle, make_nomination, make_user
from tests.support.judging import score


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
