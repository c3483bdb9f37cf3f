"""One commit path: a view runs a domain action through `attempt`.

On success the session is committed once and the action's value comes back. On a DomainError the
session is rolled back and the message goes where the view asks: on a form field (so the GOV.UK
error summary links to it), into a flash, or to `on_error` for anything special; `Outcome.status`
gives the HTTP status the error stands for (NotFound 404, NotAllowed 403, Conflict 409, other 400)
for a view that answers with one.

    done = attempt(lambda: rules.remove_conflict(conflict, reason=..., by=current_user),
                   form=form, field="reason")
    if done:
        flash("Conflict removed", "success")
        return redirect(back)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash
from flask_wtf import FlaskForm

from awards.domain.core.errors import Conflict, DomainError, NotAllowed, NotFound
from awards.extensions import db
from awards.web.helpers import apply_domain_error

T = TypeVar("T")

STATUS_FOR: tuple[tuple[type[DomainError], int], ...] = ((NotFound, 404), (NotAllowed, 403), (Conflict, 409))


def status_for(error: DomainError) -> int:
    """The HTTP status a domain error stands for."""
    return next((status for kind, status in STATUS_FOR if isinstance(error, kind)), 400)


@dataclass
class Outcome(Generic[T]):
    """What a domain action gave: its value, or the DomainError that stopped it (true when it worked)."""

    value: T | None = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str | None:
        return None if self.error is None else self.error.message

    @property
    def status(self) -> int:
        return 200 if self.error is None else status_for(self.error)


def attempt(
    action: Callable[[], T],
    *,
    form: FlaskForm | None = None,
    field: str | None = None,
    flash_as: str | None = None,
    on_error: Callable[[DomainError], object] | None = None,
    catch: type[DomainError] | tuple[type[DomainError], ...] = DomainError,
    commit_on_error: bool = False,
) -> Outcome[T]:
    """Run `action`; commit once if it worked. On an error of the kind `catch` names, roll back (or,
    with `commit_on_error`, keep what the action recorded about the failure, such as a failed sign-in
    count), call `on_error`, put the message on `form` (on the field the error names, else `field`,
    else the first) and flash it under `flash_as`. Errors of other kinds pass through."""
    try:
        value = action()
    except catch as error:
        if commit_on_error:
            db.session.commit()
        else:
            db.session.rollback()
        if on_error is not None:
            on_error(error)
        if form is not None:
            apply_domain_error(form, error, field)
        if flash_as is not None:
            flash(error.message, flash_as)
        return Outcome(error=error)
    db.session.commit()
    return Outcome(value=value)
