"""What an assignment means to an organiser: a proposed one (``AssignmentResult``, what the preview
shows and ``solver.apply`` writes) and the one in place (``current_state``, the assignment page).

For each nomination, who it got and how well they match (mean affinity, the worst-matched flagged);
for each judge, their load before and after; and why places stay empty: the shortfalls of a
proposal grouped per category by what would help (no judges, too few, conflicts, load limits), and
the gaps left once an assignment is in place (a judge recused or removed), which ``fill_gaps`` fills.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from awards.domain.judging.assignment.problem import ExistingAssignment, JudgeInfo, NominationInfo, Problem

# How many of the worst-matched nominations the preview highlights.
LOWEST_SHOWN = 10


# --- A proposed assignment -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Planned:
    """One judge on one nomination in the proposed assignment."""

    judge_id: int
    nomination_id: int
    affinity: int
    kind: str  # "fixed" (kept whatever happens), "kept" (unchanged), "new"
    assignment_id: int | None = None
    avoided: bool = False  # the judge said "prefer not" on the primary trend
    fixed_reason: str = ""


@dataclass
class Shortfall:
    """Nominations of one category that cannot get all their judges, and what would help."""

    category_id: int
    category_name: str
    judges: int  # how many judges each of them can get
    needed: int
    reason: str  # "no_judges", "few_judges", "conflicts" or "load"
    nominations: list[NominationInfo]
    panel_size: int = 0  # for "few_judges": how many judges the category has
    # The round judges with a panel of its own (not every judge of the cycle): judges are added to it.
    own_panel: bool = False

    @property
    def message(self) -> str:
        """What is short and what would help, in the reader's language: two clauses joined by a colon
        ("3 nominations in Data and AI can get only 2 judges: add a judge to this category")."""
        count = len(self.nominations)
        number = format_decimal(count)
        if self.judges == 0:
            problem = ngettext(
                "%(count)s nomination in %(category)s can get no judges",
                "%(count)s nominations in %(category)s can get no judges",
                count,
                count=number,
                category=self.category_name,
            )
        else:
            problem = ngettext(
                "%(count)s nomination in %(category)s can get only %(judges)s",
                "%(count)s nominations in %(category)s can get only %(judges)s",
                count,
                count=number,
                category=self.category_name,
                judges=ngettext("%(num)d judge", "%(num)d judges", self.judges),
            )
        add = (
            _("add a judge to this category on the round's panel")
            if self.own_panel
            else _("add a judge to this category")
        )
        if self.reason == "no_judges":
            remedy = _("no judge who has accepted their invitation judges this category: %(add)s", add=add)
        elif self.reason == "few_judges":
            remedy = ngettext(
                "only %(num)d judge judges this category: %(add)s",
                "only %(num)d judges judge this category: %(add)s",
                self.panel_size,
                add=add,
            )
        elif self.reason == "conflicts":
            remedy = ngettext(
                "too few of this category's judges are free of conflicts of interest with it: %(add)s",
                "too few of this category's judges are free of conflicts of interest with them: %(add)s",
                count,
                add=add,
            )
        else:
            remedy = _("%(add)s or raise a load limit", add=add)
        return _("%(problem)s: %(remedy)s", problem=problem, remedy=remedy)


@dataclass
class JudgeLoad:
    judge: JudgeInfo
    before: int
    after: int
    mean_affinity: float | None

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass
class NominationPlan:
    nomination: NominationInfo
    category_name: str
    needed: int
    planned: list[Planned]
    lowest: bool = False

    @property
    def judge_count(self) -> int:
        return len(self.planned)

    @property
    def short_by(self) -> int:
        return max(0, self.needed - len(self.planned))

    @property
    def mean_affinity(self) -> float | None:
        return sum(p.affinity for p in self.planned) / len(self.planned) if self.planned else None

    @property
    def changed(self) -> bool:
        return any(p.kind == "new" for p in self.planned)


@dataclass
class AssignmentResult:
    """A proposed assignment: what a preview shows and what apply() writes."""

    problem: Problem
    planned: list[Planned]  # by nomination id, then judge id
    removals: list[ExistingAssignment]  # unfixed assignments the plan replaces
    shortfalls: list[Shortfall]
    warnings: list[str]
    objective: int
    solve_seconds: float
    pricing_rounds: int = 0
    arcs: int = 0

    @property
    def additions(self) -> list[Planned]:
        return [p for p in self.planned if p.kind == "new"]

    @property
    def avoided(self) -> list[Planned]:
        return [p for p in self.planned if p.avoided and p.kind == "new"]

    @property
    def feasible(self) -> bool:
        return not self.shortfalls

    @cached_property
    def counts(self) -> dict[str, int]:
        kinds: dict[str, int] = defaultdict(int)
        for p in self.planned:
            kinds[p.kind] += 1
        return {
            "added": kinds["new"],
            "kept": kinds["kept"],
            "fixed": kinds["fixed"],
            "removed": len(self.removals),
            "short": sum(len(s.nominations) for s in self.shortfalls),
            "places_short": sum((s.needed - s.judges) * len(s.nominations) for s in self.shortfalls),
        }

    @cached_property
    def nomination_plans(self) -> list[NominationPlan]:
        """Every submitted nomination with its proposed judges; the worst-matched flagged `lowest`."""
        by_nomination: dict[int, list[Planned]] = defaultdict(list)
        for p in self.planned:
            by_nomination[p.nomination_id].append(p)
        plans = [
            NominationPlan(
                nomination=n,
                category_name=self.problem.categories.get(n.category_id, ""),
                needed=self.problem.judges_per_nomination,
                planned=by_nomination.get(n.id, []),
            )
            for n in self.problem.nominations
        ]
        ranked = sorted((p for p in plans if p.planned), key=lambda p: (p.mean_affinity, p.nomination.reference))
        for plan in ranked[:LOWEST_SHOWN]:
            plan.lowest = True
        return plans

    @property
    def lowest(self) -> list[NominationPlan]:
        """The worst-matched nominations: lowest mean affinity first, ties by reference."""
        return sorted(
            (p for p in self.nomination_plans if p.lowest), key=lambda p: (p.mean_affinity, p.nomination.reference)
        )

    @cached_property
    def judge_loads(self) -> list[JudgeLoad]:
        """Each judge's load now and after the change (fixed assignments to nominations that are no
        longer judged still count, as they stay)."""
        before: dict[int, int] = defaultdict(int)
        after: dict[int, int] = defaultdict(int)
        removed = {a.id for a in self.removals}
        planned_ids = {p.assignment_id for p in self.planned if p.assignment_id is not None}
        for a in self.problem.assignments:
            if a.is_active:
                before[a.judge_id] += 1
                if a.id not in removed and a.id not in planned_ids:
                    after[a.judge_id] += 1
        mine: dict[int, list[int]] = defaultdict(list)
        for p in self.planned:
            after[p.judge_id] += 1
            mine[p.judge_id].append(p.affinity)
        return [
            JudgeLoad(
                judge=j,
                before=before[j.id],
                after=after[j.id],
                mean_affinity=sum(mine[j.id]) / len(mine[j.id]) if mine[j.id] else None,
            )
            for j in self.problem.judges
        ]

    @cached_property
    def totals(self) -> dict[str, Any]:
        loads = [load.after for load in self.judge_loads if load.judge.accepted]
        affinities = [p.affinity for p in self.planned]
        k = self.problem.judges_per_nomination
        per_nomination: dict[int, int] = defaultdict(int)
        for p in self.planned:
            per_nomination[p.nomination_id] += 1
        return {
            "nominations": len(self.problem.nominations),
            "judges": sum(1 for j in self.problem.judges if j.accepted),
            "invited": sum(1 for j in self.problem.judges if not j.accepted),
            "places": k * len(self.problem.nominations),
            "filled": sum(min(k, count) for count in per_nomination.values()),
            "mean_affinity": sum(affinities) / len(affinities) if affinities else None,
            "min_load": min(loads) if loads else None,
            "max_load": max(loads) if loads else None,
        }

    def summary_lines(self) -> list[str]:
        """The summary in plain text, for the command line."""
        t, c = self.totals, self.counts
        lines = [
            f"{self.problem.cycle_name}{', ' + self.problem.round_label if self.problem.round_label else ''}: "
            f"{t['nominations']} submitted nominations, {t['judges']} judges "
            f"({t['invited']} more invited), {self.problem.judges_per_nomination} judges per nomination",
            f"Places filled: {t['filled']} of {t['places']}"
            + (f" ({c['places_short']} short)" if c["places_short"] else ""),
            f"Changes: {c['added']} new, {c['kept']} unchanged, {c['fixed']} kept as they are "
            f"(scores started or locked), {c['removed']} removed",
        ]
        if t["mean_affinity"] is not None:
            lines.append(f"Mean affinity: {t['mean_affinity']:+.2f}")
        if t["min_load"] is not None:
            lines.append(f"Judge loads: lowest {t['min_load']}, highest {t['max_load']}")
        lines += self._shortfall_lines() + self._avoided_lines()
        for warning in self.warnings:
            lines.append(f"Warning: {warning}")
        return lines

    def _shortfall_lines(self) -> list[str]:
        """The shortfalls for the summary, each with (up to 20 of) its nominations' references."""
        if not self.shortfalls:
            return ["Every nomination gets all its judges."]
        lines = ["Shortfalls:"]
        for s in self.shortfalls:
            references = ", ".join(n.reference for n in s.nominations[:20])
            more = f" and {len(s.nominations) - 20} more" if len(s.nominations) > 20 else ""
            lines.append(f"  - {s.message} ({references}{more})")
        return lines

    def _avoided_lines(self) -> list[str]:
        """The judges given a nomination whose primary trend they prefer not to judge, for the summary."""
        if not self.avoided:
            return []
        lines = ["Judges given a nomination whose primary trend they prefer not to judge (nobody else could take it):"]
        for p in self.avoided:
            nomination = self.problem.nomination_by_id[p.nomination_id]
            primary = nomination.primary_trend_id
            trend = "its primary trend"
            if primary is not None:
                trend = self.problem.trend_names.get(primary, trend)
            lines.append(
                f"  - {nomination.reference}: {self.problem.judge_by_id[p.judge_id].name} "
                f"(prefers not to judge {trend})"
            )
        return lines


