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
reduced network first (the best ``candidates_per_nomination`` judges of each nomination) and the
result is then *proved* optimal for the full network by node potentials: every left-out arc must
have a non-negative reduced cost; any that has not is added and the network solved again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
from flask_babel import gettext as _
from ortools.graph.python import min_cost_flow
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
CANDIDATES_PER_NOMINATION = 24
MAX_PRICING_ROUNDS = 6
ADD_BELOW = 2 * LOAD_WEIGHT

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
        network, built.allowed, candidates_per_nomination=candidates_per_nomination, full_graph_arcs=full_graph_arcs
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
    every array."""

    judges: list[JudgeInfo]
    nominations: list[NominationInfo]
    judge_index: dict[int, int]
    nomination_index: dict[int, int]
    existing: _Existing
    limits: np.ndarray  # per judge: their load limit
    accepted: np.ndarray  # per judge: accepted the invitation
    capacity: np.ndarray  # per judge: nominations they may still be given
    need: np.ndarray  # per nomination: judges it still needs
    affinity: np.ndarray  # N × J
    avoid: np.ndarray  # N × J: the judge prefers not to judge the primary trend
    panel: np.ndarray  # category × J: who judges which category (see _panels)
    nomination_category: np.ndarray  # per nomination: its row of `panel`
    candidates: np.ndarray  # per nomination: everyone who could judge it at all
    allowed: np.ndarray  # N × J: the judge → nomination arcs the network may have


def _build(problem: Problem) -> _Built:
    """Sort everything by id (so ties go the same way every time) and turn the problem into arrays:
    what stays, capacities and needs, affinities, and who may judge what."""
    judges = sorted(problem.judges, key=lambda j: j.id)
    nominations = sorted(problem.nominations, key=lambda n: n.id)
    judge_index = {j.id: i for i, j in enumerate(judges)}
    nomination_index = {n.id: i for i, n in enumerate(nominations)}
    existing = _sort_existing(problem, judge_index, nomination_index)
    limits = np.array([j.load_limit for j in judges], dtype=np.int64)
    accepted = np.array([j.accepted for j in judges], dtype=bool)
    capacity = np.where(accepted, np.maximum(0, limits - existing.fixed_load), 0)
    need = np.maximum(0, problem.judges_per_nomination - existing.fixed_count)
    affinity, avoid = _affinities(problem, judges, nominations)
    panel, nomination_category = _panels(problem, judges, nominations)
    eligible = _eligible(problem, judge_index, nomination_index, panel[nomination_category] & accepted[None, :])
    # Everyone who could judge it at all (its fixed judges included), to explain a shortfall.
    candidates = eligible.sum(axis=1) if nominations else np.zeros(0, dtype=np.int64)
    # A fixed assignment's pair gets no new arc.
    eligible[
        [nomination_index[a.nomination_id] for a in existing.fixed], [judge_index[a.judge_id] for a in existing.fixed]
    ] = False
    allowed = eligible & (need > 0)[:, None] & (capacity > 0)[None, :]
    return _Built(
        judges=judges,
        nominations=nominations,
        judge_index=judge_index,
        nomination_index=nomination_index,
        existing=existing,
        limits=limits,
        accepted=accepted,
        capacity=capacity,
        need=need,
        affinity=affinity,
        avoid=avoid,
        panel=panel,
        nomination_category=nomination_category,
        candidates=candidates,
        allowed=allowed,
    )


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


def _affinities(
    problem: Problem, judges: list[JudgeInfo], nominations: list[NominationInfo]
) -> tuple[np.ndarray, np.ndarray]:
    """Affinity (N × J), from expertise (J × T) and the nominations' weighted trends (N × T), and
    where a judge prefers not to judge a nomination's primary trend (N × J)."""
    J, N = len(judges), len(nominations)
    trend_ids = sorted({t for n in nominations for t, _ in n.trends})
    trend_index = {t: i for i, t in enumerate(trend_ids)}
    T = len(trend_ids)
    levels = np.zeros((J, max(T, 1)), dtype=np.int64)
    for ji, judge in enumerate(judges):
        for trend_id, level in problem.levels_of(judge).items():
            ti = trend_index.get(trend_id)
            if ti is not None:
                levels[ji, ti] = level
    weights = np.zeros((N, max(T, 1)), dtype=np.int64)
    primary = np.full(N, -1, dtype=np.int64)
    for ni, nomination in enumerate(nominations):
        for trend_id, is_primary in nomination.trends:
            weights[ni, trend_index[trend_id]] = PRIMARY_TREND_WEIGHT if is_primary else 1
            if is_primary:
                primary[ni] = trend_index[trend_id]
    # In floating point, so that numpy hands it to BLAS (an integer matrix product is a plain loop: 23 s at
    # 100,000 nominations × 3,000 judges); exact, as every product and sum is a small integer.
    affinity = (
        np.rint(weights.astype(np.float64) @ levels.T.astype(np.float64)).astype(np.int64)
        if N and J
        else np.zeros((N, J), dtype=np.int64)
    )
    avoid = np.zeros((N, J), dtype=bool)
    has_primary = primary >= 0
    if J and has_primary.any():
        # Rows of the judges' levels by trend (T × J), one per nomination: contiguous, not a transposed copy.
        avoid[has_primary] = np.ascontiguousarray(levels.T)[primary[has_primary]] == AVOID_LEVEL
    return affinity, avoid


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


