"""The final round's panel meeting for the judges on its panel, at /judging/cycles/<slug>/rounds/<number>/
meeting/<category_slug>: the category's board and a decision per entry while the meeting is open
(awards/web/meeting_views.py; templates/judge/meeting.html).

Only a judge on the final round's panel whose categories in it include this one reaches the page; to any
other judge it does not exist (404), as it does before the round has begun. An entry the judge is
conflicted with is not on the page at all, not even its title. Closing and reopening are the organisers'."""

from __future__ import annotations

from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from awards.domain.core.errors import NotFound
from awards.domain.judging import meetings, rounds
from awards.domain.results import shortlists
from awards.models import Cycle
from awards.templating import shown
from awards.web.helpers import cycle_or_404
from awards.web.judge import bp
from awards.web.meeting_views import meeting_page


@bp.route("/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>", methods=["GET", "POST"])
def panel_meeting(slug: str, number: int, category_slug: str):
    cycle = cycle_or_404(slug, selectinload(Cycle.rounds), selectinload(Cycle.categories))
    try:
        judging_round = meetings.meeting_round(cycle, number)
        category = meetings.category_of(judging_round, category_slug)
    except NotFound:
        abort(404)
    if not rounds.has_started(judging_round) or meetings.panel_judge(judging_round, current_user, category) is None:
        abort(404)
    return meeting_page(
        judging_round,
        category,
        template="judge/meeting.html",
        withhold=shortlists.withheld_nominations(cycle, current_user),
        judge_view=True,
        page_url=lambda: url_for(
            "judge.panel_meeting", slug=cycle.slug, number=judging_round.number, category_slug=category.slug
        ),
        title=_("Panel meeting: %(category)s – %(round)s", category=shown(category), round=judging_round.label),
    )


@bp.context_processor
def _panel_meetings():
    """`panel_meetings()` for the judge's pages (the "Panel meetings" list on their judging page): the
    meetings the signed-in judge sits on, read only when a page asks."""

    def panel_meetings() -> list[meetings.JudgeMeeting]:
        return meetings.meetings_of(current_user) if current_user.is_authenticated else []

    return {"panel_meetings": panel_meetings}
