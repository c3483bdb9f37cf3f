"""Data protection: a copy of everything held about a person, deleting an account, and
removing a closed cycle's personal data after its retention period (as the privacy notice says)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Text, cast, delete, func, or_, select
from sqlalchemy.orm import selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.dates import govuk_date
from awards.domain.core.errors import Conflict, NotAllowed
from awards.domain.judging import blind_copies
from awards.domain.nominations import answers as nomination_answers
from awards.domain.nominations.attachments import delete_file_after_commit
from awards.domain.nominations.stash import forget_stashes_of, stashes_of
from awards.domain.people.accounts import check_current_password
from awards.domain.people.passwords import hash_password
from awards.domain.programme import entry_forms as forms
from awards.domain.programme.entry_forms import setting
from awards.domain.voting.ballots import forget_voters
from awards.extensions import db
from awards.i18n import service_name
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
    NominationInvitation,
    OutboxMessage,
    Redaction,
    Review,
    ReviewScore,
    ReviewStatus,
    Role,
    SignInFailure,
    TwoFactor,
    User,
    UserRole,
)
from awards.models.forms import FormQuestion
from awards.models.users import new_session_token
from awards.urls import external_url

# The nomination's columns that identify the person who wrote it or whom to contact.
CONTACT_FIELDS = ("contact_name", "contact_email")
# Answers that are personal data by their kind; any other question is when the organiser marks it
# so (its setting "personal": true, a group's column too). Account deletion and the retention purge
# remove them and leave the rest of the nomination.
PERSONAL_KINDS = ("email", "phone")
PERSONAL_SETTING = "personal"
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


def _attachment_record(nomination: Nomination, attachment: Attachment) -> dict[str, Any]:
    return {
        "name": attachment.original_name,
        "type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_at": _iso(attachment.uploaded_at),
        "link": external_url("nominee.download", reference=nomination.reference, attachment_id=attachment.id),
    }


def _typed(question: FormQuestion, value: Any, kind: str) -> Any:
    """The answer by its kind (a number as a number, a date as YYYY-MM-DD, yes or no as true or
    false); an answer a draft keeps that is not valid yet is given as typed, so nothing held is left out."""
    typed = nomination_answers.typed(question, value, kind=kind)
    if typed is None and not nomination_answers.is_blank(value):
        return value
    return typed


def _group_record(question: FormQuestion, rows: Any) -> dict[str, Any]:
    """A repeating group's answer as its columns and one row per item."""
    columns = setting(question, "columns", [])
    return {
        "columns": [{"key": c["key"], "label": c.get("label", ""), "kind": c.get("kind", "text")} for c in columns],
        "rows": [
            {c["key"]: _typed(question, row.get(c["key"]), c.get("kind", "text")) for c in columns}
            for row in rows or []
            if isinstance(row, dict)
        ],
    }


def _answer_record(nomination: Nomination, question: FormQuestion, value: Any) -> Any:
    if question.kind == "file":
        return [_attachment_record(nomination, a) for a in nomination.attachments if a.question_key == question.key]
    if question.kind == "group":
        return _group_record(question, value)
    if question.kind == "trends":
        return [
            {"trend": link.trend.name, "main_trend": link.is_primary, "how_addressed": link.how_addressed}
            for link in nomination.trend_links
        ]
    return _typed(question, value, question.kind)


def _answers_record(nomination: Nomination) -> list[dict[str, Any]]:
    """Every answer held, by section and question in form order, with the words the nominee read:
    the questions the nomination is asked, and any other question it holds an answer to (one a
    condition or a change of category no longer asks, kept so nothing typed is lost)."""
    asked = {q.id for _, pairs in nomination_answers.asked_answers(nomination) for q, _ in pairs}
    sections = []
    for section in forms.sections_of(nomination.cycle):
        questions = []
        for question in section.questions:
            value = nomination_answers.stored(nomination, question)
            if question.id not in asked and nomination_answers.is_blank(value):
                continue
            questions.append(
                {
                    "key": question.key,
                    "question": question.label,
                    "kind": question.kind,
                    "answer": _answer_record(nomination, question, value),
                }
            )
        if questions:
            sections.append({"key": section.key, "section": section.title, "questions": questions})
    return sections


