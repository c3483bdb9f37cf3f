"""The ranking each process keeps for the results pages (RESULTS_CACHE_ENTRIES): reused while
nothing changes, never shown stale after a score, a nomination or a setting changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from awards.devdata import scale
from awards.devdata.scale import seed_scale
from awards.domain.judging import reviews as review_rules
from awards.domain.results.shortlists import compute_ranking
from awards.extensions import db
from awards.models import Assignment, Cycle, CycleStatus, Nomination, NominationStatus, Review, User
from tests.support.queries import counting_queries, recorded_queries


@pytest.fixture
def cached_app(make_app):
    app = make_app(RESULTS_CACHE_ENTRIES=4)
    with app.app_context():
        yield app


def _organiser_client(app):
    client = app.test_client()
    client.sign_in_as(db.session.scalar(sa.select(User).where(User.email == scale.ORGANISER_EMAIL)))
    return client


def test_results_are_kept_until_a_review_or_a_nomination_changes(cached_app):
    seed_scale(nominations=3, judges=3, cases=0)
    db.session.commit()
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.status == CycleStatus.JUDGING))
    client = _organiser_client(cached_app)
    url = f"/organiser/cycles/{cycle.slug}/results"
    with counting_queries() as first:
        page = client.get(url).get_data(as_text=True)
    with counting_queries() as again:
        assert client.get(url).get_data(as_text=True).count("3 of 3") == page.count("3 of 3") == 3
    assert again["n"] < first["n"]  # the kept ranking: no reviews read again

    review = db.session.scalar(sa.select(Review).order_by(Review.id))
    organiser = db.session.scalar(sa.select(User).where(User.email == scale.ORGANISER_EMAIL))
    review_rules.reopen_review(review, by=organiser, reason="Check the outcomes score")
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert page.count("3 of 3") == 2 and "2 of 3" in page

    nomination = db.session.get(
        Nomination, db.session.scalar(sa.select(Assignment.nomination_id).where(Assignment.id == review.assignment_id))
    )
    nomination.status = NominationStatus.WITHDRAWN
    nomination.withdrawn_at = nomination.submitted_at
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert nomination.reference not in page and "2 of 3" not in page


def test_changing_the_results_settings_is_seen_at_once(cached_app):
    seed_scale(nominations=3, judges=3, cases=0)
    db.session.commit()
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.status == CycleStatus.JUDGING))
    client = _organiser_client(cached_app)
    url = f"/organiser/cycles/{cycle.slug}/results"
    page = client.get(url).get_data(as_text=True)
    assert "Ranked by the <strong>normalised</strong> score (mean" in page
    means = compute_ranking(cycle).results.values()
    assert all(f">{r.raw:.1f}<" in page for r in means)
    response = client.post_form(
        f"{url}/settings",
        {"aggregation_method": "median", "ranking_basis": "raw", "disagreement_range": "30", "disagreement_sd": "15"},
        token_from=url,
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Ranked by the <strong>raw</strong> score (median" in page
    db.session.expire_all()
    medians = compute_ranking(db.session.get(Cycle, cycle.id)).results.values()
    assert {f"{r.raw:.1f}" for r in medians} != {f"{r.raw:.1f}" for r in means}  # the data differ…
    assert all(f">{r.raw:.1f}<" in page for r in medians)  # …and the page shows the new ones


def test_while_nothing_is_written_the_kept_ranking_is_used_without_counting_again(cached_app):
    seed_scale(nominations=3, judges=3, cases=0)
    db.session.commit()
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.status == CycleStatus.JUDGING))
    client = _organiser_client(cached_app)
    url = f"/organiser/cycles/{cycle.slug}/results"
    with recorded_queries() as first:
        page = client.get(url).get_data(as_text=True)
    assert any("review_versions" in statement for statement in first)  # the stamp, counted
    with recorded_queries() as again:
        assert client.get(url).get_data(as_text=True).count("3 of 3") == page.count("3 of 3") == 3
    assert not any("review_versions" in statement for statement in again)  # the data version said enough

    review = db.session.scalar(sa.select(Review).order_by(Review.id))
    organiser = db.session.scalar(sa.select(User).where(User.email == scale.ORGANISER_EMAIL))
    review_rules.reopen_review(review, by=organiser, reason="Check the outcomes score")
    db.session.commit()
    with recorded_queries() as after:
        page = client.get(url).get_data(as_text=True)
    assert any("review_versions" in statement for statement in after)
    assert page.count("3 of 3") == 2 and "2 of 3" in page
