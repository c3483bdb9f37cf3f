"""The ranking computed over arrays (scoring.aggregate_arrays and rank_arrays, as shortlists.compute_ranking
runs them on a round's reviews read as arrays) is the plain statement of the rules' (scoring.aggregate and
rank, one object per review) to the bit: every figure of every nomination, the judges' normalisers, the order
and its tie-breaks, on random cycles made to tie, and on a seeded cycle read from the database."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from awards.devdata.scale import seed_scale
from awards.domain.judging import rounds
from awards.domain.results import shortlists
from awards.domain.results.scoring import (
    CriterionSpec,
    NominationResult,
    RankArrays,
    RankKey,
    ReviewArrays,
    ReviewInput,
    ScoreInput,
    aggregate,
    aggregate_arrays,
    judge_normalisers,
    rank,
    rank_arrays,
)
from awards.extensions import db
from awards.models import Assignment, Cycle, CycleStatus, Nomination, Review, ReviewScore, ReviewStatus

FIGURES = ("n", "raw", "normalised", "sd", "range", "minimum", "maximum", "disagreement")


def _figures(result: NominationResult | None) -> tuple | None:
    return None if result is None else tuple(getattr(result, name) for name in FIGURES)


def _random_cycle(generator: random.Random, criteria: list[CriterionSpec]) -> list[ReviewInput]:
    """Reviews made to tie: score sheets drawn from a small pool (given in any order), nominations with one to
    six reviews, judges with one to many, some criteria not applicable or unanswered, and some reviews with
    nothing answered at all."""
    pool = [
        [generator.randint(c.scale_min, c.scale_max) if generator.random() > 0.1 else None for c in criteria]
        for _ in range(12)
    ]
    reviews = []
    review_id = 0
    for nomination_id in range(1, 120):
        for _ in range(generator.choice([1, 2, 3, 3, 3, 4, 6])):
            review_id += 1
            sheet = generator.choice(pool) if generator.random() < 0.7 else [None] * len(criteria)
            if generator.random() < 0.5:
                sheet = [generator.randint(c.scale_min, c.scale_max) for c in criteria]
            scores = [
                ScoreInput(c.id, value, value is None and generator.random() < 0.5)
                for c, value in zip(criteria, sheet, strict=True)
            ]
            generator.shuffle(scores)
            judge_id = generator.choice([1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 9, 9])
            reviews.append(ReviewInput(review_id, judge_id, nomination_id, scores))
    generator.shuffle(reviews)
    return reviews


def _rank_arrays_of(keys: list[RankKey]) -> RankArrays:
    times = sorted({k.submitted_at for k in keys if k.submitted_at is not None})
    order = {when: i for i, when in enumerate(times, start=1)}
    return RankArrays(
        np.array([k.nomination_id for k in keys], dtype=np.int64),
        np.array([k.nomination_id % 3 for k in keys], dtype=np.int64),
        np.array([k.reference for k in keys], dtype=str),
        np.array([k.submitted_at is None for k in keys]),
        np.array([order.get(k.submitted_at, 0) if k.submitted_at else 0 for k in keys], dtype=np.int64),
    )


@pytest.mark.parametrize("seed", range(12))
def test_array_aggregation_and_ranking_are_the_plain_rules_to_the_bit(seed):
    generator = random.Random(seed)
    criteria = [
        CriterionSpec(11, generator.choice([10, 30, 50]), 1, 3),
        CriterionSpec(7, generator.choice([10, 20, 25]), 0, 4),
        CriterionSpec(12, generator.choice([17, 50]), 1, 10),
    ]
    reviews = _random_cycle(generator, criteria)
    top = criteria[seed % 3].id
    method = "median" if seed % 2 else "mean"
    thresholds = {"range_threshold": generator.choice([10.0, 30.0]), "sd_threshold": generator.choice([5.0, 15.0])}

    reference = aggregate(reviews, criteria, method=method, **thresholds)
    arrays = aggregate_arrays(
        ReviewArrays.from_inputs(reviews, criteria), criteria, method=method, mean_of=top, **thresholds
    )
    assert sorted(arrays.results) == sorted(reference)
    for nomination_id, expected in reference.items():
        assert _figures(arrays.results[nomination_id]) == _figures(expected), nomination_id
    # read whole (items, values) as by look-up
    assert {nid: _figures(r) for nid, r in arrays.results.items()} == {nid: _figures(r) for nid, r in reference.items()}
    assert sorted(map(_figures, arrays.results.values()), key=repr) == sorted(
        map(_figures, reference.values()), key=repr
    )
    means = dict(zip(arrays.results.ids.tolist(), arrays.criterion_means.tolist(), strict=True))
    for nomination_id, expected in reference.items():
        mean = means[nomination_id]
        assert (None if mean != mean else mean) == expected.criterion_means.get(top)
    by_review = {
        rid: (r.judge_id, reference[r.nomination_id].review_scores[rid])
        for r in reviews
        if (rid := r.review_id) in reference[r.nomination_id].review_scores
    }
    assert tuple(arrays.normalisers) == judge_normalisers(by_review)

    # Ties everywhere: equal scores, equal submission times, no submission time.
    start = datetime(2026, 3, 1, tzinfo=UTC)
    keys = [
        RankKey(
            nomination_id,
            f"REF-{generator.randint(1, 10_000):05d}-{nomination_id}",
            None if generator.random() < 0.1 else start + timedelta(hours=generator.randint(0, 5)),
        )
        for nomination_id in range(1, 125)  # 120 to 124 have no review at all
    ]
    for basis in ("normalised", "raw"):
        ranked = rank_arrays(arrays, _rank_arrays_of(keys), basis=basis)
        for category in range(3):
            members = [k for k in keys if k.nomination_id % 3 == category]
            expected = [r.nomination_id for _, r in rank(reference, members, basis=basis, top_criterion_id=top)]
            assert ranked[category].tolist() == expected


@pytest.fixture
def scored_cycle(app):
    """A seeded cycle with some scores made not applicable or unanswered, a review with nothing answered, two
    score sheets copied onto others (equal scores to tie) and equal submission times."""
    seed_scale(nominations=45, judges=6, cases=0)
    db.session.commit()
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.status == CycleStatus.JUDGING))
    score_ids = db.session.scalars(sa.select(ReviewScore.id).order_by(ReviewScore.id)).all()
    generator = random.Random(3)
    for score_id in generator.sample(score_ids, len(score_ids) // 12):
        db.session.execute(
            sa.update(ReviewScore)
            .where(ReviewScore.id == score_id)
            .values(value=None, not_applicable=generator.random() < 0.5)
        )
    review_ids = db.session.scalars(
        sa.select(Review.id).where(Review.status == ReviewStatus.SUBMITTED).order_by(Review.id)
    ).all()
    db.session.execute(sa.update(ReviewScore).where(ReviewScore.review_id == review_ids[0]).values(value=None))
    for source, target in ((review_ids[1], review_ids[5]), (review_ids[2], review_ids[9])):
        for criterion_id, value, na in db.session.execute(
            sa.select(ReviewScore.criterion_id, ReviewScore.value, ReviewScore.not_applicable).where(
                ReviewScore.review_id == source
            )
        ).all():
            db.session.execute(
                sa.update(ReviewScore)
                .where(ReviewScore.review_id == target, ReviewScore.criterion_id == criterion_id)
                .values(value=value, not_applicable=na)
            )
    nominations = db.session.scalars(
        sa.select(Nomination).where(Nomination.cycle_id == cycle.id).order_by(Nomination.id)
    ).all()
    for nomination in nominations[1:12:2]:
        nomination.submitted_at = nominations[0].submitted_at
    db.session.commit()
    return cycle


def test_the_ranking_read_from_the_database_is_the_plain_rules(scored_cycle):
    cycle = scored_cycle
    judging_round = rounds.final_round(cycle)
    criteria = shortlists.round_criteria(judging_round)
    specs = [CriterionSpec(c.id, c.weight, c.scale_min, c.scale_max) for c in criteria]
    reference = aggregate(
        shortlists.load_reviews(judging_round),
        specs,
        method=judging_round.aggregation_method,
        range_threshold=judging_round.disagreement_range,
        sd_threshold=judging_round.disagreement_sd,
    )
    ranking = shortlists.compute_ranking(cycle)

    assert sorted(ranking.results) == sorted(reference)
    assert any(r.n < 3 for r in reference.values())  # the review with nothing answered is not counted
    for nomination_id, expected in reference.items():
        assert _figures(ranking.results[nomination_id]) == _figures(expected)
    entries = db.session.execute(
        sa.select(Nomination.id, Nomination.category_id, Nomination.reference, Nomination.submitted_at).where(
            *shortlists.ranked_entries(judging_round)
        )
    ).all()
    top = shortlists.top_criterion(criteria)
    assert len({e.submitted_at for e in entries}) < len(entries)  # equal submission times
    for category in cycle.categories:
        keys = [RankKey(e.id, e.reference, e.submitted_at) for e in entries if e.category_id == category.id]
        expected = rank(reference, keys, basis=judging_round.ranking_basis, top_criterion_id=top.id if top else None)
        assert list(ranking.order.get(category.id, [])) == [(p, r.nomination_id) for p, r in expected]
        if keys:
            needed = judging_round.judges_per_nomination
            assert ranking.incomplete[category.id] == sum(1 for _, r in expected if r.n < needed)

    # One nomination's detail, read again: each review's raw and normalised score and each criterion's mean.
    chosen = sorted(reference)[:6]
    detailed = shortlists.detailed_results(judging_round, ranking, chosen)
    for nomination_id in chosen:
        assert detailed[nomination_id].review_scores == reference[nomination_id].review_scores
        assert detailed[nomination_id].normalised_reviews == reference[nomination_id].normalised_reviews
        assert detailed[nomination_id].criterion_means == reference[nomination_id].criterion_means


def test_a_round_with_no_reviews_ranks_its_entries_unscored(app):
    seed_scale(nominations=4, judges=3, cases=0)
    db.session.commit()
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.status == CycleStatus.JUDGING))
    judging_round = rounds.final_round(cycle)
    db.session.execute(
        sa.update(Review)
        .where(Review.assignment_id.in_(sa.select(Assignment.id).where(Assignment.round_id == judging_round.id)))
        .values(status=ReviewStatus.DRAFT, submitted_at=None)
    )
    db.session.commit()
    ranking = shortlists.compute_ranking(cycle)
    assert len(ranking.results) == 0 and ranking.normalisers.judges == {}
    entries = db.session.execute(
        sa.select(Nomination.id, Nomination.category_id, Nomination.reference, Nomination.submitted_at).where(
            *shortlists.ranked_entries(judging_round)
        )
    ).all()
    assert sum(len(ranked) for ranked in ranking.order.values()) == len(entries) > 0
    for category_id, ranked in ranking.order.items():
        members = sorted(
            (e for e in entries if e.category_id == category_id), key=lambda e: (e.submitted_at, e.reference)
        )
        assert [nid for _, nid in ranked] == [e.id for e in members]  # unscored: by submission, then reference
        assert all(ranking.results.get(nid) is None for _, nid in ranked)
