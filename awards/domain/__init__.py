"""Business rules as plain functions. They take the acting user explicitly,
never read the request, the session or current_user, flush but never commit,
and raise DomainError subclasses that the web layer turns into messages."""
