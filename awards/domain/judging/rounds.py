"""A cycle's judging rounds: which round is which, which entries each judges, who is on its panel,
and whether its judges may score now.

Round 1 judges every submitted nomination of the cycle; a later round judges either every submitted
nomination too or only those advanced into it from the round before (models/rounds.py). Every cycle
has at least one round: a new cycle gets one (`add_first_round`), and the migration gave each old cycle
the round that holds what were its settings.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select

from awards.domain.core.clock import utcnow
from awards.domain.core.dates import govuk_datetime
from awards.extensions import db
from awards.models import (
    Advancement,
    Cycle,
    CycleStatus,
    Judge,
    JudgingRound,
    Nomination,
    NominationStatus,
    PanelMember,
    RoundEntries,
)

FIRST_ROUND_NAME = "Judging"


def add_first_round(cycle: Cycle, **settings) -> JudgingRound:
    """The round a new cycle starts with (scored against criteria, every eligible entry)."""
    now = utcnow()
    judging_round = JudgingRound(
        number=1,
        name=settings.pop("name", FIRST_ROUND_NAME),
        entries=RoundEntries.ELIGIBLE,
        created_at=now,
        updated_at=now,
        **settings,
    )
    cycle.rounds.append(judging_round)
    return judging_round


def first_round(cycle: Cycle) -> JudgingRound:
    return cycle.rounds[0]


def round_numbered(cycle: Cycle, number: int) -> JudgingRound | None:
    return next((r for r in cycle.rounds if r.number == number), None)


def previous_round(judging_round: JudgingRound) -> JudgingRound | None:
    return round_numbered(judging_round.cycle, judging_round.number - 1)


def next_round(judging_round: JudgingRound) -> JudgingRound | None:
    return round_numbered(judging_round.cycle, judging_round.number + 1)


def final_round(cycle: Cycle) -> JudgingRound:
    """The round whose results the cycle publishes: the one marked final, else the last."""
    return next((r for r in cycle.rounds if r.is_final), cycle.rounds[-1])


def has_started(judging_round: JudgingRound, now: datetime | None = None) -> bool:
    """Whether a round has begun: round 1 always; a later one once its opening instant has passed or
    entries were advanced into it."""
    if judging_round.number == 1:
        return True
    if judging_round.opens_at is not None and judging_round.opens_at <= (now or utcnow()):
        return True
    return (
        db.session.scalar(select(Advancement.id).where(Advancement.round_id == judging_round.id).limit(1)) is not None
    )


def current_round(cycle: Cycle, now: datetime | None = None) -> JudgingRound:
    """The round an organiser's judging pages show unless they choose another: the last one that has begun."""
    now = now or utcnow()
    started = [r for r in cycle.rounds if has_started(r, now)]
    return started[-1] if started else cycle.rounds[0]


def entry_filter(judging_round: JudgingRound) -> tuple[ColumnElement[bool], ...]:
    """The conditions on `Nomination` that select the round's entries."""
    conditions: tuple[ColumnElement[bool], ...] = (
        Nomination.cycle_id == judging_round.cycle_id,
        Nomination.status == NominationStatus.SUBMITTED,
    )
    if judging_round.entries is RoundEntries.ADVANCED:
        advanced = select(Advancement.nomination_id).where(Advancement.round_id == judging_round.id)
        conditions = (*conditions, Nomination.id.in_(advanced))
    return conditions


def entry_ids(judging_round: JudgingRound) -> set[int]:
    return set(db.session.scalars(select(Nomination.id).where(*entry_filter(judging_round))))


def panel(judging_round: JudgingRound) -> dict[int, PanelMember | None]:
    """The round's judges by judge id, with their panel membership (None when the whole panel judges)."""
    if judging_round.whole_panel:
        ids = db.session.scalars(select(Judge.id).where(Judge.cycle_id == judging_round.cycle_id))
        return dict.fromkeys(ids)
    return {m.judge_id: m for m in judging_round.panel}


def load_limit(judging_round: JudgingRound, judge: Judge, member: PanelMember | None = None) -> int:
    """How many entries the judge may be given in the round: their limit on the round's panel, else
    their own limit in the cycle, else the round's."""
    if member is not None and member.max_load is not None:
        return member.max_load
    return judge.max_load if judge.max_load is not None else judging_round.judge_max_load


def panel_categories(judge: Judge, member: PanelMember | None) -> frozenset[int] | None:
    """The categories the judge judges in the round (None: every category)."""
    own = None if judge.all_categories else frozenset(c.id for c in judge.categories)
    if member is None or member.category_ids is None:
        return own
    chosen = frozenset(int(c) for c in member.category_ids)
    return chosen if own is None else own & chosen


def scoring_problem(judging_round: JudgingRound, now: datetime | None = None) -> str | None:
    """Why the round's scores cannot be saved now, in words for the judge (None while scoring is open).

    Scoring is open only while the cycle is in judging (the organiser starts it), from the round's
    opening instant if it has one and until its closing instant if it has one."""
    cycle = judging_round.cycle
    now = now or utcnow()
    if cycle.status is CycleStatus.PUBLISHED:
        return "The results have been published, so scores can no longer be changed."
    if cycle.status is not CycleStatus.JUDGING:
        return "Scoring opens when the organisers start judging. You can read the entry now."
    if judging_round.opens_at is not None and now < judging_round.opens_at:
        return (
            f"{judging_round.name} opens at {govuk_datetime(judging_round.opens_at, cycle.time_zone)}. "
            "You can read the entry now."
        )
    if judging_round.closes_at is not None and now >= judging_round.closes_at:
        return (
            f"{judging_round.name} closed at {govuk_datetime(judging_round.closes_at, cycle.time_zone)}, so scores "
            "can no longer be saved or changed."
        )
    return None


def scoring_open(judging_round: JudgingRound, now: datetime | None = None) -> bool:
    return scoring_problem(judging_round, now) is None
