"""Conflicts of interest, from three sources, all hard constraints:

- detected: the judge's e-mail equals the nominator's or the nominated contact's; the same
  organisational e-mail domain (webmail and shared domains never count); the same normalised
  organisation name between the judge and the nominated organisation or a partner; the judge
  made the nomination;
- declared: the judge answered "yes" before seeing the entry;
- organiser: entered (or removed) by hand with a reason.

A conflicted judge is never assigned and sees nothing of the nomination.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (Assignment, AssignmentStatus, ConflictOfInterest, ConflictSource, Judge, Nomination,
                      NominationStatus, User)
from . import audit
from .clock import utcnow
from .errors import Conflict, DomainError

# Addresses anyone can get, and domains shared by very many organisations: the same domain
# says nothing about being colleagues.
SHARED_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "live.co.uk",
    "msn.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com",
    "protonmail.com", "proton.me", "pm.me", "gmx.com", "gmx.co.uk", "mail.com", "zoho.com", "yandex.com",
    "btinternet.com", "sky.com", "virginmedia.com", "talktalk.net", "fastmail.com", "hey.com",
    "nhs.net",
})

# Words that do not tell one organisation from another.
ORGANISATION_NOISE = frozenset({
    "the", "council", "councils", "borough", "county", "city", "district", "metropolitan", "unitary",
    "authority", "of", "and", "ltd", "limited", "plc", "llp", "inc", "cic", "uk", "group",
})
_PREFIXES = re.compile(r"\b(london|royal)\s+borough\s+of\b")


def normalise_organisation(name: str | None) -> str:
    """'The London Borough of Camden' and 'Camden Council' both become 'camden'."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    text = _PREFIXES.sub(" ", text)
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(w for w in words if w not in ORGANISATION_NOISE)


def email_domain(email: str | None) -> str:
    return (email or "").rsplit("@", 1)[-1].strip().lower() if email and "@" in email else ""


def _organisational_domain(email: str | None) -> str:
    domain = email_domain(email)
    return "" if not domain or domain in SHARED_DOMAINS else domain


def _judge_organisations(judge: Judge) -> set[str]:
    names = {normalise_organisation(judge.organisation)}
    if judge.user is not None:
        names.add(normalise_organisation(judge.user.organisation))
    return {n for n in names if n}


def _judge_emails(judge: Judge) -> set[str]:
    emails = {judge.email.lower()}
    if judge.user is not None:
        emails.add(judge.user.email.lower())
    return emails


def detect(judge: Judge, nomination: Nomination) -> list[str]:
    """The reasons the judge is conflicted with the nomination, found from the data (empty if none)."""
    reasons = []
    nominator = nomination.nominator
    if judge.user_id is not None and judge.user_id == nomination.nominator_id:
        reasons.append("The judge made this nomination")
    judge_emails = _judge_emails(judge)
    other_emails = {e.lower() for e in (nomination.contact_email, nominator.email if nominator else None) if e}
    if judge_emails & other_emails:
        reasons.append("The judge’s email address is the nominator’s or the contact’s")
    judge_domains = {_organisational_domain(e) for e in judge_emails} - {""}
    other_domains = {_organisational_domain(e) for e in other_emails} - {""}
    shared = judge_domains & other_domains
    if shared:
        reasons.append(f"Same organisational email domain ({', '.join(sorted(shared))})")
    organisations = {normalise_organisation(nomination.organisation_name)}
    organisations |= {normalise_organisation(p.name) for p in nomination.partners}
    common = _judge_organisations(judge) & (organisations - {""})
    if common:
        reasons.append("Same organisation as the nominated organisation or a partner")
    return reasons


def _nomination_keys(nomination: Nomination) -> tuple[set[str], set[str], set[str]]:
    nominator = nomination.nominator
    emails = {e.lower() for e in (nomination.contact_email, nominator.email if nominator else None) if e}
    domains = {_organisational_domain(e) for e in emails} - {""}
    organisations = {normalise_organisation(nomination.organisation_name)}
    organisations |= {normalise_organisation(p.name) for p in nomination.partners}
    return emails, domains, organisations - {""}


