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

A review's weighted sum is taken over the criteria in the round's order (not in the order the database
returns the scores), so a review's score is the same number on every page and on both databases.

`aggregate` and `rank` state these rules plainly, one Python object per review and per nomination;
`aggregate_arrays` and `rank_arrays` compute the same numbers, to the bit, over whole columns (numpy),
for a round of 100,000 nominations and 1.8 million scores (docs/performance.md), and keep each
nomination's result as one row of a few arrays (`RankedResults`). The tests compare the two.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import numpy as np

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
    """0–100 over the answered criteria, weighted, summed in the criteria's order (the order of
    `criteria`); None if the judge answered none."""
    answered = {s.criterion_id: s.value for s in scores if not s.not_applicable and s.value is not None}
    weighted = total_weight = 0.0
    for c in criteria.values():
        value = answered.get(c.id)
        if value is None:
            continue
        weighted += c.weight * (value - c.scale_min) / (c.scale_max - c.scale_min)
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
    # Each criterion's (id, weight, scale minimum, scale span), in the criteria's order: the same
    # arithmetic, in the same order, as review_score.
    spec = [(c.id, c.weight, c.scale_min, c.scale_max - c.scale_min) for c in criteria]
    scored = _ScoredReviews({}, {}, {}, defaultdict(lambda: defaultdict(list)))
    results, criterion_values = scored.results, scored.criterion_values
    for review in reviews:
        nomination_id = review.nomination_id
        if nomination_id not in results:
            results[nomination_id] = NominationResult(nomination_id)
        # review_score's sum, inline, keeping the answered values as it goes.
        given = {s.criterion_id: s.value for s in review.scores if not s.not_applicable and s.value is not None}
        weighted = total_weight = 0.0
        answered = []
        for criterion_id, weight, scale_min, span in spec:
            value = given.get(criterion_id)
            if value is None:
                continue
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


# --- The same rules over whole columns -----------------------------------------------------------------
#
# A round of 100,000 nominations has 300,000 reviews and 1.8 million scores: as Python objects (a tuple a
# score, three dicts a nomination) they cost seconds to aggregate and hundreds of megabytes to keep. Here
# each review is a row of arrays and each nomination's result a row of `RankedResults`. Every figure is
# the reference's to the bit: the same IEEE operations in the same order where the order matters (a
# review's weighted sum, over the criteria in order), and where the reference uses math.fsum (means and
# standard deviations, whose sums are exact whatever the order) math.fsum too, over each group's values.


@dataclass(frozen=True)
class ReviewArrays:
    """The round's counted reviews as columns: one row a review (any order), and each review's values
    per criterion, in the criteria's order, NaN where the judge gave none (not applicable, unanswered)."""

    review_ids: np.ndarray  # int64
    judge_ids: np.ndarray  # int64
    nomination_ids: np.ndarray  # int64
    values: np.ndarray  # float64, reviews × criteria

    @classmethod
    def from_inputs(cls, reviews: Sequence[ReviewInput], criteria: Sequence[CriterionSpec]) -> ReviewArrays:
        """The arrays of reviews given as objects (the tests', and a drill-down's few)."""
        column = {c.id: j for j, c in enumerate(criteria)}
        values = np.full((len(reviews), len(criteria)), np.nan)
        for i, review in enumerate(reviews):
            for s in review.scores:
                j = column.get(s.criterion_id)
                if j is not None and not s.not_applicable and s.value is not None:
                    values[i, j] = s.value
        return cls(
            np.array([r.review_id for r in reviews], dtype=np.int64),
            np.array([r.judge_id for r in reviews], dtype=np.int64),
            np.array([r.nomination_id for r in reviews], dtype=np.int64),
            values,
        )


class Normalisers(NamedTuple):
    """What normalising a review score needs (judge_normalisers): kept with a ranking, so the review
    scores of the one nomination a page shows can be normalised again without the whole round."""

    judges: dict[int, tuple[float, float]]  # judge id → (mean, sd) of their review scores
    overall_mean: float
    overall_sd: float

    def normalise(self, judge_id: int, score: float) -> float:
        return normalise(score, self.judges.get(judge_id), self.overall_mean, self.overall_sd)


_COLUMNS = ("raw", "normalised", "sd", "range", "minimum", "maximum")


