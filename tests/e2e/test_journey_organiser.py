"""Organiser journeys in a real browser: create a cycle, invite a judge, run and confirm the
assignment; see the results, suggest and adjust the shortlist, publish; and the main path with
the keyboard alone. Every page state met is checked (axe-core, HTML, no sideways scrolling)."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.support.browser import (
    assert_focus_visible,
    error_box,
    heading,
    make_organiser,
    results_set_up,
    sign_in,
    tab_to,
)

pytestmark = pytest.mark.e2e

CYCLE_NAME = "Public Sector Digital Awards 2027"


def fill_date(page, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def cycle_slug(name: str) -> str:
    from awards.extensions import db
    from awards.models import Cycle

    return db.session.scalar(sa.select(Cycle.slug).where(Cycle.name == name))


def judging_set_up(slug: str) -> list[str]:
    """The cycle moves to judging with three accepted judges (with expertise) and three
    submitted nominations; returns the judges' e-mail addresses."""
    from awards.extensions import db
    from awards.models import Cycle, CycleStatus
    from tests.factories import make_judge, make_nomination, set_expertise

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.slug == slug))
    cycle.status = CycleStatus.JUDGING
    cycle.rounds[0].judges_per_nomination = 2
    db.session.commit()
    trends = cycle.trends
    emails = []
    for i in range(3):
        judge = make_judge(cycle, email=f"accepted{i}@judges.example.org")
        set_expertise(judge.user, {trends[i % len(trends)]: 2, trends[(i + 1) % len(trends)]: 1})
        emails.append(judge.email)
    for i in range(3):
        make_nomination(cycle, title=f"Joined-up housing repairs {i}")
    return emails


def assignments_in_cycle(slug: str) -> int:
    from awards.extensions import db
    from awards.models import Assignment, Cycle, Judge

    return db.session.scalar(
        sa.select(sa.func.count(Assignment.id))
        .join(Judge, Assignment.judge_id == Judge.id)
        .join(Cycle, Judge.cycle_id == Cycle.id)
        .where(Cycle.slug == slug)
    )


