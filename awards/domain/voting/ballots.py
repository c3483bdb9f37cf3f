"""Asking to vote, and confirming with the e-mailed link.

Nobody signs in. `ask_to_vote` checks the rules (domain/voting/rules.py) and records the attempt
whatever becomes of it; an accepted attempt e-mails a link. The link carries a token signed with
SECRET_KEY (itsdangerous, salt "peoples-choice") holding the attempt's id and a random nonce; the
attempt keeps only the nonce's SHA-256 digest, so the database cannot give out a working link. The
link works once, while the vote is open, and for 48 hours at most. `confirm_vote` casts (or replaces)
the address's one ballot in the category's vote.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.dates import govuk_datetime
from awards.domain.core.errors import DomainError
from awards.domain.core.mail import queue_email
from awards.domain.programme.translations import NameShown
from awards.domain.voting import rules
from awards.domain.voting.votes import VoteState, vote_state, withdrawn_options
from awards.extensions import db
from awards.i18n import current_language
from awards.models import AttemptOutcome, AuditEvent, Ballot, OutboxMessage, PublicVote, VoteAttempt, VoteOption

SALT = "peoples-choice"
LINK_MAX_AGE = timedelta(hours=48)
# The web serves the confirmation page at this path (awards/web/public).
CONFIRM_PATH = "/peoples-choice/confirm/"
# The outbox's kind (template) of the confirmation e-mail, and its link's token as the body holds it.
CONFIRM_EMAIL = "vote_confirm"
# The audit actions of the public's attempts and confirmations (one per vote; a vote's own page lists them).
VOTER_ACTIONS = ("vote.attempted", "vote.confirmed")
_LINK_TOKEN = re.compile(re.escape(CONFIRM_PATH) + r"([A-Za-z0-9_.\-]+)")

BAD_LINK = "This link does not work. Check that you copied the whole link from the email, or ask to vote again"
EXPIRED_LINK = "This link has expired. Ask to vote again to get a new one"
USED_LINK = "This link has already been used"
ENTRY_GONE = "The entry you chose is no longer in this vote, so this link cannot count. You can vote for another entry"


class VoteRefused(DomainError):
    """A confirmation link that cannot be used (bad, forged, used, expired, or the vote has closed)."""


@dataclass
class Asked:
    """What became of an attempt: refused (with the rule's name and the voter's words) or e-mailed."""

    attempt: VoteAttempt
    refused_rule: str | None
    message: str | None

    @property
    def accepted(self) -> bool:
        return self.refused_rule is None


@dataclass
class Pending:
    attempt: VoteAttempt
    vote: PublicVote
    option: VoteOption


@dataclass
class Confirmed:
    ballot: Ballot
    replaced: bool
    previous_option: VoteOption | None
    # Kept as numbers, readable after the commit without loading the ballot again.
    vote_id: int
    option_id: int
    previous_option_id: int | None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def confirm_url(token: str) -> str:
    """The link in the e-mail, built from BASE_URL (never from a request's Host)."""
    return (current_app.config.get("BASE_URL") or "").rstrip("/") + CONFIRM_PATH + token


def _refuse(
    vote: PublicVote,
    rule: rules.Rule,
    *,
    option_id: int | None,
    key: str,
    domain: str,
    prefix: str,
    now: datetime,
) -> Asked:
    attempt = _new_attempt(
        vote,
        option_id,
        key=key,
        domain=domain,
        prefix=prefix,
        now=now,
        outcome=AttemptOutcome.REFUSED,
        refusal=rule.name,
    )
    _audit_attempt(attempt)
    return Asked(attempt, rule.name, rule.voter_message)


def _new_attempt(
    vote: PublicVote,
    option_id: int | None,
    *,
    key: str,
    domain: str,
    prefix: str,
    now: datetime,
    outcome: AttemptOutcome,
    **fields: Any,
) -> VoteAttempt:
    """The attempt as recorded (flushed, so it has its id): what was typed is never stored, only the voter's key,
    the address's domain and the client's network."""
    attempt = VoteAttempt(
        vote_id=vote.id,
        option_id=option_id,
        voter_key=key,
        domain=domain[:253],
        ip_prefix=prefix,
        attempted_at=now,
        outcome=outcome,
        **fields,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _audit_attempt(attempt: VoteAttempt) -> None:
    audit.record(
        "vote.attempted",
        obj=attempt,
        ip_as=attempt.ip_prefix,
        vote=attempt.vote_id,
        option=attempt.option_id,
        voter=attempt.voter_key,
        ip_prefix=attempt.ip_prefix,
        at=attempt.attempted_at.isoformat(),
        outcome=attempt.outcome.value,
        rule=attempt.refusal,
    )


def ask_to_vote(
    vote: PublicVote, option_id: Any, address: str, *, client_ip: str | None, now: datetime | None = None
) -> Asked:
    """Check the attempt against the rules, record it, and e-mail a confirmation link if it keeps them.
    Returns (never raises for a broken rule), so that the refused attempt is committed too."""
    now = now or utcnow()
    key = rules.voter_key(address)
    prefix = rules.ip_prefix(client_ip)
    try:
        parsed: rules.Address | None = rules.parse_address(address)
    except rules.InvalidAddress:
        parsed = None
    # What was typed is never stored: an address that does not parse has no domain ("" on the patterns page).
    domain = rules.base_domain(parsed.domain) if parsed else rules.NO_DOMAIN
    option = next((o for o in vote.options if str(o.id) == str(option_id).strip()), None) if option_id else None

    def refuse(rule: rules.Rule) -> Asked:
        return _refuse(
            vote, rule, option_id=option.id if option else None, key=key, domain=domain, prefix=prefix, now=now
        )

    if vote_state(vote, now) is not VoteState.OPEN:
        return refuse(rules.NOT_OPEN)
    if option is None:
        return refuse(rules.UNKNOWN_ENTRY)
    if withdrawn_options([vote.id], option.id):
        return refuse(rules.ENTRY_WITHDRAWN)
    if parsed is None:
        return refuse(rules.INVALID_ADDRESS)
    broken = rules.address_rule(parsed)
    if broken is None and rules.under(parsed.domain, option.own_domains):
        broken = rules.OWN_ORGANISATION
    if broken is None:
        # One vote's rates are counted and used one attempt at a time (on PostgreSQL: the vote's row locked until
        # the commit), so two servers cannot both pass the last place under a limit.
        db.session.execute(select(PublicVote.id).where(PublicVote.id == vote.id).with_for_update())
        broken = rules.rate_rule(vote.id, key=key, domain=domain, prefix=prefix, now=now)
    if broken is not None:
        return refuse(broken)

    nonce = secrets.token_urlsafe(24)
    attempt = _new_attempt(
        vote,
        option.id,
        key=key,
        domain=domain,
        prefix=prefix,
        now=now,
        outcome=AttemptOutcome.AWAITING,
        token_digest=digest(nonce),
    )
    token = _serializer().dumps({"a": attempt.id, "n": nonce})
    cycle = vote.cycle
    expires = min(vote.closes_at, now + LINK_MAX_AGE)
    queue_email(
        to_address=parsed.normalised,
        language=current_language(),  # no account: the language of the page they voted on
        template=CONFIRM_EMAIL,
        subject=_l("Confirm your vote in %(category)s", category=NameShown(vote.category)),
        cycle=cycle,
        category=vote.category,
        option=option,
        link=confirm_url(token),
        closes=govuk_datetime(vote.closes_at, cycle.time_zone),
        expires=govuk_datetime(expires, cycle.time_zone),
    )
    _audit_attempt(attempt)
    return Asked(attempt, None, None)


def _load(token: str, now: datetime) -> tuple[VoteAttempt, str]:
    """The attempt the token names and its nonce; VoteRefused for a forged, tampered or too old token."""
    try:
        data = _serializer().loads(token, max_age=int(LINK_MAX_AGE.total_seconds()))
    except SignatureExpired:
        raise VoteRefused(EXPIRED_LINK) from None
    except BadSignature:
        raise VoteRefused(BAD_LINK) from None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int) or not isinstance(data.get("n"), str):
        raise VoteRefused(BAD_LINK)
    # The attempt with its choice, vote, cycle and category (what the pages name): one query.
    attempt = db.session.scalars(
        select(VoteAttempt)
        .where(VoteAttempt.id == data["a"])
        .options(
            joinedload(VoteAttempt.option),
            joinedload(VoteAttempt.vote).options(joinedload(PublicVote.cycle), joinedload(PublicVote.category)),
        )
    ).first()
    if attempt is None or attempt.token_digest is None or attempt.token_digest != digest(data["n"]):
        raise VoteRefused(BAD_LINK)
    if now - attempt.attempted_at > LINK_MAX_AGE:  # the clock the tests move, as well as the token's own
        raise VoteRefused(EXPIRED_LINK)
    return attempt, data["n"]


def pending(token: str, now: datetime | None = None) -> Pending:
    """What the link would vote for (reads, changes nothing); VoteRefused if it cannot be used."""
    now = now or utcnow()
    attempt, _nonce = _load(token, now)
    if attempt.outcome is AttemptOutcome.CONFIRMED or attempt.confirmed_at is not None:
        raise VoteRefused(USED_LINK)
    vote = attempt.vote
    if attempt.option is None or attempt.outcome is not AttemptOutcome.AWAITING:
        raise VoteRefused(BAD_LINK)
    state = vote_state(vote, now)
    if state is VoteState.CLOSED:
        raise VoteRefused(
            _(
                "Voting in %(name)s closed at %(value)s, so this link no longer works",
                name=NameShown(vote.category),
                value=govuk_datetime(vote.closes_at, vote.cycle.time_zone),
            )
        )
    if state is not VoteState.OPEN:
        raise VoteRefused(_("Voting in this category is not open"))
    if withdrawn_options([vote.id], attempt.option.id):
        raise VoteRefused(ENTRY_GONE)
    return Pending(attempt, vote, attempt.option)


def confirm_vote(token: str, *, client_ip: str | None, now: datetime | None = None) -> Confirmed:
    """Use the link: the address's ballot in the vote is cast, or replaced by this choice. Works once."""
    now = now or utcnow()
    found = pending(token, now)
    attempt, vote, option = found.attempt, found.vote, found.option
    # Claimed with one conditional UPDATE, so two clicks at the same moment cast one ballot.
    claimed = db.session.execute(
        update(VoteAttempt)
        .where(VoteAttempt.id == attempt.id, VoteAttempt.outcome == AttemptOutcome.AWAITING)
        .values(outcome=AttemptOutcome.CONFIRMED, confirmed_at=now)
        .execution_options(synchronize_session="evaluate")  # the attempt in hand takes the new values too
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        raise VoteRefused(USED_LINK)
    ballot, previous = _cast(vote, option, attempt, now)
    prefix = rules.ip_prefix(client_ip)
    audit.record(
        "vote.confirmed",
        obj=ballot,
        ip_as=prefix,
        vote=vote.id,
        attempt=attempt.id,
        voter=attempt.voter_key,
        ip_prefix=prefix,
        at=now.isoformat(),
        replaced=previous is not None,
    )
    return Confirmed(
        ballot, previous is not None, previous, vote.id, option.id, previous.id if previous is not None else None
    )


def _existing_ballot(vote: PublicVote, key: str) -> Ballot | None:
    return db.session.scalar(select(Ballot).where(Ballot.vote_id == vote.id, Ballot.voter_key == key).with_for_update())


def _cast(
    vote: PublicVote, option: VoteOption, attempt: VoteAttempt, now: datetime
) -> tuple[Ballot, VoteOption | None]:
    """The address's one ballot, made or replaced (uq_ballots_vote_id_voter_key settles a race: the
    loser of two first confirmations replaces the winner's ballot)."""
    ballot = _existing_ballot(vote, attempt.voter_key)
    if ballot is None:
        ballot = Ballot(
            vote_id=vote.id, option_id=option.id, voter_key=attempt.voter_key, attempt_id=attempt.id, cast_at=now
        )
        try:
            with db.session.begin_nested():
                db.session.add(ballot)
                db.session.flush()
            return ballot, None
        except IntegrityError:
            ballot = _existing_ballot(vote, attempt.voter_key)
            if ballot is None:  # pragma: no cover (the constraint named a row that is gone)
                raise
    previous = ballot.option
    ballot.option_id = option.id
    ballot.option = option
    ballot.attempt_id = attempt.id
    ballot.cast_at = now
    ballot.replaced_count = (ballot.replaced_count or 0) + 1
    db.session.flush()
    return ballot, previous


REMOVED = "removed"


def forget_voters(cycle_id: int) -> int:
    """Remove what identifies the voters of a cycle's votes (for the cycle's personal data removal): the
    attempts' hashed addresses and networks, the ballots' hashed addresses, and the same from the audit
    log's vote events. Counts, outcomes, refusals and domains stay, so results and patterns still read.
    Returns the number of attempts cleared."""
    vote_ids = select(PublicVote.id).where(PublicVote.cycle_id == cycle_id)
    attempt_ids = [str(i) for i in db.session.scalars(select(VoteAttempt.id).where(VoteAttempt.vote_id.in_(vote_ids)))]
    ballots = db.session.scalars(select(Ballot).where(Ballot.vote_id.in_(vote_ids))).all()
    ballot_ids = [str(b.id) for b in ballots]
    for ballot in ballots:
        ballot.voter_key = f"{REMOVED}-{ballot.id}"  # still one per vote (uq_ballots_vote_id_voter_key)
    db.session.execute(
        update(VoteAttempt)
        .where(VoteAttempt.vote_id.in_(vote_ids))
        .values(voter_key=REMOVED, ip_prefix=REMOVED)
        .execution_options(synchronize_session=False)
    )
    for object_type, ids in (("vote_attempts", attempt_ids), ("ballots", ballot_ids)):
        for start in range(0, len(ids), 900):
            events = db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.object_type == object_type,
                    AuditEvent.object_id.in_(ids[start : start + 900]),
                    AuditEvent.action.in_(VOTER_ACTIONS),
                )
            ).all()
            for event in events:
                event.ip = None
                event.detail = {k: v for k, v in (event.detail or {}).items() if k not in ("voter", "ip_prefix")}
    forget_confirmation_emails(vote_ids=list(db.session.scalars(vote_ids)))
    db.session.flush()
    return len(attempt_ids)