class RankedResults(Mapping[int, NominationResult]):
    """Every nomination's result, a row of arrays each (n, raw, normalised, sd, range, minimum, maximum,
    disagreement; NaN where the result has None), read as a mapping of nomination id → NominationResult
    (made on each look-up, without the per-review detail: see shortlists.detailed_results). Shared
    between requests: nothing changes it once made."""

    __slots__ = ("ids", "n", "disagreement", *_COLUMNS)
    ids: np.ndarray
    n: np.ndarray
    disagreement: np.ndarray

    def __init__(self, ids: np.ndarray, n: np.ndarray, columns: dict[str, np.ndarray], disagreement: np.ndarray):
        self.ids = ids  # int64, ascending
        self.n = n
        self.disagreement = disagreement
        for name in _COLUMNS:
            setattr(self, name, columns[name])
        for array in (ids, n, disagreement, *columns.values()):
            array.flags.writeable = False

    def _index(self, nomination_id: object) -> int | None:
        if not isinstance(nomination_id, int | np.integer):
            return None
        i = int(np.searchsorted(self.ids, nomination_id))
        return i if i < len(self.ids) and self.ids[i] == nomination_id else None

    def __getitem__(self, nomination_id: int) -> NominationResult:
        i = self._index(nomination_id)
        if i is None:
            raise KeyError(nomination_id)
        result = NominationResult(int(nomination_id), n=int(self.n[i]), disagreement=bool(self.disagreement[i]))
        for name in _COLUMNS:
            value = float(getattr(self, name)[i])
            setattr(result, name, None if math.isnan(value) else value)
        return result

    def __contains__(self, nomination_id: object) -> bool:
        return self._index(nomination_id) is not None

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids.tolist())

    def __len__(self) -> int:
        return len(self.ids)

    def items(self) -> ItemsView[int, NominationResult]:
        return _RankedItems(self)

    def values(self) -> ValuesView[NominationResult]:
        return _RankedValues(self)

    def _all(self) -> Iterator[NominationResult]:
        """Every result, in id order, made from whole columns at once (not a look-up each)."""
        columns = [[None if v != v else v for v in getattr(self, name).tolist()] for name in _COLUMNS]
        for nid, n, disagreement, raw, normalised, sd, spread, low, high in zip(
            self.ids.tolist(), self.n.tolist(), self.disagreement.tolist(), *columns, strict=True
        ):
            yield NominationResult(nid, n, raw, normalised, sd, spread, low, high, disagreement)

    def column(self, name: str, nomination_ids: np.ndarray) -> np.ndarray:
        """The `name` figure ("n" or one of the float columns) of each of `nomination_ids`, as floats:
        NaN for a nomination without a result, or whose result has None there."""
        found = np.full(len(nomination_ids), np.nan)
        if len(self.ids):
            at = np.minimum(np.searchsorted(self.ids, nomination_ids), len(self.ids) - 1)
            hit = self.ids[at] == nomination_ids
            found[hit] = getattr(self, name)[at[hit]]
        return found

    def judged(self) -> set[int]:
        """The nominations with at least one scored review."""
        return set(self.ids[self.n > 0].tolist())

    def without(self, nomination_ids: AbstractSet[int]) -> Mapping[int, NominationResult]:
        """These results less `nomination_ids` (a view: nothing is copied)."""
        return _ResultsWithout(self, nomination_ids) if nomination_ids else self


class _RankedItems(ItemsView[int, NominationResult]):
    _mapping: RankedResults

    def __iter__(self) -> Iterator[tuple[int, NominationResult]]:
        return ((result.nomination_id, result) for result in self._mapping._all())


class _RankedValues(ValuesView[NominationResult]):
    _mapping: RankedResults

    def __iter__(self) -> Iterator[NominationResult]:
        return self._mapping._all()


class _ResultsWithout(Mapping[int, NominationResult]):
    def __init__(self, results: RankedResults, left_out: AbstractSet[int]):
        self._results, self._left_out = results, left_out

    def __getitem__(self, nomination_id: int) -> NominationResult:
        if nomination_id in self._left_out:
            raise KeyError(nomination_id)
        return self._results[nomination_id]

    def __iter__(self) -> Iterator[int]:
        return (nid for nid in self._results if nid not in self._left_out)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Aggregated(NamedTuple):
    results: RankedResults
    normalisers: Normalisers
    criterion_means: np.ndarray  # float64 per results.ids: the mean on the criterion asked for (NaN: none)


