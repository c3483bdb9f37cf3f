"""Conflicts of interest, from three sources, all hard constraints:

- detected: the judge's e-mail equals the nominator's or the nominated contact's; the same
  organisational e-mail domain (webmail and shared domains never count); the same normalised
  organisation name between the judge and the nominated organisation or a partner; an
  organisation the judge told us they work for, worked for recently or partner with (their
  affiliations) is the nominated organisation or a partner; the judge made the nomination;
- the people of a nomination are its nominator, the nominated contact and its co-editors (its team: their
  e-mail addresses, organisational domains, their accounts' organisations, and a judge who is one of them);
- declared: the judge answered "yes" before seeing the entry;
- organiser: entered (or removed) by hand with a reason.

A conflicted judge is never assigned and sees nothing of the nomination, in any judging round: a
conflict is the judge's with the nomination, whichever round it was found in. When a conflict arises
after assignment (the judge declares one, or changes their organisations so that one is found), the
judge is taken off the nomination in every round where they have not submitted scores and the
organisers are e-mailed, so the places can be filled.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.core.mail import queue_email, written_later
from awards.domain.core.transaction_memo import kept_in_transaction
from awards.domain.programme.translations import NameShown
from awards.extensions import db
from awards.i18n import language_of
from awards.models import (
    AFFILIATION_RECENT_YEARS,
    Affiliation,
    AffiliationKind,
    Assignment,
    AssignmentStatus,
    ConflictOfInterest,
    ConflictSource,
    Cycle,
    CycleStatus,
    Judge,
    JudgingRound,
    Nomination,
    NominationEditor,
    NominationStatus,
    ReviewStatus,
    Role,
    User,
    UserRole,
)
from awards.urls import external_url

# Addresses anyone can get, and domains shared by very many organisations: the same domain
# says nothing about being colleagues.
SHARED_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "live.co.uk",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "gmx.com",
        "gmx.co.uk",
        "mail.com",
        "zoho.com",
        "yandex.com",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "talktalk.net",
        "fastmail.com",
        "hey.com",
        "nhs.net",
    }
)

# Words that do not tell one organisation from another.
ORGANISATION_NOISE = frozenset(
    {
        "the",
        "council",
        "councils",
        "borough",
        "county",
        "city",
        "district",
        "metropolitan",
        "unitary",
        "authority",
        "of",
        "and",
        "ltd",
        "limited",
        "plc",
        "llp",
        "inc",
        "cic",
        "uk",
        "group",
    }
)
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


class _Account(Protocol):
    @property
    def email(self) -> str: ...
    @property
    def organisation(self) -> str: ...


class JudgeContacts(Protocol):
    """What conflict detection reads of a judge: a Judge, or the assignment's lighter record of one."""

    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def user_id(self) -> int | None: ...
    @property
    def organisation(self) -> str: ...
    @property
    def user(self) -> _Account | None: ...


class _Addressee(Protocol):
    @property
    def email(self) -> str: ...


class _Named(Protocol):
    @property
    def name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Addressee:
    """A plain record of a nominator's address, for a light NominationContacts read from plain columns."""

    email: str


@dataclass(frozen=True, slots=True)
class Partner:
    """A plain record of a partner organisation's name, for a light NominationContacts."""

    name: str


class NominationContacts(Protocol):
    """What conflict detection reads of a nomination: a Nomination, or the assignment's lighter record of one."""

    @property
    def id(self) -> int: ...
    @property
    def nominator_id(self) -> int | None: ...
    @property
    def contact_email(self) -> str: ...
    @property
    def nominator(self) -> _Addressee | None: ...
    @property
    def organisation_name(self) -> str: ...
    @property
    def partners(self) -> Sequence[_Named]: ...


def _judge_organisations(judge: JudgeContacts) -> set[str]:
    names = {normalise_organisation(judge.organisation)}
    if judge.user is not None:
        names.add(normalise_organisation(judge.user.organisation))
    return {n for n in names if n}


