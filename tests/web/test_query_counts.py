"""Every key page runs the same number of SQL queries whatever the amount of data (issue 8): no
query per row. The same pages as bench/pages.py, built by `seed-scale` at two small scales."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from awards.devdata import scale
from awards.devdata.scale import seed_scale
from awards.domain.publishing.impact_cases import is_public
from awards.extensions import db
from awards.models import Assignment, Cycle, CycleStatus, ImpactCase, ImpactCaseTrend, Judge, Nomination, Trend, User
from tests.support.queries import counting_queries

SMALL = {"nominations": 3, "judges": 3, "cases": 2}
LARGER = {"nominations": 12, "judges": 6, "cases": 8}


def _key_pages() -> dict[str, tuple[str, str | None]]:
    """Page name → (address, e-mail of whom to sign in as, or None), from the data present."""
    judging = db.session.scalar(sa.select(Cycle).where(Cycle.status == CycleStatus.JUDGING))
    case_slug = db.session.scalar(sa.select(ImpactCase.slug).order_by(ImpactCase.id))
    # A case's main trend, its year and a word of its text, so the filtered library lists something at
    # every scale.
    trend_id, year, text = db.session.execute(
        sa.select(ImpactCaseTrend.trend_id, ImpactCase.year, ImpactCase.search_text)
        .join(ImpactCase, ImpactCase.id == ImpactCaseTrend.case_id)
        .where(ImpactCaseTrend.is_primary.is_(True), is_public())
        .order_by(ImpactCaseTrend.id)
    ).first()
    word = max(text.split(), key=len)
    trend_slug = db.session.scalar(sa.select(Trend.slug).where(Trend.id == trend_id))
    judge = scale.scale_email("judge", 1)
    reference = db.session.scalar(
        sa.select(Nomination.reference)
        .join(Assignment, Assignment.nomination_id == Nomination.id)
        .join(Judge, Judge.id == Assignment.judge_id)
        .where(Judge.email == judge)
        .order_by(Nomination.reference)
    )
    organiser = scale.ORGANISER_EMAIL
    cycle = f"/organiser/cycles/{judging.slug}"
    return {
        "home": ("/", None),
        "impact cases": ("/impact-cases", None),
        "impact cases, filtered": (f"/impact-cases?trend={trend_slug}&year={year}&q={word}", None),
        "impact case": (f"/impact-cases/{case_slug}", None),
        "trends": ("/trends", None),
        "trend": (f"/trends/{trend_slug}", None),
        "API impact cases": ("/api/v1/impact-cases", None),
        "nominee's list": ("/nominations", scale.scale_email("nominee", 1)),
        "judge's list": ("/judging/", judge),
        "judge's scoring page": (f"/judging/nominations/{reference}", judge),
        "organiser's nominations": (f"{cycle}/nominations", organiser),
        "organiser's nominations, filtered": (f"{cycle}/nominations?q=council", organiser),
        "organiser's nomination": (f"{cycle}/nominations/{reference}", organiser),
        "organiser's nominations export": (f"{cycle}/nominations.csv", organiser),
        "results": (f"{cycle}/results", organiser),
        "results, one category": (f"{cycle}/results?category={judging.categories[0].slug}&sort=raw", organiser),
        "trend insight": (f"{cycle}/insight", organiser),
        "assignment": (f"{cycle}/assignment", organiser),
    }


def _count_each_page(app) -> dict[str, int]:
    counts, clients = {}, {}
    for name, (path, email) in _key_pages().items():
        if email not in clients:
            clients[email] = app.test_client()
            if email:
                clients[email].sign_in_as(db.session.scalar(sa.select(User).where(User.email == email)))
        client = clients[email]
        assert client.get(path).status_code == 200, name  # warm-up: one-off work is not counted
        with counting_queries() as counted:
            response = client.get(path)
        assert response.status_code == 200, name
        counts[name] = counted["n"]
    return counts


def _empty_tables() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def uncached_app(make_app):
    """Without the in-process public page cache, so the public pages are built every time."""
    app = make_app(PUBLIC_CACHE_ENTRIES=0)
    with app.app_context():
        yield app


@pytest.mark.parametrize("custom_form", [False, True], ids=["default form", "30-question custom form"])
def test_every_key_page_runs_the_same_queries_with_four_times_the_data(uncached_app, custom_form):
    seed_scale(**SMALL, custom_form=custom_form)
    db.session.commit()
    few = _count_each_page(uncached_app)
    _empty_tables()
    seed_scale(**LARGER, custom_form=custom_form)
    db.session.commit()
    many = _count_each_page(uncached_app)
    if custom_form:
        # The trend page skips loading the trends of an empty list, and whether a trend is some case's
        # other trend at the smaller scale depends on the random data; it reads nothing of the form.
        del few["trend"], many["trend"]
    assert many == few
    assert len(few) == (17 if custom_form else 18)
