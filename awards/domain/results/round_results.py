"""The results of a judging round in every mode, and each round's order of its entries.

A scored round's leaderboard is shortlists.cycle_results (scores aggregated and normalised). A pass/fail
round's board gives each entry's tally of verdicts and a ranking round's the judges' orders combined by
its method: the pure rules, and their stated wording, are in round_modes.py. Only the submitted reviews
of the round's assignments count, never a calibration example's.

`round_order` gives every mode's order per category as plain ids: advancing entries to the next round
suggests the top of it, and a final round judged by pass/fail or ranking suggests its shortlist from it.
A pass/fail or ranking round's order is kept per process (RESULTS_CACHE_ENTRIES rounds) until its freshness
stamp changes, as a scored round's ranking is (shortlists.cycle_ranking).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards.domain.core.collector import collector_paused
from awards.domain.judging import rounds
from awards.domain.results.round_modes import RankScore, Tally, order_by_tally, rank_entries, tally
from awards.domain.results.scoring import NominationResult
from awards.domain.results.shortlists import cycle_ranking, kept_per_process, ranked_entries, ranking_stamp
from awards.extensions import db
from awards.models import (
    Assignment,
    Category,
    Cycle,
    JudgingRound,
    Nomination,
    Review,
    ReviewStatus,
    RoundMode,
    ShortlistDecision,
)


@dataclass
class RoundOrder:
    """A round's entries in order per category, as plain data, with what each one's place rests on."""

    mode: RoundMode
    order: dict[int, list[int]]  # category id → nomination ids, best first (every entry of the round)
    judged: set[int]  # the entries with at least one counted judgement (a score, verdict or place)
    tallies: dict[int, Tally] = field(default_factory=dict)  # a pass/fail round's
    rank_scores: dict[int, RankScore] = field(default_factory=dict)  # a ranking round's
    results: Mapping[int, NominationResult] = field(default_factory=dict)  # a scored round's


def _counted_reviews(judging_round: JudgingRound):
    """The conditions selecting the reviews that count in the round's results."""
    return (
        Assignment.round_id == judging_round.id,
        Assignment.calibration.is_(False),
        Review.status == ReviewStatus.SUBMITTED,
    )


def _entries_by_category(judging_round: JudgingRound) -> dict[int, dict[int, str]]:
    """Category id → {nomination id: reference} of the round's entries (one query)."""
    entries: dict[int, dict[int, str]] = defaultdict(dict)
    for nomination_id, category_id, reference in db.session.execute(
        select(Nomination.id, Nomination.category_id, Nomination.reference).where(*ranked_entries(judging_round))
    ):
        entries[category_id][nomination_id] = reference
    return entries


def round_order(judging_round: JudgingRound) -> RoundOrder:
    """The round's order of its entries in each category, by its mode's rule. A scored round's comes
    from its kept ranking (shortlists.cycle_ranking); a pass/fail or ranking round's is kept by this
    process until the round's stamp changes (RESULTS_CACHE_ENTRIES rounds; 0 computes it every time).
    The order is shared between requests: callers only read it."""
    if judging_round.mode is RoundMode.SCORES:
        ranking = cycle_ranking(judging_round.cycle, judging_round)
        return RoundOrder(
            RoundMode.SCORES,
            {category_id: ranked.ids.tolist() for category_id, ranked in ranking.order.items()},
            ranking.results.judged(),
            results=ranking.results,
        )
    return kept_per_process(
        _orders,
        _orders_lock,
        judging_round.id,
        lambda: _order_stamp(judging_round),
        lambda: compute_round_order(judging_round),
    )


# Orders of pass/fail and ranking rounds kept by this process: (database, round id) → (data version, stamp, order).
# The stamp is read from the database on every use, so a verdict saved through another worker is seen
# at once.
_orders: OrderedDict[tuple[str, int], tuple[int | None, tuple, RoundOrder]] = OrderedDict()
_orders_lock = threading.Lock()


def _order_stamp(judging_round: JudgingRound) -> tuple:
    """What a pass/fail or ranking round's order depends on, in one query: the scored ranking's stamp
    (every save of a review, its verdict or rank included, or of a nomination, its status included, bumps
    its version; the round's assignments and the entries advanced into it are counted) and the round's
    mode and ranking method."""
    return (*ranking_stamp(judging_round), judging_round.mode.value, judging_round.ranking_method)


def compute_round_order(judging_round: JudgingRound) -> RoundOrder:
    """A pass/fail or ranking round's order, computed afresh (the cyclic garbage collector is paused:
    a 10,000-entry round makes tens of thousands of small objects, none in cycles)."""
    if judging_round.mode is RoundMode.SCORES:
        raise ValueError("a scored round's order is its ranking (round_order)")
    with collector_paused():
        return _compute_round_order(judging_round)


