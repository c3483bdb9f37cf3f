"""The judge's journey in a real browser: the organiser invites (the domain function, as the
organiser's page does), the link comes from the outbox; the invitee accepts as a new person, sets
their expertise, goes to Judging, declares no conflict on an assigned, submitted nomination, saves
some scores as a draft, sees them after a reload, completes and submits them, and sees the locked,
read-only sheet. Then the same path on a phone (nothing scrolls sideways), and declaring and scoring
with the keyboard alone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import Steps, assert_focus_visible, error_box, sign_in, tab_to, unique_email

pytestmark = pytest.mark.e2e

PASSWORD = "meadow copper lighthouse drizzle"
TREND = "Technology for public good"
TREND_LEGEND = "D1 Technology for public good"
CRITERIA = [
    "Evidenced outcomes and impact",
    "Innovation and ambition",
    "Resident and user focus, and inclusion",
    "Responsible delivery",
    "Collaboration and partnership",
    "Transferability",
]
DRAFT = {"Evidenced outcomes and impact": 7, "Innovation and ambition": 5}
REST = {
    "Resident and user focus, and inclusion": 8,
    "Responsible delivery": 6,
    "Collaboration and partnership": 4,
    "Transferability": 9,
}


def _judging_cycle():
    """A cycle in judging (nominations closed, judging open for 20 more days), an organiser,
    and one submitted nomination. Returns plain values."""
    from awards.domain.core.clock import utcnow
    from tests.factories import make_cycle, make_nomination, make_user

    now = utcnow()
    cycle = make_cycle(
        status="judging",
        open_at=now - timedelta(days=40),
        close_at=now - timedelta(days=1),
        judging_close_at=now + timedelta(days=20),
    )
    organiser = make_user(name="Olu Organiser", roles=("organiser",))
    nomination = make_nomination(cycle, title="Tell us once for housing repairs")
    return {
        "cycle_id": cycle.id,
        "organiser_id": organiser.id,
        "reference": nomination.reference,
        "nomination_id": nomination.id,
    }


def _invite(cycle_id: int, organiser_id: int, email: str) -> None:
    from awards.domain.judging import judges
    from awards.extensions import db
    from awards.models import Cycle, User

    result = judges.invite_judges(db.session.get(Cycle, cycle_id), email, by=db.session.get(User, organiser_id))
    assert [j.email for j in result.invited] == [email]


def _assign(email: str, nomination_id: int) -> None:
    from sqlalchemy import select

    from awards.extensions import db
    from awards.models import Judge, Nomination
    from tests.factories import make_assignment

    judge = db.session.scalar(select(Judge).where(Judge.email == email))
    assert judge is not None and judge.user_id is not None, "the invitation has not been accepted"
    make_assignment(judge, db.session.get(Nomination, nomination_id))


def _ready_judge(cycle_id: int, nomination_id: int, email: str):
    """A judge who has accepted, with an assignment (for the keyboard test)."""
    from awards.extensions import db
    from awards.models import Cycle, Nomination
    from tests.factories import make_assignment, make_judge, make_user

    user = make_user(
        email=email, name="Kai Keys", roles=("judge",), organisation="Northfield University", password=PASSWORD
    )
    judge = make_judge(db.session.get(Cycle, cycle_id), user, organisation="Northfield University")
    make_assignment(judge, db.session.get(Nomination, nomination_id))


def score_radio(page, criterion: str, value: int):
    return page.get_by_role("group", name=criterion, exact=True).get_by_role(
        "radio", name=re.compile(rf"^{value}( |$)")
    )


def judge_journey(s: Steps, live_server) -> None:
    page = s.page
    setup = live_server.run(_judging_cycle)
    email = unique_email("jude").replace("testshire.gov.uk", "judges.example.org")
    live_server.run(_invite, setup["cycle_id"], setup["organiser_id"], email)

    (invitation,) = live_server.outbox(kind="judge_invitation", to=email)
    assert invitation.subject == "Invitation to judge Public Sector Digital Awards 2026"
    page.goto(live_server.email_link(email, "judge_invitation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Judge Public Sector Digital Awards 2026")
    expect(page.get_by_text(email)).to_be_visible()
    s.check("invitation: new person, empty form")

    page.get_by_role("button", name="Accept and create account").click()
    expect(error_box(page)).to_be_visible()
    s.check("invitation: form with errors")
    page.get_by_label("Full name").fill("Jude Judge")
    page.get_by_label("Organisation", exact=True).fill("Northfield University")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Accept and create account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your judging profile")
    expect(page.get_by_text("You are now a judge for Public Sector Digital Awards 2026")).to_be_visible()
    s.check("profile: just accepted")

    page.get_by_label("Your organisation").fill("")
    page.get_by_role("button", name="Save your profile").click()
    expect(error_box(page).get_by_role("link", name="Enter your organisation")).to_be_visible()
    s.check("profile: form with errors")
    page.get_by_label("Your organisation").fill("Northfield University")
    page.get_by_role("group", name=TREND_LEGEND).get_by_label("Expert", exact=True).check()
    page.get_by_role("group", name=re.compile(r"^D2 ")).get_by_label("Prefer not", exact=True).check()
    page.get_by_role("button", name="Save your profile").click()
    expect(page.get_by_text("Your profile has been saved")).to_be_visible()
    expect(page.get_by_role("group", name=TREND_LEGEND).get_by_label("Expert", exact=True)).to_be_checked()
    s.check("profile: saved")

    # The organiser assigns the nomination once the judge is on board.
    live_server.run(_assign, email, setup["nomination_id"])
    reference = setup["reference"]

    s.nav("Judging")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your judging")
    expect(page.get_by_text("0 of 1 submitted")).to_be_visible()
    s.check("judging: one assigned, not started")
    page.get_by_role("row").filter(has_text=reference).get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Do you have a conflict of interest?")
    s.check("declare: empty form")
    page.get_by_role("button", name="Continue").click()
    expect(error_box(page)).to_be_visible()
    s.check("declare: form with errors")
    page.get_by_label("No, I do not have a conflict of interest").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Your scores")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us once for housing repairs")
    s.check("score sheet: empty")

    for criterion, value in DRAFT.items():
        score_radio(page, criterion, value).check()
    page.get_by_label("Comment on Evidenced outcomes and impact (optional)").fill("A clear baseline and results.")
    # GOV.UK's script counts what is typed (the box's markup is written by the service: macros/character_count.html)
    expect(page.get_by_text("You have 4,971 characters remaining", exact=True)).to_be_visible()
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("Your draft scores have been saved")).to_be_visible()
    s.check("score sheet: draft saved")

    page.reload()
    expect(page.get_by_role("heading", name="Your scores")).to_be_visible()
    for criterion, value in DRAFT.items():
        expect(score_radio(page, criterion, value)).to_be_checked()
    expect(page.get_by_label("Comment on Evidenced outcomes and impact (optional)")).to_have_value(
        "A clear baseline and results."
    )

    page.get_by_role("button", name="Submit scores").click()
    expect(error_box(page)).to_be_visible()
    s.check("score sheet: submitted with criteria missing")
    for criterion, value in DRAFT.items():  # what was posted is kept
        expect(score_radio(page, criterion, value)).to_be_checked()
    for criterion, value in REST.items():
        score_radio(page, criterion, value).check()
    page.get_by_label("Overall comment (optional)").fill("Strong, well-evidenced work.")
    page.get_by_role("button", name="Submit scores").click()

    expect(page.get_by_text(f"Your scores for {reference} have been submitted")).to_be_visible()
    expect(page.get_by_text("1 of 1 submitted")).to_be_visible()
    s.check("judging: scores submitted")

    page.get_by_role("row").filter(has_text=reference).get_by_role("link").click()
    expect(page.get_by_text("They are locked")).to_be_visible()
    expect(page.get_by_role("button", name="Submit scores")).to_have_count(0)
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.get_by_text("Strong, well-evidenced work.")).to_be_visible()
    expect(page.get_by_text("7 – Strong").or_(page.get_by_text(re.compile(r"^7( –|$)"))).first).to_be_visible()
    s.check("score sheet: submitted, read-only")


def test_judge_accepts_declares_and_scores(page, live_server, check_page):
    judge_journey(Steps(page, check_page, "judge"), live_server)


def test_judge_journey_on_a_phone(phone_page, live_server, check_page):
    assert phone_page.evaluate("window.innerWidth") == 375
    judge_journey(Steps(phone_page, check_page, "judge on a phone", phone=True), live_server)


def test_judge_declares_and_submits_scores_with_the_keyboard_alone(page, live_server, check_page):
    setup = live_server.run(_judging_cycle)
    email = unique_email("kai").replace("testshire.gov.uk", "judges.example.org")
    live_server.run(_ready_judge, setup["cycle_id"], setup["nomination_id"], email)
    reference = setup["reference"]
    sign_in(page, email, PASSWORD)

    tab_to(page, page.get_by_role("link", name="Judging", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your judging")
    tab_to(page, page.get_by_role("row").filter(has_text=reference).get_by_role("link"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Do you have a conflict of interest?")

    continue_button = page.get_by_role("button", name="Continue")
    tab_to(page, continue_button)
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    assert_focus_visible(page)
    check_page(page, "judge by keyboard: declaration with errors")

    # Tab into the unanswered radios (the first, "Yes"), then the arrow key moves the choice to "No".
    yes = page.get_by_label("Yes, I have a conflict of interest")
    no = page.get_by_label("No, I do not have a conflict of interest")
    tab_to(page, yes)
    page.keyboard.press("ArrowDown")
    expect(no).to_be_checked()
    expect(no).to_be_focused()
    expect(yes).not_to_be_checked()
    tab_to(page, continue_button)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your scores")).to_be_visible()

    # Each criterion: Tab into its radios (the first, "1"), Space to choose it, an arrow to move up.
    for criterion in CRITERIA:
        first = score_radio(page, criterion, 1)
        tab_to(page, first, max_presses=120)
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        expect(score_radio(page, criterion, 2)).to_be_checked()

    submit = page.get_by_role("button", name="Submit scores")
    tab_to(page, submit)
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Your scores for {reference} have been submitted")).to_be_visible()
    check_page(page, "judge by keyboard: scores submitted")
