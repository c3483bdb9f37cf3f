"""Assigning judges to nominations: a min-cost flow (design guide §5, "Assignment").

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
come back. Only submitted nominations are assigned; unfixed assignments to withdrawn, ineligible or
draft nominations are removed.

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

import hashlib
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import SimpleNamespace
from typing import Iterable

import numpy as np
from ortools.graph.python import min_cost_flow
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.judging import conflicts
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    Category,
    ConflictOfInterest,
    Cycle,
    CycleStatus,
    Expertise,
    Judge,
    Nomination,
    NominationPartner,
    NominationStatus,
    NominationTrend,
    Review,
    ReviewStatus,
    Trend,
    User,
    judge_categories,
)

# One affinity point is worth as much as one more nomination on a judge's pile: loads stay within a
# few of each other while judges still get the entries that match their expertise best.
AFFINITY_WEIGHT = 2
LOAD_WEIGHT = 2
PRIMARY_TREND_WEIGHT = 2
# When not every place can be filled, a nomination's u-th judge (of K) costs
# SHARE_SHORTFALL_WEIGHT · (u − K): its first judge is worth the most, so missing places are shared
# out (two nominations one judge short rather than one with no judges), whatever the expertise.
SHARE_SHORTFALL_WEIGHT = 40
AVOID_LEVEL = -2

# Above this many possible judge → nomination arcs, solve a reduced network and prove it optimal.
FULL_GRAPH_ARCS = 250_000
CANDIDATES_PER_NOMINATION = 24
MAX_PRICING_ROUNDS = 6
ADD_BELOW = 2 * LOAD_WEIGHT

# How many of the worst-matched nominations the preview highlights.
LOWEST_SHOWN = 10

# Unfixed assignments to these are removed: these nominations are not judged.
NOT_JUDGED = frozenset({NominationStatus.DRAFT, NominationStatus.WITHDRAWN, NominationStatus.INELIGIBLE})


# --- The inputs ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class JudgeInfo:
    id: int
    name: str
    email: str
    user_id: int | None
    organisation: str
    load_limit: int
    category_ids: frozenset[int] | None  # None: every category
    accepted: bool

    def judges_category(self, category_id: int) -> bool:
        return self.category_ids is None or category_id in self.category_ids


@dataclass(frozen=True, slots=True)
class NominationInfo:
    id: int
    reference: str
    title: str
    category_id: int
    trends: tuple[tuple[int, bool], ...]  # (trend id, is primary), the primary first
    organisation: str = ""               # the nominated organisation, for organisers' eyes

    @property
    def primary_trend_id(self) -> int | None:
        return next((t for t, primary in self.trends if primary), None)

    @property
    def display_title(self) -> str:
        return self.title or "Untitled nomination"


@dataclass(frozen=True, slots=True)
class ExistingAssignment:
    id: int
    judge_id: int
    nomination_id: int
    status: AssignmentStatus
    locked: bool
    affinity: int
    review_status: ReviewStatus | None
    nomination_status: NominationStatus

    @property
    def is_active(self) -> bool:
        return self.status is AssignmentStatus.ASSIGNED

    @property
    def is_fixed(self) -> bool:
        """Kept by a re-run: scores started or submitted, or locked by an organiser."""
        return self.is_active and (self.locked or self.review_status is not None)

    @property
    def fixed_reason(self) -> str:
        if self.review_status is ReviewStatus.SUBMITTED:
            return "Scores submitted"
        if self.review_status is ReviewStatus.DRAFT:
            return "Scores in draft"
        return "Locked" if self.locked else ""


@dataclass
class Problem:
    """Everything the assignment depends on, read from the database in a few queries."""

    cycle_id: int
    cycle_name: str
    judges_per_nomination: int
    categories: dict[int, str]                      # in the cycle's order
    judges: list[JudgeInfo]                         # by id
    nominations: list[NominationInfo]               # submitted ones, by id
    expertise: dict[int, dict[int, int]]            # user id → trend id → level
    conflicts: frozenset[tuple[int, int]]           # (judge id, nomination id)
    assignments: list[ExistingAssignment]           # all of the cycle's, by id
    trend_names: dict[int, str] = field(default_factory=dict)
    other_references: dict[int, str] = field(default_factory=dict)  # nominations outside the scope
    # Keep every live assignment as it is (fill_gaps): the solver only adds judges where places are empty.
    keep_existing: bool = False

    @cached_property
    def judge_by_id(self) -> dict[int, JudgeInfo]:
        return {j.id: j for j in self.judges}

    @cached_property
    def nomination_by_id(self) -> dict[int, NominationInfo]:
        return {n.id: n for n in self.nominations}

    def affinity(self, judge: JudgeInfo, nomination: NominationInfo) -> int:
        levels = self.expertise.get(judge.user_id, {}) if judge.user_id is not None else {}
        return affinity(levels, nomination.trends)

    def assignment_snapshot(self) -> tuple:
        """What apply() checks has not changed in between: the cycle's assignments."""
        return tuple((a.id, a.judge_id, a.nomination_id, a.status.value, a.locked,
                      a.review_status.value if a.review_status else None) for a in self.assignments)

    def fingerprint(self) -> str:
        """A hash of every input: if it differs, a preview made earlier is out of date."""
        data = {
            "k": self.judges_per_nomination,
            "categories": sorted(self.categories),
            "judges": [(j.id, j.user_id, j.load_limit, sorted(j.category_ids) if j.category_ids is not None else None,
                        j.accepted) for j in self.judges],
            "nominations": [(n.id, n.category_id, list(n.trends)) for n in self.nominations],
            "expertise": sorted((u, sorted(levels.items())) for u, levels in self.expertise.items()),
            "conflicts": sorted(self.conflicts),
            "assignments": list(self.assignment_snapshot()),
            "other": sorted(self.other_references),
        }
        return hashlib.sha256(json.dumps(data, separators=(",", ":")).encode()).hexdigest()


