"""Keeping a form's input across a sign-in: if a session ends while someone types a long
section, what they sent is kept here and offered back to them once they have signed in."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from ..extensions import db
from ..models import FormStash
from .clock import utcnow

KEEP_FOR = timedelta(days=2)


def stash_form(path: str, data: dict[str, Any]) -> str:
    """Keep the input sent to `path`; return the token to remember it by."""
    db.session.execute(delete(FormStash).where(FormStash.created_at < utcnow() - KEEP_FOR))
    token = secrets.token_urlsafe(32)
    db.session.add(FormStash(token=token, path=path[:300], data=data, created_at=utcnow()))
    return token


def take_stash(token: str | None, path: str) -> dict[str, Any] | None:
    """The input kept under `token` for `path` (once: it is deleted), or None."""
    if not token:
        return None
    stash = db.session.get(FormStash, token)
    if stash is None or stash.path != path or stash.created_at < utcnow() - KEEP_FOR:
        return None
    data = stash.data
    db.session.delete(stash)
    return data
