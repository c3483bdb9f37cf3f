"""The organiser's view of a vote's patterns: how many tried, confirmed, are awaiting and were refused
(by rule), bursts of attempts (a table and an SVG bar chart of the same numbers), the e-mail domains and
networks with most attempts, and flags in plain words. No count by entry until the vote closes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from awards.domain.core.dates import govuk_time
from awards.domain.voting import tallies, votes
from awards.models import Category, Cycle, PublicVote
from awards.templating import shown
from awards.web.charts import BarChart, Series

# The chart shows at most this many bursts (the busiest); the table lists them all.
CHART_BURSTS = 20


def burst_chart(found: tallies.Patterns, time_zone: str) -> BarChart | None:
    """Attempts in each minute that went over the burst threshold, the busiest first; None without bursts."""
    bursts = sorted(found.bursts, key=lambda b: (-b.attempts, b.minute))[:CHART_BURSTS]
    if not bursts:
        return None
    bursts.sort(key=lambda b: b.minute)
    busiest = max(bursts, key=lambda b: b.attempts)
    labels = [_minute(b.minute, time_zone) for b in bursts]
    return BarChart(
        title=_("Bursts: attempts in one minute"),
        description=ngettext(
            "Horizontal bar chart of the attempts to vote in each minute with a burst, in time order. "
            "The busiest minute had %(num)d attempt. The table gives the same numbers.",
            "Horizontal bar chart of the attempts to vote in each minute with a burst, in time order. "
            "The busiest minute had %(num)d attempts. The table gives the same numbers.",
            busiest.attempts,
        ),
        labels=labels,
        series=[Series(_("Attempts"), [b.attempts for b in bursts])],
        label_heading=_("Minute"),
        total_heading=_("Attempts"),
        ident="burst-chart",
        width=560,
        label_chars=20,
    )


def _minute(instant: datetime, time_zone: str) -> str:
    """A burst's minute, short enough for the chart's labels: '4:16pm, 6 Dec'."""
    local = instant.astimezone(ZoneInfo(time_zone))
    return _(
        "%(time)s, %(day)s", time=govuk_time(instant, time_zone), day=format_date(local.date(), "d MMM", rebase=False)
    )


def patterns_page(cycle: Cycle, category: Category, vote: PublicVote, breadcrumbs: list[dict]):
    state = votes.vote_state(vote)
    found = tallies.patterns(vote)
    return render_template(
        "organiser/voting/patterns.html",
        cycle=cycle,
        category=category,
        vote=vote,
        state=state,
        VoteState=votes.VoteState,
        found=found,
        chart=burst_chart(found, cycle.time_zone),
        results=tallies.tally(vote) if state is votes.VoteState.CLOSED else None,
        breadcrumbs=breadcrumbs,
        title=_("Patterns of voting in %(category)s: %(cycle)s", category=shown(category), cycle=shown(cycle)),
    )