def affinity(levels: dict[int, int], trends: Iterable[tuple[int, bool]]) -> int:
    """How well a judge's expertise matches a nomination's trends: the sum of their levels on its
    trends (missing levels count 0), the primary trend counting double."""
    return sum(levels.get(t, 0) * (PRIMARY_TREND_WEIGHT if primary else 1) for t, primary in trends)


def _chunks(items: list, size: int = 900):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def load_problem(cycle: Cycle) -> Problem:
    """Read the assignment's inputs for the cycle with plain queries (fast for 10,000 nominations)."""
    cid = cycle.id
    session = db.session
    categories = dict(session.execute(select(Category.id, Category.name).where(Category.cycle_id == cid)
                                      .order_by(Category.position, Category.id)).all())
    panels: dict[int, set[int]] = defaultdict(set)
    for judge_id, category_id in session.execute(
            select(judge_categories.c.judge_id, judge_categories.c.category_id)
            .join(Judge, Judge.id == judge_categories.c.judge_id).where(Judge.cycle_id == cid)):
        panels[judge_id].add(category_id)

    judge_rows = session.execute(
        select(Judge.id, Judge.email, Judge.user_id, Judge.organisation, Judge.max_load, Judge.all_categories,
               Judge.accepted_at, User.name, User.email, User.organisation)
        .outerjoin(User, User.id == Judge.user_id).where(Judge.cycle_id == cid).order_by(Judge.id)).all()
    judges, judge_records = [], []
    for (jid, email, user_id, organisation, max_load, all_categories, accepted_at, user_name, user_email,
         user_organisation) in judge_rows:
        judges.append(JudgeInfo(
            id=jid, name=user_name or email, email=email, user_id=user_id, organisation=organisation or "",
            load_limit=max_load if max_load is not None else cycle.judge_max_load,
            category_ids=None if all_categories else frozenset(panels.get(jid, ())),
            accepted=accepted_at is not None and user_id is not None))
        user = (SimpleNamespace(email=user_email, organisation=user_organisation or "")
                if user_id is not None else None)
        judge_records.append(SimpleNamespace(id=jid, email=email, user_id=user_id, user=user,
                                             organisation=organisation or ""))

    scope = (Nomination.cycle_id == cid, Nomination.status == NominationStatus.SUBMITTED)
    nomination_rows = session.execute(
        select(Nomination.id, Nomination.reference, Nomination.title, Nomination.category_id,
               Nomination.nominator_id, Nomination.contact_email, Nomination.organisation_name, User.email)
        .outerjoin(User, User.id == Nomination.nominator_id).where(*scope).order_by(Nomination.id)).all()
    trend_links: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for nid, trend_id, is_primary in session.execute(
            select(NominationTrend.nomination_id, NominationTrend.trend_id, NominationTrend.is_primary)
            .join(Nomination, Nomination.id == NominationTrend.nomination_id).where(*scope)
            .order_by(NominationTrend.nomination_id, NominationTrend.is_primary.desc(), NominationTrend.position,
                      NominationTrend.trend_id)):
        trend_links[nid].append((trend_id, bool(is_primary)))
    partners: dict[int, list[SimpleNamespace]] = defaultdict(list)
    for nid, name in session.execute(
            select(NominationPartner.nomination_id, NominationPartner.name)
            .join(Nomination, Nomination.id == NominationPartner.nomination_id).where(*scope)):
        partners[nid].append(SimpleNamespace(name=name))
    nominations, nomination_records = [], []
    for nid, reference, title, category_id, nominator_id, contact_email, organisation_name, nominator_email \
            in nomination_rows:
        nominations.append(NominationInfo(id=nid, reference=reference, title=title or "", category_id=category_id,
                                          trends=tuple(trend_links.get(nid, ())),
                                          organisation=organisation_name or ""))
        # conflicts.conflict_pairs reads only these attributes of a nomination.
        nomination_records.append(SimpleNamespace(
            id=nid, nominator_id=nominator_id, contact_email=contact_email,
            nominator=SimpleNamespace(email=nominator_email) if nominator_email else None,
            organisation_name=organisation_name, partners=partners.get(nid, [])))

    user_ids = sorted({j.user_id for j in judges if j.user_id is not None})
    expertise: dict[int, dict[int, int]] = defaultdict(dict)
    for chunk in _chunks(user_ids):
        for user_id, trend_id, level in session.execute(
                select(Expertise.user_id, Expertise.trend_id, Expertise.level).where(Expertise.user_id.in_(chunk))):
            expertise[user_id][trend_id] = level

    pairs = frozenset(conflicts.conflict_pairs(judge_records, nomination_records)) if judge_records else frozenset()

    assignments, other_references = [], {}
    in_scope = {n.id for n in nominations}
    for (aid, judge_id, nid, status, locked, aff, review_status, nomination_status, reference) in session.execute(
            select(Assignment.id, Assignment.judge_id, Assignment.nomination_id, Assignment.status, Assignment.locked,
                   Assignment.affinity, Review.status, Nomination.status, Nomination.reference)
            .join(Nomination, Nomination.id == Assignment.nomination_id)
            .outerjoin(Review, Review.assignment_id == Assignment.id)
            .where(Nomination.cycle_id == cid).order_by(Assignment.id)):
        assignments.append(ExistingAssignment(id=aid, judge_id=judge_id, nomination_id=nid,
                                              status=AssignmentStatus(status), locked=bool(locked),
                                              affinity=aff or 0,
                                              review_status=ReviewStatus(review_status) if review_status else None,
                                              nomination_status=NominationStatus(nomination_status)))
        if nid not in in_scope:
            other_references[nid] = reference

    trend_ids = {t for n in nominations for t, _ in n.trends}
    trend_names = dict(session.execute(select(Trend.id, Trend.name).where(Trend.id.in_(trend_ids))).all()) \
        if trend_ids else {}
    return Problem(cycle_id=cid, cycle_name=cycle.name, judges_per_nomination=cycle.judges_per_nomination,
                   categories=categories, judges=judges, nominations=nominations, expertise=dict(expertise),
                   conflicts=pairs, assignments=assignments, trend_names=trend_names,
                   other_references=other_references)