def _eligible(
    problem: Problem, judge_index: dict[int, int], nomination_index: dict[int, int], in_panel: np.ndarray
) -> np.ndarray:
    """Who may judge what (N × J): accepted judges of the category panel (`in_panel`) with no conflict
    of interest and not recused. The indexes give each id's position (judges and nominations sorted by id)."""
    J, N = len(judge_index), len(nomination_index)
    eligible = in_panel if N else np.zeros((0, J), dtype=bool)
    if problem.conflicts and N and J:
        pairs = np.array(sorted(problem.conflicts), dtype=np.int64)
        judge_ids = np.array(list(judge_index), dtype=np.int64)
        nomination_ids = np.array(list(nomination_index), dtype=np.int64)
        cj = np.clip(np.searchsorted(judge_ids, pairs[:, 0]), 0, J - 1)
        cn = np.clip(np.searchsorted(nomination_ids, pairs[:, 1]), 0, N - 1)
        known = (judge_ids[cj] == pairs[:, 0]) & (nomination_ids[cn] == pairs[:, 1])
        eligible[cn[known], cj[known]] = False
    recused = [
        (nomination_index[a.nomination_id], judge_index[a.judge_id])
        for a in problem.assignments
        if a.status is AssignmentStatus.RECUSED and a.nomination_id in nomination_index and a.judge_id in judge_index
    ]
    eligible[[n for n, _ in recused], [j for _, j in recused]] = False
    return eligible


# --- Pricing the arcs ----------------------------------------------------------------------------


def _price(built: _Built, K: int) -> _Network:
    """The network with its costs: judge → nomination arcs cost −AFFINITY_WEIGHT · affinity, plus a
    penalty where the judge prefers not to judge the primary trend; the penalty and the overflow
    cost are sized from the longest simple cycle of the residual network, so no amount of a lower
    aim outweighs a higher one (fill places, then avoid "prefer not", then the rest)."""
    J, N = len(built.judges), len(built.nominations)
    arc_cost = -AFFINITY_WEIGHT * built.affinity
    max_limit = int(built.limits.max()) if J else 0
    plain_range = max(int(np.abs(arc_cost).max()) if arc_cost.size else 0, LOAD_WEIGHT * max(0, max_limit - 1)) + 1
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
        arc_cost=arc_cost + avoid_penalty * built.avoid,
        overflow_cost=overflow_cost,
    )


# --- Solving -------------------------------------------------------------------------------------


@dataclass
class _Solution:
    selected: np.ndarray  # N × J: the judge → nomination arcs the network was solved with
    sel_n: np.ndarray  # their nominations and judges, in np.nonzero(selected) order
    sel_j: np.ndarray
    flows: _Flows
    rounds: int  # pricing rounds (0: the full network was solved at once)

    @classmethod
    def of(cls, network: _Network, selected: np.ndarray, rounds: int) -> _Solution:
        """The network solved with the selected arcs."""
        sel_n, sel_j = np.nonzero(selected)
        return cls(selected=selected, sel_n=sel_n, sel_j=sel_j, flows=network.solve(sel_n, sel_j), rounds=rounds)


