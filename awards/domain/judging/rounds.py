"""A cycle's judging rounds: which round is which, which entries each judges, who is on its panel,
and whether its judges may score now.

Round 1 judges every submitted nomination of the cycle; a later round judges either every submitted
nomination too or only those advanced into it from the round before (models/rounds.py). Every cycle
has at least one round: a new cycle gets one (programme.cycles.create_cycle), and the migration gave
each old cycle the round that holds what were its settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, event, func, select
from sqlalchemy.orm import ORMExecuteState, Session, scoped_session

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.dates import govuk_datetime
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.programme import default_translations
from awards.domain.programme.taxonomy import default_taxonomy
from awards.extensions import db
from awards.models import (
    RANKING_METHODS,
    Advancement,
    Assignment,
    AssignmentStatus,
    Criterion,
    Cycle,
    CycleStatus,
    Judge,
    JudgingRound,
    Nomination,
    NominationStatus,
    PanelMember,
    Review,
    ReviewStatus,
    RoundEntries,
    RoundMode,
    User,
)


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


# In db.session.info: cycle id → the ids of its rounds that entries were advanced into (_advanced_rounds).
ADVANCED_ROUNDS_KEY = "rounds_with_advancements"


def _advanced_rounds(cycle_id: int) -> frozenset[int]:
    """The ids of the cycle's rounds that entries have been advanced into: one query for every round of
    the cycle, kept in the database session until an advancement is added, changed or removed through
    it, a statement changes rows through it, or its transaction ends (`install_round_starts`)."""
    kept: dict[int, frozenset[int]] = db.session.info.setdefault(ADVANCED_ROUNDS_KEY, {})
    found = kept.get(cycle_id)
    if found is None or _advancement_pending(db.session):  # the query flushes it first
        advanced = select(Advancement.id).where(Advancement.round_id == JudgingRound.id).exists()
        found = kept[cycle_id] = frozenset(
            db.session.scalars(select(JudgingRound.id).where(JudgingRound.cycle_id == cycle_id, advanced))
        )
    return found


def _starts(judging_round: JudgingRound, now: datetime, advanced: Callable[[], frozenset[int]]) -> bool:
    if judging_round.number == 1:
        return True
    if judging_round.opens_at is not None and judging_round.opens_at <= now:
        return True
    return judging_round.id in advanced()


def has_started(judging_round: JudgingRound, now: datetime | None = None) -> bool:
    """Whether a round has begun: round 1 always; a later one once its opening instant has passed or
    entries were advanced into it."""
    return _starts(judging_round, now or utcnow(), lambda: _advanced_rounds(judging_round.cycle_id))


def begun_rounds(cycle: Cycle, now: datetime | None = None) -> frozenset[int]:
    """The ids of the cycle's rounds that have begun (`has_started`), with at most one query for them all."""
    now = now or utcnow()
    return frozenset(r.id for r in cycle.rounds if _starts(r, now, lambda: _advanced_rounds(cycle.id)))


def current_round(cycle: Cycle, now: datetime | None = None) -> JudgingRound:
    """The round an organiser's judging pages show unless they choose another: the last one that has begun."""
    begun = begun_rounds(cycle, now)
    started = [r for r in cycle.rounds if r.id in begun]
    return started[-1] if started else cycle.rounds[0]


def _advancement_pending(session: Session | scoped_session[Any]) -> bool:
    return any(isinstance(o, Advancement) for o in (*session.new, *session.deleted))


def _forget_advanced_rounds(session: Session, *_args: Any) -> None:
    session.info.pop(ADVANCED_ROUNDS_KEY, None)


def _forget_on_advancement_change(session: Session, _context: Any) -> None:
    if ADVANCED_ROUNDS_KEY in session.info and (
        _advancement_pending(session) or any(isinstance(o, Advancement) for o in session.dirty)
    ):
        session.info.pop(ADVANCED_ROUNDS_KEY, None)


def _forget_on_statement(state: ORMExecuteState) -> None:
    if ADVANCED_ROUNDS_KEY in state.session.info and (state.is_insert or state.is_update or state.is_delete):
        state.session.info.pop(ADVANCED_ROUNDS_KEY, None)