def aggregate_arrays(
    reviews: ReviewArrays,
    criteria: Sequence[CriterionSpec],
    *,
    method: str = "mean",
    range_threshold: float = DEFAULT_RANGE_THRESHOLD,
    sd_threshold: float = DEFAULT_SD_THRESHOLD,
    mean_of: int | None = None,
) -> Aggregated:
    """`aggregate` over columns: every nomination's result (a nomination with a counted review has a
    result, n = 0 when none of its reviews answered a criterion), the judges' normalisers, and each
    nomination's mean on the criterion `mean_of` (the ranking's tie-break)."""
    # Temporaries are dropped as soon as they are used (`del`): at 100,000 nominations each is 2.4 MB, and
    # together they make a worker's peak (docs/performance.md).
    raw, weights = _review_scores(reviews.values, criteria)
    scored = weights > 0
    del weights
    scores, judges, nominations = raw[scored], reviews.judge_ids[scored], reviews.nomination_ids[scored]
    del raw
    normalisers = _normalisers(judges, scores)
    normalised = _normalised(judges, scores, normalisers)
    del judges

    ids = np.unique(reviews.nomination_ids)
    order = np.argsort(nominations, kind="stable")
    nominations, scores, normalised = nominations[order], scores[order], normalised[order]
    del order
    group_ids, starts, counts = np.unique(nominations, return_index=True, return_counts=True)
    rows = np.searchsorted(ids, group_ids)
    n = np.zeros(len(ids), dtype=np.int32)
    n[rows] = counts
    columns = {name: np.full(len(ids), np.nan) for name in _COLUMNS}
    disagreement = np.zeros(len(ids), dtype=bool)
    for k in np.unique(counts).tolist():
        chosen = counts == k
        at = rows[chosen]
        cells = starts[chosen][:, None] + np.arange(k)
        own, own_normalised = scores[cells], normalised[cells]
        columns["raw"][at] = _aggregate_rows(own, method)
        columns["normalised"][at] = _aggregate_rows(own_normalised, method)
        low, high = own.min(axis=1), own.max(axis=1)
        columns["minimum"][at], columns["maximum"][at] = low, high
        spread = high - low
        columns["range"][at] = spread
        sd = _pstdev_rows(own, low, high)
        columns["sd"][at] = sd
        if k > 1:
            disagreement[at] = (spread >= range_threshold) | (sd >= sd_threshold)
    del nominations, scores, normalised
    results = RankedResults(ids, n, columns, disagreement)

    means = np.full(len(ids), np.nan)
    column = next((j for j, c in enumerate(criteria) if c.id == mean_of), None)
    if column is not None:
        values = reviews.values[scored, column]
        answered = ~np.isnan(values)
        at = np.searchsorted(ids, reviews.nomination_ids[scored][answered])
        total = np.bincount(at, weights=values[answered], minlength=len(ids))  # whole numbers: exact
        count = np.bincount(at, minlength=len(ids))
        has = count > 0
        means[has] = total[has] / count[has]
    return Aggregated(results, normalisers, means)


def _review_scores(values: np.ndarray, criteria: Sequence[CriterionSpec]) -> tuple[np.ndarray, np.ndarray]:
    """Each review's raw score and the weight of its answered criteria (0: none answered, no score):
    review_score's sums, criterion by criterion in order, with its operations."""
    weighted = np.zeros(len(values))
    total_weight = np.zeros(len(values))
    for j, c in enumerate(criteria):
        value = values[:, j]
        answered = ~np.isnan(value)
        term = float(c.weight) * (value - c.scale_min) / (c.scale_max - c.scale_min)
        weighted = np.where(answered, weighted + term, weighted)
        total_weight = np.where(answered, total_weight + c.weight, total_weight)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = 100.0 * weighted / total_weight
    return raw, total_weight


# Python floats are made for math.fsum and pow a block of values at a time, never for a whole column at
# once: 300,000 of them would add tens of megabytes to a worker's peak.
_BLOCK = 16_384


def _fsums(rows: np.ndarray) -> np.ndarray:
    """math.fsum of each row: the correctly rounded sum, whatever the order of its values."""
    sums = np.empty(len(rows))
    for start in range(0, len(rows), _BLOCK):
        block = rows[start : start + _BLOCK].tolist()
        sums[start : start + len(block)] = np.fromiter(map(math.fsum, block), dtype=np.float64, count=len(block))
    return sums


def _squares(values: np.ndarray) -> np.ndarray:
    """Each value ** 2 as Python computes it (the C library's pow, which rounds a few exact halfway
    squares differently from a multiplication)."""
    flat = values.ravel()
    squares = np.empty(len(flat))
    for start in range(0, len(flat), _BLOCK):
        block = flat[start : start + _BLOCK].tolist()
        squares[start : start + len(block)] = np.fromiter(map(pow, block, itertools.repeat(2)), np.float64, len(block))
    return squares.reshape(values.shape)


def _fsum(values: np.ndarray) -> float:
    """math.fsum of an array's values, made into Python floats a block at a time."""
    blocks = (values[start : start + _BLOCK].tolist() for start in range(0, len(values), _BLOCK))
    return math.fsum(itertools.chain.from_iterable(blocks))


