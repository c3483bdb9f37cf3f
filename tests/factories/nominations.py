"""Nominations: a nomination of a cycle, complete and submitted unless told otherwise, in one call."""

from __future__ import annotations

from awards.extensions import db
from tests.factories.cycles import make_cycle
from tests.factories.people import make_user
from tests.factories.sequence import counter


def make_nomination(
    cycle=None, *, nominator=None, category=None, status: str = "submitted", complete: bool = True, **fields
):
    """A nomination in the cycle; complete (every section of the default form filled) and submitted unless
    told otherwise. `fields` names the nomination's columns or, for any other question, its answer."""
    from awards.domain.core.clock import utcnow
    from awards.domain.nominations.entries import issue_reference
    from awards.models import Nomination, NominationStatus

    cycle = cycle or make_cycle()
    nominator = nominator or make_user()
    category = category or cycle.categories[0]
    now = utcnow()
    n = next(counter)
    nomination = Nomination(
        reference=issue_reference(cycle),
        cycle=cycle,
        category=category,
        nominator=nominator,
        status=NominationStatus(status),
        created_at=now,
        updated_at=now,
    )
    if complete:
        complete_answers(nomination, number=n, **fields)
    else:
        _set(nomination, fields)
    if nomination.status is not NominationStatus.DRAFT:
        nomination.submitted_at = now
    db.session.add(nomination)
    db.session.commit()
    return nomination


def complete_answers(nomination, *, number: int | None = None, **fields) -> None:
    """Every section of the default form answered (`fields` overriding), as a nominee who finished would have."""
    from awards.models import NominationPartner, NominationTrend

    n = number if number is not None else next(counter)
    cycle = nomination.cycle
    values = dict(
        organisation_name=f"Testshire County Council {n}",
        contact_name="Casey Contact",
        contact_email=f"casey{n}@testshire.gov.uk",
        contact_phone="01234 567890",
        region="South West",
        title=f"Digital project {n}",
        summary="A short public summary of the project.",
        challenge="The challenge we faced.",
        approach="How we approached it.",
        outcomes_narrative="What changed.",
        unintended_consequences="What surprised us.",
        lessons="What others can learn.",
        declares_accurate=True,
        consents_to_publish=True,
        declares_authorised=True,
        touched_sections="approach,challenge,declarations,documents,lessons,organisation,outcomes,project,trends",
    )
    values["measured"] = [
        {"metric": "Calls handled", "baseline": "100 a day", "result": "40 a day", "measured_on": "March 2026"}
    ]
    values.update(fields)
    _set(nomination, values)
    nomination.partners = [NominationPartner(name="Acme Digital Ltd", is_supplier=True, position=0)]
    trends = cycle.trends[:2]
    nomination.trend_links = [
        NominationTrend(trend=t, is_primary=i == 0, how_addressed=f"It addresses {t.name}.", position=i)
        for i, t in enumerate(trends)
    ]


def _set(nomination, values: dict) -> None:
    """Columns of the nomination as attributes; anything else as the answer to the question of that key."""
    from awards.models import Nomination

    answers = dict(nomination.answers or {})
    for key, value in values.items():
        if key in Nomination.__table__.columns or key in ("partners", "trend_links"):
            setattr(nomination, key, value)
        else:
            answers[key] = value
    nomination.answers = answers
