"""Nominations: starting one (with its reference), saving sections, the task list,
submitting before the deadline, editing after submission, withdrawing."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.core.mail import queue_email
from awards.domain.nominations import answers
from awards.domain.programme import entry_forms as forms
from awards.domain.programme.cycles import accepts_nominations
from awards.domain.programme.entry_forms import REGIONS  # noqa: F401  (where callers have always found it)
from awards.domain.programme.translations import NameShown
from awards.extensions import db
from awards.i18n import language_of
from awards.models import (
    AuditEvent,
    Category,
    Cycle,
    Nomination,
    NominationEditor,
    NominationStatus,
    User,
)
from awards.models.forms import FormSection

NOT_STARTED, IN_PROGRESS, COMPLETED = "Not started", "In progress", "Completed"

Problems = answers.Problems


class SectionConflict(Conflict):
    """The section was saved from another window (or by someone else in the nomination's team) since this copy
    was loaded. `saved_by` and `saved_at` say who saved the version now kept, and when, if the audit log knows."""

    def __init__(
        self,
        current: dict[str, Any],
        current_hash: str,
        saved_by: User | None = None,
        saved_at: datetime | None = None,
    ):
        super().__init__(
            _(
                "This section was changed in another window since you opened it. "
                "Compare the two versions below, then save the one you want."
            )
        )
        self.current = current
        self.current_hash = current_hash
        self.saved_by = saved_by
        self.saved_at = saved_at


# Reading -----------------------------------------------------------------------


def issue_reference(cycle: Cycle) -> str:
    """The next reference of the cycle, e.g. PSDA-2025-0042 (atomic, so two starts never share one).

    No two cycles share a prefix and year (uq_cycles_reference_prefix_year), and neither changes once a
    cycle has issued a reference; a number some nomination already has (from data older than those
    rules) is passed over rather than issued twice."""
    while True:
        number = db.session.execute(
            update(Cycle)
            .where(Cycle.id == cycle.id)
            .values(last_reference_number=Cycle.last_reference_number + 1)
            .returning(Cycle.last_reference_number)
        ).scalar_one()
        db.session.expire(cycle, ["last_reference_number"])
        reference = f"{cycle.reference_prefix}-{cycle.year}-{number:04d}"
        if db.session.scalar(select(Nomination.id).where(Nomination.reference == reference)) is None:
            return reference


def get_by_reference(reference: str) -> Nomination | None:
    """The nomination with its cycle and category, in one query (every page of it reads the cycle; the task list and
    the pages that name the category, the category). The rest is loaded when a page reads it: the form (kept per
    process: entry_forms.kept_sections), the nomination's partners, trends and files and the cycle's trends (the
    pages of those sections and the task list). A section page and its save read only their own section's answers,
    and each query through the ORM costs about 0.5 ms of CPU here (docs/performance.md, "Deadline night")."""
    return db.session.scalar(_by_reference(), {"reference": reference})


@lru_cache(maxsize=1)
def _by_reference():
    """get_by_reference's statement, built once (building it again for each request cost 0.15-0.35 ms)."""
    return (
        select(Nomination)
        .where(Nomination.reference == bindparam("reference"))
        .options(joinedload(Nomination.cycle), joinedload(Nomination.category))
    )


def nominations_of(user: User) -> list[Nomination]:
    """The nominations the user owns or edits as one of its team, newest first."""
    edited = select(NominationEditor.nomination_id).where(NominationEditor.user_id == user.id)
    return list(
        db.session.scalars(
            select(Nomination)
            .where(or_(Nomination.nominator_id == user.id, Nomination.id.in_(edited)))
            .options(selectinload(Nomination.cycle), selectinload(Nomination.category))
            .order_by(Nomination.created_at.desc(), Nomination.id.desc())
        )
    )


def sections_for(nomination: Nomination) -> list[FormSection]:
    """The sections this nomination is asked (its category's, and those whose condition its answers meet)."""
    return answers.asked_sections(nomination)


def section_for(nomination: Nomination, key: str) -> FormSection | None:
    """The section of that key, if this nomination is asked it."""
    return next((s for s in sections_for(nomination) if s.key == key), None)


def section_data(nomination: Nomination, section: str | FormSection) -> dict[str, Any]:
    """The stored answers of one section, in the shape save_section takes."""
    return answers.section_data(nomination, _section(nomination, section))


def section_hash(nomination: Nomination, section: str | FormSection) -> str:
    return answers.section_hash(nomination, _section(nomination, section))


def _section(nomination: Nomination, section: str | FormSection) -> FormSection:
    if isinstance(section, FormSection):
        return section
    found = forms.section_by_key(nomination.cycle, section)
    if found is None:
        raise KeyError(section)
    return found


def check_section(nomination: Nomination, section: str | FormSection, data: dict[str, Any]) -> Problems:
    """What is missing or wrong in a section's answers, as (field, message) pairs for the form."""
    return answers.check_section(nomination, _section(nomination, section), data)


def section_problems(nomination: Nomination, section: str | FormSection) -> Problems:
    found = _section(nomination, section)
    return answers.check_section(nomination, found, answers.section_data(nomination, found))


def section_status(nomination: Nomination, section: str | FormSection) -> str:
    found = _section(nomination, section)
    if found.key not in nomination.touched:
        return NOT_STARTED
    return IN_PROGRESS if section_problems(nomination, found) else COMPLETED


def task_list(nomination: Nomination) -> list[tuple[FormSection, str]]:
    return [(s, section_status(nomination, s)) for s in sections_for(nomination)]


def is_complete(nomination: Nomination) -> bool:
    return all(status == COMPLETED for _, status in task_list(nomination))


# Permissions on the nomination's state --------------------------------------------


def is_owner(nomination: Nomination, user: User | None) -> bool:
    return user is not None and nomination.nominator_id == user.id


def is_co_editor(nomination: Nomination, user: User | None) -> bool:
    """Whether the user edits the nomination as one of its team (not its owner)."""
    if user is None or user.id is None:
        return False
    return (
        db.session.scalar(
            select(NominationEditor.id).where(
                NominationEditor.nomination_id == nomination.id, NominationEditor.user_id == user.id
            )
        )
        is not None
    )


def in_team(nomination: Nomination, user: User | None) -> bool:
    """The owner or a co-editor: who may open the nomination, edit its sections and files, and read its history."""
    return is_owner(nomination, user) or is_co_editor(nomination, user)


def editable(nomination: Nomination, now: datetime | None = None) -> bool:
    """Drafts and submitted nominations can change until the cycle's close instant."""
    return nomination.status in (NominationStatus.DRAFT, NominationStatus.SUBMITTED) and accepts_nominations(
        nomination.cycle, now
    )


def _check_can_edit(nomination: Nomination, by: User) -> None:
    if not in_team(nomination, by):
        raise NotAllowed(_("Only the people writing this nomination can change it"))
    if not editable(nomination):
        if nomination.status not in (NominationStatus.DRAFT, NominationStatus.SUBMITTED):
            raise NotAllowed(
                _(
                    "This nomination is %(status)s and can no longer be changed",
                    status=nomination.status.label.lower(),
                )
            )
        raise NotAllowed(
            _(
                "Nominations for %(cycle)s closed at the deadline, so this nomination can no longer be changed",
                cycle=NameShown(nomination.cycle),
            )
        )


# Changing ------------------------------------------------------------------------


def start_nomination(cycle: Cycle, category: Category, *, by: User, language: str | None = None) -> Nomination:
    """Start a draft in the cycle's category, written in `language` (None: the service's default); the reference
    is issued at once."""
    if category.cycle_id != cycle.id:
        raise DomainError(_("Select a category of this awards cycle"), field="category")
    if not accepts_nominations(cycle):
        raise NotAllowed(_("%(cycle)s is not accepting nominations", cycle=NameShown(cycle)))
    now = utcnow()
    nomination = Nomination(
        reference=issue_reference(cycle),
        cycle=cycle,
        category=category,
        nominator=by,
        status=NominationStatus.DRAFT,
        created_at=now,
        updated_at=now,
        language=language,
    )
    db.session.add(nomination)
    db.session.flush()
    audit.record("nomination.started", actor=by, obj=nomination, reference=nomination.reference)
    return nomination


def save_section(
    nomination: Nomination, section: str, data: dict[str, Any], *, by: User, based_on: str | None
) -> Problems:
    """Save a section's answers and return what is still wrong with them.

    A draft keeps whatever was typed, even with problems, so nothing is lost; a submitted
    nomination only takes answers without problems, so it stays complete. `based_on` is the
    section_hash the form was loaded with: if the section changed since, SectionConflict.
    """
    found = section_for(nomination, section)
    if found is None:
        raise KeyError(section)
    _check_can_edit(nomination, by)
    current_hash = answers.section_hash(nomination, found)
    if based_on is not None and based_on != current_hash:
        saved_by, saved_at = last_saved(nomination, found)
        raise SectionConflict(answers.section_data(nomination, found), current_hash, saved_by, saved_at)
    data = answers.without_empty_rows(found, data)
    problems = answers.check_section(nomination, found, data)
    submitted = nomination.status is NominationStatus.SUBMITTED
    if submitted and problems:
        return problems
    # Compared before the flush (the answers read from the objects as they now are), so that the answers, the
    # sections touched and `updated_at` go in one UPDATE: a save that changes anything adds 1 to `version`. Nothing
    # is flushed on the way (a relationship loaded meanwhile is read as the database has it).
    with db.session.no_autoflush:
        answers.apply_section(nomination, found, data)
        changed = answers.section_hash(nomination, found) != current_hash
        first_save = found.key not in nomination.touched
        nomination.mark_touched(found.key)
        if changed or first_save:
            nomination.updated_at = utcnow()
            action = "nomination.edited_after_submission" if submitted else "nomination.section_saved"
            audit.record(action, actor=by, obj=nomination, section=found.key)
    db.session.flush()
    return problems


# The audit events that change a section's answers: saving it, and adding or removing one of its files.
SAVE_ACTIONS = (
    "nomination.section_saved",
    "nomination.edited_after_submission",
    "nomination.attachment_added",
    "nomination.attachment_removed",
)


def last_saved(nomination: Nomination, section: FormSection) -> tuple[User | None, datetime | None]:
    """Who last changed the section's answers, and when, from the audit log ((None, None) if nobody has).
    A removed file's event does not name its question, so it counts for every section that has files."""
    file_keys = {q.key for q in section.questions if q.kind == "file"}
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == Nomination.__tablename__,
            AuditEvent.object_id == str(nomination.id),
            AuditEvent.action.in_(SAVE_ACTIONS),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(200)
    )
    for event in events:
        detail = event.detail or {}
        if event.action == "nomination.attachment_removed":
            about = bool(file_keys)
        elif event.action == "nomination.attachment_added":
            about = detail.get("question") in file_keys
        else:
            about = detail.get("section") == section.key
        if about:
            return event.actor, event.at
    return None, None


