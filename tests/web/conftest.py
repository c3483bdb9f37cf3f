"""Fixtures of the web tests: a user per audience of the access matrix, the public library's shelf, a judged cycle."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from awards.extensions import db
from tests.factories import (
    make_cycle,
    make_nomination,
    make_published_case,
    make_published_cycle,
    make_shortlisted_nomination,
    make_user,
)
from tests.support.access_matrix import (
    kept_matrix_world,
    url_values,
    with_the_other_audiences,
)
from tests.support.judging import score
from tests.support.kept_worlds import kept_world
from tests.support.programme import trend
from tests.support.publishing import SECRET_ORG, SECRET_TITLE, WITHDRAWN_TITLE


@pytest.fixture
def audience_users(nominee, judge, organiser) -> dict:
    """A user per signed-in audience (NOMINEE and JUDGE name the owner and the assigned judge too)."""
    return with_the_other_audiences(nominee, judge, organiser)


@pytest.fixture
def matrix_world(app, storage) -> tuple[dict, dict]:
    """(users, values): `audience_users` and the access matrix's `url_values` for them, built once per test process
    and database and restored for each test after (tests/support/kept_worlds.py). Asks for no other data."""
    return kept_matrix_world("access matrix", url_values, storage)


@pytest.fixture
def shelf(app, storage):
    """Two published cycles: four public cases, one taken down, and one shortlisted entry
    whose nominee did not consent to publication. Built once per test process and database, then restored
    (tests/support/kept_worlds.py)."""
    return kept_world("the public library's shelf", _fill_the_shelf, storage)


def _fill_the_shelf() -> SimpleNamespace:
    c2025 = make_published_cycle(year=2025)
    c2024 = make_published_cycle(year=2024)
    ai, data, cyber = trend("T1"), trend("T2"), trend("T3")
    cat_a, cat_b = c2025.categories[0], c2025.categories[5]
    bins = make_published_case(
        c2025,
        result="winner",
        category=cat_a,
        trends=[ai, data],
        title="Smarter bin collections",
        organisation="Riverside Borough Council",
        summary="Sensors tell crews which bins are full.",
        citation="A model of reuse.",
    )
    cards = make_published_case(
        c2025,
        result="shortlisted",
        category=cat_a,
        trends=[data],
        title="Digital library cards",
        organisation="Northtown Council",
    )
    triage = make_published_case(
        c2025,
        result="highly_commended",
        category=cat_b,
        trends=[ai],
        title="Faster GP triage",
        organisation="Southshire NHS Trust",
    )
    older = make_published_case(
        c2024,
        result="winner",
        category=c2024.categories[0],
        trends=[cyber, ai],
        title="Cyber drills for schools",
        organisation="Eastborough Council",
    )
    withdrawn = make_published_case(
        c2025,
        result="shortlisted",
        category=cat_b,
        trends=[ai],
        title=WITHDRAWN_TITLE,
        organisation="Westvale Council",
        unpublished=True,
    )
    secret = make_shortlisted_nomination(
        c2025,
        result="shortlisted",
        category=cat_b,
        consents_to_publish=False,
        trends=[ai],
        title=SECRET_TITLE,
        organisation_name=SECRET_ORG,
    )
    return SimpleNamespace(
        c2025=c2025,
        c2024=c2024,
        ai=ai,
        data=data,
        cyber=cyber,
        cat_a=cat_a,
        cat_b=cat_b,
        bins=bins,
        cards=cards,
        triage=triage,
        older=older,
        withdrawn=withdrawn,
        secret=secret,
    )


@pytest.fixture
def judged(app, storage):
    """A cycle in judging, scored: two judges, two nominations in a category whose shortlist is one. Built once per
    test process and database, then restored (tests/support/kept_worlds.py)."""
    return kept_world("a judged cycle", _judge_a_cycle, storage)


def _judge_a_cycle() -> tuple:
    from awards.domain.core.clock import utcnow
    from awards.models import Judge

    cycle = make_cycle(status="judging", judges_per_nomination=2)
    category = cycle.categories[0]
    category.shortlist_size = 1
    judges = []
    for name in ("Harriet Harsh", "Lenny Lenient"):
        user = make_user(name=name)
        judge = Judge(cycle_id=cycle.id, email=user.email, user_id=user.id, invited_at=utcnow(), accepted_at=utcnow())
        db.session.add(judge)
        judges.append(judge)
    db.session.commit()
    top = make_nomination(cycle, category=category, title='=HYPERLINK("http://evil")')
    second = make_nomination(cycle, category=category, title="Second best", consents_to_publish=False)
    for judge, (a, b) in zip(judges, ((8, 6), (10, 3)), strict=True):
        score(judge, top, a)
        score(judge, second, b)
    return cycle, category, judges, top, second
