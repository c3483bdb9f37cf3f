"""Data protection: a copy of everything held about a person, deleting an account, and
removing a closed cycle's personal data after its retention period (as the privacy notice says)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Text, cast, delete, func, or_, select
from sqlalchemy.orm import selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.dates import govuk_date
from awards.domain.core.errors import Conflict, NotAllowed
from awards.domain.nominations.attachments import attachment_path
from awards.domain.nominations import answers as nomination_answers
from awards.domain.nominations.stash import forget_stashes_of, stashes_of
from awards.domain.people.accounts import check_current_password
from awards.domain.people.passwords import hash_password
from awards.extensions import db
from awards.models import (
    Affiliation,
    Assignment,
    AssignmentStatus,
    Attachment,
    AuditEvent,
    ConflictOfInterest,
    ConflictSource,
    Cycle,
    CycleStatus,
    Expertise,
    FormStash,
    Judge,
    LinkedIdentity,
    Nomination,
    OutboxMessage,
    Review,
    ReviewScore,
    ReviewStatus,
    Role,
    SignInFailure,
    TwoFactor,
    User,
    UserRole,
)
from awards.models.users import new_session_token
from awards.urls import external_url

# The nomination fields that identify the person who wrote it or whom to contact.
CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
DELETED_NAME = "Deleted account"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# A copy of everything ---------------------------------------------------------------------------------

# Any web address: e-mails carry sign-in, reset, confirmation and invitation links with tokens that may
# still work, and the downloaded copy travels further than the inbox did.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
LINK_REMOVED = "[link removed]"


def _without_links(text: str | None) -> str | None:
    return _URL.sub(LINK_REMOVED, text) if text else text


def _nomination_record(nomination: Nomination) -> dict[str, Any]:
    # Every section as stored (the documents are listed in full below).
    sections = {
        section.key: {q.key: nomination_answers.stored(nomination, q) for q in section.questions if q.kind != "file"}
        for section in nomination.cycle.form_sections
    }
    return {
        "reference": nomination.reference,
        "cycle": nomination.cycle.name,
        "category": nomination.category.name,
        "status": nomination.status.value,
        "created_at": _iso(nomination.created_at),
        "updated_at": _iso(nomination.updated_at),
        "submitted_at": _iso(nomination.submitted_at),
        "withdrawn_at": _iso(nomination.withdrawn_at),
        "draft_reminder_sent_at": _iso(nomination.draft_reminder_sent_at),
        "eligibility": nomination.eligibility.value if nomination.eligibility else None,
        "sections": sections,
        "partners": [{"name": p.name, "is_supplier": p.is_supplier} for p in nomination.partners],
        "attachments": [
            {
                "name": a.original_name,
                "type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "uploaded_at": _iso(a.uploaded_at),
                "link": external_url("nominee.download", reference=nomination.reference, attachment_id=a.id),
            }
            for a in nomination.attachments
        ],
    }


def _judging_record(user: User) -> dict[str, Any]:
    judges = db.session.scalars(
        select(Judge).where(Judge.user_id == user.id).options(selectinload(Judge.cycle)).order_by(Judge.id)
    ).all()
    judge_ids = [j.id for j in judges]
    reviews = (
        db.session.scalars(
            select(Review)
            .join(Assignment)
            .where(Assignment.judge_id.in_(judge_ids))
            .options(
                selectinload(Review.assignment).selectinload(Assignment.nomination),
                selectinload(Review.scores).selectinload(ReviewScore.criterion),
            )
            .order_by(Review.id)
        ).all()
        if judge_ids
        else []
    )
    # Only the conflicts they declared: one found automatically or entered by an organiser names a
    # nomination the judge must not learn about.
    declared = (
        db.session.scalars(
            select(ConflictOfInterest)
            .where(ConflictOfInterest.judge_id.in_(judge_ids), ConflictOfInterest.source == ConflictSource.DECLARED)
            .options(selectinload(ConflictOfInterest.nomination))
            .order_by(ConflictOfInterest.id)
        ).all()
        if judge_ids
        else []
    )
    expertise = db.session.scalars(
        select(Expertise)
        .where(Expertise.user_id == user.id)
        .options(selectinload(Expertise.trend))
        .order_by(Expertise.id)
    ).all()
    affiliations = db.session.scalars(
        select(Affiliation).where(Affiliation.user_id == user.id).order_by(Affiliation.id)
    ).all()
    return {
        "memberships": [
            {
                "cycle": j.cycle.name,
                "email": j.email,
                "organisation": j.organisation,
                "invited_at": _iso(j.invited_at),
                "accepted_at": _iso(j.accepted_at),
            }
            for j in judges
        ],
        "expertise": [{"trend": e.trend.name, "level": e.level} for e in expertise],
        "affiliations": [
            {"organisation": a.name, "relationship": a.kind.label, "recorded_at": _iso(a.created_at)}
            for a in affiliations
        ],
        "declared_conflicts": [
            {"nomination": c.nomination.reference, "reason": c.reason, "declared_at": _iso(c.created_at)}
            for c in declared
        ],
        "reviews": [
            {
                "nomination": r.assignment.nomination.reference,
                "status": r.status.value,
                "overall_comment": r.overall_comment,
                "submitted_at": _iso(r.submitted_at),
                "scores": [
                    {
                        "criterion": s.criterion.name,
                        "value": s.value,
                        "not_applicable": s.not_applicable,
                        "comment": s.comment,
                    }
                    for s in r.scores
                ],
            }
            for r in reviews
        ],
    }


def _two_factor_since(user: User) -> str | None:
    """When two-factor authentication was turned on (its key and recovery codes are secrets, not data)."""
    row = db.session.get(TwoFactor, user.id)
    return _iso(row.enabled_at) if row else None


def personal_data(user: User) -> dict[str, Any]:
    """Everything held about the person: account, roles, nominations (every section, partners, outcomes,
    documents), judging, audit entries by or about them, e-mails to them and form input kept for them."""
    nominations = db.session.scalars(
        select(Nomination)
        .where(Nomination.nominator_id == user.id)
        .options(
            selectinload(Nomination.cycle),
            selectinload(Nomination.category),
            selectinload(Nomination.partners),
            selectinload(Nomination.trend_links),
            selectinload(Nomination.measured_outcomes),
            selectinload(Nomination.attachments),
        )
        .order_by(Nomination.id)
    ).all()
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.actor_id == user.id,
                (AuditEvent.object_type == "users") & (AuditEvent.object_id == str(user.id)),
            )
        )
        .order_by(AuditEvent.id)
    ).all()
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == user.email).order_by(OutboxMessage.id)
    ).all()
    stashes = stashes_of(user)
    return {
        "about": f"Everything {current_app.config['SERVICE_NAME']} holds about you, as of {utcnow().isoformat()}.",
        "account": {
            "name": user.name,
            "email": user.email,
            "organisation": user.organisation,
            "created_at": _iso(user.created_at),
            "email_confirmed_at": _iso(user.email_verified_at),
            "active": user.active,
            "two_factor_on_since": _two_factor_since(user),
        },
        "single_sign_on": [
            {
                "provider": i.provider,
                "issuer": i.issuer,
                "subject": i.subject,
                "linked_at": _iso(i.linked_at),
                "last_used_at": _iso(i.last_used_at),
            }
            for i in db.session.scalars(
                select(LinkedIdentity).where(LinkedIdentity.user_id == user.id).order_by(LinkedIdentity.id)
            )
        ],
        "roles": [{"role": r.role.value, "granted_at": _iso(r.granted_at)} for r in user.roles],
        "nominations": [_nomination_record(n) for n in nominations],
        "judging": _judging_record(user),
        "audit_log": [
            {
                "at": _iso(e.at),
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "by_you": e.actor_id == user.id,
                "detail": e.detail,
                "network_address": e.ip,
            }
            for e in events
        ],
        "emails": [
            {
                "created_at": _iso(m.created_at),
                "to": m.to_address,
                "subject": m.subject,
                "kind": m.kind,
                "sent_at": _iso(m.sent_at),
                "body": _without_links(m.body_text),
            }
            for m in messages
        ],
        "kept_form_input": [{"page": s.path, "kept_at": _iso(s.created_at), "data": s.data} for s in stashes],
    }


# Deleting an account ----------------------------------------------------------------------------------


@dataclass
class DeletionReport:
    drafts_deleted: int = 0
    nominations_anonymised: int = 0
    judging_kept: int = 0
    account_deleted: bool = True


def _forget_files(nomination: Nomination) -> None:
    paths = db.session.info.setdefault("files_to_delete", [])
    paths.extend(str(attachment_path(a)) for a in nomination.attachments)


def _remove_contact_details(nomination: Nomination) -> None:
    for field in CONTACT_FIELDS:
        setattr(nomination, field, "")


REMOVED_ADDRESS = "[address removed]"


def _without_addresses(value: Any, addresses: set[str]) -> Any:
    """`value` (an audit event's details) with every mention of the addresses removed: a key or list item
    that is one of them goes, and text that mentions one has it replaced."""
    if isinstance(value, dict):
        return {
            k: _without_addresses(v, addresses)
            for k, v in value.items()
            if not (isinstance(v, str) and v.strip().lower() in addresses)
        }
    if isinstance(value, list):
        return [
            _without_addresses(v, addresses)
            for v in value
            if not (isinstance(v, str) and v.strip().lower() in addresses)
        ]
    if isinstance(value, str):
        for address in addresses:
            value = re.sub(re.escape(address), REMOVED_ADDRESS, value, flags=re.IGNORECASE)
    return value


def _remove_addresses_from_audit_log(addresses: set[str]) -> None:
    """Remove the e-mail addresses from the details of every audit event that mentions them (invitations,
    sign-in failures, ...), keeping the events. The database narrows the events down with a LIKE on the
    details' JSON text (the same on SQLite and PostgreSQL); the details are then cleaned here."""
    addresses = {a.strip().lower() for a in addresses if a and a.strip()}
    if not addresses:
        return
    text = func.lower(cast(AuditEvent.detail, Text))
    mentions = or_(*[text.like(f"%{address}%") for address in sorted(addresses)])
    for event in db.session.scalars(select(AuditEvent).where(mentions)).all():
        cleaned = _without_addresses(event.detail, addresses)
        if cleaned != event.detail:
            event.detail = cleaned


def deletion_problem(user: User) -> str | None:
    """Why the account cannot be deleted now, in words the person can act on; None if it can."""
    if user.has_role(Role.ORGANISER):
        organisers = db.session.execute(
            select(func.count())
            .select_from(UserRole)
            .join(User, User.id == UserRole.user_id)
            .where(UserRole.role == Role.ORGANISER, User.active.is_(True))
        ).scalar_one()
        if organisers <= 1:
            return (
                "You are the only organiser. Give another person the organiser role before you delete "
                "your account, so that someone can still run the awards."
            )
    unfinished = db.session.scalars(
        select(Cycle.name)
        .join(Judge, Judge.cycle_id == Cycle.id)
        .join(Assignment, Assignment.judge_id == Judge.id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(
            Judge.user_id == user.id,
            Cycle.status.in_([CycleStatus.CLOSED, CycleStatus.JUDGING]),
            Assignment.status == AssignmentStatus.ASSIGNED,
            or_(Review.id.is_(None), Review.status != ReviewStatus.SUBMITTED),
        )
        .distinct()
    ).all()
    if unfinished:
        return (
            f"You still have nominations to judge in {', '.join(sorted(unfinished))}. Ask the organisers to "
            "remove you from judging before you delete your account."
        )
    return None


def delete_account(user: User, *, password: str) -> DeletionReport:
    """Delete the person's account after checking their password: drafts go (with their documents),
    submitted nominations stay for the programme without contact details, submitted reviews stay
    under an anonymous judge, and the account is deleted (or, where it must stay linked to kept
    reviews, emptied of everything personal and closed)."""
    check_current_password(user, password)
    problem = deletion_problem(user)
    if problem:
        raise NotAllowed(problem)
    report = DeletionReport()
    email = user.email
    # Their account's address and any they were invited to judge at (before those rows are changed).
    addresses = {email} | set(db.session.scalars(select(Judge.email).where(Judge.user_id == user.id)))

    nominations = db.session.scalars(
        select(Nomination).where(Nomination.nominator_id == user.id).options(selectinload(Nomination.attachments))
    ).all()
    references = [n.reference for n in nominations]
    for nomination in nominations:
        if nomination.submitted_at is None:  # never submitted: a draft, or a draft they abandoned
            _forget_files(nomination)
            db.session.delete(nomination)
            report.drafts_deleted += 1
        else:
            _remove_contact_details(nomination)
            nomination.nominator_id = None
            report.nominations_anonymised += 1
    forget_stashes_of(user)
    if references:
        db.session.execute(
            delete(FormStash).where(or_(*[FormStash.path.like(f"/nominations/{r}/%") for r in references]))
        )

    # Judging: memberships with submitted reviews stay (the results depend on them) under an
    # anonymous name; the others go, with their assignments, draft reviews and declarations.
    for judge in db.session.scalars(select(Judge).where(Judge.user_id == user.id)).all():
        submitted = db.session.scalar(
            select(func.count())
            .select_from(Review)
            .join(Assignment)
            .where(Assignment.judge_id == judge.id, Review.status == ReviewStatus.SUBMITTED)
        )
        if submitted:
            judge.email = f"deleted-judge-{judge.id}@deleted.invalid"
            judge.organisation = ""
            db.session.execute(
                delete(Review).where(
                    Review.status == ReviewStatus.DRAFT,
                    Review.assignment_id.in_(select(Assignment.id).where(Assignment.judge_id == judge.id)),
                )
            )
            report.judging_kept += 1
        else:
            db.session.delete(judge)
    db.session.execute(delete(Expertise).where(Expertise.user_id == user.id))
    db.session.execute(delete(Affiliation).where(Affiliation.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))  # a kept row keeps no secret
    db.session.execute(delete(LinkedIdentity).where(LinkedIdentity.user_id == user.id))  # nor a way in
    db.session.execute(delete(SignInFailure).where(SignInFailure.email == email))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to_address == email))
    _remove_addresses_from_audit_log(addresses)

    audit.record(
        "account.deleted",
        actor=None,
        object_type="users",
        object_id=user.id,
        drafts_deleted=report.drafts_deleted,
        nominations_anonymised=report.nominations_anonymised,
        judging_kept=report.judging_kept,
    )
    db.session.flush()
    if report.judging_kept:
        # Kept reviews point at the judge, and the judge at this account: keep the row, empty it.
        user.email = f"deleted-user-{user.id}@deleted.invalid"
        user.name = DELETED_NAME
        user.organisation = ""
        user.password_hash = hash_password(secrets.token_urlsafe(32))
        user.session_token = new_session_token()
        user.email_verified_at = None
        user.active = False
        user.roles.clear()
        report.account_deleted = False
    else:
        db.session.delete(user)
    db.session.flush()
    return report


