"""Screening: the organiser decides whether a submitted nomination is eligible,
and the nominator is told by e-mail."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.core.mail import queue_email
from awards.domain.programme.translations import NameShown
from awards.i18n import language_of
from awards.models import Eligibility, Nomination, NominationStatus, User
from awards.urls import external_url

REASON_MAX_LENGTH = 2000

# Statuses a screening decision may be taken (or changed) in. A shortlisted or
# winning nomination has been judged, so its eligibility is settled.
SCREENABLE = frozenset({NominationStatus.SUBMITTED, NominationStatus.INELIGIBLE})


def can_screen(nomination: Nomination) -> bool:
    """Only a submitted nomination (or one already found ineligible) can be screened."""
    return nomination.status in SCREENABLE


def _reason_too_long() -> str:
    return _("Reason must be %(limit)s characters or fewer", limit=format_decimal(REASON_MAX_LENGTH))


def screening_problem(nomination: Nomination) -> str | None:
    """Why the nomination cannot be screened now, in words for the organiser (None if it can)."""
    if nomination.status is NominationStatus.DRAFT:
        return _("This nomination is still a draft. It can be screened once the nominator submits it.")
    if nomination.status is NominationStatus.WITHDRAWN:
        return _("The nominator withdrew this nomination, so it cannot be screened.")
    if not can_screen(nomination):
        return _(
            "This nomination is %(status)s: judging has settled it, so its eligibility can no longer change.",
            status=nomination.status.label.lower(),
        )
    return None


def decide_eligibility(
    nomination: Nomination, eligible: bool, reason: str = "", *, by: User, expected_version: int | None = None
) -> bool:
    """Record whether a submitted nomination is eligible, with a reason (required when it is not).

    Ineligible sets the status to INELIGIBLE; finding an ineligible nomination eligible again
    restores SUBMITTED. The decision is audited and the nominator is e-mailed. Taking the same
    decision with the same reason again changes nothing and returns False.
    """
    problem = screening_problem(nomination)
    if problem:
        raise NotAllowed(problem)
    if expected_version is not None and expected_version != nomination.version:
        raise Conflict(
            _(
                "This nomination changed while you were looking at it. "
                "Check the latest version below, then decide again."
            ),
            field="decision",
        )
    reason = (reason or "").strip()
    if not eligible and not reason:
        raise DomainError(_("Enter the reason the nomination is not eligible"), field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(_reason_too_long(), field="reason")

    decision = Eligibility.ELIGIBLE if eligible else Eligibility.INELIGIBLE
    if nomination.eligibility is decision and nomination.eligibility_reason == reason:
        return False

    previous = nomination.eligibility
    nomination.eligibility = decision
    nomination.eligibility_reason = reason
    nomination.eligibility_decided_at = utcnow()
    nomination.eligibility_decided_by_id = by.id
    if eligible:
        if nomination.status is NominationStatus.INELIGIBLE:
            nomination.status = NominationStatus.SUBMITTED
    else:
        nomination.status = NominationStatus.INELIGIBLE

    nominator = nomination.nominator
    audit.record(
        "nomination.eligibility",
        actor=by,
        obj=nomination,
        reference=nomination.reference,
        eligibility=decision.value,
        previous=previous.value if previous else None,
        reason=reason,
        nominator_told=nominator is not None,
    )
    if nominator is not None:
        _tell_nominator(nomination, nominator, eligible, reason)
    return True


@dataclass
class ManyDecided:
    """What one decision for several nominations did: changed (each nominator e-mailed), unchanged
    (already that decision, with that reason) and refused (with why, in words for the organiser)."""

    changed: list[Nomination] = field(default_factory=list)
    unchanged: list[Nomination] = field(default_factory=list)
    refused: list[tuple[Nomination, str]] = field(default_factory=list)


def check_reason(eligible: bool, reason: str) -> str:
    """The reason as it is kept, or the problem with it."""
    reason = (reason or "").strip()
    if not eligible and not reason:
        raise DomainError(_("Enter the reason the nominations are not eligible"), field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(_reason_too_long(), field="reason")
    return reason


def decide_eligibility_of_many(
    nominations: list[Nomination],
    eligible: bool,
    reason: str = "",
    *,
    by: User,
    expected_versions: dict[int, int] | None = None,
) -> ManyDecided:
    """One decision, with one reason, for several nominations (the organiser's list). Each goes through
    `decide_eligibility`, so each is audited and each nominator gets their own e-mail; the caller commits
    them together. The reason is checked before anything changes. A nomination that cannot be screened,
    or that changed since the organiser looked at it (`expected_versions`, by id), is left as it is and
    reported, never skipped in silence."""
    reason = check_reason(eligible, reason)
    if not nominations:
        raise DomainError(_("Select the nominations to mark"), field="nominations")
    versions = expected_versions or {}
    outcome = ManyDecided()
    for nomination in nominations:
        problem = screening_problem(nomination)
        if problem:
            outcome.refused.append((nomination, problem))
            continue
        try:
            changed = decide_eligibility(
                nomination, eligible, reason, by=by, expected_version=versions.get(nomination.id)
            )
        except Conflict:
            outcome.refused.append((nomination, _("It changed after you chose it. Check it, then decide again.")))
            continue
        (outcome.changed if changed else outcome.unchanged).append(nomination)
    return outcome


def _tell_nominator(nomination: Nomination, nominator: User, eligible: bool, reason: str) -> None:
    cycle = nomination.cycle
    link = external_url("nominee.task_list", reference=nomination.reference)
    if eligible:
        subject = _l("Your nomination %(reference)s is eligible", reference=nomination.reference)
        template = "eligibility_eligible"
    else:
        subject = _l("Your nomination %(reference)s is not eligible", reference=nomination.reference)
        template = "eligibility_ineligible"
    queue_email(
        to_address=nominator.email,
        to_name=nominator.name,
        language=language_of(nominator),
        template=template,
        subject=subject,
        reference=nomination.reference,
        title=nomination.display_title,
        organisation=nomination.organisation_name,
        cycle_name=NameShown(cycle),
        category_name=NameShown(nomination.category),
        reason=reason,
        link=link,
    )
