"""The organiser's award cycle pages, through the test client: creating (with times read in the
cycle's time zone), editing, categories, state changes guarded by the dates, and copying."""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.programme import cycles, taxonomy
from awards.extensions import db
from awards.models import AuditEvent, Category, Cycle, CycleStatus, OutboxMessage
from tests.factories import make_cycle, make_nomination
from tests.support.dates import utc
from tests.support.pages import input_value, page_source
from tests.support.programme import add_round, cycle_form, offered_trend_ids, trend
from tests.support.queries import recorded_queries
from tests.support.visible import buttons, error_summary, main_text

UTC = UTC


def checked_trend_ids(response) -> set[int]:
    html = response.get_data(as_text=True)
    return {
        int(v)
        for v in re.findall(
            r'<input class="govuk-checkboxes__input"[^>]*name="trends"[^>]*value="(\d+)"'
            r"[^>]*\bchecked",
            html,
        )
    }


def the_cycle(slug: str | None = None) -> Cycle:
    db.session.expire_all()
    query = sa.select(Cycle)
    if slug:
        query = query.where(Cycle.slug == slug)
    return db.session.scalar(query.order_by(Cycle.id.desc()))


# --- Creating -----------------------------------------------------------------------------------


def test_create_a_cycle_reads_times_in_its_time_zone(organiser_client):
    response = organiser_client.post_form("/organiser/cycles/new", cycle_form(), token_from="/organiser/cycles/new")
    assert response.status_code == 302
    cycle = the_cycle()
    assert response.headers["Location"] == f"/organiser/cycles/{cycle.slug}"
    assert cycle.slug == "public-sector-digital-awards-2026" and cycle.status is CycleStatus.DRAFT
    # 17:00 on 28 June 2026 in London is British Summer Time: 16:00 UTC.
    assert cycle.nominations_close_at == utc(2026, 6, 28, 16, 0)
    assert cycle.nominations_open_at == utc(2026, 3, 2, 9, 0)  # GMT in March
    assert cycle.rounds[0].closes_at is None
    assert [t.code for t in cycle.trends] == ["D1", "D2", "T1", "T2"]
    assert len(cycle.categories) == 8 and len(cycle.rounds[0].criteria) == 6
    page = organiser_client.get(response.headers["Location"])
    text = main_text(page)
    assert "has been created as a draft" in text
    assert "Nominations close 5pm on 28 June 2026" in text
    assert "Nominations open 9am on 2 March 2026" in text
    # And the edit page shows it back in the cycle's time zone.
    edit = organiser_client.get(f"/organiser/cycles/{cycle.slug}/edit")
    assert [input_value(edit, f"nominations_close_date-{p}") for p in ("day", "month", "year")] == ["28", "6", "2026"]
    assert input_value(edit, "nominations_close_time") == "5pm"


def test_times_in_another_time_zone(organiser_client):
    data = cycle_form(
        time_zone="Europe/Stockholm",
        nominations_close_time="5pm",
        judging_close_date=["15", "9", "2026"],
        judging_close_time="midday",
    )
    response = organiser_client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert response.status_code == 302
    cycle = the_cycle()
    assert cycle.time_zone == "Europe/Stockholm"
    assert cycle.nominations_close_at == utc(2026, 6, 28, 15, 0)
    assert cycle.rounds[0].closes_at == utc(2026, 9, 15, 10, 0)
    text = main_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}"))
    assert "Nominations close 5pm on 28 June 2026" in text and "Judging closes midday on 15 September 2026" in text
    listing = main_text(organiser_client.get("/organiser/cycles"))
    assert "5pm on 28 June 2026 (Europe/Stockholm)" in listing


def test_the_create_form_starts_with_sensible_defaults(organiser_client):
    taxonomy.seed_trends()
    db.session.commit()
    page = organiser_client.get("/organiser/cycles/new")
    assert page.status_code == 200
    assert input_value(page, "time_zone") == "Europe/London"
    assert input_value(page, "year") == str(datetime.now(UTC).year)
    assert input_value(page, "reference_prefix") == "PSDA"
    assert input_value(page, "judges_per_nomination") == "3"
    assert "summary_word_limit" not in page.get_data(as_text=True)  # the limits live in the form's questions
    assert input_value(page, "nominations_close_time") == "5pm"
    digital_and_technology = {t.id for t in cycles.default_trends()}
    assert checked_trend_ids(page) == digital_and_technology
    assert trend("S1").id in offered_trend_ids(page) - checked_trend_ids(page)


