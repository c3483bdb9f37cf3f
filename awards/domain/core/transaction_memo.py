"""Answers kept for the rest of a transaction that has written nothing.

A page can ask the same question of the database more than once on its way (whether a judge is conflicted with an
entry: when the assignment is found, again in the shared predicate, again in the save's own check; whether the
person judges any cycle: for the judging pages' guard and for the navigation). `kept_in_transaction(key, compute)`
computes the answer once and gives it again while the session's transaction has no change of its own, pending or
written: any flush, commit or rollback forgets every kept answer, and nothing is kept while the session holds a
change not yet flushed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from awards.extensions import db

T = TypeVar("T")
_KEPT = "awards.kept_in_transaction"


def _has_changes(session: Session) -> bool:
    return bool(session.new or session.dirty or session.deleted)


def kept_in_transaction(key: Hashable, compute: Callable[[], T]) -> T:
    session = db.session()
    if _has_changes(session):
        return compute()
    kept: dict[Hashable, T] = session.info.setdefault(_KEPT, {})
    if key in kept:
        return kept[key]
    value = compute()
    if not _has_changes(session):
        session.info.setdefault(_KEPT, {})[key] = value
    return value


def forget_kept_answers(session: Session, *_args: object) -> None:
    """Forget every answer kept in the session's transaction (as a write does): for a caller that has just learnt
    the data may have changed since they were asked (a data version read after them)."""
    session.info.pop(_KEPT, None)


def install_transaction_memo() -> None:
    """Forget the kept answers whenever a session writes or its transaction ends (installed once)."""
    session_class = db.session.session_factory.class_
    for name in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
        if not event.contains(session_class, name, forget_kept_answers):
            event.listen(session_class, name, forget_kept_answers)
