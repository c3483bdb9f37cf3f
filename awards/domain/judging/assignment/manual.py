"""An organiser's edits by hand on a round's assignments: who may be added to a nomination in the round
(and why the others are not offered), adding a judge (locked, so a re-run of the assignment keeps it),
removing an assignment, and locking or unlocking one. Refused once the cycle's results are published.

Only judges on the round's panel are offered, in the categories they judge in it, within their load
limit in the round, and only for the round's entries; a conflict of interest holds in every round."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.judging import conflicts, rounds
from awards.domain.judging.assignment.problem import (
    AVOID_LEVEL,
    affinity,
    check_changeable,
    expertise_levels,
    nomination_trends,
    round_assignments,
)
from awards.domain.programme.translations import NameShown
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    Judge,
    JudgingRound,
    Nomination,
    NominationStatus,
    ReviewStatus,
    User,
)


def judge_loads(judging_round: JudgingRound) -> dict[int, int]:
    """Live (not recused) assignments in the round per judge id (calibration ones aside)."""
    return dict(
        db.session.execute(
            select(Assignment.judge_id, func.count(Assignment.id))
            .where(round_assignments(judging_round.id), Assignment.status == AssignmentStatus.ASSIGNED)
            .group_by(Assignment.judge_id)
        ).all()
    )


def recused_judge_ids(nomination: Nomination) -> set[int]:
    """The judges who declared a conflict of interest with the nomination, in any round."""
    return set(
        db.session.scalars(
            select(Assignment.judge_id).where(
                Assignment.nomination_id == nomination.id, Assignment.status == AssignmentStatus.RECUSED
            )
        )
    )


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
    not_on_panel: int = 0  # judges of the cycle who are not on the round's panel


def manual_options(
    nomination: Nomination, judges: list[Judge], assignments: list[Assignment], judging_round: JudgingRound
) -> ManualOptions:
    """Sort the cycle's judges for the nomination's "Add a judge" list in the round (`assignments`:
    the nomination's in the round): only accepted judges on the round's panel who judge its category
    there, with no conflict (in any round), no assignment to it in the round yet and room under their
    load limit in the round are offered."""
    taken = {a.judge_id: a for a in assignments}
    panel = rounds.panel(judging_round)
    on_panel = [j for j in judges if j.id in panel]
    accepted = [(j, j.user_id) for j in on_panel if j.has_accepted and j.user_id is not None]
    pairs = conflicts.conflict_pairs([j for j, _ in accepted], [nomination]) if accepted else set()
    recused = recused_judge_ids(nomination)
    loads = judge_loads(judging_round)
    levels = expertise_levels(user_id for _, user_id in accepted)
    trends = nomination_trends(nomination)
    primary = next((t for t, p in trends if p), None)
    options = ManualOptions(
        offered=[],
        at_limit=[],
        conflicted=[],
        other_category=[],
        recused=[],
        not_accepted=len(on_panel) - len(accepted),
        not_on_panel=len(judges) - len(on_panel),
    )
    for judge, user_id in sorted(accepted, key=lambda pair: (pair[0].display_name.lower(), pair[0].id)):
        existing = taken.get(judge.id)
        member = panel[judge.id]
        categories = rounds.panel_categories(judge, member)
        if existing is not None and existing.status is not AssignmentStatus.RECUSED:
            continue
        if existing is not None or judge.id in recused:
            options.recused.append(judge)
        elif (judge.id, nomination.id) in pairs:
            options.conflicted.append(judge)
        elif categories is not None and nomination.category_id not in categories:
            options.other_category.append(judge)
        else:
            judge_levels = levels.get(user_id, {})
            candidate = Candidate(
                judge=judge,
                load=loads.get(judge.id, 0),
                limit=rounds.load_limit(judging_round, judge, member),
                affinity=affinity(judge_levels, trends),
                avoided=primary is not None and judge_levels.get(primary) == AVOID_LEVEL,
            )
            (options.offered if candidate.load < candidate.limit else options.at_limit).append(candidate)
    options.offered.sort(key=lambda c: (-c.affinity, c.load, c.judge.display_name.lower(), c.judge.id))
    return options


def add_judge(
    nomination: Nomination, judge: Judge, *, by: User, judging_round: JudgingRound | None = None
) -> Assignment:
    """An organiser gives an entry of the round (None: the cycle's current round) a judge by hand: an
    accepted judge on the round's panel who judges its category there, with no conflict and room under
    their load limit in the round. The assignment is locked, so a re-run keeps it."""
    judging_round = judging_round or rounds.current_round(nomination.cycle)
    user_id = _check_can_add(nomination, judge, judging_round)
    levels = expertise_levels([user_id])[user_id]
    assignment = Assignment(
        round_id=judging_round.id,
        judge_id=judge.id,
        nomination_id=nomination.id,
        status=AssignmentStatus.ASSIGNED,
        locked=True,
        affinity=affinity(levels, nomination_trends(nomination)),
        created_at=utcnow(),
        created_by_id=by.id,
    )
    db.session.add(assignment)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(_("%(name)s already judges this nomination", name=judge.display_name), field="judge") from error
    audit.record(
        "assignment.added",
        actor=by,
        obj=nomination,
        judge=judge.id,
        assignment=assignment.id,
        round=judging_round.id,
        locked=True,
    )
    return assignment


def is_entry(judging_round: JudgingRound, nomination: Nomination) -> bool:
    """Whether the nomination is one of the round's entries (for a later round: advanced into it)."""
    query = select(Nomination.id).where(*rounds.entry_filter(judging_round), Nomination.id == nomination.id)
    return db.session.scalar(query) is not None


def _check_can_add(nomination: Nomination, judge: Judge, judging_round: JudgingRound) -> int:
    """Refused (on the judge field) unless the judge may be added to the nomination in the round; their
    user id."""
    check_changeable(nomination.cycle)
    if judge.cycle_id != nomination.cycle_id or judging_round.cycle_id != nomination.cycle_id:
        raise NotAllowed(_("This judge does not judge this award cycle"), field="judge")
    if nomination.status is not NominationStatus.SUBMITTED:
        raise DomainError(
            _(
                "%(reference)s is %(status)s: only submitted nominations are judged",
                reference=nomination.reference,
                status=nomination.status.label.lower(),
            ),
            field="judge",
        )
    if not is_entry(judging_round, nomination):
        raise DomainError(
            _(
                "%(reference)s was not advanced into %(round)s, so it is not judged in it",
                reference=nomination.reference,
                round=judging_round.label,
            ),
            field="judge",
        )
    if not judge.has_accepted or judge.user_id is None:
        raise DomainError(_("%(name)s has not accepted the invitation yet", name=judge.display_name), field="judge")
    panel = rounds.panel(judging_round)
    if judge.id not in panel:
        raise DomainError(
            _("%(name)s is not on the panel of %(round)s", name=judge.display_name, round=judging_round.label),
            field="judge",
        )
    member = panel[judge.id]
    categories = rounds.panel_categories(judge, member)
    if categories is not None and nomination.category_id not in categories:
        raise DomainError(
            _("%(name)s does not judge %(category)s", name=judge.display_name, category=NameShown(nomination.category)),
            field="judge",
        )
    existing = db.session.scalar(
        select(Assignment).where(
            Assignment.round_id == judging_round.id,
            Assignment.judge_id == judge.id,
            Assignment.nomination_id == nomination.id,
        )
    )
    if existing is not None and existing.status is not AssignmentStatus.RECUSED:
        raise Conflict(_("%(name)s already judges this nomination", name=judge.display_name), field="judge")
    if existing is not None or judge.id in recused_judge_ids(nomination):
        raise DomainError(
            _("%(name)s declared a conflict of interest with this nomination", name=judge.display_name), field="judge"
        )
    if conflicts.is_conflicted(judge, nomination):
        raise DomainError(
            _("%(name)s has a conflict of interest with this nomination", name=judge.display_name), field="judge"
        )
    load = judge_loads(judging_round).get(judge.id, 0)
    if load >= rounds.load_limit(judging_round, judge, member):
        raise DomainError(
            _(
                "%(name)s already has %(num)s nominations, their limit: raise their limit on the judges page first",
                name=judge.display_name,
                num=format_decimal(load),
            ),
            field="judge",
        )
    return judge.user_id


def remove_assignment(assignment: Assignment, *, by: User) -> None:
    """Take a judge off a nomination; refused once they have submitted scores (reopen them first).
    A draft review is deleted with the assignment."""
    check_changeable(assignment.nomination.cycle)
    if assignment.status is not AssignmentStatus.ASSIGNED:
        raise DomainError(_("This judge declared a conflict of interest: the record of it stays"))
    review = assignment.review
    if review is not None and review.status is ReviewStatus.SUBMITTED:
        raise DomainError(
            _(
                "%(name)s has submitted scores for this nomination, so the assignment cannot be removed",
                name=assignment.judge.display_name,
            )
        )
    audit.record(
        "assignment.removed",
        actor=by,
        obj=assignment.nomination,
        judge=assignment.judge_id,
        assignment=assignment.id,
        had_draft=review is not None,
    )
    db.session.delete(assignment)
    db.session.flush()


def set_locked(assignment: Assignment, locked: bool, *, by: User) -> bool:
    """Lock an assignment so a re-run keeps it, or unlock it; False if it already was."""
    check_changeable(assignment.nomination.cycle)
    if assignment.status is not AssignmentStatus.ASSIGNED:
        raise DomainError(_("This judge declared a conflict of interest, so the assignment cannot be locked"))
    if assignment.locked == locked:
        return False
    assignment.locked = locked
    audit.record(
        "assignment.locked" if locked else "assignment.unlocked",
        actor=by,
        obj=assignment.nomination,
        judge=assignment.judge_id,
        assignment=assignment.id,
    )
    db.session.flush()
    return True
