"""The assignment engine: optimal (checked against brute force), feasibility explained, deterministic,
conflicts and category panels respected, and what must stay kept when it is run again."""

from __future__ import annotations

import itertools
import random
import threading

import pytest
from sqlalchemy import func, select

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.judging import calibration as calibration_rules
from awards.domain.judging import conflicts as conflict_rules
from awards.domain.judging.assignment import manual, solver
from awards.domain.judging.assignment.problem import (
    JudgeInfo,
    NominationInfo,
    Problem,
    affinity,
    load_for_display,
    load_problem,
)
from awards.domain.judging.assignment.solver import AFFINITY_WEIGHT, LOAD_WEIGHT, SHARE_SHORTFALL_WEIGHT, solve
from awards.extensions import db
from awards.models import (
    Advancement,
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Judge,
    JudgingRound,
    PanelMember,
    RoundEntries,
)
from tests.factories import (
    add_conflict,
    make_assignment,
    make_cycle,
    make_judge,
    make_nomination,
    make_review,
    make_user,
    set_expertise,
)
from tests.support.assignment_reference import existing_of_kind

# --- Pure problems (no database) ---------------------------------------------------------------


def test_affinity_counts_the_primary_trend_double_and_missing_levels_as_zero():
    levels = {1: 2, 2: -1}
    assert affinity(levels, ((1, True), (2, False))) == 2 * 2 - 1
    assert affinity(levels, ((2, True), (3, False))) == -2
    assert affinity({}, ((1, True),)) == 0


def _random_problem(rng: random.Random, *, judges=4, nominations=4, k=2, equal_loads=False) -> Problem:
    categories = {1: "Data and AI Innovation", 2: "Skills and Capability"}
    judge_list = []
    for j in range(judges):
        panel = None if equal_loads or rng.random() < 0.6 else frozenset(rng.sample([1, 2], rng.choice([1, 2])))
        judge_list.append(
            JudgeInfo(
                id=10 + j,
                name=f"Judge {j}",
                email=f"j{j}@example.org",
                user_id=100 + j,
                organisation="",
                load_limit=2 if equal_loads else rng.randint(1, 3),
                category_ids=panel,
                accepted=equal_loads or rng.random() < 0.9,
            )
        )
    nomination_list = []
    for n in range(nominations):
        trends = rng.sample([1, 2, 3], rng.randint(1, 2))
        nomination_list.append(
            NominationInfo(
                id=50 + n,
                reference=f"PSDA-2026-{n + 1:04d}",
                title=f"N{n}",
                category_id=1 if equal_loads else rng.choice([1, 2]),
                trends=tuple((t, i == 0) for i, t in enumerate(trends)),
            )
        )
    low = -1 if equal_loads else -2
    expertise = {100 + j: {t: rng.randint(low, 2) for t in (1, 2, 3) if rng.random() < 0.8} for j in range(judges)}
    conflicts = (
        frozenset()
        if equal_loads
        else frozenset((j.id, n.id) for j in judge_list for n in nomination_list if rng.random() < 0.15)
    )
    assignments = []
    if not equal_loads:
        next_id = itertools.count(900)
        for j in judge_list:
            for n in nomination_list:
                if (j.id, n.id) in conflicts or not j.accepted or rng.random() > 0.12:
                    continue
                kind = rng.choice(["locked", "draft", "submitted", "plain", "recused"])
                assignments.append(existing_of_kind(kind, next(next_id), j.id, n.id))
    return Problem(
        cycle_id=1,
        cycle_name="Test",
        judges_per_nomination=k,
        categories=categories,
        judges=judge_list,
        nominations=nomination_list,
        expertise=expertise,
        conflicts=conflicts,
        assignments=assignments,
    )


def _score(problem: Problem, new_pairs: set[tuple[int, int]]):
    """The engine's stated objective for a set of new (judge, nomination) pairs, written out
    independently: fill the most places; then use the fewest "prefer not" judges (−2 on the primary
    trend); then the least of −AFFINITY_WEIGHT·affinity + the convex load cost + the shortfall-sharing
    cost. None if the pairs break a hard rule."""
    k = problem.judges_per_nomination
    fixed = [a for a in problem.assignments if a.is_fixed]
    recused = {(a.judge_id, a.nomination_id) for a in problem.assignments if a.status is AssignmentStatus.RECUSED}
    fixed_pairs = {(a.judge_id, a.nomination_id) for a in fixed}
    judges = {j.id: j for j in problem.judges}
    noms = {n.id: n for n in problem.nominations}
    fixed_load = {j: sum(1 for a in fixed if a.judge_id == j) for j in judges}
    fixed_count = {n: sum(1 for a in fixed if a.nomination_id == n) for n in noms}
    load = dict(fixed_load)
    count = dict(fixed_count)
    avoided = 0
    cost = 0
    for judge_id, nomination_id in new_pairs:
        judge, nomination = judges[judge_id], noms[nomination_id]
        if (
            not judge.accepted
            or not judge.judges_category(nomination.category_id)
            or (judge_id, nomination_id) in problem.conflicts
            or (judge_id, nomination_id) in recused
            or (judge_id, nomination_id) in fixed_pairs
        ):
            return None
        levels = problem.expertise.get(judge.user_id, {})
        cost -= AFFINITY_WEIGHT * affinity(levels, nomination.trends)
        if levels.get(nomination.primary_trend_id) == -2:
            avoided += 1
        load[judge_id] += 1
        count[nomination_id] += 1
    for judge_id, judge in judges.items():
        if load[judge_id] > max(judge.load_limit, fixed_load[judge_id]) and load[judge_id] > fixed_load[judge_id]:
            return None
        cost += LOAD_WEIGHT * sum(u - 1 for u in range(fixed_load[judge_id] + 1, load[judge_id] + 1))
    for nomination_id in noms:
        if (
            count[nomination_id] > max(k, fixed_count[nomination_id])
            and count[nomination_id] > fixed_count[nomination_id]
        ):
            return None
        cost += SHARE_SHORTFALL_WEIGHT * sum(
            u - k for u in range(fixed_count[nomination_id] + 1, count[nomination_id] + 1)
        )
    filled = sum(min(k, c) for c in count.values())
    return (-filled, avoided, cost)


