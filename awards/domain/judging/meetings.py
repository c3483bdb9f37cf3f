"""The final round's panel meetings: for the round marked final, the panel and the organisers meet once
per category, agree a decision for each of its entries (written as the cycle's shortlist decisions, by
domain/results/meeting_board.py), and an organiser closes the meeting, which locks those decisions.

A category of the final round without a `PanelMeeting` row is still meeting; closing writes the row,
reopening (with a reason) removes it. Both are audited. This module holds who is on a meeting, which
meetings are open, and the locks; it sits below the results, which read it before deciding or
publishing (shortlists.decide and shortlists.publish)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotFound
from awards.domain.judging import rounds
from awards.domain.programme.translations import NameShown
from awards.extensions import db
from awards.models import (
    Category,
    Cycle,
    CycleStatus,
    Judge,
    JudgingRound,
    Nomination,
    PanelMeeting,
    User,
)

REASON_MAX = 2000


def final_round(cycle: Cycle) -> JudgingRound | None:
    """The cycle's round marked final (None when no round is: the cycle has no panel meeting)."""
    return next((r for r in cycle.rounds if r.is_final), None)


def meeting_round(cycle: Cycle, number: int) -> JudgingRound:
    """The round numbered `number` when it is the final round (NotFound otherwise: only the final round meets)."""
    judging_round = rounds.round_numbered(cycle, number)
    if judging_round is None or not judging_round.is_final:
        raise NotFound(_("Only the final round has panel meetings"))
    return judging_round


def category_of(judging_round: JudgingRound, slug: str) -> Category:
    category = next((c for c in judging_round.cycle.categories if c.slug == slug), None)
    if category is None:
        raise NotFound(_("There is no such category in this cycle"))
    return category


def entry_ids(judging_round: JudgingRound, category: Category) -> list[int]:
    """The round's entries in the category, by reference."""
    return list(
        db.session.scalars(
            select(Nomination.id)
            .where(*rounds.entry_filter(judging_round), Nomination.category_id == category.id)
            .order_by(Nomination.reference)
        )
    )


def meeting_categories(judging_round: JudgingRound) -> list[Category]:
    """The categories that have entries in the round (each has a meeting), in the cycle's order."""
    with_entries = set(
        db.session.scalars(select(Nomination.category_id).where(*rounds.entry_filter(judging_round)).distinct())
    )
    return [c for c in judging_round.cycle.categories if c.id in with_entries]


def closed_meeting(judging_round: JudgingRound, category: Category) -> PanelMeeting | None:
    """The category's meeting, once closed (None while it is open)."""
    return db.session.scalar(
        select(PanelMeeting).where(PanelMeeting.round_id == judging_round.id, PanelMeeting.category_id == category.id)
    )


def closed_category_ids(judging_round: JudgingRound) -> set[int]:
    return set(db.session.scalars(select(PanelMeeting.category_id).where(PanelMeeting.round_id == judging_round.id)))


def panel_judge(judging_round: JudgingRound, user: User, category: Category) -> Judge | None:
    """The user's judge membership when they are on the round's panel for the category (None otherwise)."""
    judge = db.session.scalar(
        select(Judge).where(
            Judge.cycle_id == judging_round.cycle_id, Judge.user_id == user.id, Judge.accepted_at.is_not(None)
        )
    )
    if judge is None:
        return None
    on_panel = rounds.panel(judging_round)
    if judge.id not in on_panel:
        return None
    categories = rounds.panel_categories(judge, on_panel[judge.id])
    return judge if categories is None or category.id in categories else None


@dataclass(frozen=True)
class JudgeMeeting:
    """A meeting a judge sits on: the final round and one of its categories, open or closed."""

    judging_round: JudgingRound
    category: Category
    closed: bool


def meetings_of(user: User) -> list[JudgeMeeting]:
    """The panel meetings the user sits on as a judge: each final round that has begun, per category
    with entries that the user judges in it (cycles in judging or published, newest first)."""
    judges = list(
        db.session.scalars(
            select(Judge)
            .join(Cycle, Judge.cycle_id == Cycle.id)
            .where(
                Judge.user_id == user.id,
                Judge.accepted_at.is_not(None),
                Cycle.status.in_((CycleStatus.JUDGING, CycleStatus.PUBLISHED)),
            )
            .order_by(Cycle.year.desc(), Cycle.id.desc())
        )
    )
    found: list[JudgeMeeting] = []
    for judge in judges:
        judging_round = final_round(judge.cycle)
        if judging_round is None or not rounds.has_started(judging_round):
            continue
        on_panel = rounds.panel(judging_round)
        if judge.id not in on_panel:
            continue
        mine = rounds.panel_categories(judge, on_panel[judge.id])
        closed = closed_category_ids(judging_round)
        for category in meeting_categories(judging_round):
            if mine is None or category.id in mine:
                found.append(JudgeMeeting(judging_round, category, category.id in closed))
    return found


