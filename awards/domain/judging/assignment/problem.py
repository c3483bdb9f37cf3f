"""The assignment's inputs (``load_problem``), for one judging round: the judges on the round's panel
with the categories they judge in it and their load limits, the round's entries (every submitted
nomination, or those advanced into the round) with their trends, the judges' expertise, the conflicts
of interest between them and the round's assignments that already exist, read with plain queries in
a few round trips (fast for 10,000 nominations).

A conflict of interest is a judge's with a nomination whatever the round: one recorded or declared
in round 1 (a recusal included) keeps the judge off the nomination in round 2. A judge may judge the
same nomination in two rounds (an assignment in each). Calibration assignments (the round's example,
scored by every judge first) are no part of the assignment: they are neither read nor counted.

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

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, select

from awards.domain.core.collector import collector_paused
from awards.domain.core.errors import NotAllowed
from awards.domain.judging import conflicts, rounds
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    Category,
    Cycle,
    CycleStatus,
    Expertise,
    Judge,
    JudgingRound,
    Nomination,
    NominationPartner,
    NominationStatus,
    NominationTrend,
    PanelMember,
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
        return self.title or _("Untitled nomination")


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
    """Everything the assignment of one round depends on, read from the database in a few queries."""

    cycle_id: int
    cycle_name: str
    judges_per_nomination: int  # the round's
    categories: dict[int, str]  # in the cycle's order
    judges: list[JudgeInfo]  # the round's panel, by id
    nominations: list[NominationInfo]  # the round's entries (or those in scope), by id
    expertise: dict[int, dict[int, int]]  # user id → trend id → level
    conflicts: frozenset[tuple[int, int]]  # (judge id, nomination id)
    assignments: list[ExistingAssignment]  # all of the round's (calibration ones aside), by id
    trend_names: dict[int, str] = field(default_factory=dict)
    other_references: dict[int, str] = field(default_factory=dict)  # nominations outside the scope
    # Keep every live assignment as it is (fill_gaps): the solver only adds judges where places are empty.
    keep_existing: bool = False
    round_id: int = 0  # the round the assignments are for (0 only in problems made by hand)
    round_label: str = ""  # "Round 2: Final panel" when the cycle has several rounds, else ""
    # The round's entries, whatever the scope (None: the nominations); an unfixed assignment to a
    # submitted nomination that is not one of them (no longer advanced into the round) goes.
    entry_ids: frozenset[int] | None = None
    # Judges of the cycle who hold assignments in the round but are not on its panel, by id: their name.
    other_judges: dict[int, str] = field(default_factory=dict)
    own_panel: bool = False  # the round judges with a panel of its own, not every judge of the cycle
    # Loaded for showing the assignments as they are (load_for_display): no conflicts or expertise, never solved.
    display_only: bool = False

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

    def is_entry(self, nomination_id: int) -> bool:
        """Whether the nomination is one of the round's entries (in scope or not)."""
        if self.entry_ids is not None:
            return nomination_id in self.entry_ids
        return nomination_id in self.nomination_by_id

    def judge_name(self, judge_id: int) -> str:
        """A judge's name, whether on the round's panel or not."""
        judge = self.judge_by_id.get(judge_id)
        return judge.name if judge is not None else self.other_judges.get(judge_id, "")

    def assignment_snapshot(self) -> tuple[tuple[Any, ...], ...]:
        """What apply() checks has not changed in between: the round's assignments."""
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
            "round": self.round_id,
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
            "entries": sorted(self.entry_ids) if self.entry_ids is not None else None,
            "other_judges": sorted(self.other_judges),
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
        raise NotAllowed(_("The results of this cycle are published, so its judges cannot be changed"))


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
class _NominationContacts:
    id: int
    nominator_id: int | None
    contact_email: str
    nominator: conflicts.Addressee | None
    organisation_name: str
    partners: list[conflicts.Partner]


def round_of(target: Cycle | JudgingRound) -> JudgingRound:
    """The round an assignment is for: the round given, or a cycle's current round (rounds.current_round)."""
    return target if isinstance(target, JudgingRound) else rounds.current_round(target)


def load_problem(target: Cycle | JudgingRound) -> Problem:
    """Read the assignment's inputs for the round (a cycle: its current round) with plain queries
    (fast for 10,000 nominations)."""
    return _load(round_of(target), for_display=False)


def load_for_display(target: Cycle | JudgingRound) -> Problem:
    """The round's judges, entries and assignments as they are, for showing them (the assignment page): without
    what only a run needs — conflicts of interest (the entries' contacts and partners), the entries' trends, the
    judges' expertise, the trends' names — which was most of the page's time at 500 entries and 60 judges. `solve`
    refuses it."""
    return _load(round_of(target), for_display=True)