# Retention --------------------------------------------------------------------------------------------


def retention_starts(cycle: Cycle) -> datetime | None:
    """When the cycle's retention period starts: results published, or (closed without results, or published
    before the publication time was recorded) the later of nominations closing and judging closing. None
    while the cycle is still running."""
    closed = max(d for d in (cycle.nominations_close_at, cycle.judging_close_at) if d is not None)
    if cycle.status is CycleStatus.PUBLISHED:
        # Not updated_at: editing the cycle or its cases moves that, and with it the end of retention.
        return cycle.results_published_at or closed
    if cycle.status is CycleStatus.CLOSED:
        return closed
    return None


def purge_allowed_from(cycle: Cycle) -> datetime | None:
    start = retention_starts(cycle)
    if start is None:
        return None
    return start + timedelta(days=int(current_app.config["RETENTION_DAYS"]))


def purge_problem(cycle: Cycle, now: datetime | None = None) -> str | None:
    """Why the cycle's personal data cannot be removed now; None if it can."""
    now = now or utcnow()
    if cycle.personal_data_purged_at is not None:
        return "Personal data has already been removed from this cycle."
    allowed = purge_allowed_from(cycle)
    if allowed is None:
        return (
            "Personal data can be removed only once the cycle is closed or its results are published, "
            "and its retention period has passed."
        )
    if now < allowed:
        return (
            f"The retention period has not passed yet: personal data can be removed from "
            f"{govuk_date(allowed, cycle.time_zone)}."
        )
    return None


