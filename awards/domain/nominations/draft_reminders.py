"""Reminders to nominees whose nominations are still drafts as the close approaches.

Each draft nomination is reminded once, ever: its row is claimed (UPDATE … WHERE
draft_reminder_sent_at IS NULL) before its e-mail is queued in the same transaction, so two runs
at once (the cron command and an organiser's button) never e-mail the same nominee twice. The cron
command (`flask remind-drafts`) reminds the drafts of the cycles that accept nominations and close
within N days; an organiser can remind a cycle's drafts at any time while it accepts nominations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.dates import govuk_datetime
from awards.domain.core.errors import DomainError, NotAllowed
from awards.domain.core.mail import queue_email, written_later
from awards.domain.nominations.entries import COMPLETED, task_list
from awards.domain.programme.cycles import accepts_nominations, open_cycles
from awards.extensions import db
from awards.i18n import language_of
from awards.models import Cycle, CycleStatus, Nomination, NominationStatus, User
from awards.urls import external_url

DEFAULT_DAYS = 7


@dataclass
class CycleReminders:
    """What a run did (or, in a dry run, would do) for one cycle."""

    cycle: Cycle
    due: int  # drafts whose nominee has not been reminded yet
    sent: int = 0
    problem: str | None = None  # why none are sent now

    def line(self, *, dry_run: bool = False) -> str:
        """One line for the cron log: the cycle, then what happened."""
        name = f"{self.cycle.name} ({self.cycle.slug})"
        if self.problem:
            return f"{name}: no reminders sent. {self.problem}."
        if dry_run:
            return f"{name}: {_count(self.due, 'reminder')} would be sent (dry run: nothing sent)."
        return f"{name}: {_count(self.sent, 'reminder')} sent; nominations close at {_closes(self.cycle)}."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _closes(cycle: Cycle) -> str:
    return f"{govuk_datetime(cycle.nominations_close_at, cycle.time_zone)} ({cycle.time_zone} time)"


def _due(cycle: Cycle) -> tuple[ColumnElement[bool], ...]:
    """The cycle's drafts whose nominee has not been reminded yet (a draft always has its nominee:
    deleting an account deletes its drafts)."""
    return (
        Nomination.cycle_id == cycle.id,
        Nomination.status == NominationStatus.DRAFT,
        Nomination.draft_reminder_sent_at.is_(None),
        Nomination.nominator_id.is_not(None),
    )


def count_due(cycle: Cycle) -> int:
    return db.session.scalar(select(func.count(Nomination.id)).where(*_due(cycle))) or 0


def count_nominees_due(cycle: Cycle) -> int:
    """How many people the drafts not reminded yet belong to (one e-mail per draft)."""
    return db.session.scalar(select(func.count(func.distinct(Nomination.nominator_id))).where(*_due(cycle))) or 0


def count_reminded(cycle: Cycle) -> int:
    """Drafts of the cycle whose nominee has already been reminded (still drafts)."""
    return (
        db.session.scalar(
            select(func.count(Nomination.id)).where(
                Nomination.cycle_id == cycle.id,
                Nomination.status == NominationStatus.DRAFT,
                Nomination.draft_reminder_sent_at.is_not(None),
            )
        )
        or 0
    )


def reminder_problem(cycle: Cycle, now: datetime | None = None, within_days: int | None = None) -> str | None:
    """Why the cycle's drafts cannot be reminded now, or None. With `within_days`, only a cycle
    that closes within that many days may remind (the cron command's rule)."""
    now = now or utcnow()
    if not accepts_nominations(cycle, now):
        if cycle.status is CycleStatus.DRAFT:
            return _("The cycle is not open for nominations yet")
        if cycle.status is CycleStatus.OPEN and now < cycle.nominations_open_at:
            return _("Nominations have not opened yet")
        return _("Nominations have closed, so drafts can no longer be submitted")
    if within_days is not None and cycle.nominations_close_at - now > timedelta(days=within_days):
        return f"Nominations close at {_closes(cycle)}, more than {_count(within_days, 'day')} from now"
    return None


def send_draft_reminders(
    cycle: Cycle, *, by: User | None, within_days: int | None = None, now: datetime | None = None
) -> int:
    """E-mail the nominee of each draft of the cycle not reminded yet, through the outbox, and
    record it on the nomination; returns how many were sent. `by` is the organiser (None: the
    cron command). Raises NotAllowed when the cycle does not accept nominations (or, with
    `within_days`, closes later than that)."""
    now = now or utcnow()
    if within_days is not None and within_days < 0:
        raise DomainError(_("The number of days must be 0 or more"), field="days")
    problem = reminder_problem(cycle, now, within_days)
    if problem:
        raise NotAllowed(problem)
    # Claim the rows first: another run that claimed one already leaves it out of this list.
    claimed = list(
        db.session.scalars(
            update(Nomination)
            .where(*_due(cycle))
            .values(draft_reminder_sent_at=now)
            .returning(Nomination.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        return 0
    nominations = list(
        db.session.scalars(
            select(Nomination)
            .where(Nomination.id.in_(claimed))
            .options(
                joinedload(Nomination.nominator),
                joinedload(Nomination.category),
                selectinload(Nomination.partners),
                selectinload(Nomination.trend_links),
                selectinload(Nomination.attachments),
            )
            .order_by(Nomination.reference)
            .execution_options(populate_existing=True)
        )
    )
    closes = written_later(govuk_datetime, cycle.nominations_close_at, cycle.time_zone)
    for nomination in nominations:
        nominee = nomination.nominator
        if nominee is None:  # never: _due claims only drafts that have their nominee
            continue
        tasks = task_list(nomination)
        remaining = [section.title for section, status in tasks if status != COMPLETED]
        queue_email(
            to_address=nominee.email,
            to_name=nominee.name,
            template="draft_reminder",
            language=language_of(nominee),
            subject=_l("Reminder: submit your nomination by %(closes)s", closes=closes),
            nomination=nomination,
            cycle=cycle,
            remaining=remaining,
            done=len(tasks) - len(remaining),
            total=len(tasks),
            link=external_url("nominee.task_list", reference=nomination.reference),
        )
        audit.record(
            "nomination.draft_reminder_sent",
            actor=by,
            obj=nomination,
            cycle=cycle.slug,
            closes_at=cycle.nominations_close_at.isoformat(),
        )
    audit.record("draft_reminders.sent", actor=by, obj=cycle, sent=len(nominations), within_days=within_days)
    db.session.flush()
    return len(nominations)


def remind_open_cycles(
    *, within_days: int = DEFAULT_DAYS, now: datetime | None = None, dry_run: bool = False
) -> list[CycleReminders]:
    """The cron command's run: for each cycle accepting nominations, remind its drafts if it closes
    within `within_days` days (a dry run only counts them). One CycleReminders per such cycle."""
    now = now or utcnow()
    if within_days < 0:
        raise DomainError(_("The number of days must be 0 or more"), field="days")
    done = []
    for cycle in open_cycles(now):
        report = CycleReminders(cycle, due=count_due(cycle), problem=reminder_problem(cycle, now, within_days))
        if report.problem is None and not dry_run:
            report.sent = send_draft_reminders(cycle, by=None, within_days=within_days, now=now)
        done.append(report)
    return done