def submit(nomination: Nomination, *, by: User, now: datetime | None = None) -> None:
    """Submit a complete draft before the close instant (checked now, on the server); e-mails a confirmation."""
    now = now or utcnow()
    if not is_owner(nomination, by):
        raise NotAllowed(_("Only the person who made this nomination can submit it"))
    if nomination.status is not NominationStatus.DRAFT:
        raise Conflict(_("This nomination has already been submitted"))
    if not accepts_nominations(nomination.cycle, now):
        raise NotAllowed(_("Nominations for %(cycle)s have closed", cycle=NameShown(nomination.cycle)))
    if not by.email_verified:
        raise NotAllowed(_("Confirm your email address before you submit: we sent you a link when you registered"))
    if not is_complete(nomination):
        raise DomainError(_("Complete every section before you submit the nomination"))
    nomination.status = NominationStatus.SUBMITTED
    nomination.submitted_at = now
    nomination.updated_at = now
    audit.record("nomination.submitted", actor=by, obj=nomination)
    queue_email(
        to_address=by.email,
        to_name=by.name,
        template="nomination_submitted",
        language=language_of(by),
        subject=_l("Nomination received: %(reference)s", reference=nomination.reference),
        nomination=nomination,
        cycle=nomination.cycle,
    )


def withdraw(nomination: Nomination, *, by: User, now: datetime | None = None) -> None:
    """Withdraw a submitted nomination (or abandon a draft) before the close instant."""
    if not is_owner(nomination, by):
        raise NotAllowed(_("Only the person who made this nomination can withdraw it"))
    if nomination.status not in (NominationStatus.DRAFT, NominationStatus.SUBMITTED):
        raise Conflict(
            _("This nomination is %(status)s, so it cannot be withdrawn", status=nomination.status.label.lower())
        )
    if not accepts_nominations(nomination.cycle, now):
        raise NotAllowed(_("Nominations have closed, so it can no longer be withdrawn here: contact the organisers"))
    now = now or utcnow()
    was = nomination.status
    nomination.status = NominationStatus.WITHDRAWN
    nomination.withdrawn_at = now
    nomination.updated_at = now
    audit.record("nomination.withdrawn", actor=by, obj=nomination, was=was.value)