# --- The result ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Planned:
    """One judge on one nomination in the proposed assignment."""

    judge_id: int
    nomination_id: int
    affinity: int
    kind: str                        # "fixed" (kept whatever happens), "kept" (unchanged), "new"
    assignment_id: int | None = None
    avoided: bool = False            # the judge said "prefer not" on the primary trend
    fixed_reason: str = ""


@dataclass
class Shortfall:
    """Nominations of one category that cannot get all their judges, and what would help."""

    category_id: int
    category_name: str
    judges: int                      # how many judges each of them can get
    needed: int
    reason: str                      # "no_judges", "few_judges", "conflicts" or "load"
    nominations: list[NominationInfo]
    panel_size: int = 0              # for "few_judges": how many judges the category has

    @property
    def message(self) -> str:
        count = len(self.nominations)
        what = f"{count} {'nomination' if count == 1 else 'nominations'} in {self.category_name}"
        get = ("can get no judges" if self.judges == 0 else
               f"can get only {self.judges} {'judge' if self.judges == 1 else 'judges'}")
        them = "it" if count == 1 else "them"
        if self.reason == "no_judges":
            why = "no judge who has accepted their invitation judges this category: add a judge to this category"
        elif self.reason == "few_judges":
            why = (f"only {self.panel_size} {'judge judges' if self.panel_size == 1 else 'judges judge'} this "
                   "category: add a judge to this category")
        elif self.reason == "conflicts":
            why = (f"too few of this category's judges are free of conflicts of interest with {them}: "
                   "add a judge to this category")
        else:
            why = "add a judge to this category or raise a load limit"
        return f"{what} {get}: {why}"


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
    planned: list[Planned]                 # by nomination id, then judge id
    removals: list[ExistingAssignment]     # unfixed assignments the plan replaces
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
        kinds = defaultdict(int)
        for p in self.planned:
            kinds[p.kind] += 1
        return {"added": kinds["new"], "kept": kinds["kept"], "fixed": kinds["fixed"],
                "removed": len(self.removals),
                "short": sum(len(s.nominations) for s in self.shortfalls),
                "places_short": sum((s.needed - s.judges) * len(s.nominations) for s in self.shortfalls)}

    @cached_property
    def nomination_plans(self) -> list[NominationPlan]:
        """Every submitted nomination with its proposed judges; the worst-matched flagged `lowest`."""
        by_nomination: dict[int, list[Planned]] = defaultdict(list)
        for p in self.planned:
            by_nomination[p.nomination_id].append(p)
        plans = [NominationPlan(nomination=n, category_name=self.problem.categories.get(n.category_id, ""),
                                needed=self.problem.judges_per_nomination, planned=by_nomination.get(n.id, []))
                 for n in self.problem.nominations]
        ranked = sorted((p for p in plans if p.planned), key=lambda p: (p.mean_affinity, p.nomination.reference))
        for plan in ranked[:LOWEST_SHOWN]:
            plan.lowest = True
        return plans

    @property
    def lowest(self) -> list[NominationPlan]:
        """The worst-matched nominations: lowest mean affinity first, ties by reference."""
        return sorted((p for p in self.nomination_plans if p.lowest),
                      key=lambda p: (p.mean_affinity, p.nomination.reference))

    @cached_property
    def judge_loads(self) -> list[JudgeLoad]:
        """Each judge's load now and after the change (fixed assignments to nominations that are no
        longer judged still count, as they stay)."""
        before, after = defaultdict(int), defaultdict(int)
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
        return [JudgeLoad(judge=j, before=before[j.id], after=after[j.id],
                          mean_affinity=sum(mine[j.id]) / len(mine[j.id]) if mine[j.id] else None)
                for j in self.problem.judges]

    @cached_property
    def totals(self) -> dict:
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
        lines = [f"{self.problem.cycle_name}: {t['nominations']} submitted nominations, {t['judges']} judges "
                 f"({t['invited']} more invited), {self.problem.judges_per_nomination} judges per nomination",
                 f"Places filled: {t['filled']} of {t['places']}"
                 + (f" ({c['places_short']} short)" if c["places_short"] else ""),
                 f"Changes: {c['added']} new, {c['kept']} unchanged, {c['fixed']} kept as they are "
                 f"(scores started or locked), {c['removed']} removed"]
        if t["mean_affinity"] is not None:
            lines.append(f"Mean affinity: {t['mean_affinity']:+.2f}")
        if t["min_load"] is not None:
            lines.append(f"Judge loads: lowest {t['min_load']}, highest {t['max_load']}")
        if self.shortfalls:
            lines.append("Shortfalls:")
            for s in self.shortfalls:
                references = ", ".join(n.reference for n in s.nominations[:20])
                more = f" and {len(s.nominations) - 20} more" if len(s.nominations) > 20 else ""
                lines.append(f"  - {s.message} ({references}{more})")
        else:
            lines.append("Every nomination gets all its judges.")
        if self.avoided:
            lines.append("Judges given a nomination whose primary trend they prefer not to judge "
                         "(nobody else could take it):")
            for p in self.avoided:
                nomination = self.problem.nomination_by_id[p.nomination_id]
                trend = self.problem.trend_names.get(nomination.primary_trend_id, "its primary trend")
                lines.append(f"  - {nomination.reference}: {self.problem.judge_by_id[p.judge_id].name} "
                             f"(prefers not to judge {trend})")
        for warning in self.warnings:
            lines.append(f"Warning: {warning}")
        return lines