def test_a_form_with_errors_keeps_everything_typed(organiser_client):
    data = cycle_form(
        year="twenty",
        time_zone="Mars/Olympus",
        description="Kept words",
        nominations_open_date=["31", "2", "2026"],
        nominations_close_date=["28", "", "2026"],
        nominations_close_time="25:00",
        judging_close_date=["1", "10", "2026"],
        judge_max_load="0",
        trends_min="5",
        trends_max="2",
        reference_prefix="P S",
    )
    response = organiser_client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("<title>Error: Create a cycle") == 1
    errors = dict(error_summary(response))
    assert errors == {
        "#year": "Year must be a whole number",
        "#time_zone": "Enter a time zone such as Europe/London",
        "#nominations_open_date-day": "Date nominations open must be a real date",
        "#nominations_close_date-month": "Date nominations close must include a month",
        "#nominations_close_time": "Enter the time nominations close like 5pm or 17:00",
        "#judging_close_time": "Enter the time judging closes",
        "#trends": "Select at least 5 trends: each nomination must address 5",
        "#trends_max": "Most trends must be the same as or more than the fewest trends",
        "#judge_max_load": "Most nominations one judge scores must be 1 or more",
        "#reference_prefix": "Reference prefix must be 1 to 12 letters or numbers, like PSDA",
    }
    assert input_value(response, "year") == "twenty"
    assert input_value(response, "time_zone") == "Mars/Olympus"
    assert [input_value(response, f"nominations_open_date-{p}") for p in ("day", "month", "year")] == [
        "31",
        "2",
        "2026",
    ]
    assert input_value(response, "nominations_close_date-month") == ""
    assert input_value(response, "nominations_close_time") == "25:00"
    assert input_value(response, "judging_close_date-day") == "1"
    assert input_value(response, "reference_prefix") == "P S"
    assert "Kept words</textarea>" in response.get_data(as_text=True)
    assert checked_trend_ids(response) == {int(i) for i in data["trends"]}
    assert db.session.scalar(sa.select(sa.func.count(Cycle.id))) == 0


def test_dates_out_of_order_and_a_time_the_clocks_skip(organiser_client):
    data = cycle_form(nominations_close_date=["1", "3", "2026"])
    response = organiser_client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert error_summary(response) == [
        ("#nominations_close_date-day", "The closing date must be after the opening date")
    ]
    data = cycle_form(nominations_open_date=["29", "3", "2026"], nominations_open_time="1:30am")
    response = organiser_client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert error_summary(response) == [
        (
            "#nominations_open_time",
            "That time does not exist in Europe/London on "
            "that day because the clocks go forward: choose a time an hour later",
        )
    ]


def test_web_addresses_are_unique(organiser_client):
    make_cycle(name="Existing", year=2026)
    existing = the_cycle()
    data = cycle_form(slug=existing.slug, reference_prefix="PSDA2")  # PSDA is Existing's for 2026
    response = organiser_client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert response.status_code == 200
    assert error_summary(response) == [("#slug", f"The web address {existing.slug} is already used by another cycle")]
    assert input_value(response, "slug") == existing.slug
    response = organiser_client.post_form(
        "/organiser/cycles/new", cycle_form(slug="Not A Slug"), token_from="/organiser/cycles/new"
    )
    assert error_summary(response)[0][0] == "#slug"
    assert db.session.scalar(sa.select(sa.func.count(Cycle.id))) == 1


def test_a_retired_trend_is_not_offered_for_a_new_cycle(organiser_client):
    data = cycle_form()
    retired = trend("T3")
    taxonomy.retire_trend(retired)
    db.session.commit()
    page = organiser_client.get("/organiser/cycles/new")
    assert retired.id not in offered_trend_ids(page) and "Cyber protection" not in main_text(page)
    response = organiser_client.post_form(
        "/organiser/cycles/new", {**data, "trends": [str(retired.id)]}, token_from="/organiser/cycles/new"
    )
    assert error_summary(response) == [("#trends", "Select only trends from the list")]


# --- The cycle page and editing -----------------------------------------------------------------


def test_the_cycle_page_summarises_everything(organiser_client):
    cycle = make_cycle(close_at=utc(2030, 6, 28, 16))
    make_nomination(cycle)
    make_nomination(cycle, status="draft", complete=False)
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}")
    text = main_text(page)
    assert "Open for nominations" in text
    assert "Nominees can start and submit nominations until 5pm on 28 June 2030" in text
    assert "1 nomination received, 1 in draft" in text
    assert "Reference prefix PSDA (references look like PSDA-2026-0042)" in text
    assert "Entry form 9 sections, 19 questions" in text and "Trends addressed 1 to 3, one of them primary" in text
    assert f'href="/organiser/cycles/{cycle.slug}/form"' in page.get_data(as_text=True)
    assert "Evidenced outcomes and impact (weight 30, scored 1 to 10)" in text
    html = page.get_data(as_text=True)
    assert f'href="/organiser/cycles/{cycle.slug}/edit#nominations_close_date-day"' in html
    assert f'href="/organiser/cycles/{cycle.slug}/status/closed"' in html
    assert f'href="/organiser/cycles/{cycle.slug}/status/draft"' in html
    assert f'href="/organiser/cycles/{cycle.slug}/copy"' in html
    assert organiser_client.get("/organiser/cycles/no-such-cycle").status_code == 404


