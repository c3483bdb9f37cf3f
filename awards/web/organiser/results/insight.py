"""Trend insight for organisers."""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from awards.domain.core.errors import NotFound
from awards.domain.programme.cycles import get_cycle
from awards.domain.results.insight import trend_insight
from awards.domain.results.shortlists import withheld_nominations
from awards.templating import shown
from awards.web.organiser import bp


@bp.route("/cycles/<slug>/insight")
def insight(slug: str):
    try:
        cycle = get_cycle(slug)
    except NotFound:
        abort(404)
    rows = trend_insight(cycle, withhold=withheld_nominations(cycle, current_user))
    most = max((r.nominations for r in rows), default=0) or 1
    return render_template(
        "organiser/results/insight.html",
        cycle=cycle,
        rows=rows,
        most=most,
        gaps=[r for r in rows if r.shortlisted == 0],
        title=_("Trend insight: %(cycle)s", cycle=shown(cycle)),
    )