def _brute_force(problem: Problem):
    k = problem.judges_per_nomination
    fixed_count = {
        n.id: sum(1 for a in problem.assignments if a.is_fixed and a.nomination_id == n.id) for n in problem.nominations
    }
    options = []
    for n in problem.nominations:
        need = max(0, k - fixed_count[n.id])
        subsets = [()]
        for size in range(1, need + 1):
            subsets += list(itertools.combinations([j.id for j in problem.judges], size))
        options.append([tuple((j, n.id) for j in subset) for subset in subsets])
    best = None
    for choice in itertools.product(*options):
        pairs = {pair for group in choice for pair in group}
        score = _score(problem, pairs)
        if score is not None and (best is None or score < best):
            best = score
    return best


def _result_pairs(result) -> set[tuple[int, int]]:
    return {(p.judge_id, p.nomination_id) for p in result.planned if p.kind != "fixed"}


@pytest.mark.parametrize("seed", range(30))
def test_the_solution_is_optimal_against_brute_force(seed):
    """Random 4 nominations × 4 judges × 2 per nomination with load limits 1–3, category panels,
    conflicts, judges who have not accepted, fixed and recused assignments and "prefer not" levels.
    The brute force enumerates every feasible assignment and minimises the same objective as the
    engine (places filled, then "prefer not" judges, then affinity less the convex load cost and the
    shortfall-sharing cost), so the convex load cost is part of what is compared."""
    problem = _random_problem(random.Random(seed))
    result = solve(problem)
    assert _score(problem, _result_pairs(result)) == _brute_force(problem)


@pytest.mark.parametrize("seed", range(10))
def test_with_equal_loads_the_total_affinity_is_the_largest_possible(seed):
    """4 judges with a limit of 2 each and 4 nominations × 2 judges: every judge must take exactly 2,
    so the load cost is the same for every assignment and the best one has the largest total affinity."""
    problem = _random_problem(random.Random(1000 + seed), equal_loads=True)
    result = solve(problem)
    judges = [j.id for j in problem.judges]
    best = None
    for choice in itertools.product(*[itertools.combinations(judges, 2) for _ in problem.nominations]):
        loads = {j: sum(j in c for c in choice) for j in judges}
        if any(load > 2 for load in loads.values()):
            continue
        total = sum(
            problem.affinity(problem.judge_by_id[j], n)
            for n, c in zip(problem.nominations, choice, strict=True)
            for j in c
        )
        best = total if best is None else max(best, total)
    assert sum(p.affinity for p in result.planned) == best
    assert {load.after for load in result.judge_loads} == {2}


def _medium_problem(seed: int, nominations=120, judges=14, limits=(20, 40)) -> Problem:
    rng = random.Random(seed)
    judge_list = [
        JudgeInfo(
            id=j + 1,
            name=f"Judge {j}",
            email=f"j{j}@x.org",
            user_id=100 + j,
            organisation="",
            load_limit=rng.randint(*limits),
            category_ids=None if rng.random() < 0.7 else frozenset({rng.choice([1, 2, 3])}),
            accepted=True,
        )
        for j in range(judges)
    ]
    nomination_list = []
    for n in range(nominations):
        trends = rng.sample(range(1, 11), rng.randint(1, 3))
        nomination_list.append(
            NominationInfo(
                id=n + 1,
                reference=f"R-{n:04d}",
                title="",
                category_id=rng.choice([1, 2, 3]),
                trends=tuple((t, i == 0) for i, t in enumerate(trends)),
            )
        )
    expertise = {100 + j: {t: rng.randint(-2, 2) for t in range(1, 11)} for j in range(judges)}
    conflicts = frozenset((j.id, n.id) for j in judge_list for n in nomination_list if rng.random() < 0.05)
    return Problem(
        cycle_id=1,
        cycle_name="Medium",
        judges_per_nomination=3,
        categories={1: "One", 2: "Two", 3: "Three"},
        judges=judge_list,
        nominations=nomination_list,
        expertise=expertise,
        conflicts=conflicts,
        assignments=[],
    )