def test_edit_a_cycle(organiser_client, organiser):
    cycle = make_cycle(status="draft", close_at=utc(2030, 6, 28, 16))
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/edit")
    assert input_value(page, "slug") == cycle.slug
    data = cycle_form(
        name="PSDA 2030",
        year="2030",
        slug="psda-2030",
        nominations_open_date=["1", "3", "2030"],
        nominations_close_date=["28", "6", "2030"],
        nominations_close_time="4:30pm",
        trends_max="2",
        trends=[str(trend("S1").id), str(trend("D1").id)],
    )
    response = organiser_client.post_form(
        f"/organiser/cycles/{cycle.slug}/edit", data, token_from=f"/organiser/cycles/{cycle.slug}/edit"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/organiser/cycles/psda-2030"
    cycle = the_cycle("psda-2030")
    assert (cycle.name, cycle.year, cycle.trends_max) == ("PSDA 2030", 2030, 2)
    assert cycle.nominations_close_at == utc(2030, 6, 28, 15, 30)
    assert [t.code for t in cycle.trends] == ["D1", "S1"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.updated"))
    assert event.actor_id == organiser.id and "trends" in event.detail["fields"]
    assert "Your changes to the cycle have been saved" in main_text(organiser_client.get("/organiser/cycles/psda-2030"))


def test_a_cycle_with_several_rounds_changes_its_judging_settings_on_the_rounds_pages(organiser_client):
    cycle = make_cycle(status="draft", close_at=utc(2030, 6, 28, 16))
    first = cycle.rounds[0]
    first.closes_at, first.judges_per_nomination, first.judge_max_load = utc(2030, 8, 1, 16), 3, 20
    add_round(cycle, judges_per_nomination=5)
    url = f"/organiser/cycles/{cycle.slug}/edit"
    page = organiser_client.get(url)
    text = main_text(page)
    for field in ("judging_close_date-day", "judging_close_time", "judges_per_nomination", "judge_max_load"):
        assert input_value(page, field) is None, field
    assert "Judges for each nomination" not in text and "Judging closes" not in text
    assert (
        "This cycle judges in 2 rounds, each with its own closing date, number of judges for each nomination and "
        "most nominations one judge scores. Change them on the Judging rounds page." in text
    )
    assert f'<a class="govuk-link" href="/organiser/cycles/{cycle.slug}/rounds">Judging rounds</a>' in page_source(page)
    # Saving the form (even with the old fields posted) leaves round 1 as it was.
    data = cycle_form(
        name="Renamed awards",
        nominations_close_date=["28", "6", "2030"],
        judging_close_date=["1", "9", "2030"],
        judging_close_time="5pm",
        judges_per_nomination="4",
        judge_max_load="9",
    )
    assert organiser_client.post_form(url, data, token_from=url).status_code == 302
    cycle = the_cycle()
    first, final = cycle.rounds
    assert cycle.name == "Renamed awards"
    assert (first.judges_per_nomination, first.judge_max_load, first.closes_at) == (3, 20, utc(2030, 8, 1, 16))
    assert (final.judges_per_nomination, final.closes_at) == (5, None)
    # The cycle page shows round 1's settings; their "Change" links go to round 1's own page.
    shown = organiser_client.get(f"/organiser/cycles/{cycle.slug}")
    assert "Round 1: Judging closes 5pm on 1 August 2030" in main_text(shown)
    assert "Judges for each nomination in Round 1: Judging 3" in main_text(shown)
    html = page_source(shown)
    round_page = f"/organiser/cycles/{cycle.slug}/rounds/1/edit"
    for anchor in ("closes_date-day", "judges_per_nomination", "judge_max_load"):
        assert f'href="{round_page}#{anchor}"' in html, anchor
    assert f"{url}#judges_per_nomination" not in html


def test_a_one_round_cycle_keeps_its_judging_fields_on_its_form(organiser_client):
    cycle = make_cycle(status="draft", close_at=utc(2030, 6, 28, 16))
    url = f"/organiser/cycles/{cycle.slug}/edit"
    page = organiser_client.get(url)
    assert input_value(page, "judges_per_nomination") == "3"
    assert "This cycle judges in" not in main_text(page)
    data = cycle_form(
        nominations_close_date=["28", "6", "2030"],
        judging_close_date=["1", "9", "2030"],
        judging_close_time="5pm",
        judges_per_nomination="4",
    )
    assert organiser_client.post_form(url, data, token_from=url).status_code == 302
    (first,) = the_cycle().rounds
    assert (first.judges_per_nomination, first.closes_at) == (4, utc(2030, 9, 1, 16))
    assert f'href="{url}#judges_per_nomination"' in page_source(organiser_client.get(f"/organiser/cycles/{cycle.slug}"))


def test_the_criteria_pages_are_a_rounds(organiser_client):
    cycle = make_cycle(status="draft")
    final = add_round(cycle)
    url = f"/organiser/cycles/{cycle.slug}/criteria"
    page = organiser_client.get(f"{url}?round=2")
    text, html = main_text(page), page.get_data(as_text=True)
    assert "2 criteria, total weight 100" in text and "Overall impact" in text and "Round 1: Judging" in text
    assert f'href="{url}/new?round=2"' in html
    assert "6 criteria, total weight 100" in main_text(organiser_client.get(f"{url}?round=1"))
    data = {"name": "Reach", "description": "", "weight": "50", "scale_min": "1", "scale_max": "10"}
    response = organiser_client.post_form(f"{url}/new?round=2", data, token_from=f"{url}/new?round=2")
    assert response.status_code == 302 and response.headers["Location"] == f"{url}?round=2"
    db.session.expire_all()
    assert [c.name for c in final.criteria] == ["Overall impact", "Quality of evidence", "Reach"]
    assert final.criteria[-1].cycle_id == cycle.id and len(cycle.rounds[0].criteria) == 6
    # A criterion's pages are its own round's, whatever the address says.
    reach = final.criteria[-1]
    response = organiser_client.post_form(f"{url}/{reach.id}/remove", {}, token_from=f"{url}/{reach.id}/remove?round=2")
    assert response.headers["Location"] == f"{url}?round=2"
    db.session.expire_all()
    assert [c.name for c in final.criteria] == ["Overall impact", "Quality of evidence"]
    assert organiser_client.get(f"{url}?round=3").status_code == 404


def test_the_web_address_is_fixed_once_open(organiser_client):
    cycle = make_cycle(close_at=utc(2030, 6, 28, 16))
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/edit")
    assert input_value(page, "slug") is None
    assert "It cannot change now the cycle has opened" in main_text(page)
    assert "Nominees see your changes as soon as you save them" in main_text(page)
    data = cycle_form(slug="sneaky", nominations_close_date=["28", "6", "2030"])
    response = organiser_client.post_form(
        f"/organiser/cycles/{cycle.slug}/edit", data, token_from=f"/organiser/cycles/{cycle.slug}/edit"
    )
    assert response.status_code == 302
    assert the_cycle().slug == cycle.slug


def test_a_retired_trend_the_cycle_offers_stays_on_edit(organiser_client):
    cycle = make_cycle(close_at=utc(2030, 6, 28, 16))
    retired = cycle.trends[0]
    taxonomy.retire_trend(retired)
    db.session.commit()
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/edit")
    assert retired.id in checked_trend_ids(page)
    assert f"{retired.code} {retired.name} (retired)" in main_text(page)
    kept = [str(t.id) for t in cycle.trends]
    response = organiser_client.post_form(
        f"/organiser/cycles/{cycle.slug}/edit",
        cycle_form(trends=kept, nominations_close_date=["28", "6", "2030"]),
        token_from=f"/organiser/cycles/{cycle.slug}/edit",
    )
    assert response.status_code == 302
    assert retired in the_cycle().trends
    assert "Retired" in main_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}"))


# --- State changes ------------------------------------------------------------------------------


def test_opening_is_guarded_by_the_closing_date(organiser_client, organiser):
    cycle = make_cycle(status="draft", open_at=utc(2026, 3, 2, 9), close_at=utc(2026, 6, 28, 16))
    url = f"/organiser/cycles/{cycle.slug}/status/open"
    with time_machine.travel(utc(2026, 6, 28, 16, 0, 0), tick=False):
        organiser_client.sign_in_as(organiser)  # a session cookie made at the travelled time
        page = organiser_client.get(url)
        assert (
            "You cannot do this yet. The closing date has passed: move it later before opening the cycle."
            in main_text(page)
        )
        assert "Open for nominations</button>" not in page.get_data(as_text=True)
        response = organiser_client.post_form(url, token_from=url)
        assert response.status_code == 200
        assert "<title>Error: " in response.get_data(as_text=True)
        assert error_summary(response) == [
            ("#problem", "The closing date has passed: move it later before opening the cycle")
        ]
        assert f'href="/organiser/cycles/{cycle.slug}/edit#nominations_close_date-day"' in response.get_data(
            as_text=True
        )
    assert the_cycle().status is CycleStatus.DRAFT
    with time_machine.travel(utc(2026, 6, 28, 15, 59, 59), tick=False):
        organiser_client.sign_in_as(organiser)
        page = organiser_client.get(url)
        text = main_text(page)
        assert "Open Public Sector Digital Awards 2026 for nominations?" in text
        assert "until 5pm on 28 June 2026 (Europe/London time)" in text
        response = organiser_client.post_form(url, token_from=url)
        assert response.status_code == 302 and response.headers["Location"] == f"/organiser/cycles/{cycle.slug}"
        assert "is now open for nominations" in main_text(organiser_client.get(response.headers["Location"]))
    assert the_cycle().status is CycleStatus.OPEN
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.status_changed"))
    assert event.actor_id == organiser.id and event.detail == {"from": "draft", "to": "open"}


def test_closing_at_the_close_instant_keeps_the_date(organiser_client, organiser):
    cycle = make_cycle(open_at=utc(2026, 3, 2, 9), close_at=utc(2026, 6, 28, 16))
    url = f"/organiser/cycles/{cycle.slug}/status/closed"
    with time_machine.travel(utc(2026, 6, 28, 16, 0, 0), tick=False):
        organiser_client.sign_in_as(organiser)
        page = organiser_client.get(f"/organiser/cycles/{cycle.slug}")
        assert "Nominations closed at 5pm on 28 June 2026: nobody can submit now" in main_text(page)
        assert buttons(page) == {
            "Close nominations": "primary",
            "Move back to draft": "secondary",
            "Add a category": "secondary",
            "Copy to start next year's cycle": "secondary",
        }
        assert "Close nominations for Public Sector Digital Awards 2026?" in main_text(organiser_client.get(url))
        response = organiser_client.post_form(url, token_from=url)
        assert response.status_code == 302
        page = organiser_client.get(response.headers["Location"])
        assert "Nominations for Public Sector Digital Awards 2026 closed at 5pm on 28 June 2026." in main_text(page)
        assert f'href="/organiser/cycles/{cycle.slug}/status/judging"' in page.get_data(as_text=True)
    assert the_cycle().status is CycleStatus.CLOSED
    assert the_cycle().nominations_close_at == utc(2026, 6, 28, 16)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.nominations_closed"))
    assert event.actor_id == organiser.id and event.detail["early"] is False


def test_close_nominations_now(organiser_client, organiser, nominee_client, nominee):
    cycle = make_cycle(open_at=utc(2026, 3, 2, 9), close_at=utc(2026, 6, 28, 16))
    draft = make_nomination(cycle, nominator=nominee, status="draft", title="Our draft")
    now = utc(2026, 5, 1, 9, 30, 15)  # 10:30am in London
    url = f"/organiser/cycles/{cycle.slug}/status/closed"
    with time_machine.travel(now, tick=False):
        organiser_client.sign_in_as(organiser)
        nominee_client.sign_in_as(nominee)
        page = organiser_client.get(f"/organiser/cycles/{cycle.slug}")
        assert "Nominees can start and submit nominations until 5pm on 28 June 2026" in main_text(page)
        # closing early is offered, but is not the main button: the cycle runs to its date unless you decide
        assert buttons(page)["Close nominations now"] == "secondary"
        assert f'href="{url}"' in page.get_data(as_text=True)
        confirm = organiser_client.get(url)
        text = main_text(confirm)
        assert "Close nominations for Public Sector Digital Awards 2026 now?" in text
        assert (
            "Nominations are open until 5pm on 28 June 2026 (Europe/London time). If you close them now, the "
            "closing date becomes the moment you press the button"
        ) in text
        assert buttons(confirm) == {"Close nominations now": "warning"}
        assert the_cycle().status is CycleStatus.OPEN  # looking changes nothing
        response = organiser_client.post_form(url, token_from=url)
        assert response.status_code == 302 and response.headers["Location"] == f"/organiser/cycles/{cycle.slug}"
        shown = main_text(organiser_client.get(response.headers["Location"]))
        assert (
            "Nominations for Public Sector Digital Awards 2026 closed at 10:30am on 1 May 2026. Nobody can start, "
            "change or submit a nomination now."
        ) in shown
        assert "Nominations close 10:30am on 1 May 2026" in shown
        closed = the_cycle()
        assert closed.status is CycleStatus.CLOSED and closed.nominations_close_at == now
        [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "cycle.nominations_closed"))
        assert event.actor_id == organiser.id and event.object_id == str(cycle.id)
        assert event.detail == {
            "closed_at": now.isoformat(),
            "planned_close_at": utc(2026, 6, 28, 16).isoformat(),
            "early": True,
        }
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "cycle.status_changed")
            )
            == 0
        )
        # the nominee can no longer change their draft
        section = f"/nominations/{draft.reference}/project"
        response = nominee_client.get(section)
        assert response.status_code == 302
        assert "This nomination can no longer be changed" in main_text(nominee_client.get(response.headers["Location"]))
        response = nominee_client.post_form(
            section, {"title": "Changed after closing", "summary": "Late"}, token_from=f"/nominations/{draft.reference}"
        )
        assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(draft), draft.id).title == "Our draft"


