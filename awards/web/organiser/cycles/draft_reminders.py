"""Reminding the nominees of a cycle's unsubmitted drafts: a confirmation page that says how many
will be e-mailed, and the button that sends the reminders (each draft is reminded once, ever)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from awards.domain.nominations import draft_reminders as rules
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.helpers import cycle_or_404
from awards.web.organiser import bp


@bp.route("/cycles/<slug>/draft-reminders", methods=["GET", "POST"])
def draft_reminders(slug: str):
    cycle = cycle_or_404(slug)
    status = 200
    problem = rules.reminder_problem(cycle)
    if request.method == "POST":
        done = attempt(lambda: rules.send_draft_reminders(cycle, by=current_user))
        if not done:
            problem, status = done.message, 409  # the page says why
        else:
            sent = done.value
            if sent:
                flash(
                    ngettext(
                        "Reminder sent to the nominee of %(count)s draft in %(cycle)s",
                        "Reminders sent to the nominees of %(count)s drafts in %(cycle)s",
                        sent,
                        count=format_decimal(sent),
                        cycle=shown(cycle),
                    ),
                    "success",
                )
            else:
                flash(_("No reminders sent: every draft’s nominee has been reminded already"), "info")
            return redirect(url_for("organiser.cycle", slug=cycle.slug))
    return render_template(
        "organiser/cycles/draft_reminders.html",
        cycle=cycle,
        problem=problem,
        due=rules.count_due(cycle),
        nominees=rules.count_nominees_due(cycle),
        reminded=rules.count_reminded(cycle),
        title=_("Remind nominees to submit their drafts – %(cycle)s", cycle=shown(cycle)),
    ), status
