"""People: a user (a nominee, and a judge or an organiser if told) in one call, with a known password."""

from __future__ import annotations

from awards.domain.people import accounts
from awards.extensions import db
from awards.models import Role, User
from tests.factories.sequence import counter

DEFAULT_PASSWORD = "correct horse battery staple"


def make_user(
    *,
    email: str | None = None,
    name: str | None = None,
    roles=("nominee",),
    organisation: str = "Testshire County Council",
    password: str = DEFAULT_PASSWORD,
    verified: bool = True,
) -> User:
    n = next(counter)
    role_values = tuple(Role(r) if not isinstance(r, Role) else r for r in roles)
    if Role.NOMINEE not in role_values:
        role_values = (Role.NOMINEE, *role_values)
    user = accounts.create_user(
        email=email or f"person{n}@testshire.gov.uk",
        name=name or f"Person {n}",
        organisation=organisation,
        password=password,
        roles=role_values,
        verified=verified,
    )
    db.session.commit()
    return user
