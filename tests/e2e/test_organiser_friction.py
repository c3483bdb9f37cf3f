"""Organiser friction removed (issue 12, item 5), in a real browser: a new cycle next to an existing one
with the form's own defaults (a free reference prefix), only the ticked default categories, each date
under its legend; then several nominations marked not eligible at once with one reason, through a
confirmation, without JavaScript doing any of it. Every page met is checked (axe, HTML, reflow)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "meadow copper lighthouse drizzle"


def _existing_cycle_and_organiser(email: str) -> dict:
    """An open cycle of this year with the default prefix (like the demo's), and an organiser."""
    from tests.factories import make_cycle, make_user

    year = datetime.now(UTC).year
    cycle = make_cycle(name=f"Public Sector Digital Awards {year}", year=year)
    make_user(email=email, name="Olu Organiser", roles=("organiser",), password=PASSWORD)
    return {"year": year, "prefix": cycle.reference_prefix}


def _cycle_made(name: str) -> dict:
    from sqlalchemy import select

    from awards.extensions import db
    from awards.models import Cycle

    cycle = db.session.scalar(select(Cycle).where(Cycle.name == name))
    return {"prefix": cycle.reference_prefix, "year": cycle.year, "categories": [c.name for c in cycle.categories]}


def test_a_new_cycle_with_the_defaults_and_three_categories(page, live_server, check_page):
    email = "olu.organiser@awards.example.org"
    existing = live_server.run(_existing_cycle_and_organiser, email)
    sign_in(page, email, PASSWORD)
    page.goto("/organiser/cycles/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a cycle")
    expect(page.get_by_label("Reference prefix")).to_have_value("PSDA2")
    expect(page.get_by_label("Awards year")).to_have_value(str(existing["year"]))
    for legend in ("Nominations open", "Nominations close", "Judging closes (optional)"):
        group = page.get_by_role("group", name=legend)
        for box in ("Day", "Month", "Year", "Time"):
            expect(group.get_by_label(box, exact=True)).to_be_visible()
    categories = page.get_by_role("group", name="Categories to start with")
    boxes = categories.get_by_role("checkbox")
    expect(boxes).to_have_count(8)
    for i in range(8):
        expect(boxes.nth(i)).to_be_checked()
    check_page(page, "create a cycle: defaults with categories")

    for name in (
        "Reimagined Service of the Year",
        "Skills and Capability",
        "Supplier and Customer Collaboration",
        "Digital Leader of the Year",
        "Technology for Public Good",
    ):
        categories.get_by_label(name).uncheck()
    name = "Gwobrau Digidol Cymru 🏴󠁧󠁢󠁷󠁬󠁳󠁿 & “Friends”"
    page.get_by_label("Name", exact=True).fill(name)
    opens = datetime.now(UTC) + timedelta(days=2)
    closes = opens + timedelta(days=40)
    group = page.get_by_role("group", name="Nominations open")
    group.get_by_label("Day").fill(str(opens.day))
    group.get_by_label("Month").fill(str(opens.month))
    group.get_by_label("Year").fill("20")  # a mistake, to see the error in its place
    group = page.get_by_role("group", name="Nominations close")
    group.get_by_label("Day").fill(str(closes.day))
    group.get_by_label("Month").fill(str(closes.month))
    group.get_by_label("Year").fill(str(closes.year))
    page.get_by_role("button", name="Create cycle").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("link", name="Year must include 4 numbers")).to_be_visible()
    summary.get_by_role("link", name="Year must include 4 numbers").click()
    expect(page.get_by_role("group", name="Nominations open").get_by_label("Year")).to_be_focused()
    expect(page.get_by_label("Name", exact=True)).to_have_value(name)
    expect(categories.get_by_role("checkbox", checked=True)).to_have_count(3)
    check_page(page, "create a cycle: a date with an error")
    page.get_by_role("group", name="Nominations open").get_by_label("Year").fill(str(opens.year))
    page.get_by_role("button", name="Create cycle").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    made = live_server.run(_cycle_made, name)
    assert (made["prefix"], made["year"]) == ("PSDA2", existing["year"])
    assert made["categories"] == [
        "Community and Cyber Resilience",
        "Place Partnership and Collaboration",
        "Data and AI Innovation",
    ]


def _cycle_with_nominations(email: str) -> dict:
    from tests.factories import make_cycle, make_nomination, make_user

    cycle = make_cycle(name="Screening Awards 2026", year=2026)
    make_user(email=email, name="Olu Organiser", roles=("organiser",), password=PASSWORD)
    nominators = [make_user(email=f"nominator{i}@riverside.gov.uk", name=f"Nominator {i}") for i in range(3)]
    made = [
        make_nomination(cycle, nominator=nominators[i], title=f"Late entry {i} – Cyngor “Gwynedd” & co")
        for i in range(3)
    ]
    make_nomination(cycle, status="draft", title="Still a draft")
    return {"slug": cycle.slug, "references": [n.reference for n in made]}


def _screened(references: list[str]) -> list[str]:
    from sqlalchemy import select

    from awards.extensions import db
    from awards.models import Nomination

    return [db.session.scalar(select(Nomination.status).where(Nomination.reference == r)).value for r in references]


def test_several_nominations_marked_not_eligible_at_once(page, live_server, check_page):
    email = "olu.organiser@awards.example.org"
    setup = live_server.run(_cycle_with_nominations, email)
    first, second, third = setup["references"]
    sign_in(page, email, PASSWORD)
    page.goto(f"/organiser/cycles/{setup['slug']}/nominations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nominations")
    expect(page.get_by_role("checkbox")).to_have_count(3)  # none for the draft
    check_page(page, "nominations: list with tick boxes")

    page.get_by_role("button", name="Mark selected as not eligible").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("link", name="Select the nominations you want to mark")).to_be_visible()
    check_page(page, "nominations: none selected")
    summary.get_by_role("link", name="Select the nominations you want to mark").click()
    expect(page.get_by_label(f"Select {first}")).to_be_focused()

    page.get_by_label(f"Select {first}").check()
    page.get_by_label(f"Select {third}").check()
    page.get_by_role("button", name="Mark selected as not eligible").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark 2 nominations as not eligible")
    table = page.get_by_role("table", name="The 2 nominations you selected")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table).to_contain_text("Late entry 0 – Cyngor “Gwynedd” & co")
    check_page(page, "screen several: confirmation")

    page.get_by_role("button", name="Mark 2 nominations as not eligible").click()
    expect(
        page.get_by_role("alert")
        .filter(has_text="There is a problem")
        .get_by_role("link", name="Enter the reason the nominations are not eligible")
    ).to_be_visible()
    check_page(page, "screen several: no reason")
    assert live_server.run(_screened, [first, second, third]) == ["submitted"] * 3

    page.get_by_label("Reason").fill("The project started after the cut-off date in the entry rules.")
    page.get_by_role("button", name="Mark 2 nominations as not eligible").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nominations")
    expect(
        page.get_by_text(
            re.compile(
                rf"2 nominations marked not eligible: {first} and {third}\. We have emailed "
                r"their nominators\."
            )
        )
    ).to_be_visible()
    check_page(page, "nominations: two marked not eligible")
    assert live_server.run(_screened, [first, second, third]) == ["ineligible", "submitted", "ineligible"]
    assert len(live_server.outbox(kind="eligibility_ineligible")) == 2