@pytest.mark.parametrize("seed,limits", [(0, (20, 40)), (1, (20, 40)), (2, (20, 40)), (3, (8, 16)), (4, (8, 16))])
def test_solving_a_reduced_network_and_pricing_in_arcs_finds_the_same_optimum(seed, limits):
    """Large cycles are solved on each nomination's best few judges, then proved optimal for the full
    network by reduced costs (arcs are added until none is left out with a negative one; the first
    reduced network, chosen with the potentials of the cycle taken kind by kind, is often optimal
    already); also when the judges cannot fill every place (limits of 8–16), so the overflow arc is in play."""
    problem = _medium_problem(seed, limits=limits)
    full = solve(problem)
    reduced = solve(problem, candidates_per_nomination=4)
    assert reduced.pricing_rounds >= 1
    assert reduced.arcs < full.arcs
    assert reduced.objective == full.objective
    assert reduced.feasible == full.feasible == (limits[0] >= 20)
    assert _score(problem, _result_pairs(reduced)) == _score(problem, _result_pairs(full))


def test_the_same_input_gives_the_same_result_whatever_its_order():
    problem = _medium_problem(7)
    first = solve(problem)
    again = solve(problem)
    shuffled = _medium_problem(7)
    rng = random.Random(3)
    rng.shuffle(shuffled.judges)
    rng.shuffle(shuffled.nominations)
    third = solve(shuffled)
    assert first.planned == again.planned == third.planned
    assert [s.message for s in first.shortfalls] == [s.message for s in third.shortfalls]


def test_loads_are_spread_evenly_when_expertise_does_not_differ():
    judges = [
        JudgeInfo(
            id=j, name=f"J{j}", email="", user_id=j, organisation="", load_limit=30, category_ids=None, accepted=True
        )
        for j in range(1, 7)
    ]
    noms = [
        NominationInfo(id=n, reference=f"R{n:03d}", title="", category_id=1, trends=((1, True),)) for n in range(1, 41)
    ]
    problem = Problem(
        cycle_id=1,
        cycle_name="C",
        judges_per_nomination=3,
        categories={1: "Cat"},
        judges=judges,
        nominations=noms,
        expertise={},
        conflicts=frozenset(),
        assignments=[],
    )
    result = solve(problem)
    assert {load.after for load in result.judge_loads} == {20}


def test_a_judge_who_prefers_not_to_judge_the_primary_trend_is_used_only_when_nobody_else_can():
    judges = [
        JudgeInfo(
            id=j, name=f"J{j}", email="", user_id=j, organisation="", load_limit=5, category_ids=None, accepted=True
        )
        for j in (1, 2, 3)
    ]
    nomination = NominationInfo(id=1, reference="R001", title="", category_id=1, trends=((7, True), (8, False)))
    # Judge 1 is at −2 on the primary trend but an expert on the other: affinity −4 + 2 = −2, while
    # judges 2 and 3 score far lower (−1 on both: −3), yet judge 1 is still avoided.
    expertise = {1: {7: -2, 8: 2}, 2: {7: -1, 8: -1}, 3: {7: -1, 8: -1}}
    problem = Problem(
        cycle_id=1,
        cycle_name="C",
        judges_per_nomination=2,
        categories={1: "Cat"},
        judges=judges,
        nominations=[nomination],
        expertise=expertise,
        conflicts=frozenset(),
        assignments=[],
    )
    result = solve(problem)
    assert {p.judge_id for p in result.planned} == {2, 3}
    assert not result.avoided

    # Judge 3 has a conflict: judge 1 is the only way to fill the second place, and is reported.
    conflicted = Problem(
        cycle_id=1,
        cycle_name="C",
        judges_per_nomination=2,
        categories={1: "Cat"},
        judges=judges,
        nominations=[nomination],
        expertise=expertise,
        conflicts=frozenset({(3, 1)}),
        assignments=[],
    )
    result = solve(conflicted)
    assert {p.judge_id for p in result.planned} == {1, 2}
    assert [(p.judge_id, p.nomination_id) for p in result.avoided] == [(1, 1)]
    assert any("J1" in line for line in result.summary_lines())


def test_shortfalls_are_shared_out_and_explained_per_category():
    judges = [
        JudgeInfo(
            id=j,
            name=f"J{j}",
            email="",
            user_id=j,
            organisation="",
            load_limit=2,
            category_ids=frozenset({1}),
            accepted=True,
        )
        for j in (1, 2, 3)
    ]
    judges.append(
        JudgeInfo(
            id=4,
            name="J4",
            email="",
            user_id=4,
            organisation="",
            load_limit=9,
            category_ids=frozenset({2}),
            accepted=True,
        )
    )
    judges.append(
        JudgeInfo(
            id=5,
            name="Not yet",
            email="",
            user_id=None,
            organisation="",
            load_limit=9,
            category_ids=None,
            accepted=False,
        )
    )
    noms = [NominationInfo(id=n, reference=f"PSDA-2026-000{n}", title="", category_id=1, trends=()) for n in (1, 2, 3)]
    noms.append(NominationInfo(id=4, reference="PSDA-2026-0004", title="", category_id=2, trends=()))
    noms.append(NominationInfo(id=5, reference="PSDA-2026-0005", title="", category_id=3, trends=()))
    noms.append(NominationInfo(id=6, reference="PSDA-2026-0006", title="", category_id=1, trends=()))
    problem = Problem(
        cycle_id=1,
        cycle_name="C",
        judges_per_nomination=3,
        categories={1: "Data and AI Innovation", 2: "Skills and Capability", 3: "Digital Leader of the Year"},
        judges=judges,
        nominations=noms,
        expertise={},
        conflicts=frozenset({(1, 6), (2, 6)}),
        assignments=[],
    )
    result = solve(problem)
    assert not result.feasible
    by_reason = {(s.category_name, s.reason): s for s in result.shortfalls}
    # Category 1: three judges with a limit of 2 (6 places); PSDA-2026-0006 can only have judge 3
    # (conflicts with 1 and 2), leaving 5 places for the other three, shared out as 2, 2 and 1.
    conflicts = by_reason[("Data and AI Innovation", "conflicts")]
    assert [n.reference for n in conflicts.nominations] == ["PSDA-2026-0006"]
    assert conflicts.message == (
        "1 nomination in Data and AI Innovation can get only 1 judge: too few of this "
        "category's judges are free of conflicts of interest with it: add a judge to "
        "this category"
    )
    loads = [s for s in result.shortfalls if s.reason == "load"]
    assert sorted((s.judges, len(s.nominations)) for s in loads) == [(1, 1), (2, 2)]
    two = next(s for s in loads if s.judges == 2)
    assert two.message == (
        "2 nominations in Data and AI Innovation can get only 2 judges: add a judge to this "
        "category or raise a load limit"
    )
    few = by_reason[("Skills and Capability", "few_judges")]
    assert few.message == (
        "1 nomination in Skills and Capability can get only 1 judge: only 1 judge judges this "
        "category: add a judge to this category"
    )
    none = by_reason[("Digital Leader of the Year", "no_judges")]
    assert none.message == (
        "1 nomination in Digital Leader of the Year can get no judges: no judge who has "
        "accepted their invitation judges this category: add a judge to this category"
    )
    # Categories in the cycle's order; the summary names the nominations.
    assert [s.category_name for s in result.shortfalls][0] == "Data and AI Innovation"
    assert any("PSDA-2026-0006" in line for line in result.summary_lines())
    assert result.counts["places_short"] == 18 - sum(1 for _ in result.planned)


