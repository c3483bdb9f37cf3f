"""Demo data for `make run` and `flask seed-demo`: idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Role
from . import accounts


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    name: str
    organisation: str
    password: str


DEMO_ACCOUNTS = (
    DemoAccount(Role.ORGANISER, "organiser@demo.example.org", "Olivia Organiser", "Awards Office",
                "organiser-demo-password"),
    DemoAccount(Role.JUDGE, "judge@demo.example.org", "Jamal Judge", "Northshire Digital Partnership",
                "judge-demo-password"),
    DemoAccount(Role.NOMINEE, "nominee@demo.example.org", "Nadia Nominee", "Riverside Borough Council",
                "nominee-demo-password"),
)


def seed_demo() -> bool:
    """Create the demo accounts that do not exist yet; return True if anything was created."""
    created = False
    for account in DEMO_ACCOUNTS:
        if accounts.find_user_by_email(account.email):
            continue
        roles = (Role.NOMINEE,) if account.role is Role.NOMINEE else (Role.NOMINEE, account.role)
        accounts.create_user(email=account.email, name=account.name, organisation=account.organisation,
                             password=account.password, roles=roles, verified=True)
        created = True
    return created
