"""Recording decisions in the audit log (a table), and one log line per decision once it commits."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event as sa_event

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.logging_setup import log_event
from awards.models import AuditEvent, User
from awards.request_context import request_info


def record(
    action: str,
    *,
    actor: User | None = None,
    obj: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    ip_as: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event for `action` by `actor` on `obj` (or object_type/object_id); flushes nothing.
    `ip_as` stores that instead of the request's client address (an anonymous voter's network prefix:
    the log of a public vote keeps no one's full address)."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    info = request_info()
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        detail=detail,
        ip=ip_as if ip_as is not None else info.ip,
        request_id=info.request_id,
    )
    db.session.add(event)
    db.session.info.setdefault("audit_log_lines", []).append(
        (action, event.actor_id, object_type, event.object_id, dict(detail))
    )
    return event


log = logging.getLogger(__name__)


def _log_after_commit(session) -> None:
    # Only decisions that were kept are logged; the details are the audit row's own.
    for action, actor_id, object_type, object_id, detail in session.info.pop("audit_log_lines", []):
        obj = f"{object_type}:{object_id}" if object_type and object_id is not None else object_type
        log_event(log, action, actor=actor_id, object=obj, **{f"detail.{k}": v for k, v in detail.items()})


def _forget_after_rollback(session) -> None:
    session.info.pop("audit_log_lines", None)


def install_audit_log() -> None:
    """Log each audit event after its transaction commits (installed once)."""
    session_class = db.session.session_factory.class_
    for name, hook in (("after_commit", _log_after_commit), ("after_rollback", _forget_after_rollback)):
        if not sa_event.contains(session_class, name, hook):
            sa_event.listen(session_class, name, hook)
