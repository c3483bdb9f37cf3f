"""The Host header: links in e-mails come from BASE_URL whatever the request says, and a request
naming a host we do not serve is refused before anything runs (no e-mail, no database change)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from awards.extensions import db
from awards.models import AuditEvent, Judge, User
from tests.factories import DEFAULT_PASSWORD, make_cycle

FOREIGN = {"Host": "evil.example"}
FORWARDED = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "Forwarded": "host=evil.example"}
LINK_RE = re.compile(r"https?://[^\s\"<>]+")


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def links_in_message(message) -> list[str]:
    return LINK_RE.findall(message.body_text) + LINK_RE.findall(message.body_html or "")


def assert_host_refused(response):
    assert response.status_code == 400
    assert response.content_type.startswith("text/plain")
    assert "this host is not served here" in response.get_data(as_text=True)
    assert not response.headers.getlist("Set-Cookie")  # no session was started or touched


@pytest.mark.parametrize(
    "path,data",
    [
        ("/account/reset-password", {"email": "nina@riverside.gov.uk"}),
        ("/sign-in/email-link", {"email": "nina@riverside.gov.uk"}),
        ("/sign-in", {"email": "nina@riverside.gov.uk", "password": DEFAULT_PASSWORD}),
        (
            "/register",
            {
                "name": "Eve",
                "email": "eve@riverside.gov.uk",
                "organisation": "",
                "password": "a long enough passphrase",
                "confirm_password": "a long enough passphrase",
            },
        ),
    ],
)
def test_a_foreign_host_is_refused_and_nothing_happens(client, nominee, outbox, path, data):
    audits, users = count(AuditEvent), count(User)
    response = client.post_form(path, data, token_from=path, headers=FOREIGN)
    assert_host_refused(response)
    # refused before the CSRF check too: without a token it is the same plain refusal
    assert_host_refused(client.post(path, data=data, headers=FOREIGN))
    assert_host_refused(client.get(path, headers=FOREIGN))
    assert outbox() == [] and count(AuditEvent) == audits and count(User) == users


def test_a_foreign_host_cannot_invite_a_judge(organiser_client, outbox):
    cycle = make_cycle()
    url = f"/organiser/cycles/{cycle.slug}/judges"
    audits = count(AuditEvent)
    response = organiser_client.post_form(url, {"emails": "grace@navy.example.org"}, token_from=url, headers=FOREIGN)
    assert_host_refused(response)
    # a signed-in browser's session is not even read (nor rewritten) for a foreign host
    assert_host_refused(organiser_client.get(url, headers=FOREIGN))
    assert outbox() == [] and count(Judge) == 0 and count(AuditEvent) == audits


def test_reset_link_ignores_forwarded_host_headers(client, nominee, outbox):
    response = client.post_form("/account/reset-password", {"email": nominee.email}, headers=FORWARDED)
    assert response.status_code == 200
    [message] = outbox("reset_password")
    found = links_in_message(message)
    assert found and all(link.startswith("http://127.0.0.1:5000/account/reset-password/") for link in found)
    assert "evil.example" not in message.body_text + (message.body_html or "")


def test_invitation_links_ignore_the_request_host(organiser_client, outbox):
    cycle = make_cycle()
    url = f"/organiser/cycles/{cycle.slug}/judges"
    response = organiser_client.post_form(
        url, {"emails": "grace@navy.example.org"}, token_from=url, headers={"Host": "localhost:8080", **FORWARDED}
    )
    assert response.status_code == 302
    [message] = outbox("judge_invitation")
    found = links_in_message(message)
    assert found and all(link.startswith("http://127.0.0.1:5000/") for link in found)
    assert "evil.example" not in message.body_text + (message.body_html or "") and "8080" not in message.body_text


def test_production_accepts_only_the_host_of_base_url(make_app, nominee):
    from awards.models import OutboxMessage

    app = make_app(BASE_URL="https://awards.example.org", TRUSTED_HOSTS=None)
    assert app.config["TRUSTED_HOSTS"] == ["awards.example.org"]
    with app.app_context():
        client = app.test_client()
        assert_host_refused(client.get("/sign-in"))  # the test client's own "localhost"
        assert_host_refused(client.get("/sign-in", headers={"Host": "awards.example.org.evil.example"}))
        ours = {"Host": "awards.example.org"}
        page = client.get("/account/reset-password", headers=ours).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post(
            "/account/reset-password", headers={**ours, **FORWARDED}, data={"csrf_token": token, "email": nominee.email}
        )
        assert response.status_code == 200
        [message] = db.session.scalars(sa.select(OutboxMessage)).all()
        assert all(
            link.startswith("https://awards.example.org/account/reset-password/") for link in links_in_message(message)
        )