@dataclass
class CurrentNomination:
    nomination: NominationInfo
    category_name: str
    needed: int
    judges: list[tuple[JudgeInfo, ExistingAssignment]]   # its live (not recused) assignments
    recused: list[JudgeInfo] = field(default_factory=list)  # judges taken off it by a conflict of interest

    @property
    def short_by(self) -> int:
        return max(0, self.needed - len(self.judges))

    @property
    def mean_affinity(self) -> float | None:
        return sum(a.affinity for _, a in self.judges) / len(self.judges) if self.judges else None


@dataclass
class CurrentState:
    """The cycle's assignments as they are, for the assignment page."""

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
    """Who judges what now, per submitted nomination, with each judge's load."""
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
    rows = [CurrentNomination(nomination=n, category_name=problem.categories.get(n.category_id, ""),
                              needed=problem.judges_per_nomination,
                              judges=sorted(by_nomination.get(n.id, []), key=lambda p: (p[0].name.lower(), p[0].id)),
                              recused=sorted(recused.get(n.id, []), key=lambda j: (j.name.lower(), j.id)))
            for n in problem.nominations]
    return CurrentState(problem=problem, nominations=rows, loads=dict(loads))


# --- Solving -------------------------------------------------------------------------------------

def propose(cycle: Cycle, **options) -> AssignmentResult:
    """The best assignment for the cycle as it is now (nothing is written)."""
    return solve(load_problem(cycle), **options)


