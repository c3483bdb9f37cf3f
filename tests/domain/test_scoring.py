"""Aggregation rules with hand-computed numbers."""

from datetime import UTC, datetime

import pytest

from awards.domain.results.scoring import (
    CriterionSpec,
    RankKey,
    ReviewInput,
    ScoreInput,
    aggregate,
    normalise,
    rank,
    review_score,
)

CRITERIA = [CriterionSpec(1, 30, 1, 10), CriterionSpec(2, 20, 1, 10), CriterionSpec(3, 50, 1, 10)]
SPEC = {c.id: c for c in CRITERIA}


def scores(*values):
    return [
        ScoreInput(cid, v, v == "na") if v != "na" else ScoreInput(cid, None, True)
        for cid, v in zip((1, 2, 3), values, strict=True)
    ]


def test_review_score_weighted_over_answered_criteria():
    # (10−1)/9 = 1, (1−1)/9 = 0, (5.5)... use 7: (7−1)/9 = 2/3
    # 100 · (30·1 + 20·0 + 50·(2/3)) / 100 = 30 + 33.33 = 63.33
    assert review_score(scores(10, 1, 7), SPEC) == pytest.approx(63.3333, abs=1e-3)


def test_not_applicable_is_left_out_never_zero():
    # criterion 2 N/A: 100 · (30·1 + 50·(2/3)) / 80 = 100 · 63.333/80 = 79.1667
    assert review_score(scores(10, "na", 7), SPEC) == pytest.approx(79.1667, abs=1e-3)
    # counting N/A as 0 would have given 63.33: it must not
    assert review_score(scores(10, "na", 7), SPEC) != pytest.approx(63.3333, abs=1e-2)


def test_unanswered_criterion_left_out_and_nothing_answered_is_none():
    assert review_score([ScoreInput(1, 10)], SPEC) == pytest.approx(100.0)
    assert review_score([ScoreInput(1, None, True)], SPEC) is None


def test_nomination_mean_median_sd_range():
    reviews = [
        ReviewInput(1, 1, 100, [ScoreInput(1, 10), ScoreInput(2, 10), ScoreInput(3, 10)]),  # 100
        ReviewInput(2, 2, 100, [ScoreInput(1, 1), ScoreInput(2, 1), ScoreInput(3, 1)]),  # 0
        ReviewInput(3, 3, 100, [ScoreInput(1, 7), ScoreInput(2, 7), ScoreInput(3, 7)]),
    ]  # 66.67
    result = aggregate(reviews, CRITERIA)[100]
    assert result.n == 3
    assert result.raw == pytest.approx((100 + 0 + 66.6667) / 3, abs=1e-3)
    assert result.range == pytest.approx(100.0)
    # population sd of (100, 0, 66.67): mean 55.56; deviations² 1975.3, 3086.4, 123.5 → /3 = 1728.4 → 41.57
    assert result.sd == pytest.approx(41.574, abs=1e-2)
    assert result.disagreement
    assert aggregate(reviews, CRITERIA, method="median")[100].raw == pytest.approx(66.6667, abs=1e-3)
    assert result.criterion_means[1] == pytest.approx(6.0)


def test_no_disagreement_below_thresholds():
    reviews = [ReviewInput(1, 1, 7, [ScoreInput(1, 7)]), ReviewInput(2, 2, 7, [ScoreInput(1, 8)])]
    result = aggregate(reviews, CRITERIA)[7]
    assert result.range == pytest.approx(100 / 9)  # 11.1 < 30
    assert not result.disagreement


def test_normalisation_removes_harsh_and_lenient_bias():
    # Three nominations, each scored by a harsh judge (A, always 2 points lower) and a lenient
    # judge (B, always 2 points higher) on one criterion. Raw scores carry the bias;
    # each judge's z-scores do not: normalised, the two judges agree exactly.
    true_quality = {10: 5, 11: 6, 12: 7}
    reviews, rid = [], 0
    for nomination, q in true_quality.items():
        for judge, bias in ((1, -2), (2, +2)):
            rid += 1
            reviews.append(ReviewInput(rid, judge, nomination, [ScoreInput(1, q + bias)]))
    results = aggregate(reviews, CRITERIA)
    for nomination in true_quality:
        r = results[nomination]
        harsh, lenient = sorted(r.review_scores.items())
        assert abs(harsh[1] - lenient[1]) == pytest.approx(400 / 9)  # 4 points on a 1–10 scale
        normalised = list(r.normalised_reviews.values())
        assert normalised[0] == pytest.approx(normalised[1])
    # A nomination scored only by the harsh judge is penalised raw, not normalised:
    reviews.append(ReviewInput(99, 1, 13, [ScoreInput(1, 6 - 2)]))  # quality 6, harsh judge only
    results = aggregate(reviews, CRITERIA)
    assert results[13].raw < results[11].raw
    assert results[13].normalised == pytest.approx(results[11].normalised)
    assert [n for n in sorted(true_quality, key=lambda n: results[n].normalised)] == [10, 11, 12]


