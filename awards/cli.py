"""Flask commands; each a thin call into domain/."""

from __future__ import annotations

import sys

import click
from flask import Flask

from .domain import accounts, demo
from .domain.errors import DomainError
from .domain.mail import deliver_pending
from .extensions import db
from .models import Role

ROLE_CHOICE = click.Choice([r.value for r in Role])


def _read_password() -> str:
    if not sys.stdin.isatty():
        # Piped: the first line is the password (a second line, if any, must match it).
        lines = sys.stdin.read().splitlines()
        if not lines:
            raise click.ClickException("No password given on standard input")
        if len(lines) > 1 and lines[1] and lines[1] != lines[0]:
            raise click.ClickException("The two passwords do not match")
        return lines[0]
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


def register_cli(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--name", required=True, help="The person's full name.")
    @click.option("--role", "role", type=ROLE_CHOICE, default=Role.NOMINEE.value, show_default=True)
    @click.option("--organisation", default="", help="Their organisation.")
    def create_user(email: str, name: str, role: str, organisation: str) -> None:
        """Create an account (e-mail confirmed) with a role; asks for the password twice."""
        password = _read_password()
        roles = (Role.NOMINEE,) if role == Role.NOMINEE.value else (Role.NOMINEE, Role(role))
        try:
            user = accounts.create_user(email=email, name=name, password=password, organisation=organisation,
                                        roles=roles, verified=True)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message)
        db.session.commit()
        click.echo(f"Created {user.email} with roles: {', '.join(r.value for r in user.role_set)}")

    @app.cli.command("grant-role")
    @click.argument("email")
    @click.argument("role", type=click.Choice([Role.JUDGE.value, Role.ORGANISER.value, Role.NOMINEE.value]))
    def grant_role(email: str, role: str) -> None:
        """Give an existing account the judge or organiser role."""
        user = accounts.find_user_by_email(email)
        if user is None:
            raise click.ClickException(f"No account with the email address {email}")
        if accounts.grant_role(user, Role(role)):
            db.session.commit()
            click.echo(f"{user.email} is now a {role}")
        else:
            click.echo(f"{user.email} already has the {role} role")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database has no accounts yet.")
    def seed_demo(if_empty: bool) -> None:
        """Load the demo data (safe to run again: what exists is kept)."""
        if if_empty and not demo.database_is_empty():
            click.echo("The database already has data: demo data not loaded.")
        else:
            created = demo.seed_demo()
            db.session.commit()
            click.echo("Demo data loaded." if created else "Demo data already present.")
        present = demo.present_accounts()
        if present:
            click.echo("Demo sign-ins (password in brackets):")
            for account in present:
                click.echo(f"  {account.role.value:<10} {account.email}  ({account.password})")

    outbox = click.Group("outbox", help="The e-mail outbox.")
    app.cli.add_command(outbox)

    @outbox.command("send")
    def outbox_send() -> None:
        """Deliver every queued e-mail (failed ones are tried again)."""
        sent, failed = deliver_pending()
        click.echo(f"{sent} sent, {failed} failed")
        if failed:
            sys.exit(1)
