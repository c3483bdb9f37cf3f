"""Publishing factories: a cycle whose results are published, and its public impact cases,
built directly (without judging) in one call each.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from awards.domain.core.clock import utcnow
from awards.domain.results.shortlists import make_impact_case
from awards.extensions import db
from awards.models import ImpactCase, NominationStatus, Result
from tests.factories.cycles import make_cycle
from tests.factories.nominations import make_nomination

_counter = itertools.count(1)

STATUS_FOR_RESULT = {
    Result.WINNER: NominationStatus.WINNER,
    Result.HIGHLY_COMMENDED: NominationStatus.HIGHLY_COMMENDED,
    Result.SHORTLISTED: NominationStatus.SHORTLISTED,
}


def make_published_cycle(*, year: int = 2025, name: str | None = None, **rules):
    """A cycle of the given year whose results are published (its nominations closed long ago)."""
    now = utcnow()
    cycle = make_cycle(
        name=name or f"Public Sector Digital Awards {year}",
        year=year,
        status="published",
        open_at=now - timedelta(days=200),
        close_at=now - timedelta(days=100),
        **rules,
    )
    cycle.results_published_at = now - timedelta(days=10)
    db.session.commit()
    return cycle


def make_shortlisted_nomination(
    cycle,
    *,
    result: Result | str = Result.SHORTLISTED,
    category=None,
    consents_to_publish: bool = True,
    trends=None,
    **fields,
):
    """A nomination of the cycle with its published result; `trends` (first = primary) replaces the default two."""
    from awards.models import NominationTrend

    result = Result(result)
    nomination = make_nomination(
        cycle,
        category=category,
        status=STATUS_FOR_RESULT[result].value,
        consents_to_publish=consents_to_publish,
        **fields,
    )
    if trends is not None:
        nomination.trend_links = []
        db.session.flush()  # the old links go first: a new one may name the same trend
        nomination.trend_links = [
            NominationTrend(trend=t, is_primary=i == 0, how_addressed=f"It addresses {t.name}.", position=i)
            for i, t in enumerate(trends)
        ]
        db.session.commit()
    return nomination


def make_published_case(
    cycle=None,
    *,
    result: Result | str = Result.SHORTLISTED,
    category=None,
    trends=None,
    title: str | None = None,
    organisation: str | None = None,
    year: int = 2025,
    published_at: datetime | None = None,
    unpublished: bool = False,
    citation: str = "",
    **fields,
) -> ImpactCase:
    """A public impact case made (as publication makes it) from a shortlisted nomination of a
    published cycle, which is created for the year unless given. `unpublished` takes it off
    the public site again; `trends` (first = primary) replaces the default two."""
    cycle = cycle or make_published_cycle(year=year)
    n = next(_counter)
    result = Result(result)
    nomination = make_shortlisted_nomination(
        cycle,
        result=result,
        category=category,
        trends=trends,
        title=title or f"Impact case {n}",
        organisation_name=organisation or f"Exampleshire Council {n}",
        **fields,
    )
    now = published_at or utcnow()
    case = make_impact_case(nomination, result, now)
    case.citation = citation
    if unpublished:
        case.unpublished_at = max(now, utcnow())
        case.updated_at = case.unpublished_at
    db.session.add(case)
    db.session.commit()
    return case
