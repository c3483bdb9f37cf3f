"""Aggregating judges' scores: the rules of the design guide, section 5.

- A review's score is 100 · Σ w·(v − min)/(max − min) / Σ w over the criteria the judge
  answered; an unanswered or "not applicable" criterion is left out, never counted as 0.
- A nomination's score is the mean (or median, a cycle option) of its submitted reviews,
  shown with n, the standard deviation (population: the spread of these judges' scores)
  and the range.
- The normalised score corrects harsh and lenient judges: each judge's review scores become
  z-scores over all their reviews in the cycle (a judge with fewer than 3 reviews, or whose
  scores do not vary, keeps raw scores), mapped back to 0–100 with the cycle's overall mean and
  standard deviation of review scores; the nomination's normalised score aggregates those.
- Disagreement is flagged when the range or the standard deviation reaches a threshold.
- Ties break by a stated, deterministic rule (see `rank`).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

MIN_REVIEWS_FOR_NORMALISATION = 3
DEFAULT_RANGE_THRESHOLD = 30.0
DEFAULT_SD_THRESHOLD = 15.0

_LATER_TIE_BREAKS = (
    "the score on the highest-weighted criterion, then the number of submitted reviews (more "
    "first), then the earlier submission, then the reference."
)


def tie_break_rule(basis: str) -> str:
    """The stated tie-break, as `rank` applies it: ranked by the raw score, the normalised score
    decides first; ranked by the normalised score, it cannot break its own ties."""
    if basis == "normalised":
        return f"Ties are broken by {_LATER_TIE_BREAKS}"
    return f"Ties are broken by the normalised score, then {_LATER_TIE_BREAKS}"


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    weight: float
    scale_min: int
    scale_max: int


class ScoreInput(NamedTuple):
    # A named tuple rather than a frozen dataclass: a 10,000-nomination cycle has 180,000 of
    # them, and a tuple is several times cheaper to make.
    criterion_id: int
    value: int | None  # None with not_applicable, or unanswered
    not_applicable: bool = False


@dataclass
class ReviewInput:
    review_id: int
    judge_id: int
    nomination_id: int
    scores: Sequence[ScoreInput]


@dataclass
class NominationResult:
    nomination_id: int
    n: int = 0
    raw: float | None = None
    normalised: float | None = None
    sd: float | None = None
    range: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    disagreement: bool = False
    criterion_means: dict[int, float] = field(default_factory=dict)
    review_scores: dict[int, float] = field(default_factory=dict)  # review id → raw review score
    normalised_reviews: dict[int, float] = field(default_factory=dict)  # review id → normalised review score


def review_score(scores: Iterable[ScoreInput], criteria: dict[int, CriterionSpec]) -> float | None:
    """0–100 over the answered criteria, weighted; None if the judge answered none."""
    weighted = total_weight = 0.0
    for s in scores:
        if s.not_applicable or s.value is None or s.criterion_id not in criteria:
            continue
        c = criteria[s.criterion_id]
        weighted += c.weight * (s.value - c.scale_min) / (c.scale_max - c.scale_min)
        total_weight += c.weight
    if total_weight == 0:
        return None
    return 100.0 * weighted / total_weight


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _pstdev(values: Sequence[float]) -> float:
    """The population standard deviation, in floating point (statistics.pstdev works in exact
    fractions, which costs seconds over a big cycle); exactly 0 when the values are all equal."""
    if len(values) < 2 or min(values) == max(values):
        return 0.0
    mean = _mean(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))


def _aggregate(values: Sequence[float], method: str) -> float:
    return statistics.median(values) if method == "median" else _mean(values)


def judge_normalisers(
    review_scores: dict[int, tuple[int, float]],
) -> tuple[dict[int, tuple[float, float]], float, float]:
    """Per judge (mean, sd) over their reviews; and the cycle's overall mean and sd of review scores.

    `review_scores` maps review id → (judge id, raw review score).
    """
    by_judge: dict[int, list[float]] = defaultdict(list)
    for judge_id, score in review_scores.values():
        by_judge[judge_id].append(score)
    all_scores = [score for _, score in review_scores.values()]
    overall_mean = _mean(all_scores) if all_scores else 0.0
    overall_sd = _pstdev(all_scores) if len(all_scores) > 1 else 0.0
    judges = {}
    for judge_id, scores in by_judge.items():
        if len(scores) >= MIN_REVIEWS_FOR_NORMALISATION:
            sd = _pstdev(scores)
            if sd > 0:
                judges[judge_id] = (_mean(scores), sd)
    return judges, overall_mean, overall_sd


def normalise(score: float, judge: tuple[float, float] | None, overall_mean: float, overall_sd: float) -> float:
    """A judge's review score as a z-score over their own reviews, mapped back to 0–100 on the cycle's scale."""
    if judge is None or overall_sd == 0:
        return score
    mean, sd = judge
    return min(100.0, max(0.0, overall_mean + overall_sd * (score - mean) / sd))


def aggregate(
    reviews: Sequence[ReviewInput],
    criteria: Sequence[CriterionSpec],
    *,
    method: str = "mean",
    range_threshold: float = DEFAULT_RANGE_THRESHOLD,
    sd_threshold: float = DEFAULT_SD_THRESHOLD,
) -> dict[int, NominationResult]:
    """Every nomination's result from the cycle's submitted reviews: each review's score, each
    judge's normalisation of it, then each nomination's summary of its reviews."""
    scored = _score_reviews(reviews, criteria)
    judges, overall_mean, overall_sd = judge_normalisers(scored.raw_by_review)
    results = scored.results
    for review_id, (judge_id, score) in scored.raw_by_review.items():
        result = results[scored.review_nomination[review_id]]
        result.review_scores[review_id] = score
        result.normalised_reviews[review_id] = normalise(score, judges.get(judge_id), overall_mean, overall_sd)
    for nomination_id, result in results.items():
        _summarise(result, scored.criterion_values[nomination_id], method, range_threshold, sd_threshold)
    return results


class _ScoredReviews(NamedTuple):
    results: dict[int, NominationResult]  # nomination id → its (empty) result
    raw_by_review: dict[int, tuple[int, float]]  # review id → (judge id, raw review score)
    review_nomination: dict[int, int]  # review id → nomination id
    criterion_values: dict[int, dict[int, list[float]]]  # nomination id → criterion id → answered values


def _score_reviews(reviews: Sequence[ReviewInput], criteria: Sequence[CriterionSpec]) -> _ScoredReviews:
    """Each review's raw score (as `review_score` computes it; a review with no answered criterion
    has none), and each nomination's answered values per criterion, in one pass over the scores."""
    # Each criterion's (weight, scale minimum, scale span) as plain locals: the loop below runs once
    # per score (180,000 in a big cycle), with the same arithmetic as review_score.
    spec = {c.id: (c.weight, c.scale_min, c.scale_max - c.scale_min) for c in criteria}
    scored = _ScoredReviews({}, {}, {}, defaultdict(lambda: defaultdict(list)))
    results, criterion_values = scored.results, scored.criterion_values
    for review in reviews:
        nomination_id = review.nomination_id
        if nomination_id not in results:
            results[nomination_id] = NominationResult(nomination_id)
        # review_score's sum, inline, keeping the answered values as it goes: a big cycle has
        # 180,000 scores, and one pass over them instead of two (and no call per review) counts.
        weighted = total_weight = 0.0
        answered = []
        for criterion_id, value, not_applicable in review.scores:
            if not_applicable or value is None:
                continue
            c = spec.get(criterion_id)
            if c is None:
                continue
            weight, scale_min, span = c
            weighted += weight * (value - scale_min) / span
            total_weight += weight
            answered.append((criterion_id, value))
        if total_weight == 0:
            continue
        scored.raw_by_review[review.review_id] = (review.judge_id, 100.0 * weighted / total_weight)
        scored.review_nomination[review.review_id] = nomination_id
        values = criterion_values[nomination_id]
        for criterion_id, value in answered:
            values[criterion_id].append(float(value))
    return scored