def explain_shortfalls(
    problem: Problem,
    nominations: list[NominationInfo],
    got: np.ndarray,
    candidates: np.ndarray,
    nomination_category: np.ndarray,
    accepted: np.ndarray,
    panel: np.ndarray,
) -> list[Shortfall]:
    """Group the nominations short of judges per category, by what would help: the category has no
    judges; it has fewer judges than each nomination needs; too few of its judges are free of
    conflicts with them (a recusal counts as a conflict); or there are judges enough, but they are
    at their load limits.

    The arrays are the solver's, by position in `nominations` (sorted by id): `got` the judges each
    gets, `candidates` everyone who could judge it at all, `nomination_category` its row of `panel`
    (category × judge: who judges what), `accepted` per judge."""
    K = problem.judges_per_nomination
    short = np.nonzero(got < K)[0]
    if not len(short):
        return []
    groups: dict[tuple[int, str, int], list[NominationInfo]] = defaultdict(list)
    panel_size = (panel & accepted[None, :]).sum(axis=1)
    for ni in short.tolist():
        nomination = nominations[ni]
        size = int(panel_size[nomination_category[ni]])
        if size == 0:
            reason = "no_judges"
        elif size < K:
            reason = "few_judges"
        elif candidates[ni] < K:
            reason = "conflicts"
        else:
            reason = "load"
        groups[(nomination.category_id, reason, int(got[ni]))].append(nomination)
    order = {c: i for i, c in enumerate(problem.categories)}
    reason_order = {"no_judges": 0, "few_judges": 1, "conflicts": 2, "load": 3}
    shortfalls = [
        Shortfall(
            category_id=c,
            category_name=problem.categories.get(c) or _("an unknown category"),
            judges=k,
            needed=K,
            reason=reason,
            nominations=sorted(items, key=lambda n: n.reference),
            panel_size=int(panel_size[nomination_category[nominations.index(items[0])]])
            if reason == "few_judges"
            else 0,
            own_panel=problem.own_panel,
        )
        for (c, reason, k), items in groups.items()
    ]
    shortfalls.sort(key=lambda s: (order.get(s.category_id, len(order)), reason_order[s.reason], s.judges))
    return shortfalls