def install_round_starts() -> None:
    """Keep `has_started` true to every advancement saved through the session (installed once): the
    rounds entries were advanced into are forgotten when an advancement is flushed, an INSERT, UPDATE or
    DELETE statement runs through the session, or the transaction commits or rolls back."""
    session_class = db.session.session_factory.class_
    for name, hook in (
        ("after_flush", _forget_on_advancement_change),
        ("do_orm_execute", _forget_on_statement),
        ("after_commit", _forget_advanced_rounds),
        ("after_soft_rollback", _forget_advanced_rounds),
    ):
        if not event.contains(session_class, name, hook):
            event.listen(session_class, name, hook)


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


# What the judge reads once a round has closed, by the round's mode.
_CLOSED = {
    RoundMode.SCORES: _l("%(round)s closed at %(closed)s, so scores can no longer be saved or changed."),
    RoundMode.PASS_FAIL: _l("%(round)s closed at %(closed)s, so verdicts can no longer be saved or changed."),
    RoundMode.RANKING: _l("%(round)s closed at %(closed)s, so notes and rankings can no longer be saved or changed."),
}


def N_(message: str) -> str:  # noqa: N802 (gettext's name for it)
    """Marks text for the catalogues where it is defined; it is translated (`_`) where it is shown."""
    return message


def scoring_problem(judging_round: JudgingRound, now: datetime | None = None) -> str | None:
    """Why the round's scores cannot be saved now, in words for the judge (None while scoring is open).

    Scoring is open only while the cycle is in judging (the organiser starts it), from the round's
    opening instant if it has one and until its closing instant if it has one."""
    cycle = judging_round.cycle
    now = now or utcnow()
    if cycle.status is CycleStatus.PUBLISHED:
        return _("The results have been published, so scores can no longer be changed.")
    if cycle.status is not CycleStatus.JUDGING:
        return _("Scoring opens when the organisers start judging. You can read the entry now.")
    if judging_round.opens_at is not None and now < judging_round.opens_at:
        return _(
            "%(round)s opens at %(opens)s. You can read the entry now.",
            round=judging_round.display_name,
            opens=govuk_datetime(judging_round.opens_at, cycle.time_zone),
        )
    if judging_round.closes_at is not None and now >= judging_round.closes_at:
        return str(_CLOSED[judging_round.mode]) % {
            "round": judging_round.display_name,
            "closed": govuk_datetime(judging_round.closes_at, cycle.time_zone),
        }
    return None


def scoring_open(judging_round: JudgingRound, now: datetime | None = None) -> bool:
    return scoring_problem(judging_round, now) is None


# --- Setting rounds up: adding, changing and removing them, and their panels ----------------------

NAME_MAX = 120
MAX_JUDGES_PER_ENTRY = 20
MAX_LOAD = 1000  # as a judge's own limit (judges.MAX_LOAD_LIMIT)

MODE_LOCKED = N_(
    "Judges have submitted reviews in this round, so its mode cannot change: the reviews already given "
    "would no longer fit it."
)
ENTRIES_LOCKED = N_(
    "Judges have submitted reviews in this round, so which entries it judges cannot change: the reviews "
    "already given are of its entries as they are."
)
BLIND_LOCKED = N_(
    "Judges have been given entries in this round, so blind judging cannot be turned on or off: some "
    "judges may already have read entries with the entrant's details shown, or hidden."
)
FIRST_ROUND_ENTRIES = N_("Round 1 judges all eligible entries: there is no round before it to advance entries from.")
RANKING_CALIBRATION = N_("Remove the calibration example first: a ranking round cannot calibrate on one entry")


@dataclass(frozen=True)
class RoundCounts:
    """What a round holds, for the organiser's list of rounds."""

    criteria: int = 0
    assignments: int = 0
    submitted_reviews: int = 0


def round_counts(cycle: Cycle) -> dict[int, RoundCounts]:
    """Each round's criteria, assignments (of judges who have not declared a conflict) and submitted
    reviews, by round id, calibration examples aside (they are not in competition): three queries
    whatever the number of rounds."""
    ids = [r.id for r in cycle.rounds]
    criteria = dict(
        db.session.execute(
            select(Criterion.round_id, func.count(Criterion.id))
            .where(Criterion.round_id.in_(ids))
            .group_by(Criterion.round_id)
        ).all()
    )
    assignments = dict(
        db.session.execute(
            select(Assignment.round_id, func.count(Assignment.id))
            .where(
                Assignment.round_id.in_(ids),
                Assignment.status != AssignmentStatus.RECUSED,
                Assignment.calibration.is_(False),
            )
            .group_by(Assignment.round_id)
        ).all()
    )
    reviews = dict(
        db.session.execute(
            select(Assignment.round_id, func.count(Review.id))
            .join(Review, Review.assignment_id == Assignment.id)
            .where(
                Assignment.round_id.in_(ids),
                Assignment.calibration.is_(False),
                Review.status == ReviewStatus.SUBMITTED,
            )
            .group_by(Assignment.round_id)
        ).all()
    )
    return {i: RoundCounts(criteria.get(i, 0), assignments.get(i, 0), reviews.get(i, 0)) for i in ids}