def _summarise(
    result: NominationResult,
    criterion_values: dict[int, list[float]],
    method: str,
    range_threshold: float,
    sd_threshold: float,
) -> None:
    """Fill in a nomination's result from its review scores (already in `result`): n, the raw and
    normalised scores, spread, disagreement and each criterion's mean."""
    scores = list(result.review_scores.values())
    result.n = len(scores)
    if not scores:
        return
    result.raw = _aggregate(scores, method)
    result.normalised = _aggregate(list(result.normalised_reviews.values()), method)
    result.minimum, result.maximum = min(scores), max(scores)
    result.range = result.maximum - result.minimum
    result.sd = _pstdev(scores) if len(scores) > 1 else 0.0
    result.disagreement = len(scores) > 1 and (result.range >= range_threshold or result.sd >= sd_threshold)
    # Whole-number values: their plain sum is exact, so no fsum is needed here.
    result.criterion_means = {cid: sum(values) / len(values) for cid, values in criterion_values.items()}


@dataclass(frozen=True)
class RankKey:
    nomination_id: int
    reference: str
    submitted_at: datetime | None


def rank(
    results: dict[int, NominationResult],
    keys: Sequence[RankKey],
    *,
    basis: str = "normalised",
    top_criterion_id: int | None = None,
) -> list[tuple[int, NominationResult]]:
    """Order nominations best first, with positions; equal keys share nothing: the tie-break is total.

    Order: the chosen basis (normalised or raw), then the normalised score, then the mean on the
    highest-weighted criterion, then more submitted reviews, then the earlier submission, then the
    reference (so the order is the same every time).
    """

    def key(k: RankKey):
        r = results.get(k.nomination_id) or NominationResult(k.nomination_id)
        primary = r.normalised if basis == "normalised" else r.raw
        top = r.criterion_means.get(top_criterion_id) if top_criterion_id is not None else None
        return (
            primary is None,
            -(primary or 0.0),
            -(r.normalised or 0.0),
            -(top or 0.0),
            -r.n,
            k.submitted_at is None,
            k.submitted_at.timestamp() if k.submitted_at else 0.0,
            k.reference,
        )

    ordered = sorted(keys, key=key)
    return [
        (position, results.get(k.nomination_id) or NominationResult(k.nomination_id))
        for position, k in enumerate(ordered, start=1)
    ]