def solve(problem: Problem, *, candidates_per_nomination: int | None = None,
          full_graph_arcs: int = FULL_GRAPH_ARCS) -> AssignmentResult:
    """Solve the min-cost flow for the problem (see the module's docstring for the rules)."""
    started = time.perf_counter()
    K = problem.judges_per_nomination
    judges = sorted(problem.judges, key=lambda j: j.id)
    nominations = sorted(problem.nominations, key=lambda n: n.id)
    J, N = len(judges), len(nominations)
    judge_index = {j.id: i for i, j in enumerate(judges)}
    nomination_index = {n.id: i for i, n in enumerate(nominations)}

    # Fixed assignments count toward loads and needs, and their pair gets no new arc.
    fixed_load = np.zeros(J, dtype=np.int64)
    fixed_count = np.zeros(N, dtype=np.int64)
    blocked_n, blocked_j = [], []
    fixed_planned: list[Planned] = []
    replaceable: list[ExistingAssignment] = []
    removals: list[ExistingAssignment] = []
    warnings: list[str] = []
    for a in sorted(problem.assignments, key=lambda a: a.id):
        ji = judge_index.get(a.judge_id)
        ni = nomination_index.get(a.nomination_id)
        if ji is None:
            continue
        if a.status is AssignmentStatus.RECUSED:
            continue
        if ni is None:
            # A nomination this run does not assign: its unfixed assignments go if it is not judged
            # (withdrawn, ineligible, draft); whatever stays still counts toward the judge's load.
            if not a.is_fixed and a.nomination_status in NOT_JUDGED and not problem.keep_existing:
                removals.append(a)
            else:
                fixed_load[ji] += 1
        elif a.is_fixed or problem.keep_existing:
            fixed_load[ji] += 1
            fixed_count[ni] += 1
            blocked_n.append(ni)
            blocked_j.append(ji)
            fixed_planned.append(a)
        else:
            replaceable.append(a)

    limits = np.array([j.load_limit for j in judges], dtype=np.int64)
    accepted = np.array([j.accepted for j in judges], dtype=bool)
    capacity = np.where(accepted, np.maximum(0, limits - fixed_load), 0)
    need = np.maximum(0, K - fixed_count)

    # Affinity (N × J) from expertise (J × T) and the nominations' weighted trends (N × T).
    trend_ids = sorted({t for n in nominations for t, _ in n.trends})
    trend_index = {t: i for i, t in enumerate(trend_ids)}
    T = len(trend_ids)
    levels = np.zeros((J, max(T, 1)), dtype=np.int64)
    for ji, judge in enumerate(judges):
        for trend_id, level in (problem.expertise.get(judge.user_id, {}) if judge.user_id is not None else {}).items():
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
    affinity_matrix = weights @ levels.T if N and J else np.zeros((N, J), dtype=np.int64)
    avoid = np.zeros((N, J), dtype=bool)
    has_primary = primary >= 0
    if J and has_primary.any():
        avoid[has_primary] = levels[:, primary[has_primary]].T == AVOID_LEVEL

    # Who may judge what: accepted, in the category panel, no conflict, not recused.
    category_ids = sorted({n.category_id for n in nominations} | set(problem.categories))
    category_index = {c: i for i, c in enumerate(category_ids)}
    panel = np.zeros((max(len(category_ids), 1), J), dtype=bool)
    for ji, judge in enumerate(judges):
        if judge.category_ids is None:
            panel[:, ji] = True
        else:
            for c in judge.category_ids:
                if c in category_index:
                    panel[category_index[c], ji] = True
    nomination_category = np.array([category_index[n.category_id] for n in nominations], dtype=np.int64)
    eligible = panel[nomination_category] & accepted[None, :] if N else np.zeros((0, J), dtype=bool)
    if problem.conflicts and N and J:
        pairs = np.array(sorted(problem.conflicts), dtype=np.int64)
        judge_ids = np.array([j.id for j in judges], dtype=np.int64)
        nomination_ids = np.array([n.id for n in nominations], dtype=np.int64)
        cj = np.clip(np.searchsorted(judge_ids, pairs[:, 0]), 0, J - 1)
        cn = np.clip(np.searchsorted(nomination_ids, pairs[:, 1]), 0, N - 1)
        known = (judge_ids[cj] == pairs[:, 0]) & (nomination_ids[cn] == pairs[:, 1])
        eligible[cn[known], cj[known]] = False
    recused_n = [nomination_index[a.nomination_id] for a in problem.assignments
                 if a.status is AssignmentStatus.RECUSED and a.nomination_id in nomination_index
                 and a.judge_id in judge_index]
    recused_j = [judge_index[a.judge_id] for a in problem.assignments
                 if a.status is AssignmentStatus.RECUSED and a.nomination_id in nomination_index
                 and a.judge_id in judge_index]
    eligible[recused_n, recused_j] = False
    # Everyone who could judge it at all (its fixed judges included), to explain a shortfall.
    candidates = eligible.sum(axis=1) if N else np.zeros(0, dtype=np.int64)
    eligible[blocked_n, blocked_j] = False
    allowed = eligible & (need > 0)[:, None] & (capacity > 0)[None, :]

    # Costs of judge → nomination arcs, and the penalties that make the objective lexicographic.
    arc_cost = -AFFINITY_WEIGHT * affinity_matrix
    max_limit = int(limits.max()) if J else 0
    plain_range = max(int(np.abs(arc_cost).max()) if arc_cost.size else 0, LOAD_WEIGHT * max(0, max_limit - 1)) + 1
    spread = SHARE_SHORTFALL_WEIGHT
    largest = max(plain_range, spread * K)
    cycle_length = 2 * min(J, N) + 4  # the most arcs a simple cycle of the residual network can have
    avoid_penalty = cycle_length * largest + 1
    overflow_cost = cycle_length * (avoid_penalty + largest) + 1
    arc_cost = arc_cost + avoid_penalty * avoid

    total_need = int(need.sum())
    network = _Network(J=J, N=N, fixed_load=fixed_load, limits=np.where(accepted, limits, 0), capacity=capacity,
                       need=need, fixed_count=fixed_count, K=K, spread=spread, total_need=total_need,
                       arc_cost=arc_cost, overflow_cost=overflow_cost)

    possible = int(allowed.sum())
    rounds = 0
    if candidates_per_nomination is None and possible <= full_graph_arcs:
        selected = allowed
        sel_n, sel_j = np.nonzero(selected)
        flows = network.solve(sel_n, sel_j)
    else:
        m = candidates_per_nomination or CANDIDATES_PER_NOMINATION
        # Ties between equally good judges are spread by a rotation (judge position − nomination
        # position), so no judge is crowded out of the candidates by its id.
        rotation = ((np.arange(J, dtype=np.int64)[None, :] - np.arange(N, dtype=np.int64)[:, None]) % J
                    if J else np.zeros((N, 0), dtype=np.int64))
        selected = _best_arcs(allowed, arc_cost, rotation, m)
        while True:
            rounds += 1
            sel_n, sel_j = np.nonzero(selected)
            flows = network.solve(sel_n, sel_j)
            if rounds > MAX_PRICING_ROUNDS:
                selected = allowed
                sel_n, sel_j = np.nonzero(selected)
                flows = network.solve(sel_n, sel_j)
                break
            reduced = network.reduced_costs(sel_n, sel_j, flows)
            open_arcs = allowed & ~selected
            if not (open_arcs & (reduced < 0)).any():
                break
            # Add each nomination's most promising left-out arcs (most negative reduced cost first,
            # so every round adds an arc that improves the solution and the loop ends); arcs with a
            # small positive reduced cost come too, as the next optimum often needs them.
            selected = selected | _best_arcs(open_arcs & (reduced < ADD_BELOW), reduced, rotation, m)

    # Read the solution back.
    used = flows.arc_flows > 0
    new_n, new_j = sel_n[used], sel_j[used]
    new_load = np.bincount(new_j, minlength=J)
    new_count = np.bincount(new_n, minlength=N)
    load = fixed_load + new_load
    objective = int(arc_cost[new_n, new_j].sum()) + flows.overflow * overflow_cost
    got = fixed_count + new_count
    objective += spread * int(((got * (got + 1)) // 2 - (fixed_count * (fixed_count + 1)) // 2
                               - K * (got - fixed_count)).sum())
    for ji in range(J):
        first, last = int(fixed_load[ji]), int(load[ji])
        objective += LOAD_WEIGHT * ((last * (last - 1)) // 2 - (first * (first - 1)) // 2) if last > first else 0

    existing = {(a.judge_id, a.nomination_id): a for a in replaceable}
    planned: list[Planned] = []
    for a in fixed_planned:
        ni, ji = nomination_index[a.nomination_id], judge_index[a.judge_id]
        planned.append(Planned(judge_id=a.judge_id, nomination_id=a.nomination_id,
                               affinity=int(affinity_matrix[ni, ji]), kind="fixed", assignment_id=a.id,
                               avoided=bool(avoid[ni, ji]), fixed_reason=a.fixed_reason))
        if (a.judge_id, a.nomination_id) in problem.conflicts:
            warnings.append(f"{judges[ji].name} is assigned to {nominations[ni].reference} ({a.fixed_reason.lower()}) "
                            "but has a conflict of interest with it: remove the assignment on the nomination's "
                            "assignment page")
        elif not judges[ji].judges_category(nominations[ni].category_id):
            warnings.append(f"{judges[ji].name} is assigned to {nominations[ni].reference} "
                            f"({a.fixed_reason.lower()}) but no longer judges its category")
    kept_keys = set()
    for ni, ji in zip(new_n.tolist(), new_j.tolist()):
        judge, nomination = judges[ji], nominations[ni]
        previous = existing.get((judge.id, nomination.id))
        if previous is not None:
            kept_keys.add((judge.id, nomination.id))
        planned.append(Planned(judge_id=judge.id, nomination_id=nomination.id,
                               affinity=int(affinity_matrix[ni, ji]), kind="kept" if previous else "new",
                               assignment_id=previous.id if previous else None, avoided=bool(avoid[ni, ji])))
    planned.sort(key=lambda p: (p.nomination_id, p.judge_id))
    removals.extend(a for a in replaceable if (a.judge_id, a.nomination_id) not in kept_keys)
    removals.sort(key=lambda a: a.id)

    shortfalls = _explain_shortfalls(problem, nominations, got, candidates, nomination_category, accepted, panel)
    return AssignmentResult(problem=problem, planned=planned, removals=removals, shortfalls=shortfalls,
                            warnings=warnings, objective=int(objective),
                            solve_seconds=time.perf_counter() - started, pricing_rounds=rounds,
                            arcs=int(selected.sum()))


@dataclass
class _Flows:
    arc_flows: np.ndarray   # per selected judge → nomination arc, in np.nonzero(selected) order
    overflow: int           # places left unfilled
    with_overflow: bool     # solved with the overflow arc


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
        return self._solve(sel_n, sel_j, with_overflow=False) or self._solve(sel_n, sel_j, with_overflow=True)

    def _solve(self, sel_n: np.ndarray, sel_j: np.ndarray, *, with_overflow: bool) -> _Flows | None:
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
                np.zeros(len(judge_of_unit), dtype=np.int64), 1 + judge_of_unit,
                np.ones(len(judge_of_unit), dtype=np.int64), unit_cost)
        first_arc = solver.num_arcs()
        if len(sel_n):
            solver.add_arcs_with_capacity_and_unit_cost(
                1 + sel_j, 1 + J + sel_n, np.ones(len(sel_n), dtype=np.int64), self.arc_cost[sel_n, sel_j])
        places = self.need
        if places.sum():
            nomination_of_place = np.repeat(np.arange(N), places)
            offsets = np.arange(int(places.sum())) - np.repeat(np.cumsum(places) - places, places)
            solver.add_arcs_with_capacity_and_unit_cost(
                1 + J + nomination_of_place, np.full(len(nomination_of_place), sink, dtype=np.int64),
                np.ones(len(nomination_of_place), dtype=np.int64),
                self.place_cost(self.fixed_count[nomination_of_place] + offsets + 1))
        overflow_arc = (solver.add_arc_with_capacity_and_unit_cost(source, sink, self.total_need, self.overflow_cost)
                        if with_overflow else None)
        solver.set_node_supply(source, self.total_need)
        solver.set_node_supply(sink, -self.total_need)
        status = solver.solve()
        if status == solver.INFEASIBLE and not with_overflow:
            return None
        if status != solver.OPTIMAL:
            raise RuntimeError(f"The min-cost-flow solver failed: {status}")
        arc_flows = (solver.flows(np.arange(first_arc, first_arc + len(sel_n), dtype=np.int64))
                     if len(sel_n) else np.zeros(0, dtype=np.int64))
        return _Flows(arc_flows=np.asarray(arc_flows), with_overflow=with_overflow,
                      overflow=int(solver.flow(overflow_arc)) if overflow_arc is not None else 0)

    def reduced_costs(self, sel_n: np.ndarray, sel_j: np.ndarray, flows: _Flows) -> np.ndarray:
        """Every judge → nomination arc's reduced cost under optimal potentials of the reduced
        network's residual network. If no left-out arc has a negative one, the reduced network's
        optimum is optimal for the full network too."""
        J, N = self.J, self.N
        s, t = J, J + 1
        V = J + 2
        inf = np.int64(1 << 61)
        cost = self.arc_cost[sel_n, sel_j]
        used = flows.arc_flows > 0
        new_count = np.bincount(sel_n[used], minlength=N)
        new_load = np.bincount(sel_j[used], minlength=J)
        load = self.fixed_load + new_load

        # Residual arcs into a nomination (in) and out of it (out), with their costs.
        in_n = [sel_n[~used]]
        in_u = [sel_j[~used]]
        in_w = [cost[~used]]
        out_n = [sel_n[used]]
        out_v = [sel_j[used]]
        out_w = [-cost[used]]
        got = self.fixed_count + new_count
        via_sink_in = np.nonzero(new_count > 0)[0]                                # sink → n: undo its last place
        via_sink_out = np.nonzero((new_count < self.need) & (self.need > 0))[0]   # n → sink: its next place
        in_n.append(via_sink_in)
        in_u.append(np.full(len(via_sink_in), t))
        in_w.append(-self.place_cost(got[via_sink_in]))
        out_n.append(via_sink_out)
        out_v.append(np.full(len(via_sink_out), t))
        out_w.append(self.place_cost(got[via_sink_out] + 1))
        in_n, in_u, in_w = np.concatenate(in_n), np.concatenate(in_u), np.concatenate(in_w)
        out_n, out_v, out_w = np.concatenate(out_n), np.concatenate(out_v), np.concatenate(out_w)

        # Shortest distances from a virtual root (0 to every node) over the residual network, with the
        # nominations eliminated: u → n → v becomes u → v.
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
        for _ in range(V + 1):
            candidate = (d[:, None] + graph).min(axis=0)
            nd = np.minimum(d, candidate)
            if np.array_equal(nd, d):
                break
            d = nd
        else:  # pragma: no cover - the reduced network's optimum has no negative cycle
            raise RuntimeError("Negative cycle in an optimal residual network")
        d_nomination = np.zeros(N, dtype=np.int64)
        np.minimum.at(d_nomination, in_n, d[in_u] + in_w)
        reduced = self.arc_cost + d[:J][None, :]
        reduced -= d_nomination[:, None]
        return reduced


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


