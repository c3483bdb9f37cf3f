"""Advancing entries from a round's results to the next round, and telling their entrants they are finalists.

A round whose next round judges "the entries advanced from the previous round" (RoundEntries.ADVANCED)
sends entries on: an `Advancement` row of the next round for each. The suggestion is the top N of each
category in the round's order (round_results.round_order; only entries with a counted judgement), N being
the category's shortlist size unless the organiser suggested with other numbers (kept on the round,
`JudgingRound.suggestion_sizes`, and audited with each suggestion). An entry advanced against the
suggestion, or left out against it, needs a reason; every change is audited with it. An entry that
already has judges in the next round stays advanced.

Telling the finalists is optional: one e-mail to each advanced entry's nominator, once (notified_at),
saying it goes on to the next round and what happens next, and nothing of any score or place.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards.domain.core import audit, paging
from awards.domain.core.clock import utcnow
from awards.domain.core.dates import govuk_datetime
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.core.mail import queue_email, written_later
from awards.domain.judging import rounds
from awards.domain.results.round_results import RoundOrder, round_order
from awards.domain.results.shortlists import withheld_nominations
from awards.extensions import db
from awards.i18n import language_of
from awards.models import (
    Advancement,
    Assignment,
    AuditEvent,
    Category,
    CycleStatus,
    JudgingRound,
    Nomination,
    RoundEntries,
    User,
)
from awards.urls import external_url

SUGGESTED = "round.advancement_suggested"
REASON_MAX = 2000
MAX_SUGGESTED = 1000  # entries suggested per category at most
SHOWN_AT_LEAST = 50  # entries listed from the top of each category on the advancing page
OVERVIEW_ROWS = 100  # more entries than this to list at once: the page summarises each category instead
ROWS_PER_PAGE = 50  # a category's entries a page


class AdvancementProblems(DomainError):
    """Several entries' problems at once (field → message), for the page's error summary."""

    def __init__(self, problems: dict[str, str]):
        field_name, message = next(iter(problems.items()))
        super().__init__(message, field=field_name)
        self.problems = problems


def next_round_of(judging_round: JudgingRound) -> JudgingRound | None:
    """The round the entries of `judging_round` advance to: the next one, when it judges advanced entries."""
    following = rounds.next_round(judging_round)
    return following if following is not None and following.entries is RoundEntries.ADVANCED else None


def advancing_problem(judging_round: JudgingRound) -> str | None:
    """Why no entries can be advanced from the round (None when they can)."""
    following = rounds.next_round(judging_round)
    if following is None:
        return (
            f"{judging_round.label} is the last round, so there is no round to advance its entries to. To judge "
            "some of its entries again, add a round that judges the entries advanced from the previous round."
        )
    if following.entries is not RoundEntries.ADVANCED:
        return (
            f"{following.label} judges all eligible entries, so no entries are advanced into it. To choose which "
            "entries go on to it, change it to judge the entries advanced from the previous round."
        )
    return None


def _target(judging_round: JudgingRound) -> JudgingRound:
    problem = advancing_problem(judging_round)
    target = next_round_of(judging_round)
    if problem is not None or target is None:
        raise Conflict(problem or "There is no round to advance entries to")
    return target


def reason_field(nomination_id: int) -> str:
    return f"reason_{nomination_id}"


def advance_field(nomination_id: int) -> str:
    return f"advance_{nomination_id}"


def size_field(category_id: int) -> str:
    return f"top_{category_id}"


def suggestion_sizes(judging_round: JudgingRound) -> dict[int, int]:
    """Category id → how many entries the suggestion takes from the top of its order: the numbers of the
    round's latest suggestion (kept on the round), else each category's shortlist size."""
    sizes = {c.id: c.shortlist_size for c in judging_round.cycle.categories}
    for key, value in (judging_round.suggestion_sizes or {}).items():
        if str(key).isdigit() and int(key) in sizes and isinstance(value, int):
            sizes[int(key)] = value
    return sizes


def suggested_ids(order: RoundOrder, sizes: Mapping[int, int]) -> set[int]:
    """The top N of each category's order (N from `sizes`), counting only entries judged in the round."""
    chosen: set[int] = set()
    for category_id, members in order.order.items():
        judged = [nid for nid in members if nid in order.judged]
        chosen.update(judged[: max(sizes.get(category_id, 0), 0)])
    return chosen


def _advancements(target: JudgingRound, among: AbstractSet[int] | None = None) -> dict[int, Advancement]:
    """The entries advanced into `target` (only those `among` these nomination ids, if given)."""
    query = select(Advancement).where(Advancement.round_id == target.id)
    if among is not None:
        query = query.where(Advancement.nomination_id.in_(among))
    return {a.nomination_id: a for a in db.session.scalars(query)}