def has_assignments(judging_round: JudgingRound, *, calibration: bool = True) -> bool:
    """Whether any judge has been given an entry in the round (a declared conflict counts: the judge was
    given the entry and may have read it; the calibration example counts unless `calibration` is False)."""
    query = select(Assignment.id).where(Assignment.round_id == judging_round.id)
    if not calibration:
        query = query.where(Assignment.calibration.is_(False))
    return db.session.scalar(query.limit(1)) is not None


def assigned_counts(judging_round: JudgingRound) -> dict[int, int]:
    """How many entries each judge has to judge in the round (declared conflicts and the calibration
    example aside), by judge id."""
    rows = db.session.execute(
        select(Assignment.judge_id, func.count(Assignment.id))
        .where(
            Assignment.round_id == judging_round.id,
            Assignment.status != AssignmentStatus.RECUSED,
            Assignment.calibration.is_(False),
        )
        .group_by(Assignment.judge_id)
    ).all()
    return {judge_id: count for judge_id, count in rows}


def calibrated_judges(judging_round: JudgingRound) -> set[int]:
    """The ids of the judges who have submitted their review of the round's calibration example."""
    return set(
        db.session.scalars(
            select(Assignment.judge_id)
            .join(Review, Review.assignment_id == Assignment.id)
            .where(
                Assignment.round_id == judging_round.id,
                Assignment.calibration.is_(True),
                Review.status == ReviewStatus.SUBMITTED,
            )
        )
    )


def has_submitted_review(judging_round: JudgingRound) -> bool:
    found = db.session.scalar(
        select(Review.id)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .where(Assignment.round_id == judging_round.id, Review.status == ReviewStatus.SUBMITTED)
        .limit(1)
    )
    return found is not None


def has_advancements(judging_round: JudgingRound) -> bool:
    found = db.session.scalar(select(Advancement.id).where(Advancement.round_id == judging_round.id).limit(1))
    return found is not None


def locked_settings(judging_round: JudgingRound | None) -> dict[str, str]:
    """The settings of a round that can no longer change, each with the reason (by field name)."""
    if judging_round is None or judging_round.id is None:
        return {}
    locked: dict[str, str] = {}
    if judging_round.number == 1:
        locked["entries"] = _(FIRST_ROUND_ENTRIES)
    if has_submitted_review(judging_round):
        locked["mode"] = _(MODE_LOCKED)
        locked.setdefault("entries", _(ENTRIES_LOCKED))
    if has_assignments(judging_round):
        locked["blind"] = _(BLIND_LOCKED)
    return locked


def removal_problem(judging_round: JudgingRound) -> str | None:
    """Why the round cannot be removed (None: it can)."""
    cycle = judging_round.cycle
    if judging_round.number == 1:
        return _("Round 1 cannot be removed: every cycle judges in at least one round. You can change it instead.")
    last = cycle.rounds[-1]
    if judging_round.id != last.id:
        return _("Only the last round can be removed. Remove %(round)s first.", round=last.label)
    if has_assignments(judging_round):
        if judging_round.calibration_nomination_id is not None and not has_assignments(
            judging_round, calibration=False
        ):
            return _(
                "Judges have been given the calibration example of %(round)s, so it cannot be "
                "removed. Remove the calibration example first.",
                round=judging_round.label,
            )
        return _(
            "Judges have been given entries in %(round)s, so it cannot be removed. Remove its assignments first.",
            round=judging_round.label,
        )
    if has_advancements(judging_round):
        return _(
            "Entries have been advanced into %(round)s, so it cannot be removed. Take them out of the round first.",
            round=judging_round.label,
        )
    return None


