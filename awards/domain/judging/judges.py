"""Judges of a cycle: invitations by e-mail and their acceptance, the organiser's settings for
each judge (organisation, load limit, categories), and a person's expertise per trend and
affiliations (the organisations they are connected with, `domain/judging/affiliations.py`).

Judging rights are per cycle: an accepted Judge row is the membership. The global `judge` role
is granted on acceptance too, but never gives access to a cycle by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.core.mail import queue_email
from awards.domain.judging import affiliations, conflicts
from awards.domain.people import accounts
from awards.domain.people.accounts import InvalidToken
from awards.domain.programme.translations import NameShown
from awards.extensions import db
from awards.i18n import language_of
from awards.models import (
    EXPERTISE_LEVELS,
    Assignment,
    AssignmentStatus,
    Cycle,
    Expertise,
    Judge,
    JudgingRound,
    Review,
    ReviewStatus,
    Role,
    Trend,
    User,
)
from awards.urls import external_url

INVITATION_SALT = "judge-invitation"
INVITATION_MAX_AGE = timedelta(days=30)
MAX_INVITATIONS_AT_ONCE = 200
MAX_LOAD_LIMIT = 1000

_SEPARATORS = re.compile(r"[\s,;]+")


# --- Inviting ------------------------------------------------------------------------------------


@dataclass
class InvitationResult:
    """What happened to each address of one invitation request."""

    invited: list[Judge] = field(default_factory=list)
    already_invited: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)


def split_addresses(text: str) -> list[str]:
    """The addresses in a pasted list: one a line, or separated by commas, semicolons or spaces.
    'Name <name@example.org>' keeps only the address."""
    text = re.sub(r"[^<>,;\n]*<([^<>]*)>", r" \1 ", text or "")
    return [part.strip().strip("<>\"'") for part in _SEPARATORS.split(text) if part.strip().strip("<>\"'")]


def parse_addresses(text: str) -> tuple[list[str], list[str], list[str]]:
    """(valid addresses, normalised, in order, each once; addresses given more than once;
    entries that are not e-mail addresses)."""
    valid: list[str] = []
    repeated: list[str] = []
    invalid: list[str] = []
    for entry in split_addresses(text):
        try:
            address = accounts.check_email_syntax(entry)
        except DomainError:
            invalid.append(entry)
            continue
        if address in valid:
            if address not in repeated:
                repeated.append(address)
        else:
            valid.append(address)
    return valid, repeated, invalid


def invite_judges(cycle: Cycle, addresses: str, *, by: User) -> InvitationResult:
    """Invite everyone in the list to judge the cycle, each by an e-mail with their own link.

    Any entry that is not an e-mail address stops the whole request (so the organiser can correct
    the list); an address already invited to this cycle, or given twice, is reported and not
    invited again."""
    valid, repeated, invalid = parse_addresses(addresses)
    if invalid:
        shown = ", ".join(f"‘{entry}’" for entry in invalid[:5])
        if len(invalid) > 5:
            shown = _("%(entries)s and others", entries=shown)
        accented = any("@" in entry and not entry.rsplit("@", 1)[0].isascii() for entry in invalid)
        if accented:
            message = _(
                "Enter email addresses in the correct format, like name@example.com. Correct %(entries)s. An email "
                "address can only use the letters a to z, numbers and the symbols . _ - + before the @",
                entries=shown,
            )
        else:
            message = _(
                "Enter email addresses in the correct format, like name@example.com. Correct %(entries)s.",
                entries=shown,
            )
        raise DomainError(message, field="emails")
    if not valid:
        raise DomainError(_("Enter at least one email address"), field="emails")
    if len(valid) > MAX_INVITATIONS_AT_ONCE:
        raise DomainError(
            _(
                "Enter %(max)s email addresses or fewer at a time",
                max=format_decimal(MAX_INVITATIONS_AT_ONCE),
            ),
            field="emails",
        )
    existing = set(db.session.scalars(select(Judge.email).where(Judge.cycle_id == cycle.id, Judge.email.in_(valid))))
    result = InvitationResult(repeated=repeated)
    now = utcnow()
    for address in valid:
        if address in existing:
            result.already_invited.append(address)
            continue
        person = accounts.find_user_by_email(address)
        judge = Judge(
            cycle_id=cycle.id,
            email=address,
            organisation=person.organisation if person else "",
            all_categories=True,
            invited_at=now,
            invited_by_id=by.id,
        )
        judge.cycle = cycle
        db.session.add(judge)
        result.invited.append(judge)
    db.session.flush()
    for judge in result.invited:
        _send_invitation(judge, by=by)
        audit.record("judge.invited", actor=by, obj=judge, cycle=cycle.slug, email=judge.email)
    return result


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def make_invitation_token(judge: Judge) -> str:
    return _serializer().dumps({"j": judge.id, "e": judge.email})


def _send_invitation(judge: Judge, *, by: User) -> None:
    person = accounts.find_user_by_email(judge.email)
    link = external_url("judge.accept_invitation", token=make_invitation_token(judge))
    expires = utcnow() + INVITATION_MAX_AGE
    queue_email(
        to_address=judge.email,
        to_name=person.name if person else "",
        language=language_of(person) if person else None,  # no account yet: the service's default
        template="judge_invitation",
        subject=_l("Invitation to judge %(cycle)s", cycle=NameShown(judge.cycle)),
        cycle=judge.cycle,
        link=link,
        inviter=by,
        has_account=person is not None,
        expires_at=expires,
        days=INVITATION_MAX_AGE.days,
    )


def resend_invitation(judge: Judge, *, by: User) -> None:
    """Send a pending invitation again with a fresh link (valid for another 30 days)."""
    if judge.has_accepted:
        raise Conflict(_("%(judge)s has already accepted the invitation", judge=judge.display_name))
    judge.invited_at = utcnow()
    judge.invited_by_id = by.id
    _send_invitation(judge, by=by)
    audit.record("judge.invitation_resent", actor=by, obj=judge, email=judge.email)


def invitation_for_token(token: str) -> Judge:
    """The invitation a link is for; InvalidToken if it is tampered with, expired or withdrawn."""
    try:
        data = _serializer().loads(token, max_age=int(INVITATION_MAX_AGE.total_seconds()))
    except SignatureExpired:
        raise InvalidToken(_("This invitation link has expired")) from None
    except BadSignature:
        raise InvalidToken(_("This invitation link is not valid")) from None
    judge_id, email = (data.get("j"), data.get("e")) if isinstance(data, dict) else (None, None)
    judge = db.session.get(Judge, judge_id) if isinstance(judge_id, int) else None
    if judge is None or judge.email != email:
        raise InvalidToken(_("This invitation has been withdrawn"))
    return judge


# --- Accepting -----------------------------------------------------------------------------------


def accept_invitation(judge: Judge, user: User, *, affiliations_given: dict[str, str | None] | None = None) -> Judge:
    """The invited person accepts with their own account (its e-mail must be the invitation's):
    they become a judge of this cycle, and get the judge role. `affiliations_given` (the form's lists,
    one organisation a line) replaces the organisations they told us they are connected with."""
    if accounts.normalise_email(user.email) != judge.email:
        raise NotAllowed(
            _(
                "This invitation was sent to %(email)s, but you are signed in as %(signed_in)s",
                email=judge.email,
                signed_in=user.email,
            )
        )
    if judge.has_accepted:
        if judge.user_id == user.id:
            return judge
        raise Conflict(_("This invitation has already been accepted"))
    if affiliations_given is not None:
        affiliations.parse(affiliations_given)  # a mistake in the lists stops the acceptance
    judge.user_id = user.id
    judge.user = user
    judge.accepted_at = utcnow()
    if not judge.organisation:
        judge.organisation = user.organisation or ""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the link reached their mailbox
        audit.record("account.email_verified", actor=user, obj=user)
    accounts.grant_role(user, Role.JUDGE, by=user)
    audit.record("judge.accepted", actor=user, obj=judge, cycle_id=judge.cycle_id)
    if affiliations_given is not None:
        update_affiliations(user, affiliations_given, by=user)
    return judge


def accept_as_new_person(
    judge: Judge,
    *,
    name: str,
    organisation: str,
    password: str | None,
    affiliations_given: dict[str, str | None] | None = None,
) -> User:
    """Someone without an account accepts: the account is made with the invitation's e-mail
    (verified, since the link reached them) and the invitation is accepted, with the organisations
    they are connected with. With password None the account has no password: they sign in with
    links by e-mail (accounts.create_user)."""
    if judge.has_accepted:
        raise Conflict(_("This invitation has already been accepted"))
    if accounts.find_user_by_email(judge.email):
        raise Conflict(
            _("An account with this email address already exists: sign in to accept the invitation"), field="name"
        )
    if not (name or "").strip():
        raise DomainError(_("Enter your full name"), field="name")
    if affiliations_given is not None:
        affiliations.parse(affiliations_given)
    user = accounts.create_user(
        email=judge.email, name=name, organisation=organisation, password=password, verified=True
    )
    judge.organisation = (organisation or "").strip()
    accept_invitation(judge, user, affiliations_given=affiliations_given)
    return user


# --- Removing ------------------------------------------------------------------------------------


def submitted_review_count(judge: Judge) -> int:
    """The judge's submitted reviews that count in results: a calibration example's are not in
    competition, so they do not keep the judge in the cycle."""
    return (
        db.session.scalar(
            select(func.count(Review.id))
            .join(Assignment, Assignment.id == Review.assignment_id)
            .where(
                Assignment.judge_id == judge.id,
                Assignment.calibration.is_(False),
                Review.status == ReviewStatus.SUBMITTED,
            )
        )
        or 0
    )


def assignment_count(judge: Judge, judging_round: JudgingRound | None = None) -> int:
    """The judge's live assignments (calibration examples aside) in the round, or in every round (None)."""
    query = select(func.count(Assignment.id)).where(
        Assignment.judge_id == judge.id,
        Assignment.status == AssignmentStatus.ASSIGNED,
        Assignment.calibration.is_(False),
    )
    if judging_round is not None:
        query = query.where(Assignment.round_id == judging_round.id)
    return db.session.scalar(query) or 0


def remove_judge(judge: Judge, *, by: User) -> None:
    """Take a judge (or a pending invitation) off the cycle, with their assignments and draft
    scores. A judge who has submitted scores stays, so that their scores keep counting."""
    submitted = submitted_review_count(judge)
    if submitted:
        raise Conflict(
            ngettext(
                "%(judge)s has submitted scores for %(num)d nomination, so they cannot be removed",
                "%(judge)s has submitted scores for %(num)d nominations, so they cannot be removed",
                submitted,
                judge=judge.display_name,
            )
        )
    audit.record(
        "judge.removed",
        actor=by,
        object_type="judges",
        object_id=judge.id,
        email=judge.email,
        cycle_id=judge.cycle_id,
        accepted=judge.has_accepted,
    )
    db.session.delete(judge)
    db.session.flush()


# --- Settings ------------------------------------------------------------------------------------


def update_judge_settings(
    judge: Judge,
    *,
    organisation: str,
    max_load: int | None,
    all_categories: bool,
    category_ids: list[int] | None = None,
    by: User,
) -> list[str]:
    """The organiser's settings for one judge; returns the names of what changed.

    No load limit means each round's (rounds.load_limit: the judge's limit on a round's panel, else
    this one, else the round's); a judge who does not judge every category judges at least one."""
    organisation = (organisation or "").strip()
    if len(organisation) > 200:
        raise DomainError(_("Organisation must be 200 characters or fewer"), field="organisation")
    if max_load is not None and not 1 <= max_load <= MAX_LOAD_LIMIT:
        raise DomainError(
            _("Most nominations must be between 1 and %(max)s", max=format_decimal(MAX_LOAD_LIMIT)), field="max_load"
        )
    categories = []
    if not all_categories:
        wanted = set(category_ids or [])
        categories = [c for c in judge.cycle.categories if c.id in wanted]
        if len(categories) != len(wanted):
            raise DomainError(_("Select only categories of this cycle"), field="category_ids")
        if not categories:
            raise DomainError(_("Select the categories this judge scores"), field="category_ids")
    changed = []
    if judge.organisation != organisation:
        judge.organisation = organisation
        changed.append("organisation")
    if judge.max_load != max_load:
        judge.max_load = max_load
        changed.append("max_load")
    if judge.all_categories != all_categories or (
        not all_categories and {c.id for c in judge.categories} != {c.id for c in categories}
    ):
        judge.all_categories = all_categories
        judge.categories = categories
        changed.append("categories")
    if changed:
        audit.record("judge.settings_changed", actor=by, obj=judge, fields=changed)
    return changed


# --- Expertise -----------------------------------------------------------------------------------


def expertise_levels(user: User | None) -> dict[int, int]:
    """The person's level per trend id (trends they have not rated are left out)."""
    if user is None:
        return {}
    return {
        t: level
        for t, level in db.session.execute(
            select(Expertise.trend_id, Expertise.level).where(Expertise.user_id == user.id)
        )
    }


def set_expertise(user: User, levels: dict[int, int | None], *, allowed_trend_ids: set[int], by: User) -> list[int]:
    """Record the person's expertise for the given trends (−2 "prefer not" … +2 "expert");
    a trend left out or given None stays as it was. Returns the trend ids whose level changed."""
    unknown = set(levels) - set(allowed_trend_ids)
    if unknown:
        raise DomainError(_("Choose expertise only for the trends listed"), field="expertise")
    current = {e.trend_id: e for e in db.session.scalars(select(Expertise).where(Expertise.user_id == user.id))}
    changed: list[int] = []
    for trend_id, level in sorted(levels.items()):
        if level is None:
            continue
        if level not in EXPERTISE_LEVELS:
            raise DomainError(_("Choose a level of expertise from the list"), field=f"expertise_{trend_id}")
        row = current.get(trend_id)
        if row is None:
            db.session.add(Expertise(user_id=user.id, trend_id=trend_id, level=level))
            changed.append(trend_id)
        elif row.level != level:
            row.level = level
            changed.append(trend_id)
    if changed:
        db.session.flush()
        audit.record("judge.expertise_changed", actor=by, obj=user, levels={str(t): levels[t] for t in changed})
    return changed


def profile_trends(user: User) -> list[Trend]:
    """The trends of every cycle the person judges (accepted memberships), in the taxonomy's order."""
    cycle_ids = select(Judge.cycle_id).where(Judge.user_id == user.id, Judge.accepted_at.is_not(None))
    cycles = db.session.scalars(select(Cycle).where(Cycle.id.in_(cycle_ids))).all()
    trends = {t.id: t for c in cycles for t in c.trends}
    return sorted(trends.values(), key=lambda t: (t.position, t.id))


def update_affiliations(user: User, texts: dict[str, str | None], *, by: User) -> bool:
    """Record the organisations the person works for, worked for recently or partners with (the
    form's lists); if that changed, any assignment of theirs it now conflicts with is taken away and
    the organisers told (conflicts.release_now_conflicted). True if anything changed."""
    changed = affiliations.set_affiliations(user, texts, by=by)
    if changed:
        conflicts.release_now_conflicted(user, by=by)
    return changed


def update_judge_profile(
    user: User,
    *,
    organisation: str,
    levels: dict[int, int | None],
    affiliations_given: dict[str, str | None] | None = None,
) -> None:
    """A judge's own profile: their organisation (on their account and every cycle they judge,
    since conflicts are found from it), the other organisations they are connected with, and their
    expertise per trend. An assignment that either change puts in conflict is taken away, and the
    organisers are told."""
    organisation = (organisation or "").strip()
    if not organisation:
        raise DomainError(_("Enter your organisation"), field="organisation")
    if affiliations_given is not None:
        affiliations.parse(affiliations_given)
    accounts.update_profile(user, name=user.name, organisation=organisation)
    memberships = db.session.scalars(select(Judge).where(Judge.user_id == user.id)).all()
    moved = [j for j in memberships if j.organisation != organisation]
    for judge in moved:
        judge.organisation = organisation
    if moved:
        audit.record("judge.organisation_changed", actor=user, obj=user, judges=[j.id for j in moved])
    changed = affiliations_given is not None and affiliations.set_affiliations(user, affiliations_given, by=user)
    if moved or changed:
        db.session.flush()
        conflicts.release_now_conflicted(user, by=user)
    set_expertise(user, levels, allowed_trend_ids={t.id for t in profile_trends(user)}, by=user)
