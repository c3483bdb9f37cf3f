"""A judge reads an entry made on a custom form, in a real browser, on a desktop and on a phone: the
sections and questions judges read, every kind of answer rendered (long text as paragraphs, a
repeating group as a table, files as neutral downloads), and nothing of the questions for the
organisers only. axe, the HTML checker and no sideways scrolling on both; screenshots with
AWARDS_SCREENSHOTS=1."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import PHONE, sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "saffron lantern orchard pebble"


def _entry_on_a_custom_form() -> dict:
    """A cycle in judging on the canary's custom form (tests/canary.canary_form), a nomination with
    the questions judges read answered plainly, and a judge assigned to it. Plain values only."""
    import io

    from awards.domain.core.clock import utcnow
    from awards.domain.nominations.attachments import add_attachment
    from awards.domain.programme import entry_forms
    from awards.extensions import db
    from tests.canary import canary_form
    from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_user
    from tests.support.files import make_png

    now = utcnow()
    cycle = make_cycle(
        status="judging",
        open_at=now - timedelta(days=40),
        close_at=now - timedelta(days=1),
        judging_close_at=now + timedelta(days=20),
    )
    canary_form(cycle)
    nomination = make_nomination(
        cycle,
        title="Bins collected on time",
        organisation_name="Riverside Borough Council",
        challenge="Missed bin collections were the top complaint.\n\nCrews had paper rounds.",
        seen_text="Waste services",
        seen_textarea="Twelve crews and a product team of five.\n\nResidents tested every screen.",
        seen_number="1200",
        seen_date={"day": "3", "month": "3", "year": "2025"},
        seen_yes_no=True,
        seen_choice="Option B",
        seen_choices=["Option A", "Option C"],
        seen_email="team@example.org",
        seen_url="https://example.org/a-rather-long-web-address/that-must-wrap-on-a-phone/without-scrolling",
        seen_phone="01632 960 123",
        seen_declaration=True,
        seen_group=[
            {"what": "Pilot round went live", "people": "3400", "public": True},
            {"what": "All rounds digital", "people": "41000", "public": False},
        ],
        hidden_text="For the organisers only",
        blind_note="We are Riverside Borough Council.",
    )
    by_key = {q.key: q for q in entry_forms.questions_of(cycle)}
    add_attachment(
        nomination,
        by_key["seen_file"],
        filename="Crew photo.png",
        stream=io.BytesIO(make_png()),
        by=nomination.nominator,
    )
    judge = make_user(name="Jo Judge", email="jo@judges.example.org", roles=("judge",), password=PASSWORD)
    make_assignment(make_judge(cycle, judge), nomination, no_conflict_declared=True)
    db.session.commit()
    return {"reference": nomination.reference, "email": judge.email}


def test_a_judge_reads_an_entry_made_on_a_custom_form(journey, live_server, check_page):
    setup = live_server.run(_entry_on_a_custom_form)
    page = journey.new_page()
    sign_in(page, setup["email"], PASSWORD)
    page.goto(f"/judging/nominations/{setup['reference']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bins collected on time")
    entry = page.locator(".app-judging-entry")
    expect(entry.get_by_role("heading", level=2, name="About the team")).to_be_visible()
    expect(entry.get_by_role("heading", level=3, name="Seen textarea")).to_be_visible()
    expect(entry.get_by_text("Residents tested every screen.")).to_be_visible()
    expect(entry.get_by_text("1,200 staff")).to_be_visible()
    expect(entry.get_by_text("3 March 2025")).to_be_visible()
    table = entry.get_by_role("table", name="Seen group")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table.get_by_role("rowheader", name="All rounds digital")).to_be_visible()
    expect(entry.get_by_role("link", name="Supporting document 1.png")).to_be_visible()
    for hidden in ("For the organisers", "Who are you?", "Riverside", "Crew photo"):
        expect(page.get_by_text(hidden)).to_have_count(0)
    check_page(page, "judge: entry on a custom form")
    page.set_viewport_size(PHONE)
    expect(entry.get_by_text("1,200 staff")).to_be_visible()
    check_page(page, "judge: entry on a custom form, on a phone", screenshot=False)