def test_closing_before_nominations_start_points_back_to_draft(organiser_client, organiser):
    cycle = make_cycle(open_at=utc(2026, 3, 2, 9), close_at=utc(2026, 6, 28, 16))
    url = f"/organiser/cycles/{cycle.slug}/status/closed"
    with time_machine.travel(utc(2026, 3, 1, 12), tick=False):
        organiser_client.sign_in_as(organiser)
        response = organiser_client.post_form(url, token_from=url)
        assert error_summary(response) == [
            ("#problem", "Nominations have not started yet: move the cycle back to draft instead of closing it")
        ]
    assert the_cycle().status is CycleStatus.OPEN


def test_opening_without_categories_points_to_adding_one(organiser_client):
    taxonomy.seed_trends()
    cycle = cycles.create_cycle(
        name="Bare",
        year=2030,
        nominations_open_at=utc(2030, 1, 1),
        nominations_close_at=utc(2030, 6, 1),
        with_defaults=False,
    )
    db.session.commit()
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/status/open")
    assert "Add at least one category before opening the cycle" in main_text(page)
    assert f'href="/organiser/cycles/{cycle.slug}/categories/new"' in page.get_data(as_text=True)


def test_moves_that_are_not_allowed(organiser_client):
    cycle = make_cycle(status="draft")
    response = organiser_client.get(f"/organiser/cycles/{cycle.slug}/status/published")
    assert response.status_code == 302
    assert "cannot become results published from here" in main_text(organiser_client.get(response.headers["Location"]))
    assert organiser_client.get(f"/organiser/cycles/{cycle.slug}/status/everything").status_code == 404
    response = organiser_client.post_form(f"/organiser/cycles/{cycle.slug}/status/published")
    assert response.status_code == 302 and the_cycle().status is CycleStatus.DRAFT