def link_token(body_text: str | None) -> str | None:
    """The token of the confirmation link a vote_confirm e-mail's text carries (None if there is none)."""
    found = _LINK_TOKEN.search(body_text or "")
    return found.group(1) if found else None


def _attempt_named(body_text: str | None) -> int | None:
    """The id of the attempt whose link a confirmation e-mail carries (None if the link is not there or its
    signature no longer holds, as after a change of SECRET_KEY: such a link cannot work)."""
    token = link_token(body_text)
    if token is None:
        return None
    try:
        data = _serializer().loads(token)  # the signature only: an expired link still names its attempt
    except BadSignature:
        return None
    return data.get("a") if isinstance(data, dict) and isinstance(data.get("a"), int) else None


def forget_confirmation_emails(now: datetime | None = None, *, vote_ids: list[int] | None = None) -> int:
    """Remove the confirmation e-mails whose links no longer work from the outbox, so that no voter's address
    stays there in clear: those of a vote that has closed (sent or not), and sent ones whose link was used or has
    expired (48 hours), or whose attempt is gone. A message not yet sent is never removed while its vote is open.
    With `vote_ids` (the cycle's personal data removal): every confirmation e-mail of those votes. Run by
    `flask outbox send` (cron, every few minutes) and by `forget_voters`. Returns how many were removed."""
    now = now or utcnow()
    messages = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.body_text, OutboxMessage.sent_at, OutboxMessage.created_at).where(
            OutboxMessage.kind == CONFIRM_EMAIL
        )
    ).all()
    if not messages:
        return 0
    named = {m.id: _attempt_named(m.body_text) for m in messages}
    ids = sorted({a for a in named.values() if a is not None})
    attempts: dict[int, tuple[int, AttemptOutcome, datetime, datetime]] = {}
    for start in range(0, len(ids), 900):
        for attempt_id, vote_id, outcome, attempted_at, closes_at in db.session.execute(
            select(
                VoteAttempt.id, VoteAttempt.vote_id, VoteAttempt.outcome, VoteAttempt.attempted_at, PublicVote.closes_at
            )
            .join(PublicVote, PublicVote.id == VoteAttempt.vote_id)
            .where(VoteAttempt.id.in_(ids[start : start + 900]))
        ):
            attempts[attempt_id] = (vote_id, AttemptOutcome(outcome), attempted_at, closes_at)
    gone = []
    for message in messages:
        named_id = named[message.id]
        found = attempts.get(named_id) if named_id is not None else None
        if vote_ids is not None:
            if found is not None and found[0] in vote_ids:
                gone.append(message.id)
            continue
        if found is None:  # no attempt (its vote withdrawn, or a link that cannot work): once surely delivered or dead
            dead = message.sent_at is not None or now - message.created_at > LINK_MAX_AGE
        else:
            _vote_id, outcome, attempted_at, closes_at = found
            closed = closes_at <= now
            used_or_expired = outcome is not AttemptOutcome.AWAITING or now - attempted_at > LINK_MAX_AGE
            dead = closed or (message.sent_at is not None and used_or_expired)
        if dead:
            gone.append(message.id)
    for start in range(0, len(gone), 900):
        db.session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.id.in_(gone[start : start + 900]))
            .execution_options(synchronize_session=False)
        )
    if gone:
        audit.record("vote.confirmation_emails_removed", object_type="outbox_messages", removed=len(gone))
    return len(gone)
