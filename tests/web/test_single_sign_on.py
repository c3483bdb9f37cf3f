"""Issue 16 item 2, single sign-on with OpenID Connect, end to end against a real provider on loopback
(tests/support/oidc_provider.py, Authlib's provider side), never a mocked client.

Each test drives the round trip: the app's test client POSTs the start (CSRF token and all) and gets a
redirect to the provider; requests GETs the provider's authorisation URL (no redirects followed); the
provider's redirect back is the callback the app's test client GETs; the app exchanges the code over
real HTTP with the provider's token endpoint and checks the id token against its published keys.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import requests
import sqlalchemy as sa

from awards.config import ConfigurationError
from awards.domain.people import accounts
from awards.domain.people import two_factor as tf
from awards.extensions import db
from awards.models import AuditEvent, LinkedIdentity, Role, User
from tests.factories import make_user
from tests.support.oidc_provider import Person
from tests.support.visible import main_text

START = "/sign-in/sso/riverside"
CALLBACK = "/sign-in/sso/riverside/callback"


@pytest.fixture
def sso_app(make_app, oidc_provider):
    """An app with the loopback provider configured (and the provider knowing the app's callback)."""

    def factory(**entry):
        app = make_app(SSO_PROVIDERS=[oidc_provider.settings(**entry)])
        oidc_provider.redirect_uris.append(app.config["BASE_URL"] + CALLBACK)
        return app

    return factory


@pytest.fixture
def app(sso_app):
    app = sso_app()
    with app.app_context():
        yield app


def start(client, next_url: str | None = None):
    """Press "Sign in with Riverside Council staff" on the sign-in page; the redirect to the provider."""
    page = client.get("/sign-in" + (f"?next={next_url}" if next_url else ""))
    assert "Sign in with Riverside Council staff" in main_text(page)
    response = client.post(START + (f"?next={next_url}" if next_url else ""), data={"csrf_token": client.csrf_token()})
    assert response.status_code == 303, response.status_code
    return response.headers["Location"]


def at_provider(authorize_url: str) -> str:
    """The browser at the provider: its answer is a redirect back to the app's callback (path and query)."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, (answer.status_code, answer.text[:300])
    back = urlsplit(answer.headers["Location"])
    assert back.path == CALLBACK
    return f"{back.path}?{back.query}"


def round_trip(client, next_url: str | None = None):
    """Start, approve at the provider, come back: (the callback's response, the callback URL)."""
    callback = at_provider(start(client, next_url))
    return client.get(callback), callback


def signed_in_user(client) -> User | None:
    """Whom the client's session belongs to (its account page says), or None."""
    response = client.get("/account")
    if response.status_code != 200:
        return None
    db.session.expire_all()
    return next((u for u in db.session.scalars(sa.select(User)) if u.email in main_text(response)), None)


def audit(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def identities() -> list[LinkedIdentity]:
    db.session.expire_all()
    return db.session.scalars(sa.select(LinkedIdentity).order_by(LinkedIdentity.id)).all()


def assert_refused(response, status: int, title: str, reason: str, *, sign_ins_before: int = 0) -> None:
    assert response.status_code == status, response.status_code
    text = main_text(response)
    assert title in text
    assert "Sign in with your email address instead" in text
    refusals = audit("sign_in.sso_refused")
    assert refusals and refusals[-1].detail["reason"] == reason, [r.detail for r in refusals]
    assert all("token" not in key and "code" not in key for key in refusals[-1].detail)
    assert len(audit("sign_in.sso")) == sign_ins_before  # no sign-in recorded for it


# Good sign-ins -----------------------------------------------------------------------------------


def test_a_new_person_gets_an_account_with_the_providers_role(app, oidc_provider):
    client = app.test_client()
    response, _ = round_trip(client)
    assert response.status_code == 302
    user = signed_in_user(client)
    assert user is not None and user.email == "rowan@riverside.gov.uk" and user.name == "Rowan Riverside"
    assert user.role_set == {Role.NOMINEE} and user.email_verified
    assert [(i.user_id, i.issuer, i.subject, i.provider) for i in identities()] == [
        (user.id, oidc_provider.issuer, "riverside-0001", "riverside")
    ]
    [event] = audit("sign_in.sso")
    assert event.actor_id == user.id and event.detail["created"] is True and event.detail["linked"] is True
    # PKCE and a nonce were asked for, and the code went over the back channel once.
    assert oidc_provider.token_requests == 1


def test_the_configured_role_judge_is_given_to_new_accounts(sso_app, oidc_provider):
    app = sso_app(role="judge")
    with app.app_context():
        client = app.test_client()
        round_trip(client)
        assert signed_in_user(client).role_set == {Role.JUDGE}


def test_an_existing_account_is_linked_by_a_verified_email_and_then_by_its_subject(app, oidc_provider):
    owner = make_user(name="Rowan Existing", email="Rowan@Riverside.gov.uk")
    client = app.test_client()
    round_trip(client)
    assert signed_in_user(client).id == owner.id
    assert [i.user_id for i in identities()] == [owner.id]
    assert audit("sign_in.sso")[-1].detail["created"] is False
    # A second sign-in by the same subject, whose address at the provider has changed since: the link holds.
    client.post("/sign-out", data={"csrf_token": client.csrf_token("/account")})
    assert signed_in_user(client) is None
    oidc_provider.person = Person(email="rowan.new@elsewhere.example.org", email_verified=False)
    response, _ = round_trip(client)
    assert response.status_code == 302
    assert signed_in_user(client).id == owner.id
    assert len(identities()) == 1
    assert [e.detail["linked"] for e in audit("sign_in.sso")] == [True, False]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_the_page_asked_for_is_kept_through_the_round_trip(app):
    client = app.test_client()
    response, _ = round_trip(client, next_url="/account")
    assert response.status_code == 302 and response.headers["Location"] == "/account"


def test_a_next_page_on_another_site_is_not_followed(app):
    client = app.test_client()
    response, _ = round_trip(client, next_url="//evil.example.org/")
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_a_sign_in_by_single_sign_on_ends_older_sign_in_links(app, outbox):
    owner = make_user(name="Rowan Existing", email="rowan@riverside.gov.uk")
    accounts.request_magic_link(owner.email)
    db.session.commit()
    link = outbox("magic_link")[-1].body_text.split("/sign-in/email-link/")[1].split()[0]
    client = app.test_client()
    round_trip(client)
    with pytest.raises(accounts.InvalidToken):
        accounts.user_for_magic_link(link)


# Refusals of the provider's answer ---------------------------------------------------------------


def test_an_id_token_for_another_audience_is_refused(app, oidc_provider):
    oidc_provider.misbehave.audience = "someone-elses-client"
    client = app.test_client()
    response, _ = round_trip(client)
    assert_refused(response, 400, "Riverside Council staff could not sign you in", "token")
    assert signed_in_user(client) is None and identities() == []


def test_an_expired_id_token_is_refused(app, oidc_provider):
    oidc_provider.misbehave.expired = True
    client = app.test_client()
    response, _ = round_trip(client)
    assert_refused(response, 400, "Riverside Council staff could not sign you in", "token")
    assert signed_in_user(client) is None and identities() == []


def test_an_id_token_with_another_nonce_is_refused(app, oidc_provider):
    oidc_provider.misbehave.nonce = "a-nonce-this-sign-in-never-asked-for"
    client = app.test_client()
    response, _ = round_trip(client)
    assert_refused(response, 400, "Riverside Council staff could not sign you in", "token")
    assert signed_in_user(client) is None and identities() == []


def test_a_replayed_callback_signs_in_no_second_time(app, oidc_provider):
    client = app.test_client()
    callback = at_provider(start(client))
    cookie = client.get_cookie("awards_session").value  # the session as it was when the provider answered
    assert client.get(callback).status_code == 302
    user = signed_in_user(client)
    assert user is not None
    # The same callback again in the same browser while signed in: on to their page, nothing more.
    assert client.get(callback).headers["Location"] == "/nominations"
    # And after signing out: its state was used up.
    client.post("/sign-out", data={"csrf_token": client.csrf_token("/account")})
    again = client.get(callback)
    assert_refused(again, 400, "Start signing in again", "state", sign_ins_before=1)
    # The same callback with the session from before (a copied cookie): the state matches, but the
    # provider refuses the code a second time.
    other = app.test_client()
    other.set_cookie("awards_session", cookie, domain="localhost")
    replay = other.get(callback)
    assert_refused(replay, 400, "Riverside Council staff could not sign you in", "token", sign_ins_before=1)
    assert signed_in_user(other) is None
    assert len(audit("sign_in.sso")) == 1 and oidc_provider.token_requests == 2


def test_a_callback_from_another_browser_is_refused_by_its_state(app):
    started_here = app.test_client()
    callback = at_provider(start(started_here))
    elsewhere = app.test_client()
    elsewhere.get("/sign-in")
    response = elsewhere.get(callback)
    assert_refused(response, 400, "Start signing in again", "state")
    assert signed_in_user(elsewhere) is None


def test_an_address_the_provider_has_not_verified_is_not_used(app, oidc_provider):
    make_user(name="Rowan Existing", email="rowan@riverside.gov.uk")
    for verified in (False, None):  # said not verified; not said at all
        oidc_provider.person = Person(email_verified=verified)
        client = app.test_client()
        response, _ = round_trip(client)
        assert_refused(response, 403, "Your email address is not confirmed at Riverside Council staff", "unverified")
        assert signed_in_user(client) is None and identities() == []


def test_a_provider_can_be_told_which_claim_says_the_address_is_verified(sso_app, oidc_provider):
    """Microsoft Entra ID sends no email_verified for work accounts; xms_edov (domain owner verified) stands in."""
    app = sso_app(email_verified_claim="xms_edov")
    with app.app_context():
        oidc_provider.person = Person(email_verified=True)  # not the claim this provider is read by
        client = app.test_client()
        assert_refused(
            round_trip(client)[0], 403, "Your email address is not confirmed at Riverside Council staff", "unverified"
        )
        oidc_provider.person = Person(email_verified=None, extra={"xms_edov": True})
        response, _ = round_trip(client)
        assert response.status_code == 302 and signed_in_user(client).email == "rowan@riverside.gov.uk"


def test_an_address_outside_the_allowed_domains_is_refused(app, oidc_provider):
    oidc_provider.person = Person(email="rowan@elsewhere.example.org")
    client = app.test_client()
    response, _ = round_trip(client)
    assert_refused(response, 403, "You cannot sign in with Riverside Council staff using this email address", "domain")
    assert "Only email addresses ending in @riverside.gov.uk" in main_text(response)
    assert signed_in_user(client) is None and identities() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_disabled_account_cannot_sign_in(app, oidc_provider):
    owner = make_user(name="Rowan Existing", email="rowan@riverside.gov.uk")
    owner.active = False
    db.session.commit()
    client = app.test_client()
    response, _ = round_trip(client)
    assert_refused(response, 403, "Your account is disabled", "disabled")
    assert signed_in_user(client) is None and identities() == []


def test_a_linked_account_disabled_later_cannot_sign_in(app):
    client = app.test_client()
    round_trip(client)
    user = signed_in_user(client)
    client.post("/sign-out", data={"csrf_token": client.csrf_token("/account")})
    user.active = False
    db.session.commit()
    response, _ = round_trip(client)
    assert_refused(response, 403, "Your account is disabled", "disabled", sign_ins_before=1)
    assert signed_in_user(client) is None


def test_an_account_linked_to_another_subject_is_not_linked_again(app, oidc_provider):
    """An address the provider has given to someone new does not open its old owner's account."""
    client = app.test_client()
    round_trip(client)
    client.post("/sign-out", data={"csrf_token": client.csrf_token("/account")})
    oidc_provider.person = Person(sub="riverside-0002")  # same address, another person
    response, _ = round_trip(client)
    assert_refused(
        response,
        403,
        "This account is linked to someone else at Riverside Council staff",
        "linked_elsewhere",
        sign_ins_before=1,
    )
    assert signed_in_user(client) is None and len(identities()) == 1


def test_cancelling_at_the_provider_says_so(app, oidc_provider):
    oidc_provider.cancel = True
    client = app.test_client()
    response, callback = round_trip(client)
    assert parse_qs(urlsplit(callback).query)["error"] == ["access_denied"]
    assert_refused(response, 200, "You did not sign in with Riverside Council staff", "cancelled")
    assert "Sign in with Riverside Council staff" in main_text(response)  # a way to try again
    assert signed_in_user(client) is None and oidc_provider.token_requests == 0


def test_two_first_sign_ins_at_the_same_moment_make_one_link(app, oidc_provider, monkeypatch):
    """The other request linked the identity after this one looked for it: the unique constraint refuses
    this one's row, and the second try signs in through the link the other made."""
    from awards.domain.people import single_sign_on as sso

    first = app.test_client()
    round_trip(first)
    looked = []
    real = sso._identity

    def not_yet_committed(issuer, subject):  # the first look misses the other request's row
        looked.append(subject)
        return None if len(looked) == 1 else real(issuer, subject)

    monkeypatch.setattr(sso, "_identity", not_yet_committed)
    monkeypatch.setattr(sso.accounts, "find_user_by_email", lambda email: None)  # nor sees its account
    second = app.test_client()
    response, _ = round_trip(second)
    assert response.status_code == 302
    assert signed_in_user(second).id == signed_in_user(first).id
    assert len(identities()) == 1 and len(looked) == 2


# The provider not answering ---------------------------------------------------------------------


def test_a_provider_that_is_down_gives_a_clear_page(app, oidc_provider):
    oidc_provider.stop()
    client = app.test_client()
    client.get("/sign-in")
    response = client.post(START, data={"csrf_token": client.csrf_token()})
    assert_refused(response, 502, "Riverside Council staff is not answering", "unreachable")
    assert "Try again in a few minutes" in main_text(response)


def test_a_provider_at_a_closed_port_gives_a_clear_page(sso_app):
    from tests.network import free_port

    app = sso_app(issuer=f"http://127.0.0.1:{free_port()}")
    with app.app_context():
        client = app.test_client()
        client.get("/sign-in")
        response = client.post(START, data={"csrf_token": client.csrf_token()})
        assert_refused(response, 502, "Riverside Council staff is not answering", "unreachable")


def test_a_token_endpoint_that_is_down_gives_a_clear_page(app, oidc_provider):
    client = app.test_client()
    callback = at_provider(start(client))
    oidc_provider.misbehave.token_endpoint_down = True
    response = client.get(callback)
    assert_refused(response, 502, "Riverside Council staff is not answering", "unreachable")
    assert signed_in_user(client) is None


def test_a_provider_gone_between_start_and_callback_gives_a_clear_page(app, oidc_provider):
    client = app.test_client()
    callback = at_provider(start(client))
    oidc_provider.stop()
    response = client.get(callback)
    assert_refused(response, 502, "Riverside Council staff is not answering", "unreachable")


def test_a_discovery_document_naming_another_issuer_is_refused(app, oidc_provider, monkeypatch):
    document = oidc_provider.discovery()
    monkeypatch.setattr(oidc_provider, "discovery", lambda: {**document, "issuer": "https://impostor.example.org"})
    client = app.test_client()
    client.get("/sign-in")
    response = client.post(START, data={"csrf_token": client.csrf_token()})
    assert_refused(response, 502, "Riverside Council staff is not answering", "issuer_mismatch")
    assert "Tell the awards team" in main_text(response)


# Two-factor --------------------------------------------------------------------------------------


@pytest.fixture
def organiser_with_two_factor(app):
    organiser = make_user(name="Rowan Organiser", email="rowan@riverside.gov.uk", roles=("organiser",))
    secret = tf.new_secret()
    tf.enable(db.session.merge(organiser), secret=secret, code=pyotp.TOTP(secret).now())
    db.session.commit()
    return organiser


def test_an_organiser_with_two_factor_is_asked_for_a_code_without_mfa_from_the_provider(
    app, oidc_provider, organiser_with_two_factor
):
    oidc_provider.person = Person(amr=["pwd"])
    client = app.test_client()
    response, _ = round_trip(client)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in/code"
    assert "Enter your code" in main_text(client.get("/sign-in/code"))
    assert signed_in_user(client) is None


@pytest.mark.parametrize("amr", [["pwd", "mfa"], ["pwd", "otp"], ["mfa"]])
def test_an_organiser_with_two_factor_is_let_in_when_the_provider_checked_a_second_factor(
    app, oidc_provider, organiser_with_two_factor, amr
):
    oidc_provider.person = Person(amr=amr)
    client = app.test_client()
    response, _ = round_trip(client)
    assert response.status_code == 302 and response.headers["Location"] == "/organiser/"
    assert signed_in_user(client).id == organiser_with_two_factor.id
    assert audit("sign_in.sso")[-1].detail["mfa"] is True


def test_one_method_alone_is_not_a_second_factor(app, oidc_provider, organiser_with_two_factor):
    oidc_provider.person = Person(amr=["otp"])
    client = app.test_client()
    response, _ = round_trip(client)
    assert response.headers["Location"] == "/sign-in/code"


# Starting ----------------------------------------------------------------------------------------


def test_the_start_needs_the_forms_csrf_token(app, oidc_provider):
    client = app.test_client()
    response = client.post(START)
    assert response.status_code == 400 and "Your form has expired" in main_text(response)
    assert oidc_provider.token_requests == 0


def test_the_request_to_the_provider_uses_pkce_state_and_nonce(app, oidc_provider):
    client = app.test_client()
    query = parse_qs(urlsplit(start(client)).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [oidc_provider.client_id]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    assert query["redirect_uri"] == [app.config["BASE_URL"] + CALLBACK]


def test_a_signed_in_person_is_sent_on_from_the_start_and_the_callback(app, nominee_client, oidc_provider):
    started = nominee_client.post(START, data={"csrf_token": nominee_client.csrf_token("/account")})
    assert started.status_code == 302 and started.headers["Location"] == "/nominations"
    back = nominee_client.get(CALLBACK + "?code=x&state=y")
    assert back.status_code == 302 and back.headers["Location"] == "/nominations"
    assert oidc_provider.token_requests == 0 and identities() == []


def test_an_unknown_provider_is_not_found(app):
    client = app.test_client()
    assert client.post("/sign-in/sso/nobody", data={"csrf_token": client.csrf_token()}).status_code == 404
    assert client.get("/sign-in/sso/nobody/callback?code=x&state=y").status_code == 404


def test_the_sign_in_page_lets_the_browser_go_on_to_the_provider(app, oidc_provider):
    """Browsers check a form's redirects against form-action: the provider's origin is allowed."""
    policy = app.test_client().get("/sign-in").headers["Content-Security-Policy"]
    assert f"form-action 'self' {oidc_provider.issuer}" in policy


def test_without_providers_the_sign_in_page_is_as_before(make_app):
    plain = make_app()
    page = plain.test_client().get("/sign-in")
    assert "Sign in with your organisation" not in main_text(page)
    assert "form-action 'self';" in page.headers["Content-Security-Policy"]


# Configuration -----------------------------------------------------------------------------------

GOOD = {
    "name": "riverside",
    "label": "Riverside Council staff",
    "issuer": "https://login.example.org/tenant/v2.0",
    "client_id": "abc",
    "client_secret": "shh",
    "email_domains": ["riverside.gov.uk"],
    "role": "nominee",
}


@pytest.mark.parametrize(
    "change,words",
    [
        ({"role": "organiser"}, "role must be nominee or judge"),
        ({"role": "admin"}, "role must be nominee or judge"),
        ({"issuer": "http://login.example.org"}, "issuer must be the provider's https address"),
        ({"issuer": "not a url"}, "issuer must be"),
        ({"email_domains": "riverside.gov.uk"}, "email_domains must be a list"),
        ({"email_domains": ["@riverside.gov.uk"]}, "email_domains must be domains"),
        ({"name": "Riverside Council"}, "name must be lower-case letters"),
        ({"client_secret": ""}, "is missing client_secret"),
        ({"colour": "blue"}, "unknown settings colour"),
    ],
)
def test_a_bad_provider_setting_is_one_clear_line(database_url, change, words):
    from awards import create_app

    with pytest.raises(ConfigurationError) as raised:
        create_app(
            {"ENVIRONMENT": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "SSO_PROVIDERS": [{**GOOD, **change}]}
        )
    message = raised.value.message
    assert "\n" not in message and message.startswith("AWARDS_SSO_PROVIDERS") and words in message


def test_providers_must_be_a_list_with_different_names(database_url):
    from awards import create_app

    for value, words in (("riverside", "must be a list of providers"), ([GOOD, GOOD], "riverside is given twice")):
        with pytest.raises(ConfigurationError) as raised:
            create_app({"ENVIRONMENT": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "SSO_PROVIDERS": value})
        assert words in raised.value.message and "\n" not in raised.value.message


def test_providers_are_read_from_the_environment_as_json(monkeypatch, tmp_path):
    import json

    from awards import create_app

    monkeypatch.setenv("AWARDS_ENVIRONMENT", "development")
    monkeypatch.setenv("AWARDS_SSO_PROVIDERS", json.dumps([GOOD]))
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "env.db"))
    app = create_app()
    with app.test_request_context():
        from awards.web.auth.single_sign_on import configured_providers

        assert [p.label for p in configured_providers()] == ["Riverside Council staff"]
    monkeypatch.setenv("AWARDS_SSO_PROVIDERS", "[{not json")
    with pytest.raises(ConfigurationError) as raised:
        create_app()
    assert "AWARDS_SSO_PROVIDERS: must be a list of providers" in raised.value.message


# Personal data ------------------------------------------------------------------------------------


def test_the_persons_data_lists_their_linked_identity_and_deleting_the_account_removes_it(app, oidc_provider):
    from awards.domain.records.data_protection import delete_account
    from tests.factories import DEFAULT_PASSWORD

    owner = make_user(name="Rowan Existing", email="rowan@riverside.gov.uk")
    client = app.test_client()
    round_trip(client)
    copy = client.get("/account/your-data.json").get_json()
    assert [(i["provider"], i["issuer"], i["subject"]) for i in copy["single_sign_on"]] == [
        ("riverside", oidc_provider.issuer, "riverside-0001")
    ]
    delete_account(db.session.merge(owner), password=DEFAULT_PASSWORD)
    db.session.commit()
    assert identities() == []