# --- Through the database ----------------------------------------------------------------------


@pytest.fixture
def cycle(app):
    return make_cycle(judges_per_nomination=2, judge_max_load=10)


def _live(nomination) -> set[int]:
    return set(
        db.session.scalars(
            select(Assignment.judge_id).where(
                Assignment.nomination_id == nomination.id, Assignment.status == AssignmentStatus.ASSIGNED
            )
        )
    )


def _apply(cycle, by=None):
    result = solver.propose(cycle)
    counts = solver.apply(result, by=by)
    db.session.commit()
    return result, counts


def test_conflicts_detected_and_recorded_are_never_assigned(cycle):
    nomination = make_nomination(cycle, contact_email="casey@riverside.gov.uk")
    same_domain = make_judge(
        cycle,
        email="pat@riverside.gov.uk",
        user=make_user(email="pat@riverside.gov.uk", roles=("judge",), organisation="Pat Ltd"),
    )
    recorded = make_judge(cycle)
    others = [make_judge(cycle) for _ in range(2)]
    set_expertise(same_domain.user, {t: 2 for t in cycle.trends})  # the best match, but conflicted
    set_expertise(recorded.user, {t: 2 for t in cycle.trends})
    add_conflict(recorded, nomination)
    problem = load_problem(cycle)
    assert {(same_domain.id, nomination.id), (recorded.id, nomination.id)} <= problem.conflicts
    result, counts = _apply(cycle)
    assert _live(nomination) == {j.id for j in others}
    assert counts["added"] == 2


def test_the_assignments_loaded_for_display_are_those_a_run_sees_and_cannot_be_solved(cycle):
    """The assignment page reads the round without conflicts or expertise (load_for_display): the same judges,
    entries and assignments as the full load, and `solve` refuses it, so a run never misses a conflict."""
    nomination = make_nomination(cycle, contact_email="casey@riverside.gov.uk")
    make_nomination(cycle)
    make_judge(cycle, email="pat@riverside.gov.uk", user=make_user(email="pat@riverside.gov.uk", roles=("judge",)))
    for _ in range(2):
        make_judge(cycle)
    _apply(cycle)
    full, shown = load_problem(cycle), load_for_display(cycle)
    assert full.conflicts and not shown.conflicts  # Pat shares the contact's domain
    assert [j.id for j in shown.judges] == [j.id for j in full.judges]
    assert [n.id for n in shown.nominations] == [n.id for n in full.nominations]
    assert [(a.id, a.judge_id, a.nomination_id) for a in shown.assignments] == [
        (a.id, a.judge_id, a.nomination_id) for a in full.assignments
    ]
    assert nomination.id in {a.nomination_id for a in shown.assignments}
    with pytest.raises(ValueError, match="loaded for display"):
        solve(shown)


def test_only_judges_of_the_category_are_assigned(cycle):
    first, second = cycle.categories[0], cycle.categories[1]
    nominations = [make_nomination(cycle, category=first) for _ in range(2)]
    panel = [make_judge(cycle, all_categories=False) for _ in range(2)]
    outsider = make_judge(cycle, all_categories=False)
    for judge in panel:
        judge.categories = [first]
    outsider.categories = [second]
    db.session.commit()
    set_expertise(outsider.user, {t: 2 for t in cycle.trends})
    _apply(cycle)
    for nomination in nominations:
        assert _live(nomination) == {j.id for j in panel}


