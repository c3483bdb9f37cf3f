"""The assignment solver's reduced networks (issue 19, item 5): a large round is solved on a few arcs per
nomination and proved optimal by pricing, never building nomination × judge arrays. Its optimum must be
the dense network's (tests/support/assignment_reference.py), on random problems with conflicts, split
category panels, judges who have not accepted, "prefer not" levels, tight load limits, fixed, replaceable
and recused assignments, and a nomination most judges are conflicted with (priced on a row of its own)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from awards.domain.judging.assignment.problem import JudgeInfo, NominationInfo, Problem
from awards.domain.judging.assignment.solver import DEEP, solve
from awards.models import AssignmentStatus
from tests.support.assignment_reference import dense_optimum, existing_of_kind

CATEGORIES = {1: "Data and AI Innovation", 2: "Skills and Capability", 3: "Digital Leader of the Year"}


def _pricing_problem(
    seed: int, *, judges: int, nominations: int, tight: bool, keep_existing: bool = False, split: bool = False
) -> Problem:
    rng = random.Random(seed)
    trends = list(range(1, 9))
    judge_list = []
    for j in range(judges):
        roll = rng.random()
        # Most judge every category; some only category 3, some 1 or 2. Split: category 3's panel shares
        # no judge with the others' (the solver solves the two apart).
        panel: frozenset[int] | None
        if roll < 0.5 and not split:
            panel = None
        elif roll < 0.7:
            panel = frozenset({3})
        else:
            panel = frozenset(rng.sample([1, 2], rng.randint(1, 2)))
        judge_list.append(
            JudgeInfo(
                id=1000 + j,
                name=f"Judge {j}",
                email=f"judge{j}@example.org",
                user_id=5000 + j,
                organisation="",
                load_limit=rng.randint(3, 9) if tight else rng.randint(12, 30),
                category_ids=panel,
                accepted=rng.random() < 0.92,
            )
        )
    nomination_list = []
    for n in range(nominations):
        chosen = rng.sample(trends, rng.randint(0, 3))
        nomination_list.append(
            NominationInfo(
                id=20_000 + n,
                reference=f"PSDA-2026-{n + 1:05d}",
                title=f"Nomination {n}",
                category_id=rng.choice(list(CATEGORIES)),
                trends=tuple((t, i == 0) for i, t in enumerate(chosen)),
            )
        )
    expertise = {
        judge.user_id: {t: rng.choice([-2, -1, 0, 1, 1, 2, 2]) for t in trends if rng.random() < 0.85}
        for judge in judge_list
        if judge.user_id is not None
    }
    conflicts = {(j.id, n.id) for j in judge_list for n in nomination_list if rng.random() < 0.04}
    # One nomination most judges are conflicted with: more barred judges than DEEP.
    crowded = nomination_list[0]
    conflicts |= {(j.id, crowded.id) for j in judge_list[: max(0, judges - 12)]}
    assignments = []
    next_id = itertools.count(1)
    for judge in judge_list:
        for nomination in nomination_list:
            if (judge.id, nomination.id) in conflicts or not judge.accepted or rng.random() > 0.01:
                continue
            kind = rng.choice(["locked", "draft", "submitted", "plain", "plain", "recused"])
            assignments.append(existing_of_kind(kind, next(next_id), judge.id, nomination.id))
    return Problem(
        cycle_id=1,
        cycle_name="Pricing",
        judges_per_nomination=rng.choice([2, 3, 4]),
        categories=CATEGORIES,
        judges=judge_list,
        nominations=nomination_list,
        expertise=expertise,
        conflicts=frozenset(conflicts),
        assignments=assignments,
        keep_existing=keep_existing,
    )


def _check_rules(problem: Problem, result) -> None:
    """Hard rules, read from the result: no conflict or recusal, only accepted judges of the category,
    load limits, no judge twice on a nomination, no more judges than the round asks for."""
    judges = {j.id: j for j in problem.judges}
    nominations = {n.id: n for n in problem.nominations}
    recused = {(a.judge_id, a.nomination_id) for a in problem.assignments if a.status is AssignmentStatus.RECUSED}
    pairs = [(p.judge_id, p.nomination_id) for p in result.planned]
    assert len(pairs) == len(set(pairs))
    added: Counter[int] = Counter()
    for p in result.planned:
        if p.kind == "fixed":
            continue
        judge, nomination = judges[p.judge_id], nominations[p.nomination_id]
        assert (judge.id, nomination.id) not in problem.conflicts
        assert (judge.id, nomination.id) not in recused
        assert judge.accepted and judge.judges_category(nomination.category_id)
        added[judge.id] += 1
    for load in result.judge_loads:
        if added[load.judge.id]:
            assert load.after <= load.judge.load_limit
    per_nomination = Counter(p.nomination_id for p in result.planned)
    assert all(
        count <= problem.judges_per_nomination
        or all(p.kind == "fixed" for p in result.planned if p.nomination_id == nomination_id)
        for nomination_id, count in per_nomination.items()
    )


@pytest.mark.parametrize(
    "seed,tight,keep_existing,split",
    [(seed, seed % 3 == 0, seed % 4 == 1, seed % 2 == 0) for seed in range(10)],
)
def test_the_reduced_network_proved_by_pricing_has_the_dense_optimum(seed, tight, keep_existing, split):
    """110 judges and 160 nominations, solved from 2 arcs per nomination: the same optimal cost as the
    dense network of every allowed pair (its objective counts places filled, "prefer not" judges,
    affinity, load and shortfall sharing), and the same number of places left empty; with panels that
    share judges and panels that do not (solved apart). Also solved whole (the small problem's usual
    path), with the same optimum."""
    problem = _pricing_problem(seed, judges=110, nominations=160, tight=tight, keep_existing=keep_existing, split=split)
    reference = dense_optimum(problem)
    priced = solve(problem, candidates_per_nomination=2)
    whole = solve(problem)
    assert priced.pricing_rounds >= 1 and whole.pricing_rounds == 0
    assert priced.arcs < whole.arcs
    assert priced.objective == whole.objective == reference.objective
    assert priced.counts["places_short"] == reference.unfilled
    _check_rules(problem, priced)
    # The crowded nomination was priced on a row of its own, and still got the judges it could.
    crowded = problem.nominations[0]
    barred = sum(1 for j in problem.judges if (j.id, crowded.id) in problem.conflicts)
    assert barred > DEEP
    assert {p.judge_id for p in priced.planned if p.nomination_id == crowded.id} <= {
        j.id for j in problem.judges if (j.id, crowded.id) not in problem.conflicts
    }


def test_a_large_round_goes_to_pricing_on_its_own():
    """Above full_graph_arcs the solver prices by itself (the first reduced network chosen with the
    potentials of the round taken kind by kind), on far fewer arcs, and the optimum is the dense one."""
    problem = _pricing_problem(11, judges=90, nominations=300, tight=False)
    reference = dense_optimum(problem)
    result = solve(problem, full_graph_arcs=1_000)
    assert result.pricing_rounds >= 1
    assert result.arcs < solve(problem).arcs
    assert result.objective == reference.objective
    assert result.counts["places_short"] == reference.unfilled == 0
    _check_rules(problem, result)
