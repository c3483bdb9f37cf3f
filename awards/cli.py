"""Flask commands; each a thin call into domain/."""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from awards.config import database_not_migrated, database_unreachable
from awards.devdata import demo
from awards.domain.core.errors import DomainError
from awards.domain.core.mail import deliver_pending
from awards.domain.nominations import draft_reminders
from awards.domain.people import accounts
from awards.domain.programme import default_translations, taxonomy
from awards.domain.voting.ballots import forget_confirmation_emails
from awards.extensions import db
from awards.models import Role

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
    """Every `flask` command of the app, a group of them at a time; a database that cannot be opened is
    then explained the same way by each."""
    _register_accounts(app)
    _register_demo(app)
    _register_judging_and_reminders(app)
    _register_trends(app)
    _register_default_translations(app)
    from awards.cli_backup import register_backup_cli

    register_backup_cli(app)
    from awards.cli_scale import register_scale_cli

    register_scale_cli(app)
    _register_outbox(app)
    _explain_database_errors(app.cli)


def _register_accounts(app: Flask) -> None:
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
            user = accounts.create_user(
                email=email, name=name, password=password, organisation=organisation, roles=roles, verified=True
            )
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
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


def _register_demo(app: Flask) -> None:
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


def _register_judging_and_reminders(app: Flask) -> None:
    @app.cli.command("assign")
    @click.argument("cycle_slug")
    @click.option(
        "--round",
        "round_number",
        type=click.IntRange(min=1),
        default=None,
        help="The judging round to assign (its number; by default the cycle's current round).",
    )
    @click.option("--dry-run", is_flag=True, help="Work out and print the assignment, but save nothing.")
    def assign(cycle_slug: str, round_number: int | None, dry_run: bool) -> None:
        """Assign judges to the entries of a judging round of the cycle CYCLE_SLUG (the min-cost flow
        the organiser's "Run assignment" uses), print the summary, and save it unless --dry-run."""
        from awards.domain.judging import rounds
        from awards.domain.judging.assignment import solver
        from awards.models import Cycle

        cycle = db.session.scalar(select(Cycle).where(Cycle.slug == cycle_slug))
        if cycle is None:
            raise click.ClickException(f"No award cycle with the web address {cycle_slug}")
        if round_number is None:
            judging_round = rounds.current_round(cycle)
        else:
            found = rounds.round_numbered(cycle, round_number)
            if found is None:
                count = len(cycle.rounds)
                raise click.ClickException(
                    f"{cycle.name} has no round {round_number}: it judges in {count} "
                    f"{'round' if count == 1 else 'rounds'}"
                )
            judging_round = found
        result = solver.propose(judging_round)
        for line in result.summary_lines():
            click.echo(line)
        if dry_run:
            click.echo("Dry run: nothing was saved.")
            return
        try:
            counts = solver.apply(result, by=None)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(
            f"Saved: {counts['added']} added, {counts['removed']} removed, "
            f"{counts['kept'] + counts['fixed']} unchanged."
        )

    @app.cli.command("remind-drafts")
    @click.option(
        "--days",
        type=click.IntRange(min=0),
        default=draft_reminders.DEFAULT_DAYS,
        show_default=True,
        help="Remind the drafts of cycles whose nominations close within this many days.",
    )
    @click.option("--dry-run", is_flag=True, help="Say how many reminders would be sent, but send none.")
    def remind_drafts(days: int, dry_run: bool) -> None:
        """E-mail each nominee whose nomination is still a draft, once per nomination, when its cycle's
        nominations close within --days days (run it daily from cron). One line per open cycle."""
        try:
            reports = draft_reminders.remind_open_cycles(within_days=days, dry_run=dry_run)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        if not reports:
            click.echo("No cycle is open for nominations: no reminders sent.")
        for report in reports:
            click.echo(report.line(dry_run=dry_run))


def _register_outbox(app: Flask) -> None:
    outbox = click.Group("outbox", help="The e-mail outbox.")
    app.cli.add_command(outbox)

    @outbox.command("send")
    def outbox_send() -> None:
        """Deliver every queued e-mail (failed ones are tried again), after removing People's Choice confirmation
        e-mails whose links no longer work."""
        # First the People's Choice confirmations whose links no longer work (none is sent after its vote's close):
        # no voter's address stays in the outbox.
        removed = forget_confirmation_emails()
        db.session.commit()
        sent, failed = deliver_pending()
        click.echo(f"{sent} sent, {failed} failed")
        if removed:
            click.echo(f"{removed} People’s Choice confirmation emails removed (their links no longer work)")
        if failed:
            sys.exit(1)


