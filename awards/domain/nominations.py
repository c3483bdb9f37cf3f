"""Nominations: starting one (with its reference), saving sections, the task list,
submitting before the deadline, editing after submission, withdrawing."""

from __future__ import annotations

from sqlalchemy import select, update

from ..extensions import db
from ..models import Category, Cycle, Nomination, NominationStatus, User
from . import audit
from .clock import utcnow
from .cycles import accepts_nominations
from .errors import DomainError, NotAllowed


def issue_reference(cycle: Cycle) -> str:
    """The next reference of the cycle, e.g. PSDA-2025-0042 (atomic, so two starts never share one)."""
    number = db.session.execute(
        update(Cycle).where(Cycle.id == cycle.id)
        .values(last_reference_number=Cycle.last_reference_number + 1)
        .returning(Cycle.last_reference_number)
    ).scalar_one()
    db.session.expire(cycle, ["last_reference_number"])
    return f"{cycle.reference_prefix}-{cycle.year}-{number:04d}"


def start_nomination(cycle: Cycle, category: Category, *, by: User) -> Nomination:
    """Start a draft in the cycle's category; the reference is issued at once."""
    if category.cycle_id != cycle.id:
        raise DomainError("Select a category of this awards cycle", field="category")
    if not accepts_nominations(cycle):
        raise NotAllowed(f"{cycle.name} is not accepting nominations")
    now = utcnow()
    nomination = Nomination(reference=issue_reference(cycle), cycle=cycle, category=category, nominator=by,
                            status=NominationStatus.DRAFT, created_at=now, updated_at=now)
    db.session.add(nomination)
    db.session.flush()
    audit.record("nomination.started", actor=by, obj=nomination, reference=nomination.reference)
    return nomination


def get_by_reference(reference: str) -> Nomination | None:
    return db.session.scalar(select(Nomination).where(Nomination.reference == reference))
