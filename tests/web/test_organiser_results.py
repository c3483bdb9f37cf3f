"""The organiser's results pages: leaderboard, drill-down, exports, shortlist, publication, insight."""

import csv
import io

import pytest
import sqlalchemy as sa

from awards.extensions import db
from awards.models import CycleStatus, ImpactCase, Nomination, NominationStatus, ShortlistDecision

from ..domain.test_results import score
from ..factories import make_cycle, make_nomination, make_user


@pytest.fixture
def judged(app):
    from awards.domain.clock import utcnow
    from awards.models import Judge
    cycle = make_cycle(status="judging", judges_per_nomination=2)
    category = cycle.categories[0]
    category.shortlist_size = 1
    judges = []
    for name in ("Harriet Harsh", "Lenny Lenient"):
        user = make_user(name=name)
        judge = Judge(cycle_id=cycle.id, email=user.email, user_id=user.id, invited_at=utcnow(), accepted_at=utcnow())
        db.session.add(judge)
        judges.append(judge)
    db.session.commit()
    top = make_nomination(cycle, category=category, title="=HYPERLINK(\"http://evil\")")
    second = make_nomination(cycle, category=category, title="Second best", consents_to_publish=False)
    for judge, (a, b) in zip(judges, ((8, 6), (10, 3))):
        score(judge, top, a)
        score(judge, second, b)
    return cycle, category, judges, top, second


def test_leaderboard_and_drill_down(organiser_client, judged):
    cycle, category, judges, top, second = judged
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results").get_data(as_text=True)
    assert page.index(top.reference) < page.index(second.reference)
    assert "Judges disagree" in page  # second: 6→55.6 vs 3→22.2, range 33 ≥ 30
    assert "Ties are broken by the normalised score" in page
    by_raw = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results?sort=raw").get_data(as_text=True)
    assert 'aria-sort="descending"' in by_raw
    detail = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results/{top.reference}").get_data(as_text=True)
    assert "Harriet Harsh" in detail and "Lenny Lenient" in detail  # organisers see judges' names


def test_exports_escape_formulas(organiser_client, judged):
    cycle, category, judges, top, second = judged
    response = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results.csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Category", "Rank", "Reference"]
    assert rows[1][3] == "'=HYPERLINK(\"http://evil\")"
    scores = organiser_client.get(f"/organiser/cycles/{cycle.slug}/scores.csv").get_data(as_text=True)
    assert scores.count("\n") == 1 + 4 * len(cycle.criteria)
    assert "Harriet Harsh" in scores


def test_shortlist_then_publish(organiser_client, judged, outbox, client):
    cycle, category, judges, top, second = judged
    organiser_client.post_form(f"/organiser/cycles/{cycle.slug}/shortlist/suggest",
                               token_from=f"/organiser/cycles/{cycle.slug}/results")
    decisions = {d.nomination_id: d for d in db.session.scalars(sa.select(ShortlistDecision))}
    assert decisions[top.id].suggested and not decisions[second.id].suggested
    url = f"/organiser/cycles/{cycle.slug}/shortlist/{second.reference}"
    response = organiser_client.post_form(url, {"result": "shortlisted", "rationale": ""}, token_from=url)
    assert "Give the reason for changing the suggested shortlist" in response.get_data(as_text=True)
    organiser_client.post_form(url, {"result": "highly_commended", "rationale": "Brave work"}, token_from=url)
    url = f"/organiser/cycles/{cycle.slug}/shortlist/{top.reference}"
    organiser_client.post_form(url, {"result": "winner", "rationale": ""}, token_from=url)
    # nothing public or sent before publication
    assert outbox("result_winner") == [] and db.session.scalar(sa.select(sa.func.count(ImpactCase.id))) == 0
    publish = f"/organiser/cycles/{cycle.slug}/publish"
    assert "Publish results" in organiser_client.get(publish).get_data(as_text=True)
    response = organiser_client.post_form(publish, token_from=publish)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Nomination, top.id).status is NominationStatus.WINNER
    assert db.session.get(Nomination, second.id).status is NominationStatus.HIGHLY_COMMENDED
    assert cycle.status is CycleStatus.PUBLISHED
    [case] = db.session.scalars(sa.select(ImpactCase)).all()  # the second refused consent
    assert case.nomination_id == top.id
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/impact-cases").get_data(as_text=True)
    assert "HYPERLINK" in page and "The nominee did not consent to publication: it stays private" in page
    # the organiser's shortlist still shows the entry without consent
    results = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results").get_data(as_text=True)
    assert "Second best" in results and "Highly commended" in results
    assert len(outbox("result_winner")) == 1 and len(outbox("result_highly_commended")) == 1


