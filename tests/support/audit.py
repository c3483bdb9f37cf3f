"""The audit log, for tests."""

from __future__ import annotations

import sqlalchemy as sa

from awards.extensions import db
from awards.models import AuditEvent


def audit_actions() -> list[str]:
    """Every audit event's action, oldest first."""
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def action_events(action: str) -> list[AuditEvent]:
    """The audit events of one action, oldest first."""
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))
