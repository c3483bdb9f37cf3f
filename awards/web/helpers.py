"""Small helpers views share."""

from __future__ import annotations

from flask_wtf import FlaskForm

from ..domain.errors import DomainError


def apply_domain_error(form: FlaskForm, error: DomainError, default_field: str | None = None) -> None:
    """Show a domain error against the field it names (or the first field) so the error summary links to it."""
    name = error.field if error.field and error.field in form else default_field
    if name is None:
        name = next(iter(form._fields))
    field = form[name]
    field.errors = list(field.errors) + [error.message]