def _explain_database_errors(group: click.Group) -> None:
    """Every command of the app: a database that cannot be opened is one line naming DATABASE_URL,
    not a traceback (`flask db …` gets the same from migrations/env.py)."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _explain_database_errors(command)
        elif command.callback is not None and not getattr(command.callback, "_explains_database_errors", False):
            command.callback = _with_database_explained(command.callback)


def _with_database_explained(callback):
    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except (OperationalError, ProgrammingError) as error:
            uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
            text = str(error.orig).lower()
            if "no such table" in text or ("relation" in text and "does not exist" in text):
                raise database_not_migrated(uri) from None
            if not _is_unreachable(text):
                raise
            raise database_unreachable(uri, error) from None

    run._explains_database_errors = True  # type: ignore[attr-defined]
    return run


def _is_unreachable(text: str) -> bool:
    """Connection refused, unknown host or database, or a SQLite file that cannot be opened."""
    return any(
        s in text
        for s in (
            "connection failed",
            "could not connect",
            "unable to open database file",
            "does not exist",
            "could not translate host name",
            "connection refused",
            "password authentication failed",
        )
    )


def _read_text(file: str) -> str:
    """The file's text, or an error that says plainly why it cannot be read."""
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise click.ClickException(f"Cannot read {file}: there is no such file") from None
    except IsADirectoryError:
        raise click.ClickException(f"Cannot read {file}: it is a folder, not a file") from None
    except PermissionError:
        raise click.ClickException(f"Cannot read {file}: permission denied") from None
    except UnicodeDecodeError:
        raise click.ClickException(f"Cannot read {file}: it is not UTF-8 text") from None
    except OSError as error:
        raise click.ClickException(f"Cannot read {file}: {error.strerror or error}") from None


def _write_text(file: str, text: str) -> None:
    """Write through a temporary file and rename it, so a failure never leaves half a file."""
    target = Path(file)
    if target.is_dir():
        raise click.ClickException(f"Cannot write {file}: it is a folder")
    handle = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        ) as handle:
            handle.write(text)
        os.replace(handle.name, target)
    except OSError as error:
        if handle is not None:
            Path(handle.name).unlink(missing_ok=True)
        raise click.ClickException(f"Cannot write {file}: {error.strerror or error}") from None


def _register_trends(app: Flask) -> None:
    trends = AppGroup("trends", help="The trend taxonomy: export it to JSON, or import it from JSON.")
    app.cli.add_command(trends)

    @trends.command("export")
    @click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
    def trends_export(file: str) -> None:
        """Write every trend (retired ones too) to FILE as JSON; "-" writes to standard output."""
        data = taxonomy.export_trends()
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if file == "-":
            click.echo(text, nl=False)
            return
        _write_text(file, text)
        click.echo(f"Exported {len(data['trends'])} trends to {file}")

    @trends.command("import")
    @click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
    @click.option("--dry-run", is_flag=True, help="Check the file and report what would change, changing nothing.")
    def trends_import(file: str, dry_run: bool) -> None:
        """Add or update trends from a JSON export in FILE, matched by code. All or nothing: if any
        trend in the file has a problem, no trend is changed."""
        text = _read_text(file)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise click.ClickException(
                f"{file} is not valid JSON: {error.msg} at line {error.lineno}, "
                f"column {error.colno}. Nothing was imported."
            ) from None
        try:
            added, updated = taxonomy.import_trends(data)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        except SQLAlchemyError as error:
            db.session.rollback()
            raise click.ClickException(
                f"The database refused the import, so nothing was imported: {error.__class__.__name__}"
            ) from None
        if dry_run:
            db.session.rollback()
            click.echo(
                f"The file is fine: importing it would add {added} and update {updated} trends. Nothing was changed."
            )
            return
        db.session.commit()
        click.echo(f"Imported {added + updated} trends from {file}: {added} added, {updated} updated")


def _register_default_translations(app: Flask) -> None:
    @app.cli.command("add-default-translations")
    @click.option("--dry-run", is_flag=True, help="Report what would be added, changing nothing.")
    def add_default_translations(dry_run: bool) -> None:
        """Give existing trends and cycles the default content's words in the service's other languages (for a
        deployment made before they shipped): only for a text that still reads as the default's, in the languages
        the service offers, and never over a translation already stored. Where the default language is not
        English, a default text still in the defaults' English first takes that language's words."""
        counts = default_translations.add_everywhere()
        summary = (
            f"{counts['trend_texts']} texts of the trends and {counts['cycle_texts']} texts of "
            f"{counts['cycles']} cycles"
        )
        moved = counts["default_language_texts"]
        if moved:
            language = app.config["DEFAULT_LANGUAGE"]
            summary += f", after putting {moved} texts still in the defaults' English into {language}"
        if dry_run:
            db.session.rollback()
            click.echo(f"Would add the default translations of {summary}. Nothing was changed.")
            return
        db.session.commit()
        click.echo(f"Added the default translations of {summary}.")
