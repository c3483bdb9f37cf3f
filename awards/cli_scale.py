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
    @click.option(
        "--rounds",
        type=click.IntRange(1, 2),
        default=1,
        show_default=True,
        help="Judging rounds of the cycle being judged. 2: round 1 over every entry (closed, every review "
        "submitted), then a final round 2 judging the finalists with a smaller panel (open, some reviews).",
    )
    @click.option(
        "--finalists",
        type=click.IntRange(min=1),
        default=500,
        show_default=True,
        help="With --rounds 2: entries advanced from round 1 into round 2 (the top of each category).",
    )
    @click.option(
        "--first-round",
        type=click.Choice(scale.FIRST_ROUND_MODES),
        default="pass_fail",
        show_default=True,
        help="With --rounds 2: how round 1 is judged (pass, fail or unsure verdicts, or scores).",
    )
    def seed_scale(
        nominations: int,
        judges: int,
        cases: int,
        seed: int,
        custom_form: bool,
        rounds: int,
        finalists: int,
        first_round: str,
    ) -> None:
        """Fill an empty database with a cycle in judging (every section filled, 1–3 trends, 3 submitted
        reviews per nomination), earlier published cycles with impact cases, and accounts to sign in with."""
        if nominations < 1 or judges < scale.REVIEWS_PER_NOMINATION or cases < 0:
            raise click.BadParameter(
                f"give at least 1 nomination, {scale.REVIEWS_PER_NOMINATION} judges and 0 or more cases"
            )
        if rounds == 2 and finalists > nominations:
            raise click.BadParameter("advance no more finalists than there are nominations", param_hint="--finalists")
        started = time.perf_counter()
        try:
            summary = scale.seed_scale(
                nominations=nominations,
                judges=judges,
                cases=cases,
                seed=seed,
                custom_form=custom_form,
                rounds=rounds,
                finalists=finalists,
                first_round_mode=first_round,
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
        if summary.rounds == 2:
            mode = "pass/fail verdicts" if summary.first_round_mode == "pass_fail" else "scores"
            click.echo(
                f"Two rounds: round 1 ({mode}) closed; {summary.finalists:,} finalists advanced into round 2, "
                f"judged by a panel of {summary.final_panel} ({summary.final_assignments:,} assignments, "
                f"{summary.final_reviews:,} reviews submitted)."
            )
        click.echo(
            f"Cycle being judged: {summary.cycle_slug}; published: {', '.join(summary.published_cycle_slugs) or 'none'}"
        )
        click.echo("Sign in with (password in brackets):")
        for account in summary.accounts:
            click.echo(f"  {account.role:<10} {account.email}  ({account.password})")