def conflict_pairs(judges: Iterable[Judge], nominations: Iterable[Nomination]) -> set[tuple[int, int]]:
    """Every (judge id, nomination id) pair that is conflicted, detected or recorded, without
    comparing every judge with every nomination (indexes by e-mail, domain and organisation)."""
    judges, nominations = list(judges), list(nominations)
    by_email, by_domain, by_org, by_nominator = (defaultdict(set) for _ in range(4))
    for n in nominations:
        emails, domains, organisations = _nomination_keys(n)
        for e in emails:
            by_email[e].add(n.id)
        for d in domains:
            by_domain[d].add(n.id)
        for o in organisations:
            by_org[o].add(n.id)
        if n.nominator_id is not None:
            by_nominator[n.nominator_id].add(n.id)
    pairs: set[tuple[int, int]] = set()
    for j in judges:
        hits: set[int] = set()
        emails = _judge_emails(j)
        for e in emails:
            hits |= by_email.get(e, set())
        for d in {_organisational_domain(e) for e in emails} - {""}:
            hits |= by_domain.get(d, set())
        for o in _judge_organisations(j):
            hits |= by_org.get(o, set())
        if j.user_id is not None:
            hits |= by_nominator.get(j.user_id, set())
        pairs |= {(j.id, n) for n in hits}
    judge_ids = [j.id for j in judges]
    nomination_ids = {n.id for n in nominations}
    if judge_ids:
        recorded = db.session.execute(
            select(ConflictOfInterest.judge_id, ConflictOfInterest.nomination_id)
            .where(ConflictOfInterest.judge_id.in_(judge_ids), ConflictOfInterest.removed_at.is_(None)))
        pairs |= {(j, n) for j, n in recorded if n in nomination_ids}
    return pairs


def recorded_conflicts(judge: Judge, nomination: Nomination) -> list[ConflictOfInterest]:
    return list(db.session.scalars(
        select(ConflictOfInterest).where(ConflictOfInterest.judge_id == judge.id,
                                         ConflictOfInterest.nomination_id == nomination.id,
                                         ConflictOfInterest.removed_at.is_(None))))


def is_conflicted(judge: Judge, nomination: Nomination) -> bool:
    return bool(detect(judge, nomination)) or bool(recorded_conflicts(judge, nomination))


def conflicted_nomination_ids(user: User, cycle_id: int | None = None) -> set[int]:
    """Every nomination the user must not see as a judge (over all their judge memberships)."""
    query = select(Judge).where(Judge.user_id == user.id).options(selectinload(Judge.user))
    if cycle_id is not None:
        query = query.where(Judge.cycle_id == cycle_id)
    judges = list(db.session.scalars(query))
    if not judges:
        return set()
    cycle_ids = {j.cycle_id for j in judges}
    nominations = db.session.scalars(
        select(Nomination).where(Nomination.cycle_id.in_(cycle_ids))
        .options(selectinload(Nomination.partners), selectinload(Nomination.nominator)))
    return {n for _, n in conflict_pairs(judges, nominations)}


def _free_assignment(judge: Judge, nomination: Nomination) -> None:
    """A conflicted judge's assignment is recused, so the slot can be given to someone else."""
    assignment = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                            Assignment.nomination_id == nomination.id))
    if assignment is not None and assignment.status is AssignmentStatus.ASSIGNED:
        if assignment.review is not None and assignment.review.status.value == "submitted":
            raise DomainError("This judge has already submitted scores for this nomination: reopen and "
                              "remove them first")
        assignment.status = AssignmentStatus.RECUSED
        if assignment.review is not None:
            db.session.delete(assignment.review)