def test_edit_and_unpublish_a_case(organiser_client, judged):
    cycle, category, judges, top, second = judged
    from awards.domain.clock import utcnow
    from awards.domain.results import make_impact_case
    from awards.models import Result
    case = make_impact_case(top, Result.WINNER, utcnow())
    db.session.add(case)
    db.session.commit()
    url = f"/organiser/impact-cases/{case.id}"
    form = {name: getattr(case, name) for name in ("title", "summary", "challenge", "approach", "outcomes_narrative",
                                                    "unintended_consequences", "lessons", "organisation", "region",
                                                    "citation", "licence")}
    form["title"] = ""
    response = organiser_client.post_form(url, form, token_from=url)
    assert "Enter a title" in response.get_data(as_text=True)
    form["title"], form["citation"] = "Faster repairs for tenants", "The judges were impressed."
    organiser_client.post_form(url, form, token_from=url)
    db.session.expire_all()
    assert db.session.get(ImpactCase, case.id).title == "Faster repairs for tenants"
    assert db.session.get(Nomination, top.id).title.startswith("=HYPERLINK")
    organiser_client.post_form(f"{url}/publication", {"action": "unpublish"}, token_from=url)
    db.session.expire_all()
    assert not db.session.get(ImpactCase, case.id).is_public


def test_insight(organiser_client, judged):
    cycle, category, judges, top, second = judged
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/insight").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page
    first_trend = cycle.trends[0]
    assert first_trend.name in page
    assert "No shortlisted nomination yet addresses" in page


def test_results_settings(organiser_client, judged):
    cycle, *_ = judged
    url = f"/organiser/cycles/{cycle.slug}/results/settings"
    organiser_client.post_form(url, {"aggregation_method": "median", "ranking_basis": "raw",
                                     "disagreement_range": "25", "disagreement_sd": "10"},
                               token_from=f"/organiser/cycles/{cycle.slug}/results")
    db.session.expire_all()
    assert (cycle.aggregation_method, cycle.ranking_basis, cycle.disagreement_range) == ("median", "raw", 25)


def test_public_copy_prepared_and_edited_before_publication(organiser_client, judged, client):
    cycle, category, judges, top, second = judged
    results_url = f"/organiser/cycles/{cycle.slug}/results"
    organiser_client.post_form(f"/organiser/cycles/{cycle.slug}/shortlist/suggest", token_from=results_url)
    cases_url = f"/organiser/cycles/{cycle.slug}/impact-cases"
    response = organiser_client.post_form(f"{cases_url}/{top.reference}/prepare", token_from=cases_url)
    case = db.session.scalar(sa.select(ImpactCase))
    assert response.headers["Location"] == f"/organiser/impact-cases/{case.id}"
    assert case.published_at is None and not case.is_public
    assert "Draft: public with the results" in organiser_client.get(cases_url).get_data(as_text=True)
    assert client.get(f"/impact-cases/{case.slug}").status_code in (404, 410)
    # the nominee who refused consent gets no public copy
    organiser_client.post_form(f"/organiser/cycles/{cycle.slug}/shortlist/{second.reference}",
                               {"result": "shortlisted", "rationale": "Close second"}, token_from=results_url)
    organiser_client.post_form(f"{cases_url}/{second.reference}/prepare", token_from=cases_url)
    assert db.session.scalar(sa.select(sa.func.count(ImpactCase.id))) == 1