def open_categories(cycle: Cycle) -> list[Category]:
    """The categories whose meeting in the final round is not closed (none without a final round)."""
    judging_round = final_round(cycle)
    if judging_round is None:
        return []
    closed = closed_category_ids(judging_round)
    return [c for c in meeting_categories(judging_round) if c.id not in closed]


def any_closed(cycle: Cycle) -> bool:
    """Whether a meeting of the final round is closed (suggesting the shortlist again would undo its decisions)."""
    judging_round = final_round(cycle)
    return judging_round is not None and bool(closed_category_ids(judging_round))


def names(categories: list[Category]) -> str:
    """ "Best app", "Best app and Data" or "Best app, Data and Skills"."""
    words = [c.name for c in categories]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def publication_problem(cycle: Cycle) -> str | None:
    """Why the results cannot be published yet because of the panel meetings (None: nothing stops them)."""
    judging_round = final_round(cycle)
    still_open = open_categories(cycle)
    if judging_round is None or not still_open:
        return None
    one = len(still_open) == 1
    return (
        f"The panel {'meeting' if one else 'meetings'} of {judging_round.label} for {names(still_open)} "
        f"{'is' if one else 'are'} not closed yet. Close each meeting once the panel has agreed its decisions, "
        "then publish."
    )


def decision_problem(cycle: Cycle, nomination: Nomination) -> str | None:
    """Why the nomination's result cannot be changed now because of its panel meeting: the final round's
    meeting for its category is closed (None: it may be decided)."""
    judging_round = final_round(cycle)
    if judging_round is None:
        return None
    found = db.session.scalar(
        select(PanelMeeting.id).where(
            PanelMeeting.round_id == judging_round.id, PanelMeeting.category_id == nomination.category_id
        )
    )
    return None if found is None else closed_problem(nomination.category)


def check_meeting_open(judging_round: JudgingRound, category: Category) -> None:
    """Refuse a decision in the meeting unless the cycle is in judging and the meeting is open."""
    cycle = judging_round.cycle
    if cycle.status is CycleStatus.PUBLISHED:
        raise Conflict(_("The results of this cycle are published: withdraw them to change the decisions"))
    if cycle.status is not CycleStatus.JUDGING:
        raise Conflict(_("The panel records its decisions once the cycle is in judging"))
    if closed_meeting(judging_round, category) is not None:
        raise Conflict(closed_problem(category))


def closed_problem(category: Category) -> str:
    """What a closed meeting says to a decision."""
    return _(
        "The panel meeting for %(category)s is closed, so its decisions can no longer change. "
        "An organiser can reopen the meeting.",
        category=NameShown(category),
    )


def close(judging_round: JudgingRound, category: Category, *, by: User) -> PanelMeeting:
    """Close the category's meeting: its decisions are locked from now on (audited)."""
    if not judging_round.is_final:
        raise NotFound(_("Only the final round has panel meetings"))
    if closed_meeting(judging_round, category) is not None:
        raise Conflict(_("The panel meeting for %(category)s is already closed", category=NameShown(category)))
    now = utcnow()
    meeting = PanelMeeting(round_id=judging_round.id, category_id=category.id, closed_at=now, closed_by_id=by.id)
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "panel_meeting.closed",
        actor=by,
        obj=judging_round,
        **rounds.round_audit(judging_round),
        category=category.name,
    )
    return meeting


def reopen(judging_round: JudgingRound, category: Category, *, reason: str, by: User) -> None:
    """Reopen a closed meeting, with the reason (audited): its decisions can change again."""
    meeting = closed_meeting(judging_round, category)
    if meeting is None:
        raise Conflict(_("The panel meeting for %(category)s is open", category=NameShown(category)))
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Give the reason for reopening the meeting"), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(
            _("The reason must be %(max)s characters or fewer", max=format_decimal(REASON_MAX)), field="reason"
        )
    closed_at: datetime = meeting.closed_at
    db.session.delete(meeting)
    db.session.flush()
    audit.record(
        "panel_meeting.reopened",
        actor=by,
        obj=judging_round,
        **rounds.round_audit(judging_round),
        category=category.name,
        reason=reason,
        closed_at=closed_at.isoformat(),
    )
