"""Anonymous posts to a nomination section (issue 16, item 5).

A section posted after its session ended is kept for its author only when the form carries the
signed stash ticket the section page gave them (user, nomination reference, section; as old as
the absolute session timeout at most). Without one (a cross-site forgery, a stranger's script) the
post is refused with a page, nothing is stored and no cookie is written, so the person whose
browser sent it stays signed in. What is kept is bounded: the section's own fields only, each and
all of them to a size, one per section per person, a few in all.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards.domain.nominations import stash as stash_rules
from awards.extensions import db
from awards.models import FormStash, Nomination
from tests.factories import DEFAULT_PASSWORD, make_cycle, make_user
from tests.support.nominating import section_url, start_draft
from tests.support.visible import main_text

SESSION_COOKIE = "awards_session"
TICKET_RE = re.compile(r'name="stash_ticket" value="([^"]+)"')


def form_of(client, url) -> dict:
    """The hidden fields of the section's form, as the browser would send them."""
    page = client.get(url).get_data(as_text=True)
    fields = {
        name: re.search(rf'name="{name}" value="([^"]*)"', page) for name in ("csrf_token", "based_on", "stash_ticket")
    }
    return {name: match.group(1) for name, match in fields.items() if match}


def stashes() -> list[FormStash]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(FormStash).order_by(FormStash.created_at, FormStash.token)))


def session_cookies_set(response) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{SESSION_COOKIE}=")]


def sign_in_on(client, user, next_url):
    response = client.post_form(
        f"/sign-in?next={next_url}", {"email": user.email, "password": DEFAULT_PASSWORD}, token_from="/sign-in"
    )
    assert response.status_code == 302
    return response


@pytest.fixture
def drafting(app, nominee):
    """The nominee signed in, with a draft, on the challenge section's page."""
    cycle = make_cycle()
    client = app.test_client()
    client.sign_in_as(nominee)
    nomination = start_draft(client, cycle)
    return client, nomination


# --- The findings, reproduced -------------------------------------------------------------------------------