def _judge_emails(judge: JudgeContacts) -> set[str]:
    emails = {judge.email.lower()}
    if judge.user is not None:
        emails.add(judge.user.email.lower())
    return emails


def affiliations_by_user(user_ids: Iterable[int | None]) -> dict[int, list[tuple[AffiliationKind, str]]]:
    """Each person's affiliations as (kind, name), in the order they gave them, in one query."""
    ids = sorted({u for u in user_ids if u is not None})
    columns = select(Affiliation.user_id, Affiliation.kind, Affiliation.name, Affiliation.position, Affiliation.id)
    rows = [
        row
        for start in range(0, len(ids), 900)
        for row in db.session.execute(columns.where(Affiliation.user_id.in_(ids[start : start + 900])))
    ]
    order = {kind: i for i, kind in enumerate(AffiliationKind)}
    found: dict[int, list[tuple[AffiliationKind, str]]] = defaultdict(list)
    for user_id, kind, name, _sort_a, _sort_b in sorted(
        rows, key=lambda r: (r[0], order[AffiliationKind(r[1])], r[3], r[4])
    ):
        found[user_id].append((AffiliationKind(kind), name))
    return dict(found)


@dataclass(frozen=True, slots=True)
class CoEditor:
    """What conflict detection reads of a nomination's co-editor."""

    user_id: int
    email: str
    organisation: str


