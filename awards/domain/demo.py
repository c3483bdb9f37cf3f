"""Demo data for `make run` and `flask seed-demo`: idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..models import Role, User
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


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count(User.id)))


def present_accounts() -> list[DemoAccount]:
    """The demo accounts that exist and still have their demo password."""
    from .passwords import verify_password
    present = []
    for account in DEMO_ACCOUNTS:
        user = accounts.find_user_by_email(account.email)
        if user is not None and verify_password(user.password_hash, account.password):
            present.append(account)
    return present