# --- The assignment in place ---------------------------------------------------------------------


@dataclass
class CurrentNomination:
    nomination: NominationInfo
    category_name: str
    needed: int
    judges: list[tuple[JudgeInfo, ExistingAssignment]]  # its live (not recused) assignments
    recused: list[JudgeInfo] = field(default_factory=list)  # judges taken off it by a conflict of interest

    @property
    def short_by(self) -> int:
        return max(0, self.needed - len(self.judges))

    @property
    def mean_affinity(self) -> float | None:
        return sum(a.affinity for _, a in self.judges) / len(self.judges) if self.judges else None


@dataclass
class CurrentState:
    """The round's assignments as they are, for the assignment page."""

    problem: Problem
    nominations: list[CurrentNomination]
    loads: dict[int, int]

    @property
    def places(self) -> int:
        return self.problem.judges_per_nomination * len(self.nominations)

    @property
    def filled(self) -> int:
        return sum(min(len(n.judges), n.needed) for n in self.nominations)

    @property
    def short(self) -> list[CurrentNomination]:
        return [n for n in self.nominations if n.short_by]

    @property
    def gaps(self) -> list[CurrentNomination]:
        """The nominations short of judges once the assignment has been run (some judge is assigned
        somewhere): what fill_gaps fills. Before that, running the assignment is the way."""
        return self.short if self.assigned else []

    @property
    def assigned(self) -> int:
        return sum(len(n.judges) for n in self.nominations)

    @property
    def mean_affinity(self) -> float | None:
        values = [a.affinity for n in self.nominations for _, a in n.judges]
        return sum(values) / len(values) if values else None

    @property
    def accepted_judges(self) -> list[JudgeInfo]:
        return [j for j in self.problem.judges if j.accepted]

    @property
    def invited(self) -> int:
        return sum(1 for j in self.problem.judges if not j.accepted)

    @property
    def min_load(self) -> int | None:
        loads = [self.loads.get(j.id, 0) for j in self.accepted_judges]
        return min(loads) if loads else None

    @property
    def max_load(self) -> int | None:
        loads = [self.loads.get(j.id, 0) for j in self.accepted_judges]
        return max(loads) if loads else None