def _load(judging_round: JudgingRound, *, for_display: bool) -> Problem:
    with collector_paused():  # thousands of rows as small records, no cycles among them
        return _read(judging_round, for_display=for_display)


def _read(judging_round: JudgingRound, *, for_display: bool) -> Problem:
    cycle = judging_round.cycle
    judges, judge_contacts = _load_judges(judging_round)
    nominations, nomination_contacts = _load_nominations(judging_round, contacts=not for_display)
    entry_ids = frozenset(n.id for n in nominations)
    pairs: frozenset[tuple[int, int]] = frozenset()
    if not for_display:
        if judge_contacts:
            pairs = frozenset(conflicts.conflict_pairs(judge_contacts, nomination_contacts))
        pairs |= _recused_elsewhere(judging_round, {j.id for j in judges}, entry_ids)
    assignments, other_references, other_judges = _load_assignments(
        judging_round, in_scope=entry_ids, panel={j.id for j in judges}
    )
    return Problem(
        cycle_id=cycle.id,
        cycle_name=cycle.name,
        judges_per_nomination=judging_round.judges_per_nomination,
        categories=_load_categories(cycle.id),
        judges=judges,
        nominations=nominations,
        expertise={} if for_display else dict(expertise_levels(j.user_id for j in judges if j.user_id is not None)),
        conflicts=pairs,
        assignments=assignments,
        trend_names={} if for_display else _load_trend_names({t for n in nominations for t, _ in n.trends}),
        display_only=for_display,
        other_references=other_references,
        round_id=judging_round.id,
        round_label=judging_round.label if len(cycle.rounds) > 1 else "",
        entry_ids=entry_ids,
        other_judges=other_judges,
        own_panel=not judging_round.whole_panel,
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
    """The categories of each judge (by judge id) who judges only some of them in the cycle."""
    panels: dict[int, set[int]] = defaultdict(set)
    for judge_id, category_id in db.session.execute(
        select(judge_categories.c.judge_id, judge_categories.c.category_id)
        .join(Judge, Judge.id == judge_categories.c.judge_id)
        .where(Judge.cycle_id == cycle_id)
    ):
        panels[judge_id].add(category_id)
    return panels


def _round_categories(own: frozenset[int] | None, member: PanelMember | None) -> frozenset[int] | None:
    """The categories a judge judges in the round: their own in the cycle (None: every one), narrowed to
    those of their place on the round's panel if it names some (as rounds.panel_categories)."""
    if member is None or member.category_ids is None:
        return own
    chosen = frozenset(int(c) for c in member.category_ids)
    return chosen if own is None else own & chosen


def _load_judges(judging_round: JudgingRound) -> tuple[list[JudgeInfo], list[_JudgeContacts]]:
    """The judges on the round's panel by id, and what conflict detection reads of each."""
    cycle_id = judging_round.cycle_id
    panel = rounds.panel(judging_round)
    panels = _load_panels(cycle_id)
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
        .where(Judge.cycle_id == cycle_id)
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
        if jid not in panel:
            continue
        member = panel[jid]
        if member is not None and member.max_load is not None:
            load_limit = member.max_load
        else:
            load_limit = max_load if max_load is not None else judging_round.judge_max_load
        own = None if all_categories else frozenset(panels.get(jid, ()))
        judges.append(
            JudgeInfo(
                id=jid,
                name=user_name or email,
                email=email,
                user_id=user_id,
                organisation=organisation or "",
                load_limit=load_limit,
                category_ids=_round_categories(own, member),
                accepted=accepted_at is not None and user_id is not None,
            )
        )
        account = _Account(email=user_email, organisation=user_organisation or "") if user_id is not None else None
        contacts.append(
            _JudgeContacts(id=jid, email=email, user_id=user_id, user=account, organisation=organisation or "")
        )
    return judges, contacts


def _load_nominations(
    judging_round: JudgingRound, *, contacts: bool = True
) -> tuple[list[NominationInfo], list[_NominationContacts]]:
    """The round's entries by id with their trends, and what conflict detection reads of each (neither when
    `contacts` is false: for display, where the assignments carry their affinity)."""
    entries = rounds.entry_filter(judging_round)
    trend_links = _load_trend_links(entries) if contacts else {}
    partners = _load_partners(entries) if contacts else {}
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
        .where(*entries)
        .order_by(Nomination.id)
    )
    nominations: list[NominationInfo] = []
    found: list[_NominationContacts] = []
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
        if not contacts:
            continue
        found.append(
            _NominationContacts(
                id=nid,
                nominator_id=nominator_id,
                contact_email=contact_email,
                nominator=conflicts.Addressee(email=nominator_email) if nominator_email else None,
                organisation_name=organisation_name,
                partners=partners.get(nid, []),
            )
        )
    return nominations, found


