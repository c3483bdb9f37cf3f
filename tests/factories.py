"""Build users (and, as the app grows, cycles, nominations, assignments) in one call each."""

from __future__ import annotations

import itertools

from awards.domain import accounts
from awards.extensions import db
from awards.models import Role, User

DEFAULT_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(*, email: str | None = None, name: str | None = None, roles=("nominee",),
              organisation: str = "Testshire County Council", password: str = DEFAULT_PASSWORD,
              verified: bool = True) -> User:
    n = next(_counter)
    role_values = tuple(Role(r) if not isinstance(r, Role) else r for r in roles)
    if Role.NOMINEE not in role_values:
        role_values = (Role.NOMINEE, *role_values)
    user = accounts.create_user(email=email or f"person{n}@testshire.gov.uk", name=name or f"Person {n}",
                                organisation=organisation, password=password, roles=role_values,
                                verified=verified)
    db.session.commit()
    return user