def _advanced_told(target: JudgingRound) -> dict[int, bool]:
    """Each entry advanced into `target` (nomination id) → whether its entrant has been told."""
    return {
        nid: told
        for nid, told in db.session.execute(
            select(Advancement.nomination_id, Advancement.notified_at.is_not(None)).where(
                Advancement.round_id == target.id
            )
        )
    }


def _judged_in(target: JudgingRound, among: AbstractSet[int] | None = None) -> set[int]:
    """The entries that have judges in the round (assignments of any status); only those `among` these
    nomination ids, if given."""
    query = select(Assignment.nomination_id).where(Assignment.round_id == target.id)
    if among is not None:
        query = query.where(Assignment.nomination_id.in_(among))
    return set(db.session.scalars(query.distinct()))


# --- The advancing page ---------------------------------------------------------------------------


@dataclass
class Candidate:
    position: int | None  # None for an entry the viewer is conflicted with, or when the ranks are hidden
    nomination: Nomination
    suggested: bool
    advanced: bool
    reason: str  # the recorded reason of an advanced entry
    judged: bool  # has a counted judgement in the round
    in_next_round: bool  # has judges in the next round, so it stays advanced
    withheld: bool = False


@dataclass
class CategoryCandidates:
    category: Category
    size: int  # how many the suggestion takes
    candidates: list[Candidate] = field(default_factory=list)
    withheld: list[Candidate] = field(default_factory=list)
    ranks_hidden: bool = False
    total: int = 0  # the category's entries in the round (candidates may show the top of them)
    conflicted: int = 0  # entries the viewer is conflicted with
    # Of the category's other entries: judged in the round, suggested, advanced
    judged: int = 0
    suggested: int = 0
    advanced: int = 0

    @property
    def more(self) -> int:
        """How many of the category's entries are not listed."""
        return self.total - len(self.candidates) - len(self.withheld)


@dataclass
class AdvancePlan:
    source: JudgingRound
    target: JudgingRound
    order: RoundOrder
    categories: list[CategoryCandidates]
    advanced: int  # entries advanced now (every category)
    to_tell: int  # of those, entrants not yet told they are finalists
    summary: bool = False  # too many rows for one page: each category's figures only, no entries
    page: int = 1  # one category's entries: the page shown, of `pages`
    pages: int = 1
    first: int = 1  # the place in the category's list of the first entry shown
    listed: int = 0  # the category's entries listed over its pages (those the viewer is conflicted with apart)


def shown_limit(size: int) -> int:
    """How many entries from the top of a category the advancing page shows (all of them on the
    category's own page): enough to see well past the suggestion."""
    return max(SHOWN_AT_LEAST, 2 * size)


