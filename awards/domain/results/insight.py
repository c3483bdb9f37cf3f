"""Trend insight for organisers: where the nominations are, how they scored, and gaps."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select

from awards.domain.results.shortlists import RANKED_STATUSES, SHORTLIST_RESULTS, Ranking, ranking_with_trends
from awards.extensions import db
from awards.models import Cycle, Nomination, NominationTrend, ShortlistDecision, Trend


@dataclass
class TrendInsight:
    trend: Trend
    nominations: int
    primary: int
    by_category: dict[int, int]
    mean_normalised: float | None
    shortlisted: int


def trend_insight(cycle: Cycle, *, withhold: set[int] | frozenset[int] = frozenset()) -> list[TrendInsight]:
    """Per trend the cycle offers: submitted nominations (all and as primary), by category, the mean
    normalised score of those scored in the final round's results (leaving out the nominations in
    `withhold`, whose scores the viewer must not see), and how many are on the shortlist."""
    ranking = ranking_with_trends(cycle)  # kept between requests until the cycle's data change
    by_trend: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    primary: dict[int, int] = defaultdict(int)
    counts = ranking.trend_counts or {}  # ranking_with_trends has filled them in
    for (trend_id, category_id, is_primary), count in counts.items():
        by_trend[trend_id][category_id] += count
        if is_primary:
            primary[trend_id] += count
    # Shortlisted per trend, counted by the database from the cycle's shortlist decisions (a few hundred: as a
    # join, SQLite walked every nomination of the cycle to look for one, 90 ms at 100,000); mean scores per trend
    # from the cycle's kept ranking, which already knows each trend's nominations (no 20,000-row read per request).
    shortlisted = select(ShortlistDecision.nomination_id).where(
        ShortlistDecision.cycle_id == cycle.id, ShortlistDecision.result.in_(SHORTLIST_RESULTS)
    )
    on_list = dict(
        db.session.execute(
            select(NominationTrend.trend_id, func.count())
            .join(Nomination, NominationTrend.nomination_id == Nomination.id)
            .where(
                Nomination.id.in_(shortlisted),
                Nomination.cycle_id == cycle.id,
                Nomination.status.in_(RANKED_STATUSES),
            )
            .group_by(NominationTrend.trend_id)
        ).all()
    )
    means = _trend_means(ranking, withhold)
    trends = sorted(
        {*cycle.trends, *db.session.scalars(select(Trend).where(Trend.id.in_(list(by_trend))))},
        key=lambda t: (t.position, t.id),
    )
    return [
        TrendInsight(
            trend=t,
            nominations=sum(by_trend[t.id].values()),
            primary=primary[t.id],
            by_category=dict(by_trend[t.id]),
            mean_normalised=means.get(t.id),
            shortlisted=on_list.get(t.id, 0),
        )
        for t in trends
    ]


def _trend_means(ranking: Ranking, withhold: set[int] | frozenset[int]) -> dict[int, float]:
    """Per trend, the mean normalised score of its scored nominations but those in `withhold`. Without any to
    withhold it is worked out once per kept ranking (a pass over every trend link: 200,000 at 100,000
    nominations, which each request made before) and kept with it."""
    if not withhold and ranking.trend_means is not None:
        return ranking.trend_means
    left_out = np.fromiter(withhold, dtype=np.int64, count=len(withhold))
    means = {}
    for trend_id, members in ranking.trend_members.items():
        scores = ranking.results.column("normalised", members)
        counted = ~np.isnan(scores)
        if withhold:
            counted &= ~np.isin(members, left_out)
        if counted.any():
            means[trend_id] = statistics.fmean(scores[counted].tolist())
    if not withhold:
        ranking.trend_means = means
    return means
