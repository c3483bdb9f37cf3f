"""People: a user (a nominee, and a judge or an organiser if told) in one call, with a known password."""

from __future__ import annotations

from contextlib import nullcontext
from unittest import mock

from awards.domain.people import accounts
from awards.extensions import db
from awards.models import Role, User
from tests.factories.sequence import counter

DEFAULT_PASSWORD = "correct horse battery staple"
# The people of the role fixtures (tests/conftest.py: `nominee`, `judge`, `organiser`), for worlds that make them
# without the fixtures (tests/web/conftest.py's `matrix_world`)
ROLE_PEOPLE = {
    "nominee": {"name": "Nina Nominee", "email": "nina@riverside.gov.uk"},
    "judge": {"name": "Jo Judge", "email": "jo@judging.example.org", "roles": ("judge",)},
    "organiser": {"name": "Omar Organiser", "email": "omar@awards.example.org", "roles": ("organiser",)},
}


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
    # The default password passes the strength check (tests/web/test_accounts.py,
    # test_the_factories_default_password_passes_the_strength_check): skipping zxcvbn for it saves about 14 ms a
    # user, thousands of times a run. Any other password is checked as the app checks it.
    skip_check = mock.patch.object(accounts, "_check_password") if password == DEFAULT_PASSWORD else nullcontext()
    with skip_check:
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