def _explain_shortfalls(problem: Problem, nominations: list[NominationInfo], got: np.ndarray,
                        candidates: np.ndarray, nomination_category: np.ndarray, accepted: np.ndarray,
                        panel: np.ndarray) -> list[Shortfall]:
    """Group the nominations short of judges per category, by what would help: the category has no
    judges; it has fewer judges than each nomination needs; too few of its judges are free of
    conflicts with them (a recusal counts as a conflict); or there are judges enough, but they are
    at their load limits."""
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
    shortfalls = [Shortfall(category_id=c, category_name=problem.categories.get(c, "an unknown category"),
                            judges=k, needed=K, reason=reason, nominations=sorted(items, key=lambda n: n.reference),
                            panel_size=int(panel_size[nomination_category[nominations.index(items[0])]])
                            if reason == "few_judges" else 0)
                  for (c, reason, k), items in groups.items()]
    shortfalls.sort(key=lambda s: (order.get(s.category_id, len(order)), reason_order[s.reason], s.judges))
    return shortfalls


# --- Writing -------------------------------------------------------------------------------------

def _current_snapshot(cycle_id: int) -> tuple:
    rows = db.session.execute(
        select(Assignment.id, Assignment.judge_id, Assignment.nomination_id, Assignment.status, Assignment.locked,
               Review.status)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Nomination.cycle_id == cycle_id).order_by(Assignment.id))
    return tuple((aid, judge_id, nid, AssignmentStatus(status).value, bool(locked),
                  ReviewStatus(review).value if review else None)
                 for aid, judge_id, nid, status, locked, review in rows)