def _aggregate_rows(rows: np.ndarray, method: str) -> np.ndarray:
    """_aggregate of each row (rows of equal length): the median, or the mean (math.fsum / n)."""
    k = rows.shape[1]
    if method == "median":
        ordered = np.sort(rows, axis=1)
        if k % 2 == 1:
            return ordered[:, k // 2]
        return (ordered[:, k // 2 - 1] + ordered[:, k // 2]) / 2
    return _fsums(rows) / k


def _pstdev_rows(rows: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """_pstdev of each row (rows of equal length, with their minimum and maximum)."""
    k = rows.shape[1]
    sd = np.zeros(len(rows))
    varied = low != high
    if k < 2 or not varied.any():
        return sd
    own = rows[varied]
    mean = _fsums(own) / k
    sd[varied] = np.sqrt(_fsums(_squares(own - mean[:, None])) / k)
    return sd


def _normalisers(judges: np.ndarray, scores: np.ndarray) -> Normalisers:
    """judge_normalisers over columns: per judge with enough reviews (mean, sd), and the round's."""
    overall_mean, overall_sd = _mean_and_pstdev(scores) if len(scores) else (0.0, 0.0)
    kept: dict[int, tuple[float, float]] = {}
    if not len(scores):
        return Normalisers(kept, overall_mean, overall_sd)
    order = np.argsort(judges, kind="stable")
    judge_ids, starts = np.unique(judges[order], return_index=True)
    for judge_id, own in zip(judge_ids.tolist(), np.split(scores[order], starts[1:]), strict=True):
        if len(own) >= MIN_REVIEWS_FOR_NORMALISATION:
            mean, sd = _mean_and_pstdev(own)
            if sd > 0:
                kept[judge_id] = (mean, sd)
    return Normalisers(kept, overall_mean, overall_sd)


def _mean_and_pstdev(values: np.ndarray) -> tuple[float, float]:
    """_mean and _pstdev of some values (at least one), with the same operations."""
    mean = _fsum(values) / len(values)
    if len(values) < 2 or values.min() == values.max():
        return mean, 0.0
    return mean, math.sqrt(_fsum(_squares(values - mean)) / len(values))


def _normalised(judges: np.ndarray, scores: np.ndarray, normalisers: Normalisers) -> np.ndarray:
    """normalise() of each review score by its judge."""
    if not normalisers.judges or normalisers.overall_sd == 0:
        return scores.copy()
    known = np.array(sorted(normalisers.judges), dtype=np.int64)
    means = np.array([normalisers.judges[j][0] for j in known.tolist()])
    sds = np.array([normalisers.judges[j][1] for j in known.tolist()])
    at = np.minimum(np.searchsorted(known, judges), len(known) - 1)
    has = known[at] == judges
    with np.errstate(invalid="ignore", divide="ignore"):
        mapped = normalisers.overall_mean + normalisers.overall_sd * (scores - means[at]) / sds[at]
    mapped = np.where(mapped > 0.0, mapped, 0.0)  # max(0.0, x)
    mapped = np.where(mapped < 100.0, mapped, 100.0)  # min(100.0, x)
    return np.where(has, mapped, scores)


class RankArrays(NamedTuple):
    """The ranked nominations of a round as columns: id, category, reference and the submission time
    (None first: whether it is missing; then the database's order of the times, equal times equal)."""

    nomination_ids: np.ndarray  # int64
    category_ids: np.ndarray  # int64
    references: np.ndarray  # str
    unsubmitted: np.ndarray  # bool
    submitted_order: np.ndarray  # int64


def rank_arrays(aggregated: Aggregated, keys: RankArrays, *, basis: str = "normalised") -> dict[int, np.ndarray]:
    """`rank` over columns, for each category: its nominations' ids best first (`rank`'s order and
    tie-break, with `aggregated.criterion_means` as the mean on the highest-weighted criterion)."""
    results = aggregated.results
    ids = keys.nomination_ids
    if not len(ids):
        return {}
    normalised = results.column("normalised", ids)
    primary = normalised if basis == "normalised" else results.column("raw", ids)
    top = np.full(len(ids), np.nan)
    if len(results.ids):
        at = np.minimum(np.searchsorted(results.ids, ids), len(results.ids) - 1)
        hit = results.ids[at] == ids
        top[hit] = aggregated.criterion_means[at[hit]]
    n = np.nan_to_num(results.column("n", ids))
    _, reference_order = np.unique(keys.references, return_inverse=True)
    order = np.lexsort(
        (
            reference_order.ravel(),
            np.where(keys.unsubmitted, 0, keys.submitted_order),
            keys.unsubmitted.astype(np.int8),
            -n,
            -np.nan_to_num(top),
            -np.nan_to_num(normalised),
            -np.nan_to_num(primary),
            np.isnan(primary).astype(np.int8),
            keys.category_ids,
        )
    )
    categories = keys.category_ids[order]
    ranked = ids[order]
    firsts, starts = np.unique(categories, return_index=True)
    return {
        category_id: members for category_id, members in zip(firsts.tolist(), np.split(ranked, starts[1:]), strict=True)
    }
