"""A second award cycle next to the demo, run end to end in a real browser and read as a person reads it.

The organiser creates it with the form's own defaults (a reference prefix that does not clash with the
demo's), a very long name in Welsh with an ampersand and emoji, and three of the default categories; a
nominee submits from "check your answers"; the organiser closes nominations now, marks every nomination
eligible at once, starts judging, invites three judges and assigns them. One judge is conflicted by
e-mail domain, one declares a conflict and the organiser fills the gap; scores come in; the organiser
suggests the shortlist and publishes. Then the public library, the case, its trend page, the API and the
Atom feed. Each step asserts the visible text a person reads, not that a string occurs in the HTML.

The organiser and the nominee are signed in with a session cookie (tests/e2e/signed_in.py): the demo
organiser's sign-in and landing page are test_demo_navigation.py's.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from awards.devdata.demo import DEMO_ACCOUNTS, seed_demo
from tests.e2e.signed_in import sign_in_with_cookie
from tests.support.browser import Steps, heading

pytestmark = pytest.mark.e2e

CYCLE_NAME = (
    "Gwobrau Gwasanaethau Cyhoeddus Digidol Cymru & Lloegr 🏴󠁧󠁢󠁷󠁬󠁳󠁿 — Cyngor, Partneriaid a’r "
    "Gymuned “Ddigidol” ✨ Rownd Ychwanegol ar gyfer Awdurdodau Lleol, Byrddau Iechyd a Gwasanaethau Tân"
)
CATEGORIES = ("Community and Cyber Resilience", "Place Partnership and Collaboration", "Data and AI Innovation")
ANGLESEY = "Cyngor Sir Ynys Môn & Partneriaid 🏴󠁧󠁢󠁷󠁬󠁳󠁿"
ANGLESEY_TITLE = (
    "Gofal Cymdeithasol ar y Cyd: un drws ffrynt i deuluoedd, gofalwyr a’r trydydd sector ar draws "
    "Ynys Môn & Gwynedd 🤝 — llai o alwadau, llai o aros, a gwell gwybodaeth i bawb"
)
OTHERS = (
    ("Conwy County Borough Council", "Bin collections that text back 🚛", "conwy.gov.uk"),
    ("Bath & North East Somerset Council", "Open <data> for “every” planning decision", "bathnes.gov.uk"),
    ("Caerdydd Digital & Data Team", "Cyber drills for every school ☂️", "caerdydd.gov.uk"),
)
JUDGES = ("sian.prydderch@judges.example.org", "dewi.jones@conwy.gov.uk", "ada.lovelace@northfield.ac.uk")
JUDGE_PASSWORD = "harbour violet tangerine kettle"
SIAN = "Siân Prydderch-Jones 😀"


def flash(page, pattern: str):
    return page.get_by_role("main").get_by_text(re.compile(pattern)).first


# --- what the server holds (plain values back) ----------------------------------------------------


def _demo_prefixes() -> set[tuple[str, int]]:
    from awards.extensions import db
    from awards.models import Cycle

    return {(c.reference_prefix, c.year) for c in db.session.scalars(sa.select(Cycle))}


def _now():
    from awards.domain.core.clock import utcnow

    return utcnow()


def _the_cycle() -> dict:
    from awards.extensions import db
    from awards.models import Cycle

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.name == CYCLE_NAME))
    return {
        "slug": cycle.slug,
        "prefix": cycle.reference_prefix,
        "year": cycle.year,
        "id": cycle.id,
        "categories": [c.name for c in cycle.categories],
        "status": cycle.status.value,
        "judges_per_nomination": cycle.rounds[0].judges_per_nomination,
    }


def _make_nominations(slug: str) -> dict:
    """Four nominations of the cycle, one per organisation: Anglesey's complete but still a draft (its
    nominee submits it in the browser), the others submitted. Returns the nominee and the references."""
    from awards.extensions import db
    from awards.models import Cycle
    from tests.factories import make_nomination, make_user

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.slug == slug))
    by_name = {c.name: c for c in cycle.categories}
    nominee = make_user(
        name="Gwenllian ap Rhys 🌼",
        email="gwenllian@ynysmon.llyw.cymru",
        organisation=ANGLESEY,
        password=JUDGE_PASSWORD,
    )
    draft = make_nomination(
        cycle,
        nominator=nominee,
        category=by_name[CATEGORIES[0]],
        status="draft",
        organisation_name=ANGLESEY,
        title=ANGLESEY_TITLE,
        contact_name="Gwenllian ap Rhys 🌼",
        contact_email="gwenllian@ynysmon.llyw.cymru",
        contact_phone="01248 750 057",
    )
    references = {ANGLESEY: draft.reference}
    for (organisation, title, domain), category in zip(OTHERS, CATEGORIES, strict=True):
        person = make_user(name=f"Contact at {organisation}", email=f"digital@{domain}", organisation=organisation)
        made = make_nomination(
            cycle,
            nominator=person,
            category=by_name[category],
            organisation_name=organisation,
            title=title,
            contact_email=f"digital@{domain}",
        )
        references[organisation] = made.reference
    return {"nominee": nominee.email, "references": references}


def _accept(slug: str, email: str, name: str) -> None:
    """An invited judge accepts with a new account (as the invitation page does)."""
    from awards.domain.judging import judges
    from awards.extensions import db
    from awards.models import Cycle, Judge
    from tests.factories import make_user

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.slug == slug))
    judge = db.session.scalar(sa.select(Judge).where(Judge.cycle_id == cycle.id, Judge.email == email))
    user = make_user(name=name, email=email, roles=("judge",), organisation="", password=JUDGE_PASSWORD)
    judges.accept_invitation(judge, user)
    db.session.commit()


def _assigned(slug: str) -> dict[str, list[str]]:
    """{judge e-mail: references assigned}, live assignments only."""
    from awards.extensions import db
    from awards.models import Assignment, AssignmentStatus, Cycle, Judge, Nomination

    rows = db.session.execute(
        sa.select(Judge.email, Nomination.reference)
        .join(Assignment, Assignment.judge_id == Judge.id)
        .join(Nomination, Assignment.nomination_id == Nomination.id)
        .join(Cycle, Judge.cycle_id == Cycle.id)
        .where(Cycle.slug == slug, Assignment.status == AssignmentStatus.ASSIGNED)
        .order_by(Nomination.reference)
    )
    found: dict[str, list[str]] = {}
    for email, reference in rows:
        found.setdefault(email, []).append(reference)
    return found


def _score_the_rest(slug: str) -> int:
    """Every live assignment without submitted scores: no conflict declared, then scores submitted
    (the score sheet's own domain functions). Returns how many were submitted."""
    from awards.domain.judging import conflicts, reviews
    from awards.domain.judging.reviews import ScoreEntry
    from awards.extensions import db
    from awards.models import Assignment, AssignmentStatus, Cycle, Judge, ReviewStatus

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.slug == slug))
    done = 0
    assignments = db.session.scalars(
        sa.select(Assignment)
        .join(Judge, Assignment.judge_id == Judge.id)
        .where(Judge.cycle_id == cycle.id, Assignment.status == AssignmentStatus.ASSIGNED)
        .order_by(Assignment.id)
    ).all()
    for n, assignment in enumerate(assignments):
        review = reviews.review_of(assignment)
        if review is not None and review.status is ReviewStatus.SUBMITTED:
            continue
        judge = assignment.judge
        if assignment.no_conflict_declared_at is None:
            conflicts.declare(judge, assignment.nomination, has_conflict=False, by=judge.user)
        value = 5 + (n * 3) % 5
        entries = {
            c.id: ScoreEntry(value=min(c.scale_max, max(c.scale_min, value)), comment="")
            for c in assignment.round.criteria
        }
        reviews.save_review(assignment, entries, submit=True, version=review.version if review else 0, by=judge.user)
        done += 1
    db.session.commit()
    return done


