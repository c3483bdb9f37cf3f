"""A reference for the assignment solver's optimum, written from the rules in its docstring and kept
deliberately plain: every (judge, nomination) pair a judge may judge is an arc of one dense network,
with the overflow arc always there, solved once by OR-tools. Small problems only (it is N × J).

The solver's objective is the cost of its flow in that network, so the two must be equal."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.graph.python import min_cost_flow

from awards.domain.judging.assignment.problem import AVOID_LEVEL, ExistingAssignment, Problem, affinity
from awards.domain.judging.assignment.solver import AFFINITY_WEIGHT, LOAD_WEIGHT, SHARE_SHORTFALL_WEIGHT
from awards.models import AssignmentStatus, NominationStatus, ReviewStatus


@dataclass
class DenseOptimum:
    objective: int  # the network's optimal cost
    pairs: set[tuple[int, int]]  # (judge id, nomination id) given a new or kept assignment
    unfilled: int  # places left to the overflow arc


def dense_optimum(problem: Problem) -> DenseOptimum:
    """The optimal cost of the full network of the problem, pair by pair."""
    judges = sorted(problem.judges, key=lambda j: j.id)
    nominations = sorted(problem.nominations, key=lambda n: n.id)
    K = problem.judges_per_nomination
    fixed_load, fixed_count, fixed_pairs, recused = _what_stays(problem)

    def level(judge, trend_id):
        return problem.levels_of(judge).get(trend_id, 0)

    largest = 0
    arcs = []  # (judge, nomination, cost before the penalty, avoided)
    for n in nominations:
        for j in judges:
            value = affinity(problem.levels_of(j), n.trends)
            largest = max(largest, abs(AFFINITY_WEIGHT * value))
            pair = (j.id, n.id)
            if (
                not j.accepted
                or not j.judges_category(n.category_id)
                or pair in problem.conflicts
                or pair in recused
                or pair in fixed_pairs
            ):
                continue
            avoided = n.primary_trend_id is not None and level(j, n.primary_trend_id) == AVOID_LEVEL
            arcs.append((j.id, n.id, -AFFINITY_WEIGHT * value, avoided))
    max_limit = max((j.load_limit for j in judges), default=0)
    plain_range = max(largest, LOAD_WEIGHT * max(0, max_limit - 1)) + 1
    cycle_length = 2 * min(len(judges), len(nominations)) + 4
    widest = max(plain_range, SHARE_SHORTFALL_WEIGHT * K)
    avoid_penalty = cycle_length * widest + 1
    overflow_cost = cycle_length * (avoid_penalty + widest) + 1

    node = {("j", j.id): 1 + i for i, j in enumerate(judges)}
    node |= {("n", n.id): 1 + len(judges) + i for i, n in enumerate(nominations)}
    source, sink = 0, 1 + len(judges) + len(nominations)
    flow = min_cost_flow.SimpleMinCostFlow()
    for j in judges:
        if not j.accepted:
            continue
        for unit in range(fixed_load[j.id], j.load_limit):
            flow.add_arc_with_capacity_and_unit_cost(source, node[("j", j.id)], 1, LOAD_WEIGHT * unit)
    pair_arcs = {}
    for judge_id, nomination_id, cost, avoided in arcs:
        if fixed_count[nomination_id] >= K:
            continue
        arc = flow.add_arc_with_capacity_and_unit_cost(
            node[("j", judge_id)], node[("n", nomination_id)], 1, cost + (avoid_penalty if avoided else 0)
        )
        pair_arcs[(judge_id, nomination_id)] = arc
    need = 0
    for n in nominations:
        for place in range(fixed_count[n.id] + 1, K + 1):
            flow.add_arc_with_capacity_and_unit_cost(node[("n", n.id)], sink, 1, SHARE_SHORTFALL_WEIGHT * (place - K))
            need += 1
    overflow = flow.add_arc_with_capacity_and_unit_cost(source, sink, need, overflow_cost)
    flow.set_node_supply(source, need)
    flow.set_node_supply(sink, -need)
    assert flow.solve() == flow.OPTIMAL
    return DenseOptimum(
        objective=flow.optimal_cost(),
        pairs={pair for pair, arc in pair_arcs.items() if flow.flow(arc) > 0},
        unfilled=flow.flow(overflow),
    )


def _what_stays(problem: Problem) -> tuple[dict[int, int], dict[int, int], set[tuple[int, int]], set[tuple[int, int]]]:
    """Per judge and per nomination, the assignments that stay (fixed, or every live one with
    keep_existing); their pairs; and the recused pairs."""
    fixed_load = {j.id: 0 for j in problem.judges}
    fixed_count = {n.id: 0 for n in problem.nominations}
    fixed_pairs, recused = set(), set()
    for a in problem.assignments:
        if a.status is AssignmentStatus.RECUSED:
            recused.add((a.judge_id, a.nomination_id))
            continue
        if a.judge_id not in fixed_load or a.nomination_id not in fixed_count:
            raise ValueError("The reference takes assignments between the problem's own judges and nominations only")
        if a.is_fixed or problem.keep_existing:
            fixed_load[a.judge_id] += 1
            fixed_count[a.nomination_id] += 1
            fixed_pairs.add((a.judge_id, a.nomination_id))
    return fixed_load, fixed_count, fixed_pairs, recused


def existing_of_kind(kind: str, assignment_id: int, judge_id: int, nomination_id: int) -> ExistingAssignment:
    """An existing assignment for random problems: "locked", "draft" or "submitted" (a review in that state),
    "recused", or "plain" (assigned, no review yet)."""
    return ExistingAssignment(
        id=assignment_id,
        judge_id=judge_id,
        nomination_id=nomination_id,
        status=AssignmentStatus.RECUSED if kind == "recused" else AssignmentStatus.ASSIGNED,
        locked=kind == "locked",
        affinity=0,
        review_status={"draft": ReviewStatus.DRAFT, "submitted": ReviewStatus.SUBMITTED}.get(kind),
        nomination_status=NominationStatus.SUBMITTED,
    )