def co_editors_by_nomination(nomination_ids: Iterable[int]) -> dict[int, list[CoEditor]]:
    """Each nomination's co-editors (its team besides the owner), in one query per 900 nominations."""
    ids = sorted(set(nomination_ids))
    columns = select(NominationEditor.nomination_id, User.id, User.email, User.organisation).join(
        User, User.id == NominationEditor.user_id
    )
    found: dict[int, list[CoEditor]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        for nomination_id, user_id, email, organisation in db.session.execute(
            columns.where(NominationEditor.nomination_id.in_(ids[start : start + 900]))
        ):
            found[nomination_id].append(CoEditor(user_id, (email or "").lower(), organisation or ""))
    return dict(found)


def _co_editor_reasons(
    judge: JudgeContacts, co_editors: Iterable[CoEditor], affiliations: Iterable[tuple[AffiliationKind, str]]
) -> list[str]:
    """The reasons the judge is conflicted with a nomination through the people of its team."""
    reasons = []
    judge_emails = _judge_emails(judge)
    judge_domains = {_organisational_domain(e) for e in judge_emails} - {""}
    judge_organisations = _judge_organisations(judge) | {normalise_organisation(name) for _, name in affiliations}
    for person in co_editors:
        if judge.user_id is not None and judge.user_id == person.user_id:
            reasons.append(_("The judge is one of the people writing this nomination"))
        elif person.email in judge_emails:
            reasons.append(_("The judge’s email address is a co-editor’s"))
        domain = _organisational_domain(person.email)
        if domain and domain in judge_domains:
            reasons.append(_("Same organisational email domain as a co-editor (%(domain)s)", domain=domain))
        organisation = normalise_organisation(person.organisation)
        if organisation and organisation in judge_organisations:
            reasons.append(_("Same organisation as a co-editor of this nomination"))
    return list(dict.fromkeys(reasons))


def _affiliation_reasons(affiliations: Iterable[tuple[AffiliationKind, str]], nomination: Nomination) -> list[str]:
    """ "Works for Riverside Council, the nominated organisation" for each affiliation that matches the
    nominated organisation or a partner (names compared normalised, the judge's spelling shown)."""
    nominated = normalise_organisation(nomination.organisation_name)
    partners = {normalise_organisation(p.name) for p in nomination.partners} - {""}
    reasons = []
    for kind, name in affiliations:
        key = normalise_organisation(name)
        if key and key == nominated:
            reasons.append(str(_AFFILIATION_REASONS[kind][0]) % {"name": name, "years": AFFILIATION_RECENT_YEARS})
        elif key and key in partners:
            reasons.append(str(_AFFILIATION_REASONS[kind][1]) % {"name": name, "years": AFFILIATION_RECENT_YEARS})
    return reasons


# An affiliation that matches: (the nominated organisation, a partner), by kind (AffiliationKind.describe's words)
_AFFILIATION_REASONS = {
    AffiliationKind.WORKS_FOR: (
        _l("Works for %(name)s, the nominated organisation"),
        _l("Works for %(name)s, a partner in this nomination"),
    ),
    AffiliationKind.WORKED_FOR: (
        _l("Worked for %(name)s in the last %(years)s years, the nominated organisation"),
        _l("Worked for %(name)s in the last %(years)s years, a partner in this nomination"),
    ),
    AffiliationKind.PARTNERS_WITH: (
        _l("Partners with %(name)s, the nominated organisation"),
        _l("Partners with %(name)s, a partner in this nomination"),
    ),
}


def detect(
    judge: Judge,
    nomination: Nomination,
    affiliations: dict[int, list[tuple[AffiliationKind, str]]] | None = None,
    co_editors: dict[int, list[CoEditor]] | None = None,
) -> list[str]:
    """The reasons the judge is conflicted with the nomination, found from the data (empty if none).
    `affiliations` (from affiliations_by_user) and `co_editors` (from co_editors_by_nomination) save a query per
    pair when called in a loop."""
    reasons = []
    nominator = nomination.nominator
    if judge.user_id is not None and judge.user_id == nomination.nominator_id:
        reasons.append(_("The judge made this nomination"))
    judge_emails = _judge_emails(judge)
    other_emails = {e.lower() for e in (nomination.contact_email, nominator.email if nominator else None) if e}
    if judge_emails & other_emails:
        reasons.append(_("The judge’s email address is the nominator’s or the contact’s"))
    judge_domains = {_organisational_domain(e) for e in judge_emails} - {""}
    other_domains = {_organisational_domain(e) for e in other_emails} - {""}
    shared = judge_domains & other_domains
    if shared:
        reasons.append(_("Same organisational email domain (%(domains)s)", domains=", ".join(sorted(shared))))
    organisations = {normalise_organisation(nomination.organisation_name)}
    organisations |= {normalise_organisation(p.name) for p in nomination.partners}
    common = _judge_organisations(judge) & (organisations - {""})
    if common:
        reasons.append(_("Same organisation as the nominated organisation or a partner"))
    if judge.user_id is not None:
        if affiliations is None:
            affiliations = affiliations_by_user([judge.user_id])
        reasons += _affiliation_reasons(affiliations.get(judge.user_id, ()), nomination)
    if co_editors is None:
        co_editors = co_editors_by_nomination([nomination.id])
    team = co_editors.get(nomination.id, ())
    if team:
        known = (affiliations or {}).get(judge.user_id, ()) if judge.user_id is not None else ()
        reasons += _co_editor_reasons(judge, team, known)
    return reasons


def _nomination_keys(nomination: NominationContacts) -> tuple[set[str], set[str], set[str]]:
    nominator = nomination.nominator
    emails = {e.lower() for e in (nomination.contact_email, nominator.email if nominator else None) if e}
    domains = {_organisational_domain(e) for e in emails} - {""}
    organisations = {normalise_organisation(nomination.organisation_name)}
    organisations |= {normalise_organisation(p.name) for p in nomination.partners}
    return emails, domains, organisations - {""}


def _index_co_editors(
    nominations: Sequence[NominationContacts],
    by_email: dict[str, set[int]],
    by_domain: dict[str, set[int]],
    by_org: dict[str, set[int]],
    by_person: dict[int, set[int]],
) -> None:
    """Add each nomination's co-editors to the indexes by e-mail, domain, organisation and person: the team counts
    as the nomination's people."""
    for nomination_id, co_editors in co_editors_by_nomination(n.id for n in nominations).items():
        for person in co_editors:
            by_email[person.email].add(nomination_id)
            if domain := _organisational_domain(person.email):
                by_domain[domain].add(nomination_id)
            if organisation := normalise_organisation(person.organisation):
                by_org[organisation].add(nomination_id)
            by_person[person.user_id].add(nomination_id)


def conflict_pairs(judges: Iterable[JudgeContacts], nominations: Iterable[NominationContacts]) -> set[tuple[int, int]]:
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
    _index_co_editors(nominations, by_email, by_domain, by_org, by_nominator)
    pairs: set[tuple[int, int]] = set()
    affiliations = affiliations_by_user(j.user_id for j in judges) if by_org else {}
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
            for _, name in affiliations.get(j.user_id, ()):
                hits |= by_org.get(normalise_organisation(name), set())
            hits |= by_nominator.get(j.user_id, set())
        pairs |= {(j.id, n) for n in hits}
    judge_ids = [j.id for j in judges]
    nomination_ids = {n.id for n in nominations}
    if judge_ids:
        recorded = db.session.execute(
            select(ConflictOfInterest.judge_id, ConflictOfInterest.nomination_id).where(
                ConflictOfInterest.judge_id.in_(judge_ids), ConflictOfInterest.removed_at.is_(None)
            )
        )
        pairs |= {(j, n) for j, n in recorded if n in nomination_ids}
    return pairs


def recorded_conflicts(judge: Judge, nomination: Nomination) -> list[ConflictOfInterest]:
    return list(
        db.session.scalars(
            select(ConflictOfInterest).where(
                ConflictOfInterest.judge_id == judge.id,
                ConflictOfInterest.nomination_id == nomination.id,
                ConflictOfInterest.removed_at.is_(None),
            )
        )
    )


def is_conflicted(judge: Judge, nomination: Nomination) -> bool:
    """Asked more than once by an entry's page (finding the assignment, the shared predicate as a second lock, the
    save's own check): answered once while the transaction has written nothing (domain/core/transaction_memo.py)."""
    return kept_in_transaction(
        ("conflicted", judge.id, nomination.id),
        lambda: bool(detect(judge, nomination)) or bool(recorded_conflicts(judge, nomination)),
    )


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
        select(Nomination)
        .where(Nomination.cycle_id.in_(cycle_ids))
        .options(selectinload(Nomination.partners), selectinload(Nomination.nominator))
    )
    return {n for _, n in conflict_pairs(judges, nominations)}