def test_only_submitted_nominations_are_assigned_and_unjudged_ones_lose_unfixed_judges(cycle):
    submitted = make_nomination(cycle)
    withdrawn = make_nomination(cycle, status="withdrawn")
    ineligible = make_nomination(cycle, status="ineligible")
    draft = make_nomination(cycle, status="draft", complete=False)
    judges = [make_judge(cycle) for _ in range(3)]
    make_assignment(judges[0], withdrawn)
    kept = make_assignment(judges[1], ineligible)
    make_review(kept, status="submitted")
    result, counts = _apply(cycle)
    assert len(_live(submitted)) == 2
    assert not _live(draft)
    assert _live(withdrawn) == set()
    assert _live(ineligible) == {judges[1].id}  # submitted scores stay
    assert counts["removed"] == 1
    assert {p.nomination_id for p in result.planned} == {submitted.id}


def test_submitted_and_draft_reviews_and_locked_assignments_stay_on_a_rerun(cycle):
    nominations = [make_nomination(cycle) for _ in range(3)]
    judges = [make_judge(cycle) for _ in range(4)]
    # The fixed ones are the worst matches, so a fresh run would not choose them.
    set_expertise(judges[0].user, {t: -1 for t in cycle.trends})
    set_expertise(judges[1].user, {t: -1 for t in cycle.trends})
    for judge in judges[2:]:
        set_expertise(judge.user, {t: 2 for t in cycle.trends})
    submitted = make_assignment(judges[0], nominations[0])
    make_review(submitted, status="submitted")
    draft = make_assignment(judges[1], nominations[1])
    make_review(draft, status="draft")
    locked = make_assignment(judges[0], nominations[2], locked=True)
    make_assignment(judges[1], nominations[2])  # unlocked, no review: may be replaced
    fixed = {(a.judge_id, a.nomination_id, a.id) for a in (submitted, draft, locked)}
    result, counts = _apply(cycle)
    rows = set(db.session.execute(select(Assignment.judge_id, Assignment.nomination_id, Assignment.id)).all())
    assert fixed <= rows
    assert judges[1].id not in _live(nominations[2])
    assert (counts["fixed"], counts["removed"]) == (3, 1)
    for nomination in nominations:
        assert len(_live(nomination)) == 2
    # Running it again changes nothing.
    again, counts = _apply(cycle)
    assert counts["added"] == 0 and counts["removed"] == 0
    assert counts["kept"] + counts["fixed"] == 6


def test_recused_judges_never_come_back(cycle):
    nomination = make_nomination(cycle)
    judges = [make_judge(cycle) for _ in range(3)]
    set_expertise(judges[0].user, {t: 2 for t in cycle.trends})
    make_assignment(judges[0], nomination, status="recused")
    _apply(cycle)
    assert _live(nomination) == {judges[1].id, judges[2].id}


def test_fixed_assignments_count_toward_the_judges_load(cycle):
    nominations = [make_nomination(cycle) for _ in range(3)]
    busy = make_judge(cycle, max_load=2)
    make_judge(cycle, max_load=10)  # two other judges with room
    make_judge(cycle, max_load=10)
    set_expertise(busy.user, {t: 2 for t in cycle.trends})
    for nomination in nominations[:2]:
        make_review(make_assignment(busy, nomination), status="submitted")
    result, _ = _apply(cycle)
    assert busy.id not in _live(nominations[2])
    load = next(load for load in result.judge_loads if load.judge.id == busy.id)
    assert (load.before, load.after) == (2, 2)


def test_a_primary_trend_the_judge_prefers_not_to_judge_is_avoided_when_others_can(cycle):
    nomination = make_nomination(cycle)
    primary = nomination.primary_trend
    reluctant = make_judge(cycle)
    set_expertise(reluctant.user, {primary: -2, **{t: 2 for t in cycle.trends if t.id != primary.id}})
    others = [make_judge(cycle) for _ in range(2)]
    result, _ = _apply(cycle)
    assert _live(nomination) == {j.id for j in others}
    assert not result.avoided


def test_the_same_cycle_gives_the_same_assignment_twice(cycle):
    for _ in range(6):
        make_nomination(cycle)
    judges = [make_judge(cycle) for _ in range(5)]
    rng = random.Random(5)
    for judge in judges:
        set_expertise(judge.user, {t: rng.randint(-2, 2) for t in cycle.trends})
    first, second = solver.propose(cycle), solver.propose(cycle)
    assert first.planned == second.planned
    assert load_problem(cycle).fingerprint() == load_problem(cycle).fingerprint()


def test_the_fingerprint_changes_with_any_input(cycle):
    nomination = make_nomination(cycle)
    judge = make_judge(cycle)
    before = load_problem(cycle).fingerprint()
    set_expertise(judge.user, {cycle.trends[0]: 1})
    after_expertise = load_problem(cycle).fingerprint()
    add_conflict(judge, nomination)
    after_conflict = load_problem(cycle).fingerprint()
    assert len({before, after_expertise, after_conflict}) == 3


def test_apply_writes_the_affinity_and_an_audit_event(cycle, organiser):
    nomination = make_nomination(cycle)
    judges = [make_judge(cycle) for _ in range(2)]
    set_expertise(judges[0].user, {nomination.primary_trend: 2})
    result, counts = _apply(cycle, by=organiser)
    rows = {a.judge_id: a for a in db.session.scalars(select(Assignment))}
    assert rows[judges[0].id].affinity == 4 and rows[judges[1].id].affinity == 0
    assert not rows[judges[0].id].locked and rows[judges[0].id].created_by_id == organiser.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.applied"))
    assert event.actor_id == organiser.id and event.object_id == str(cycle.id)
    assert event.detail["added"] == 2 and event.detail["removed"] == 0 and event.detail["short"] == 0