def declare(judge: Judge, nomination: Nomination, *, has_conflict: bool, reason: str = "",
            by: User) -> ConflictOfInterest | None:
    """The judge's answer to "Do you have a conflict of interest?" before seeing the entry."""
    assignment = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id,
                                                            Assignment.nomination_id == nomination.id))
    if not has_conflict:
        if assignment is not None:
            assignment.no_conflict_declared_at = utcnow()
        audit.record("conflict.declared_none", actor=by, obj=nomination, judge=judge.id)
        return None
    conflict = ConflictOfInterest(judge_id=judge.id, nomination_id=nomination.id, source=ConflictSource.DECLARED,
                                  reason=(reason or "").strip(), created_at=utcnow(), created_by_id=by.id)
    db.session.add(conflict)
    _free_assignment(judge, nomination)
    db.session.flush()
    audit.record("conflict.declared", actor=by, obj=nomination, judge=judge.id)
    return conflict


def add_organiser_conflict(judge: Judge, nomination: Nomination, *, reason: str, by: User) -> ConflictOfInterest:
    if not (reason or "").strip():
        raise DomainError("Enter the reason for the conflict", field="reason")
    if judge.cycle_id != nomination.cycle_id:
        raise DomainError("The judge and the nomination are in different cycles")
    if recorded_conflicts(judge, nomination):
        raise Conflict(f"A conflict between {judge.display_name} and {nomination.reference} is already recorded",
                       field="reference")
    conflict = ConflictOfInterest(judge_id=judge.id, nomination_id=nomination.id, source=ConflictSource.ORGANISER,
                                  reason=reason.strip(), created_at=utcnow(), created_by_id=by.id)
    db.session.add(conflict)
    _free_assignment(judge, nomination)
    db.session.flush()
    audit.record("conflict.added", actor=by, obj=nomination, judge=judge.id, reason=reason.strip())
    return conflict


def remove_conflict(conflict: ConflictOfInterest, *, reason: str, by: User) -> None:
    """Remove a declared or organiser-entered conflict (detected ones follow from the data)."""
    if conflict.source is ConflictSource.DETECTED:
        raise Conflict(DETECTED_NOT_REMOVABLE)
    if not (reason or "").strip():
        raise DomainError("Enter the reason for removing the conflict", field="reason")
    if conflict.removed_at is None:
        conflict.removed_at = utcnow()
        conflict.removed_by_id = by.id
        conflict.removal_reason = reason.strip()
        audit.record("conflict.removed", actor=by, obj=conflict.nomination, judge=conflict.judge_id,
                     reason=reason.strip())


DETECTED_NOT_REMOVABLE = ("A conflict found automatically cannot be removed: it follows from the judge’s and the "
                          "nomination’s details (email addresses, organisations), so it would be found again. "
                          "If those details are wrong, correct them instead.")


@dataclass
class DetectedConflict:
    judge: Judge
    nomination: Nomination
    reasons: list[str]


def detected_conflicts(cycle_id: int, judges: Iterable[Judge] | None = None) -> list[DetectedConflict]:
    """The conflicts found from the data between the cycle's judges (or those given) and its
    nominations that have been sent (drafts and withdrawn ones are never judged), with their reasons."""
    if judges is None:
        judges = db.session.scalars(select(Judge).where(Judge.cycle_id == cycle_id)
                                    .options(selectinload(Judge.user)))
    judges = {j.id: j for j in judges}
    nominations = {n.id: n for n in db.session.scalars(
        select(Nomination).where(Nomination.cycle_id == cycle_id,
                                 Nomination.status.not_in([NominationStatus.DRAFT, NominationStatus.WITHDRAWN]))
        .options(selectinload(Nomination.partners), selectinload(Nomination.nominator)))}
    found = []
    for judge_id, nomination_id in sorted(conflict_pairs(judges.values(), nominations.values())):
        judge, nomination = judges[judge_id], nominations[nomination_id]
        reasons = detect(judge, nomination)
        if reasons:
            found.append(DetectedConflict(judge, nomination, reasons))
    return found


def judgeable(nomination: Nomination) -> bool:
    """Only submitted (eligible or not yet screened) nominations are judged."""
    return nomination.status is NominationStatus.SUBMITTED