def test_publishing_is_never_a_plain_state_change(organiser_client):
    cycle = make_cycle(status="judging", close_at=utc(2030, 6, 28, 16))
    url = f"/organiser/cycles/{cycle.slug}/status/published"
    response = organiser_client.get(url)  # an old link: the publish page, which says what publishing does
    assert response.status_code == 302 and response.headers["Location"] == f"/organiser/cycles/{cycle.slug}/publish"
    response = organiser_client.post_form(url, token_from=f"/organiser/cycles/{cycle.slug}")
    assert response.status_code == 302 and response.headers["Location"] == f"/organiser/cycles/{cycle.slug}/publish"
    assert "Nothing has been published. Check what publishing does below, then publish the results here." in main_text(
        organiser_client.get(response.headers["Location"])
    )
    assert the_cycle().status is CycleStatus.JUDGING
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.like("%publish%"))) == 0


def test_publish_results_is_the_main_button_only_once_there_is_a_shortlist(organiser_client):
    from awards.models import Result, ShortlistDecision

    cycle = make_cycle(status="judging", close_at=utc(2030, 6, 28, 16))
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}")
    assert (
        "There is no shortlist yet, so the results cannot be published. Suggest a shortlist on the results page "
        "and adjust it, then publish the results."
    ) in main_text(page)
    assert f'href="/organiser/cycles/{cycle.slug}/results">Suggest a shortlist' in page.get_data(as_text=True)
    kinds = buttons(page)
    assert kinds["Publish results"] == "secondary" and kinds["Stop judging"] == "secondary"
    assert "primary" not in kinds.values()
    nomination = make_nomination(cycle)
    db.session.add(
        ShortlistDecision(
            cycle_id=cycle.id,
            nomination_id=nomination.id,
            result=Result.SHORTLISTED,
            suggested=True,
            rationale="",
            decided_at=utc(2026, 7, 1),
        )
    )
    db.session.commit()
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}")
    assert "There is no shortlist yet" not in main_text(page)
    assert buttons(page)["Publish results"] == "primary"
    assert f'href="/organiser/cycles/{cycle.slug}/publish"' in page.get_data(as_text=True)