def test_apply_refuses_a_result_computed_before_the_assignments_changed(cycle, organiser):
    nomination = make_nomination(cycle)
    judges = [make_judge(cycle) for _ in range(3)]
    result = solver.propose(cycle)
    make_assignment(judges[0], nomination, locked=True)  # someone else, meanwhile
    with pytest.raises(Conflict):
        solver.apply(result, by=organiser)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Assignment.id))) == 1


def test_two_runs_at_once_never_assign_twice(make_app, database_url):
    """Two organisers confirm at the same moment: one run is written, the other is refused (the
    cycle row is locked and the assignments re-checked inside apply), and no nomination gets more
    judges than it needs."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time; this race needs PostgreSQL")
    app = make_app()
    with app.app_context():
        cycle = make_cycle(judges_per_nomination=2, judge_max_load=20)
        for _ in range(8):
            make_nomination(cycle)
        for _ in range(4):
            make_judge(cycle)
        slug = cycle.slug
        db.session.remove()

    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        with app.app_context():
            from awards.models import Cycle

            current = db.session.scalar(select(Cycle).where(Cycle.slug == slug))
            result = solver.propose(current)
            barrier.wait()
            try:
                solver.apply(result, by=None)
                db.session.commit()
                outcomes.append("written")
            except Conflict:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "written"]
    with app.app_context():
        counts = db.session.execute(
            select(Assignment.nomination_id, func.count(Assignment.id)).group_by(Assignment.nomination_id)
        ).all()
        assert len(counts) == 8 and {c for _, c in counts} == {2}
        pairs = db.session.execute(select(Assignment.judge_id, Assignment.nomination_id)).all()
        assert len(pairs) == len(set(pairs))


def test_a_cycle_with_no_judges_or_no_nominations_gives_an_empty_plan():
    noms = [NominationInfo(id=1, reference="R001", title="", category_id=1, trends=((1, True),))]
    no_judges = Problem(
        cycle_id=1,
        cycle_name="C",
        judges_per_nomination=3,
        categories={1: "Cat"},
        judges=[],
        nominations=noms,
        expertise={},
        conflicts=frozenset(),
        assignments=[],
    )
    result = solve(no_judges)
    assert result.planned == [] and [s.reason for s in result.shortfalls] == ["no_judges"]
    assert result.totals["min_load"] is None and result.totals["mean_affinity"] is None
    judges = [
        JudgeInfo(id=1, name="J", email="", user_id=1, organisation="", load_limit=5, category_ids=None, accepted=True)
    ]
    no_nominations = Problem(
        cycle_id=1,
        cycle_name="C",
        judges_per_nomination=3,
        categories={1: "Cat"},
        judges=judges,
        nominations=[],
        expertise={},
        conflicts=frozenset(),
        assignments=[],
    )
    result = solve(no_nominations)
    assert result.planned == [] and result.feasible and result.totals["places"] == 0
    assert "Every nomination gets all its judges." in result.summary_lines()


def test_apply_refuses_a_result_made_before_a_conflict_was_recorded(cycle, organiser):
    nomination = make_nomination(cycle)
    judges = [make_judge(cycle) for _ in range(3)]
    result = solver.propose(cycle)
    chosen = next(p for p in result.additions)
    add_conflict(db.session.get(type(judges[0]), chosen.judge_id), nomination)  # declared meanwhile
    with pytest.raises(Conflict, match="conflict of interest was recorded"):
        solver.apply(result, by=organiser)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Assignment.id))) == 0


# --- Judging rounds ----------------------------------------------------------------------------


def _second_round(cycle, **settings):
    """A round 2 of the cycle judging only the entries advanced into it, by a panel of chosen judges."""
    now = utcnow()
    second = JudgingRound(
        number=2,
        name="Final panel",
        entries=RoundEntries.ADVANCED,
        whole_panel=False,
        created_at=now,
        updated_at=now,
        **settings,
    )
    cycle.rounds.append(second)
    db.session.commit()
    return second


def _advance(judging_round, *nominations):
    for nomination in nominations:
        db.session.add(Advancement(round_id=judging_round.id, nomination_id=nomination.id, created_at=utcnow()))
    db.session.commit()


def _on_panel(judging_round, judge, **fields):
    db.session.add(PanelMember(round_id=judging_round.id, judge_id=judge.id, **fields))
    db.session.commit()


def _live_in(judging_round) -> set[tuple[int, int]]:
    db.session.expire_all()
    return set(
        db.session.execute(
            select(Assignment.judge_id, Assignment.nomination_id).where(
                Assignment.round_id == judging_round.id, Assignment.status == AssignmentStatus.ASSIGNED
            )
        ).all()
    )


@pytest.fixture
def two_rounds(cycle):
    """Round 1 (every submitted nomination, every judge, 2 each) assigned; round 2 judges two advanced
    entries, one in each of two categories, by a panel of two judges, one of them limited to the first
    category, with 2 judges for each entry."""
    first_category, second_category = cycle.categories[0], cycle.categories[1]
    entries = [make_nomination(cycle, category=first_category), make_nomination(cycle, category=second_category)]
    others = [make_nomination(cycle, category=first_category) for _ in range(2)]
    judges = [make_judge(cycle) for _ in range(4)]
    first = cycle.rounds[0]
    _apply(first)
    second = _second_round(cycle, judges_per_nomination=2, judge_max_load=10)
    _advance(second, *entries)
    _on_panel(second, judges[0])
    _on_panel(second, judges[1], category_ids=[first_category.id])
    return first, second, entries, others, judges


def test_round_two_assigns_only_its_entries_to_its_panel_within_the_panels_categories(two_rounds):
    first, second, entries, others, judges = two_rounds
    before = _live_in(first)
    assert len(before) == 8  # four nominations, two judges each
    problem = load_problem(second)
    assert problem.round_id == second.id and problem.judges_per_nomination == 2
    assert {n.id for n in problem.nominations} == {e.id for e in entries}
    assert {j.id for j in problem.judges} == {judges[0].id, judges[1].id}
    assert problem.assignments == []  # round 1's are not round 2's
    result, counts = _apply(second)
    in_first_category, in_second_category = entries
    assert _live_in(second) == {
        (judges[0].id, in_first_category.id),
        (judges[1].id, in_first_category.id),
        (judges[0].id, in_second_category.id),  # the limited judge is not given the second category
    }
    assert counts == {"added": 3, "kept": 0, "fixed": 0, "removed": 0, "short": 1, "places_short": 1}
    [short] = result.shortfalls
    assert short.message == (
        f"1 nomination in {in_second_category.category.name} can get only 1 judge: only 1 judge judges this "
        "category: add a judge to this category on the round's panel"
    )
    assert _live_in(first) == before  # round 1's assignments are left alone
    assert db.session.scalar(select(func.count(Assignment.id))) == 8 + 3
    # Run again: round 2 keeps what it has, round 1 is untouched.
    _, again = _apply(second)
    assert again["added"] == 0 and again["removed"] == 0 and again["kept"] == 3
    assert _live_in(first) == before
    # A cycle stands for its current round: round 2, once entries are advanced into it.
    assert solver.propose(second.cycle).problem.round_id == second.id
    assert load_problem(first).round_label == "Round 1: Judging"


def test_a_judge_may_judge_the_same_nomination_in_both_rounds(two_rounds):
    first, second, entries, _, judges = two_rounds
    in_first_category = entries[0]
    _apply(second)
    both = [
        (a.round_id, a.judge_id)
        for a in db.session.scalars(select(Assignment).where(Assignment.nomination_id == in_first_category.id))
    ]
    assert (second.id, judges[0].id) in both
    assert len({r for r, _ in both}) == 2 and len(both) == 4  # two judges in each round


def test_a_conflict_found_in_round_one_keeps_the_judge_off_the_nomination_in_round_two(two_rounds, organiser):
    first, second, entries, _, judges = two_rounds
    in_first_category = entries[0]
    # Judge 0 judges it in round 1 and declares a conflict there; judge 1 is recorded as conflicted.
    conflict_rules.declare(judges[0], in_first_category, has_conflict=True, by=judges[0].user)
    db.session.commit()
    assert (judges[0].id, in_first_category.id) not in _live_in(first)
    problem = load_problem(second)
    assert (judges[0].id, in_first_category.id) in problem.conflicts
    _apply(second)
    assert (judges[0].id, in_first_category.id) not in _live_in(second)
    assert (judges[1].id, in_first_category.id) in _live_in(second)
    with pytest.raises(DomainError, match="conflict of interest"):
        manual.add_judge(in_first_category, judges[0], by=organiser, judging_round=second)


def test_a_recusal_in_round_one_counts_as_a_conflict_in_round_two(two_rounds, organiser):
    first, second, entries, _, judges = two_rounds
    in_first_category = entries[0]
    assignment = db.session.scalar(
        select(Assignment).where(
            Assignment.round_id == first.id,
            Assignment.judge_id == judges[1].id,
            Assignment.nomination_id == in_first_category.id,
        )
    ) or make_assignment(judges[1], in_first_category)
    assignment.status = AssignmentStatus.RECUSED  # a recusal whose conflict record was since removed
    db.session.commit()
    assert (judges[1].id, in_first_category.id) in load_problem(second).conflicts
    _apply(second)
    assert (judges[1].id, in_first_category.id) not in _live_in(second)
    with pytest.raises(DomainError, match="declared a conflict of interest"):
        manual.add_judge(in_first_category, judges[1], by=organiser, judging_round=second)


def test_a_declared_conflict_takes_the_judge_off_the_nomination_in_every_round(two_rounds, organiser, outbox):
    first, second, entries, _, judges = two_rounds
    nomination = entries[0]
    if (judges[0].id, nomination.id) not in _live_in(first):
        make_assignment(judges[0], nomination)
    _apply(second)
    assert (judges[0].id, nomination.id) in _live_in(first) & _live_in(second)
    conflict_rules.declare(judges[0], nomination, has_conflict=True, by=judges[0].user)
    db.session.commit()
    assert (judges[0].id, nomination.id) not in _live_in(first) | _live_in(second)
    statuses = db.session.scalars(
        select(Assignment.status).where(Assignment.judge_id == judges[0].id, Assignment.nomination_id == nomination.id)
    ).all()
    assert statuses == [AssignmentStatus.RECUSED] * 2
    [message] = outbox("conflict_after_assignment")
    assert message.subject == f"Conflict of interest declared: {nomination.reference} needs another judge"
    assert f"conflict of interest with {nomination.reference} (Round 2: Final panel) in" in message.body_text
    assert f"- {nomination.reference} (Round 2: Final panel): needs 1 more judge" in message.body_text
    assert f"- {nomination.reference} (Round 1: Judging): " in message.body_text
    assert f"/organiser/cycles/{second.cycle.slug}/assignment?round=2\n" in message.body_text


def test_submitted_scores_of_an_earlier_round_stay_when_a_conflict_is_declared_later(two_rounds, outbox):
    first, second, entries, _, judges = two_rounds
    nomination = entries[0]
    earlier = db.session.scalar(
        select(Assignment).where(
            Assignment.round_id == first.id,
            Assignment.judge_id == judges[0].id,
            Assignment.nomination_id == nomination.id,
        )
    ) or make_assignment(judges[0], nomination)
    make_review(earlier, status="submitted")
    _apply(second)
    conflict_rules.declare(judges[0], nomination, has_conflict=True, by=judges[0].user)
    db.session.commit()
    assert (judges[0].id, nomination.id) in _live_in(first)  # its scores stay
    assert (judges[0].id, nomination.id) not in _live_in(second)


def test_round_two_removes_unfixed_assignments_no_longer_advanced_or_off_the_panel(two_rounds):
    first, second, entries, _, judges = two_rounds
    _apply(second)
    # The second entry is no longer advanced; judge 1 leaves the panel.
    db.session.execute(
        Advancement.__table__.delete().where(
            Advancement.round_id == second.id, Advancement.nomination_id == entries[1].id
        )
    )
    db.session.execute(
        PanelMember.__table__.delete().where(PanelMember.round_id == second.id, PanelMember.judge_id == judges[1].id)
    )
    db.session.commit()
    db.session.expire_all()
    result = solver.propose(second)
    removed = {(a.judge_id, a.nomination_id) for a in result.removals}
    assert removed == {(judges[0].id, entries[1].id), (judges[1].id, entries[0].id)}
    assert result.problem.judge_name(judges[1].id) == judges[1].display_name
    solver.apply(result, by=None)
    db.session.commit()
    assert _live_in(second) == {(judges[0].id, entries[0].id)}


def test_manual_additions_respect_the_rounds_panel_entries_and_categories(two_rounds, organiser):
    first, second, entries, others, judges = two_rounds
    in_first_category, in_second_category = entries
    with pytest.raises(DomainError, match="not advanced into Round 2: Final panel"):
        manual.add_judge(others[0], judges[0], by=organiser, judging_round=second)
    with pytest.raises(DomainError, match="not on the panel of Round 2: Final panel"):
        manual.add_judge(in_first_category, judges[2], by=organiser, judging_round=second)
    with pytest.raises(DomainError, match="does not judge"):
        manual.add_judge(in_second_category, judges[1], by=organiser, judging_round=second)
    added = manual.add_judge(in_first_category, judges[0], by=organiser, judging_round=second)
    assert added.round_id == second.id and added.locked
    with pytest.raises(Conflict, match="already judges"):
        manual.add_judge(in_first_category, judges[0], by=organiser, judging_round=second)
    options = manual.manual_options(in_second_category, list(db.session.scalars(select(Judge))), [], second)
    assert [c.judge.id for c in options.offered] == [judges[0].id]
    assert [j.id for j in options.other_category] == [judges[1].id]
    assert options.not_on_panel == 2


def test_a_panel_members_load_limit_holds_in_the_round(two_rounds):
    first, second, entries, _, judges = two_rounds
    member = db.session.get(PanelMember, (second.id, judges[0].id))
    member.max_load = 1
    db.session.commit()
    problem = load_problem(second)
    assert problem.judge_by_id[judges[0].id].load_limit == 1
    _apply(second)
    assert sum(1 for j, _ in _live_in(second) if j == judges[0].id) == 1


def _calibration_in(judging_round) -> dict[int, int]:
    """The round's calibration assignments: judge id → assignment id."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Assignment.judge_id, Assignment.id).where(
            Assignment.round_id == judging_round.id, Assignment.calibration.is_(True)
        )
    )
    return dict(rows.all())


