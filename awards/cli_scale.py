"""`flask seed-scale`: a realistic data set at scale for benchmarks and load tests."""

from __future__ import annotations

import time

import click
from flask import Flask

from awards.devdata import scale
from awards.domain.core.errors import DomainError
from awards.extensions import db


def register_scale_cli(app: Flask) -> None:
    @app.cli.command("seed-scale")
    @click.option("--nominations", default=10_000, show_default=True, help="Nominations in the cycle being judged.")
    @click.option("--judges", default=300, show_default=True, help="Judges of that cycle (3 or more).")
    @click.option(
        "--cases",
        default=1_000,
        show_default=True,
        help="Public impact cases, spread over earlier cycles with published results.",
    )
    @click.option("--seed", default=1, show_default=True, help="Random seed: the same seed gives the same data.")
    @click.option(
        "--custom-form",
        is_flag=True,
        help=f"Every cycle asks a designed form of {scale.CUSTOM_FORM_QUESTIONS} questions (a repeating group, "
        "a section for one category, a conditional question) instead of the default form.",
    )
    def seed_scale(nominations: int, judges: int, cases: int, seed: int, custom_form: bool) -> None:
        """Fill an empty database with a cycle in judging (every section filled, 1–3 trends, 3 submitted
        reviews per nomination), earlier published cycles with impact cases, and accounts to sign in with."""
        if nominations < 1 or judges < scale.REVIEWS_PER_NOMINATION or cases < 0:
            raise click.BadParameter(
                f"give at least 1 nomination, {scale.REVIEWS_PER_NOMINATION} judges and 0 or more cases"
            )
        started = time.perf_counter()
        try:
            summary = scale.seed_scale(
                nominations=nominations, judges=judges, cases=cases, seed=seed, custom_form=custom_form
            )
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(
            f"Built {summary.nominations:,} nominations, {summary.judges:,} judges, {summary.reviews:,} "
            f"reviews and {summary.impact_cases:,} impact cases in {time.perf_counter() - started:.1f} s."
        )
        if custom_form:
            click.echo(f"Every cycle asks the custom form of {scale.CUSTOM_FORM_QUESTIONS} questions.")
        click.echo(
            f"Cycle being judged: {summary.cycle_slug}; published: {', '.join(summary.published_cycle_slugs) or 'none'}"
        )
        click.echo("Sign in with (password in brackets):")
        for account in summary.accounts:
            click.echo(f"  {account.role:<10} {account.email}  ({account.password})")