def advance_plan(
    judging_round: JudgingRound,
    *,
    withhold: AbstractSet[int] = frozenset(),
    category_id: int | None = None,
    page: int = 1,
    per_page: int = ROWS_PER_PAGE,
    overview_rows: int = OVERVIEW_ROWS,
) -> AdvancePlan:
    """The round's entries per category in its order, with the suggestion and what is advanced (a handful
    of queries whatever the number of entries; only the entries listed are loaded).

    Without `category_id`: the top of every category (`shown_limit`) with every advanced entry below it;
    when that would list more than `overview_rows` entries, a summary instead (`summary`: each category's
    figures, no entries). With `category_id`: that category's entries in order, `per_page` a page (`page`,
    brought within the pages). Entries in `withhold` (the viewer is conflicted with them) are listed apart,
    with no place (on every page of their category), the category's places are not shown, and the
    category's figures leave them out."""
    target = _target(judging_round)
    order = round_order(judging_round)
    sizes = suggestion_sizes(judging_round)
    suggested = suggested_ids(order, sizes)
    advanced = _advanced_told(target)
    chosen = [c for c in judging_round.cycle.categories if category_id is None or c.id == category_id]
    categories: list[CategoryCandidates] = []
    shown: dict[int, list[tuple[int, int]]] = {}  # category id → (position, nomination id) listed
    plan = AdvancePlan(
        judging_round,
        target,
        order,
        categories,
        advanced=len(advanced),
        to_tell=sum(1 for told in advanced.values() if not told),
    )
    advanced_ids = advanced.keys()
    for category in chosen:
        members = order.order.get(category.id, [])
        block = CategoryCandidates(category, sizes.get(category.id, category.shortlist_size), total=len(members))
        held = {nid for nid in withhold if nid in members} if withhold else set()
        block.ranks_hidden = bool(held)
        block.conflicted = len(held)
        seen = [nid for nid in members if nid not in held] if held else members
        block.judged = len(order.judged.intersection(seen))
        block.suggested = len(suggested.intersection(seen))
        block.advanced = len(advanced_ids & set(seen))
        categories.append(block)
        # (position in the whole order, nomination id) of the entries listed in order, then those held apart
        apart = [(position, nid) for position, nid in enumerate(members, start=1) if nid in held] if held else []
        if category_id is not None:
            listed = [(position, nid) for position, nid in enumerate(members, start=1) if nid not in held]
            plan.listed = len(listed)
            plan.page, plan.pages = paging.clamp(page, len(listed), per_page)
            start = (plan.page - 1) * per_page
            plan.first = start + 1
            shown[category.id] = listed[start : start + per_page] + apart
        else:
            limit = shown_limit(sizes.get(category.id, 0))
            top = [(position, nid) for position, nid in enumerate(members[:limit], start=1) if nid not in held]
            below = [
                (position, nid)
                for position, nid in enumerate(members[limit:], start=limit + 1)
                if nid in advanced and nid not in held
            ]
            shown[category.id] = top + below + apart
    if category_id is None and sum(len(items) for items in shown.values()) > overview_rows:
        plan.summary = True
        return plan
    ids = {nid for items in shown.values() for _, nid in items}
    nominations = (
        {
            n.id: n
            for n in db.session.scalars(
                select(Nomination).where(Nomination.id.in_(ids)).options(selectinload(Nomination.category))
            )
        }
        if ids
        else {}
    )
    busy = _judged_in(target, ids)
    recorded = recorded_reasons(judging_round, ids, _advancements(target, ids))
    for block in categories:
        for position, nid in shown[block.category.id]:
            if nid not in nominations:
                continue
            candidate = Candidate(
                None if block.ranks_hidden else position,
                nominations[nid],
                suggested=nid in suggested,
                advanced=nid in advanced,
                reason=recorded.get(nid, ""),
                judged=nid in order.judged,
                in_next_round=nid in busy,
                withheld=nid in withhold,
            )
            (block.withheld if candidate.withheld else block.candidates).append(candidate)
    return plan


# --- Suggesting and saving ---------------------------------------------------------------------------


def _check_open(judging_round: JudgingRound) -> None:
    if judging_round.cycle.status is CycleStatus.PUBLISHED:
        raise Conflict(_("The results of this cycle are published, so the entries of its rounds can no longer change"))


def suggest(judging_round: JudgingRound, sizes: Mapping[int, int], *, by: User | None) -> int:
    """Advance the top N of each category (N from `sizes`, category id → N; a category left out keeps its
    number: the last suggestion's, else its shortlist size — a category's own page suggests for it alone) to
    the next round, as the suggestion: every other advanced entry is taken back.
    Refused once the next round has judges given entries (change those one by one instead). Returns how
    many entries are advanced."""
    _check_open(judging_round)
    target = _target(judging_round)
    categories = {c.id: c for c in judging_round.cycle.categories}
    chosen = suggestion_sizes(judging_round)
    for category_id, size in sizes.items():
        if category_id not in categories:
            raise DomainError(_("Choose only categories of this cycle"))
        if not 0 <= size <= MAX_SUGGESTED:
            raise DomainError(
                _(
                    "The number to suggest in %(name)s must be between 0 and %(max_suggested)s",
                    name=categories[category_id].name,
                    max_suggested=MAX_SUGGESTED,
                ),
                field=size_field(category_id),
            )
        chosen[category_id] = size
    if _judged_in(target):
        raise Conflict(
            _(
                "Judges have been given entries in %(label)s, so a new suggestion cannot replace the "
                "entries advanced to it. Change them one by one below, giving the reason for each.",
                label=target.label,
            )
        )
    order = round_order(judging_round)
    suggested = suggested_ids(order, chosen)
    advanced = _advancements(target)
    now = utcnow()
    for nid, row in advanced.items():
        if nid not in suggested:
            db.session.delete(row)
        else:
            row.suggested, row.reason = True, ""
    for nid in sorted(suggested - set(advanced)):
        db.session.add(
            Advancement(
                round_id=target.id,
                nomination_id=nid,
                suggested=True,
                reason="",
                created_at=now,
                created_by_id=by.id if by is not None else None,
            )
        )
    judging_round.suggestion_sizes = {str(k): v for k, v in sorted(chosen.items())}
    db.session.flush()
    audit.record(
        SUGGESTED,
        actor=by,
        obj=judging_round,
        **rounds.round_audit(judging_round),
        to_round=target.number,
        sizes={str(k): v for k, v in sorted(chosen.items())},
        advanced=len(suggested),
    )
    return len(suggested)