def test_judge_with_fewer_than_three_reviews_keeps_raw():
    reviews = [
        ReviewInput(1, 1, 1, [ScoreInput(1, 2)]),
        ReviewInput(2, 1, 2, [ScoreInput(1, 3)]),
        ReviewInput(3, 2, 1, [ScoreInput(1, 9)]),
    ]
    results = aggregate(reviews, CRITERIA)
    for r in results.values():
        assert r.normalised_reviews == r.review_scores


def test_normalise_maps_back_to_the_cycle_scale_and_clips():
    assert normalise(80, (60, 10), 50, 20) == pytest.approx(90)
    assert normalise(99, (10, 1), 50, 20) == 100.0
    assert normalise(42, None, 50, 20) == 42


def test_ties_break_deterministically():
    when = datetime(2026, 1, 1, tzinfo=UTC)
    later = datetime(2026, 1, 2, tzinfo=UTC)
    reviews = [
        ReviewInput(1, 1, 1, [ScoreInput(1, 6), ScoreInput(3, 6)]),
        ReviewInput(2, 1, 2, [ScoreInput(1, 6), ScoreInput(3, 6)]),
        ReviewInput(3, 2, 2, [ScoreInput(1, 6), ScoreInput(3, 6)]),
        ReviewInput(4, 1, 3, [ScoreInput(1, 6), ScoreInput(3, 6)]),
        ReviewInput(5, 1, 4, [ScoreInput(1, 6), ScoreInput(3, 6)]),
    ]
    results = aggregate(reviews, CRITERIA)
    keys = [
        RankKey(1, "PSDA-1", when),
        RankKey(2, "PSDA-2", later),
        RankKey(3, "PSDA-3", later),
        RankKey(4, "PSDA-4", when),
    ]
    order = [r.nomination_id for _, r in rank(results, keys, basis="raw", top_criterion_id=3)]
    # all equal scores: 2 has more reviews; then 1 and 4 submitted earlier (by reference); then 3
    assert order == [2, 1, 4, 3]
    assert order == [r.nomination_id for _, r in rank(results, list(reversed(keys)), basis="raw", top_criterion_id=3)]


def test_highest_weighted_criterion_breaks_a_tie():
    # Same review score (50) made two ways: 2 leads on criterion 3 (the heaviest)
    spec = [CriterionSpec(1, 50, 0, 10), CriterionSpec(3, 50, 0, 10)]
    reviews = [
        ReviewInput(1, 1, 1, [ScoreInput(1, 10), ScoreInput(3, 0)]),
        ReviewInput(2, 1, 2, [ScoreInput(1, 0), ScoreInput(3, 10)]),
    ]
    results = aggregate(reviews, spec)
    assert results[1].raw == results[2].raw == pytest.approx(50)
    keys = [RankKey(1, "A", None), RankKey(2, "B", None)]
    assert [r.nomination_id for _, r in rank(results, keys, basis="raw", top_criterion_id=3)] == [2, 1]


def test_aggregate_scores_each_review_exactly_as_review_score_does():
    """aggregate() inlines review_score's sum for speed; both must give the same number, to the bit."""
    import random

    generator = random.Random(7)
    criteria = [CriterionSpec(1, 30, 1, 10), CriterionSpec(2, 17, 0, 4), CriterionSpec(3, 53, 1, 7)]
    reviews = []
    for review_id in range(1, 200):
        answers = [
            ScoreInput(c.id, generator.randint(c.scale_min, c.scale_max))
            if generator.random() > 0.15
            else ScoreInput(c.id, None, True)
            for c in criteria
        ]
        reviews.append(ReviewInput(review_id, generator.randint(1, 9), generator.randint(1, 40), answers))
    results = aggregate(reviews, criteria)
    by_review = {rid: score for r in results.values() for rid, score in r.review_scores.items()}
    spec = {c.id: c for c in criteria}
    for review in reviews:
        assert by_review.get(review.review_id) == review_score(review.scores, spec)