def test_each_move_explains_what_happens(organiser_client):
    cycle = make_cycle(status="published", close_at=utc(2030, 6, 28, 16))
    text = main_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}/status/judging"))
    assert "Withdraw the results of Public Sector Digital Awards 2026?" in text
    assert "takes back 0 results" in text and "emails 0 nominees" in text
    cycle.status = CycleStatus.OPEN
    db.session.commit()
    text = main_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}/status/draft"))
    assert "Nominations already started or submitted are kept" in text


# --- Categories ---------------------------------------------------------------------------------


def test_add_edit_and_remove_a_category(organiser_client, organiser):
    cycle = make_cycle(close_at=utc(2030, 6, 28, 16))
    base = f"/organiser/cycles/{cycle.slug}/categories"
    page = organiser_client.get(f"{base}/new")
    assert offered_trend_ids(page) == {t.id for t in cycle.trends}
    response = organiser_client.post_form(
        f"{base}/new",
        {"name": "", "description": "Kept", "shortlist_size": "six", "trends": [str(cycle.trends[0].id)]},
        token_from=f"{base}/new",
    )
    assert dict(error_summary(response)) == {
        "#name": "Enter the category's name",
        "#shortlist_size": "Shortlist size must be a whole number",
    }
    assert input_value(response, "shortlist_size") == "six"
    assert checked_trend_ids(response) == {cycle.trends[0].id}
    response = organiser_client.post_form(
        f"{base}/new",
        {
            "name": "Open data",
            "description": "Publishing data.",
            "shortlist_size": "4",
            "trends": [str(trend("T2").id)],
        },
        token_from=f"{base}/new",
    )
    assert response.status_code == 302
    category = db.session.scalar(sa.select(Category).where(Category.name == "Open data"))
    assert category.shortlist_size == 4 and [t.code for t in category.trends] == ["T2"]
    assert "The category Open data has been added" in main_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}"))

    response = organiser_client.post_form(
        f"{base}/{category.id}/edit",
        {"name": "Technology for Public Good", "description": "", "shortlist_size": "5"},
        token_from=f"{base}/{category.id}/edit",
    )
    assert error_summary(response) == [("#name", "This cycle already has a category with that name")]
    response = organiser_client.post_form(
        f"{base}/{category.id}/edit",
        {
            "name": "Open data and standards",
            "description": "Publishing data.",
            "shortlist_size": "5",
            "trends": [str(trend("T1").id), str(trend("T2").id)],
        },
        token_from=f"{base}/{category.id}/edit",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (category.name, category.shortlist_size) == ("Open data and standards", 5)
    assert [t.code for t in category.trends] == ["T1", "T2"]

    category_id = category.id
    page = organiser_client.get(f"{base}/{category_id}/remove")
    assert "Remove Open data and standards?" in main_text(page)
    response = organiser_client.post_form(f"{base}/{category_id}/remove", token_from=f"{base}/{category_id}/remove")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Category.id).where(Category.id == category_id)) is None
    assert (
        db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "category.removed")).actor_id == organiser.id
    )
    assert organiser_client.get(f"{base}/{category_id}/edit").status_code == 404