def current_state(problem: Problem) -> CurrentState:
    """Who judges what now, per entry of the round, with each judge's load in the round."""
    by_nomination: dict[int, list[tuple[JudgeInfo, ExistingAssignment]]] = defaultdict(list)
    recused: dict[int, list[JudgeInfo]] = defaultdict(list)
    loads: dict[int, int] = defaultdict(int)
    for a in problem.assignments:
        if not a.is_active:
            if a.judge_id in problem.judge_by_id:
                recused[a.nomination_id].append(problem.judge_by_id[a.judge_id])
            continue
        loads[a.judge_id] += 1
        judge = problem.judge_by_id.get(a.judge_id)
        if judge is not None and a.nomination_id in problem.nomination_by_id:
            by_nomination[a.nomination_id].append((judge, a))
    rows = [
        CurrentNomination(
            nomination=n,
            category_name=problem.categories.get(n.category_id, ""),
            needed=problem.judges_per_nomination,
            judges=sorted(by_nomination.get(n.id, []), key=lambda p: (p[0].name.lower(), p[0].id)),
            recused=sorted(recused.get(n.id, []), key=lambda j: (j.name.lower(), j.id)),
        )
        for n in problem.nominations
    ]
    return CurrentState(problem=problem, nominations=rows, loads=dict(loads))
