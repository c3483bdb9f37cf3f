"""Assigning judges to nominations: a min-cost flow (design guide §5, "Assignment").

Each judging round is assigned on its own: its panel, its entries, its judges per nomination and load
limits, and its assignments (problem.py); a cycle given instead of a round stands for its current round.

The network, solved with OR-tools' min-cost-flow solver:

- source → judge: one arc per unit of load, up to the judge's load limit, the k-th costing
  ``LOAD_WEIGHT · (k − 1)``, so each further nomination on a busy judge costs more and work spreads
  evenly (convex cost); units a judge already has (fixed assignments) are not offered again;
- judge → nomination: capacity 1, cost ``−AFFINITY_WEIGHT · affinity``; **no arc** where the judge
  has a conflict of interest (detected or recorded), is outside the nomination's category panel, has
  not accepted the invitation, recused themselves from it, or already holds a fixed assignment to it;
  a judge at −2 ("prefer not") on the nomination's primary trend gets the arc with a penalty so large
  that it is used only when nothing else can fill the place (such uses are reported);
- nomination → sink: one unit arc per judge it still needs (the cycle's judges per nomination minus
  its fixed assignments), the u-th costing ``SHARE_SHORTFALL_WEIGHT · (u − K)``, so when not every
  place can be filled the missing ones are shared out between nominations;
- an overflow arc source → sink, dearer than any real path, which absorbs what cannot be assigned,
  so the solver always returns the best *partial* assignment and the shortfall is exact.

The objective is lexicographic (the penalties are sized from the longest possible cycle of the
residual network, so no amount of the lower aims outweighs a higher one): fill as many places as
possible; then use as few "prefer not" judges as possible; then maximise affinity less the load
cost and the shortfall-sharing cost. With everything else equal, one affinity point is worth as
much as one more nomination on a judge's pile.

Affinity of a judge for a nomination: the sum of the judge's expertise levels (−2..+2, missing
counts 0) over the nomination's trends, the primary trend counting double.

Which existing assignments stay as they are ("fixed"): every assignment whose judge has started or
submitted scores (a review exists, draft or submitted, so no judge loses work) and every assignment
an organiser locked. They count toward the judge's load and the nomination's judges. Other
assignments (unlocked, no review) may be replaced by the new solution. Recused assignments never
come back. Only the round's entries are assigned; unfixed assignments to withdrawn, ineligible or
draft nominations, to nominations no longer advanced into the round, and of judges no longer on the
round's panel are removed.

Filling gaps (``fill_gaps``): after a judge leaves a nomination (a conflict declared or found after
assignment, a judge removed), the same solver runs on just the nominations short of judges with
every live assignment kept as it is (``Problem.keep_existing``), so it only adds judges.

Deterministic: everything is sorted by id before the network is built, arcs are added in that
order, no randomness is used, and the solver is deterministic, so ties go the same way every time.

Large problems (more than ``FULL_GRAPH_ARCS`` possible judge → nomination arcs) are solved on a
reduced network first (the cheapest ``candidates_per_nomination`` judges of each nomination, and K + 1
judges taken in turn so that every judge's capacity can be reached) and the result is then *proved*
optimal for the full network by node potentials (shortest distances in the optimal flow's residual
network): every left-out arc must have a non-negative reduced cost; the most promising of any that have
not are added and the network solved again. Nothing is nomination × judge (100,000 × 3,000 would be
3 × 10⁸ cells): pairs are keys n·J + j in sorted arrays, and as a judge's affinity for a nomination
depends only on the nomination's trends (its *kind*), the judges are ranked a kind at a time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.judging import calibration
from awards.domain.judging.assignment.explanation import (
    AssignmentResult,
    Planned,
    current_state,
    explain_shortfalls,
)
from awards.domain.judging.assignment.problem import (
    AVOID_LEVEL,
    PRIMARY_TREND_WEIGHT,
    ExistingAssignment,
    JudgeInfo,
    NominationInfo,
    Problem,
    check_changeable,
    in_chunks,
    load_problem,
    round_assignments,
    round_of,
)
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    ConflictOfInterest,
    Cycle,
    Judge,
    JudgingRound,
    NominationStatus,
    Review,
    ReviewStatus,
    User,
)

# One affinity point is worth as much as one more nomination on a judge's pile: loads stay within a
# few of each other while judges still get the entries that match their expertise best.
AFFINITY_WEIGHT = 2
LOAD_WEIGHT = 2
# When not every place can be filled, a nomination's u-th judge (of K) costs
# SHARE_SHORTFALL_WEIGHT · (u − K): its first judge is worth the most, so missing places are shared
# out (two nominations one judge short rather than one with no judges), whatever the expertise.
SHARE_SHORTFALL_WEIGHT = 40

# Above this many possible judge → nomination arcs, solve a reduced network and prove it optimal.
FULL_GRAPH_ARCS = 250_000
# The reduced network's first arcs per nomination: its cheapest by the estimated potentials (beside its
# group's work dealt out, and IN_TURN judges taken in turn).
CANDIDATES_PER_NOMINATION = 4
# The first reduced network's arcs per nomination to judges taken in turn (so every judge can be reached).
IN_TURN = 1
# Pricing rounds of the estimate by kinds of nomination (_estimated_potentials) at most.
MAX_ESTIMATE_ROUNDS = 12
# ... adding up to this many arcs per group a round (groups are few: more arcs, fewer rounds).
ADDED_PER_GROUP = 64
# The groups' first arcs: each group's cheapest.
CANDIDATES_PER_GROUP = 64
# Each pricing round adds up to this many left-out arcs per nomination, those with a reduced cost below ADD_BELOW.
ADDED_PER_ROUND = 4
ADD_BELOW = 2 * LOAD_WEIGHT
# A nomination with more barred or taken judges than this is priced on a row of its own, not its kind's ranking.
DEEP = 96
# Cells of the kind × judge tables worked out at once (memory: a few of them, 8 bytes a cell).
TABLE_CELLS = 2_000_000
# Larger than any cost or distance: "no arc".
NO_ARC = 1 << 61

# Unfixed assignments to these are removed: these nominations are not judged.
NOT_JUDGED = frozenset({NominationStatus.DRAFT, NominationStatus.WITHDRAWN, NominationStatus.INELIGIBLE})


def propose(target: Cycle | JudgingRound, **options: Any) -> AssignmentResult:
    """The best assignment for the round (a cycle: its current round) as it is now (nothing is written)."""
    return solve(load_problem(target), **options)


def solve(
    problem: Problem, *, candidates_per_nomination: int | None = None, full_graph_arcs: int = FULL_GRAPH_ARCS
) -> AssignmentResult:
    """Solve the min-cost flow for the problem (see the module's docstring for the rules): build the
    problem as arrays, price the arcs, solve the network (a reduced one first when it is large) and
    read the solution back."""
    if problem.display_only:
        raise ValueError("This problem was loaded for display, without conflicts or expertise: use load_problem")
    started = time.perf_counter()
    built = _build(problem)
    network = _price(built, problem.judges_per_nomination)
    solution = _solve_network(
        built, network, candidates_per_nomination=candidates_per_nomination, full_graph_arcs=full_graph_arcs
    )
    return _read_back(problem, built, network, solution, started=started)


# --- Building the problem ------------------------------------------------------------------------


@dataclass
class _Existing:
    """The round's assignments as a run sees them, by position in the sorted judges and nominations."""

    fixed_load: np.ndarray  # per judge: assignments that stay whatever the run gives
    fixed_count: np.ndarray  # per nomination: its judges that stay
    fixed: list[ExistingAssignment]  # the staying assignments to nominations this run assigns
    replaceable: list[ExistingAssignment]  # unfixed ones the solution may keep or replace
    removals: list[ExistingAssignment]  # unfixed ones to nominations no longer judged: they go


@dataclass
class _Built:
    """The problem as arrays: judges (J) and nominations (N) sorted by id, their positions indexing
    every array. Nothing is N × J: a pair (nomination n, judge j) is the key n·J + j where one is
    needed, and a judge's affinity for a nomination depends only on the judge's levels and the
    nomination's *kind* (its trends, and which is primary), of which a cycle has few (20 trends give
    at most 3,820 kinds of one to three trends), so costs are worked out a kind at a time (kind × J,
    a block of kinds at a time) or pair by pair."""

    judges: list[JudgeInfo]
    nominations: list[NominationInfo]
    judge_index: dict[int, int]
    nomination_index: dict[int, int]
    existing: _Existing
    limits: np.ndarray  # per judge: their load limit
    accepted: np.ndarray  # per judge: accepted the invitation
    capacity: np.ndarray  # per judge: nominations they may still be given
    need: np.ndarray  # per nomination: judges it still needs
    levels: np.ndarray  # J × T: each judge's level per trend position (0 where they gave none)
    levels_by_trend: np.ndarray  # T × J: the same, a trend's row contiguous
    kind: np.ndarray  # per nomination: its kind, a row of the three below
    kind_trends: np.ndarray  # kind × W: the kind's trend positions (padded with position 0, weight 0)
    kind_weights: np.ndarray  # kind × W: their weights (the primary trend's PRIMARY_TREND_WEIGHT)
    kind_primary: np.ndarray  # per kind: the primary trend's position, −1 if none
    panel: np.ndarray  # category × J: who judges which category (see _panels)
    nomination_category: np.ndarray  # per nomination: its row of `panel`
    open_panel: np.ndarray  # row × J: the judges of a category who may be given more (accepted, capacity left)
    nomination_panel: np.ndarray  # per nomination: its row of `open_panel` (categories with the same share one)
    excluded: np.ndarray  # sorted keys n·J + j of the pairs with no arc: a conflict, a recusal, a fixed assignment
    candidates: np.ndarray  # per nomination: everyone who could judge it at all
    largest_affinity: int  # the largest |affinity| of any judge for any nomination

    @property
    def stride(self) -> int:
        """J, the multiplier of a pair's key (1 when there are no judges, so keys stay defined)."""
        return max(len(self.judges), 1)

    def affinity_of(self, n: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The affinity of judge j[i] for nomination n[i]."""
        if not len(n):
            return np.zeros(0, dtype=np.int64)
        kinds = self.kind[n]
        return (self.kind_weights[kinds] * self.levels[j[:, None], self.kind_trends[kinds]]).sum(axis=1)

    def avoid_of(self, n: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Whether judge j[i] prefers not to judge nomination n[i]'s primary trend."""
        if not len(n):
            return np.zeros(0, dtype=bool)
        primary = self.kind_primary[self.kind[n]]
        return (primary >= 0) & (self.levels[j, np.maximum(primary, 0)] == AVOID_LEVEL)

    def cost_of(self, n: np.ndarray, j: np.ndarray, avoid_penalty: int) -> np.ndarray:
        """The cost of the arc judge j[i] → nomination n[i]."""
        return -AFFINITY_WEIGHT * self.affinity_of(n, j) + avoid_penalty * self.avoid_of(n, j)

    def kind_table(self, kinds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every judge's affinity for each of the kinds (len(kinds) × J), and where they prefer not to
        judge its primary trend."""
        J = len(self.judges)
        rows = len(kinds)
        if not J or not rows:
            return np.zeros((rows, J), dtype=np.int64), np.zeros((rows, J), dtype=bool)
        weights = np.zeros((rows, self.levels.shape[1]), dtype=np.float64)
        np.add.at(weights, (np.arange(rows)[:, None], self.kind_trends[kinds]), self.kind_weights[kinds])
        # In floating point, so that numpy hands it to BLAS (an integer matrix product is a plain loop);
        # exact, as every product and sum is a small integer.
        affinity = np.rint(weights @ self.levels_by_trend.astype(np.float64)).astype(np.int64)
        primary = self.kind_primary[kinds]
        avoid = np.zeros((rows, J), dtype=bool)
        has = primary >= 0
        avoid[has] = self.levels_by_trend[primary[has]] == AVOID_LEVEL
        return affinity, avoid


def _build(problem: Problem) -> _Built:
    """Sort everything by id (so ties go the same way every time) and turn the problem into arrays:
    what stays, capacities and needs, the kinds of nomination and the judges' levels, and who may
    judge what (by category panel, and the few pairs barred)."""
    judges = sorted(problem.judges, key=lambda j: j.id)
    nominations = sorted(problem.nominations, key=lambda n: n.id)
    J, N = len(judges), len(nominations)
    stride = max(J, 1)
    judge_index = {j.id: i for i, j in enumerate(judges)}
    nomination_index = {n.id: i for i, n in enumerate(nominations)}
    existing = _sort_existing(problem, judge_index, nomination_index)
    limits = np.array([j.load_limit for j in judges], dtype=np.int64)
    accepted = np.array([j.accepted for j in judges], dtype=bool)
    capacity = np.where(accepted, np.maximum(0, limits - existing.fixed_load), 0)
    need = np.maximum(0, problem.judges_per_nomination - existing.fixed_count)
    levels, kind, kind_trends, kind_weights, kind_primary = _kinds(problem, judges, nominations)
    panel, nomination_category = _panels(problem, judges, nominations)
    in_panel = panel & accepted[None, :]
    barred = _barred(problem, judge_index, nomination_index)
    # Everyone who could judge it at all (its fixed judges included), to explain a shortfall.
    barred_n, barred_j = np.divmod(barred, stride)
    inside = in_panel[nomination_category[barred_n], barred_j] if len(barred) else np.zeros(0, dtype=bool)
    candidates = in_panel.sum(axis=1)[nomination_category] - np.bincount(barred_n[inside], minlength=N)
    # A fixed assignment's pair gets no new arc.
    fixed_keys = np.array(
        [nomination_index[a.nomination_id] * stride + judge_index[a.judge_id] for a in existing.fixed], dtype=np.int64
    )
    excluded = _sorted_keys(barred, fixed_keys)
    open_panel, row_of_category = np.unique(in_panel & (capacity > 0)[None, :], axis=0, return_inverse=True)
    built = _Built(
        judges=judges,
        nominations=nominations,
        judge_index=judge_index,
        nomination_index=nomination_index,
        existing=existing,
        limits=limits,
        accepted=accepted,
        capacity=capacity,
        need=need,
        levels=levels,
        levels_by_trend=np.ascontiguousarray(levels.T),
        kind=kind,
        kind_trends=kind_trends,
        kind_weights=kind_weights,
        kind_primary=kind_primary,
        panel=panel,
        nomination_category=nomination_category,
        open_panel=open_panel,
        nomination_panel=np.asarray(row_of_category).reshape(-1)[nomination_category],
        excluded=excluded,
        candidates=candidates,
        largest_affinity=0,
    )
    built.largest_affinity = _largest_affinity(built)
    return built


def _sort_existing(problem: Problem, judge_index: dict[int, int], nomination_index: dict[int, int]) -> _Existing:
    """Which of the round's assignments stay (they count toward the judge's load and the nomination's
    judges), which the solution may replace, and which go whatever it gives. Recused ones are left
    alone, and so are the fixed ones of judges no longer on the round's panel; their unfixed ones go."""
    existing = _Existing(
        fixed_load=np.zeros(len(judge_index), dtype=np.int64),
        fixed_count=np.zeros(len(nomination_index), dtype=np.int64),
        fixed=[],
        replaceable=[],
        removals=[],
    )
    for a in sorted(problem.assignments, key=lambda a: a.id):
        ji = judge_index.get(a.judge_id)
        ni = nomination_index.get(a.nomination_id)
        if a.status is AssignmentStatus.RECUSED:
            continue
        if ji is None:
            # A judge no longer on the round's panel: their place goes to another judge unless it is fixed.
            if not a.is_fixed and not problem.keep_existing:
                existing.removals.append(a)
            continue
        if ni is None:
            # A nomination this run does not assign: its unfixed assignments go if it is not judged
            # (withdrawn, ineligible, draft) or no longer an entry of the round (no longer advanced
            # into it); whatever stays still counts toward the judge's load.
            if not a.is_fixed and not problem.keep_existing and _not_judged(problem, a):
                existing.removals.append(a)
            else:
                existing.fixed_load[ji] += 1
        elif a.is_fixed or problem.keep_existing:
            existing.fixed_load[ji] += 1
            existing.fixed_count[ni] += 1
            existing.fixed.append(a)
        else:
            existing.replaceable.append(a)
    return existing


def _not_judged(problem: Problem, assignment: ExistingAssignment) -> bool:
    """Whether the nomination of an assignment outside the run's nominations is not judged in the round."""
    if assignment.nomination_status in NOT_JUDGED:
        return True
    return assignment.nomination_status is NominationStatus.SUBMITTED and not problem.is_entry(assignment.nomination_id)


def _kinds(
    problem: Problem, judges: list[JudgeInfo], nominations: list[NominationInfo]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The judges' levels by trend position (J × T), each nomination's kind, and each kind's trend
    positions, weights (the primary trend's PRIMARY_TREND_WEIGHT, the others' 1) and primary trend."""
    J, N = len(judges), len(nominations)
    trend_ids = sorted({t for n in nominations for t, _ in n.trends})
    trend_index = {t: i for i, t in enumerate(trend_ids)}
    levels = np.zeros((J, max(len(trend_ids), 1)), dtype=np.int64)
    for ji, judge in enumerate(judges):
        for trend_id, level in problem.levels_of(judge).items():
            ti = trend_index.get(trend_id)
            if ti is not None:
                levels[ji, ti] = level
    kinds: dict[tuple[tuple[tuple[int, int], ...], int], int] = {}
    seen: dict[tuple[tuple[int, bool], ...], int] = {}
    kind = np.zeros(N, dtype=np.int64)
    for ni, nomination in enumerate(nominations):
        k = seen.get(nomination.trends)
        if k is None:
            weights: dict[int, int] = {}
            primary = -1
            for trend_id, is_primary in nomination.trends:
                weights[trend_index[trend_id]] = PRIMARY_TREND_WEIGHT if is_primary else 1
                if is_primary:
                    primary = trend_index[trend_id]
            k = seen[nomination.trends] = kinds.setdefault((tuple(sorted(weights.items())), primary), len(kinds))
        kind[ni] = k
    width = max((len(trends) for trends, _ in kinds), default=0) or 1
    kind_trends = np.zeros((len(kinds), width), dtype=np.int64)
    kind_weights = np.zeros((len(kinds), width), dtype=np.int64)
    kind_primary = np.full(len(kinds), -1, dtype=np.int64)
    for (trends, primary), k in kinds.items():
        for w, (ti, weight) in enumerate(trends):
            kind_trends[k, w], kind_weights[k, w] = ti, weight
        kind_primary[k] = primary
    return levels, kind, kind_trends, kind_weights, kind_primary


def _panels(
    problem: Problem, judges: list[JudgeInfo], nominations: list[NominationInfo]
) -> tuple[np.ndarray, np.ndarray]:
    """Who judges which category (category × J), and each nomination's category as a row of it."""
    category_ids = sorted({n.category_id for n in nominations} | set(problem.categories))
    category_index = {c: i for i, c in enumerate(category_ids)}
    panel = np.zeros((max(len(category_ids), 1), len(judges)), dtype=bool)
    for ji, judge in enumerate(judges):
        if judge.category_ids is None:
            panel[:, ji] = True
        else:
            for c in judge.category_ids:
                if c in category_index:
                    panel[category_index[c], ji] = True
    nomination_category = np.array([category_index[n.category_id] for n in nominations], dtype=np.int64)
    return panel, nomination_category


def _barred(problem: Problem, judge_index: dict[int, int], nomination_index: dict[int, int]) -> np.ndarray:
    """The pairs (keys n·J + j, sorted) a judge may never judge: a conflict of interest, a recusal.
    The indexes give each id's position (judges and nominations sorted by id)."""
    J, N = len(judge_index), len(nomination_index)
    keys = [np.zeros(0, dtype=np.int64)]
    if problem.conflicts and N and J:
        pairs = np.fromiter(
            (x for pair in problem.conflicts for x in pair), dtype=np.int64, count=2 * len(problem.conflicts)
        ).reshape(-1, 2)
        judge_ids = np.fromiter(judge_index, dtype=np.int64, count=J)
        nomination_ids = np.fromiter(nomination_index, dtype=np.int64, count=N)
        cj = np.clip(np.searchsorted(judge_ids, pairs[:, 0]), 0, J - 1)
        cn = np.clip(np.searchsorted(nomination_ids, pairs[:, 1]), 0, N - 1)
        known = (judge_ids[cj] == pairs[:, 0]) & (nomination_ids[cn] == pairs[:, 1])
        keys.append(cn[known] * J + cj[known])
    recused = [
        nomination_index[a.nomination_id] * J + judge_index[a.judge_id]
        for a in problem.assignments
        if a.status is AssignmentStatus.RECUSED and a.nomination_id in nomination_index and a.judge_id in judge_index
    ]
    keys.append(np.array(recused, dtype=np.int64))
    return _sorted_keys(*keys)


def _largest_affinity(built: _Built) -> int:
    """The largest |affinity| of any judge for any kind of nomination there is."""
    kinds = np.unique(built.kind)
    largest = 0
    for start in range(0, len(kinds), _block_rows(len(built.judges))):
        affinity, _avoid = built.kind_table(kinds[start : start + _block_rows(len(built.judges))])
        if affinity.size:
            largest = max(largest, int(np.abs(affinity).max()))
    return largest


def _flow_solver() -> Any:
    """OR-Tools' min-cost flow solver, imported here: its 28 MB stay out of every worker that never assigns."""
    from ortools.graph.python import min_cost_flow

    return min_cost_flow.SimpleMinCostFlow()


def _block_rows(J: int) -> int:
    """How many rows of J judges to work out at once (TABLE_CELLS cells)."""
    return max(1, TABLE_CELLS // max(J, 1))


# --- Pricing the arcs ----------------------------------------------------------------------------


def _price(built: _Built, K: int) -> _Network:
    """The network with its costs: judge → nomination arcs cost −AFFINITY_WEIGHT · affinity, plus a
    penalty where the judge prefers not to judge the primary trend; the penalty and the overflow
    cost are sized from the longest simple cycle of the residual network, so no amount of a lower
    aim outweighs a higher one (fill places, then avoid "prefer not", then the rest)."""
    J, N = len(built.judges), len(built.nominations)
    max_limit = int(built.limits.max()) if J else 0
    largest_cost = AFFINITY_WEIGHT * built.largest_affinity if N and J else 0
    plain_range = max(largest_cost, LOAD_WEIGHT * max(0, max_limit - 1)) + 1
    spread = SHARE_SHORTFALL_WEIGHT
    largest = max(plain_range, spread * K)
    cycle_length = 2 * min(J, N) + 4  # the most arcs a simple cycle of the residual network can have
    avoid_penalty = cycle_length * largest + 1
    overflow_cost = cycle_length * (avoid_penalty + largest) + 1
    return _Network(
        J=J,
        N=N,
        fixed_load=built.existing.fixed_load,
        limits=np.where(built.accepted, built.limits, 0),
        capacity=built.capacity,
        need=built.need,
        fixed_count=built.existing.fixed_count,
        K=K,
        spread=spread,
        total_need=int(built.need.sum()),
        avoid_penalty=avoid_penalty,
        overflow_cost=overflow_cost,
    )


# --- Solving -------------------------------------------------------------------------------------


@dataclass
class _Solution:
    sel_n: np.ndarray  # the judge → nomination arcs the network was solved with: their nominations,
    sel_j: np.ndarray  # judges
    cost: np.ndarray  # and costs, in (nomination, judge) order
    flows: _Flows
    rounds: int  # pricing rounds (0: the full network was solved at once)


def _solve_network(
    built: _Built, network: _Network, *, candidates_per_nomination: int | None, full_graph_arcs: int
) -> _Solution:
    """The optimal flow: on the full network if it is small enough, else by pricing."""
    if candidates_per_nomination is None:
        every = _every_arc(built, full_graph_arcs)
        if every is not None:
            return _solved(built, network, every, rounds=0)
    return _solve_by_pricing(built, network, candidates_per_nomination or CANDIDATES_PER_NOMINATION)


def _solved(built: _Built, network: _Network, keys: np.ndarray, *, rounds: int) -> _Solution:
    """The network solved with the judge → nomination arcs of the (sorted) keys."""
    sel_n, sel_j = np.divmod(keys, built.stride)
    cost = built.cost_of(sel_n, sel_j, network.avoid_penalty)
    return _Solution(sel_n=sel_n, sel_j=sel_j, cost=cost, flows=network.solve(sel_n, sel_j, cost), rounds=rounds)


def _every_arc(built: _Built, most: int) -> np.ndarray | None:
    """Every judge → nomination arc the network may have (sorted keys), or None if there are more than `most`."""
    stride = built.stride
    active = built.need > 0
    open_size = built.open_panel.sum(axis=1)
    gross = int(open_size[built.nomination_panel[active]].sum())
    ex_n, ex_j = np.divmod(built.excluded, stride)
    barred = int((active[ex_n] & built.open_panel[built.nomination_panel[ex_n], ex_j]).sum()) if len(ex_n) else 0
    if gross - barred > most:
        return None
    parts = [np.zeros(0, dtype=np.int64)]
    for row in range(len(built.open_panel)):
        judges = np.nonzero(built.open_panel[row])[0]
        nominations = np.nonzero(active & (built.nomination_panel == row))[0]
        parts.append((nominations[:, None] * stride + judges[None, :]).ravel())
    keys = np.sort(np.concatenate(parts))
    return keys[~_member(keys, built.excluded)]


def _solve_by_pricing(built: _Built, network: _Network, m: int) -> _Solution:
    """Solve a reduced network (each nomination's m cheapest arcs, and a few to judges taken in turn so
    every judge's capacity can be reached), then prove its optimum optimal for the full network: take
    the node potentials of the optimal flow (shortest distances in its residual network); if a left-out
    arc has a negative reduced cost, add each nomination's most promising left-out arcs and solve again.
    Each round adds an arc the solution can use and none is ever taken away, so it ends; it ends when
    no left-out arc has a negative reduced cost, which proves the flow optimal for the full network.

    Categories whose panels share no judge make networks apart (their only common nodes are the
    source and the sink, and the cost of a flow is the sum of theirs), each solved and proved on its
    own: a part already proved is not solved again."""
    J, N, stride = len(built.judges), len(built.nominations), built.stride
    active = np.nonzero(built.need > 0)[0]
    empty = np.zeros(0, dtype=np.int64)
    estimate, guided = _estimated_potentials(built, network, active)
    cheapest, _best = _best_arcs(
        built,
        active,
        estimate,
        np.zeros(len(active), dtype=np.int64),
        count=m,
        below=None,
        taken=empty,
        avoid_penalty=network.avoid_penalty,
    )
    keys = _sorted_keys(cheapest, guided, _arcs_in_turn(built, active, IN_TURN))
    parts = _parts(built, active)
    part_of = np.full(N, -1, dtype=np.int64)
    for i, (_judges, nominations) in enumerate(parts):
        part_of[nominations] = i
    d_judge, d_nomination = np.zeros(J, dtype=np.int64), np.zeros(N, dtype=np.int64)
    solutions: dict[int, _Solution] = {}
    unproved, rounds = list(range(len(parts))), 0
    while unproved:
        rounds += 1
        owner = part_of[keys // stride]
        for i in unproved:
            judges, nominations = parts[i]
            part = network.part(judges, nominations)
            mine = keys[owner == i]
            sel_n, sel_j = np.divmod(mine, stride)
            local_n = np.asarray(np.searchsorted(nominations, sel_n), dtype=np.int64)
            local_j = np.asarray(np.searchsorted(judges, sel_j), dtype=np.int64)
            cost = built.cost_of(sel_n, sel_j, network.avoid_penalty)
            flows = part.solve(local_n, local_j, cost)
            solutions[i] = _Solution(sel_n=sel_n, sel_j=sel_j, cost=cost, flows=flows, rounds=rounds)
            d = part.potentials(local_n, local_j, cost, flows)
            d_judge[judges], d_nomination[nominations] = (
                d[: len(judges)],
                d[len(judges) : len(judges) + len(nominations)],
            )
        # Add each nomination's most promising left-out arcs (most negative reduced cost first, so
        # every round adds an arc that improves the solution); arcs with a small positive reduced cost
        # come too, as the next optimum often needs them. Only in parts not yet proved optimal.
        priced = np.concatenate([parts[i][1] for i in unproved])
        priced.sort()
        more, best = _best_arcs(
            built,
            priced,
            d_judge,
            d_nomination[priced],
            count=ADDED_PER_ROUND,
            below=ADD_BELOW,
            taken=keys,
            avoid_penalty=network.avoid_penalty,
        )
        worst = np.full(len(parts), NO_ARC, dtype=np.int64)
        np.minimum.at(worst, part_of[priced], best)
        unproved = [i for i in unproved if worst[i] < 0]
        # Only for the nominations that have a left-out arc with a negative reduced cost: the others'
        # arcs would make the next network larger and change nothing.
        improvable = priced[best < 0]
        more = more[np.isin(more // stride, improvable)]
        keys = _sorted_keys(keys, more)
    return _joined([solutions[i] for i in range(len(parts))], rounds)


def _estimated_potentials(built: _Built, network: _Network, nominations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The judges' potentials in the round taken kind by kind, to choose the first reduced network's
    arcs by: the nominations of one kind and panel are one node (its places and its arcs as many as it
    has nominations), conflicts and fixed pairs aside, solved by pricing like the round itself. Small
    (a few thousand kinds, not 100,000 nominations), and close to the round's own potentials, so that
    the first reduced network holds nearly every arc the optimum uses. Only an estimate: what it gives
    is proved or corrected by the round's own pricing. Also the arcs (sorted keys) from each nomination to
    the judges its group's optimum gives work: the round's optimum mostly shares them out the same way."""
    J, K = len(built.judges), network.K
    if not J or not len(nominations):
        return np.zeros(J, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows = len(built.open_panel)
    groups, group_of = np.unique(
        built.kind[nominations] * rows + built.nomination_panel[nominations], return_inverse=True
    )
    G = len(groups)
    group_kind, group_panel = np.divmod(groups, rows)
    size = np.bincount(group_of, minlength=G)
    need = built.need[nominations]
    # Per group and place u (1..K): how many of its nominations still need their u-th judge.
    places = np.stack([np.bincount(group_of[need >= K - u + 1], minlength=G) for u in range(1, K + 1)], axis=1)
    arcs = _group_arcs(
        built,
        group_kind,
        group_panel,
        np.zeros(J, dtype=np.int64),
        np.zeros(G, dtype=np.int64),
        network,
        None,
        np.zeros(0, dtype=np.int64),
        CANDIDATES_PER_GROUP,
    )
    # A group's arcs carry as many places as it has nominations: K + 2 judges in turn each let every judge
    # be reached for more than a fair share, so that the groups' network can fill every place it can.
    spread = K + 2
    turn = np.arange(G)[:, None] * spread + np.arange(spread)[None, :]
    extra = []
    for row in range(rows):
        judges = np.nonzero(built.open_panel[row])[0]
        mine = np.nonzero(group_panel == row)[0]
        if len(judges) and len(mine):
            extra.append((mine[:, None] * J + judges[turn[mine] % len(judges)]).ravel())
    arcs = _sorted_keys(arcs, *extra)
    representative = nominations[_first_of(group_of, G)]  # a nomination of each group: its costs are the group's
    d_judge = np.zeros(J, dtype=np.int64)
    for _round in range(MAX_ESTIMATE_ROUNDS):
        g, j = np.divmod(arcs, J)
        cost = built.cost_of(representative[g], j, network.avoid_penalty)
        d_judge, d_group, flow = _solve_groups(network, g, j, cost, size, places)
        more = _group_arcs(built, group_kind, group_panel, d_judge, d_group, network, 0, arcs, ADDED_PER_GROUP)
        if not len(more):
            break
        arcs = _sorted_keys(arcs, more)
    # The groups' work dealt out to their nominations in turn (a judge with x of a group's places to x
    # of its nominations, never twice to one, as no judge has more of a group's places than it has
    # nominations), each nomination also given its neighbour's: about 2K arcs a nomination.
    worked = flow > 0
    worked_g, worked_j, share = g[worked], j[worked], flow[worked].astype(np.int64)
    order = np.argsort(group_of, kind="stable")
    group_first = np.searchsorted(group_of[order], np.arange(G))
    slot_arc = np.repeat(np.arange(len(worked_g)), share)
    slot_group = worked_g[slot_arc]
    slot_start = np.searchsorted(slot_group, np.arange(G))
    slot = np.arange(len(slot_arc)) - slot_start[slot_group]
    guided = _sorted_keys(
        *(
            nominations[order[group_first[slot_group] + (slot + shift) % size[slot_group]]] * J + worked_j[slot_arc]
            for shift in (0, 1)
        )
    )
    return d_judge, guided[~_member(guided, built.excluded)]


def _first_of(group_of: np.ndarray, G: int) -> np.ndarray:
    """The first index of each group in `group_of` (each group's label, 0..G−1, per index)."""
    first = np.zeros(G, dtype=np.int64)
    first[group_of[::-1]] = np.arange(len(group_of))[::-1]
    return first


def _group_arcs(
    built: _Built,
    group_kind: np.ndarray,
    group_panel: np.ndarray,
    d_judge: np.ndarray,
    d_group: np.ndarray,
    network: _Network,
    below: int | None,
    taken: np.ndarray,
    count: int,
) -> np.ndarray:
    """Each group's `count` best arcs (keys g·J + j) not taken, with a reduced cost below `below` if given."""
    J = len(built.judges)
    found = []
    block = _block_rows(J)
    for start in range(0, len(group_kind), block):
        kinds, panels = group_kind[start : start + block], group_panel[start : start + block]
        affinity, avoid = built.kind_table(kinds)
        value = -AFFINITY_WEIGHT * affinity + network.avoid_penalty * avoid + d_judge[None, :]
        value -= d_group[start : start + len(kinds), None]
        value[~built.open_panel[panels]] = NO_ARC
        index = np.arange(start, start + len(kinds))
        first = np.searchsorted(taken, index * J)
        last = np.searchsorted(taken, (index + 1) * J)
        row = np.repeat(np.arange(len(kinds)), last - first)
        at = np.arange(len(row)) - np.repeat(np.cumsum(last - first) - (last - first), last - first) + first[row]
        value[row, taken[at] % J] = NO_ARC
        rotation = (np.arange(J)[None, :] - index[:, None]) % J
        order = _smallest(value, min(count, J), rotation)
        best = np.take_along_axis(value, order, axis=1)
        chosen = best < (NO_ARC if below is None else below)
        found.append((index[:, None] * J + order)[chosen])
    return _sorted_keys(*found)


def _solve_groups(
    network: _Network, g: np.ndarray, j: np.ndarray, cost: np.ndarray, size: np.ndarray, places: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The optimal flow of the network by groups (arcs judge j[i] → group g[i] of capacity size[g],
    the u-th places of each group to the sink), its potentials (the judges', the groups') and the flow
    on each of the arcs."""
    J, G, K = network.J, len(size), network.K
    source, sink = 0, J + G + 1
    solver = _flow_solver()
    units = network.capacity
    judge_of_unit = np.repeat(np.arange(J), units)
    offsets = np.arange(int(units.sum())) - np.repeat(np.cumsum(units) - units, units)
    if len(judge_of_unit):
        solver.add_arcs_with_capacity_and_unit_cost(
            np.zeros(len(judge_of_unit), dtype=np.int64),
            1 + judge_of_unit,
            np.ones(len(judge_of_unit), dtype=np.int64),
            LOAD_WEIGHT * (network.fixed_load[judge_of_unit] + offsets),
        )
    first_arc = solver.num_arcs()
    if len(g):
        solver.add_arcs_with_capacity_and_unit_cost(1 + j, 1 + J + g, size[g], cost)
    place_group = np.repeat(np.arange(G), K)
    place_u = np.tile(np.arange(1, K + 1), G)
    place_cap = places.ravel()
    first_place = solver.num_arcs()
    solver.add_arcs_with_capacity_and_unit_cost(
        1 + J + place_group, np.full(G * K, sink, dtype=np.int64), place_cap, network.place_cost(place_u)
    )
    total = int(place_cap.sum())
    overflow = solver.add_arc_with_capacity_and_unit_cost(source, sink, total, network.overflow_cost)
    solver.set_node_supply(source, total)
    solver.set_node_supply(sink, -total)
    if solver.solve() != solver.OPTIMAL:  # pragma: no cover (the overflow arc makes it feasible)
        return np.zeros(J, dtype=np.int64), np.zeros(G, dtype=np.int64), np.zeros(len(g), dtype=np.int64)
    flow = np.asarray(solver.flows(np.arange(first_arc, first_arc + len(g), dtype=np.int64))) if len(g) else g
    place_flow = np.asarray(solver.flows(np.arange(first_place, first_place + G * K, dtype=np.int64)))
    load = network.fixed_load + np.bincount(j, weights=flow, minlength=J).astype(np.int64)
    new_load = load - network.fixed_load
    s, t = J + G, J + G + 1
    next_unit = np.nonzero(new_load < units)[0]
    last_unit = np.nonzero(new_load > 0)[0]
    spare, used = flow < size[g], flow > 0
    open_place, used_place = place_flow < place_cap, place_flow > 0
    place_cost = network.place_cost(place_u)
    spill = int(solver.flow(overflow))
    d = _shortest_distances(
        J + G + 2,
        [
            (
                np.concatenate([j[spare], np.full(int(used_place.sum()), t)]),
                J + np.concatenate([g[spare], place_group[used_place]]),
                np.concatenate([cost[spare], -place_cost[used_place]]),
            ),
            (
                np.concatenate(
                    [J + g[used], J + place_group[open_place], np.full(len(next_unit), s), last_unit, [s, t]]
                ),
                np.concatenate(
                    [j[used], np.full(int(open_place.sum()), t), next_unit, np.full(len(last_unit), s), [t, s]]
                ),
                np.concatenate(
                    [
                        -cost[used],
                        place_cost[open_place],
                        LOAD_WEIGHT * load[next_unit],
                        -LOAD_WEIGHT * (load[last_unit] - 1),
                        [network.overflow_cost if spill < total else NO_ARC],
                        [-network.overflow_cost if spill > 0 else NO_ARC],
                    ]
                ),
            ),
        ],
    )
    open_group = place_group[open_place]
    low = _lowest_nomination_potentials(d, J, g[used], j[used], cost[used], open_group, place_cost[open_place], G)
    return d[:J], low, flow


def _parts(built: _Built, nominations: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The nominations split into parts whose panels share no judge: (judges, nominations) of each,
    positions sorted; a part's nominations may only be judged by its judges (a part may have none)."""
    rows = len(built.open_panel)
    shared = (built.open_panel.astype(np.int64) @ built.open_panel.T.astype(np.int64)) > 0
    label = np.full(rows, -1, dtype=np.int64)
    for row in range(rows):
        if label[row] >= 0:
            continue
        label[row], stack = row, [row]
        while stack:
            for other in np.nonzero(shared[stack.pop()] & (label < 0))[0].tolist():
                label[other] = row
                stack.append(other)
    parts = []
    for root in np.unique(label[built.nomination_panel[nominations]]).tolist():
        in_part = label == root
        judges = np.nonzero(built.open_panel[in_part].any(axis=0))[0]
        parts.append((judges, nominations[in_part[built.nomination_panel[nominations]]]))
    return parts


def _joined(solutions: list[_Solution], rounds: int) -> _Solution:
    """The solutions of the parts as one, in (nomination, judge) order."""
    sel_n = np.concatenate([np.zeros(0, dtype=np.int64)] + [s.sel_n for s in solutions])
    sel_j = np.concatenate([np.zeros(0, dtype=np.int64)] + [s.sel_j for s in solutions])
    order = np.lexsort((sel_j, sel_n))
    return _Solution(
        sel_n=sel_n[order],
        sel_j=sel_j[order],
        cost=np.concatenate([np.zeros(0, dtype=np.int64)] + [s.cost for s in solutions])[order],
        flows=_Flows(
            arc_flows=np.concatenate([np.zeros(0, dtype=np.int64)] + [s.flows.arc_flows for s in solutions])[order],
            overflow=sum(s.flows.overflow for s in solutions),
            with_overflow=any(s.flows.with_overflow for s in solutions),
        ),
        rounds=rounds,
    )


def _arcs_in_turn(built: _Built, nominations: np.ndarray, per_nomination: int) -> np.ndarray:
    """Up to `per_nomination` arcs of each nomination to the judges of its panel taken in turn (sorted
    keys), so that in the first reduced network every judge can be given about a fair share."""
    stride = built.stride
    parts = [np.zeros(0, dtype=np.int64)]
    for row in range(len(built.open_panel)):
        judges = np.nonzero(built.open_panel[row])[0]
        mine = nominations[built.nomination_panel[nominations] == row]
        if not len(judges) or not len(mine):
            continue
        turn = (np.arange(len(mine))[:, None] * per_nomination + np.arange(per_nomination)[None, :]) % len(judges)
        parts.append((mine[:, None] * stride + judges[turn]).ravel())
    keys = _sorted_keys(*parts)
    keys = keys[~_member(keys, built.excluded)]
    # Not to a judge who prefers not to judge the nomination's primary trend: its penalty would widen the
    # range of costs the solver works through (and such an arc is priced in if it is ever needed).
    return keys[~built.avoid_of(*np.divmod(keys, stride))]


def _sorted_keys(*arrays: np.ndarray) -> np.ndarray:
    """The keys of the arrays, each once, sorted (numpy's unique hashes them: slower for these)."""
    keys = np.concatenate([np.zeros(0, dtype=np.int64), *arrays]).astype(np.int64)
    keys.sort()
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Whether each of the keys is among the sorted keys."""
    if not len(sorted_keys):
        return np.zeros(keys.shape, dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


def _best_arcs(
    built: _Built,
    nominations: np.ndarray,
    d_judge: np.ndarray,
    d_nomination: np.ndarray,
    *,
    count: int,
    below: int | None,
    taken: np.ndarray,
    avoid_penalty: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each of the nominations' `count` best arcs not yet taken (sorted keys; only those with a reduced
    cost below `below`, if given), and each nomination's least reduced cost of an arc not yet taken
    (NO_ARC if it has none). The reduced cost of judge j → nomination n is its cost + d_judge[j] −
    d_nomination[n]: for a nomination all but its last term depends on its kind and its panel only, so
    the judges are ranked once per (kind, panel), and each nomination walks its ranking past its few
    barred and taken judges. A nomination with many of those (more than DEEP) gets a row of its own."""
    stride = built.stride
    if not len(nominations) or not len(built.judges):
        return np.zeros(0, dtype=np.int64), np.full(len(nominations), NO_ARC, dtype=np.int64)
    barred = np.bincount(built.excluded // stride, minlength=len(built.nominations)) + np.bincount(
        taken // stride, minlength=len(built.nominations)
    )
    depth = barred[nominations] + count
    shallow = depth <= DEEP
    keys, best = [], np.full(len(nominations), NO_ARC, dtype=np.int64)
    if shallow.any():
        found, best[shallow] = _best_by_kind(
            built,
            nominations[shallow],
            d_judge,
            d_nomination[shallow],
            int(depth[shallow].max()),
            count=count,
            below=below,
            taken=taken,
            avoid_penalty=avoid_penalty,
        )
        keys.append(found)
    deep = np.nonzero(~shallow)[0]
    for start in range(0, len(deep), _block_rows(len(built.judges))):
        part = deep[start : start + _block_rows(len(built.judges))]
        found, best[part] = _best_by_row(
            built,
            nominations[part],
            d_judge,
            d_nomination[part],
            count=count,
            below=below,
            taken=taken,
            avoid_penalty=avoid_penalty,
        )
        keys.append(found)
    return np.sort(np.concatenate(keys)), best


def _best_by_kind(
    built: _Built,
    nominations: np.ndarray,
    d_judge: np.ndarray,
    d_nomination: np.ndarray,
    depth: int,
    *,
    count: int,
    below: int | None,
    taken: np.ndarray,
    avoid_penalty: int,
) -> tuple[np.ndarray, np.ndarray]:
    """_best_arcs for nominations with at most `depth` − `count` barred or taken judges: the first
    `depth` judges of their (kind, panel)'s ranking hold their best."""
    J = len(built.judges)
    depth = min(depth, J)
    rows = len(built.open_panel)
    groups, group_of = np.unique(
        built.kind[nominations] * rows + built.nomination_panel[nominations], return_inverse=True
    )
    group_kind, group_panel = np.divmod(groups, rows)
    top_j = np.zeros((len(groups), depth), dtype=np.int64)
    top_v = np.zeros((len(groups), depth), dtype=np.int64)
    block = _block_rows(J)
    for start in range(0, len(groups), block):
        kinds, panels = group_kind[start : start + block], group_panel[start : start + block]
        affinity, avoid = built.kind_table(kinds)
        value = -AFFINITY_WEIGHT * affinity + avoid_penalty * avoid + d_judge[None, :]
        value[~built.open_panel[panels]] = NO_ARC
        rotation = (np.arange(J)[None, :] - np.arange(start, start + len(kinds))[:, None]) % J
        order = _smallest(value, depth, rotation)
        top_j[start : start + len(kinds)] = order
        top_v[start : start + len(kinds)] = np.take_along_axis(value, order, axis=1)
    judges, value = top_j[group_of], top_v[group_of]
    return _pick(built, nominations, judges, value, d_nomination, count=count, below=below, taken=taken)


def _best_by_row(
    built: _Built,
    nominations: np.ndarray,
    d_judge: np.ndarray,
    d_nomination: np.ndarray,
    *,
    count: int,
    below: int | None,
    taken: np.ndarray,
    avoid_penalty: int,
) -> tuple[np.ndarray, np.ndarray]:
    """_best_arcs for a few nominations with many barred or taken judges: a row of every judge each."""
    J, stride = len(built.judges), built.stride
    affinity, avoid = built.kind_table(built.kind[nominations])
    value = -AFFINITY_WEIGHT * affinity + avoid_penalty * avoid + d_judge[None, :]
    value[~built.open_panel[built.nomination_panel[nominations]]] = NO_ARC
    for sorted_keys in (built.excluded, taken):
        first = np.searchsorted(sorted_keys, nominations * stride)
        last = np.searchsorted(sorted_keys, (nominations + 1) * stride)
        row = np.repeat(np.arange(len(nominations)), last - first)
        at = np.arange(len(row)) - np.repeat(np.cumsum(last - first) - (last - first), last - first) + first[row]
        value[row, sorted_keys[at] % stride] = NO_ARC
    rotation = (np.arange(J)[None, :] - nominations[:, None]) % J
    order = _smallest(value, min(count, J), rotation)
    return _pick(
        built,
        nominations,
        order,
        np.take_along_axis(value, order, axis=1),
        d_nomination,
        count=count,
        below=below,
        taken=np.zeros(0, dtype=np.int64),
    )


def _pick(
    built: _Built,
    nominations: np.ndarray,
    judges: np.ndarray,
    value: np.ndarray,
    d_nomination: np.ndarray,
    *,
    count: int,
    below: int | None,
    taken: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """From each nomination's judges ranked best first (rows of `judges`, cost + d_judge in `value`,
    NO_ARC where none), the first `count` not barred or taken (below `below`, if given), and the least
    reduced cost of those not barred or taken."""
    keys = nominations[:, None] * built.stride + judges
    free = (value < NO_ARC) & ~_member(keys, built.excluded) & ~_member(keys, taken)
    reduced = value - d_nomination[:, None]
    best = np.where(free, reduced, NO_ARC).min(axis=1) if value.shape[1] else np.full(len(nominations), NO_ARC)
    chosen = free & (reduced < below) if below is not None else free
    chosen &= np.cumsum(chosen, axis=1) <= count
    return keys[chosen], best


def _smallest(value: np.ndarray, m: int, rotation: np.ndarray) -> np.ndarray:
    """The positions of each row's m smallest values, smallest first, ties broken by the rotation
    (a permutation of the positions in each row)."""
    J = value.shape[1]
    if not value.size:
        return np.zeros((len(value), 0), dtype=np.int64)
    limit = (1 << 62) // J
    real = value < NO_ARC
    if int(value.min()) > -limit and int(np.where(real, value, 0).max()) < limit - 1:
        key = np.minimum(value, limit - 1) * J + rotation  # the value first, then the rotation: unique in a row
        if m < J:
            part = np.argpartition(key, m - 1, axis=1)[:, :m]
            return np.take_along_axis(part, np.argsort(np.take_along_axis(key, part, axis=1), axis=1), axis=1)
        return np.argsort(key, axis=1)
    return np.lexsort((rotation, value), axis=1)[:, :m]  # pragma: no cover (costs beyond 2^62 / J)


@dataclass
class _Flows:
    arc_flows: np.ndarray  # per judge → nomination arc solved with, in their order
    overflow: int  # places left unfilled
    with_overflow: bool  # solved with the overflow arc


@dataclass
class _Network:
    J: int
    N: int
    fixed_load: np.ndarray
    limits: np.ndarray
    capacity: np.ndarray
    need: np.ndarray
    total_need: int
    fixed_count: np.ndarray
    K: int
    spread: int
    avoid_penalty: int
    overflow_cost: int

    def part(self, judges: np.ndarray, nominations: np.ndarray) -> _Network:
        """The network of some of the judges and nominations (positions), whose arcs go only between them."""
        return replace(
            self,
            J=len(judges),
            N=len(nominations),
            fixed_load=self.fixed_load[judges],
            limits=self.limits[judges],
            capacity=self.capacity[judges],
            need=self.need[nominations],
            total_need=int(self.need[nominations].sum()),
            fixed_count=self.fixed_count[nominations],
        )

    def place_cost(self, u: np.ndarray) -> np.ndarray:
        """The cost of a nomination's u-th judge (u = 1..K): the first is worth the most."""
        return self.spread * (u - self.K)

    def solve(self, sel_n: np.ndarray, sel_j: np.ndarray, cost: np.ndarray) -> _Flows:
        """Solve the network with the judge → nomination arcs (sel_n[i], sel_j[i]) costing cost[i]:
        first without the overflow arc, which is much faster (the costs stay small); only if the places
        cannot all be filled, again with it."""
        for with_overflow in (False, True):
            flows = self._solve(sel_n, sel_j, cost, with_overflow=with_overflow)
            if flows is not None:
                return flows
        raise RuntimeError("The min-cost-flow solver found no flow even with the overflow arc")

    def _solve(self, sel_n: np.ndarray, sel_j: np.ndarray, cost: np.ndarray, *, with_overflow: bool) -> _Flows | None:
        """The optimal flow; None if it is infeasible without the overflow arc."""
        J, N = self.J, self.N
        source, sink = 0, J + N + 1
        solver = _flow_solver()
        # source → judge: one unit arc per remaining place, the k-th place costing LOAD_WEIGHT·(k − 1).
        units = self.capacity
        if units.sum():
            judge_of_unit = np.repeat(np.arange(J), units)
            offsets = np.arange(int(units.sum())) - np.repeat(np.cumsum(units) - units, units)
            unit_cost = LOAD_WEIGHT * (self.fixed_load[judge_of_unit] + offsets)
            solver.add_arcs_with_capacity_and_unit_cost(
                np.zeros(len(judge_of_unit), dtype=np.int64),
                1 + judge_of_unit,
                np.ones(len(judge_of_unit), dtype=np.int64),
                unit_cost,
            )
        first_arc = solver.num_arcs()
        if len(sel_n):
            solver.add_arcs_with_capacity_and_unit_cost(
                1 + sel_j, 1 + J + sel_n, np.ones(len(sel_n), dtype=np.int64), cost
            )
        places = self.need
        if places.sum():
            nomination_of_place = np.repeat(np.arange(N), places)
            offsets = np.arange(int(places.sum())) - np.repeat(np.cumsum(places) - places, places)
            solver.add_arcs_with_capacity_and_unit_cost(
                1 + J + nomination_of_place,
                np.full(len(nomination_of_place), sink, dtype=np.int64),
                np.ones(len(nomination_of_place), dtype=np.int64),
                self.place_cost(self.fixed_count[nomination_of_place] + offsets + 1),
            )
        overflow_arc = (
            solver.add_arc_with_capacity_and_unit_cost(source, sink, self.total_need, self.overflow_cost)
            if with_overflow
            else None
        )
        solver.set_node_supply(source, self.total_need)
        solver.set_node_supply(sink, -self.total_need)
        status = solver.solve()
        if status == solver.INFEASIBLE and not with_overflow:
            return None
        if status != solver.OPTIMAL:
            raise RuntimeError(f"The min-cost-flow solver failed: {status}")
        arc_flows = (
            solver.flows(np.arange(first_arc, first_arc + len(sel_n), dtype=np.int64))
            if len(sel_n)
            else np.zeros(0, dtype=np.int64)
        )
        return _Flows(
            arc_flows=np.asarray(arc_flows),
            with_overflow=with_overflow,
            overflow=int(solver.flow(overflow_arc)) if overflow_arc is not None else 0,
        )

    def potentials(self, sel_n: np.ndarray, sel_j: np.ndarray, cost: np.ndarray, flows: _Flows) -> np.ndarray:
        """Node potentials proving the flow optimal: the shortest distances from a virtual root (0 to
        every node) over the residual network of the full network's nodes and of the arcs solved with.
        Nodes: the judges (0..J−1), the nominations (J..J+N−1), the source and the sink (J+N, J+N+1).
        A left-out judge → nomination arc (j, n) improves the flow only if cost + d[j] − d[J + n] < 0."""
        J, N = self.J, self.N
        s, t = J + N, J + N + 1
        used = flows.arc_flows > 0
        new_count = np.bincount(sel_n[used], minlength=N)
        new_load = np.bincount(sel_j[used], minlength=J)
        got = self.fixed_count + new_count
        load = self.fixed_load + new_load
        next_place = np.nonzero(new_count < self.need)[0]  # n → sink: its next place
        last_place = np.nonzero(new_count > 0)[0]  # sink → n: undo its last place
        next_unit = np.nonzero(new_load < self.capacity)[0]  # source → j: the judge's next unit
        last_unit = np.nonzero(new_load > 0)[0]  # j → source: undo its last unit
        overflow = flows.overflow
        into_nominations = (
            np.concatenate([sel_j[~used], np.full(len(last_place), t)]),
            J + np.concatenate([sel_n[~used], last_place]),
            np.concatenate([cost[~used], -self.place_cost(got[last_place])]),
        )
        rest = (
            np.concatenate([J + sel_n[used], J + next_place, np.full(len(next_unit), s), last_unit, [s, t]]),
            np.concatenate([sel_j[used], np.full(len(next_place), t), next_unit, np.full(len(last_unit), s), [t, s]]),
            np.concatenate(
                [
                    -cost[used],
                    self.place_cost(got[next_place] + 1),
                    LOAD_WEIGHT * load[next_unit],
                    -LOAD_WEIGHT * (load[last_unit] - 1),
                    [self.overflow_cost if overflow < self.total_need else NO_ARC],
                    [-self.overflow_cost if overflow > 0 else NO_ARC],
                ]
            ),
        )
        d = _shortest_distances(J + N + 2, [into_nominations, rest])
        d[J : J + N] = _lowest_nomination_potentials(
            d, J, sel_n[used], sel_j[used], cost[used], next_place, self.place_cost(got[next_place] + 1), N
        )
        return d


def _lowest_nomination_potentials(
    d: np.ndarray,
    J: int,
    used_n: np.ndarray,
    used_j: np.ndarray,
    used_cost: np.ndarray,
    open_n: np.ndarray,
    open_cost: np.ndarray,
    N: int,
) -> np.ndarray:
    """The least potential of each nomination (or group) that the residual arcs allow, the others' as
    they are: a nomination's arcs go only to judges and the sink, so each may be moved on its own between
    the bounds its arcs set, and its reduced costs stay valid. The least is the bound its judges with
    flow set (d[j] + cost: its worst judge) or its next open place (d[sink] − that place's cost).
    Shortest distances put every nomination at its highest, where every left-out arc looks as good as
    it can; at the lowest, a left-out arc has a negative reduced cost only if it would beat the
    nomination's worst judge, so pricing adds fewer arcs that change nothing and proves sooner."""
    sink = len(d) - 1
    low = np.full(N, -NO_ARC, dtype=np.int64)
    np.maximum.at(low, used_n, d[used_j] + used_cost)
    np.maximum.at(low, open_n, d[sink] - open_cost)
    return np.where(low > -NO_ARC, low, d[J : J + N])


def _shortest_distances(nodes: int, arc_sets: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:
    """Shortest distances from a virtual root (an arc of cost 0 to every node) over the arcs (tails,
    heads, costs; arcs costing NO_ARC are left out), which must have no negative cycle. Bellman–Ford,
    each pass relaxing the arc sets in turn and only the arcs out of nodes whose distance fell since
    their arcs were last relaxed: the same distances as relaxing every arc each pass."""
    sets = []
    for tails, heads, costs in arc_sets:
        real = costs < NO_ARC
        sets.append((tails[real].astype(np.int64), heads[real].astype(np.int64), costs[real].astype(np.int64)))
    d = np.zeros(nodes, dtype=np.int64)
    pending = [np.ones(nodes, dtype=bool) for _ in sets]
    for _pass in range(nodes + 1):
        if not any(p.any() for p in pending):
            return d
        for i, (tails, heads, costs) in enumerate(sets):
            relax = pending[i][tails]
            pending[i][:] = False
            if not relax.any():
                continue
            before = d.copy()
            np.minimum.at(d, heads[relax], before[tails[relax]] + costs[relax])
            fell = d < before
            for p in pending:
                p |= fell
    raise RuntimeError("Negative cycle in an optimal residual network")  # pragma: no cover


# --- Reading the solution back -------------------------------------------------------------------


def _read_back(
    problem: Problem, built: _Built, network: _Network, solution: _Solution, *, started: float
) -> AssignmentResult:
    """The proposed assignment: the fixed assignments (with a warning where one no longer fits), the
    arcs with flow as kept or new assignments, what goes, the objective and the shortfalls."""
    used = solution.flows.arc_flows > 0
    new_n, new_j = solution.sel_n[used], solution.sel_j[used]
    got = built.existing.fixed_count + np.bincount(new_n, minlength=network.N)
    planned, warnings = _planned_fixed(problem, built)
    added, kept_keys = _planned_new(built, new_n, new_j)
    planned = sorted(planned + added, key=lambda p: (p.nomination_id, p.judge_id))
    removals = built.existing.removals + [
        a for a in built.existing.replaceable if (a.judge_id, a.nomination_id) not in kept_keys
    ]
    removals.sort(key=lambda a: a.id)
    shortfalls = explain_shortfalls(
        problem, built.nominations, got, built.candidates, built.nomination_category, built.accepted, built.panel
    )
    return AssignmentResult(
        problem=problem,
        planned=planned,
        removals=removals,
        shortfalls=shortfalls,
        warnings=warnings,
        objective=_objective(network, new_n, new_j, solution.cost[used], solution.flows),
        solve_seconds=time.perf_counter() - started,
        pricing_rounds=solution.rounds,
        arcs=len(solution.sel_n),
    )


def _objective(network: _Network, new_n: np.ndarray, new_j: np.ndarray, new_cost: np.ndarray, flows: _Flows) -> int:
    """The cost of the solution: its arcs (costing new_cost), the places left to the overflow, the
    shortfall-sharing cost of each nomination's new judges and the convex load cost of each judge's new
    nominations."""
    K, fixed_count, fixed_load = network.K, network.fixed_count, network.fixed_load
    objective = int(new_cost.sum()) + flows.overflow * network.overflow_cost
    got = fixed_count + np.bincount(new_n, minlength=network.N)
    objective += network.spread * int(
        ((got * (got + 1)) // 2 - (fixed_count * (fixed_count + 1)) // 2 - K * (got - fixed_count)).sum()
    )
    load = fixed_load + np.bincount(new_j, minlength=network.J)
    grew = load > fixed_load
    first, last = fixed_load[grew], load[grew]
    objective += LOAD_WEIGHT * int(((last * (last - 1)) // 2 - (first * (first - 1)) // 2).sum())
    return int(objective)


def _fixed_words(reason: str) -> str:
    """Why an assignment is kept (ExistingAssignment.fixed_reason), in words inside a sentence."""
    return {
        "Scores submitted": _("scores submitted"),
        "Scores in draft": _("scores in draft"),
        "Locked": _("locked"),
    }.get(reason, reason.lower())


def _planned_fixed(problem: Problem, built: _Built) -> tuple[list[Planned], list[str]]:
    """The assignments that stay as they are, and a warning for each that no longer fits: a conflict
    of interest found since, or a judge who no longer judges the category."""
    planned, warnings = [], []
    fixed_n = np.array([built.nomination_index[a.nomination_id] for a in built.existing.fixed], dtype=np.int64)
    fixed_j = np.array([built.judge_index[a.judge_id] for a in built.existing.fixed], dtype=np.int64)
    affinities = built.affinity_of(fixed_n, fixed_j).tolist()
    avoided = built.avoid_of(fixed_n, fixed_j).tolist()
    for a, ni, ji, affinity, avoids in zip(
        built.existing.fixed, fixed_n.tolist(), fixed_j.tolist(), affinities, avoided, strict=True
    ):
        judge, nomination = built.judges[ji], built.nominations[ni]
        planned.append(
            Planned(
                judge_id=a.judge_id,
                nomination_id=a.nomination_id,
                affinity=affinity,
                kind="fixed",
                assignment_id=a.id,
                avoided=avoids,
                fixed_reason=a.fixed_reason,
            )
        )
        if (a.judge_id, a.nomination_id) in problem.conflicts:
            warnings.append(
                _(
                    "%(name)s is assigned to %(reference)s (%(why)s) but has a conflict of interest with it: "
                    "remove the assignment on the nomination's assignment page",
                    name=judge.name,
                    reference=nomination.reference,
                    why=_fixed_words(a.fixed_reason),
                )
            )
        elif not judge.judges_category(nomination.category_id):
            warnings.append(
                _(
                    "%(name)s is assigned to %(reference)s (%(why)s) but no longer judges its category",
                    name=judge.name,
                    reference=nomination.reference,
                    why=_fixed_words(a.fixed_reason),
                )
            )
    return planned, warnings


def _planned_new(built: _Built, new_n: np.ndarray, new_j: np.ndarray) -> tuple[list[Planned], set[tuple[int, int]]]:
    """The judge → nomination arcs with flow as planned assignments: "kept" where the pair is already
    assigned (its assignment stays), else "new"; and the (judge id, nomination id) pairs kept."""
    existing = {(a.judge_id, a.nomination_id): a for a in built.existing.replaceable}
    planned, kept_keys = [], set()
    affinities = built.affinity_of(new_n, new_j).tolist()
    avoided = built.avoid_of(new_n, new_j).tolist()
    for ni, ji, affinity, avoids in zip(new_n.tolist(), new_j.tolist(), affinities, avoided, strict=True):
        judge, nomination = built.judges[ji], built.nominations[ni]
        previous = existing.get((judge.id, nomination.id))
        if previous is not None:
            kept_keys.add((judge.id, nomination.id))
        planned.append(
            Planned(
                judge_id=judge.id,
                nomination_id=nomination.id,
                affinity=affinity,
                kind="kept" if previous else "new",
                assignment_id=previous.id if previous else None,
                avoided=avoids,
            )
        )
    return planned, kept_keys


# --- Writing -------------------------------------------------------------------------------------


def _current_snapshot(round_id: int) -> tuple[tuple[Any, ...], ...]:
    rows = db.session.execute(
        select(
            Assignment.id,
            Assignment.judge_id,
            Assignment.nomination_id,
            Assignment.status,
            Assignment.locked,
            Review.status,
        )
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(round_assignments(round_id))
        .order_by(Assignment.id)
    )
    return tuple(
        (
            aid,
            judge_id,
            nid,
            AssignmentStatus(status).value,
            bool(locked),
            ReviewStatus(review).value if review else None,
        )
        for aid, judge_id, nid, status, locked, review in rows
    )


def apply(result: AssignmentResult, *, by: User | None, action: str = "assignment.applied") -> dict[str, int]:
    """Write a proposed assignment in the caller's transaction: remove the unfixed assignments it
    replaces and add the new ones (in its round) with their affinity, and give judges new to the round's
    panel its calibration example. Refused (Conflict) if the round's assignments changed since the
    proposal was computed, so two runs at once never both write."""
    cycle = _check_still_current(result)
    _write(result, by=by)
    judging_round = db.session.get(JudgingRound, result.problem.round_id)
    if judging_round is not None:  # judges new to the round's panel are given its calibration example
        calibration.ensure_calibration(judging_round, by=by)
    counts = dict(result.counts)
    audit.record(
        action,
        actor=by,
        obj=cycle,
        round=result.problem.round_id,
        added=counts["added"],
        removed=counts["removed"],
        kept=counts["kept"],
        fixed=counts["fixed"],
        short=counts["short"],
        avoided=len(result.avoided),
        mean_affinity=round(result.totals["mean_affinity"], 2) if result.totals["mean_affinity"] is not None else None,
    )
    db.session.flush()
    db.session.expire_all()
    return counts


def _check_still_current(result: AssignmentResult) -> Cycle:
    """The cycle, locked for the write; refused if its judges can no longer change, or if the round's
    assignments or the conflicts of interest changed since the proposal was computed."""
    problem = result.problem
    cycle = db.session.scalar(select(Cycle).where(Cycle.id == problem.cycle_id).with_for_update())
    if cycle is None:
        raise DomainError(_("This award cycle no longer exists"))
    check_changeable(cycle)
    if db.session.get(JudgingRound, problem.round_id) is None:
        raise Conflict(_("This judging round no longer exists, so nothing was saved."))
    if _current_snapshot(problem.round_id) != problem.assignment_snapshot():
        raise Conflict(
            _(
                "The assignments changed while the new assignment was being worked out, so nothing "
                "was saved. Run the assignment again."
            )
        )
    additions = {(p.judge_id, p.nomination_id) for p in result.additions}
    if additions:
        recorded = db.session.execute(
            select(ConflictOfInterest.judge_id, ConflictOfInterest.nomination_id)
            .join(Judge, Judge.id == ConflictOfInterest.judge_id)
            .where(Judge.cycle_id == problem.cycle_id, ConflictOfInterest.removed_at.is_(None))
        )
        if any(pair in additions for pair in recorded):
            raise Conflict(
                _(
                    "A conflict of interest was recorded while the new assignment was being worked out, "
                    "so nothing was saved. Run the assignment again."
                )
            )
    return cycle


def _write(result: AssignmentResult, *, by: User | None) -> None:
    """Delete the assignments the plan replaces, insert the new ones and update changed affinities."""
    now = utcnow()
    for chunk in in_chunks([a.id for a in result.removals]):
        db.session.execute(
            delete(Assignment).where(Assignment.id.in_(chunk)).execution_options(synchronize_session=False)
        )
    rows = [(p.judge_id, p.nomination_id, p.affinity) for p in result.additions]
    try:
        if rows:
            _insert_assignments(
                rows, round_id=result.problem.round_id, now=now, by_id=by.id if by is not None else None
            )
        previous = {a.id: a.affinity for a in result.problem.assignments}
        changed = [
            {"id": p.assignment_id, "affinity": p.affinity}
            for p in result.planned
            if p.assignment_id is not None and previous.get(p.assignment_id) != p.affinity
        ]
        if changed:
            db.session.execute(update(Assignment), changed)
        db.session.flush()
    except IntegrityError as error:
        raise Conflict(
            _(
                "Someone else assigned judges to this cycle at the same time, so nothing was saved. "
                "Run the assignment again."
            )
        ) from error


def _insert_assignments(rows: list[tuple[int, int, int]], *, round_id: int, now: Any, by_id: int | None) -> None:
    """Insert (judge id, nomination id, affinity) rows as new assignments of the round, in one executemany
    at the driver level, in the session's transaction. Through SQLAlchemy's executemany, 300,000 rows spent
    most of their time having each row's parameters built and processed (the same status, flags and time
    on every row, processed again for each); here the SQL is SQLAlchemy's own insert compiled for the
    dialect, and each constant column's value is processed once by the column's own type."""
    # (Declarative mapping types __table__ as any FromClause; here it is the model's Table.)
    table = cast(Table, Assignment.__table__)
    connection = db.session.connection()
    dialect = connection.dialect
    constants: dict[str, Any] = {
        "round_id": round_id,
        "status": AssignmentStatus.ASSIGNED,
        "locked": False,
        "calibration": False,
        "created_at": now,
        "created_by_id": by_id,
    }
    for key, value in constants.items():
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        constants[key] = process(value) if process is not None and value is not None else value
    names = [*constants, "judge_id", "nomination_id", "affinity"]
    # Inline: no RETURNING of the ids (an executemany, nothing read back).
    compiled = insert(table).inline().compile(dialect=dialect, column_keys=names)
    if compiled.positional:
        # The parameters in the SQL's order (the table's): a constant's value, or the row's field.
        fields = {"judge_id": 0, "nomination_id": 1, "affinity": 2}
        order = [(name in fields, fields.get(name, 0), constants.get(name)) for name in compiled.positiontup or []]
        connection.exec_driver_sql(
            compiled.string,
            [tuple(row[at] if varies else value for varies, at, value in order) for row in rows],
        )
    else:
        connection.exec_driver_sql(
            compiled.string,
            [{**constants, "judge_id": j, "nomination_id": n, "affinity": a} for j, n, a in rows],
        )


def fill_gaps(target: Cycle | JudgingRound, *, by: User) -> AssignmentResult:
    """Give the round's entries short of judges (after the assignment has been run) the judges they
    still need, in one step: the solver on just those nominations with every live assignment kept as
    it is, so nothing is taken away or moved, written at once. A cycle stands for its current round.
    Returns what was solved (its shortfalls say what is still missing). Refused (Conflict) when there
    is no gap to fill."""
    judging_round = round_of(target)
    check_changeable(judging_round.cycle)
    problem = load_problem(judging_round)
    state = current_state(problem)
    if not state.assigned:
        raise Conflict(
            _("No judges have been assigned in this round yet: run the assignment first")
            if problem.round_label
            else _("No judges have been assigned in this cycle yet: run the assignment first")
        )
    gaps = state.gaps
    if not gaps:
        raise Conflict(_("Every nomination has all its judges: there is no gap to fill"))
    scoped = replace(problem, nominations=[row.nomination for row in gaps], keep_existing=True)
    result = solve(scoped)
    apply(result, by=by, action="assignment.gaps_filled")
    return result