def test_organiser_creates_a_cycle_invites_a_judge_and_assigns_judges(page, live_server, check_page):
    organiser = make_organiser(live_server)
    sign_in(page, organiser.email, organiser.password)

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Organise").click()
    expect(heading(page)).to_have_text("Organiser overview")
    check_page(page, "organiser: overview")
    page.get_by_role("link", name="Award cycles").click()
    expect(heading(page)).to_have_text("Award cycles")
    check_page(page, "organiser: award cycles, none yet")

    page.get_by_role("button", name="Create a cycle").click()
    expect(heading(page)).to_have_text("Create a cycle")
    check_page(page, "create a cycle: empty form")

    page.get_by_role("button", name="Create cycle").click()
    expect(error_box(page)).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(error_box(page).get_by_role("link", name="Enter the date nominations open")).to_be_visible()
    check_page(page, "create a cycle: form with errors")

    page.get_by_label("Name", exact=True).fill(CYCLE_NAME)
    page.get_by_label("Awards year").fill("2027")
    fill_date(page, "Nominations open", "1", "3", "2027")
    fill_date(page, "Nominations close", "30", "4", "2027")
    expect(page.get_by_role("group", name="Nominations open").get_by_label("Time")).to_have_value("9am")
    expect(page.get_by_role("group", name="Nominations close").get_by_label("Time")).to_have_value("5pm")
    page.get_by_role("button", name="Create cycle").click()

    expect(heading(page)).to_have_text(CYCLE_NAME)
    expect(page.get_by_text(f"{CYCLE_NAME} has been created as a draft")).to_be_visible()
    check_page(page, "cycle: created")
    slug = live_server.run(cycle_slug, CYCLE_NAME)
    assert slug

    page.get_by_role("link", name="Judges", exact=True).click()
    expect(heading(page)).to_have_text("Judges")
    check_page(page, "judges: none invited")
    page.get_by_label("Email addresses").fill("not-an-address, jo.judge@")
    page.get_by_role("button", name="Send invitations").click()
    expect(error_box(page)).to_be_visible()
    expect(
        error_box(page).get_by_role("link", name=re.compile("Enter email addresses in the correct format"))
    ).to_be_visible()
    check_page(page, "judges: invitation with errors")

    page.get_by_label("Email addresses").fill("jo.judge@judges.example.org")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("1 invitation sent to jo.judge@judges.example.org")).to_be_visible()
    expect(page.get_by_role("table", name=f"Judges of {CYCLE_NAME}").get_by_text("Invited")).to_be_visible()
    check_page(page, "judges: invitation sent")
    (invitation,) = live_server.outbox(to="jo.judge@judges.example.org")
    assert invitation.kind == "judge_invitation"
    assert any(link.startswith(live_server.url) for link in invitation.links)

    live_server.run(judging_set_up, slug)
    page.goto(f"/organiser/cycles/{slug}")
    expect(heading(page)).to_have_text(CYCLE_NAME)
    page.get_by_role("link", name="Assign judges").click()
    expect(heading(page)).to_have_text("Assign judges")
    expect(page.get_by_text("0 of 6")).to_be_visible()
    check_page(page, "assign judges: none yet")

    page.get_by_role("button", name="Run assignment").click()
    expect(heading(page)).to_have_text("Check the new assignment")
    check_page(page, "assign judges: preview")
    assert live_server.run(assignments_in_cycle, slug) == 0  # nothing is saved by a preview

    page.get_by_role("button", name="Confirm assignment").click()
    expect(heading(page)).to_have_text("Assign judges")
    expect(page.get_by_text(re.compile(r"The assignment has been saved: 6 new assignments"))).to_be_visible()
    expect(page.get_by_text("Every nomination has all its judges.")).to_be_visible()
    check_page(page, "assign judges: confirmed")
    assert live_server.run(assignments_in_cycle, slug) == 6  # 3 nominations × 2 judges


# --- results -------------------------------------------------------------------------------------


def public_cases() -> list[tuple[str, str]]:
    from awards.extensions import db
    from awards.models import ImpactCase

    return [(c.title, c.slug) for c in db.session.scalars(sa.select(ImpactCase).order_by(ImpactCase.title))]


def test_organiser_sees_results_adjusts_the_shortlist_and_publishes(page, live_server, check_page):
    organiser = make_organiser(live_server)
    cycle = live_server.run(results_set_up)
    lowest = cycle["references"][1]  # scored 5: not in the suggested shortlist of two
    sign_in(page, organiser.email, organiser.password)

    page.goto("/organiser/cycles")
    page.get_by_role("link", name=cycle["name"]).click()
    expect(heading(page)).to_have_text(cycle["name"])
    page.get_by_role("link", name="Results and shortlist").click()
    expect(heading(page)).to_have_text("Results")
    check_page(page, "results: before the shortlist")

    page.get_by_role("button", name="Suggest shortlist").click()
    expect(page.get_by_text(re.compile(r"Suggested a shortlist of 2 nominations"))).to_be_visible()
    check_page(page, "results: shortlist suggested")

    page.get_by_role("link", name=f"Change the result of {lowest}").click()
    expect(heading(page)).to_have_text(cycle["titles"][1])
    expect(page.get_by_text("The suggested shortlist does not include this nomination.")).to_be_visible()
    check_page(page, "decide: not suggested")
    page.get_by_role("radio", name="Highly commended").check()
    page.get_by_role("button", name="Save decision").click()
    expect(error_box(page)).to_be_visible()
    expect(
        error_box(page).get_by_role("link", name="Give the reason for changing the suggested shortlist")
    ).to_be_visible()
    expect(page.get_by_role("radio", name="Highly commended")).to_be_checked()
    check_page(page, "decide: no reason given")

    page.get_by_label("Reason for the decision").fill("The judges' comments single out its reach in rural areas.")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text(f"{lowest} is now: Highly commended")).to_be_visible()
    expect(heading(page)).to_have_text("Results")
    check_page(page, "results: shortlist adjusted")

    page.get_by_role("button", name="Publish results").click()  # a link drawn as a button
    expect(heading(page)).to_have_text("Publish the results")
    expect(page.get_by_text("Emails cannot be unsent")).to_be_visible()
    check_page(page, "publish: confirm")
    page.get_by_role("button", name="Publish results").click()
    expect(page.get_by_text(re.compile(r"Results published: 3 shortlisted, 3 impact cases published"))).to_be_visible()
    check_page(page, "publish: published")

    cases = live_server.run(public_cases)
    assert [title for title, _ in cases] == sorted(cycle["titles"])
    _, case_slug = next(c for c in cases if c[0] == cycle["titles"][1])
    page.goto(f"/impact-cases/{case_slug}")
    expect(heading(page)).to_have_text(cycle["titles"][1])
    expect(page.get_by_text("Highly commended").first).to_be_visible()
    check_page(page, "public impact case after publishing")


