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

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

MIN_REVIEWS_FOR_NORMALISATION = 3
DEFAULT_RANGE_THRESHOLD = 30.0
DEFAULT_SD_THRESHOLD = 15.0

TIE_BREAK_RULE = ("Ties are broken by the normalised score, then the score on the highest-weighted criterion, "
                  "then the number of submitted reviews (more first), then the earlier submission, then the "
                  "reference.")


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    weight: float
    scale_min: int
    scale_max: int


@dataclass(frozen=True)
class ScoreInput:
    criterion_id: int
    value: int | None          # None with not_applicable, or unanswered
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
    review_scores: dict[int, float] = field(default_factory=dict)        # review id → raw review score
    normalised_reviews: dict[int, float] = field(default_factory=dict)   # review id → normalised review score


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


def _aggregate(values: Sequence[float], method: str) -> float:
    return statistics.median(values) if method == "median" else statistics.fmean(values)


def judge_normalisers(review_scores: dict[int, tuple[int, float]],
                      ) -> tuple[dict[int, tuple[float, float]], float, float]:
    """Per judge (mean, sd) over their reviews; and the cycle's overall mean and sd of review scores.

    `review_scores` maps review id → (judge id, raw review score).
    """
    by_judge: dict[int, list[float]] = defaultdict(list)
    for judge_id, score in review_scores.values():
        by_judge[judge_id].append(score)
    all_scores = [score for _, score in review_scores.values()]
    overall_mean = statistics.fmean(all_scores) if all_scores else 0.0
    overall_sd = statistics.pstdev(all_scores) if len(all_scores) > 1 else 0.0
    judges = {}
    for judge_id, scores in by_judge.items():
        if len(scores) >= MIN_REVIEWS_FOR_NORMALISATION:
            sd = statistics.pstdev(scores)
            if sd > 0:
                judges[judge_id] = (statistics.fmean(scores), sd)
    return judges, overall_mean, overall_sd


def normalise(score: float, judge: tuple[float, float] | None, overall_mean: float, overall_sd: float) -> float:
    """A judge's review score as a z-score over their own reviews, mapped back to 0–100 on the cycle's scale."""
    if judge is None or overall_sd == 0:
        return score
    mean, sd = judge
    return min(100.0, max(0.0, overall_mean + overall_sd * (score - mean) / sd))


def aggregate(reviews: Sequence[ReviewInput], criteria: Sequence[CriterionSpec], *, method: str = "mean",
              range_threshold: float = DEFAULT_RANGE_THRESHOLD,
              sd_threshold: float = DEFAULT_SD_THRESHOLD) -> dict[int, NominationResult]:
    """Every nomination's result from the cycle's submitted reviews."""
    spec = {c.id: c for c in criteria}
    raw_by_review: dict[int, tuple[int, float]] = {}
    review_nomination: dict[int, int] = {}
    criterion_values: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    results: dict[int, NominationResult] = {}
    for review in reviews:
        results.setdefault(review.nomination_id, NominationResult(review.nomination_id))
        score = review_score(review.scores, spec)
        if score is None:
            continue
        raw_by_review[review.review_id] = (review.judge_id, score)
        review_nomination[review.review_id] = review.nomination_id
        for s in review.scores:
            if not s.not_applicable and s.value is not None and s.criterion_id in spec:
                criterion_values[review.nomination_id][s.criterion_id].append(float(s.value))
    judges, overall_mean, overall_sd = judge_normalisers(raw_by_review)
    for review_id, (judge_id, score) in raw_by_review.items():
        result = results[review_nomination[review_id]]
        result.review_scores[review_id] = score
        result.normalised_reviews[review_id] = normalise(score, judges.get(judge_id), overall_mean, overall_sd)
    for nomination_id, result in results.items():
        scores = list(result.review_scores.values())
        result.n = len(scores)
        if not scores:
            continue
        result.raw = _aggregate(scores, method)
        result.normalised = _aggregate(list(result.normalised_reviews.values()), method)
        result.minimum, result.maximum = min(scores), max(scores)
        result.range = result.maximum - result.minimum
        result.sd = statistics.pstdev(scores) if len(scores) > 1 else 0.0
        result.disagreement = len(scores) > 1 and (result.range >= range_threshold or result.sd >= sd_threshold)
        result.criterion_means = {cid: statistics.fmean(values)
                                  for cid, values in criterion_values[nomination_id].items()}
    return results


@dataclass(frozen=True)
class RankKey:
    nomination_id: int
    reference: str
    submitted_at: datetime | None


def rank(results: dict[int, NominationResult], keys: Sequence[RankKey], *, basis: str = "normalised",
         top_criterion_id: int | None = None) -> list[tuple[int, NominationResult]]:
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
            primary is None, -(primary or 0.0),
            -(r.normalised or 0.0),
            -(top or 0.0),
            -r.n,
            k.submitted_at is None, k.submitted_at.timestamp() if k.submitted_at else 0.0,
            k.reference,
        )
    ordered = sorted(keys, key=key)
    return [(position, results.get(k.nomination_id) or NominationResult(k.nomination_id))
            for position, k in enumerate(ordered, start=1)]