@dataclass(frozen=True)
class AdvanceChanges:
    advanced: int = 0  # newly advanced
    removed: int = 0  # taken back
    total: int = 0  # advanced now
    noted: int = 0  # reasons recorded for entries whose advance stays as it was


def save_advancement(
    judging_round: JudgingRound,
    *,
    shown: AbstractSet[int],
    chosen: AbstractSet[int],
    reasons: Mapping[int, str],
    by: User | None,
) -> AdvanceChanges:
    """Advance the `chosen` entries of those `shown` (nomination ids of the round's entries) to the next
    round and take back the others shown; entries not shown are left as they are, and so are those the
    organiser is conflicted with (another organiser decides them). An entry whose advance differs from
    the suggestion needs a reason (`reasons`, by nomination id; a reason already recorded for it counts);
    one with judges in the next round stays advanced. Every change is audited with its reason: an entry
    advanced ("round.advanced"), taken back ("round.advancement_removed"), a suggested entry left out
    without ever being advanced ("round.not_advanced"), a recorded reason changed
    ("round.advancement_reason_changed")."""
    _check_open(judging_round)
    target = _target(judging_round)
    order = round_order(judging_round)
    entries = {nid for members in order.order.values() for nid in members}
    if not set(shown) <= entries or not set(chosen) <= set(shown):
        raise DomainError(_("Choose only entries of %(label)s", label=judging_round.label))
    suggested = suggested_ids(order, suggestion_sizes(judging_round))
    advanced = _advancements(target)
    busy = _judged_in(target)
    withheld = withheld_nominations(judging_round.cycle, by)
    recorded = recorded_reasons(judging_round, shown, advanced)
    references = {
        nid: reference
        for nid, reference in db.session.execute(
            select(Nomination.id, Nomination.reference).where(Nomination.id.in_(shown))
        )
    }
    problems: dict[str, str] = {}
    changes: list[tuple[str, int, str]] = []  # (audit action, nomination id, reason)
    for nid in sorted(shown, key=lambda i: references.get(i, "")):
        if nid in withheld:
            continue
        if nid in advanced:
            advanced[nid].suggested = nid in suggested
        step = _entry_step(
            nid,
            references.get(nid, str(nid)),
            new=nid in chosen,
            old=nid in advanced,
            was_suggested=nid in suggested,
            typed=(reasons.get(nid) or "").strip(),
            recorded=recorded.get(nid),
            busy=nid in busy,
            target=target,
        )
        if isinstance(step, dict):
            problems.update(step)
        elif step is not None:
            changes.append(step)
    if problems:
        raise AdvancementProblems(problems)
    now = utcnow()
    cycle = judging_round.cycle
    added = removed = 0
    for action, nid, reason in changes:
        if action == "round.advanced":
            db.session.add(
                Advancement(
                    round_id=target.id,
                    nomination_id=nid,
                    suggested=nid in suggested,
                    reason=reason,
                    created_at=now,
                    created_by_id=by.id if by is not None else None,
                )
            )
            added += 1
        elif action == "round.advancement_removed":
            db.session.delete(advanced[nid])
            removed += 1
        elif nid in advanced:  # a changed reason of an advanced entry
            advanced[nid].reason = reason
        audit.record(
            action,
            actor=by,
            object_type=Nomination.__tablename__,
            object_id=nid,
            cycle=cycle.slug,
            reference=references.get(nid, ""),
            from_round=judging_round.number,
            to_round=target.number,
            suggested=nid in suggested,
            reason=reason,
        )
    db.session.flush()
    return AdvanceChanges(added, removed, len(advanced) + added - removed, len(changes) - added - removed)


def _entry_step(
    nid: int,
    reference: str,
    *,
    new: bool,
    old: bool,
    was_suggested: bool,
    typed: str,
    recorded: str | None,
    busy: bool,
    target: JudgingRound,
) -> tuple[str, int, str] | dict[str, str] | None:
    """What saving does to one entry: (audit action, nomination id, reason), nothing, or its problem
    ({field: message})."""
    if len(typed) > REASON_MAX:
        return {reason_field(nid): f"The reason for {reference} must be {REASON_MAX:,} characters or fewer"}
    if old and not new and busy:
        return {
            advance_field(nid): f"{reference} already has judges in {target.label}, so it stays advanced. Remove "
            "its assignments in that round first."
        }
    action = ("round.advanced" if new else "round.advancement_removed") if new != old else None
    if new == was_suggested:  # as suggested: no reason needed
        return (action, nid, "") if action else None
    reason = typed or (recorded or "" if new == old else "")
    if not reason:
        return {
            reason_field(nid): f"Give the reason for advancing {reference}: the suggestion leaves it out"
            if new
            else f"Give the reason for not advancing {reference}: the suggestion includes it"
        }
    if action is None:
        if not new and recorded is None:
            action = "round.not_advanced"  # a suggested entry left out, never advanced
        elif reason != (recorded or ""):
            action = "round.advancement_reason_changed"
    return (action, nid, reason) if action else None


