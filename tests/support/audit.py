"""The audit log, for tests."""

from __future__ import annotations

import sqlalchemy as sa

from awards.extensions import db
from awards.models import AuditEvent


def audit_actions() -> list[str]:
    """Every audit event's action, oldest first."""
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
