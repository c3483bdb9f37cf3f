"""Sessions: idle and absolute timeouts on a frozen clock, remember-me bounded by the absolute
timeout, and copied session or remember-me cookies that stop working when the session ends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask_login.utils import encode_cookie

from awards.domain.people import accounts
from awards.extensions import db
from awards.models import Nomination, User
from tests.factories import DEFAULT_PASSWORD
from tests.support.queries import recorded_queries
from tests.support.visible import page_text

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IDLE_MESSAGE = "You were signed out after 2 hours without activity"
ABSOLUTE_MESSAGE = "You were signed out because you signed in more than 12 hours ago"


def sign_in_with_form(client, user, remember=False):
    data = {"email": user.email, "password": DEFAULT_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post_form("/sign-in", data)
    assert response.status_code == 302
    return response


def copy_of(client, *names):
    """A new browser holding copies of these cookies (as someone who stole them would)."""
    thief = client.application.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def test_idle_timeout_ends_the_session_after_two_hours_without_activity(app, nominee, time_machine):
    time_machine.move_to(START, tick=False)
    client = app.test_client()
    sign_in_with_form(client, nominee)
    early_copy = copy_of(client, "awards_session")
    time_machine.move_to(START + timedelta(hours=1, minutes=59), tick=False)
    assert client.get("/account").status_code == 200
    time_machine.move_to(START + timedelta(hours=3, minutes=58), tick=False)  # 1h59 after the last request
    assert client.get("/account").status_code == 200
    # a copy of the cookie from sign-in carries its own last-seen time: two hours idle, so it is over
    response = early_copy.get("/account")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in?next=/account"

    time_machine.move_to(START + timedelta(hours=6), tick=False)  # 2h02 after the last request
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in?next=/account"
    text = page_text(client.get(response.headers["Location"]))
    assert IDLE_MESSAGE in text and "Sign in to see this page" not in text
    assert client.get("/account").status_code == 302  # signed out, not just redirected once


def test_absolute_timeout_ends_even_an_active_session_after_twelve_hours(app, nominee, time_machine):
    time_machine.move_to(START, tick=False)
    client = app.test_client()
    sign_in_with_form(client, nominee)
    for minutes in range(100, 12 * 60, 100):  # a request every 1h40, up to 11h40
        time_machine.move_to(START + timedelta(minutes=minutes), tick=False)
        assert client.get("/account").status_code == 200, minutes
    time_machine.move_to(START + timedelta(hours=12, minutes=1), tick=False)
    response = client.get("/nominations")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in?next=/nominations"
    assert ABSOLUTE_MESSAGE in page_text(client.get(response.headers["Location"]))
    # signing in again starts a new twelve hours
    sign_in_with_form(client, nominee)
    assert client.get("/account").status_code == 200


def test_timeouts_are_configurable(make_app, nominee, time_machine):
    app = make_app(SESSION_IDLE_TIMEOUT=30 * 60, SESSION_ABSOLUTE_TIMEOUT=3600)
    with app.app_context():
        time_machine.move_to(START, tick=False)
        client = app.test_client()
        sign_in_with_form(client, nominee)
        time_machine.move_to(START + timedelta(minutes=29), tick=False)
        assert client.get("/account").status_code == 200
        time_machine.move_to(START + timedelta(minutes=60), tick=False)
        response = client.get("/account", follow_redirects=True)
        assert "You were signed out after 30 minutes without activity" in page_text(response)
        sign_in_with_form(client, nominee)
        for minutes in (85, 110):
            time_machine.move_to(START + timedelta(minutes=minutes), tick=False)
            assert client.get("/account").status_code == 200
        time_machine.move_to(START + timedelta(minutes=121), tick=False)  # 61 minutes after signing in again
        response = client.get("/account", follow_redirects=True)
        assert "because you signed in more than 1 hour ago" in page_text(response)


UNKNOWN_START_MESSAGE = "You were signed out because your sign-in had ended"


def test_a_session_or_remember_cookie_with_no_sign_in_time_needs_a_new_sign_in(app, nominee):
    # Cookies issued before sign-in times were kept hold only the session token; how long ago
    # their holder signed in is unknown, so they are refused rather than restarted.
    token = db.session.get(User, nominee.id).session_token
    old_session = app.test_client()
    with old_session.session_transaction() as session:
        session["_user_id"] = token
    old_remember = app.test_client()
    with app.test_request_context():
        old_remember.set_cookie("awards_remember", encode_cookie(token))
    for client in (old_session, old_remember):
        response = client.get("/account")
        assert response.status_code == 302 and response.headers["Location"] == "/sign-in?next=/account"
        text = page_text(client.get(response.headers["Location"]))
        assert UNKNOWN_START_MESSAGE in text and "Nina Nominee" not in text
        assert client.get("/account").status_code == 302  # signed out, not just redirected once
    assert old_remember.get_cookie("awards_remember") is None  # the old cookie is deleted
    # signing in again works as usual
    sign_in_with_form(old_remember, nominee)
    assert old_remember.get("/account").status_code == 200


def test_remember_me_lasts_across_restarts_but_never_past_the_absolute_timeout(app, nominee, time_machine):
    time_machine.move_to(START, tick=False)
    client = app.test_client()
    response = sign_in_with_form(client, nominee, remember=True)
    cookie_header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("awards_remember="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie_header).group(1))
    assert expires == START + timedelta(hours=12)
    # the browser was closed: only the remember-me cookie is left, three hours later
    time_machine.move_to(START + timedelta(hours=3), tick=False)
    restarted = copy_of(client, "awards_remember")
    assert restarted.get("/account").status_code == 200
    # the restored session still counts from the first sign-in, so a kept copy of the cookie
    # (its expiry ignored) is refused after twelve hours
    time_machine.move_to(START + timedelta(hours=12, minutes=1), tick=False)
    replayed = copy_of(client, "awards_remember")
    response = replayed.get("/account")
    assert response.status_code == 302
    assert "awards_remember=;" in " ".join(response.headers.getlist("Set-Cookie"))  # and it is deleted
    assert restarted.get("/account").status_code == 302


def _sign_out(app, client, user):
    client.post_form("/sign-out", token_from="/")


def _change_password(app, client, user):
    response = client.post_form(
        "/account",
        {
            "password-current_password": DEFAULT_PASSWORD,
            "password-new_password": "a brand new passphrase",
            "password-confirm_password": "a brand new passphrase",
            "password-submit": "Change password",
        },
        token_from="/account",
    )
    assert response.status_code == 302


def _disable(app, client, user):
    db.session.get(User, user.id).active = False
    db.session.commit()


@pytest.mark.parametrize("end", [_sign_out, _change_password, _disable], ids=["sign-out", "password", "disabled"])
def test_copied_session_and_remember_cookies_stop_working_when_the_session_ends(app, nominee, end):
    client = app.test_client()
    sign_in_with_form(client, nominee, remember=True)
    copied_session = copy_of(client, "awards_session")
    copied_remember = copy_of(client, "awards_remember")
    both = copy_of(client, "awards_session", "awards_remember")
    assert all(c.get("/account").status_code == 200 for c in (copied_session, copied_remember, both))
    end(app, client, nominee)
    for thief in (copied_session, copied_remember, both):
        assert thief.get("/account").status_code == 302
    if end is _change_password:  # the browser that changed it carries on, with a new token
        assert client.get("/account").status_code == 200
        assert accounts.authenticate(nominee.email, "a brand new passphrase")


def test_session_ending_while_typing_keeps_the_answers(app, nominee, time_machine):
    from tests.factories import make_cycle
    from tests.support.nominating import start_draft

    cycle = make_cycle()
    time_machine.move_to(datetime.now(UTC), tick=False)
    client = app.test_client()
    sign_in_with_form(client, nominee)
    nomination = start_draft(client, cycle)
    url = f"/nominations/{nomination.reference}/challenge"
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    based_on = re.search(r'name="based_on" value="([^"]+)"', page).group(1)
    ticket = re.search(r'name="stash_ticket" value="([^"]+)"', page).group(1)  # the proof it is their page
    typed = "What we set out to fix, typed over a long afternoon. " * 20
    time_machine.shift(timedelta(hours=2, minutes=5))  # idle too long while typing
    response = client.post(
        url, data={"csrf_token": token, "based_on": based_on, "stash_ticket": ticket, "challenge": typed}
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")
    next_url = response.headers["Location"]
    sign_in_page = page_text(client.get(next_url))
    assert IDLE_MESSAGE in sign_in_page and "Sign in to see this page" not in sign_in_page
    response = client.post_form(next_url, {"email": nominee.email, "password": DEFAULT_PASSWORD}, token_from=next_url)
    assert response.headers["Location"] == url
    assert typed.strip() in client.get(url).get_data(as_text=True)
    db.session.expire_all()
    # kept for them, not saved behind their back
    assert not db.session.get(Nomination, nomination.id).answers.get("challenge")


def test_a_signed_in_request_reads_the_person_and_their_roles_in_one_statement(nominee_client):
    nominee_client.get("/account")  # the first request of a client may do more (its session's first use)

    with recorded_queries() as statements:
        response = nominee_client.get("/account")

    assert response.status_code == 200
    reading_people = [s for s in statements if "FROM users" in s or "FROM user_roles" in s]
    assert len(reading_people) == 1 and "user_roles" in reading_people[0], reading_people