LEFT_OUT = ("round.advancement_removed", "round.not_advanced", "round.advancement_reason_changed")


def recorded_reasons(
    judging_round: JudgingRound, nomination_ids: AbstractSet[int], advanced: Mapping[int, Advancement]
) -> dict[int, str]:
    """The reason on record for each entry's present state: an advanced entry's own; for one not advanced,
    the reason it was last left out or taken back with since the round's latest suggestion (audit)."""
    reasons = {nid: row.reason for nid, row in advanced.items() if row.reason}
    target = _target(judging_round)
    since = db.session.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.action == SUGGESTED,
            AuditEvent.object_type == JudgingRound.__tablename__,
            AuditEvent.object_id == str(judging_round.id),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    left_out = [nid for nid in nomination_ids if nid not in advanced]
    if not left_out:
        return reasons
    events = db.session.execute(
        select(AuditEvent.object_id, AuditEvent.detail)
        .where(
            AuditEvent.action.in_(LEFT_OUT),
            AuditEvent.object_type == Nomination.__tablename__,
            AuditEvent.object_id.in_([str(nid) for nid in left_out]),
            AuditEvent.id > (since or 0),
        )
        .order_by(AuditEvent.id)
    )
    for object_id, detail in events:
        if isinstance(detail, dict) and detail.get("to_round") == target.number and detail.get("reason"):
            reasons[int(object_id)] = str(detail["reason"])
    return reasons


# --- Telling the finalists ------------------------------------------------------------------------


@dataclass(frozen=True)
class FinalistCounts:
    advanced: int = 0
    to_tell: int = 0  # advanced, not yet told, with a nominator to tell
    told: int = 0  # already told
    no_one_to_tell: int = 0  # not yet told, but the nominator's account is gone


def finalist_counts(judging_round: JudgingRound) -> FinalistCounts:
    target = _target(judging_round)
    rows = db.session.execute(
        select(Advancement.notified_at, Nomination.nominator_id)
        .join(Nomination, Advancement.nomination_id == Nomination.id)
        .where(Advancement.round_id == target.id)
    ).all()
    return FinalistCounts(
        advanced=len(rows),
        to_tell=sum(1 for told, nominator in rows if told is None and nominator is not None),
        told=sum(1 for told, _ in rows if told is not None),
        no_one_to_tell=sum(1 for told, nominator in rows if told is None and nominator is None),
    )


def tell_finalists(judging_round: JudgingRound, *, by: User | None) -> int:
    """E-mail the nominator of each entry advanced from the round that they are a finalist, once per entry
    (through the outbox). Returns how many were told."""
    target = _target(judging_round)
    cycle = judging_round.cycle
    rows = list(
        db.session.scalars(
            select(Advancement)
            .where(Advancement.round_id == target.id, Advancement.notified_at.is_(None))
            .options(
                selectinload(Advancement.nomination).selectinload(Nomination.nominator),
                selectinload(Advancement.nomination).selectinload(Nomination.category),
            )
            .order_by(Advancement.id)
        )
    )
    told = [(row, row.nomination.nominator) for row in rows if row.nomination.nominator is not None]
    if not told:
        raise Conflict(
            _("There is no one to tell: every entrant advanced to %(label)s has been told already", label=target.label)
        )
    now = utcnow()
    opens = written_later(govuk_datetime, target.opens_at, cycle.time_zone) if target.opens_at else ""
    for row, nominator in told:
        nomination = row.nomination
        queue_email(
            to_address=nominator.email,
            to_name=nominator.name,
            language=language_of(nominator),
            template="finalist",
            subject=_l("Finalist: %(reference)s", reference=nomination.reference),
            nomination=nomination,
            cycle=cycle,
            next_round=target,
            opens=opens,
            link=external_url("nominee.task_list", reference=nomination.reference),
        )
        row.notified_at = now
    db.session.flush()
    audit.record(
        "round.finalists_told",
        actor=by,
        obj=target,
        **rounds.round_audit(target),
        emails=len(told),
    )
    return len(told)
