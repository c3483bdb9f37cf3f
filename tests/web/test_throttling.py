"""Request limits on the forms anyone can post (awards/throttling.py), and a sign-in lock that an
attacker elsewhere cannot use to lock the owner out.

The limits are off in every other test (Testing sets RATELIMIT_ENABLED = False); these tests turn them
on in an app of their own. The shared counts live in Redis under a key prefix of this test alone
(per xdist worker and test), emptied before and after.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest
import redis
import time_machine
from limits import parse_many

from awards import create_app
from awards.config import ConfigurationError, Defaults
from awards.domain.people import accounts
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.visible import main_text

REDIS_URL = os.environ.get("AWARDS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_prefix(worker_id):
    """A key prefix for this test's counts in Redis, emptied before and after the test."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not answering at {REDIS_URL} (.ci/run starts it)")
        pytest.skip(f"Redis is not answering at {REDIS_URL}: start it (redis-server --daemonize yes)")
    prefix = f"awards-test-{worker_id}-{uuid.uuid4().hex[:12]}"

    def flush():
        keys = list(client.scan_iter(match=f"LIMITS:LIMITER/{prefix}/*"))
        if keys:
            client.delete(*keys)

    flush()
    yield prefix
    flush()
    client.close()


@pytest.fixture
def limited(make_app, redis_prefix):
    """make_app with the limits on, counted in this test's part of Redis (settings may be overridden)."""

    def factory(**config):
        settings = {"RATELIMIT_ENABLED": True, "REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix}
        settings.update(config)
        return make_app(**settings)

    return factory


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def try_sign_in(client, email: str, password: str = "wrong password!!", **kwargs):
    return client.post_form("/sign-in", {"email": email, "password": password}, **kwargs)


def assert_too_many(response) -> None:
    """The 429 page of an hourly limit (tests use hours, so no window can pass while one runs)."""
    assert response.status_code == 429
    text = main_text(response)
    assert "Too many requests" in text
    assert "Wait 60 minutes and try again" in text or "Wait 59 minutes and try again" in text
    assert 3500 <= int(response.headers["Retry-After"]) <= 3601


def test_forty_sign_ins_for_forty_accounts_from_one_address_are_stopped(limited):
    """Found: 40 sign-ins against 40 accounts from one address were all answered."""
    # The default lets 20 a minute through; counted over an hour here, so a slow run cannot see a new minute.
    assert [(item.amount, item.get_expiry()) for item in parse_many(Defaults.RATELIMIT_SIGN_IN)][0] == (20, 60)
    app = limited(RATELIMIT_SIGN_IN="20 per hour")
    with app.app_context():
        emails = [make_user(email=f"person{n}@riverside.gov.uk").email for n in range(40)]
    attacker = client_at(app, "203.0.113.7")
    statuses = [try_sign_in(attacker, email).status_code for email in emails]
    assert statuses[:20] == [200] * 20  # each told the e-mail address or password is wrong
    assert statuses[20:] == [429] * 20
    assert_too_many(try_sign_in(attacker, emails[0], DEFAULT_PASSWORD))  # even the right password waits
    # Someone at another address is not held up by it.
    owner = client_at(app, "198.51.100.20")
    assert try_sign_in(owner, emails[0], DEFAULT_PASSWORD).status_code == 302


def test_the_overall_limit_holds_whatever_the_address(limited):
    app = limited(RATELIMIT_SIGN_IN_OVERALL="5 per hour")
    statuses = [
        try_sign_in(client_at(app, f"203.0.113.{n}"), "someone@riverside.gov.uk").status_code for n in range(1, 8)
    ]
    assert statuses == [200] * 5 + [429] * 2


def test_the_limit_holds_across_two_workers_sharing_redis(limited):
    """Two app instances (as two gunicorn workers or two servers) count together in Redis."""
    first, second = limited(RATELIMIT_SIGN_IN="3 per hour"), limited(RATELIMIT_SIGN_IN="3 per hour")
    assert first is not second
    clients = [client_at(first, "203.0.113.9"), client_at(second, "203.0.113.9")]
    statuses = [try_sign_in(clients[n % 2], "someone@riverside.gov.uk").status_code for n in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]


def test_without_redis_each_process_counts_alone(make_app):
    """The in-memory fallback (no REDIS_URL) is for one process only: two instances allow twice the limit."""
    settings = {"RATELIMIT_ENABLED": True, "RATELIMIT_SIGN_IN": "3 per hour"}
    first, second = make_app(**settings), make_app(**settings)
    assert first.config["RATELIMIT_STORAGE_URI"] == "memory://"
    clients = [client_at(first, "203.0.113.9"), client_at(second, "203.0.113.9")]
    statuses = [try_sign_in(clients[n % 2], "someone@riverside.gov.uk").status_code for n in range(8)]
    assert statuses == [200] * 6 + [429] * 2


def test_an_unreachable_redis_falls_back_to_counting_in_memory(make_app):
    app = make_app(RATELIMIT_ENABLED=True, REDIS_URL="redis://127.0.0.1:9/0", RATELIMIT_SIGN_IN="2 per hour")
    client = client_at(app, "203.0.113.9")
    statuses = [try_sign_in(client, "someone@riverside.gov.uk").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize(
    "setting,url,data",
    [
        (
            "RATELIMIT_REGISTER",
            "/register",
            {"email": "new@riverside.gov.uk", "name": "New Person", "password": "short", "confirm_password": "short"},
        ),
        ("RATELIMIT_PASSWORD_RESET", "/account/reset-password", {"email": "someone@riverside.gov.uk"}),
        ("RATELIMIT_MAGIC_LINK", "/sign-in/email-link", {"email": "someone@riverside.gov.uk"}),
        ("RATELIMIT_INVITATION", "/judging/invitations/not-a-real-invitation-token", {}),
        ("RATELIMIT_STASH", "/nominations/PSDA-2026-0001/organisation", {"name": "typed while signed out"}),
        ("RATELIMIT_SSO_START", "/sign-in/sso/riverside", {}),
    ],
)
def test_each_form_anyone_can_post_is_limited_per_address_and_overall(limited, setting, url, data):
    app = limited(**{setting: "2 per hour", f"{setting}_OVERALL": "3 per hour"})
    here, elsewhere = client_at(app, "203.0.113.30"), client_at(app, "203.0.113.31")
    assert [here.post_form(url, data).status_code != 429 for _ in range(2)] == [True, True]
    assert_too_many(here.post_form(url, data))
    assert elsewhere.post_form(url, data).status_code != 429  # the third POST overall
    assert_too_many(elsewhere.post_form(url, data))
    # Only POSTs count: the pages themselves still open.
    assert here.get(url).status_code != 429
    # The sign-in form has its own counts.
    assert try_sign_in(here, "someone@riverside.gov.uk").status_code == 200


def test_the_single_sign_on_callback_is_limited_per_address_and_overall(limited):
    """The way back from a provider is a GET (each one makes a request to the provider): it is counted."""
    app = limited(RATELIMIT_SSO_CALLBACK="2 per hour", RATELIMIT_SSO_CALLBACK_OVERALL="3 per hour")
    here, elsewhere = client_at(app, "203.0.113.32"), client_at(app, "203.0.113.33")
    url = "/sign-in/sso/riverside/callback?code=x&state=y"
    assert [here.get(url).status_code != 429 for _ in range(2)] == [True, True]
    assert_too_many(here.get(url))
    assert elsewhere.get(url).status_code != 429
    assert_too_many(elsewhere.get(url))
    assert here.get("/sign-in").status_code == 200  # other pages are not counted


def test_a_head_request_counts_as_the_get_it_runs(limited):
    """Flask answers a HEAD by running the GET's view (the callback asks the provider, a pack is made): a limited
    GET's HEAD is counted with it, not a way around it."""
    app = limited(RATELIMIT_SSO_CALLBACK="2 per hour", RATELIMIT_SSO_CALLBACK_OVERALL="")
    client = client_at(app, "203.0.113.34")
    url = "/sign-in/sso/riverside/callback?code=x&state=y"
    assert [client.head(url).status_code != 429 for _ in range(2)] == [True, True]
    assert client.head(url).status_code == 429
    assert_too_many(client.get(url))


def test_a_signed_in_nominee_saving_sections_is_not_limited_as_the_stash(limited, nominee):
    app = limited(RATELIMIT_STASH="1 per hour", RATELIMIT_STASH_OVERALL="1 per hour")
    client = client_at(app, "203.0.113.40")
    client.sign_in_as(nominee)
    statuses = [
        client.post_form(
            "/nominations/PSDA-2026-0001/organisation", {"name": "x"}, token_from="/nominations"
        ).status_code
        for _ in range(3)
    ]
    assert 429 not in statuses


def test_x_forwarded_for_is_not_trusted_unless_configured(limited):
    app = limited(RATELIMIT_SIGN_IN="2 per hour")
    client = client_at(app, "203.0.113.50")
    statuses = [
        try_sign_in(client, "someone@riverside.gov.uk", headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]  # a header the client writes does not make it someone else


def test_behind_a_configured_proxy_each_forwarded_address_counts_alone(limited):
    app = limited(RATELIMIT_SIGN_IN="2 per hour", TRUSTED_PROXY_COUNT=1)
    proxy = client_at(app, "10.0.0.2")
    first = [
        try_sign_in(proxy, "someone@riverside.gov.uk", headers={"X-Forwarded-For": "192.0.2.1"}).status_code
        for _ in range(3)
    ]
    second = try_sign_in(proxy, "someone@riverside.gov.uk", headers={"X-Forwarded-For": "192.0.2.2"}).status_code
    assert first == [200, 200, 429] and second == 200


@pytest.mark.parametrize(
    "setting,value",
    [
        ("RATELIMIT_SIGN_IN", "twenty a minute"),
        ("RATELIMIT_STASH_OVERALL", 20),
        ("REDIS_URL", "127.0.0.1:6379"),
        ("RATELIMIT_ENABLED", "yes"),
    ],
)
def test_bad_limit_settings_are_refused_in_one_line(database_url, setting, value):
    with pytest.raises(ConfigurationError) as raised:
        create_app({"ENVIRONMENT": "testing", "SQLALCHEMY_DATABASE_URI": database_url, setting: value})
    message = raised.value.message
    assert "\n" not in message and setting in message


# The sign-in lock ---------------------------------------------------------------------------


def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(app, nominee):
    """Found: 11 failures locked any account for 15 minutes even with the right password, so anyone
    could lock out an organiser. The lock is per account and address."""
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    attacker, owner = client_at(app, "203.0.113.66"), client_at(app, "198.51.100.20")
    with time_machine.travel(start, tick=False):
        for _ in range(11):
            try_sign_in(attacker, nominee.email)
        assert try_sign_in(owner, nominee.email, DEFAULT_PASSWORD).status_code == 302
        # The attacker's address is still locked, even with the right password.
        refused = try_sign_in(attacker, nominee.email, DEFAULT_PASSWORD)
        assert refused.status_code == 200
        assert "There have been too many attempts to sign in to this account" in main_text(refused)
        assert accounts.lock_expiry(nominee.email, ip="203.0.113.66") is not None
        assert accounts.lock_expiry(nominee.email, ip="198.51.100.20") is None


def test_production_reads_redis_url_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AWARDS_ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("BASE_URL", "https://awards.example.org")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("AWARDS_RATELIMIT_SIGN_IN", "5 per minute;50 per hour")
    app = create_app()
    assert app.config["RATELIMIT_ENABLED"] is True
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    assert app.config["RATELIMIT_SIGN_IN"] == "5 per minute;50 per hour"


def test_the_served_app_warns_when_production_counts_in_each_process(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("AWARDS_ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("BASE_URL", "https://awards.example.org")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.delenv("REDIS_URL", raising=False)
    from awards.throttling import warn_if_counted_per_process

    warn_if_counted_per_process(create_app())
    assert any(
        "REDIS_URL is not set: request limits are counted in each process" in r.getMessage() for r in caplog.records
    )
    caplog.clear()
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    warn_if_counted_per_process(create_app())
    assert not any("REDIS_URL" in r.getMessage() for r in caplog.records)