def test_a_category_with_nominations_is_not_removed(organiser_client):
    cycle = make_cycle()
    nomination = make_nomination(cycle, status="draft", complete=False)
    category = nomination.category
    url = f"/organiser/cycles/{cycle.slug}/categories/{category.id}/remove"
    page = organiser_client.get(url)
    assert f"You cannot remove {category.name}" in main_text(page)
    assert "Remove category</button>" not in page.get_data(as_text=True)
    response = organiser_client.post_form(url, token_from=f"/organiser/cycles/{cycle.slug}")
    assert response.status_code == 200
    assert db.session.get(Category, category.id) is not None


def test_a_category_of_another_cycle_is_not_found(organiser_client):
    first = make_cycle()
    second = make_cycle(name="Second", year=2027)
    other = second.categories[0]
    assert organiser_client.get(f"/organiser/cycles/{first.slug}/categories/{other.id}/edit").status_code == 404


# --- Copying ------------------------------------------------------------------------------------


def test_copy_to_start_next_year(organiser_client, organiser):
    cycle = make_cycle(
        name="Public Sector Digital Awards 2026", year=2026, open_at=utc(2026, 3, 2, 9), close_at=utc(2026, 6, 28, 16)
    )
    retired = cycle.trends[-1]
    taxonomy.retire_trend(retired)
    db.session.commit()
    url = f"/organiser/cycles/{cycle.slug}/copy"
    page = organiser_client.get(url)
    assert input_value(page, "name") == "Public Sector Digital Awards 2027"
    assert input_value(page, "year") == "2027"
    assert [input_value(page, f"nominations_close_date-{p}") for p in ("day", "month", "year")] == ["28", "6", "2027"]
    assert input_value(page, "nominations_close_time") == "5pm"
    assert f"These retired trends will not be offered: {retired.name}" in main_text(page)

    response = organiser_client.post_form(
        url,
        {
            "name": "Public Sector Digital Awards 2027",
            "year": "2027",
            "nominations_open_date": ["2", "3", "2027"],
            "nominations_open_time": "9am",
            "nominations_close_date": ["", "", ""],
            "nominations_close_time": "5pm",
        },
        token_from=url,
    )
    assert error_summary(response) == [("#nominations_close_date-day", "Enter the date nominations close")]
    assert input_value(response, "nominations_open_date-day") == "2"

    response = organiser_client.post_form(
        url,
        {
            "name": "Public Sector Digital Awards 2027",
            "year": "2027",
            "nominations_open_date": ["2", "3", "2027"],
            "nominations_open_time": "9am",
            "nominations_close_date": ["28", "6", "2027"],
            "nominations_close_time": "5pm",
        },
        token_from=url,
    )
    assert response.status_code == 302
    new = the_cycle("public-sector-digital-awards-2027")
    assert response.headers["Location"] == f"/organiser/cycles/{new.slug}"
    assert new.status is CycleStatus.DRAFT and new.year == 2027
    assert new.nominations_close_at == utc(2027, 6, 28, 16)
    assert retired not in new.trends and len(new.trends) == len(cycle.trends) - 1
    assert [c.name for c in new.categories] == [c.name for c in cycle.categories]
    assert "has been created as a draft" in main_text(organiser_client.get(response.headers["Location"]))