def test_a_cross_site_post_without_a_ticket_stores_nothing_and_signs_nobody_out(app, drafting):
    victim, nomination = drafting
    url = section_url(nomination, "challenge")
    # The attacker's page posts from the victim's browser: SameSite=Lax keeps the cookies off it.
    attacker = app.test_client()
    response = attacker.post(url, data={"challenge": "Planted by someone else", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "Your answers could not be kept" in main_text(response)
    assert "Nothing was kept" in main_text(response)
    assert session_cookies_set(response) == []  # the browser's session cookie is left alone
    assert stashes() == []
    assert victim.get(url).status_code == 200  # still signed in


def test_a_planted_post_is_never_shown_as_typed(app, drafting, nominee):
    _, nomination = drafting
    url = section_url(nomination, "challenge")
    browser = app.test_client()  # the victim's browser, visiting the attacker's page while signed out
    browser.post(url, data={"challenge": "Send your bank details to attacker@example.org"})
    sign_in_on(browser, nominee, url)
    page = browser.get(url)
    assert "Here is what you typed" not in main_text(page)
    assert "attacker@example.org" not in page.get_data(as_text=True)
    assert stashes() == []


def test_another_persons_ticket_keeps_nothing_for_the_owner(app, drafting, nominee):
    _, nomination = drafting
    attacker = make_user(email="mallory@example.org")
    attacker_client = app.test_client()
    attacker_client.sign_in_as(attacker)
    own = start_draft(attacker_client, make_cycle())
    ticket = form_of(attacker_client, section_url(own, "challenge"))["stash_ticket"]
    browser = app.test_client()
    # the attacker's ticket on the victim's section: it names another nomination and person
    response = browser.post(
        section_url(nomination, "challenge"), data={"challenge": "Planted with my own ticket", "stash_ticket": ticket}
    )
    assert response.status_code == 400 and stashes() == []
    # on the attacker's own section it is kept, for the attacker only, and sets no cookie in that browser
    response = browser.post(
        section_url(own, "challenge"), data={"challenge": "Planted with my own ticket", "stash_ticket": ticket}
    )
    assert response.status_code == 302 and session_cookies_set(response) == []
    sign_in_on(browser, nominee, section_url(nomination, "challenge"))
    assert "Planted with my own ticket" not in browser.get(section_url(nomination, "challenge")).get_data(as_text=True)
    assert browser.get(section_url(own, "challenge")).status_code == 404
    assert [s.path for s in stashes()] == [section_url(own, "challenge")]


def test_a_big_anonymous_post_without_a_ticket_stores_nothing(app, drafting):
    _, nomination = drafting
    url = section_url(nomination, "challenge")
    big = {f"field{i}": "x" * 480_000 for i in range(4)}
    response = app.test_client().post(url, data=big)
    assert response.status_code == 400
    assert stashes() == []


def test_only_the_sections_own_fields_are_kept(app, drafting, nominee):
    client, nomination = drafting
    url = section_url(nomination, "challenge")
    form = form_of(client, url)
    browser = app.test_client()  # the session cookie is gone, the page (and its ticket) is still open
    junk = {f"field{i}": "x" * 1000 for i in range(90)}
    response = browser.post(url, data={**junk, **form, "challenge": "What we set out to fix"})
    assert response.status_code == 302
    [kept] = stashes()
    assert kept.data == {"challenge": ["What we set out to fix"]}


@pytest.mark.parametrize(
    "data, why",
    [
        ({"challenge": "word " * 30_000}, "one answer too long"),
        (
            {f"measured-{i}-{k}": "x" * 9_000 for i in range(10) for k in ("metric", "baseline", "result")},
            "all of them together too long",
        ),
    ],
)
def test_a_stash_too_large_is_refused_and_nothing_is_kept(app, drafting, data, why):
    client, nomination = drafting
    section = "challenge" if "challenge" in data else "outcomes"
    url = section_url(nomination, section)
    form = form_of(client, url)
    response = app.test_client().post(url, data={**form, **data})
    assert response.status_code == 413, why
    text = main_text(response)
    assert "Your answers are too long to keep" in text
    assert "Go back in your browser" in text
    assert stashes() == []


def test_one_kept_copy_per_section_and_a_few_in_all(app, drafting, nominee, time_machine):
    client, nomination = drafting
    browser = app.test_client()
    sections = ("organisation", "project", "challenge", "approach", "outcomes", "lessons", "declarations")
    forms = {s: form_of(client, section_url(nomination, s)) for s in sections}
    fields = {
        "organisation": "organisation_name",
        "project": "title",
        "challenge": "challenge",
        "approach": "approach",
        "outcomes": "outcomes_narrative",
        "lessons": "lessons",
        "declarations": "declares_accurate",
    }
    time_machine.move_to(stash_rules.utcnow(), tick=False)
    for attempt in ("first", "second"):
        time_machine.shift(timedelta(seconds=1))
        response = browser.post(
            section_url(nomination, "challenge"), data={**forms["challenge"], "challenge": f"The {attempt} try"}
        )
        assert response.status_code == 302
    assert [s.data for s in stashes()] == [{"challenge": ["The second try"]}]
    for section in sections:
        time_machine.shift(timedelta(seconds=1))
        browser.post(section_url(nomination, section), data={**forms[section], fields[section]: "y"})
    kept = stashes()
    assert len(kept) == stash_rules.MAX_PER_USER
    # the oldest went first
    assert [s.path for s in kept] == [section_url(nomination, s) for s in sections[-stash_rules.MAX_PER_USER :]]


# --- The promise kept: the same browser, a valid ticket ----------------------------------------------------


def test_a_session_that_ends_mid_section_keeps_what_was_typed(app, drafting, nominee, time_machine):
    client, nomination = drafting
    url = section_url(nomination, "challenge")
    time_machine.move_to(stash_rules.utcnow(), tick=False)
    form = form_of(client, url)
    typed = "What we set out to fix, typed over a long afternoon. " * 20
    time_machine.shift(timedelta(hours=2, minutes=5))  # idle too long while typing
    response = client.post(url, data={**form, "challenge": typed})
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")
    sign_in_on(client, nominee, url)
    page = client.get(url)
    assert "Here is what you typed" in main_text(page)
    assert typed.strip() in page.get_data(as_text=True)
    db.session.expire_all()
    assert (
        db.session.get(Nomination, nomination.id).answers.get("challenge", "") == ""
    )  # kept for them, not saved behind their back
    assert stashes() == []  # used once


def test_a_browser_that_lost_its_cookie_keeps_what_was_typed(app, drafting, nominee):
    client, nomination = drafting
    url = section_url(nomination, "approach")
    form = form_of(client, url)
    browser = app.test_client()  # closed and reopened: no cookie, the page still open with its ticket
    response = browser.post(url, data={**form, "approach": "How we went about it"})
    assert response.status_code == 302 and response.headers["Location"] == f"/sign-in?next={url}"
    sign_in_on(browser, nominee, url)
    assert "How we went about it" in browser.get(url).get_data(as_text=True)


def test_a_ticket_is_refused_after_the_absolute_timeout(app, drafting, time_machine):
    client, nomination = drafting
    url = section_url(nomination, "challenge")
    time_machine.move_to(stash_rules.utcnow(), tick=False)
    form = form_of(client, url)
    time_machine.shift(timedelta(seconds=app.config["SESSION_ABSOLUTE_TIMEOUT"] + 60))
    response = app.test_client().post(url, data={**form, "challenge": "Too late"})
    assert response.status_code == 400 and stashes() == []


def test_a_ticket_is_refused_after_signing_out(app, drafting):
    client, nomination = drafting
    url = section_url(nomination, "challenge")
    form = form_of(client, url)
    client.post_form("/sign-out", token_from=url)  # ends every session of the account, and its tickets
    response = client.post(url, data={**form, "challenge": "After signing out"})
    assert response.status_code == 400 and stashes() == []
