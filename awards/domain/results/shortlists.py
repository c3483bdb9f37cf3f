"""Results of a cycle: leaderboards per category, the suggested shortlist, the organiser's
decisions (with a rationale for every change from the suggestion), and publication, which
changes nominations' statuses, tells nominees, and makes impact cases of consenting
shortlisted nominations.

Each judging round has results of its own, from the reviews of that round's assignments only
(calibration assignments left out) and by that round's settings; a function given a cycle and no
round means the cycle's final round (rounds.final_round), whose results the shortlist is decided
from and published."""

from __future__ import annotations

import ctypes
import functools
import itertools
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, case, delete, func, select, true
from sqlalchemy.orm import selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.collector import collector_paused
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.core.mail import queue_email
from awards.domain.core.text import unique_slug
from awards.domain.judging import meetings, rounds
from awards.domain.publishing import publication
from awards.domain.results.scoring import (
    CriterionSpec,
    NominationResult,
    Normalisers,
    RankArrays,
    RankedResults,
    ReviewArrays,
    ReviewInput,
    ScoreInput,
    aggregate_arrays,
    rank_arrays,
    review_score,
)
from awards.extensions import db
from awards.i18n import language_of
from awards.models import (
    Advancement,
    Assignment,
    Category,
    Criterion,
    Cycle,
    CycleStatus,
    ImpactCase,
    ImpactCaseTrend,
    JudgingRound,
    Nomination,
    NominationStatus,
    NominationTrend,
    Result,
    Review,
    ReviewScore,
    ReviewStatus,
    RoundEntries,
    RoundMode,
    ShortlistDecision,
    User,
    versions,
)
from awards.urls import external_url

RANKED_STATUSES = (
    NominationStatus.SUBMITTED,
    NominationStatus.SHORTLISTED,
    NominationStatus.HIGHLY_COMMENDED,
    NominationStatus.WINNER,
)
SHORTLIST_RESULTS = (Result.WINNER, Result.HIGHLY_COMMENDED, Result.SHORTLISTED)
STATUS_FOR_RESULT = {
    Result.WINNER: NominationStatus.WINNER,
    Result.HIGHLY_COMMENDED: NominationStatus.HIGHLY_COMMENDED,
    Result.SHORTLISTED: NominationStatus.SHORTLISTED,
}


@dataclass
class Row:
    position: int | None  # None when withheld: its rank would bracket its score between its neighbours'
    nomination: Nomination
    result: NominationResult
    decision: ShortlistDecision | None
    complete: bool | None  # None when withheld: how many judges have scored it is not shown either
    withheld: bool = False  # the viewer is conflicted with this nomination: its scores are not shown

    @property
    def suggested(self) -> bool:
        return self.decision.suggested if self.decision else False


@dataclass
class CategoryBoard:
    category: Category
    rows: list[Row] = field(default_factory=list)
    total: int = 0  # nominations ranked in the category (rows may hold one page of them)
    incomplete_count: int = 0  # of those, how many have fewer reviews than the round needs
    # Nominations the viewer is conflicted with: listed apart from the ranked rows, with no rank,
    # scores or completeness; `total` and `incomplete_count` leave them out.
    withheld_rows: list[Row] = field(default_factory=list)
    # True when withheld_rows is not empty: the other rows' ranks are not shown either, since a gap
    # in the numbers (1, 2, 4) would show where the withheld nomination falls; rows keep rank order.
    ranks_hidden: bool = False

    @property
    def incomplete(self) -> int:
        return self.incomplete_count


@dataclass
class CycleResults:
    cycle: Cycle
    boards: list[CategoryBoard]
    results: Mapping[int, NominationResult]  # less the withheld nominations
    criteria: list[Criterion]
    judging_round: JudgingRound | None = None  # the round the results are of


def _round_of(cycle: Cycle, judging_round: JudgingRound | None) -> JudgingRound:
    """The round asked for, else the cycle's final round (the one whose results are published)."""
    if judging_round is None:
        return rounds.final_round(cycle)
    if judging_round.cycle_id != cycle.id:
        raise ValueError(f"{judging_round!r} is not a round of {cycle!r}")
    return judging_round


def load_reviews(judging_round: JudgingRound, nomination_ids: Sequence[int] | None = None) -> list[ReviewInput]:
    """Every submitted review of the round with its scores, as objects, in review id order (a review
    without any score row still counts: it is read with an outer join); with `nomination_ids`, only
    theirs. Reviews of calibration assignments (an example every judge scores first, not in
    competition) and of other rounds are left out. The ranking reads the round as arrays instead
    (load_review_arrays); this is the plain form, for one nomination's detail and for the tests."""
    statement = (
        select(
            Review.id,
            Assignment.judge_id,
            Assignment.nomination_id,
            ReviewScore.criterion_id,
            ReviewScore.value,
            ReviewScore.not_applicable,
        )
        .join(Assignment, Review.assignment_id == Assignment.id)
        .outerjoin(ReviewScore, ReviewScore.review_id == Review.id)
        .where(*_counted_reviews(judging_round))
    )
    if nomination_ids is not None:
        statement = statement.where(Assignment.nomination_id.in_([int(i) for i in nomination_ids]))
    reviews: dict[int, ReviewInput] = {}
    scores_of: dict[int, list[ScoreInput]] = {}  # review id → its scores (the list its ReviewInput holds)
    for rows in _raw_chunks(statement, "load_reviews"):
        for review_id, judge_id, nomination_id, criterion_id, value, na in rows:
            scores = scores_of.get(review_id)
            if scores is None:
                scores = scores_of[review_id] = []
                reviews[review_id] = ReviewInput(review_id, judge_id, nomination_id, scores)
            if criterion_id is not None:
                scores.append(ScoreInput(criterion_id, value, bool(na)))
    return sorted(reviews.values(), key=lambda r: r.review_id)


LOAD_REVIEWS_CHUNK = 10_000  # rows fetched at a time by load_reviews and load_review_arrays


def _counted_reviews(judging_round: JudgingRound) -> tuple[ColumnElement[bool], ...]:
    """The reviews that count in the round's results (on Review joined to its Assignment). Its only values
    (the round id, the status and false) are compiled in as literals by _raw_chunks, never user input."""
    return (
        Assignment.round_id == int(judging_round.id),
        Assignment.calibration.is_(False),
        Review.status == ReviewStatus.SUBMITTED.value,
    )


def _raw_chunks(statement, name: str) -> Iterator[Sequence[Any]]:
    """The rows of a statement, LOAD_REVIEWS_CHUNK at a time, as plain tuples from the driver's own cursor:
    SQLAlchemy's row objects would cost several times the query itself over a round's 300,000 reviews. The
    statement is compiled with its values as literals (only ids, statuses and flags: see the callers). Read
    in chunks so the raw rows are never all held at once: on PostgreSQL through a server-side cursor (a
    client-side one would hold the whole result in libpq's memory anyway), on SQLite the cursor steps through
    the rows itself."""
    connection = db.session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.cursor(name=name)
    else:
        cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(LOAD_REVIEWS_CHUNK):
            yield rows
    finally:
        cursor.close()


