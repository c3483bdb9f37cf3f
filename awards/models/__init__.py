"""All models, imported here so Alembic and the app see the whole schema."""

from .audit import AuditEvent
from .outbox import OutboxMessage
from .users import Role, SignInFailure, User, UserRole

__all__ = ["AuditEvent", "OutboxMessage", "Role", "SignInFailure", "User", "UserRole"]