def _solve_network(
    network: _Network, allowed: np.ndarray, *, candidates_per_nomination: int | None, full_graph_arcs: int
) -> _Solution:
    """The optimal flow: on the full network if it is small enough, else by pricing."""
    if candidates_per_nomination is None and int(allowed.sum()) <= full_graph_arcs:
        return _Solution.of(network, allowed, rounds=0)
    return _solve_by_pricing(network, allowed, candidates_per_nomination or CANDIDATES_PER_NOMINATION)


def _solve_by_pricing(network: _Network, allowed: np.ndarray, m: int) -> _Solution:
    """Solve a reduced network (each nomination's m best arcs), then prove its optimum optimal for the
    full network: while a left-out arc has a negative reduced cost, add each nomination's most
    promising left-out arcs and solve again; after MAX_PRICING_ROUNDS, the full network."""
    J, N = network.J, network.N
    # Ties between equally good judges are spread by a rotation (judge position − nomination
    # position), so no judge is crowded out of the candidates by its id.
    rotation = (
        (np.arange(J, dtype=np.int64)[None, :] - np.arange(N, dtype=np.int64)[:, None]) % J
        if J
        else np.zeros((N, 0), dtype=np.int64)
    )
    selected = _best_arcs(allowed, network.arc_cost, rotation, m)
    rounds = 0
    while True:
        rounds += 1
        if rounds > MAX_PRICING_ROUNDS:
            return _Solution.of(network, allowed, rounds)
        solution = _Solution.of(network, selected, rounds)
        reduced = network.reduced_costs(solution.sel_n, solution.sel_j, solution.flows)
        open_arcs = allowed & ~selected
        if not (open_arcs & (reduced < 0)).any():
            return solution
        # Add each nomination's most promising left-out arcs (most negative reduced cost first,
        # so every round adds an arc that improves the solution and the loop ends); arcs with a
        # small positive reduced cost come too, as the next optimum often needs them.
        selected = selected | _best_arcs(open_arcs & (reduced < ADD_BELOW), reduced, rotation, m)