def load_review_arrays(judging_round: JudgingRound, criteria: Sequence[Criterion]) -> ReviewArrays:
    """The round's counted reviews (as load_reviews) as arrays: one row a review, with its value on each of
    `criteria` in their order (NaN: not applicable or unanswered; a criterion of another round is never
    read). Two queries: the reviews with their judge and nomination, and their answered scores side by side,
    one row a review (the database pivots them: 300,000 rows rather than 1.8 million at 100,000 nominations),
    read in review id order (on SQLite the scores of consecutive reviews lie together, so the table is read
    in order, not by one random look-up a score: 8 s of CPU at 100,000 before). Each chunk of rows becomes an
    array at once."""
    reviews = (
        select(Review.id, Assignment.judge_id, Assignment.nomination_id)
        .join(Assignment, Review.assignment_id == Assignment.id)
        .where(*_counted_reviews(judging_round))
    )
    chunks = [np.array(rows, dtype=np.int64).reshape(-1, 3) for rows in _raw_chunks(reviews, "reviews")]
    ids = np.concatenate(chunks) if chunks else np.empty((0, 3), dtype=np.int64)
    del chunks
    review_ids = ids[:, 0]  # views of the one table (copies would double it at the peak)
    values = np.full((len(ids), len(criteria)), np.nan)
    if criteria and len(ids):
        by_id = np.argsort(review_ids)
        ordered = review_ids[by_id]
        counted = select(Review.id).join(Assignment, Review.assignment_id == Assignment.id)
        scores = (
            select(
                ReviewScore.review_id,
                *(func.max(case((ReviewScore.criterion_id == int(c.id), ReviewScore.value))) for c in criteria),
            )
            .where(
                ReviewScore.review_id.in_(counted.where(*_counted_reviews(judging_round))),
                ReviewScore.value.is_not(None),
                ReviewScore.not_applicable.is_(False),
            )
            .group_by(ReviewScore.review_id)
        )
        for rows in _raw_chunks(scores, "scores"):  # each chunk into its reviews' rows as it comes
            given = np.array(rows, dtype=np.float64).reshape(-1, 1 + len(criteria))
            values[by_id[np.searchsorted(ordered, given[:, 0].astype(np.int64))]] = given[:, 1:]
    return ReviewArrays(review_ids, ids[:, 1], ids[:, 2], values)


def top_criterion(criteria: list[Criterion]) -> Criterion | None:
    """The highest-weighted criterion (the first of equals), used to break ties."""
    return min(criteria, key=lambda c: (-c.weight, c.position, c.id)) if criteria else None


def withheld_nominations(cycle: Cycle, user: User | None) -> set[int]:
    """The nominations of the cycle whose scores, reviews and comments the user must not see: those
    they are conflicted with as one of the cycle's judges (an organiser who also judges)."""
    from awards.domain.judging.conflicts import conflicted_nomination_ids

    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return conflicted_nomination_ids(user, cycle.id)


class RankedOrder(Sequence[tuple[int, int]]):
    """A category's nominations best first, read as (position, nomination id) pairs (position 1 first),
    kept as one array of ids."""

    __slots__ = ("ids",)

    def __init__(self, ids: np.ndarray):
        self.ids = ids  # int64, best first
        ids.flags.writeable = False

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> tuple[int, int]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, int]]: ...

    def __getitem__(self, index: int | slice) -> tuple[int, int] | list[tuple[int, int]]:
        if isinstance(index, slice):
            start, _, step = index.indices(len(self.ids))
            return list(zip(itertools.count(start + 1, step), self.ids[index].tolist()))
        position = range(len(self.ids))[index]
        return position + 1, int(self.ids[position])

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(itertools.count(1), self.ids.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RankedOrder):
            return bool(np.array_equal(self.ids, other.ids))
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def position_of(self, nomination_id: int) -> int | None:
        found = np.flatnonzero(self.ids == nomination_id)
        return int(found[0]) + 1 if len(found) else None

    def members_in(self, nomination_ids: AbstractSet[int]) -> np.ndarray:
        """Whether each nomination of the order, best first, is one of `nomination_ids`."""
        if not nomination_ids:
            return np.zeros(len(self.ids), dtype=bool)
        return np.isin(self.ids, np.fromiter(nomination_ids, dtype=np.int64, count=len(nomination_ids)))


@dataclass
class Ranking:
    """A round's results and each category's order, as plain data (no ORM objects), so a process
    can keep it between requests: per nomination a row of arrays (RankedResults), per category an
    array of ids (RankedOrder), and the judges' normalisers (a nomination's review scores are read
    again when a page shows them: detailed_results)."""

    results: RankedResults
    order: dict[int, RankedOrder]  # category id → its nominations best first
    incomplete: dict[int, int]  # category id → nominations with fewer reviews than needed
    normalisers: Normalisers
    # For the trend insight, filled in on first use (ranking_with_trends): trend id → its ranked
    # nominations' ids, and (trend id, category id, main trend?) → how many.
    trend_members: dict[int, np.ndarray] = field(default_factory=dict)
    trend_counts: dict[tuple[int, int, bool], int] | None = None
    # trend id → the mean normalised score of its scored nominations (insight.trend_insight), on first use.
    trend_means: dict[int, float] | None = None


def round_criteria(judging_round: JudgingRound) -> list[Criterion]:
    """The round's criteria in their order (position, then id)."""
    return list(
        db.session.scalars(
            select(Criterion).where(Criterion.round_id == judging_round.id).order_by(Criterion.position, Criterion.id)
        )
    )


def cycle_criteria(cycle: Cycle, judging_round: JudgingRound | None = None) -> list[Criterion]:
    """The criteria of the round (by default the cycle's final round) in their order."""
    return round_criteria(_round_of(cycle, judging_round))


def ranked_entries(judging_round: JudgingRound) -> tuple[ColumnElement[bool], ...]:
    """The conditions on `Nomination` that select the entries a round ranks: the cycle's submitted
    nominations (or, once published, those with a result), and in a round that judges the entries
    advanced into it, only those."""
    conditions: tuple[ColumnElement[bool], ...] = (
        Nomination.cycle_id == judging_round.cycle_id,
        Nomination.status.in_(RANKED_STATUSES),
    )
    if judging_round.entries is RoundEntries.ADVANCED:
        advanced = select(Advancement.nomination_id).where(Advancement.round_id == judging_round.id)
        conditions = (*conditions, Nomination.id.in_(advanced))
    return conditions


def compute_ranking(cycle: Cycle, judging_round: JudgingRound | None = None) -> Ranking:
    """Aggregate every submitted review of the round (by default the cycle's final round) and rank
    each category (three queries; no nomination or review is loaded as an object: the scores are
    read into arrays, scoring.aggregate_arrays)."""
    with collector_paused():
        ranking = _compute_ranking(_round_of(cycle, judging_round))
    _give_back_freed_memory()
    return ranking


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return None