# --- The list -----------------------------------------------------------------------------------


def test_the_list_shows_each_cycle_with_its_counts(organiser_client):
    first = make_cycle(close_at=utc(2030, 6, 28, 16))
    make_nomination(first)
    make_nomination(first)
    make_nomination(first, status="draft", complete=False)
    make_cycle(
        name="Old awards 2025", year=2025, status="published", open_at=utc(2025, 1, 1), close_at=utc(2025, 6, 28, 16)
    )
    text = main_text(organiser_client.get("/organiser/cycles"))
    assert "Public Sector Digital Awards 2026 2026 Open for nominations" in text
    assert "5pm on 28 June 2030 2 1" in text
    assert "Old awards 2025 2025 Results published" in text
    assert text.index("Public Sector Digital Awards 2026") < text.index("Old awards 2025")


def test_list_pages_do_not_query_per_cycle(organiser_client):
    make_cycle()
    organiser_client.get("/organiser/cycles")
    with recorded_queries() as few:
        organiser_client.get("/organiser/cycles")
    for year in range(2020, 2026):
        make_nomination(make_cycle(name=f"Awards {year}", year=year))
    with recorded_queries() as many:
        response = organiser_client.get("/organiser/cycles")
    assert response.status_code == 200
    assert len(many) == len(few)
    cycle = the_cycle()
    organiser_client.get(f"/organiser/cycles/{cycle.slug}")
    with recorded_queries() as page:
        organiser_client.get(f"/organiser/cycles/{cycle.slug}")
    assert len(page) <= 13  # the cycle, its categories, trends, rounds and the first round's criteria, …


def test_the_dashboard_links_to_cycles_and_trends(organiser_client):
    html = organiser_client.get("/organiser/").get_data(as_text=True)
    assert 'href="/organiser/cycles"' in html and 'href="/organiser/trends"' in html


@pytest.mark.parametrize("url", ["/organiser/cycles", "/organiser/cycles/new"])
def test_other_roles_cannot_see_cycle_pages(nominee_client, judge_client, client, url):
    assert nominee_client.get(url).status_code == 403
    assert judge_client.get(url).status_code == 403
    assert client.get(url).headers["Location"].startswith("/sign-in")


def test_a_category_the_entry_form_is_limited_to_is_not_removed(organiser_client):
    """A section asked only of a category would be asked of nobody once it went (or, its limit emptied, of
    everybody): the organiser is told which parts of the form to change first."""
    from awards.domain.nominations import form_builder

    cycle = make_cycle()
    category = cycle.categories[-1]
    form_builder.add_section(cycle, title="About the leader", category_ids=[category.id])
    db.session.commit()
    url = f"/organiser/cycles/{cycle.slug}/categories/{category.id}/remove"
    response = organiser_client.post_form(url, token_from=url, follow_redirects=True)
    assert (
        f"Parts of the entry form are asked only of {category.name} (‘About the leader’): change them on the entry "
        "form first, then remove the category" in main_text(response)
    )
    assert db.session.get(Category, category.id) is not None


def test_the_overview_leaves_the_publics_votes_out_of_recent_activity(organiser_client):
    """A People's Choice brings thousands of attempts and confirmations: they have their own page, and the
    overview's recent activity still shows what the programme's people did."""
    from awards.domain.voting import ballots
    from tests.support.voting import confirmation_token, open_shortlist_vote

    setup = open_shortlist_vote()
    for n in range(12):  # 24 events: more than the overview's 20
        asked = ballots.ask_to_vote(setup.vote, setup.vote.options[0].id, f"resident{n}@example.com", client_ip="")
        message = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)).one()
        assert asked.accepted
        ballots.confirm_vote(confirmation_token(message), client_ip="")
    db.session.commit()

    recent = main_text(organiser_client.get("/organiser/")).split("Recent activity", 1)[1]
    # Before the vote's 24 events pushed everything else out of the 20 rows.
    assert "Vote opened" in recent and "Cycle created" in recent and "Account created" in recent
