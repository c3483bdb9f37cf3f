"""Removing a cycle's personal data once its retention period has passed."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from awards.domain.records import data_protection as rules
from awards.templating import shown
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
                _(
                    "Personal data removed from %(cycle)s: contact details and personal answers of %(nominations)s "
                    "nominations, %(files)s uploaded files, %(comments)s judges’ comments. Published impact cases "
                    "are unchanged.",
                    cycle=shown(cycle),
                    nominations=format_decimal(plan.with_contact_details),
                    files=format_decimal(plan.attachments),
                    comments=format_decimal(plan.review_comments),
                ),
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
        title=_("Remove personal data from %(cycle)s", cycle=shown(cycle)),
    ), status