def _compute_round_order(judging_round: JudgingRound) -> RoundOrder:
    entries = _entries_by_category(judging_round)
    if judging_round.mode is RoundMode.PASS_FAIL:
        verdicts = db.session.execute(
            select(Assignment.nomination_id, Review.verdict)
            .join(Review, Review.assignment_id == Assignment.id)
            .where(*_counted_reviews(judging_round), Review.verdict.is_not(None))
        )
        tallies = tally((nid, verdict.value) for nid, verdict in verdicts if verdict is not None)
        order = {category_id: order_by_tally(members, tallies) for category_id, members in entries.items()}
        return RoundOrder(RoundMode.PASS_FAIL, order, {nid for nid, t in tallies.items() if t.verdicts}, tallies)
    placings = [
        (judge_id, nomination_id, rank)
        for judge_id, nomination_id, rank in db.session.execute(
            select(Assignment.judge_id, Assignment.nomination_id, Review.rank)
            .join(Review, Review.assignment_id == Assignment.id)
            .where(*_counted_reviews(judging_round), Review.rank.is_not(None))
        )
        if rank is not None
    ]
    order = {}
    scores: dict[int, RankScore] = {}
    for category_id, members in entries.items():
        order[category_id], category_scores = rank_entries(judging_round.ranking_method, members, placings)
        scores.update(category_scores)
    return RoundOrder(RoundMode.RANKING, order, {nid for nid, s in scores.items() if s.judges}, rank_scores=scores)


# --- The results page of a pass/fail or ranking round -----------------------------------------------


@dataclass
class ModeRow:
    position: int | None  # None when the board hides ranks (the viewer is conflicted with an entry in it)
    nomination: Nomination
    tally: Tally | None = None  # pass/fail
    score: RankScore | None = None  # ranking
    decision: ShortlistDecision | None = None  # the final round's only
    withheld: bool = False  # the viewer is conflicted with this entry: nothing of its result is shown

    @property
    def passed(self) -> bool:
        return self.tally is not None and self.tally.passed


@dataclass
class ModeBoard:
    category: Category
    rows: list[ModeRow] = field(default_factory=list)
    total: int = 0  # entries in order in the category (rows may hold one page of them), less the withheld
    unjudged: int = 0  # of those, how many have no counted judgement yet
    withheld_rows: list[ModeRow] = field(default_factory=list)
    ranks_hidden: bool = False  # as on a scored board: a gap in the numbers would place a withheld entry


def mode_boards(
    cycle: Cycle,
    judging_round: JudgingRound,
    *,
    withhold: AbstractSet[int] = frozenset(),
    category_id: int | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> list[ModeBoard]:
    """A pass/fail or ranking round's boards per category (every category, or `category_id`'s), each
    the round's order with one page of rows when `per_page` is given. Entries in `withhold` are listed
    apart with nothing of their result, and the ranks of that category are not shown, as on a scored
    board (shortlists.cycle_results). The final round's boards carry the shortlist decisions."""
    if judging_round.cycle_id != cycle.id:
        raise ValueError(f"{judging_round!r} is not a round of {cycle!r}")
    ordered = round_order(judging_round)
    categories = [c for c in cycle.categories if category_id is None or c.id == category_id]
    shown: dict[int, list[tuple[int, int]]] = {}
    hidden: dict[int, list[int]] = {}
    for category in categories:
        members = ordered.order.get(category.id, [])
        kept = [(position, nid) for position, nid in enumerate(members, start=1) if nid not in withhold]
        hidden[category.id] = [nid for nid in members if nid in withhold]
        shown[category.id] = kept[(page - 1) * per_page : page * per_page] if per_page else kept
    wanted = [nid for items in shown.values() for _, nid in items] + [nid for ids in hidden.values() for nid in ids]
    nominations = (
        {
            n.id: n
            for n in db.session.scalars(
                select(Nomination).where(Nomination.id.in_(wanted)).options(selectinload(Nomination.category))
            )
        }
        if wanted
        else {}
    )
    decisions: dict[int, ShortlistDecision] = {}
    if wanted and judging_round.id == rounds.final_round(cycle).id:
        decisions = {
            d.nomination_id: d
            for d in db.session.scalars(
                select(ShortlistDecision).where(
                    ShortlistDecision.cycle_id == cycle.id, ShortlistDecision.nomination_id.in_(wanted)
                )
            )
        }
    boards = []
    for category in categories:
        members = ordered.order.get(category.id, [])
        withheld_ids = hidden[category.id]
        board = ModeBoard(
            category,
            total=len(members) - len(withheld_ids),
            unjudged=sum(1 for nid in members if nid not in ordered.judged and nid not in withhold),
            ranks_hidden=bool(withheld_ids),
        )
        for position, nid in shown[category.id]:
            if nid not in nominations:  # changed since the order was read; shown next time
                continue
            board.rows.append(
                ModeRow(
                    None if board.ranks_hidden else position,
                    nominations[nid],
                    tally=ordered.tallies.get(nid, Tally(nid)) if ordered.mode is RoundMode.PASS_FAIL else None,
                    score=ordered.rank_scores.get(nid) if ordered.mode is RoundMode.RANKING else None,
                    decision=decisions.get(nid),
                )
            )
        board.withheld_rows = [
            ModeRow(None, nominations[nid], withheld=True)
            for nid in sorted(withheld_ids, key=lambda i: nominations[i].reference if i in nominations else "")
            if nid in nominations
        ]
        boards.append(board)
    return boards


def mode_row(
    cycle: Cycle, judging_round: JudgingRound, nomination: Nomination, *, withhold: AbstractSet[int] = frozenset()
) -> ModeRow | None:
    """The nomination's line of its category's board in a pass/fail or ranking round (None when it is not
    an entry of the round), as the results page shows it."""
    [board] = mode_boards(cycle, judging_round, withhold=withhold, category_id=nomination.category_id)
    return next((r for r in [*board.rows, *board.withheld_rows] if r.nomination.id == nomination.id), None)
