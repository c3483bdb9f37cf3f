"""Signed-in pages kept per person (awards/web/personal_cache.py, issue 19 item 2): a change made through the
app shows at once, in this app or another (another worker), as does a round closing with no write; two people
never see each other's page; signing out ends what a copied cookie could see; the CSRF token and the section
page's two-window protection still work on a page served from the cache; a flashed message is shown once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.nominations.stash import check_ticket
from awards.extensions import db
from awards.models import Judge, Nomination
from tests.factories import DEFAULT_PASSWORD, make_assignment, make_cycle, make_judge, make_nomination, make_user
from tests.support.nominating import section_url, start_draft
from tests.support.visible import text_of

KEPT_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
KEPT_BASED_ON = re.compile(r'name="based_on" value="([^"]+)"')
KEPT_VERSION = re.compile(r'name="version" value="(\d+)"')
KEPT_TICKET = re.compile(r'name="stash_ticket" value="([^"]+)"')


def kept_sign_in(client, user) -> None:
    """Signed in through the real form, so the session is a browser's (the kept pages' fast path needs one)."""
    response = client.post_form("/sign-in", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def kept_twice(client, url: str) -> tuple[str, str]:
    """The page asked for again after it was built to be kept: (the answer's text, how it was answered:
    'hit' when from the cache). The first request may show a message flashed before (never kept)."""
    client.get(url)
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True), response.headers.get("X-Cache", "")


def judged_entry(cycle, judge_user, title: str):
    """A submitted entry of the cycle assigned to the judge, who has said they have no conflict with it."""
    nominator = make_user(email=f"{title.split()[0].lower()}@riverside.gov.uk")
    nomination = make_nomination(cycle, nominator=nominator, title=title)
    membership = db.session.scalar(sa.select(Judge).where(Judge.cycle_id == cycle.id, Judge.user_id == judge_user.id))
    membership = membership or make_judge(cycle, judge_user)
    make_assignment(membership, nomination, no_conflict_declared=True)
    return nomination


def judging_now():
    now = utcnow()
    return make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))


def test_the_judges_list_is_kept_and_a_saved_score_sheet_shows_on_it_at_once(app, judge):
    cycle = judging_now()
    nomination = judged_entry(cycle, judge, "Digital blue badges")
    client = app.test_client()
    kept_sign_in(client, judge)

    page, how = kept_twice(client, "/judging/")
    assert how == "hit"
    assert "Digital blue badges" in page and "Not started" in text_of(page)

    url = f"/judging/nominations/{nomination.reference}"
    sheet, how = kept_twice(client, url)
    assert how == "hit"
    token = KEPT_TOKEN.search(sheet).group(1)  # the token a page served from the cache carries is the session's
    data = {f"score-{c.id}": "7" for c in cycle.rounds[0].criteria}
    data.update(action="draft", version=KEPT_VERSION.search(sheet).group(1), csrf_token=token)
    assert client.post(url, data=data).status_code == 302

    response = client.get("/judging/")
    assert response.headers.get("X-Cache") != "hit"
    assert "In progress" in text_of(response.get_data(as_text=True))


def test_two_judges_never_see_each_others_kept_list_or_score_sheet(app, judge):
    cycle = judging_now()
    other = make_user(name="Kit Otherjudge", email="kit@judging.example.org", roles=("judge",))
    mine = judged_entry(cycle, judge, "Smarter bin collections")
    theirs = judged_entry(cycle, other, "Digital library cards")
    jo, kit = app.test_client(), app.test_client()
    kept_sign_in(jo, judge)
    kept_sign_in(kit, other)

    for _round in range(2):
        jo_page, jo_how = kept_twice(jo, "/judging/")
        kit_page, kit_how = kept_twice(kit, "/judging/")
        assert (jo_how, kit_how) == ("hit", "hit")
        assert "Smarter bin collections" in jo_page and "Digital library cards" not in jo_page
        assert "Digital library cards" in kit_page and "Smarter bin collections" not in kit_page
    # Each one's score sheet is only theirs: the other's address is not found, kept or not.
    assert kept_twice(jo, f"/judging/nominations/{mine.reference}")[1] == "hit"
    assert jo.get(f"/judging/nominations/{theirs.reference}").status_code == 404


def test_a_change_made_through_another_worker_shows_at_once(make_app, app, judge):
    """Two apps on one database, as two gunicorn workers (or two servers) are: each keeps its own pages."""
    cycle = judging_now()
    nomination = judged_entry(cycle, judge, "Digital blue badges")
    other_worker = make_app(PERSONAL_CACHE_ENTRIES=512)
    here, there = app.test_client(), other_worker.test_client()
    kept_sign_in(here, judge)
    kept_sign_in(there, judge)
    assert "Not started" in text_of(kept_twice(here, "/judging/")[0])

    url = f"/judging/nominations/{nomination.reference}"
    sheet = there.get(url).get_data(as_text=True)
    data = {f"score-{c.id}": "6" for c in cycle.rounds[0].criteria}
    data.update(action="draft", version=KEPT_VERSION.search(sheet).group(1), csrf_token=KEPT_TOKEN.search(sheet)[1])
    assert there.post(url, data=data).status_code == 302

    assert "In progress" in text_of(here.get("/judging/").get_data(as_text=True))


def test_a_bulk_update_through_the_session_shows_at_once(app, judge):
    cycle = judging_now()
    nomination = judged_entry(cycle, judge, "Digital blue badges")
    client = app.test_client()
    kept_sign_in(client, judge)
    assert kept_twice(client, "/judging/")[1] == "hit"

    db.session.execute(sa.update(Nomination).where(Nomination.id == nomination.id).values(title="Blue badges, renamed"))
    db.session.commit()

    page = client.get("/judging/").get_data(as_text=True)
    assert "Blue badges, renamed" in page and "Digital blue badges" not in page


def test_a_round_closing_with_no_write_changes_the_kept_score_sheet(app, judge, time_machine):
    start = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    cycle = make_cycle(status="judging", open_at=start - timedelta(days=60), close_at=start - timedelta(days=1))
    nomination = judged_entry(cycle, judge, "Digital blue badges")
    cycle.rounds[0].closes_at = start + timedelta(seconds=30)
    db.session.commit()
    client = app.test_client()
    kept_sign_in(client, judge)
    url = f"/judging/nominations/{nomination.reference}"
    page, how = kept_twice(client, url)
    assert how == "hit" and "Judging closed at" not in page

    time_machine.move_to(start + timedelta(seconds=40), tick=False)  # within a kept page's minute

    page = client.get(url).get_data(as_text=True)
    assert "Judging closed at" in page and "Submit scores" not in page


def test_signing_out_ends_what_a_copied_cookie_was_shown(app, judge):
    cycle = judging_now()
    judged_entry(cycle, judge, "Digital blue badges")
    client = app.test_client()
    kept_sign_in(client, judge)
    assert kept_twice(client, "/judging/")[1] == "hit"
    copy = app.test_client()
    copy.set_cookie(app.config["SESSION_COOKIE_NAME"], client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    assert copy.get("/judging/").status_code == 200  # the copy is the same session: it is shown the page

    assert client.post_form("/sign-out", token_from="/judging/").status_code == 302

    response = copy.get("/judging/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert "Digital blue badges" not in response.get_data(as_text=True)


def test_a_kept_section_page_keeps_the_two_window_conflict_and_the_task_list_follows_saves(app, nominee):
    now = utcnow()
    cycle = make_cycle(status="open", open_at=now - timedelta(days=1), close_at=now + timedelta(days=30))
    client = app.test_client()
    kept_sign_in(client, nominee)
    nomination = start_draft(client, cycle)
    url = section_url(nomination, "project")
    tasks = f"/nominations/{nomination.reference}"
    assert kept_twice(client, tasks)[1] == "hit"

    window_one, how = kept_twice(client, url)
    window_two = client.get(url)
    assert how == "hit" and window_two.headers["X-Cache"] == "hit"
    window_two = window_two.get_data(as_text=True)
    assert KEPT_BASED_ON.search(window_one)[1] == KEPT_BASED_ON.search(window_two)[1]
    # The stash ticket of a page served from the cache is a good one, made for this response.
    ticket = KEPT_TICKET.search(window_two)[1]
    assert check_ticket(ticket, reference=nomination.reference, section="project").id == nominee.id
    assert "awards-personal" not in window_two

    saved = client.post(
        url,
        data={
            "title": "Title from window two",
            "summary": "Two.",
            "based_on": KEPT_BASED_ON.search(window_two)[1],
            "csrf_token": KEPT_TOKEN.search(window_two)[1],
        },
    )
    assert saved.status_code == 302
    refused = client.post(
        url,
        data={
            "title": "Title from window one",
            "summary": "One.",
            "based_on": KEPT_BASED_ON.search(window_one)[1],
            "csrf_token": KEPT_TOKEN.search(window_one)[1],
        },
    )
    assert refused.status_code == 409
    assert "This section was changed in another window" in refused.get_data(as_text=True)

    page = client.get(url).get_data(as_text=True)
    assert "Title from window two" in page
    listed = client.get(tasks)
    assert listed.headers["X-Cache"] == "miss"
    assert "Title from window two" in listed.get_data(as_text=True) or "Completed" in text_of(
        listed.get_data(as_text=True)
    )


def test_two_nominees_never_see_each_others_kept_task_list(app, nominee):
    now = utcnow()
    cycle = make_cycle(status="open", open_at=now - timedelta(days=1), close_at=now + timedelta(days=30))
    other = make_user(name="Nat Other", email="nat@elsewhere.gov.uk")
    nina, nat = app.test_client(), app.test_client()
    kept_sign_in(nina, nominee)
    kept_sign_in(nat, other)
    hers, his = start_draft(nina, cycle), start_draft(nat, cycle)
    assert kept_twice(nina, f"/nominations/{hers.reference}")[1] == "hit"
    assert kept_twice(nat, f"/nominations/{his.reference}")[1] == "hit"
    for client, own, not_own in ((nina, hers, his), (nat, his, hers)):
        assert client.get(f"/nominations/{own.reference}").headers["X-Cache"] == "hit"
        assert client.get(f"/nominations/{not_own.reference}").status_code == 404
        assert client.get(section_url(not_own, "project")).status_code == 404


def test_a_flashed_message_is_shown_once_and_never_kept(app, judge):
    cycle = judging_now()
    nomination = judged_entry(cycle, judge, "Digital blue badges")
    client = app.test_client()
    kept_sign_in(client, judge)
    url = f"/judging/nominations/{nomination.reference}"
    sheet, _how = kept_twice(client, url)
    data = {f"score-{c.id}": "5" for c in cycle.rounds[0].criteria}
    data.update(action="draft", version=KEPT_VERSION.search(sheet)[1], csrf_token=KEPT_TOKEN.search(sheet)[1])
    assert client.post(url, data=data).status_code == 302

    shown = client.get(url)
    assert "Your draft scores have been saved" in shown.get_data(as_text=True)
    again = client.get(url)
    assert "Your draft scores have been saved" not in again.get_data(as_text=True)
    assert again.headers["X-Cache"] in ("miss", "hit")


def test_the_organisers_list_is_kept_per_filter_and_counts_a_new_entry_at_once(app, organiser):
    cycle = judging_now()
    make_nomination(cycle, title="Smarter bin collections")
    make_nomination(cycle, title="Digital library cards")
    client = app.test_client()
    kept_sign_in(client, organiser)
    url = f"/organiser/cycles/{cycle.slug}/nominations"
    everything, how = kept_twice(client, url)
    filtered, filtered_how = kept_twice(client, url + "?q=bin")
    assert (how, filtered_how) == ("hit", "hit")
    assert "Smarter bin collections" in everything and "Digital library cards" in everything
    assert "Smarter bin collections" in filtered and "Digital library cards" not in filtered

    make_nomination(cycle, title="Bins that talk back")

    assert "Bins that talk back" in client.get(url + "?q=bin").get_data(as_text=True)
    assert "Bins that talk back" in client.get(url).get_data(as_text=True)


def test_a_kept_page_is_not_served_past_the_idle_timeout(app, judge, time_machine):
    start = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    cycle = make_cycle(status="judging", open_at=start - timedelta(days=60), close_at=start - timedelta(days=1))
    judged_entry(cycle, judge, "Digital blue badges")
    client = app.test_client()
    kept_sign_in(client, judge)
    assert kept_twice(client, "/judging/")[1] == "hit"

    time_machine.move_to(start + timedelta(seconds=app.config["SESSION_IDLE_TIMEOUT"] + 1), tick=False)

    response = client.get("/judging/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