def _free_assignment(judge: Judge, nomination: Nomination) -> list[Assignment]:
    """A conflicted judge's live assignments to the nomination are recused (their draft scores
    deleted), so the places can be given to someone else; returns those freed. Refused if the judge
    submitted scores in the latest round they judge it in (reopen and remove them first); an earlier
    round's submitted scores stay as they are."""
    live = sorted(
        db.session.scalars(
            select(Assignment)
            .join(JudgingRound, JudgingRound.id == Assignment.round_id)
            .where(
                Assignment.judge_id == judge.id,
                Assignment.nomination_id == nomination.id,
                Assignment.status == AssignmentStatus.ASSIGNED,
            )
            .options(selectinload(Assignment.review), selectinload(Assignment.round))
        ),
        key=lambda a: (a.round.number, a.id),
    )
    if not live:
        return []
    if _submitted(live[-1]):
        raise DomainError(
            _("This judge has already submitted scores for this nomination: reopen and remove them first")
        )
    freed = []
    for assignment in live:
        if _submitted(assignment):
            continue
        assignment.status = AssignmentStatus.RECUSED
        if assignment.review is not None:
            db.session.delete(assignment.review)
        freed.append(assignment)
    return freed


def _submitted(assignment: Assignment) -> bool:
    return assignment.review is not None and assignment.review.status is ReviewStatus.SUBMITTED


