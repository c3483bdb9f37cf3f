"""Recording decisions in the audit log."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEvent, User
from .clock import utcnow
from .context import request_info


def record(action: str, *, actor: User | None = None, obj: Any = None,
           object_type: str | None = None, object_id: Any = None, **detail: Any) -> AuditEvent:
    """Add an audit event for `action` by `actor` on `obj` (or object_type/object_id); flushes nothing."""
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
        ip=info.ip,
        request_id=info.request_id,
    )
    db.session.add(event)
    return event