def _load_trend_links(entries: tuple[ColumnElement[bool], ...]) -> dict[int, list[tuple[int, bool]]]:
    """Each entry's trends as (trend id, is primary), the primary first."""
    links: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for nid, trend_id, is_primary in db.session.execute(
        select(NominationTrend.nomination_id, NominationTrend.trend_id, NominationTrend.is_primary)
        .join(Nomination, Nomination.id == NominationTrend.nomination_id)
        .where(*entries)
        .order_by(
            NominationTrend.nomination_id,
            NominationTrend.is_primary.desc(),
            NominationTrend.position,
            NominationTrend.trend_id,
        )
    ):
        links[nid].append((trend_id, bool(is_primary)))
    return links


def _load_partners(entries: tuple[ColumnElement[bool], ...]) -> dict[int, list[conflicts.Partner]]:
    """Each entry's partner organisations."""
    partners: dict[int, list[conflicts.Partner]] = defaultdict(list)
    for nid, name in db.session.execute(
        select(NominationPartner.nomination_id, NominationPartner.name)
        .join(Nomination, Nomination.id == NominationPartner.nomination_id)
        .where(*entries)
    ):
        partners[nid].append(conflicts.Partner(name=name))
    return partners


def _recused_elsewhere(
    judging_round: JudgingRound, judge_ids: set[int], nomination_ids: frozenset[int]
) -> frozenset[tuple[int, int]]:
    """(judge id, nomination id) of the panel's judges who recused themselves from one of the round's
    entries in another round of the cycle: a conflict there is one here too."""
    if not judge_ids or not nomination_ids:
        return frozenset()
    rows = db.session.execute(
        select(Assignment.judge_id, Assignment.nomination_id)
        .join(JudgingRound, JudgingRound.id == Assignment.round_id)
        .where(
            JudgingRound.cycle_id == judging_round.cycle_id,
            Assignment.round_id != judging_round.id,
            Assignment.status == AssignmentStatus.RECUSED,
        )
    )
    return frozenset((j, n) for j, n in rows if j in judge_ids and n in nomination_ids)


def round_assignments(judging_round_id: int) -> ColumnElement[bool]:
    """The condition on `Assignment` that selects the round's assignments the assignment works with:
    all of them but the calibration ones."""
    return and_(Assignment.round_id == judging_round_id, Assignment.calibration.is_(False))


def _load_assignments(
    judging_round: JudgingRound, *, in_scope: frozenset[int], panel: set[int]
) -> tuple[list[ExistingAssignment], dict[int, str], dict[int, str]]:
    """All the round's assignments by id (with their review's status), the references of the
    nominations they are for that are outside `in_scope`, and the names of their judges who are not on
    the round's `panel`."""
    assignments, other_references, other_judge_ids = [], {}, set()
    db.session.flush()  # the rows are read on the session's connection, past the ORM (2,500 rows at round 2's size)
    for (
        aid,
        judge_id,
        nid,
        status,
        locked,
        aff,
        review_status,
        nomination_status,
        reference,
    ) in db.session.connection().execute(
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
        .where(round_assignments(judging_round.id))
        .order_by(Assignment.id)
    ):
        assignments.append(
            ExistingAssignment(
                id=aid,
                judge_id=judge_id,
                nomination_id=nid,
                status=status,  # the columns' types give the enums' members
                locked=bool(locked),
                affinity=aff or 0,
                review_status=review_status,
                nomination_status=nomination_status,
            )
        )
        if nid not in in_scope:
            other_references[nid] = reference
        if judge_id not in panel:
            other_judge_ids.add(judge_id)
    return assignments, other_references, _judge_names(other_judge_ids)


def _judge_names(judge_ids: set[int]) -> dict[int, str]:
    """The names of the given judges by id (their account's, else their e-mail address)."""
    if not judge_ids:
        return {}
    rows = db.session.execute(
        select(Judge.id, User.name, Judge.email)
        .outerjoin(User, User.id == Judge.user_id)
        .where(Judge.id.in_(sorted(judge_ids)))
    )
    return {jid: name or email for jid, name, email in rows}


def _load_trend_names(trend_ids: set[int]) -> dict[int, str]:
    """The names of the given trends by id."""
    if not trend_ids:
        return {}
    return dict(db.session.execute(select(Trend.id, Trend.name).where(Trend.id.in_(trend_ids))).all())
