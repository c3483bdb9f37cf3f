"""The assignment's inputs (``load_problem``): a cycle's judges with their category panels and load
limits, its submitted nominations with their trends, the judges' expertise, the conflicts of
interest between them and the assignments that already exist, read with plain queries in a few
round trips (fast for 10,000 nominations).

Also the measures the other parts share: a judge's affinity for a nomination (the sum of their
expertise levels, −2..+2 with a missing one counting 0, over the nomination's trends, the primary
trend counting double), and the rule that a cycle's judges stay as they are once its results are
published.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select

from awards.domain.core.errors import NotAllowed
from awards.domain.judging import conflicts
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    Category,
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

PRIMARY_TREND_WEIGHT = 2
# A judge's level on a trend that says "prefer not to judge it".
AVOID_LEVEL = -2

T = TypeVar("T")


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
    organisation: str = ""  # the nominated organisation, for organisers' eyes

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
    categories: dict[int, str]  # in the cycle's order
    judges: list[JudgeInfo]  # by id
    nominations: list[NominationInfo]  # submitted ones, by id
    expertise: dict[int, dict[int, int]]  # user id → trend id → level
    conflicts: frozenset[tuple[int, int]]  # (judge id, nomination id)
    assignments: list[ExistingAssignment]  # all of the cycle's, by id
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

    def levels_of(self, judge: JudgeInfo) -> dict[int, int]:
        """The judge's expertise level per trend id (none for a judge without an account)."""
        return self.expertise.get(judge.user_id, {}) if judge.user_id is not None else {}

    def affinity(self, judge: JudgeInfo, nomination: NominationInfo) -> int:
        return affinity(self.levels_of(judge), nomination.trends)

    def assignment_snapshot(self) -> tuple[tuple[Any, ...], ...]:
        """What apply() checks has not changed in between: the cycle's assignments."""
        return tuple(
            (
                a.id,
                a.judge_id,
                a.nomination_id,
                a.status.value,
                a.locked,
                a.review_status.value if a.review_status else None,
            )
            for a in self.assignments
        )

    def fingerprint(self) -> str:
        """A hash of every input: if it differs, a preview made earlier is out of date."""
        data = {
            "k": self.judges_per_nomination,
            "categories": sorted(self.categories),
            "judges": [
                (
                    j.id,
                    j.user_id,
                    j.load_limit,
                    sorted(j.category_ids) if j.category_ids is not None else None,
                    j.accepted,
                )
                for j in self.judges
            ],
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


def in_chunks(items: Sequence[T], size: int = 900) -> Iterator[Sequence[T]]:
    """The items a few hundred at a time, for IN (...) lists every database accepts."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def expertise_levels(user_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """Each person's expertise level per trend id (user id → trend id → level)."""
    levels: dict[int, dict[int, int]] = defaultdict(dict)
    for chunk in in_chunks(sorted(set(user_ids))):
        for user_id, trend_id, level in db.session.execute(
            select(Expertise.user_id, Expertise.trend_id, Expertise.level).where(Expertise.user_id.in_(chunk))
        ):
            levels[user_id][trend_id] = level
    return levels


def nomination_trends(nomination: Nomination) -> tuple[tuple[int, bool], ...]:
    """A nomination's trends as (trend id, is primary), the primary first, as NominationInfo holds them."""
    links = sorted(nomination.trend_links, key=lambda link: (not link.is_primary, link.position, link.trend_id))
    return tuple((link.trend_id, bool(link.is_primary)) for link in links)


def check_changeable(cycle: Cycle) -> None:
    """NotAllowed once the cycle's results are published: its judges then stay as they are."""
    if cycle.status is CycleStatus.PUBLISHED:
        raise NotAllowed("The results of this cycle are published, so its judges cannot be changed")


# --- Loading -------------------------------------------------------------------------------------

# What conflicts.conflict_pairs reads of a judge and of a nomination, without loading the models.


@dataclass(frozen=True, slots=True)
class _Account:
    email: str
    organisation: str


@dataclass(frozen=True, slots=True)
class _JudgeContacts:
    id: int
    email: str
    user_id: int | None
    user: _Account | None
    organisation: str


@dataclass(frozen=True, slots=True)
class _Nominator:
    email: str


@dataclass(frozen=True, slots=True)
class _Partner:
    name: str


@dataclass(frozen=True, slots=True)
class _NominationContacts:
    id: int
    nominator_id: int | None
    contact_email: str
    nominator: _Nominator | None
    organisation_name: str
    partners: list[_Partner]


def load_problem(cycle: Cycle) -> Problem:
    """Read the assignment's inputs for the cycle with plain queries (fast for 10,000 nominations)."""
    judges, judge_contacts = _load_judges(cycle)
    nominations, nomination_contacts = _load_nominations(cycle.id)
    pairs = frozenset(conflicts.conflict_pairs(judge_contacts, nomination_contacts)) if judge_contacts else frozenset()
    assignments, other_references = _load_assignments(cycle.id, in_scope={n.id for n in nominations})
    return Problem(
        cycle_id=cycle.id,
        cycle_name=cycle.name,
        judges_per_nomination=cycle.judges_per_nomination,
        categories=_load_categories(cycle.id),
        judges=judges,
        nominations=nominations,
        expertise=dict(expertise_levels(j.user_id for j in judges if j.user_id is not None)),
        conflicts=pairs,
        assignments=assignments,
        trend_names=_load_trend_names({t for n in nominations for t, _ in n.trends}),
        other_references=other_references,
    )


def _load_categories(cycle_id: int) -> dict[int, str]:
    """The cycle's category names by id, in the cycle's order."""
    return dict(
        db.session.execute(
            select(Category.id, Category.name)
            .where(Category.cycle_id == cycle_id)
            .order_by(Category.position, Category.id)
        ).all()
    )


def _load_panels(cycle_id: int) -> dict[int, set[int]]:
    """The categories of each judge (by judge id) who judges only some of them."""
    panels: dict[int, set[int]] = defaultdict(set)
    for judge_id, category_id in db.session.execute(
        select(judge_categories.c.judge_id, judge_categories.c.category_id)
        .join(Judge, Judge.id == judge_categories.c.judge_id)
        .where(Judge.cycle_id == cycle_id)
    ):
        panels[judge_id].add(category_id)
    return panels


def _load_judges(cycle: Cycle) -> tuple[list[JudgeInfo], list[_JudgeContacts]]:
    """The cycle's judges by id, and what conflict detection reads of each."""
    panels = _load_panels(cycle.id)
    rows = db.session.execute(
        select(
            Judge.id,
            Judge.email,
            Judge.user_id,
            Judge.organisation,
            Judge.max_load,
            Judge.all_categories,
            Judge.accepted_at,
            User.name,
            User.email,
            User.organisation,
        )
        .outerjoin(User, User.id == Judge.user_id)
        .where(Judge.cycle_id == cycle.id)
        .order_by(Judge.id)
    )
    judges, contacts = [], []
    for (
        jid,
        email,
        user_id,
        organisation,
        max_load,
        all_categories,
        accepted_at,
        user_name,
        user_email,
        user_organisation,
    ) in rows:
        judges.append(
            JudgeInfo(
                id=jid,
                name=user_name or email,
                email=email,
                user_id=user_id,
                organisation=organisation or "",
                load_limit=max_load if max_load is not None else cycle.judge_max_load,
                category_ids=None if all_categories else frozenset(panels.get(jid, ())),
                accepted=accepted_at is not None and user_id is not None,
            )
        )
        account = _Account(email=user_email, organisation=user_organisation or "") if user_id is not None else None
        contacts.append(
            _JudgeContacts(id=jid, email=email, user_id=user_id, user=account, organisation=organisation or "")
        )
    return judges, contacts


def _submitted(cycle_id: int) -> tuple[ColumnElement[bool], ...]:
    """The nominations an assignment is for: the cycle's submitted ones."""
    return (Nomination.cycle_id == cycle_id, Nomination.status == NominationStatus.SUBMITTED)


def _load_nominations(cycle_id: int) -> tuple[list[NominationInfo], list[_NominationContacts]]:
    """The cycle's submitted nominations by id with their trends, and what conflict detection reads of each."""
    trend_links = _load_trend_links(cycle_id)
    partners = _load_partners(cycle_id)
    rows = db.session.execute(
        select(
            Nomination.id,
            Nomination.reference,
            Nomination.title,
            Nomination.category_id,
            Nomination.nominator_id,
            Nomination.contact_email,
            Nomination.organisation_name,
            User.email,
        )
        .outerjoin(User, User.id == Nomination.nominator_id)
        .where(*_submitted(cycle_id))
        .order_by(Nomination.id)
    )
    nominations, contacts = [], []
    for nid, reference, title, category_id, nominator_id, contact_email, organisation_name, nominator_email in rows:
        nominations.append(
            NominationInfo(
                id=nid,
                reference=reference,
                title=title or "",
                category_id=category_id,
                trends=tuple(trend_links.get(nid, ())),
                organisation=organisation_name or "",
            )
        )
        contacts.append(
            _NominationContacts(
                id=nid,
                nominator_id=nominator_id,
                contact_email=contact_email,
                nominator=_Nominator(email=nominator_email) if nominator_email else None,
                organisation_name=organisation_name,
                partners=partners.get(nid, []),
            )
        )
    return nominations, contacts


def _load_trend_links(cycle_id: int) -> dict[int, list[tuple[int, bool]]]:
    """Each submitted nomination's trends as (trend id, is primary), the primary first."""
    links: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for nid, trend_id, is_primary in db.session.execute(
        select(NominationTrend.nomination_id, NominationTrend.trend_id, NominationTrend.is_primary)
        .join(Nomination, Nomination.id == NominationTrend.nomination_id)
        .where(*_submitted(cycle_id))
        .order_by(
            NominationTrend.nomination_id,
            NominationTrend.is_primary.desc(),
            NominationTrend.position,
            NominationTrend.trend_id,
        )
    ):
        links[nid].append((trend_id, bool(is_primary)))
    return links


def _load_partners(cycle_id: int) -> dict[int, list[_Partner]]:
    """Each submitted nomination's partner organisations."""
    partners: dict[int, list[_Partner]] = defaultdict(list)
    for nid, name in db.session.execute(
        select(NominationPartner.nomination_id, NominationPartner.name)
        .join(Nomination, Nomination.id == NominationPartner.nomination_id)
        .where(*_submitted(cycle_id))
    ):
        partners[nid].append(_Partner(name=name))
    return partners


def _load_assignments(cycle_id: int, *, in_scope: set[int]) -> tuple[list[ExistingAssignment], dict[int, str]]:
    """All the cycle's assignments by id (with their review's status), and the references of the
    nominations they are for that are outside `in_scope`."""
    assignments, other_references = [], {}
    for aid, judge_id, nid, status, locked, aff, review_status, nomination_status, reference in db.session.execute(
        select(
            Assignment.id,
            Assignment.judge_id,
            Assignment.nomination_id,
            Assignment.status,
            Assignment.locked,
            Assignment.affinity,
            Review.status,
            Nomination.status,
            Nomination.reference,
        )
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Nomination.cycle_id == cycle_id)
        .order_by(Assignment.id)
    ):
        assignments.append(
            ExistingAssignment(
                id=aid,
                judge_id=judge_id,
                nomination_id=nid,
                status=AssignmentStatus(status),
                locked=bool(locked),
                affinity=aff or 0,
                review_status=ReviewStatus(review_status) if review_status else None,
                nomination_status=NominationStatus(nomination_status),
            )
        )
        if nid not in in_scope:
            other_references[nid] = reference
    return assignments, other_references


def _load_trend_names(trend_ids: set[int]) -> dict[int, str]:
    """The names of the given trends by id."""
    if not trend_ids:
        return {}
    return dict(db.session.execute(select(Trend.id, Trend.name).where(Trend.id.in_(trend_ids))).all())