def declare(
    judge: Judge,
    nomination: Nomination,
    *,
    has_conflict: bool,
    reason: str = "",
    by: User,
    judging_round: JudgingRound | None = None,
) -> ConflictOfInterest | None:
    """The judge's answer to "Do you have a conflict of interest?" before seeing the entry. A "no" is
    noted on their assignment to it in `judging_round` (None: on each of their assignments to it). A
    "yes" takes them off the nomination in every round and, if they were assigned to it, e-mails the
    organisers that it needs another judge (not for a round's calibration example, which is not in
    competition: it is simply taken back, and their other entries of the round no longer wait for it)."""
    if not has_conflict:
        query = select(Assignment).where(Assignment.judge_id == judge.id, Assignment.nomination_id == nomination.id)
        if judging_round is not None:
            query = query.where(Assignment.round_id == judging_round.id)
        now = utcnow()
        for assignment in db.session.scalars(query):
            assignment.no_conflict_declared_at = now
        audit.record("conflict.declared_none", actor=by, obj=nomination, judge=judge.id)
        return None
    conflict = ConflictOfInterest(
        judge_id=judge.id,
        nomination_id=nomination.id,
        source=ConflictSource.DECLARED,
        reason=(reason or "").strip(),
        created_at=utcnow(),
        created_by_id=by.id,
    )
    db.session.add(conflict)
    freed = _free_assignment(judge, nomination)
    db.session.flush()
    audit.record("conflict.declared", actor=by, obj=nomination, judge=judge.id)
    if freed:
        tell_organisers(judge, cause="declared", freed=freed, by=by)
    return conflict


def add_organiser_conflict(judge: Judge, nomination: Nomination, *, reason: str, by: User) -> ConflictOfInterest:
    if not (reason or "").strip():
        raise DomainError(_("Enter the reason for the conflict"), field="reason")
    if judge.cycle_id != nomination.cycle_id:
        raise DomainError(_("The judge and the nomination are in different cycles"))
    if recorded_conflicts(judge, nomination):
        raise Conflict(
            _(
                "A conflict between %(judge)s and %(reference)s is already recorded",
                judge=judge.display_name,
                reference=nomination.reference,
            ),
            field="reference",
        )
    conflict = ConflictOfInterest(
        judge_id=judge.id,
        nomination_id=nomination.id,
        source=ConflictSource.ORGANISER,
        reason=reason.strip(),
        created_at=utcnow(),
        created_by_id=by.id,
    )
    db.session.add(conflict)
    _free_assignment(judge, nomination)
    db.session.flush()
    audit.record("conflict.added", actor=by, obj=nomination, judge=judge.id, reason=reason.strip())
    return conflict


def remove_conflict(conflict: ConflictOfInterest, *, reason: str, by: User) -> None:
    """Remove a declared or organiser-entered conflict (detected ones follow from the data)."""
    if conflict.source is ConflictSource.DETECTED:
        raise Conflict(str(DETECTED_NOT_REMOVABLE))
    if not (reason or "").strip():
        raise DomainError(_("Enter the reason for removing the conflict"), field="reason")
    if conflict.removed_at is None:
        conflict.removed_at = utcnow()
        conflict.removed_by_id = by.id
        conflict.removal_reason = reason.strip()
        audit.record(
            "conflict.removed", actor=by, obj=conflict.nomination, judge=conflict.judge_id, reason=reason.strip()
        )


DETECTED_NOT_REMOVABLE = _l(
    "A conflict found automatically cannot be removed: it follows from the judge’s and the "
    "nomination’s details (email addresses, organisations), so it would be found again. "
    "If those details are wrong, correct them instead."
)


@dataclass
class DetectedConflict:
    judge: Judge
    nomination: Nomination
    reasons: list[str]