def _public_case(title: str) -> dict | None:
    from awards.extensions import db
    from awards.models import ImpactCase

    case = db.session.scalar(sa.select(ImpactCase).where(ImpactCase.title == title))
    if case is None:
        return None
    primary = next(link for link in case.trend_links if link.is_primary)
    return {
        "slug": case.slug,
        "trend": primary.trend.name,
        "trend_slug": primary.trend.slug,
        "public": case.unpublished_at is None,
    }


# --- the journey -------------------------------------------------------------------------------------


def test_a_second_cycle_from_the_forms_defaults_to_the_public_pages(journey, live_server, check_page):
    assert live_server.run(seed_demo) is True
    taken = live_server.run(_demo_prefixes)
    organiser_account = next(a for a in DEMO_ACCOUNTS if a.role.value == "organiser")

    # The organiser creates the cycle with the form's defaults, three categories and two judges each.
    page = journey.new_page()
    o = Steps(page, check_page, "second cycle, organiser")
    sign_in_with_cookie(page, live_server, organiser_account.email, organiser_account.password)
    page.goto("/organiser/cycles/new")
    expect(heading(page)).to_have_text("Create a cycle")
    default_prefix = page.get_by_label("Reference prefix").input_value()
    default_year = int(page.get_by_label("Awards year").input_value())
    assert (default_prefix, default_year) not in taken, "the form's defaults clash with an existing cycle"
    page.get_by_label("Name", exact=True).fill(CYCLE_NAME)
    categories = page.get_by_role("group", name="Categories to start with")
    for box in categories.get_by_role("checkbox").all():
        label = page.locator(f"label[for='{box.get_attribute('id')}']").inner_text().strip()
        if label not in CATEGORIES:
            box.uncheck()
    today = live_server.run(_now)
    for legend, day in (
        ("Nominations open", today - timedelta(days=3)),
        ("Nominations close", today + timedelta(days=30)),
    ):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Judges for each nomination").fill("2")
    page.get_by_role("button", name="Create cycle").click()
    expect(heading(page)).to_have_text(CYCLE_NAME)
    expect(flash(page, "has been created as a draft")).to_have_text(re.compile(re.escape(CYCLE_NAME)))
    o.check("created with the defaults")
    cycle = live_server.run(_the_cycle)
    assert (cycle["prefix"], cycle["year"]) == (default_prefix, default_year)
    assert cycle["categories"] == list(CATEGORIES) and cycle["judges_per_nomination"] == 2
    slug = cycle["slug"]

    page.get_by_role("button", name="Open for nominations").click()
    expect(heading(page)).to_have_text(f"Open {CYCLE_NAME} for nominations?")
    page.get_by_role("button", name="Open for nominations").click()
    expect(heading(page)).to_have_text(CYCLE_NAME)
    assert live_server.run(_the_cycle)["status"] == "open"

    # A nominee checks their answers and submits; the others have submitted already.
    made = live_server.run(_make_nominations, slug)
    anglesey = made["references"][ANGLESEY]
    assert anglesey.startswith(f"{default_prefix}-{default_year}-")
    nominee_page = journey.new_page()
    n = Steps(nominee_page, check_page, "second cycle, nominee")
    sign_in_with_cookie(nominee_page, live_server, made["nominee"], JUDGE_PASSWORD)
    nominee_page.goto("/nominations")
    expect(heading(nominee_page)).to_have_text("Your nominations")
    row = nominee_page.get_by_role("row").filter(has_text=anglesey)
    expect(row).to_contain_text(ANGLESEY_TITLE)
    expect(row).to_contain_text(CYCLE_NAME)
    n.check("their nominations")
    row.get_by_role("link", name=anglesey).click()
    expect(nominee_page.get_by_role("main")).to_contain_text("You have completed 9 of 9 sections")
    nominee_page.goto(f"/nominations/{anglesey}/check")
    expect(heading(nominee_page)).to_have_text("Check your answers before submitting your nomination")
    # Each contact question is a row of its own, named by its short name.
    for name, answer in (
        ("Contact", "Gwenllian ap Rhys 🌼"),
        ("Contact’s email address", "gwenllian@ynysmon.llyw.cymru"),
        ("Contact’s telephone number", "01248 750 057"),
    ):
        row = nominee_page.locator(".govuk-summary-list__row", has=nominee_page.get_by_text(name, exact=True))
        assert row.locator("dd").first.inner_text().strip() == answer
    expect(nominee_page.get_by_role("main")).to_contain_text(ANGLESEY)
    n.check("check your answers")
    nominee_page.get_by_role("button", name="Submit nomination").click()
    panel = nominee_page.locator(".govuk-panel")
    expect(panel).to_be_visible()
    assert [line.strip() for line in panel.inner_text().splitlines() if line.strip()] == [
        "Nomination submitted",
        "Your reference number",
        anglesey,
    ]
    n.check("confirmation")
    (receipt,) = live_server.outbox(kind="nomination_submitted", to=made["nominee"])
    assert anglesey in receipt.subject and ANGLESEY_TITLE in receipt.body_text

    # Close nominations now, and mark all four eligible at once.
    page.goto(f"/organiser/cycles/{slug}")
    page.get_by_role("button", name="Close nominations now").click()
    expect(heading(page)).to_have_text(f"Close nominations for {CYCLE_NAME} now?")
    page.get_by_role("button", name="Close nominations now").click()
    expect(flash(page, "closed at")).to_be_visible()
    o.check("nominations closed now")
    page.goto(f"/organiser/cycles/{slug}/nominations")
    expect(heading(page)).to_have_text("Nominations")
    for reference in made["references"].values():
        page.get_by_label(f"Select {reference}").check()
    table = page.get_by_role("table").first
    expect(table).to_contain_text(ANGLESEY_TITLE)
    expect(table).to_contain_text("Open <data> for “every” planning decision")
    page.get_by_role("button", name="Mark selected as eligible").click()
    expect(heading(page)).to_have_text("Mark 4 nominations as eligible")
    o.check("screen four: confirmation")
    page.get_by_role("button", name="Mark 4 nominations as eligible").click()
    expect(flash(page, r"4 nominations marked eligible")).to_be_visible()
    o.check("four marked eligible")
    told = [
        m for m in live_server.outbox(kind="eligibility_eligible") if f"{default_prefix}-{default_year}-" in m.subject
    ]
    assert sorted(m.to_address for m in told) == sorted([made["nominee"], *(f"digital@{d}" for _, _, d in OTHERS)])

    # Judging: three judges invited; they accept; the assignment respects the domain conflict.
    page.goto(f"/organiser/cycles/{slug}")
    page.get_by_role("button", name="Start judging").click()
    expect(heading(page)).to_have_text(f"Start judging {CYCLE_NAME}?")
    page.get_by_role("button", name="Start judging").click()
    expect(heading(page)).to_have_text(CYCLE_NAME)
    page.get_by_role("link", name="Judges", exact=True).click()
    expect(heading(page)).to_have_text("Judges")
    page.get_by_label("Email addresses").fill(", ".join(JUDGES))
    page.get_by_role("button", name="Send invitations").click()
    expect(flash(page, "3 invitations sent")).to_be_visible()
    o.check("three judges invited")

    sian_page = journey.new_page()
    j = Steps(sian_page, check_page, "second cycle, judge")
    sian_page.goto(live_server.email_link(JUDGES[0], "judge_invitation"))
    expect(heading(sian_page)).to_have_text(f"Judge {CYCLE_NAME}")
    sian_page.get_by_label("Full name").fill(SIAN)
    sian_page.get_by_label("Organisation", exact=True).fill("Prifysgol Bangor")
    sian_page.get_by_label("Create a password").fill(JUDGE_PASSWORD)
    sian_page.get_by_label("Confirm password").fill(JUDGE_PASSWORD)
    sian_page.get_by_role("button", name="Accept and create account").click()
    expect(heading(sian_page)).to_have_text("Your judging profile")
    expect(sian_page.get_by_text(f"You are now a judge for {CYCLE_NAME}")).to_be_visible()
    j.check("accepted")
    live_server.run(_accept, slug, JUDGES[1], "Dewi Jones")
    live_server.run(_accept, slug, JUDGES[2], "Ada Lovelace")

    page.goto(f"/organiser/cycles/{slug}/conflicts")
    found = page.get_by_role("table", name="Conflicts found automatically")
    conflict_row = found.get_by_role("row").filter(has_text="Dewi Jones")
    expect(conflict_row).to_contain_text(made["references"]["Conwy County Borough Council"])
    expect(conflict_row).to_contain_text("conwy.gov.uk")
    o.check("conflict by e-mail domain")

    page.goto(f"/organiser/cycles/{slug}")
    page.get_by_role("link", name="Assign judges").click()
    expect(heading(page)).to_have_text("Assign judges")
    page.get_by_role("button", name="Run assignment").click()
    expect(heading(page)).to_have_text("Check the new assignment")
    page.get_by_role("button", name="Confirm assignment").click()
    expect(flash(page, "The assignment has been saved: 8 new assignments")).to_be_visible()
    o.check("assigned")
    assigned = live_server.run(_assigned, slug)
    conwy = made["references"]["Conwy County Borough Council"]
    assert conwy not in assigned.get(JUDGES[1], [])
    assert sum(len(v) for v in assigned.values()) == 8

    # Siân declares a conflict with one of hers; the organiser is told and fills the gap in one step.
    declared = next(r for r in assigned[JUDGES[0]] if r != conwy)  # a nomination another judge is free to take
    titles_by_reference = {
        made["references"][ANGLESEY]: ANGLESEY_TITLE,
        **{made["references"][org]: title for org, title, _ in OTHERS},
    }
    j.nav("Judging")
    expect(heading(sian_page)).to_have_text("Your judging")
    sian_page.get_by_role("row").filter(has_text=declared).get_by_role("link").click()
    expect(heading(sian_page)).to_have_text("Do you have a conflict of interest?")
    sian_page.get_by_label("Yes, I have a conflict of interest").check()
    sian_page.get_by_label("If yes, tell the organisers why (optional)").fill(
        "Fy chwaer sy’n arwain y prosiect & y tîm."
    )
    sian_page.get_by_role("button", name="Continue").click()
    expect(heading(sian_page)).to_have_text("Your judging")
    declared_row = sian_page.get_by_role("row").filter(has_text=declared)
    expect(declared_row).to_contain_text("Conflict declared")
    expect(declared_row.get_by_role("link")).to_have_count(0)
    for title in titles_by_reference.values():
        if titles_by_reference[declared] == title:
            expect(sian_page.get_by_role("main")).not_to_contain_text(title)
    j.check("after declaring a conflict")
    (told,) = [
        m
        for m in live_server.outbox(kind="conflict_after_assignment", to=organiser_account.email)
        if declared in m.body_text
    ]
    assert f"{SIAN} has declared a conflict of interest with {declared}" in told.body_text
    assert titles_by_reference[declared] not in told.body_text

    page.goto(next(link for link in told.links if "/assignment" in link).replace(live_server.url, ""))
    banner = page.get_by_role("region", name="Important")
    expect(banner).to_contain_text(f"{declared} needs 1 more judge: {SIAN} has a conflict of interest with it")
    banner.get_by_role("button", name="Fill the gaps").click()
    expect(page.get_by_text("Every nomination now has all its judges.")).to_be_visible()
    o.check("gap filled")

    # Siân scores one nomination in the browser; the other judges' scores come in.
    mine = [r for r in live_server.run(_assigned, slug)[JUDGES[0]] if r != declared][0]
    sian_page.reload()
    sian_page.get_by_role("row").filter(has_text=mine).get_by_role("link").click()
    sian_page.get_by_label("No, I do not have a conflict of interest").check()
    sian_page.get_by_role("button", name="Continue").click()
    expect(sian_page.get_by_role("heading", name="Your scores")).to_be_visible()
    for group in sian_page.get_by_role("main").get_by_role("group").all():
        radios = group.get_by_role("radio")
        if radios.count() >= 5:
            radios.nth(radios.count() - 2).check()
    sian_page.get_by_role("button", name="Submit scores").click()
    expect(sian_page.get_by_text(f"Your scores for {mine} have been submitted")).to_be_visible()
    j.check("scores submitted")
    assert live_server.run(_score_the_rest, slug) >= 6

    # Results: suggest the shortlist, then publish (the one path that publishes).
    page.goto(f"/organiser/cycles/{slug}")
    page.get_by_role("link", name="Results and shortlist").click()
    expect(heading(page)).to_have_text("Results")
    page.get_by_role("button", name="Suggest shortlist").click()
    expect(flash(page, "Suggested a shortlist")).to_be_visible()
    o.check("shortlist suggested")
    page.get_by_role("button", name="Publish results").click()
    expect(heading(page)).to_have_text("Publish the results")
    page.get_by_role("button", name="Publish results").click()
    expect(flash(page, "Results published")).to_be_visible()
    o.check("published")
    assert live_server.run(_the_cycle)["status"] == "published"

    # The public: the library, the case, its trend, the API and the feed, each as it reads.
    case = live_server.run(_public_case, ANGLESEY_TITLE)
    public = journey.new_page()
    p = Steps(public, check_page, "second cycle, public")
    assert case is not None and case["public"], "every entry fits the default shortlist of six, with consent"
    public.goto("/impact-cases?q=" + "Ynys")
    expect(public.get_by_role("link", name=ANGLESEY_TITLE)).to_be_visible()
    p.check("library search")
    public.get_by_role("link", name=ANGLESEY_TITLE).click()
    expect(heading(public)).to_have_text(ANGLESEY_TITLE)
    expect(public.get_by_role("main")).to_contain_text(ANGLESEY)
    expect(public.get_by_role("main")).to_contain_text(CYCLE_NAME)
    p.check("impact case")
    public.get_by_role("main").get_by_role("link", name=case["trend"]).first.click()
    expect(heading(public)).to_have_text(case["trend"])
    expect(public.get_by_role("link", name=ANGLESEY_TITLE)).to_be_visible()
    p.check("trend page")

    api = public.request.get(f"/api/v1/impact-cases/{case['slug']}").json()["data"]
    assert (api["title"], api["organisation"], api["cycle"]["name"]) == (ANGLESEY_TITLE, ANGLESEY, CYCLE_NAME)
    feed = ET.fromstring(public.request.get("/impact-cases.atom").body())
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [entry.findtext(f"{atom}title") for entry in feed.findall(f"{atom}entry")]
    assert ANGLESEY_TITLE in titles
