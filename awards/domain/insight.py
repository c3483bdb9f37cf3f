"""Trend insight for organisers: where the nominations are, how they scored, and gaps."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..models import Cycle, Nomination, NominationTrend, ShortlistDecision, Trend
from .results import RANKED_STATUSES, SHORTLIST_RESULTS, cycle_results


@dataclass
class TrendInsight:
    trend: Trend
    nominations: int
    primary: int
    by_category: dict[int, int]
    mean_normalised: float | None
    shortlisted: int


def trend_insight(cycle: Cycle) -> list[TrendInsight]:
    """Per trend the cycle offers: submitted nominations (all and as primary), by category, the mean
    normalised score of those scored, and how many are on the shortlist."""
    counts = db.session.execute(
        select(NominationTrend.trend_id, Nomination.category_id, NominationTrend.is_primary, func.count())
        .join(Nomination, NominationTrend.nomination_id == Nomination.id)
        .where(Nomination.cycle_id == cycle.id, Nomination.status.in_(RANKED_STATUSES))
        .group_by(NominationTrend.trend_id, Nomination.category_id, NominationTrend.is_primary)).all()
    by_trend: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    primary: dict[int, int] = defaultdict(int)
    for trend_id, category_id, is_primary, count in counts:
        by_trend[trend_id][category_id] += count
        if is_primary:
            primary[trend_id] += count
    links = db.session.execute(
        select(NominationTrend.trend_id, NominationTrend.nomination_id)
        .join(Nomination, NominationTrend.nomination_id == Nomination.id)
        .where(Nomination.cycle_id == cycle.id, Nomination.status.in_(RANKED_STATUSES))).all()
    shortlisted_ids = set(db.session.scalars(
        select(ShortlistDecision.nomination_id).where(ShortlistDecision.cycle_id == cycle.id,
                                                      ShortlistDecision.result.in_(SHORTLIST_RESULTS))))
    results = cycle_results(cycle).results
    scores: dict[int, list[float]] = defaultdict(list)
    on_list: dict[int, int] = defaultdict(int)
    for trend_id, nomination_id in links:
        result = results.get(nomination_id)
        if result is not None and result.normalised is not None:
            scores[trend_id].append(result.normalised)
        if nomination_id in shortlisted_ids:
            on_list[trend_id] += 1
    trends = sorted({*cycle.trends, *db.session.scalars(select(Trend).where(Trend.id.in_(list(by_trend))))},
                    key=lambda t: (t.position, t.id))
    return [TrendInsight(trend=t, nominations=sum(by_trend[t.id].values()), primary=primary[t.id],
                         by_category=dict(by_trend[t.id]),
                         mean_normalised=statistics.fmean(scores[t.id]) if scores[t.id] else None,
                         shortlisted=on_list[t.id])
            for t in trends]