def detected_conflicts(cycle_id: int, judges: Iterable[Judge] | None = None) -> list[DetectedConflict]:
    """The conflicts found from the data between the cycle's judges (or those given) and its
    nominations that have been sent (drafts and withdrawn ones are never judged), with their reasons."""
    if judges is None:
        judges = db.session.scalars(select(Judge).where(Judge.cycle_id == cycle_id).options(selectinload(Judge.user)))
    judge_by_id = {j.id: j for j in judges}
    nominations = {
        n.id: n
        for n in db.session.scalars(
            select(Nomination)
            .where(
                Nomination.cycle_id == cycle_id,
                Nomination.status.not_in([NominationStatus.DRAFT, NominationStatus.WITHDRAWN]),
            )
            .options(selectinload(Nomination.partners), selectinload(Nomination.nominator))
        )
    }
    found = []
    affiliations = affiliations_by_user(j.user_id for j in judge_by_id.values())
    pairs = sorted(conflict_pairs(judge_by_id.values(), nominations.values()))
    teams = co_editors_by_nomination({nomination_id for _judge_id, nomination_id in pairs})
    for judge_id, nomination_id in pairs:
        judge, nomination = judge_by_id[judge_id], nominations[nomination_id]
        reasons = detect(judge, nomination, affiliations, teams)
        if reasons:
            found.append(DetectedConflict(judge, nomination, reasons))
    return found


# --- After assignment ----------------------------------------------------------------------------


def organisers(*, besides: User | None = None) -> list[User]:
    """Everyone who runs the awards (active accounts with the organiser role), but `besides`."""
    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ORGANISER, User.active.is_(True))
        .order_by(User.id)
    )
    if besides is not None:
        query = query.where(User.id != besides.id)
    return list(db.session.scalars(query))


def _with_round(reference: str, judging_round) -> str:
    return f"{reference} ({judging_round.label})"


def tell_organisers(
    judge: Judge, *, cause: str, freed: list[Assignment], kept: Sequence[Assignment] = (), by: User
) -> None:
    """E-mail each organiser (one message each, through the outbox) that the judge is conflicted with
    nominations they were assigned: the `freed` assignments' nominations need another judge in their
    round, the `kept` ones have the judge's submitted scores. `cause` is "declared" (the judge said so)
    or "affiliations" (found from the organisations they gave). The message names the judge and the
    references only (with the round when the cycle has several): the reasons, the entries and their
    scores stay behind the organisers' sign-in.

    A round's calibration example is not in competition: an assignment to it needs no other judge, so
    it is left out, and nobody is e-mailed when nothing else is left."""
    freed = [a for a in freed if not a.calibration]
    kept = [a for a in kept if not a.calibration]
    if not freed and not kept:
        return
    cycle = judge.cycle
    several = len(cycle.rounds) > 1
    live = _live_counts(freed)

    def reference(assignment: Assignment) -> object:
        """The reference, with its round when the cycle has several (its label in the organiser's language,
        put into words when their e-mail is written)."""
        text = assignment.nomination.reference
        return written_later(_with_round, text, assignment.round) if several else text

    def short_by(assignment: Assignment) -> int:
        needed = assignment.round.judges_per_nomination
        return max(0, needed - live.get((assignment.round_id, assignment.nomination_id), 0))

    # By reference, the latest round first (the one a judge declares in is usually the latest).
    ordered = sorted(freed, key=lambda a: (a.nomination.reference, -a.round.number))
    items = [
        {
            "reference": reference(a),
            "short_by": short_by(a),
            "round": written_later(getattr, a.round, "label") if several else "",
        }
        for a in ordered
    ]
    kept_references = [reference(a) for a in sorted(kept, key=lambda a: (a.nomination.reference, a.round.number))]
    needing = [a for a in ordered if short_by(a)]
    # Put into words in each organiser's language when their e-mail is written.
    subject: object
    if cause == "declared":
        subject = _l(
            "Conflict of interest declared: %(reference)s needs another judge",
            reference=ordered[0].nomination.reference,
        )
    elif needing:
        subject = (
            _l(
                "Conflict of interest found: %(reference)s needs another judge",
                reference=needing[0].nomination.reference,
            )
            if len({a.nomination_id for a in needing}) == 1
            else _ln(
                "Conflict of interest found: %(num)d nomination needs another judge",
                "Conflict of interest found: %(num)d nominations need another judge",
                len({a.nomination_id for a in needing}),
            )
        )
    else:
        subject = _l(
            "Conflict of interest found: %(judge)s is assigned to nominations in %(cycle)s",
            judge=judge.display_name,
            cycle=NameShown(cycle),
        )
    # The assignment page of the latest round the judge was taken off in (its only one for most cycles).
    latest = max((a.round for a in freed), key=lambda r: r.number, default=None)
    round_args = {"round": latest.number} if several and latest is not None else {}
    context = dict(
        cycle=cycle,
        judge_name=judge.display_name,
        cause=cause,
        items=items,
        kept=kept_references,
        link=external_url("organiser.assignment", slug=cycle.slug, **round_args),
        conflicts_link=external_url("organiser.conflicts", slug=cycle.slug, judge=judge.id),
    )
    for person in organisers(besides=by):
        queue_email(
            to_address=person.email,
            to_name=person.name,
            language=language_of(person),
            template="conflict_after_assignment",
            subject=subject,
            **context,
        )


