"""Conflicts known before assignment, in a real browser: an invited judge lists the organisations
they work for and have worked for (a mistake keeps what they typed), the organiser's conflicts page
gives the reason found from them and the assignment leaves that pair out; later a judge declares a
conflict after assignment, and the organiser fills the gap from the assignment page in one step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in, unique_email

pytestmark = pytest.mark.e2e

PASSWORD = "meadow copper lighthouse drizzle"
ORGANISER_PASSWORD = "harbour violet tangerine kettle"


def _cycle_with_judges() -> dict:
    """A cycle in judging with two judges a nomination, one submitted nomination from Riverside
    Borough Council, three judges who have accepted and an organiser. Plain values only."""
    from awards.domain.core.clock import utcnow
    from tests.factories import make_cycle, make_judge, make_nomination, make_user

    now = utcnow()
    cycle = make_cycle(
        status="judging",
        open_at=now - timedelta(days=40),
        close_at=now - timedelta(days=1),
        judging_close_at=now + timedelta(days=20),
        judges_per_nomination=2,
    )
    organiser = make_user(
        name="Olu Organiser",
        email=unique_email("olu").replace("testshire.gov.uk", "awards.example.org"),
        roles=("organiser",),
        password=ORGANISER_PASSWORD,
    )
    nomination = make_nomination(cycle, organisation_name="Riverside Borough Council", title="Bins collected on time")
    for name in ("Ben Bright", "Cy Clear", "Dee Dawson"):
        user = make_user(
            name=name,
            email=f"{name.split()[0].lower()}@judges.example.org",
            roles=("judge",),
            organisation="Judging Partners Ltd",
        )
        make_judge(cycle, user, organisation="Judging Partners Ltd")
    return {
        "cycle_id": cycle.id,
        "slug": cycle.slug,
        "organiser_id": organiser.id,
        "organiser_email": organiser.email,
        "reference": nomination.reference,
        "nomination_id": nomination.id,
    }


def _invite_judge(cycle_id: int, organiser_id: int, email: str) -> None:
    from awards.domain.judging import judges
    from awards.extensions import db
    from awards.models import Cycle, User

    judges.invite_judges(db.session.get(Cycle, cycle_id), email, by=db.session.get(User, organiser_id))


def _run_assignment(cycle_id: int, organiser_id: int) -> dict[str, str]:
    """Run and write the assignment, as the organiser's confirm does; {judge name: e-mail} of those
    given the nomination."""
    from awards.domain.judging.assignment import solver
    from awards.extensions import db
    from awards.models import Cycle, User

    result = solver.propose(db.session.get(Cycle, cycle_id))
    solver.apply(result, by=db.session.get(User, organiser_id))
    judges = result.problem.judge_by_id
    return {judges[p.judge_id].name: judges[p.judge_id].email for p in result.planned}


def _declare(email: str, nomination_id: int) -> None:
    from sqlalchemy import select

    from awards.domain.judging import conflicts
    from awards.extensions import db
    from awards.models import Judge, Nomination

    judge = db.session.scalar(select(Judge).where(Judge.email == email))
    conflicts.declare(
        judge,
        db.session.get(Nomination, nomination_id),
        has_conflict=True,
        reason="I advised them last year",
        by=judge.user,
    )


def test_affiliations_known_before_assignment_and_a_gap_filled(journey, live_server, check_page):
    setup = live_server.run(_cycle_with_judges)
    email = unique_email("grace").replace("testshire.gov.uk", "navy.example.org")
    live_server.run(_invite_judge, setup["cycle_id"], setup["organiser_id"], email)

    # The invited judge lists the organisations they are connected with.
    page = journey.new_page()
    page.goto(live_server.email_link(email, "judge_invitation"))
    expect(page.get_by_role("heading", name="Organisations you are connected with")).to_be_visible()
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Organisation", exact=True).fill("Northfield University")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_label("Other organisations you work for now").fill("Acme & Sons")
    page.get_by_label("Organisations you have worked for in the last 3 years").fill("Riverside Council\nThe Council")
    page.get_by_role("button", name="Accept and create account").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(
        summary.get_by_role(
            "link",
            name="‘The Council’ does not say which organisation: give its full name, for example Riverside Council",
        )
    ).to_be_visible()
    expect(page.get_by_label("Organisations you have worked for in the last 3 years")).to_have_value(
        "Riverside Council\nThe Council"
    )
    expect(page.get_by_label("Other organisations you work for now")).to_have_value("Acme & Sons")
    check_page(page, "affiliations: invitation with a mistake")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_label("Organisations you have worked for in the last 3 years").fill("Riverside Council")
    page.get_by_role("button", name="Accept and create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your judging profile")
    expect(page.get_by_label("Organisations you have worked for in the last 3 years")).to_have_value(
        "Riverside Council"
    )
    check_page(page, "affiliations: profile after accepting")

    # The assignment never gives Grace the Riverside nomination.
    assigned = live_server.run(_run_assignment, setup["cycle_id"], setup["organiser_id"])
    assert len(assigned) == 2 and "Grace Hopper" not in assigned

    organiser = journey.new_page()
    sign_in(organiser, setup["organiser_email"], ORGANISER_PASSWORD)
    organiser.goto(f"/organiser/cycles/{setup['slug']}/conflicts")
    found = organiser.get_by_role("table", name="Conflicts found automatically")
    expect(found.get_by_role("row").filter(has_text="Grace Hopper")).to_contain_text(
        "Worked for Riverside Council in the last 3 years, the nominated organisation"
    )
    check_page(organiser, "affiliations: conflicts page with the reason")

    # One of the two judges declares a conflict after assignment: the organiser is e-mailed.
    declarer, declarer_email = sorted(assigned.items())[0]
    live_server.run(_declare, declarer_email, setup["nomination_id"])
    (message,) = live_server.outbox(kind="conflict_after_assignment", to=setup["organiser_email"])
    assert f"{declarer} has declared a conflict of interest with {setup['reference']}" in message.body_text
    organiser.goto(live_server.email_link(setup["organiser_email"], "conflict_after_assignment"))
    banner = organiser.get_by_role("region", name="Important")
    expect(banner).to_contain_text("1 nomination needs more judges")
    expect(banner).to_contain_text(
        f"Riverside Borough Council’s nomination {setup['reference']} needs 1 more "
        f"judge: {declarer} has a conflict of interest with it"
    )
    check_page(organiser, "affiliations: assignment page with a gap")
    banner.get_by_role("button", name="Fill the gaps").click()
    expect(organiser.get_by_text("1 judge has been added, and every current assignment kept.")).to_be_visible()
    expect(organiser.get_by_text("Every nomination now has all its judges.")).to_be_visible()
    expect(organiser.get_by_text("needs more judges")).to_have_count(0)
    row = organiser.get_by_role("row").filter(has_text=setup["reference"])
    expect(row).not_to_contain_text("Short by")
    expect(row).not_to_contain_text("Grace Hopper")
    check_page(organiser, "affiliations: gap filled")
