"""Removing a cycle's personal data once its retention period has passed."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from awards.domain.records import data_protection as rules
from awards.web.actions import attempt
from awards.web.helpers import cycle_or_404
from awards.web.organiser import bp


@bp.route("/cycles/<slug>/personal-data", methods=["GET", "POST"])
def personal_data(slug: str):
    cycle = cycle_or_404(slug)
    status = 200
    if request.method == "POST":
        done = attempt(lambda: rules.purge_cycle(cycle, by=current_user))
        if not done:
            status = 409  # the page says why
        else:
            plan = done.value
            flash(
                f"Personal data removed from {cycle.name}: contact details and personal answers of "
                f"{plan.with_contact_details} nominations, {plan.attachments} uploaded files, "
                f"{plan.review_comments} judges’ comments. "
                "Published impact cases are unchanged.",
                "success",
            )
            return redirect(url_for("organiser.cycle", slug=slug))
    return render_template(
        "organiser/cycles/personal_data.html",
        cycle=cycle,
        problem=rules.purge_problem(cycle),
        plan=rules.purge_plan(cycle),
        allowed_from=rules.purge_allowed_from(cycle),
        retention_days=current_app.config["RETENTION_DAYS"],
        title=f"Remove personal data from {cycle.name}",
    ), status
