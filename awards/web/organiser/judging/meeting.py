"""The final round's panel meetings for organisers, at /organiser/cycles/<slug>/rounds/<number>/meeting/
<category_slug>: the category's board with a decision per entry (awards/web/meeting_views.py), closing the
meeting (which locks its decisions) and reopening it with a reason (templates/organiser/judging/meeting*.html).

Only the round marked final has meetings (any other round number is a 404). An organiser who is also a
judge of the cycle and conflicted with an entry does not see it on the board; another organiser decides it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from sqlalchemy.orm import selectinload
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from awards.domain.core.errors import NotFound
from awards.domain.judging import meetings
from awards.domain.results import meeting_board, shortlists
from awards.extensions import db
from awards.models import Category, Cycle, JudgingRound, User
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.forms import Form, submit
from awards.web.helpers import cycle_breadcrumbs, cycle_or_404
from awards.web.meeting_views import meeting_page
from awards.web.organiser import bp
from awards.web.organiser.judging.forms import too_long


class CloseMeetingForm(Form):
    submit = submit(_l("Close the meeting"))


class ReopenMeetingForm(Form):
    reason = TextAreaField(
        _l("Why the meeting is reopened"),
        widget=GovTextArea(),
        description=_l("It is kept in the audit log."),
        validators=[
            DataRequired(_l("Give the reason for reopening the meeting")),
            Length(
                max=meetings.REASON_MAX,
                message=too_long(_l("The reason must be %(max)s characters or fewer"), meetings.REASON_MAX),
            ),
        ],
    )
    submit = submit(_l("Reopen the meeting"))


def _load(slug: str, number: int, category_slug: str) -> tuple[Cycle, JudgingRound, Category]:
    cycle = cycle_or_404(slug, selectinload(Cycle.rounds), selectinload(Cycle.categories))
    try:
        judging_round = meetings.meeting_round(cycle, number)
        category = meetings.category_of(judging_round, category_slug)
    except NotFound:
        abort(404)
    return cycle, judging_round, category


def _meeting_url(judging_round: JudgingRound, category: Category) -> str:
    return url_for(
        "organiser.panel_meeting",
        slug=judging_round.cycle.slug,
        number=judging_round.number,
        category_slug=category.slug,
    )


def _trail(judging_round: JudgingRound, category: Category, *more: dict) -> list[dict]:
    cycle = judging_round.cycle
    return cycle_breadcrumbs(
        cycle,
        {"text": _("Judging rounds"), "href": url_for("organiser.rounds", slug=cycle.slug)},
        {
            "text": _("Panel meeting: %(category)s", category=shown(category)),
            "href": _meeting_url(judging_round, category),
        },
        *more,
    )


@bp.route("/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>", methods=["GET", "POST"])
def panel_meeting(slug: str, number: int, category_slug: str):
    cycle, judging_round, category = _load(slug, number, category_slug)
    others = [c for c in meetings.meeting_categories(judging_round) if c.id != category.id]
    return meeting_page(
        judging_round,
        category,
        template="organiser/judging/meeting.html",
        withhold=shortlists.withheld_nominations(cycle, current_user),
        judge_view=False,
        page_url=lambda: _meeting_url(judging_round, category),
        other_categories=others,
        closed_categories=meetings.closed_category_ids(judging_round),
        meeting_endpoint="organiser.panel_meeting",
        breadcrumbs=cycle_breadcrumbs(
            cycle,
            {"text": _("Judging rounds"), "href": url_for("organiser.rounds", slug=cycle.slug)},
            {"text": _("Panel meeting: %(category)s", category=shown(category))},
        ),
        title=_("Panel meeting: %(category)s – %(round)s", category=shown(category), round=judging_round.label),
    )


@bp.route("/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>/close", methods=["GET", "POST"])
def close_panel_meeting(slug: str, number: int, category_slug: str):
    cycle, judging_round, category = _load(slug, number, category_slug)
    form = CloseMeetingForm()
    closed = meetings.closed_meeting(judging_round, category)
    if form.validate_on_submit():
        if attempt(lambda: meetings.close(judging_round, category, by=current_user), flash_as="info"):
            flash(
                _("The panel meeting for %(category)s is closed: its decisions are locked", category=shown(category)),
                "success",
            )
        return redirect(_meeting_url(judging_round, category))
    return render_template(
        "organiser/judging/meeting_close.html",
        cycle=cycle,
        judging_round=judging_round,
        category=category,
        closed=closed,
        undecided=meeting_board.undecided_count(judging_round, category),
        meeting_url=_meeting_url(judging_round, category),
        form=form,
        breadcrumbs=_trail(judging_round, category, {"text": _("Close the meeting")}),
        title=_("Close the panel meeting for %(category)s?", category=shown(category)),
    )


@bp.route("/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>/reopen", methods=["GET", "POST"])
def reopen_panel_meeting(slug: str, number: int, category_slug: str):
    cycle, judging_round, category = _load(slug, number, category_slug)
    closed = meetings.closed_meeting(judging_round, category)
    if closed is None:
        flash(_("The panel meeting for %(category)s is open", category=shown(category)), "info")
        return redirect(_meeting_url(judging_round, category))
    form = ReopenMeetingForm()
    if form.validate_on_submit():
        done = attempt(
            lambda: meetings.reopen(judging_round, category, reason=form.reason.data or "", by=current_user),
            form=form,
            field="reason",
        )
        if done:
            flash(_("The panel meeting for %(category)s is open again", category=shown(category)), "success")
            return redirect(_meeting_url(judging_round, category))
    closed_by = db.session.get(User, closed.closed_by_id) if closed.closed_by_id else None
    return render_template(
        "organiser/judging/meeting_reopen.html",
        cycle=cycle,
        judging_round=judging_round,
        category=category,
        closed=closed,
        closed_by=closed_by.name if closed_by else "",
        meeting_url=_meeting_url(judging_round, category),
        form=form,
        breadcrumbs=_trail(judging_round, category, {"text": _("Reopen the meeting")}),
        title=_("Reopen the panel meeting for %(category)s", category=shown(category)),
    )
