"""Errors raised by domain functions; views turn them into form errors or status codes."""


class DomainError(Exception):
    """A rule was broken. The message is written for the person who acted."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class NotAllowed(DomainError):
    """The acting user may not do this."""


class NotFound(DomainError):
    """The thing does not exist (or the acting user may not know it exists)."""


class Conflict(DomainError):
    """Someone else changed the thing first, or it is already in the asked state."""