def _nomination_record(nomination: Nomination) -> dict[str, Any]:
    form = list(forms.questions_of(nomination.cycle))
    keys = {q.key for q in form}
    file_keys = {q.key for q in form if q.kind == "file"}
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
        "answers": _answers_record(nomination),
        # Held, though the form no longer has their question (the organiser removed it).
        "other_answers": {k: v for k, v in (nomination.answers or {}).items() if k not in keys},
        "other_documents": [
            _attachment_record(nomination, a) for a in nomination.attachments if a.question_key not in file_keys
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
    """Everything held about the person: account, roles, nominations (every answer by section and
    question, with the files of each file question), judging, audit entries by or about them, e-mails
    to them and form input kept for them."""
    nominations = db.session.scalars(
        select(Nomination)
        .where(Nomination.nominator_id == user.id)
        .options(
            selectinload(Nomination.cycle),
            selectinload(Nomination.category),
            selectinload(Nomination.partners),
            selectinload(Nomination.trend_links),
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
        "about": _(
            "Everything %(service)s holds about you, as of %(time)s.", service=service_name(), time=utcnow().isoformat()
        ),
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


def _forget_files(attachments: list[Attachment]) -> None:
    """Delete the attachments' files once the transaction commits."""
    for attachment in attachments:
        delete_file_after_commit(attachment)


def _personal(item: FormQuestion | dict[str, Any]) -> bool:
    """Whether a question (or a group's column) holds personal data: an e-mail address or telephone
    number, or one the organiser marked as personal."""
    if isinstance(item, FormQuestion):
        kind, settings = item.kind, item.settings or {}
    else:
        kind, settings = item.get("kind", "text"), item.get("settings") or {}
    return kind in PERSONAL_KINDS or bool(settings.get(PERSONAL_SETTING))


def _personal_columns(question: FormQuestion) -> list[str]:
    return [c["key"] for c in setting(question, "columns", []) if _personal(c)]


def personal_questions(cycle: Cycle) -> list[FormQuestion]:
    """The cycle's questions whose answers account deletion and the purge remove: personal ones,
    and groups with a personal column (the core questions' contact columns are CONTACT_FIELDS; the
    other core questions are the platform's own and stay)."""
    return [
        q
        for q in forms.questions_of(cycle)
        if not q.core and (_personal(q) or (q.kind == "group" and _personal_columns(q)))
    ]


def _remove_personal_data(nomination: Nomination, *, every_file: bool) -> list[Attachment]:
    """Clear the nomination's contact details and personal answers (a group keeps its rows without
    their personal columns), and drop the organisers' redacted copies of those answers; remove the
    files of its personal file questions, or with `every_file` all its files. The files removed."""
    for field in CONTACT_FIELDS:
        setattr(nomination, field, "")
    answers = dict(nomination.answers or {})
    redacted: set[str] = set()  # the redactions.field of the cleared answers and cells
    files: set[str] = set()
    for question in personal_questions(nomination.cycle):
        key = question.key
        if question.kind == "file":
            files.add(key)
        elif _personal(question):
            answers.pop(key, None)
            redacted.add(blind_copies.text_key(question))
        elif isinstance(answers.get(key), list):
            columns = _personal_columns(question)
            answers[key] = [
                {k: ("" if k in columns else v) for k, v in row.items()} if isinstance(row, dict) else row
                for row in answers[key]
            ]
            redacted.update(
                blind_copies.cell_key(question, i, column) for i in range(len(answers[key])) for column in columns
            )
    if answers != (nomination.answers or {}):
        nomination.answers = answers
    if redacted:
        db.session.execute(
            delete(Redaction).where(Redaction.nomination_id == nomination.id, Redaction.field.in_(sorted(redacted)))
        )
    gone = [a for a in nomination.attachments if every_file or a.question_key in files]
    _forget_files(gone)
    for attachment in gone:
        nomination.attachments.remove(attachment)
    return gone


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
    submitted nominations stay for the programme without contact details and personal answers (e-mail
    addresses, telephone numbers, questions marked personal and their files), submitted reviews stay
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
            _forget_files(list(nomination.attachments))
            db.session.delete(nomination)
            report.drafts_deleted += 1
        else:
            _remove_personal_data(nomination, every_file=False)
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
    before the publication time was recorded) the later of nominations closing and its judging rounds
    closing. None while the cycle is still running."""
    closes = (cycle.nominations_close_at, *(r.closes_at for r in cycle.rounds))
    closed = max(d for d in closes if d is not None)
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
    held = [getattr(Nomination, f) != "" for f in CONTACT_FIELDS]
    for question in personal_questions(cycle):
        if question.kind != "file":
            # The answer's JSON as text on SQLite and PostgreSQL alike (NULL when there is none).
            text = Nomination.answers[question.key].as_string()
            held.append(text.is_not(None) & text.not_in(["", "[]"]))
    return PurgePlan(
        nominations=count(nominations),
        with_contact_details=count(nominations.where(or_(*held))),
        attachments=count(select(Attachment.id).where(Attachment.nomination_id.in_(nominations))),
        review_comments=count(reviews.where(Review.overall_comment != ""))
        + count(select(ReviewScore.id).where(ReviewScore.review_id.in_(reviews), ReviewScore.comment != "")),
        pending_invitations=count(select(Judge.id).where(Judge.cycle_id == cycle.id, Judge.user_id.is_(None))),
    )


def purge_cycle(cycle: Cycle, *, by: User, now: datetime | None = None) -> PurgePlan:
    """Remove the personal data of a cycle past its retention period: contact details and personal
    answers (e-mail addresses, telephone numbers, questions marked personal), every uploaded file (the
    files after the commit), form input kept for its nominations, judges' written comments (scores stay)
    and invitations never accepted (to judge, or to a nomination's team), and its People's Choice voters' hashed
    addresses and networks (the counts stay). The cycle's state can no longer change afterwards
    (cycles.check_transition).

    Kept: the nominations' other answers as written, and the organisers' redacted copies of them. A redacted copy
    holds less personal data than the answer it was made from, and it is the record of what judges read, so
    deleting it would remove nothing the original does not still hold. Published impact cases are copies
    and stay as they are."""
    if not by.has_role(Role.ORGANISER):
        raise NotAllowed(_("Only organisers can remove a cycle's personal data"))
    problem = purge_problem(cycle, now)
    if problem:
        raise Conflict(problem)
    plan = purge_plan(cycle)
    nominations = db.session.scalars(
        select(Nomination).where(Nomination.cycle_id == cycle.id).options(selectinload(Nomination.attachments))
    ).all()
    for nomination in nominations:
        _remove_personal_data(nomination, every_file=True)
    ids = [n.id for n in nominations]
    if ids:
        db.session.execute(
            delete(FormStash).where(or_(*[FormStash.path.like(f"/nominations/{n.reference}/%") for n in nominations]))
        )
        # Invitations to a nomination's team never accepted: an address of someone who may have no account
        db.session.execute(delete(NominationInvitation).where(NominationInvitation.nomination_id.in_(ids)))
    reviews = select(Review.id).join(Assignment).join(Judge).where(Judge.cycle_id == cycle.id)
    for review in db.session.scalars(
        select(Review).where(Review.id.in_(reviews)).options(selectinload(Review.scores))
    ).all():
        review.overall_comment = ""
        for score in review.scores:
            score.comment = ""
    for judge in db.session.scalars(select(Judge).where(Judge.cycle_id == cycle.id, Judge.user_id.is_(None))).all():
        db.session.delete(judge)
    vote_attempts = forget_voters(cycle.id)  # People's Choice: hashed addresses and networks (counts stay)
    cycle.personal_data_purged_at = now or utcnow()
    audit.record(
        "cycle.personal_data_purged",
        actor=by,
        obj=cycle,
        vote_attempts=vote_attempts,
        nominations=plan.nominations,
        attachments=plan.attachments,
        review_comments=plan.review_comments,
        pending_invitations=plan.pending_invitations,
    )
    db.session.flush()
    return plan


__all__ = [
    "CONTACT_FIELDS",
    "PERSONAL_KINDS",
    "PERSONAL_SETTING",
    "DeletionReport",
    "PurgePlan",
    "delete_account",
    "deletion_problem",
    "personal_data",
    "personal_questions",
    "purge_allowed_from",
    "purge_cycle",
    "purge_plan",
    "purge_problem",
    "retention_starts",
]
