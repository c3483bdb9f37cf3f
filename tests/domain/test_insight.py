"""Trend insight's figures (awards/domain/results/insight.py): shortlisted nominations per trend counted from the
cycle's shortlist decisions, and mean normalised scores per trend, the same whether worked out for the request or
kept with the ranking, and without the nominations a viewer must not see."""

from __future__ import annotations

import statistics

import sqlalchemy as sa

from awards.devdata.scale import seed_scale
from awards.domain.core.clock import utcnow
from awards.domain.results.insight import trend_insight
from awards.domain.results.shortlists import compute_ranking
from awards.extensions import db
from awards.models import Cycle, CycleStatus, NominationTrend, Result, ShortlistDecision


def _expected(cycle: Cycle, shortlisted: set[int], withhold: set[int]) -> dict[int, tuple[int, float | None]]:
    ranking = compute_ranking(cycle)
    links = db.session.execute(select_links(cycle)).all()
    on_list: dict[int, int] = {}
    scores: dict[int, list[float]] = {}
    for trend_id, nomination_id in links:
        if nomination_id in shortlisted:
            on_list[trend_id] = on_list.get(trend_id, 0) + 1
        result = ranking.results.get(nomination_id)
        if result is not None and result.normalised is not None and nomination_id not in withhold:
            scores.setdefault(trend_id, []).append(result.normalised)
    return {t: (on_list.get(t, 0), statistics.fmean(scores[t]) if scores.get(t) else None) for t in on_list | scores}


def select_links(cycle: Cycle):
    from awards.models import Nomination

    return (
        sa.select(NominationTrend.trend_id, NominationTrend.nomination_id)
        .join(Nomination, Nomination.id == NominationTrend.nomination_id)
        .where(Nomination.cycle_id == cycle.id)
        .order_by(NominationTrend.nomination_id)
    )


def test_shortlisted_and_mean_scores_per_trend(app):
    seed_scale(nominations=12, judges=3, cases=0)
    db.session.commit()
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.status == CycleStatus.JUDGING))
    ranked = sorted(compute_ranking(cycle).results)
    chosen = set(ranked[:4])
    db.session.execute(
        sa.insert(ShortlistDecision),
        [
            {
                "cycle_id": cycle.id,
                "nomination_id": nomination_id,
                "result": Result.WINNER if k == 0 else Result.SHORTLISTED,
                "decided_at": utcnow(),
            }
            for k, nomination_id in enumerate(sorted(chosen))
        ]
        # Decided against: not on the shortlist, so not counted.
        + [
            {"cycle_id": cycle.id, "nomination_id": ranked[4], "result": Result.NOT_SHORTLISTED, "decided_at": utcnow()}
        ],
    )
    db.session.commit()

    expected = _expected(cycle, chosen, set())
    assert sum(on for on, _ in expected.values()) >= len(chosen)  # every shortlisted one has a trend
    for _ in range(2):  # worked out, then kept with the ranking
        shown = {row.trend.id: (row.shortlisted, row.mean_normalised) for row in trend_insight(cycle)}
        for trend_id, (on_list, mean) in expected.items():
            assert shown[trend_id][0] == on_list
            assert shown[trend_id][1] == mean

    withhold = {ranked[0], ranked[5]}
    without = _expected(cycle, chosen, withhold)
    shown = {row.trend.id: row.mean_normalised for row in trend_insight(cycle, withhold=withhold)}
    assert any(without[t][1] != expected[t][1] for t in without)  # withholding changed some mean
    assert all(shown[t] == mean for t, (_, mean) in without.items())
    # …and the kept means are still those of every nomination.
    assert {row.trend.id: row.mean_normalised for row in trend_insight(cycle)} == {
        t: expected.get(t, (0, None))[1] for t in shown
    }