@dataclass
class _Flows:
    arc_flows: np.ndarray  # per selected judge → nomination arc, in np.nonzero(selected) order
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
    arc_cost: np.ndarray
    fixed_count: np.ndarray
    K: int
    spread: int
    overflow_cost: int

    def place_cost(self, u: np.ndarray) -> np.ndarray:
        """The cost of a nomination's u-th judge (u = 1..K): the first is worth the most."""
        return self.spread * (u - self.K)

    def solve(self, sel_n: np.ndarray, sel_j: np.ndarray) -> _Flows:
        """Solve the network with the judge → nomination arcs (sel_n[i], sel_j[i]): first without
        the overflow arc, which is much faster (the costs stay small); only if the places cannot all
        be filled, again with it."""
        for with_overflow in (False, True):
            flows = self._solve(sel_n, sel_j, with_overflow=with_overflow)
            if flows is not None:
                return flows
        raise RuntimeError("The min-cost-flow solver found no flow even with the overflow arc")

    def _solve(self, sel_n: np.ndarray, sel_j: np.ndarray, *, with_overflow: bool) -> _Flows | None:
        """The optimal flow; None if it is infeasible without the overflow arc."""
        J, N = self.J, self.N
        source, sink = 0, J + N + 1
        solver = min_cost_flow.SimpleMinCostFlow()
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
                1 + sel_j, 1 + J + sel_n, np.ones(len(sel_n), dtype=np.int64), self.arc_cost[sel_n, sel_j]
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

    def reduced_costs(self, sel_n: np.ndarray, sel_j: np.ndarray, flows: _Flows) -> np.ndarray:
        """Every judge → nomination arc's reduced cost under optimal potentials of the reduced
        network's residual network. If no left-out arc has a negative one, the reduced network's
        optimum is optimal for the full network too."""
        in_n, in_u, in_w, out_n, out_v, out_w = self._residual_arcs(sel_n, sel_j, flows)
        d = self._distances(sel_j[flows.arc_flows > 0], flows, in_n, in_u, in_w, out_n, out_v, out_w)
        d_nomination = np.zeros(self.N, dtype=np.int64)
        np.minimum.at(d_nomination, in_n, d[in_u] + in_w)
        reduced = self.arc_cost + d[: self.J][None, :]
        reduced -= d_nomination[:, None]
        return reduced

    def _residual_arcs(self, sel_n: np.ndarray, sel_j: np.ndarray, flows: _Flows) -> tuple[np.ndarray, ...]:
        """The residual arcs into a nomination (in_n from node in_u, cost in_w) and out of it (out_n to
        node out_v, cost out_w); nodes are the judges (0..J−1) and the sink (J + 1)."""
        t = self.J + 1
        cost = self.arc_cost[sel_n, sel_j]
        used = flows.arc_flows > 0
        new_count = np.bincount(sel_n[used], minlength=self.N)
        got = self.fixed_count + new_count
        via_sink_in = np.nonzero(new_count > 0)[0]  # sink → n: undo its last place
        via_sink_out = np.nonzero((new_count < self.need) & (self.need > 0))[0]  # n → sink: its next place
        in_n = np.concatenate([sel_n[~used], via_sink_in])
        in_u = np.concatenate([sel_j[~used], np.full(len(via_sink_in), t)])
        in_w = np.concatenate([cost[~used], -self.place_cost(got[via_sink_in])])
        out_n = np.concatenate([sel_n[used], via_sink_out])
        out_v = np.concatenate([sel_j[used], np.full(len(via_sink_out), t)])
        out_w = np.concatenate([-cost[used], self.place_cost(got[via_sink_out] + 1)])
        return in_n, in_u, in_w, out_n, out_v, out_w

    def _distances(
        self,
        used_j: np.ndarray,
        flows: _Flows,
        in_n: np.ndarray,
        in_u: np.ndarray,
        in_w: np.ndarray,
        out_n: np.ndarray,
        out_v: np.ndarray,
        out_w: np.ndarray,
    ) -> np.ndarray:
        """Shortest distances from a virtual root (0 to every node) over the residual network, with the
        nominations eliminated (u → n → v becomes u → v); nodes are the judges, the source (J) and the
        sink (J + 1). `used_j` are the judges of the arcs with flow."""
        J, N = self.J, self.N
        s, t = J, J + 1
        V = J + 2
        inf = np.int64(1 << 61)
        new_load = np.bincount(used_j, minlength=J)
        load = self.fixed_load + new_load
        d = np.zeros(V, dtype=np.int64)
        np.minimum.at(d, out_v, out_w)  # root → n → v
        graph = np.full((V, V), inf, dtype=np.int64)
        order = np.argsort(out_n, kind="stable")
        out_n, out_v, out_w = out_n[order], out_v[order], out_w[order]
        out_count = np.bincount(out_n, minlength=N)
        out_start = np.cumsum(out_count) - out_count
        reps = out_count[in_n]
        if reps.sum():
            src = np.repeat(np.arange(len(in_n)), reps)
            within = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
            dst = out_start[in_n[src]] + within
            u, v, w = in_u[src], out_v[dst], in_w[src] + out_w[dst]
            keep = u != v
            np.minimum.at(graph, (u[keep], v[keep]), w[keep])
        judges = np.arange(J)
        spare = (load < self.limits) & (self.capacity > 0)
        graph[s, judges[spare]] = np.minimum(graph[s, judges[spare]], LOAD_WEIGHT * load[spare])
        undo = new_load > 0
        graph[judges[undo], s] = np.minimum(graph[judges[undo], s], -LOAD_WEIGHT * (load[undo] - 1))
        if flows.with_overflow and flows.overflow < self.total_need:
            graph[s, t] = min(graph[s, t], self.overflow_cost)
        if flows.with_overflow and flows.overflow > 0:
            graph[t, s] = min(graph[t, s], -self.overflow_cost)
        # Bellman–Ford, relaxing each round only from the nodes whose distance changed in the round before
        # (the others' arcs were relaxed then and cannot lower anything now): the same distances round by
        # round as relaxing every arc, at a fraction of the cost once few nodes still change.
        changed = np.arange(V)
        for _step in range(V + 1):
            candidate = (d[changed, None] + graph[changed]).min(axis=0)
            nd = np.minimum(d, candidate)
            changed = np.nonzero(nd < d)[0]
            if not len(changed):
                return d
            d = nd
        raise RuntimeError("Negative cycle in an optimal residual network")  # pragma: no cover