def test_calibration_assignments_are_no_part_of_the_assignment(two_rounds, organiser):
    first, second, entries, others, judges = two_rounds
    example = make_nomination(second.cycle, category=second.cycle.categories[0], status="ineligible")
    calibration_rules.choose_example(second, example.reference, by=organiser)
    db.session.commit()
    given = _calibration_in(second)
    assert set(given) == {judges[0].id, judges[1].id}
    problem = load_problem(second)
    assert not set(given.values()) & {a.id for a in problem.assignments}
    result, _ = _apply(second)
    assert not set(given.values()) & {a.id for a in result.removals}
    assert _calibration_in(second) == given


def test_a_judge_new_to_the_panel_is_given_the_calibration_example_when_the_assignment_runs(two_rounds, organiser):
    first, second, entries, others, judges = two_rounds
    example = make_nomination(second.cycle, category=second.cycle.categories[0], status="ineligible")
    calibration_rules.choose_example(second, example.reference, by=organiser)
    db.session.commit()
    _on_panel(second, judges[2])  # joins after the example was chosen
    assert judges[2].id not in _calibration_in(second)
    _apply(second, by=organiser)
    given = _calibration_in(second)
    assert set(given) == {judges[0].id, judges[1].id, judges[2].id}
    assert db.session.get(Assignment, given[judges[2].id]).created_by_id == organiser.id