def apply(result: AssignmentResult, *, by: User | None, action: str = "assignment.applied") -> dict[str, int]:
    """Write a proposed assignment in the caller's transaction: remove the unfixed assignments it
    replaces and add the new ones with their affinity. Refused (Conflict) if the cycle's assignments
    changed since the proposal was computed, so two runs at once never both write."""
    problem = result.problem
    cycle = db.session.scalar(select(Cycle).where(Cycle.id == problem.cycle_id).with_for_update())
    if cycle is None:
        raise DomainError("This award cycle no longer exists")
    _check_changeable(cycle)
    if _current_snapshot(problem.cycle_id) != problem.assignment_snapshot():
        raise Conflict("The assignments changed while the new assignment was being worked out, so nothing "
                       "was saved. Run the assignment again.")
    additions = {(p.judge_id, p.nomination_id) for p in result.additions}
    if additions:
        recorded = db.session.execute(
            select(ConflictOfInterest.judge_id, ConflictOfInterest.nomination_id)
            .join(Judge, Judge.id == ConflictOfInterest.judge_id)
            .where(Judge.cycle_id == problem.cycle_id, ConflictOfInterest.removed_at.is_(None)))
        if any(pair in additions for pair in recorded):
            raise Conflict("A conflict of interest was recorded while the new assignment was being worked out, "
                           "so nothing was saved. Run the assignment again.")
    now = utcnow()
    removed_ids = [a.id for a in result.removals]
    for chunk in _chunks(removed_ids):
        db.session.execute(delete(Assignment).where(Assignment.id.in_(chunk))
                           .execution_options(synchronize_session=False))
    rows = [{"judge_id": p.judge_id, "nomination_id": p.nomination_id, "status": AssignmentStatus.ASSIGNED,
             "locked": False, "affinity": p.affinity, "created_at": now,
             "created_by_id": by.id if by is not None else None} for p in result.additions]
    try:
        if rows:
            # The table, not the mapped class: a plain executemany, twice as fast for 30,000 rows.
            db.session.execute(insert(Assignment.__table__), rows)
        previous = {a.id: a.affinity for a in problem.assignments}
        changed = [{"id": p.assignment_id, "affinity": p.affinity} for p in result.planned
                   if p.assignment_id is not None and previous.get(p.assignment_id) != p.affinity]
        if changed:
            db.session.execute(update(Assignment), changed)
        db.session.flush()
    except IntegrityError:
        raise Conflict("Someone else assigned judges to this cycle at the same time, so nothing was saved. "
                       "Run the assignment again.")
    counts = dict(result.counts)
    audit.record(action, actor=by, obj=cycle, added=counts["added"], removed=counts["removed"],
                 kept=counts["kept"], fixed=counts["fixed"], short=counts["short"],
                 avoided=len(result.avoided),
                 mean_affinity=round(result.totals["mean_affinity"], 2)
                 if result.totals["mean_affinity"] is not None else None)
    db.session.flush()
    db.session.expire_all()
    return counts


def fill_gaps(cycle: Cycle, *, by: User) -> AssignmentResult:
    """Give the nominations short of judges (after the assignment has been run) the judges they still
    need, in one step: the solver on just those nominations with every live assignment kept as it is,
    so nothing is taken away or moved, written at once. Returns what was solved (its shortfalls say
    what is still missing). Refused (Conflict) when there is no gap to fill."""
    _check_changeable(cycle)
    problem = load_problem(cycle)
    state = current_state(problem)
    if not state.assigned:
        raise Conflict("No judges have been assigned in this cycle yet: run the assignment first")
    gaps = state.gaps
    if not gaps:
        raise Conflict("Every nomination has all its judges: there is no gap to fill")
    scoped = replace(problem, nominations=[row.nomination for row in gaps], keep_existing=True)
    result = solve(scoped)
    apply(result, by=by, action="assignment.gaps_filled")
    return result


# --- Manual control ------------------------------------------------------------------------------

def judge_loads(cycle: Cycle) -> dict[int, int]:
    """Live (not recused) assignments per judge id of the cycle."""
    from sqlalchemy import func
    return dict(db.session.execute(
        select(Assignment.judge_id, func.count(Assignment.id)).join(Judge, Judge.id == Assignment.judge_id)
        .where(Judge.cycle_id == cycle.id, Assignment.status == AssignmentStatus.ASSIGNED)
        .group_by(Assignment.judge_id)).all())


@dataclass
class Candidate:
    judge: Judge
    load: int
    limit: int
    affinity: int
    avoided: bool


@dataclass
class ManualOptions:
    """Who an organiser may add to a nomination by hand, and why the others are not offered."""

    offered: list[Candidate]
    at_limit: list[Candidate]
    conflicted: list[Judge]
    other_category: list[Judge]
    recused: list[Judge]
    not_accepted: int