def _clean_settings(
    cycle: Cycle,
    judging_round: JudgingRound | None,
    number: int,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """The settings of a round numbered `number` (`judging_round`, None for a new one), checked."""
    name = " ".join(str(settings.get("name") or "").split())
    if not name:
        raise DomainError(_("Enter the round's name"), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_("Name must be %(max)s characters or fewer", max=format_decimal(NAME_MAX)), field="name")
    same = next(
        (r for r in cycle.rounds if r is not judging_round and r.name.strip().casefold() == name.casefold()),
        None,
    )
    if same is not None:
        raise Conflict(_("%(round)s already has that name: give this round another", round=same.label), field="name")
    opens_at, closes_at = settings.get("opens_at"), settings.get("closes_at")
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise DomainError(_("The round must close after it opens"), field="closes_at")
    try:
        entries = RoundEntries(settings.get("entries"))
    except ValueError:
        raise DomainError(_("Select which entries the round judges"), field="entries") from None
    if number == 1 and entries is not RoundEntries.ELIGIBLE:
        raise DomainError(_(FIRST_ROUND_ENTRIES), field="entries")
    try:
        mode = RoundMode(settings.get("mode"))
    except ValueError:
        raise DomainError(_("Select how judges judge the entries"), field="mode") from None
    ranking_method = settings.get("ranking_method") or "borda"
    if ranking_method not in RANKING_METHODS:
        raise DomainError(_("Select how the judges' rankings are combined"), field="ranking_method")
    per_entry = settings.get("judges_per_nomination")
    if not isinstance(per_entry, int) or isinstance(per_entry, bool) or not 1 <= per_entry <= MAX_JUDGES_PER_ENTRY:
        raise DomainError(
            _("Judges for each entry must be between 1 and %(max)s", max=format_decimal(MAX_JUDGES_PER_ENTRY)),
            field="judges_per_nomination",
        )
    max_load = settings.get("judge_max_load")
    if not isinstance(max_load, int) or isinstance(max_load, bool) or not 1 <= max_load <= MAX_LOAD:
        raise DomainError(
            _("Most entries one judge scores must be between 1 and %(max)s", max=format_decimal(MAX_LOAD)),
            field="judge_max_load",
        )
    is_final = bool(settings.get("is_final"))
    if is_final:
        other = next((r for r in cycle.rounds if r.is_final and r is not judging_round), None)
        if other is not None:
            raise Conflict(
                _(
                    "%(round)s is already the final round. A cycle has one final round: change %(round)s "
                    "so that it is not the final round first.",
                    round=other.label,
                ),
                field="is_final",
            )
    return {
        "name": name,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "entries": entries,
        "mode": mode,
        "ranking_method": ranking_method
        if mode is RoundMode.RANKING
        else (judging_round.ranking_method if judging_round is not None else "borda"),
        "blind": bool(settings.get("blind")),
        "judges_per_nomination": per_entry,
        "judge_max_load": max_load,
        "is_final": is_final,
    }


def copy_criteria(source: JudgingRound, judging_round: JudgingRound) -> None:
    """Give `judging_round` a copy of `source`'s criteria and rubric (appended, in the same positions)."""
    for criterion in source.criteria:
        judging_round.criteria.append(
            Criterion(
                cycle_id=source.cycle_id,
                name=criterion.name,
                description=criterion.description,
                weight=criterion.weight,
                scale_min=criterion.scale_min,
                scale_max=criterion.scale_max,
                rubric=[dict(band) for band in criterion.rubric or []],
                allow_not_applicable=criterion.allow_not_applicable,
                position=criterion.position,
            )
        )


def _default_criteria(cycle: Cycle, judging_round: JudgingRound) -> None:
    """The criteria a new cycle starts with (the project's seed data, as create_cycle adds them, in the service's
    default language)."""
    data = default_taxonomy()
    for position, item in enumerate(data["criteria"]):
        judging_round.criteria.append(
            Criterion(
                cycle_id=cycle.id,
                name=default_translations.default_words("criteria", item["name"], "name"),
                description=default_translations.default_words("criteria", item["name"], "description"),
                weight=item["weight"],
                scale_min=data["scale"]["min"],
                scale_max=data["scale"]["max"],
                rubric=default_translations.default_rubric(),
                allow_not_applicable=False,
                position=position,
            )
        )


def round_audit(judging_round: JudgingRound) -> dict[str, Any]:
    """The keys naming a round in the audit record of something done to it or in it, its cycle's address
    and its number: `audit.record(action, actor=…, obj=…, **round_audit(judging_round), …)`."""
    return {"cycle": judging_round.cycle.slug, "number": judging_round.number}


def _audit_values(judging_round: JudgingRound) -> dict[str, Any]:
    """The round's settings as its audit records give them (before and after a change)."""
    return {
        "name": judging_round.name,
        "opens_at": judging_round.opens_at.isoformat() if judging_round.opens_at else None,
        "closes_at": judging_round.closes_at.isoformat() if judging_round.closes_at else None,
        "entries": judging_round.entries.value,
        "mode": judging_round.mode.value,
        "ranking_method": judging_round.ranking_method,
        "blind": judging_round.blind,
        "judges_per_nomination": judging_round.judges_per_nomination,
        "judge_max_load": judging_round.judge_max_load,
        "is_final": judging_round.is_final,
    }


def add_round(
    cycle: Cycle, *, by: User | None, criteria_from: JudgingRound | None = None, **settings: Any
) -> JudgingRound:
    """A new round after the cycle's last one, with `settings` (name, opens_at, closes_at, entries, mode,
    ranking_method, blind, judges_per_nomination, judge_max_load, is_final) and a copy of the criteria
    and rubric of `criteria_from` (a round of the cycle), or the default criteria when it is None.
    Its panel is every judge of the cycle until the organiser chooses one."""
    number = cycle.rounds[-1].number + 1 if cycle.rounds else 1
    values = _clean_settings(cycle, None, number, settings)
    if criteria_from is not None and criteria_from.cycle_id != cycle.id:
        raise DomainError(_("Choose a round of this cycle to copy the criteria from"), field="criteria")
    now = utcnow()
    judging_round = JudgingRound(number=number, whole_panel=True, created_at=now, updated_at=now, **values)
    cycle.rounds.append(judging_round)
    if criteria_from is not None:
        copy_criteria(criteria_from, judging_round)
    else:
        _default_criteria(cycle, judging_round)
    db.session.flush()
    # The criteria read in the service's other languages as the ones they come from do.
    if criteria_from is not None:
        default_translations.copy_translations(zip(criteria_from.criteria, judging_round.criteria, strict=True), by=by)
    else:
        default_translations.add_to(judging_round.criteria, by=by)
    audit.record(
        "round.added",
        actor=by,
        obj=judging_round,
        **round_audit(judging_round),
        criteria_from=criteria_from.number if criteria_from is not None else "default",
        **_audit_values(judging_round),
    )
    return judging_round


def update_round(judging_round: JudgingRound, *, by: User | None, **settings: Any) -> None:
    """Change a round's settings (as `add_round` takes them). Refused, with the reason on the field: a
    new mode or other entries once a review of the round is submitted, blind judging turned on or off
    once judges have been given entries, entries advanced into round 1, a second final round, judging
    by ranking while the round has a calibration example."""
    cycle = judging_round.cycle
    values = _clean_settings(cycle, judging_round, judging_round.number, settings)
    locked = locked_settings(judging_round)
    for name in ("mode", "entries", "blind"):
        if name in locked and values[name] != getattr(judging_round, name):
            raise Conflict(locked[name], field=name)
    if (
        values["mode"] is RoundMode.RANKING
        and judging_round.mode is not RoundMode.RANKING
        and judging_round.calibration_nomination_id is not None
    ):
        raise Conflict(_(RANKING_CALIBRATION), field="mode")
    before = _audit_values(judging_round)
    for name, value in values.items():
        setattr(judging_round, name, value)
    after = _audit_values(judging_round)
    changed = {k: after[k] for k in after if after[k] != before[k]}
    if not changed:
        return
    judging_round.updated_at = utcnow()
    audit.record(
        "round.changed",
        actor=by,
        obj=judging_round,
        **round_audit(judging_round),
        changes={k: {"from": before[k], "to": after[k]} for k in changed},
    )


def remove_round(judging_round: JudgingRound, *, by: User | None) -> None:
    """Remove the cycle's last round (never round 1), if no judge has been given an entry in it and no
    entry advanced into it. Its criteria and panel go with it."""
    problem = removal_problem(judging_round)
    if problem is not None:
        raise Conflict(problem)
    cycle = judging_round.cycle
    audit.record(
        "round.removed",
        actor=by,
        obj=judging_round,
        **round_audit(judging_round),
        name=judging_round.name,
    )
    cycle.rounds.remove(judging_round)  # delete-orphan: the round goes, its criteria and panel with it
    db.session.flush()


@dataclass(frozen=True)
class PanelChoice:
    """One judge on a round's panel: the categories they judge in it (None: every category they judge
    in the cycle) and the most entries they are given in it (None: their usual limit)."""

    category_ids: list[int] | None = None
    max_load: int | None = None


def _names(judges: list[Judge]) -> str:
    names = [j.display_name for j in judges]
    if len(names) == 1:
        return names[0]
    return _("%(names)s and %(last)s", names=", ".join(names[:-1]), last=names[-1])


def set_panel(
    judging_round: JudgingRound,
    *,
    by: User | None,
    whole_panel: bool,
    members: dict[int, PanelChoice] | None = None,
) -> None:
    """Who judges in the round: every judge of the cycle (`whole_panel`), or only `members` (judge id →
    their choice), written as the round's panel members. A judge who has entries to judge in the round,
    or who has submitted their review of its calibration example, cannot be taken off its panel; a judge
    whose only assignment is the calibration example, not yet submitted, can (the example is taken back
    from them), and judges new to the panel are given it (calibration.ensure_calibration)."""
    from awards.domain.judging import calibration  # calibration builds on this module

    cycle = judging_round.cycle
    members = {} if whole_panel else dict(members or {})
    judges = {j.id: j for j in db.session.scalars(select(Judge).where(Judge.cycle_id == cycle.id).order_by(Judge.id))}
    if any(judge_id not in judges for judge_id in members):
        raise DomainError(_("Choose only judges of this cycle"), field="judges")
    if not whole_panel and not members:
        raise DomainError(_("Select the judges on the round's panel"), field="judges")
    category_ids = {c.id for c in cycle.categories}
    for judge_id, choice in members.items():
        if choice.category_ids is not None and not set(choice.category_ids) <= category_ids:
            raise DomainError(_("Choose only categories of this cycle"), field=f"categories_{judge_id}")
        if choice.max_load is not None and not 1 <= choice.max_load <= MAX_LOAD:
            raise DomainError(
                _(
                    "Most entries for %(judge)s must be between 1 and %(max)s",
                    judge=judges[judge_id].display_name,
                    max=format_decimal(MAX_LOAD),
                ),
                field=f"max_load_{judge_id}",
            )
    if not whole_panel:
        busy = set(assigned_counts(judging_round))
        kept_off = [judges[i] for i in sorted(busy) if i in judges and i not in members]
        if kept_off:
            raise Conflict(
                ngettext(
                    "%(names)s has entries to judge in %(round)s, so cannot be taken off its panel. Remove their "
                    "assignments first, or keep them on the panel.",
                    "%(names)s have entries to judge in %(round)s, so cannot be taken off its panel. Remove their "
                    "assignments first, or keep them on the panel.",
                    len(kept_off),
                    names=_names(kept_off),
                    round=judging_round.label,
                ),
                field="judges",
            )
        calibrated = calibrated_judges(judging_round)
        kept_off = [judges[i] for i in sorted(calibrated) if i in judges and i not in members]
        if kept_off:
            raise Conflict(
                ngettext(
                    "%(names)s has submitted scores for the calibration example of %(round)s, so cannot be taken "
                    "off its panel: the rest of the panel's calibration scores are compared with theirs. Keep them "
                    "on the panel.",
                    "%(names)s have submitted scores for the calibration example of %(round)s, so cannot be taken "
                    "off its panel: the rest of the panel's calibration scores are compared with theirs. Keep them "
                    "on the panel.",
                    len(kept_off),
                    names=_names(kept_off),
                    round=judging_round.label,
                ),
                field="judges",
            )
    existing = {m.judge_id: m for m in judging_round.panel}
    for judge_id, old in existing.items():
        if judge_id not in members:
            judging_round.panel.remove(old)
    for judge_id, choice in members.items():
        chosen = sorted(set(choice.category_ids)) if choice.category_ids else None
        kept = existing.get(judge_id)
        if kept is None:
            judging_round.panel.append(PanelMember(judge_id=judge_id, category_ids=chosen, max_load=choice.max_load))
        else:
            kept.category_ids = chosen
            kept.max_load = choice.max_load
    judging_round.whole_panel = whole_panel
    judging_round.updated_at = utcnow()
    db.session.flush()
    calibration.ensure_calibration(judging_round, by=by)
    audit.record(
        "round.panel_chosen",
        actor=by,
        obj=judging_round,
        **round_audit(judging_round),
        whole_panel=whole_panel,
        members={
            str(judge_id): {
                "categories": sorted(set(c.category_ids)) if c.category_ids else None,
                "max_load": c.max_load,
            }
            for judge_id, c in sorted(members.items())
        },
    )