def _best_arcs(allowed: np.ndarray, cost: np.ndarray, rotation: np.ndarray, m: int) -> np.ndarray:
    """The m cheapest allowed arcs of each nomination (ties broken by the rotation)."""
    N, J = allowed.shape
    if not N or not J or m >= J:
        return allowed.copy()
    J64 = np.int64(J)
    key = np.where(allowed, cost, np.int64(1 << 40))
    key *= J64
    key += rotation
    best = np.argpartition(key, m - 1, axis=1)[:, :m]
    selected = np.zeros_like(allowed)
    np.put_along_axis(selected, best, True, axis=1)
    selected &= allowed
    return selected


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
        objective=_objective(network, new_n, new_j, solution.flows),
        solve_seconds=time.perf_counter() - started,
        pricing_rounds=solution.rounds,
        arcs=int(solution.selected.sum()),
    )


def _objective(network: _Network, new_n: np.ndarray, new_j: np.ndarray, flows: _Flows) -> int:
    """The cost of the solution: its arcs, the places left to the overflow, the shortfall-sharing
    cost of each nomination's new judges and the convex load cost of each judge's new nominations."""
    K, fixed_count, fixed_load = network.K, network.fixed_count, network.fixed_load
    objective = int(network.arc_cost[new_n, new_j].sum()) + flows.overflow * network.overflow_cost
    got = fixed_count + np.bincount(new_n, minlength=network.N)
    objective += network.spread * int(
        ((got * (got + 1)) // 2 - (fixed_count * (fixed_count + 1)) // 2 - K * (got - fixed_count)).sum()
    )
    load = fixed_load + np.bincount(new_j, minlength=network.J)
    for ji in range(network.J):
        first, last = int(fixed_load[ji]), int(load[ji])
        objective += LOAD_WEIGHT * ((last * (last - 1)) // 2 - (first * (first - 1)) // 2) if last > first else 0
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
    for a in built.existing.fixed:
        ni, ji = built.nomination_index[a.nomination_id], built.judge_index[a.judge_id]
        judge, nomination = built.judges[ji], built.nominations[ni]
        planned.append(
            Planned(
                judge_id=a.judge_id,
                nomination_id=a.nomination_id,
                affinity=int(built.affinity[ni, ji]),
                kind="fixed",
                assignment_id=a.id,
                avoided=bool(built.avoid[ni, ji]),
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
    for ni, ji in zip(new_n.tolist(), new_j.tolist(), strict=True):
        judge, nomination = built.judges[ji], built.nominations[ni]
        previous = existing.get((judge.id, nomination.id))
        if previous is not None:
            kept_keys.add((judge.id, nomination.id))
        planned.append(
            Planned(
                judge_id=judge.id,
                nomination_id=nomination.id,
                affinity=int(built.affinity[ni, ji]),
                kind="kept" if previous else "new",
                assignment_id=previous.id if previous else None,
                avoided=bool(built.avoid[ni, ji]),
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
    rows = [
        {
            "round_id": result.problem.round_id,
            "judge_id": p.judge_id,
            "nomination_id": p.nomination_id,
            "status": AssignmentStatus.ASSIGNED,
            "locked": False,
            "calibration": False,
            "affinity": p.affinity,
            "created_at": now,
            "created_by_id": by.id if by is not None else None,
        }
        for p in result.additions
    ]
    try:
        if rows:
            # The table, not the mapped class: a plain executemany, twice as fast for 30,000 rows.
            # (Declarative mapping types __table__ as any FromClause; here it is the model's Table.)
            db.session.execute(insert(cast(Table, Assignment.__table__)), rows)
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