def expertise_levels(user_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    levels: dict[int, dict[int, int]] = defaultdict(dict)
    ids = sorted(set(user_ids))
    for chunk in _chunks(ids):
        for user_id, trend_id, level in db.session.execute(
                select(Expertise.user_id, Expertise.trend_id, Expertise.level).where(Expertise.user_id.in_(chunk))):
            levels[user_id][trend_id] = level
    return levels


def nomination_trends(nomination: Nomination) -> tuple[tuple[int, bool], ...]:
    links = sorted(nomination.trend_links, key=lambda link: (not link.is_primary, link.position, link.trend_id))
    return tuple((link.trend_id, bool(link.is_primary)) for link in links)


def manual_options(nomination: Nomination, judges: list[Judge], assignments: list[Assignment]) -> ManualOptions:
    """Sort the cycle's judges for the nomination's "Add a judge" list: only accepted judges of its
    category with no conflict, no assignment to it yet and room under their load limit are offered."""
    cycle = nomination.cycle
    taken = {a.judge_id: a for a in assignments}
    accepted = [j for j in judges if j.has_accepted and j.user_id is not None]
    pairs = conflicts.conflict_pairs(accepted, [nomination]) if accepted else set()
    loads = judge_loads(cycle)
    levels = expertise_levels(j.user_id for j in accepted)
    trends = nomination_trends(nomination)
    primary = next((t for t, p in trends if p), None)
    options = ManualOptions(offered=[], at_limit=[], conflicted=[], other_category=[], recused=[],
                            not_accepted=len(judges) - len(accepted))
    for judge in sorted(accepted, key=lambda j: (j.display_name.lower(), j.id)):
        existing = taken.get(judge.id)
        if existing is not None:
            if existing.status is AssignmentStatus.RECUSED:
                options.recused.append(judge)
            continue
        if (judge.id, nomination.id) in pairs:
            options.conflicted.append(judge)
            continue
        if not judge.judges_category(nomination.category_id):
            options.other_category.append(judge)
            continue
        judge_levels = levels.get(judge.user_id, {})
        candidate = Candidate(judge=judge, load=loads.get(judge.id, 0), limit=judge.load_limit,
                              affinity=affinity(judge_levels, trends),
                              avoided=primary is not None and judge_levels.get(primary) == AVOID_LEVEL)
        (options.offered if candidate.load < candidate.limit else options.at_limit).append(candidate)
    options.offered.sort(key=lambda c: (-c.affinity, c.load, c.judge.display_name.lower(), c.judge.id))
    return options


def _check_changeable(cycle: Cycle) -> None:
    if cycle.status is CycleStatus.PUBLISHED:
        raise NotAllowed("The results of this cycle are published, so its judges cannot be changed")


def add_judge(nomination: Nomination, judge: Judge, *, by: User) -> Assignment:
    """An organiser gives a submitted nomination a judge by hand: an accepted judge of its category
    with no conflict and room under their load limit. The assignment is locked, so a re-run keeps it."""
    _check_changeable(nomination.cycle)
    if judge.cycle_id != nomination.cycle_id:
        raise NotAllowed("This judge does not judge this award cycle", field="judge")
    if nomination.status is not NominationStatus.SUBMITTED:
        raise DomainError(f"{nomination.reference} is {nomination.status.label.lower()}: only submitted "
                          "nominations are judged", field="judge")
    if not judge.has_accepted or judge.user_id is None:
        raise DomainError(f"{judge.display_name} has not accepted the invitation yet", field="judge")
    if not judge.judges_category(nomination.category_id):
        raise DomainError(f"{judge.display_name} does not judge {nomination.category.name}", field="judge")
    existing = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                          Assignment.nomination_id == nomination.id))
    if existing is not None:
        if existing.status is AssignmentStatus.RECUSED:
            raise DomainError(f"{judge.display_name} declared a conflict of interest with this nomination",
                              field="judge")
        raise Conflict(f"{judge.display_name} already judges this nomination", field="judge")
    if conflicts.is_conflicted(judge, nomination):
        raise DomainError(f"{judge.display_name} has a conflict of interest with this nomination", field="judge")
    load = judge_loads(nomination.cycle).get(judge.id, 0)
    if load >= judge.load_limit:
        raise DomainError(f"{judge.display_name} already has {load} nominations, their limit: raise their "
                          "limit on the judges page first", field="judge")
    levels = expertise_levels([judge.user_id])[judge.user_id]
    assignment = Assignment(judge_id=judge.id, nomination_id=nomination.id, status=AssignmentStatus.ASSIGNED,
                            locked=True, affinity=affinity(levels, nomination_trends(nomination)),
                            created_at=utcnow(), created_by_id=by.id)
    db.session.add(assignment)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"{judge.display_name} already judges this nomination", field="judge")
    audit.record("assignment.added", actor=by, obj=nomination, judge=judge.id, assignment=assignment.id,
                 locked=True)
    return assignment


def remove_assignment(assignment: Assignment, *, by: User) -> None:
    """Take a judge off a nomination; refused once they have submitted scores (reopen them first).
    A draft review is deleted with the assignment."""
    _check_changeable(assignment.nomination.cycle)
    if assignment.status is not AssignmentStatus.ASSIGNED:
        raise DomainError("This judge declared a conflict of interest: the record of it stays")
    review = assignment.review
    if review is not None and review.status is ReviewStatus.SUBMITTED:
        raise DomainError(f"{assignment.judge.display_name} has submitted scores for this nomination, so the "
                          "assignment cannot be removed")
    audit.record("assignment.removed", actor=by, obj=assignment.nomination, judge=assignment.judge_id,
                 assignment=assignment.id, had_draft=review is not None)
    db.session.delete(assignment)
    db.session.flush()


def set_locked(assignment: Assignment, locked: bool, *, by: User) -> bool:
    """Lock an assignment so a re-run keeps it, or unlock it; False if it already was."""
    _check_changeable(assignment.nomination.cycle)
    if assignment.status is not AssignmentStatus.ASSIGNED:
        raise DomainError("This judge declared a conflict of interest, so the assignment cannot be locked")
    if assignment.locked == locked:
        return False
    assignment.locked = locked
    audit.record("assignment.locked" if locked else "assignment.unlocked", actor=by, obj=assignment.nomination,
                 judge=assignment.judge_id, assignment=assignment.id)
    db.session.flush()
    return True
