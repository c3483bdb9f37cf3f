"""`flask seed-scale`: a realistic data set, here at a tiny scale."""

from collections import Counter

import sqlalchemy as sa

from awards.devdata import scale
from awards.domain.nominations import entries as rules
from awards.domain.programme import entry_forms as forms
from awards.extensions import db
from awards.models import (
    Assignment,
    Criterion,
    Cycle,
    CycleStatus,
    ImpactCase,
    Judge,
    Nomination,
    NominationStatus,
    Review,
    ReviewScore,
    ReviewStatus,
)
from tests.factories import make_user
from tests.support.visible import text_of


def _seed(runner, *args):
    result = runner.invoke(args=["seed-scale", "--nominations", "12", "--judges", "4", "--cases", "6", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_scale_builds_a_complete_judged_cycle(runner):
    output = _seed(runner)
    assert "Built 12 nominations, 4 judges, 36 reviews and 6 impact cases" in output
    assert scale.scale_email("judge", 1) in output and scale.SCALE_PASSWORD in output

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.status == CycleStatus.JUDGING))
    nominations = db.session.scalars(sa.select(Nomination).where(Nomination.cycle_id == cycle.id)).all()
    assert len(nominations) == 12
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Judge.id)).where(Judge.cycle_id == cycle.id, Judge.accepted_at.is_not(None))
        )
        == 4
    )
    for nomination in nominations:
        assert nomination.status is NominationStatus.SUBMITTED
        assert rules.is_complete(nomination), nomination.reference  # every section filled, with no problem
        assert 1 <= len(nomination.trend_links) <= 3
        assert sum(link.is_primary for link in nomination.trend_links) == 1

    reviews = db.session.execute(
        sa.select(Assignment.nomination_id, Assignment.judge_id, Review.id, Review.status)
        .join(Review, Review.assignment_id == Assignment.id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(Nomination.cycle_id == cycle.id)
    ).all()
    per_nomination = Counter(row.nomination_id for row in reviews)
    assert set(per_nomination.values()) == {3} and len(per_nomination) == 12
    assert len({(row.nomination_id, row.judge_id) for row in reviews}) == 36  # three different judges
    assert {row.status for row in reviews} == {ReviewStatus.SUBMITTED}
    criteria = db.session.scalar(sa.select(sa.func.count(Criterion.id)).where(Criterion.cycle_id == cycle.id))
    scores = db.session.execute(
        sa.select(ReviewScore.review_id, ReviewScore.value).where(
            ReviewScore.review_id.in_([row.id for row in reviews])
        )
    ).all()
    assert Counter(review_id for review_id, _ in scores) == {row.id: criteria for row in reviews}
    assert all(value is not None for _, value in scores)


def test_seed_scale_publishes_impact_cases_across_cycles_and_the_pages_show_them(runner, client):
    _seed(runner)
    cases = db.session.scalars(sa.select(ImpactCase)).all()
    assert len(cases) == 6 and all(case.is_public for case in cases)
    assert len({case.cycle_id for case in cases}) >= 2
    assert all(case.cycle.status is CycleStatus.PUBLISHED for case in cases)

    listing = client.get("/impact-cases")
    assert listing.status_code == 200
    assert "6 impact cases" in listing.get_data(as_text=True) or "Showing 1 to 6 of 6" in listing.get_data(as_text=True)
    page = client.get(f"/impact-cases/{cases[0].slug}")
    assert page.status_code == 200 and cases[0].title in page.get_data(as_text=True)
    assert client.get("/trends").status_code == 200


def test_scale_accounts_can_sign_in_and_see_their_work(runner, client):
    _seed(runner)
    response = client.post_form("/sign-in", {"email": scale.scale_email("judge", 1), "password": scale.SCALE_PASSWORD})
    assert response.status_code == 302
    judging = client.get("/judging/")
    assert judging.status_code == 200
    references = db.session.scalars(
        sa.select(Nomination.reference)
        .join(Assignment, Assignment.nomination_id == Nomination.id)
        .join(Judge, Judge.id == Assignment.judge_id)
        .where(Judge.email == scale.scale_email("judge", 1))
    ).all()
    page = judging.get_data(as_text=True)
    assert len(references) == 9  # 12 nominations × 3 reviews over 4 judges, none hidden by a conflict
    assert all(reference in page for reference in references)
    assert "9 of 9 submitted" in page


def test_seed_scale_refuses_a_database_that_is_not_empty(runner):
    make_user(email="someone@riverside.gov.uk")
    db.session.commit()
    refused = runner.invoke(args=["seed-scale", "--nominations", "2", "--judges", "3", "--cases", "0"])
    assert refused.exit_code != 0
    assert "already has accounts: seed-scale only fills an empty database" in refused.output
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 0


def test_seed_scale_with_a_custom_form_fills_its_thirty_questions(runner, client):
    output = _seed(runner, "--custom-form")
    assert f"Every cycle asks the custom form of {scale.CUSTOM_FORM_QUESTIONS} questions." in output
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.status == CycleStatus.JUDGING))
    questions = list(forms.questions_of(cycle))
    assert len(questions) == scale.CUSTOM_FORM_QUESTIONS == 30
    kinds = {q.kind for q in questions}
    assert set(forms.ADDABLE_KINDS) <= kinds | {"trends"}, set(forms.ADDABLE_KINDS) - kinds
    assert [s.key for s in cycle.form_sections if s.category_ids] == ["leader"]
    assert [q.key for q in questions if q.condition] == ["supplier_name"]

    leader_category = cycle.form_sections[-2].category_ids[0]
    nominations = db.session.scalars(sa.select(Nomination).where(Nomination.cycle_id == cycle.id)).all()
    assert {n.category_id == leader_category for n in nominations} == {True, False}
    for nomination in nominations:
        assert rules.is_complete(nomination), [
            rules.section_problems(nomination, s) for s, _ in rules.task_list(nomination)
        ]
        answers = nomination.answers
        assert ("leader_story" in answers) is (nomination.category_id == leader_category)
        assert ("supplier_name" in answers) is (answers["in_house"] is False)
        assert 1 <= len(answers["results"]) <= 3 and set(answers["results"][0]) == {
            "metric",
            "baseline",
            "result",
            "unit",
        }
        assert "measured" not in answers and "challenge" not in answers

    # The impact cases copy the public custom answers, typed by kind, a group as columns and rows.
    case = db.session.scalars(sa.select(ImpactCase).order_by(ImpactCase.id)).first()
    copied = {a["key"]: a for a in case.answers}
    assert list(copied) == [
        "budget",
        "started_on",
        "website",
        "problem",
        "solution",
        "impact",
        "lessons",
        "channels",
        "results",
    ]
    assert isinstance(copied["budget"]["value"], int) and copied["budget"]["label"] == "Budget (£)"
    assert len(copied["started_on"]["value"]) == 10  # YYYY-MM-DD
    assert [c["key"] for c in copied["results"]["value"]["columns"]] == ["metric", "baseline", "result", "unit"]
    assert isinstance(copied["results"]["value"]["rows"][0]["result"], int)
    page = client.get(f"/impact-cases/{case.slug}")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Budget (£)" in text and case.answers[3]["value"][:40] in text