@dataclass
class PurgePlan:
    nominations: int
    with_contact_details: int
    attachments: int
    review_comments: int
    pending_invitations: int


def purge_plan(cycle: Cycle) -> PurgePlan:
    """What purging the cycle would remove (counted, for the confirmation page)."""

    def count(query) -> int:
        return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()

    nominations = select(Nomination.id).where(Nomination.cycle_id == cycle.id)
    reviews = select(Review.id).join(Assignment).join(Judge).where(Judge.cycle_id == cycle.id)
    return PurgePlan(
        nominations=count(nominations),
        with_contact_details=count(nominations.where(or_(*[getattr(Nomination, f) != "" for f in CONTACT_FIELDS]))),
        attachments=count(select(Attachment.id).where(Attachment.nomination_id.in_(nominations))),
        review_comments=count(reviews.where(Review.overall_comment != ""))
        + count(select(ReviewScore.id).where(ReviewScore.review_id.in_(reviews), ReviewScore.comment != "")),
        pending_invitations=count(select(Judge.id).where(Judge.cycle_id == cycle.id, Judge.user_id.is_(None))),
    )


def purge_cycle(cycle: Cycle, *, by: User, now: datetime | None = None) -> PurgePlan:
    """Remove the personal data of a cycle past its retention period: contact details, documents (their
    files after the commit), form input kept for its nominations, judges' written comments (scores stay)
    and invitations never accepted. The cycle's state can no longer change afterwards (cycles.check_transition).

    Kept: the nominations' answers as written, and the organisers' redacted copies of them. A redacted copy
    holds less personal data than the answer it was made from, and it is the record of what judges read, so
    deleting it would remove nothing the original does not still hold. Published impact cases are copies
    and stay as they are."""
    if not by.has_role(Role.ORGANISER):
        raise NotAllowed("Only organisers can remove a cycle's personal data")
    problem = purge_problem(cycle, now)
    if problem:
        raise Conflict(problem)
    plan = purge_plan(cycle)
    nominations = db.session.scalars(
        select(Nomination).where(Nomination.cycle_id == cycle.id).options(selectinload(Nomination.attachments))
    ).all()
    for nomination in nominations:
        _remove_contact_details(nomination)
        _forget_files(nomination)
        nomination.attachments.clear()
    ids = [n.id for n in nominations]
    if ids:
        db.session.execute(
            delete(FormStash).where(or_(*[FormStash.path.like(f"/nominations/{n.reference}/%") for n in nominations]))
        )
    reviews = select(Review.id).join(Assignment).join(Judge).where(Judge.cycle_id == cycle.id)
    for review in db.session.scalars(
        select(Review).where(Review.id.in_(reviews)).options(selectinload(Review.scores))
    ).all():
        review.overall_comment = ""
        for score in review.scores:
            score.comment = ""
    for judge in db.session.scalars(select(Judge).where(Judge.cycle_id == cycle.id, Judge.user_id.is_(None))).all():
        db.session.delete(judge)
    cycle.personal_data_purged_at = now or utcnow()
    audit.record(
        "cycle.personal_data_purged",
        actor=by,
        obj=cycle,
        nominations=plan.nominations,
        attachments=plan.attachments,
        review_comments=plan.review_comments,
        pending_invitations=plan.pending_invitations,
    )
    db.session.flush()
    return plan


__all__ = [
    "CONTACT_FIELDS",
    "DeletionReport",
    "PurgePlan",
    "delete_account",
    "deletion_problem",
    "personal_data",
    "purge_allowed_from",
    "purge_cycle",
    "purge_plan",
    "purge_problem",
    "retention_starts",
]