def _give_back_freed_memory() -> None:
    """Return the C heap's free pages to the system once a ranking is made. Its arrays and rows, freed, leave
    the heap fragmented, and a worker would otherwise keep its peak for good: 60 MB at 100,000 nominations
    (docs/performance.md). A few milliseconds, once per change of the round's data."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _compute_ranking(judging_round: JudgingRound) -> Ranking:
    criteria = round_criteria(judging_round)
    specs = [CriterionSpec(c.id, c.weight, c.scale_min, c.scale_max) for c in criteria]
    top = top_criterion(criteria)
    aggregated = aggregate_arrays(
        load_review_arrays(judging_round, criteria),
        specs,
        method=judging_round.aggregation_method,
        range_threshold=judging_round.disagreement_range,
        sd_threshold=judging_round.disagreement_sd,
        mean_of=top.id if top else None,
    )
    ranked = rank_arrays(aggregated, _rank_keys(judging_round), basis=judging_round.ranking_basis)
    needed = judging_round.judges_per_nomination
    incomplete = {
        category_id: int(np.count_nonzero(np.nan_to_num(aggregated.results.column("n", ids)) < needed))
        for category_id, ids in ranked.items()
    }
    order = {category_id: RankedOrder(ids) for category_id, ids in ranked.items()}
    return Ranking(aggregated.results, order, incomplete, aggregated.normalisers)


def _rank_keys(judging_round: JudgingRound) -> RankArrays:
    """The round's entries with what ranking them needs beside their scores (one query): category,
    reference, and the submission time as the database orders it (equal times rank equal)."""
    statement = select(
        Nomination.id,
        Nomination.category_id,
        Nomination.reference,
        case((Nomination.submitted_at.is_(None), 1), else_=0),
        func.dense_rank().over(order_by=Nomination.submitted_at),
    ).where(*ranked_entries(judging_round))
    numbers, references = [], []
    for rows in _raw_chunks(statement, "rank_keys"):  # a chunk at a time into arrays: 100,000 rows at 100,000
        numbers.append(np.array([(i, c, u, t) for i, c, _, u, t in rows], dtype=np.int64).reshape(-1, 4))
        references.append(np.array([row[2] for row in rows], dtype=str))
    table = np.concatenate(numbers) if numbers else np.empty((0, 4), dtype=np.int64)
    return RankArrays(
        table[:, 0].copy(),
        table[:, 1].copy(),
        np.concatenate(references) if references else np.array([], dtype=str),
        table[:, 2].astype(bool),
        table[:, 3].copy(),
    )


def detailed_results(
    judging_round: JudgingRound, ranking: Ranking, nomination_ids: Sequence[int]
) -> dict[int, NominationResult]:
    """The results of a few nominations (those a page shows one by one) with their per-review detail:
    each review's raw and normalised score and each criterion's mean, read again from their reviews
    (one query) and worked out as `aggregate` does, with the round's judge normalisers kept in the
    ranking; their other figures are the ranking's. A nomination without a counted review has no
    result (as in the ranking)."""
    results = {nid: result for nid in nomination_ids if (result := ranking.results.get(nid)) is not None}
    if not results:
        return {}
    criteria = {c.id: CriterionSpec(c.id, c.weight, c.scale_min, c.scale_max) for c in round_criteria(judging_round)}
    values: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for review in load_reviews(judging_round, list(results)):
        score = review_score(review.scores, criteria)
        result = results.get(review.nomination_id)
        if score is None or result is None:
            continue
        result.review_scores[review.review_id] = score
        result.normalised_reviews[review.review_id] = ranking.normalisers.normalise(review.judge_id, score)
        for s in review.scores:
            if not s.not_applicable and s.value is not None and s.criterion_id in criteria:
                values[review.nomination_id][s.criterion_id].append(float(s.value))
    for nid, by_criterion in values.items():
        results[nid].criterion_means = {cid: sum(v) / len(v) for cid, v in by_criterion.items()}
    return results


def ranking_with_trends(cycle: Cycle, judging_round: JudgingRound | None = None) -> Ranking:
    """The round's ranking (by default the cycle's final round) with each trend's ranked nominations
    and counts filled in (read once per kept ranking, when the trend insight first asks: the results
    pages do not need them)."""
    judging_round = _round_of(cycle, judging_round)
    ranking = cycle_ranking(cycle, judging_round)
    if ranking.trend_counts is None:
        members_of: dict[int, list[int]] = defaultdict(list)
        counts: dict[tuple[int, int, bool], int] = defaultdict(int)
        links = (
            select(
                NominationTrend.trend_id,
                NominationTrend.nomination_id,
                Nomination.category_id,
                NominationTrend.is_primary,
            )
            .join(Nomination, NominationTrend.nomination_id == Nomination.id)
            # every ranked nomination of the cycle, whether or not it reached this round (their scores
            # are the round's: one that did not reach it has none there)
            .where(Nomination.cycle_id == int(cycle.id), Nomination.status.in_(RANKED_STATUSES))
        )
        for rows in _raw_chunks(links, "trend_links"):  # 200,000 links at 100,000 nominations
            for trend_id, nomination_id, category_id, is_primary in rows:
                members_of[trend_id].append(nomination_id)
                counts[(trend_id, category_id, bool(is_primary))] += 1
        ranking.trend_members = {t: np.array(ids, dtype=np.int64) for t, ids in members_of.items()}
        ranking.trend_counts = dict(counts)  # set last: a concurrent reader sees both or neither
    return ranking


# Rankings kept by this process: (database, round id) → (data version, stamp, ranking). The data version (or
# else the stamp) is read from the database on every use, so a score saved through another worker is seen at once.
_rankings: OrderedDict[tuple[str, int], tuple[int | None, tuple, Ranking]] = OrderedDict()
_rankings_lock = threading.Lock()


def ranking_stamp(judging_round: JudgingRound) -> tuple:
    """What the round's ranking depends on, in one query: every save of a review or a nomination bumps
    its version (SQLAlchemy's version counter), adding or deleting one changes the count or the highest
    id; the round's assignments (which of them are calibration) and the entries advanced into it are
    counted; criteria lock once scoring starts but are included anyway; the round's settings are on
    its row."""
    cycle_id, round_id = judging_round.cycle_id, judging_round.id
    reviews = select(
        func.count(Review.id).label("reviews"),
        func.max(Review.id).label("last_review"),
        func.sum(Review.version).label("review_versions"),
    ).subquery()
    nominations = (
        select(
            func.count(Nomination.id).label("nominations"),
            func.max(Nomination.id).label("last_nomination"),
            func.sum(Nomination.version).label("nomination_versions"),
        )
        .where(Nomination.cycle_id == cycle_id)
        .subquery()
    )
    assignments = (
        select(
            func.count(Assignment.id).label("assignments"),
            func.max(Assignment.id).label("last_assignment"),
            func.sum(case((Assignment.calibration.is_(True), Assignment.id), else_=0)).label("calibration"),
        )
        .where(Assignment.round_id == round_id)
        .subquery()
    )
    advanced = (
        select(
            func.count(Advancement.id).label("advanced"),
            func.max(Advancement.id).label("last_advanced"),
        )
        .where(Advancement.round_id == round_id)
        .subquery()
    )
    criteria = (
        select(
            func.count(Criterion.id).label("criteria"),
            func.sum(
                Criterion.weight * 1000003
                + Criterion.scale_min * 1009
                + Criterion.scale_max
                + Criterion.position * 7
                + Criterion.id
            ).label("criteria_sum"),
        )
        .where(Criterion.round_id == round_id)
        .subquery()
    )
    row = db.session.execute(
        select(reviews, nominations, assignments, advanced, criteria).select_from(
            reviews.join(nominations, true()).join(assignments, true()).join(advanced, true()).join(criteria, true())
        )
    ).one()
    return (
        *row,
        judging_round.entries.value,
        judging_round.aggregation_method,
        judging_round.ranking_basis,
        judging_round.disagreement_range,
        judging_round.disagreement_sd,
        judging_round.judges_per_nomination,
    )


def cycle_ranking(cycle: Cycle, judging_round: JudgingRound | None = None) -> Ranking:
    """The round's ranking (by default the cycle's final round), from this process's cache when
    nothing it depends on has changed (RESULTS_CACHE_ENTRIES rounds are kept; 0 computes it every
    time)."""
    judging_round = _round_of(cycle, judging_round)
    return kept_per_process(
        _rankings,
        _rankings_lock,
        judging_round.id,
        lambda: ranking_stamp(judging_round),
        lambda: compute_ranking(cycle, judging_round),
    )


def kept_per_process(store: OrderedDict, lock: threading.Lock, round_id: int, stamp: Callable[[], tuple], compute):
    """What `compute` gives for the round, kept by this process in `store` (least recently used first, at most
    RESULTS_CACHE_ENTRIES rounds; 0 computes it every time) under (database, round id) while `stamp()` — read
    from the database on every use, so a change through another worker is seen at once — is the one it was
    kept with."""
    limit = int(current_app.config.get("RESULTS_CACHE_ENTRIES", 0) or 0)
    if limit <= 0:
        return compute()
    key = (db.engine.url.render_as_string(hide_password=True), round_id)
    # First the data version (one row): unchanged since the value was kept, nothing has been written since, so
    # the value is current without the stamp's query, which counts the round's reviews, assignments and the
    # cycle's nominations (tens of milliseconds at 100,000 nominations, growing with them).
    version = _data_version()
    with lock:
        kept = store.get(key)
        if kept is not None and version is not None and kept[0] == version:
            store.move_to_end(key)
            return kept[2]
    current = stamp()
    with lock:
        kept = store.get(key)
        if kept is not None and kept[1] == current:
            store[key] = (version, current, kept[2])
            store.move_to_end(key)
            return kept[2]
    value = compute()
    with lock:
        store[key] = (version, current, value)
        store.move_to_end(key)
        while len(store) > limit:
            store.popitem(last=False)
    return value


def _data_version() -> int | None:
    """The data version (awards/models/versions.py), read before the stamp and the value: if it is the same
    later, nothing was committed in between. None when this transaction has changes of its own: only the stamp
    can tell then."""
    return versions.version_in(db.session)


SORT_ATTRIBUTES = {"raw": "raw", "normalised": "normalised", "n": "n", "spread": "range"}


def cycle_results(
    cycle: Cycle,
    judging_round: JudgingRound | None = None,
    *,
    withhold: set[int] | frozenset[int] = frozenset(),
    sort: str | None = None,
    category_id: int | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> CycleResults:
    """Leaderboards per category of the round (by default the cycle's final round), ranked by the
    round's basis with the stated tie-break. The shortlist decisions are shown on the final round's
    boards only (they are decided from its results).

    Nominations in `withhold` are taken out of the ranked rows into each board's `withheld_rows`,
    with no rank, an empty result and no completeness, and are left out of `results`, `total`
    and `incomplete_count`, so nothing computed from the board shows their scores or where they
    fall among the others (the others keep their real ranks). `sort` orders each board by
    another column ("raw", "normalised", "n", "spread": highest first, then by rank); with
    `per_page`, each board (or only the board of `category_id`) holds one page of rows, and only
    the nominations on it are loaded."""
    judging_round = _round_of(cycle, judging_round)
    ranking = cycle_ranking(cycle, judging_round)
    criteria = round_criteria(judging_round)
    attribute = SORT_ATTRIBUTES.get(sort or "")
    categories = [c for c in cycle.categories if category_id is None or c.id == category_id]
    shown = {
        category.id: _shown_order(ranking, category.id, withhold, attribute, page=page, per_page=per_page)
        for category in categories
    }
    hidden = _withheld_by_category(ranking, categories, withhold)
    wanted = _nomination_ids(shown, hidden)
    nominations = _nominations_by_id(wanted)
    final = judging_round.id == rounds.final_round(cycle).id
    decisions = _decisions_by_nomination(cycle, wanted if per_page else None) if final else {}
    boards = [
        _category_board(
            judging_round, category, ranking, shown[category.id], hidden.get(category.id, []), nominations, decisions
        )
        for category in categories
    ]
    return CycleResults(cycle, boards, ranking.results.without(withhold), criteria, judging_round)


def _shown_order(
    ranking: Ranking,
    category_id: int,
    withhold: AbstractSet[int],
    attribute: str | None,
    *,
    page: int,
    per_page: int | None,
) -> list[tuple[int, int]]:
    """The (position, nomination id) pairs a category's board shows, in order: its ranking less the
    withheld nominations, sorted by `attribute` when one is asked for, one page of them with `per_page`."""
    ranked = ranking.order.get(category_id)
    if ranked is None:
        return []
    if per_page and not attribute:
        # One page in rank order: taken as it comes, not after filtering the whole category (100,000 entries).
        start, stop = (page - 1) * per_page, page * per_page
        if not withhold:
            return ranked[start:stop]
        return list(itertools.islice((item for item in ranked if item[1] not in withhold), start, stop))
    kept = ~ranked.members_in(withhold)
    positions, ids = np.flatnonzero(kept) + 1, ranked.ids[kept]
    if attribute:
        # Highest first, nominations without a value last, then by rank.
        values = ranking.results.column(attribute, ids)
        by_value = np.lexsort((positions, -np.nan_to_num(values), np.isnan(values).astype(np.int8)))
        positions, ids = positions[by_value], ids[by_value]
    if per_page:
        chosen = slice((page - 1) * per_page, page * per_page)
        positions, ids = positions[chosen], ids[chosen]
    return list(zip(positions.tolist(), ids.tolist(), strict=True))


def _withheld_by_category(
    ranking: Ranking, categories: list[Category], withhold: AbstractSet[int]
) -> dict[int, list[int]]:
    """Category id → the ids of its ranked nominations in `withhold`, in rank order (empty without any)."""
    if not withhold:
        return {}
    withheld = {}
    for category in categories:
        ranked = ranking.order.get(category.id)
        withheld[category.id] = ranked.ids[ranked.members_in(withhold)].tolist() if ranked is not None else []
    return withheld


def _nomination_ids(shown: dict[int, list[tuple[int, int]]], hidden: dict[int, list[int]]) -> list[int]:
    """The nominations the boards show: the ranked rows, then the withheld ones."""
    wanted = [nomination_id for order in shown.values() for _, nomination_id in order]
    wanted += [nomination_id for ids in hidden.values() for nomination_id in ids]
    return wanted


def _nominations_by_id(ids: list[int]) -> dict[int, Nomination]:
    """The nominations with these ids (and their categories), by id, in one query (none for no ids)."""
    if not ids:
        return {}
    return {
        n.id: n
        for n in db.session.scalars(
            select(Nomination).where(Nomination.id.in_(ids)).options(selectinload(Nomination.category))
        )
    }


def _decisions_by_nomination(cycle: Cycle, nomination_ids: list[int] | None) -> dict[int, ShortlistDecision]:
    """The cycle's shortlist decisions by nomination id: all of them, or those of `nomination_ids`."""
    only = [ShortlistDecision.nomination_id.in_(nomination_ids)] if nomination_ids is not None else []
    return {
        d.nomination_id: d
        for d in db.session.scalars(select(ShortlistDecision).where(ShortlistDecision.cycle_id == cycle.id, *only))
    }


def _result_of(results: Mapping[int, NominationResult], nomination_id: int) -> NominationResult:
    """The nomination's result, or an empty one (no submitted review yet)."""
    return results.get(nomination_id) or NominationResult(nomination_id)


def _category_board(
    judging_round: JudgingRound,
    category: Category,
    ranking: Ranking,
    shown: list[tuple[int, int]],
    withheld_ids: list[int],
    nominations: dict[int, Nomination],
    decisions: dict[int, ShortlistDecision],
) -> CategoryBoard:
    """One category's leaderboard: the `shown` rows, then the withheld ones apart. Its total and
    incomplete count leave the withheld nominations out, and with any withheld no rank is shown."""
    needed = judging_round.judges_per_nomination
    withheld_incomplete = sum(1 for nid in withheld_ids if _result_of(ranking.results, nid).n < needed)
    board = CategoryBoard(
        category,
        total=len(ranking.order.get(category.id, [])) - len(withheld_ids),
        incomplete_count=ranking.incomplete.get(category.id, 0) - withheld_incomplete,
    )
    board.ranks_hidden = bool(withheld_ids)
    for position, nomination_id in shown:
        nomination = nominations.get(nomination_id)
        if nomination is None:  # changed since the ranking was read (another request); shown next time
            continue
        result = _result_of(ranking.results, nomination_id)
        board.rows.append(
            Row(
                None if board.ranks_hidden else position,
                nomination,
                result,
                decisions.get(nomination_id),
                complete=result.n >= needed,
            )
        )
    board.withheld_rows = _withheld_rows(withheld_ids, nominations)
    return board


def _withheld_rows(withheld_ids: list[int], nominations: dict[int, Nomination]) -> list[Row]:
    """Rows for the nominations the viewer is conflicted with, by reference: no rank, an empty result,
    no completeness and no decision either (an unchanged suggestion would show it was in the top N)."""
    ordered = sorted(withheld_ids, key=lambda nid: nominations[nid].reference if nid in nominations else "")
    return [
        Row(None, nominations[nid], NominationResult(nid), None, complete=None, withheld=True)
        for nid in ordered
        if nid in nominations
    ]


def result_row(
    cycle: Cycle,
    nomination: Nomination,
    judging_round: JudgingRound | None = None,
    *,
    withhold: set[int] | frozenset[int] = frozenset(),
) -> Row | None:
    """The nomination's line of its category's leaderboard in the round (by default the cycle's final
    round; None if it is not ranked there), without building the whole board, with each of its review
    scores (detailed_results)."""
    judging_round = _round_of(cycle, judging_round)
    ranking = cycle_ranking(cycle, judging_round)
    ranked = ranking.order.get(nomination.category_id)
    position = ranked.position_of(nomination.id) if ranked is not None else None
    if ranked is None or position is None:
        return None
    if nomination.id in withhold:
        return Row(None, nomination, NominationResult(nomination.id), None, complete=None, withheld=True)
    if ranked.members_in(withhold).any():
        position = None  # as on the board: with a withheld nomination in the category, no rank is shown
    decision = None
    if judging_round.id == rounds.final_round(cycle).id:
        decision = db.session.scalar(select(ShortlistDecision).where(ShortlistDecision.nomination_id == nomination.id))
    result = detailed_results(judging_round, ranking, [nomination.id]).get(nomination.id)
    result = result or NominationResult(nomination.id)
    return Row(position, nomination, result, decision, complete=result.n >= judging_round.judges_per_nomination)


def _check_not_published(cycle: Cycle) -> None:
    if cycle.status is CycleStatus.PUBLISHED:
        raise Conflict(_("The results of this cycle are published: withdraw them to change the shortlist"))


def has_shortlist(cycle: Cycle) -> bool:
    """Whether any nomination of the cycle is decided shortlisted, highly commended or the winner."""
    return (
        db.session.scalar(
            select(ShortlistDecision.id)
            .where(ShortlistDecision.cycle_id == cycle.id, ShortlistDecision.result.in_(SHORTLIST_RESULTS))
            .limit(1)
        )
        is not None
    )


def suggest_shortlist(cycle: Cycle, *, by: User) -> int:
    """Top N per category (the category's shortlist size) of the final round's results, by its ranking
    basis (a pass/fail or ranking round: by its own order); replaces earlier decisions."""
    _check_not_published(cycle)
    if meetings.any_closed(cycle):  # a closed meeting's decisions stay as the panel agreed them
        raise Conflict(_("A panel meeting of the final round is closed, so the shortlist cannot be suggested again"))
    # Each category's shortlist size and its entries in the final round's order: (position, id, judged?)
    final = rounds.final_round(cycle)
    if final.mode is RoundMode.SCORES:
        board = cycle_results(cycle)  # every row has its position: the board withholds nothing here
        placed = [
            (b.category.shortlist_size, [(r.position, r.nomination.id, r.result.n > 0) for r in b.rows])
            for b in board.boards
        ]
    else:  # a pass/fail or ranking final round: its own order (round_results builds on this module)
        from awards.domain.results.round_results import round_order

        order = round_order(final)
        placed = [
            (c.shortlist_size, [(p, nid, nid in order.judged) for p, nid in enumerate(order.order.get(c.id, []), 1)])
            for c in cycle.categories
        ]
    # An ORM delete, so the decisions the board loaded leave the session too (SQLite reuses their ids)
    db.session.execute(delete(ShortlistDecision).where(ShortlistDecision.cycle_id == cycle.id))
    now = utcnow()
    count = 0
    for shortlist_size, entries in placed:
        for position, nomination_id, judged in entries:
            on_list = position is not None and position <= shortlist_size and judged
            db.session.add(
                ShortlistDecision(
                    cycle_id=cycle.id,
                    nomination_id=nomination_id,
                    result=Result.SHORTLISTED if on_list else Result.NOT_SHORTLISTED,
                    suggested=on_list,
                    rationale="",
                    decided_at=now,
                    decided_by_id=by.id,
                )
            )
            count += on_list
    db.session.flush()
    audit.record("shortlist.suggested", actor=by, obj=cycle, shortlisted=count)
    return count


def decide(cycle: Cycle, nomination: Nomination, result: Result, *, rationale: str, by: User) -> ShortlistDecision:
    """Set a nomination's result. A change from the suggestion needs a rationale; one winner per category.
    An organiser conflicted with the nomination (as one of the cycle's judges) leaves it to another."""
    _check_not_published(cycle)
    if (closed := meetings.decision_problem(cycle, nomination)) is not None:  # the final round's meeting
        raise Conflict(closed, field="result")
    if nomination.id in withheld_nominations(cycle, by):
        raise NotAllowed(
            _("You have a conflict of interest with this nomination, so another organiser decides its result")
        )
    if nomination.cycle_id != cycle.id or nomination.status not in RANKED_STATUSES:
        raise DomainError(_("Only submitted nominations of this cycle can be shortlisted"))
    final = rounds.final_round(cycle)
    if final.entries is RoundEntries.ADVANCED and not db.session.scalar(
        select(Advancement.id).where(Advancement.round_id == final.id, Advancement.nomination_id == nomination.id)
    ):
        raise DomainError(_("Only nominations in %(label)s can be shortlisted", label=final.label))
    decision = db.session.scalar(select(ShortlistDecision).where(ShortlistDecision.nomination_id == nomination.id))
    suggested = decision.suggested if decision else False
    differs = (result in SHORTLIST_RESULTS) != suggested
    rationale = (rationale or "").strip()
    if differs and not rationale:
        raise DomainError(_("Give the reason for changing the suggested shortlist"), field="rationale")
    if result is Result.WINNER:
        other = db.session.scalar(
            select(ShortlistDecision)
            .join(Nomination, ShortlistDecision.nomination_id == Nomination.id)
            .where(
                ShortlistDecision.cycle_id == cycle.id,
                ShortlistDecision.result == Result.WINNER,
                Nomination.category_id == nomination.category_id,
                Nomination.id != nomination.id,
            )
        )
        if other is not None:
            raise Conflict(
                _(
                    "%(reference)s is already the winner of this category: change it first",
                    reference=other.nomination.reference,
                ),
                field="result",
            )
    if decision is None:
        decision = ShortlistDecision(cycle_id=cycle.id, nomination_id=nomination.id, suggested=False)
        db.session.add(decision)
    previous = decision.result.value if decision.result else None
    decision.result, decision.rationale = result, rationale
    decision.decided_at, decision.decided_by_id = utcnow(), by.id
    db.session.flush()
    audit.record(
        "shortlist.decided",
        actor=by,
        obj=nomination,
        result=result.value,
        previous=previous,
        rationale=rationale,
        differs_from_suggestion=differs,
    )
    return decision


def unique_case_slug(title: str, year: int) -> str:
    return unique_slug(ImpactCase.slug, f"{title} {year}", max_length=150)


def _search_text(case: ImpactCase) -> str:
    partners = " ".join(p.get("name", "") for p in case.partners or [])
    return " ".join([case.title, case.summary, case.organisation, partners]).lower()


def refresh_search_text(case: ImpactCase) -> None:
    case.search_text = _search_text(case)


def prepare_case(cycle: Cycle, nomination: Nomination, *, by: User) -> ImpactCase:
    """A draft public copy of a shortlisted nomination, to edit before the results are published."""
    decision = db.session.scalar(select(ShortlistDecision).where(ShortlistDecision.nomination_id == nomination.id))
    if nomination.cycle_id != cycle.id or decision is None or decision.result not in SHORTLIST_RESULTS:
        raise DomainError(_("Only shortlisted nominations get a public copy"))
    if not nomination.consents_to_publish:
        raise DomainError(_("The nominee did not consent to publication, so there is no public copy"))
    existing = db.session.scalar(select(ImpactCase).where(ImpactCase.nomination_id == nomination.id))
    if existing is not None:
        return existing
    case = make_impact_case(nomination, decision.result, utcnow(), published=False)
    db.session.add(case)
    db.session.flush()
    audit.record("impact_case.prepared", actor=by, obj=case, nomination=nomination.reference)
    return case


def make_impact_case(nomination: Nomination, result: Result, now: datetime, published: bool = True) -> ImpactCase:
    """The public copy of a nomination: its own words (never the judges' redacted copy), no contact
    details: the core columns, and the answers to the questions its form marks public, in form order."""
    case = ImpactCase(
        slug=unique_case_slug(nomination.title or nomination.reference, nomination.cycle.year),
        cycle_id=nomination.cycle_id,
        nomination_id=nomination.id,
        category_id=nomination.category_id,
        category_name=nomination.category.name,
        year=nomination.cycle.year,
        result=result,
        title=nomination.title,
        summary=nomination.summary,
        language=nomination.language,
        answers=publication.case_answers(nomination),
        organisation=nomination.organisation_name,
        partners=[{"name": p.name, "is_supplier": p.is_supplier} for p in nomination.partners],
        region=nomination.region,
        licence=publication.LICENCE,
        published_at=now if published else None,
        updated_at=now,
    )
    case.trend_links = [
        ImpactCaseTrend(
            trend_id=link.trend_id, is_primary=link.is_primary, how_addressed=link.how_addressed, position=i
        )
        for i, link in enumerate(nomination.trend_links)
    ]
    refresh_search_text(case)
    return case


RESULT_TEMPLATES = {
    # Each result's e-mail and its subject, put into words in the recipient's language when it is written.
    Result.WINNER: ("result_winner", lambda ref: _l("Congratulations: your nomination has won: %(ref)s", ref=ref)),
    Result.HIGHLY_COMMENDED: (
        "result_highly_commended",
        lambda ref: _l("Your nomination is highly commended: %(ref)s", ref=ref),
    ),
    Result.SHORTLISTED: ("result_shortlisted", lambda ref: _l("Your nomination is shortlisted: %(ref)s", ref=ref)),
    Result.NOT_SHORTLISTED: (
        "result_not_shortlisted",
        lambda ref: _l("The shortlist has been published: %(ref)s", ref=ref),
    ),
}


def publish(cycle: Cycle, *, by: User) -> dict[str, int]:
    """Publish the results: statuses change now (never before), nominees are e-mailed, and
    each shortlisted nomination whose nominee consented becomes a public impact case."""
    if cycle.status is not CycleStatus.JUDGING:
        raise Conflict(_("Results can be published once the cycle is in judging"))
    decisions = list(
        db.session.scalars(
            select(ShortlistDecision)
            .where(ShortlistDecision.cycle_id == cycle.id)
            .options(selectinload(ShortlistDecision.nomination))
            .order_by(ShortlistDecision.nomination_id)
        )
    )
    if not any(d.result in SHORTLIST_RESULTS for d in decisions):
        raise DomainError(_("There is no shortlist yet: suggest one and adjust it before publishing"))
    if (meeting := meetings.publication_problem(cycle)) is not None:  # the final round's meetings are open
        raise Conflict(meeting)
    now = utcnow()
    counts = {"shortlisted": 0, "impact_cases": 0, "emails": 0}
    # Public copies kept from an earlier publication (see `withdraw_results`) or prepared beforehand.
    cases = {
        c.nomination_id: c
        for c in db.session.scalars(select(ImpactCase).where(ImpactCase.cycle_id == cycle.id))
        if c.nomination_id is not None
    }
    for decision in decisions:
        nomination = decision.nomination
        if nomination.status not in RANKED_STATUSES:
            continue
        if decision.result in SHORTLIST_RESULTS:
            nomination.status = STATUS_FOR_RESULT[decision.result]
            counts["shortlisted"] += 1
        else:
            nomination.status = NominationStatus.SUBMITTED
        case = _publish_case(decision, cases.get(nomination.id), now, counts)
        nomination.updated_at = now
        if _tell_result(cycle, nomination, decision.result, case):
            counts["emails"] += 1
    cycle.status = CycleStatus.PUBLISHED
    cycle.results_published_at = now
    cycle.updated_at = now
    db.session.flush()
    audit.record(
        "results.published",
        actor=by,
        obj=cycle,
        shortlisted=counts["shortlisted"],
        impact_cases=counts["impact_cases"],
        emails=counts["emails"],
    )
    return counts


def _publish_case(
    decision: ShortlistDecision, existing: ImpactCase | None, now: datetime, counts: dict[str, int]
) -> ImpactCase | None:
    """The decided nomination's public impact case when it is shortlisted with the nominee's consent;
    an `existing` public copy it no longer has is taken down. Returns the case now public (linked
    from the nominee's e-mail), if any."""
    nomination = decision.nomination
    case = None
    if decision.result in SHORTLIST_RESULTS and nomination.consents_to_publish:
        case = _public_case(nomination, decision.result, existing, now)
        if case is not None:
            counts["impact_cases"] += 1
    if existing is not None and existing.is_public and case is not existing:
        # Shortlisted when the results were last published, not now (or no longer consenting): it must
        # not come back with the results.
        existing.unpublished_at = existing.updated_at = now
    return case


def _public_case(
    nomination: Nomination, result: Result, existing: ImpactCase | None, now: datetime
) -> ImpactCase | None:
    """The shortlisted nomination's impact case, made now or the `existing` copy brought up to date;
    None when that copy was taken down by an organiser (it stays down)."""
    if existing is None:
        case = make_impact_case(nomination, result, now)
        db.session.add(case)
        return case
    # The same copy, at the same address, with the organisers' edits. One an organiser took
    # down stays down: "Publish again" on the impact cases page brings it back.
    existing.result, existing.updated_at = result, now
    existing.published_at = existing.published_at or now
    return existing if existing.unpublished_at is None else None


def _tell_result(cycle: Cycle, nomination: Nomination, result: Result, case: ImpactCase | None) -> bool:
    """Queue the e-mail telling the nominator the nomination's result (with its public case, if any, and
    the judges' approved feedback). False when there is no one to tell (the nominator's account was deleted)."""
    from awards.domain.results.released_feedback import feedback_for  # it reads this module's results

    nominator = nomination.nominator
    if nominator is None:
        return False
    template, subject = RESULT_TEMPLATES[result]
    queue_email(
        to_address=nominator.email,
        to_name=nominator.name,
        language=language_of(nominator),
        template=template,
        subject=subject(nomination.reference),
        nomination=nomination,
        cycle=cycle,
        case_url=external_url("public.impact_case", case_slug=case.slug) if case else None,
        feedback=feedback_for(nomination),
    )
    return True


RESTORED_STATUS = NominationStatus.SUBMITTED  # what a result status was before publication (see RANKED_STATUSES)


def withdrawal_counts(cycle: Cycle) -> dict[str, int]:
    """What withdrawing the results takes back: the nominations' results (shortlisted, highly commended,
    winner), the impact cases on the public site, and the nominees to tell (those `publish` told a result)."""
    results = (
        db.session.scalar(
            select(func.count(Nomination.id)).where(
                Nomination.cycle_id == cycle.id, Nomination.status.in_(list(STATUS_FOR_RESULT.values()))
            )
        )
        or 0
    )
    cases = db.session.scalar(
        select(func.count(ImpactCase.id)).where(
            ImpactCase.cycle_id == cycle.id, ImpactCase.published_at.is_not(None), ImpactCase.unpublished_at.is_(None)
        )
    )
    emails = db.session.scalar(
        select(func.count(ShortlistDecision.id))
        .join(Nomination, ShortlistDecision.nomination_id == Nomination.id)
        .where(
            ShortlistDecision.cycle_id == cycle.id,
            Nomination.status.in_(RANKED_STATUSES),
            Nomination.nominator_id.is_not(None),
        )
    )
    return {"results": results, "impact_cases": cases or 0, "emails": emails or 0}


def withdraw_results(cycle: Cycle, *, by: User) -> dict[str, int]:
    """Undo publication: the cycle goes back to judging, each nomination's result status back to
    submitted (what it was before `publish`), and its impact cases leave the public site (a case is
    public only while its cycle's results are published, so their pages answer 410 Gone). Each
    nominee `publish` told a result is told it has been withdrawn, so a result e-mail is never left
    standing unexplained. The shortlist decisions and the public copies are kept, so publishing again
    gives the same statuses and brings back the same cases, at the same addresses, with their edits."""
    from awards.domain.programme.cycles import (
        check_transition,  # cycles does not import this module; the import stays local
    )

    if cycle.status is not CycleStatus.PUBLISHED:
        raise Conflict(_("The results of this cycle are not published, so there is nothing to withdraw"))
    now = utcnow()
    check_transition(cycle, CycleStatus.JUDGING, now)  # refused for a cycle whose personal data was removed
    counts = withdrawal_counts(cycle)
    decided = set(
        db.session.scalars(select(ShortlistDecision.nomination_id).where(ShortlistDecision.cycle_id == cycle.id))
    )
    with_public_case = set(
        db.session.scalars(
            select(ImpactCase.nomination_id).where(
                ImpactCase.cycle_id == cycle.id,
                ImpactCase.published_at.is_not(None),
                ImpactCase.unpublished_at.is_(None),
            )
        )
    )
    nominations = db.session.scalars(
        select(Nomination)
        .where(Nomination.cycle_id == cycle.id, Nomination.status.in_(RANKED_STATUSES))
        .options(selectinload(Nomination.nominator))
        .order_by(Nomination.id)
    )
    for nomination in nominations:
        if nomination.status is not RESTORED_STATUS:
            nomination.status = RESTORED_STATUS
            nomination.updated_at = now
        if nomination.id in decided and nomination.nominator is not None:
            queue_email(
                to_address=nomination.nominator.email,
                to_name=nomination.nominator.name,
                language=language_of(nomination.nominator),
                template="results_withdrawn",
                subject=_l("Results withdrawn: %(reference)s", reference=nomination.reference),
                nomination=nomination,
                cycle=cycle,
                case_removed=nomination.id in with_public_case,
            )
    cycle.status = CycleStatus.JUDGING
    cycle.results_published_at = None
    cycle.updated_at = now
    db.session.flush()
    audit.record(
        "results.withdrawn",
        actor=by,
        obj=cycle,
        results=counts["results"],
        impact_cases=counts["impact_cases"],
        emails=counts["emails"],
    )
    return counts


def unpublish_case(case: ImpactCase, *, by: User) -> None:
    """Take an impact case off the public site: its page then answers 410 Gone."""
    if case.unpublished_at is None:
        case.unpublished_at = utcnow()
        case.updated_at = case.unpublished_at
        audit.record("impact_case.unpublished", actor=by, obj=case)


def republish_case(case: ImpactCase, *, by: User) -> None:
    """Put a case an organiser took down back on the public site (while its nomination is shortlisted)."""
    if case.unpublished_at is not None:
        if case.nomination_id is not None:
            result = db.session.scalar(
                select(ShortlistDecision.result).where(ShortlistDecision.nomination_id == case.nomination_id)
            )
            if result not in SHORTLIST_RESULTS:
                raise DomainError(
                    _("%(title)s is no longer on the shortlist, so it cannot be published again", title=case.title)
                )
        case.unpublished_at = None
        case.published_at = case.published_at or utcnow()
        case.updated_at = utcnow()
        audit.record("impact_case.republished", actor=by, obj=case)


EDITABLE_CASE_FIELDS = (
    "title",
    "summary",
    "organisation",
    "region",
    "citation",
    "licence",
)
# The kinds of a case's answer (and of a group's column) an organiser can reword on the public copy;
# the others (numbers, dates, yes or no, choices) are shown as the nominee gave them.
EDITABLE_ANSWER_KINDS = ("text", "textarea")
ANSWER_MAX_CHARS = {"text": 2000, "textarea": 100_000}


def answer_field(key: str, row: int | None = None, column: str | None = None) -> str:
    """The form field (and error) name of a case's answer, or of one cell of a group's answer."""
    return f"answer-{key}" if row is None else f"answer-{key}-{row}-{column}"


def editable_answers(case: ImpactCase) -> list[dict[str, Any]]:
    """The case's answers an organiser can reword: text, or a group with a text column."""
    editable = []
    for entry in publication.shown_answers(case.answers):
        if entry.get("kind") in EDITABLE_ANSWER_KINDS:
            editable.append(entry)
        elif entry.get("kind") == "group" and any(
            c.get("kind") in EDITABLE_ANSWER_KINDS for c in entry["value"].get("columns", [])
        ):
            editable.append(entry)
    return editable


def answer_values(case: ImpactCase) -> dict[str, str]:
    """The editable answers' words by form field name (see `answer_field`)."""
    values: dict[str, str] = {}
    for entry in editable_answers(case):
        if entry["kind"] == "group":
            columns = [c for c in entry["value"]["columns"] if c.get("kind") in EDITABLE_ANSWER_KINDS]
            for i, row in enumerate(entry["value"]["rows"]):
                for column in columns:
                    values[answer_field(entry["key"], i, column["key"])] = str(row.get(column["key"]) or "")
        else:
            values[answer_field(entry["key"])] = str(entry["value"] or "")
    return values


def _edit_answers(case: ImpactCase, texts: Mapping[str, str]) -> list[str]:
    """Reword the case's text answers (and groups' text cells) given by form field name; a field left
    out keeps its words. Returns the labels of the answers that changed."""
    entries = [dict(e) if isinstance(e, dict) else e for e in case.answers or []]
    changed: list[str] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if entry.get("kind") == "group" and isinstance(entry.get("value"), dict):
            value = {"columns": entry["value"].get("columns", []), "rows": [dict(r) for r in entry["value"]["rows"]]}
            touched = False
            for i, row in enumerate(value["rows"]):
                for column in value["columns"]:
                    name = answer_field(entry["key"], i, column["key"])
                    if column.get("kind") not in EDITABLE_ANSWER_KINDS or name not in texts:
                        continue
                    new = _checked_text(texts[name], "text", name, str(entry.get("label") or ""))
                    if new != (row.get(column["key"]) or ""):
                        row[column["key"]] = new or None
                        touched = True
            if touched:
                entry["value"] = value
                changed.append(str(entry.get("label") or entry["key"]))
        elif entry.get("kind") in EDITABLE_ANSWER_KINDS and answer_field(entry["key"]) in texts:
            name = answer_field(entry["key"])
            new = _checked_text(texts[name], entry["kind"], name, str(entry.get("label") or ""))
            if new != (entry.get("value") or ""):
                entry["value"] = new
                changed.append(str(entry.get("label") or entry["key"]))
    if changed:
        case.answers = entries
    return changed


def _checked_text(value: Any, kind: str, field: str, label: str) -> str:
    text = str(value or "").strip()
    limit = ANSWER_MAX_CHARS.get(kind, ANSWER_MAX_CHARS["text"])
    if len(text) > limit:
        raise DomainError(
            _("%(value)s must be %(limit)s characters or fewer", value=label or _("The answer"), limit=f"{limit:,}"),
            field=field,
        )
    return text


def edit_case(case: ImpactCase, *, by: User, **fields) -> list[str]:
    """Edit the public copy (never the nomination). `answers` rewords its text answers, by form field
    name (see `answer_field`); `trend_how` how it addresses each trend. Returns what changed: the
    field names, and the changed answers' labels."""
    _check_case_fields(fields)
    changed = []
    for name, value in fields.items():
        if name == "trend_how":
            changed += _edit_trend_how(case, value)
            continue
        if name == "answers":
            changed += _edit_answers(case, value)
            continue
        value = value.strip() if isinstance(value, str) else value
        if getattr(case, name) != value:
            setattr(case, name, value)
            changed.append(name)
    if changed:
        case.updated_at = utcnow()
        refresh_search_text(case)
        audit.record("impact_case.edited", actor=by, obj=case, fields=changed)
    return changed


def _check_case_fields(fields: dict[str, Any]) -> None:
    """Refuse a field that cannot be edited (a programming error), an empty title, and text longer
    than its column holds."""
    unknown = set(fields) - set(EDITABLE_CASE_FIELDS) - {"answers", "partners", "trend_how"}
    if unknown:
        raise ValueError(f"not editable: {unknown}")
    if "title" in fields and not str(fields["title"]).strip():
        raise DomainError(_("Enter a title"), field="title")
    for name, value in fields.items():
        column = ImpactCase.__table__.columns.get(name)
        limit = getattr(column.type, "length", None) if column is not None else None
        if limit and isinstance(value, str) and len(value.strip()) > limit:
            label = name.replace("_", " ").capitalize()
            raise DomainError(
                _("%(label)s must be %(limit)s characters or fewer", label=label, limit=limit), field=name
            )


def _edit_trend_how(case: ImpactCase, how: Mapping[int, str]) -> list[str]:
    """Set how the case addresses each of its trends (trend id → words; a trend left out keeps its
    words). Returns what changed, as "trend <code>"."""
    changed = []
    for link in case.trend_links:
        new = str(how.get(link.trend_id, link.how_addressed)).strip()
        if new != link.how_addressed:
            link.how_addressed = new
            changed.append(f"trend {link.trend.code}")
    return changed
