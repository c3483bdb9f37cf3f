"""Judging progress of a judging round per judge, nomination and category, and reminders.

/organiser/cycles/<slug>/judging shows the figures of the cycle's current round, or of `?round=N`
(a handful of GROUP BY queries, however big the cycle) and carries the reminder form: the organiser
ticks judges, or has the page tick for them (`?select=not-started` or `?select=unfinished`, so no
JavaScript is needed), and sends each an e-mail about what they have left in the round.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from awards.domain.core import paging
from awards.domain.core.clock import utcnow
from awards.domain.judging import progress as progress_rules
from awards.models import Cycle
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.helpers import chosen_round, cycle_or_404, pagination, round_args
from awards.web.organiser import bp
from awards.web.organiser.judging.forms import ReminderForm

PAGE_SIZE = 50
SHORT_LIST_SIZE = 25


def _load_cycle(slug: str) -> Cycle:
    return cycle_or_404(slug, selectinload(Cycle.categories), selectinload(Cycle.rounds))


def _endpoint_url(endpoint: str, **values) -> str | None:
    """A link to a page another part of the organiser's area provides, if it is there."""
    if endpoint in current_app.view_functions:
        return url_for(endpoint, **values)
    return None


def _page_url(**changes) -> str:
    """This page with some query arguments changed (None removes one); keeps the others."""
    args = {k: v for k, v in request.args.items() if k in ("round", "show", "category", "page", "select")}
    args.update(changes)
    anchor = args.pop("_anchor", None)
    args = {k: v for k, v in args.items() if v not in (None, "")}
    return url_for("organiser.judging_progress", slug=request.view_args["slug"], _anchor=anchor, **args)


@bp.route("/cycles/<slug>/judging", methods=["GET", "POST"])
def judging_progress(slug: str):
    cycle = _load_cycle(slug)
    judging_round = chosen_round(cycle)
    progress = progress_rules.cycle_progress(cycle, judging_round)
    form = ReminderForm()
    form.judges.choices = [(p.judge.id, p.judge.display_name) for p in progress.remindable]

    if request.method == "GET":
        # "Select judges who have not started" and friends: the server ticks the boxes.
        preselect = request.args.get("select")
        if preselect == "not-started":
            form.judges.data = [p.judge.id for p in progress.not_started]
        elif preselect == "unfinished":
            form.judges.data = [p.judge.id for p in progress.remindable]

    if form.validate_on_submit():
        chosen = set(form.judges.data)
        judges = [p.judge for p in progress.remindable if p.judge.id in chosen]
        done = attempt(
            lambda: progress_rules.send_reminders(cycle, judges, by=current_user, judging_round=judging_round),
            form=form,
            field="judges",
        )
        if done:
            reminded, skipped = done.value
            if reminded:
                flash(
                    _("Reminder sent to %(name)s", name=reminded[0].display_name)
                    if len(reminded) == 1
                    else _("Reminder sent to %(num)s judges", num=format_decimal(len(reminded))),
                    "success",
                )
            if skipped:
                flash(
                    ngettext(
                        "%(count)s judge has nothing left to score, so no reminder was sent to them",
                        "%(count)s judges have nothing left to score, so no reminder was sent to them",
                        len(skipped),
                        count=format_decimal(len(skipped)),
                    ),
                    "info",
                )
            return redirect(
                url_for("organiser.judging_progress", slug=cycle.slug, _anchor="reminders", **round_args(judging_round))
            )

    # The nominations table: filtered, paginated, by reference.
    show = request.args.get("show", "all")
    if show not in progress_rules.NOMINATION_FILTERS:
        show = "all"
    category = next((c for c in cycle.categories if c.slug == request.args.get("category")), None)
    total = progress.matching(show, category)
    page, pages = paging.clamp(paging.requested_page(request.args), total, PAGE_SIZE)  # past the end: the last
    rows, _total = progress_rules.nomination_progress(
        cycle,
        judging_round=judging_round,
        show=show,
        category=category,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        count=False,
    )
    short, _short_total = (
        progress_rules.nomination_progress(
            cycle, judging_round=judging_round, show="short", limit=SHORT_LIST_SIZE, count=False
        )
        if progress.short_of_judges
        else ([], 0)
    )

    has_assignment_page = "organiser.assignment_nomination" in current_app.view_functions
    has_nomination_page = "organiser.nomination" in current_app.view_functions
    return render_template(
        "organiser/judging/progress.html",
        cycle=cycle,
        judging_round=judging_round,
        round_args=round_args(judging_round),
        progress=progress,
        form=form,
        selected=set(form.judges.data or []),
        rows=rows,
        total=total,
        first=(page - 1) * PAGE_SIZE + 1,
        page=page,
        pages=pages,
        show=show,
        category=category,
        pagination=pagination(page, pages, lambda n: _page_url(page=n, select=None, _anchor="nominations")),
        filters=progress_rules.NOMINATION_FILTERS,
        short=short,
        page_url=_page_url,
        closed=progress_rules.reminders_closed(cycle, judging_round=judging_round),
        now=utcnow(),
        has_assignment_page=has_assignment_page,
        has_nomination_page=has_nomination_page,
        assignment_url=_endpoint_url("organiser.assignment", slug=cycle.slug, **round_args(judging_round)),
        judges_url=_endpoint_url("organiser.judges", slug=cycle.slug),
        title=_("Judging progress – %(cycle)s", cycle=shown(cycle)),
    )