def _live_counts(assignments: Sequence[Assignment]) -> dict[tuple[int, int], int]:
    """Live assignments (calibration ones aside) per (round id, nomination id) of the given assignments'."""
    if not assignments:
        return {}
    rows = db.session.execute(
        select(Assignment.round_id, Assignment.nomination_id, func.count(Assignment.id))
        .where(
            Assignment.nomination_id.in_({a.nomination_id for a in assignments}),
            Assignment.round_id.in_({a.round_id for a in assignments}),
            Assignment.status == AssignmentStatus.ASSIGNED,
            Assignment.calibration.is_(False),
        )
        .group_by(Assignment.round_id, Assignment.nomination_id)
    )
    return {(round_id, nomination_id): count for round_id, nomination_id, count in rows}


def release_now_conflicted(user: User, *, by: User) -> list[Assignment]:
    """After a person changed their organisation or affiliations: each live assignment of theirs (in a
    cycle whose results are not yet published) to a nomination they are now found to be conflicted
    with is taken away (in whichever round), with any draft scores, and each cycle's organisers are
    told so they can fill the place. An assignment with submitted scores stays (its scores would be lost), and the
    organisers are told about it too. Returns the assignments taken away."""
    judges = list(
        db.session.scalars(
            select(Judge)
            .join(Cycle, Cycle.id == Judge.cycle_id)
            .where(
                Judge.user_id == user.id, Cycle.status != CycleStatus.PUBLISHED, Cycle.personal_data_purged_at.is_(None)
            )
            .options(selectinload(Judge.user), selectinload(Judge.cycle))
            .order_by(Judge.id)
        )
    )
    if not judges:
        return []
    assignments = list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.judge_id.in_([j.id for j in judges]), Assignment.status == AssignmentStatus.ASSIGNED)
            .options(
                selectinload(Assignment.review),
                selectinload(Assignment.round),
                selectinload(Assignment.nomination).selectinload(Nomination.partners),
                selectinload(Assignment.nomination).selectinload(Nomination.nominator),
            )
            .order_by(Assignment.id)
        )
    )
    if not assignments:
        return []
    affiliations = affiliations_by_user([user.id])
    teams = co_editors_by_nomination({a.nomination_id for a in assignments})
    removed: list[Assignment] = []
    for judge in judges:
        freed: list[Assignment] = []
        kept: list[Assignment] = []
        for assignment in [a for a in assignments if a.judge_id == judge.id]:
            nomination = assignment.nomination
            if not detect(judge, nomination, affiliations, teams):
                continue
            review = assignment.review
            if review is not None and review.status is ReviewStatus.SUBMITTED:
                kept.append(assignment)
                continue
            audit.record(
                "assignment.removed",
                actor=by,
                obj=nomination,
                judge=judge.id,
                assignment=assignment.id,
                had_draft=review is not None,
                reason="conflict found from the judge's organisations",
            )
            db.session.delete(assignment)
            removed.append(assignment)
            freed.append(assignment)
        if freed or kept:
            db.session.flush()
            tell_organisers(judge, cause="affiliations", freed=freed, kept=kept, by=by)
    return removed


def judgeable(nomination: Nomination) -> bool:
    """Only submitted (eligible or not yet screened) nominations are judged."""
    return nomination.status is NominationStatus.SUBMITTED
