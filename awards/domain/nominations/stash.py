"""Keeping a form's input across a sign-in: if a session ends while someone types a long
section, what they sent is kept here and offered back to them once they have signed in.

Only for its author, and only on proof: the section page carries a *stash ticket* (signed with
the secret key: the user's id, a digest of their session token, the nomination's reference and
the section), and a post without a session is kept only when its ticket is valid for that page,
younger than the absolute session timeout, its session token has not changed since (signing out
and changing the password end the tickets with the sessions) and the account is still active. What is
kept is bounded (the section's own fields, each and all of them to a size) and counted per person
(one per section, replacing; `MAX_PER_USER` in all, the oldest dropped). The section's own fields
are the names its questions post under (web/entry_fields.own_fields)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError
from awards.extensions import db
from awards.models import FormStash, User

KEEP_FOR = timedelta(days=2)
MAX_PER_USER = 5  # kept copies a person may have waiting; one per section
# Names kept from one post: a section of the cycle's form may hold groups of up to 50 rows (the default
# form's outcomes section has 41 names, with its ten rows); the bytes below are the real bound.
MAX_FIELDS = 600
MAX_VALUES = 800  # values under those names (ticked trends and several choices share one name)
MAX_FIELD_BYTES = 100_000  # UTF-8 bytes in one answer: 5,000 words, the most a cycle allows, with room
MAX_TOTAL_BYTES = 200_000  # UTF-8 bytes in all of them
_SALT = "section-stash-ticket"


class StashRefused(DomainError):
    """The post cannot be kept; `http_status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.http_status = status


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _token_digest(user: User) -> str:
    return hashlib.sha256(user.session_token.encode()).hexdigest()[:16]


def issue_ticket(*, by: User, reference: str, section: str) -> str:
    """The ticket a section page carries, so a post from it can be kept if the session ends."""
    return _serializer().dumps([by.id, _token_digest(by), reference, section])


def check_ticket(ticket: str | None, *, reference: str, section: str) -> User:
    """The author the ticket was issued to, if it is valid for this section; else StashRefused."""
    refused = StashRefused(_("The stash ticket is missing, invalid, too old or for another page"))
    if not ticket or len(ticket) > 500:
        raise refused
    try:
        user_id, digest, ticket_reference, ticket_section = _serializer().loads(
            ticket, max_age=int(current_app.config["SESSION_ABSOLUTE_TIMEOUT"])
        )
    except (BadSignature, TypeError, ValueError):
        raise refused from None
    if (ticket_reference, ticket_section) != (reference, section) or not isinstance(user_id, int):
        raise refused
    user = db.session.get(User, user_id)
    if user is None or not user.active or not hmac.compare_digest(str(digest), _token_digest(user)):
        raise refused
    return user


def _key(user: User, path: str) -> str:
    """One row per person and page: the same section posted again replaces the copy kept."""
    return f"u{user.id}-" + hashlib.sha256(path.encode()).hexdigest()[:40]


def _bounded(data: dict[str, list[str]]) -> dict[str, list[str]]:
    too_long = StashRefused(_("What was sent is larger than we keep"), status=413)
    if len(data) > MAX_FIELDS or sum(len(values) for values in data.values()) > MAX_VALUES:
        raise too_long
    total = 0
    for values in data.values():
        for value in values:
            size = len(value.encode("utf-8", "replace"))
            total += size
            if size > MAX_FIELD_BYTES or total > MAX_TOTAL_BYTES:
                raise too_long
    return data


def stash_form(path: str, data: dict[str, list[str]], *, by: User) -> None:
    """Keep, for `by`, the section's fields sent to `path` (already filtered to the section's own names).
    Raises StashRefused (nothing kept) when they are larger than the bounds."""
    data = _bounded(data)
    now = utcnow()
    db.session.execute(delete(FormStash).where(FormStash.created_at < now - KEEP_FOR))
    key = _key(by, path)
    existing = db.session.get(FormStash, key)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    others = db.session.scalars(
        select(FormStash)
        .where(FormStash.token.like(f"u{by.id}-%"))
        .order_by(FormStash.created_at.desc(), FormStash.token)
    ).all()
    for old in others[MAX_PER_USER - 1 :]:
        db.session.delete(old)
    db.session.add(FormStash(token=key, path=path[:300], data=data, created_at=now))
    db.session.flush()


def take_stash(path: str, *, by: User) -> dict[str, Any] | None:
    """The input kept for `by` at `path` (once: it is deleted), or None."""
    stash = db.session.get(FormStash, _key(by, path))
    if stash is None:
        return None
    data = stash.data
    db.session.delete(stash)
    if stash.created_at < utcnow() - KEEP_FOR or stash.path != path[:300]:
        return None
    return data


def stashes_of(user: User) -> list[FormStash]:
    """Every copy kept for the person (for their data export)."""
    return list(
        db.session.scalars(
            select(FormStash).where(FormStash.token.like(f"u{user.id}-%")).order_by(FormStash.created_at)
        )
    )


def forget_stashes_of(user: User) -> None:
    """Delete every copy kept for the person (their account is being deleted)."""
    db.session.execute(delete(FormStash).where(FormStash.token.like(f"u{user.id}-%")))
