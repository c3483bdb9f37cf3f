"""Pages that would list thousands of rows in a big cycle show a page of them, and lead to the rest."""

from __future__ import annotations

import re

import sqlalchemy as sa

from awards.devdata import scale
from awards.devdata.scale import seed_scale
from awards.domain.results.shortlists import compute_ranking
from awards.extensions import db
from awards.models import Cycle, CycleStatus, ImpactCaseTrend, Nomination, Trend, User
from awards.web.organiser.results.routes import TOP_ROWS
from awards.web.public.cases import TREND_PAGE_CASES
from tests.support.pages import same_page


def test_results_show_the_top_of_each_category_and_page_through_one(client):
    seed_scale(nominations=100, judges=3, cases=0)
    db.session.commit()
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.status == CycleStatus.JUDGING))
    category = cycle.categories[0]
    ranking = compute_ranking(cycle)
    order = ranking.order[category.id]
    assert len(order) > TOP_ROWS
    references = dict(db.session.execute(sa.select(Nomination.id, Nomination.reference)).all())
    client.sign_in_as(db.session.scalar(sa.select(User).where(User.email == scale.ORGANISER_EMAIL)))
    url = f"/organiser/cycles/{cycle.slug}/results"

    page = client.get(url).get_data(as_text=True)
    section = page.split(f'id="category-{category.id}"')[1].split('<h2 class="govuk-heading-m"')[0]
    shown = re.findall(r"/results/([A-Z0-9-]+)\"", section)
    assert shown == [references[nid] for _, nid in order[:TOP_ROWS]]  # the top 10, in rank order
    assert f"Showing 1 to {TOP_ROWS} of {len(order)} nominations." in section
    assert f"?category={category.slug}" in section and f"See all {len(order)}" in section

    whole = client.get(f"{url}?category={category.slug}").get_data(as_text=True)
    assert re.findall(r"/results/([A-Z0-9-]+)\"", whole) == [references[nid] for _, nid in order]
    assert f'id="category-{cycle.categories[1].id}"' not in whole  # only the chosen category
    # 100 a page: one page, so page 2 (like any page past the end) is the last page
    assert same_page(client.get(f"{url}?category={category.slug}&page=2").get_data(as_text=True)) == same_page(whole)


def test_a_trend_page_shows_the_most_recent_cases_and_links_to_the_rest(client):
    seed_scale(nominations=1, judges=3, cases=260)
    db.session.commit()
    trend_id, primary = db.session.execute(
        sa.select(ImpactCaseTrend.trend_id, sa.func.count())
        .where(ImpactCaseTrend.is_primary.is_(True))
        .group_by(ImpactCaseTrend.trend_id)
        .order_by(sa.func.count().desc())
    ).first()
    assert primary > TREND_PAGE_CASES
    trend = db.session.get(Trend, trend_id)
    total = db.session.scalar(sa.select(sa.func.count()).where(ImpactCaseTrend.trend_id == trend_id))
    page = client.get(f"/trends/{trend.slug}").get_data(as_text=True)
    assert f"{total} published impact cases address this trend. The most recent are shown below." in page
    assert f"See all {total}, and search and filter them" in page
    assert f'href="/impact-cases?trend={trend.slug}"' in page
    cards = page.count('id="case-')
    secondary = total - primary
    assert cards == TREND_PAGE_CASES + min(secondary, TREND_PAGE_CASES) < total
