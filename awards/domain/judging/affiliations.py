"""A judge's affiliations: the organisations they work for (besides the one they give as theirs),
worked for in the last few years, or partner with closely. They tell us when they accept an
invitation and can change them on their judging profile; conflicts of interest are found from them
(`domain/judging/conflicts.py`), as from their own organisation.

They belong to the person, not to one cycle (as expertise does), so next year's invitation starts
from what they told us this year. Each list is typed as one organisation a line.
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError
from awards.domain.judging.conflicts import normalise_organisation
from awards.extensions import db
from awards.models import Affiliation, AffiliationKind, User

MAX_PER_KIND = 20
NAME_MAX_LENGTH = 200

# What each list is about, in the judge's words (for error messages).
# Too many names in a list, by the list's kind
_TOO_MANY = {
    AffiliationKind.WORKS_FOR: _l("Enter %(max)s organisations or fewer that you work for"),
    AffiliationKind.WORKED_FOR: _l("Enter %(max)s organisations or fewer that you have worked for"),
    AffiliationKind.PARTNERS_WITH: _l("Enter %(max)s organisations or fewer that you partner with"),
}


def field_name(kind: AffiliationKind) -> str:
    """The form field that carries one kind's list (works_for, worked_for, partners_with)."""
    return kind.value


def _shorten(text: str, length: int = 40) -> str:
    return text if len(text) <= length else text[:length].rstrip() + "…"


def parse_list(text: str | None, kind: AffiliationKind) -> list[str]:
    """The organisations in one list: one a line, blank lines ignored, each once (by normalised name,
    the first spelling kept). Raises DomainError (on the list's field) for a name that is too long,
    one that says nothing we can match, or too many names."""
    names: list[str] = []
    seen: set[str] = set()
    for line in (text or "").splitlines():
        name = " ".join(line.split())
        if not name:
            continue
        if len(name) > NAME_MAX_LENGTH:
            raise DomainError(
                _(
                    "Each organisation must be %(max)s characters or fewer: shorten ‘%(name)s’",
                    max=format_decimal(NAME_MAX_LENGTH),
                    name=_shorten(name),
                ),
                field=field_name(kind),
            )
        key = normalise_organisation(name)
        if not key:
            raise DomainError(
                _(
                    "‘%(name)s’ does not say which organisation: give its full name, for example Riverside Council",
                    name=_shorten(name),
                ),
                field=field_name(kind),
            )
        if key in seen:
            continue
        seen.add(key)
        names.append(name)
    if len(names) > MAX_PER_KIND:
        raise DomainError(str(_TOO_MANY[kind]) % {"max": format_decimal(MAX_PER_KIND)}, field=field_name(kind))
    return names


def parse(texts: dict[str, str | None]) -> dict[AffiliationKind, list[str]]:
    """Every list from the form's fields ({"works_for": "…", …}); a list not given is empty."""
    return {kind: parse_list(texts.get(field_name(kind)), kind) for kind in AffiliationKind}


def affiliations_of(user: User | None) -> list[Affiliation]:
    """The person's affiliations, by kind (in AffiliationKind's order) and then as they typed them."""
    if user is None or user.id is None:
        return []
    order = {kind: i for i, kind in enumerate(AffiliationKind)}
    rows = db.session.scalars(select(Affiliation).where(Affiliation.user_id == user.id)).all()
    return sorted(rows, key=lambda a: (order[a.kind], a.position, a.id))


def grouped(user: User | None) -> list[tuple[AffiliationKind, list[str]]]:
    """[(kind, [names])] for every kind, in order, for showing them (lists may be empty)."""
    names: dict[AffiliationKind, list[str]] = {kind: [] for kind in AffiliationKind}
    for affiliation in affiliations_of(user):
        names[affiliation.kind].append(affiliation.name)
    return list(names.items())


def as_texts(user: User | None) -> dict[str, str]:
    """The lists as the form shows them: one organisation a line."""
    return {field_name(kind): "\n".join(names) for kind, names in grouped(user)}


def set_affiliations(user: User, texts: dict[str, str | None], *, by: User) -> bool:
    """Replace the person's affiliations with the lists given; True if anything changed (audited).
    An organisation kept under the same kind keeps the time it was first recorded."""
    wanted = parse(texts)
    current = affiliations_of(user)
    if [(a.kind, a.name) for a in current] == [(kind, name) for kind, names in wanted.items() for name in names]:
        return False
    first_recorded = {(a.kind, normalise_organisation(a.name)): a.created_at for a in current}
    now = utcnow()
    db.session.execute(
        delete(Affiliation).where(Affiliation.user_id == user.id).execution_options(synchronize_session="fetch")
    )
    for kind, names in wanted.items():
        for position, name in enumerate(names):
            db.session.add(
                Affiliation(
                    user_id=user.id,
                    kind=kind,
                    name=name,
                    position=position,
                    created_at=first_recorded.get((kind, normalise_organisation(name)), now),
                )
            )
    db.session.flush()
    # Typed Any as mypy cannot tell that these keys (the kinds' field names) are none of record()'s parameters.
    lists: dict[str, Any] = {field_name(kind): names for kind, names in wanted.items()}
    audit.record("judge.affiliations_changed", actor=by, obj=user, **lists)
    return True