# --- keyboard alone --------------------------------------------------------------------------------


def press_enter_on(page, locator) -> None:
    tab_to(page, locator, max_presses=80)  # the new-cycle form has a box for each trend and default category
    page.keyboard.press("Enter")


def test_organiser_signs_in_and_creates_a_cycle_with_the_keyboard_alone(page, live_server, check_page):
    organiser = make_organiser(live_server)
    page.goto("/sign-in")

    email = page.get_by_label("Email address")
    tab_to(page, email)
    page.keyboard.type(organiser.email)
    tab_to(page, page.get_by_label("Password", exact=True))
    page.keyboard.type(organiser.password)
    press_enter_on(page, page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    press_enter_on(page, page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Organise"))
    expect(heading(page)).to_have_text("Organiser overview")
    press_enter_on(page, page.get_by_role("link", name="Award cycles"))
    expect(heading(page)).to_have_text("Award cycles")
    create = page.get_by_role("button", name="Create a cycle")
    tab_to(page, create)
    page.keyboard.press("Space")  # a link styled as a button: Space works as for a button
    expect(heading(page)).to_have_text("Create a cycle")

    submit = page.get_by_role("button", name="Create cycle")
    press_enter_on(page, submit)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    assert_focus_visible(page)
    check_page(page, "create a cycle: errors, by keyboard")

    press_enter_on(page, summary.get_by_role("link", name="Enter the cycle's name"))
    name = page.get_by_label("Name", exact=True)
    expect(name).to_be_focused()
    page.keyboard.type(CYCLE_NAME)
    year = page.get_by_label("Awards year")
    tab_to(page, year)
    page.keyboard.press("Control+A")
    page.keyboard.type("2027")
    for legend, date in (("Nominations open", ("1", "3", "2027")), ("Nominations close", ("30", "4", "2027"))):
        group = page.get_by_role("group", name=legend)
        for box, value in zip(("Day", "Month", "Year"), date, strict=True):
            tab_to(page, group.get_by_label(box))
            page.keyboard.type(value)
    tab_to(page, name, backwards=True)
    expect(name).to_have_value(CYCLE_NAME)
    press_enter_on(page, submit)

    expect(heading(page)).to_have_text(CYCLE_NAME)
    expect(page.get_by_text(f"{CYCLE_NAME} has been created as a draft")).to_be_visible()
    press_enter_on(page, page.get_by_role("link", name="Judges", exact=True))
    expect(heading(page)).to_have_text("Judges")
    tab_to(page, page.get_by_label("Email addresses"))
    page.keyboard.type("kit.keys@judges.example.org")
    press_enter_on(page, page.get_by_role("button", name="Send invitations"))
    expect(page.get_by_text("1 invitation sent to kit.keys@judges.example.org")).to_be_visible()
    assert live_server.outbox(kind="judge_invitation", to="kit.keys@judges.example.org")
