"""Issue 16, accounts: guessable passwords, registration that gives away which addresses have an
account, a reset request that answers faster for unknown addresses, and addresses that cannot be
delivered to or can be mistaken for another account's. Each reproduces what got through."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from awards.domain.judging import judges as judge_rules
from awards.domain.people import passwords
from awards.extensions import db
from awards.models import Judge, OutboxMessage, User
from tests.factories import DEFAULT_PASSWORD, make_cycle, make_user
from tests.support.visible import error_summary, main_text
from tests.support.work import work_until_answered

STRONG = "tidal marble lantern quietly"
LINK_RE = re.compile(r"http://[^\s\"<]+")


def register_strongly(client, **overrides):
    data = {
        "name": "Rita Registrant",
        "email": "rita@riverside.gov.uk",
        "organisation": "Riverside Council",
        "password": STRONG,
        "confirm_password": STRONG,
    }
    data.update(overrides)
    return client.post_form("/register", data, token_from="/register")


def field_values(response) -> dict[str, str]:
    """What the form shows in each input, as a person would see it typed in."""
    html = response.get_data(as_text=True)
    values = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        name = re.search(r'\bname="([^"]*)"', tag)
        if name and name.group(1) != "csrf_token":
            value = re.search(r'\bvalue="([^"]*)"', tag)
            values[name.group(1)] = value.group(1) if value else ""
    return values


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


# --- passwords ---------------------------------------------------------------------------------

GUESSABLE = [
    ("password1234", "it is a common password or close to one"),
    ("aaaaaaaaaaaa", "it repeats the same letters, numbers or words"),
    ("rita@riverside.gov.uk", "it uses your name, email address or organisation"),
    ("RitaRegistrant", "it uses your name, email address or organisation"),
    ("riversidecouncil", "it uses your name, email address or organisation"),
    ("123456789012", "it uses a sequence like abc or 4321"),
]


@pytest.mark.parametrize("password,reason", GUESSABLE)
def test_registration_refuses_a_guessable_password_and_keeps_what_was_typed(client, password, reason):
    response = register_strongly(client, password=password, confirm_password=password)
    assert response.status_code == 200
    message = f"Password is too easy to guess: {reason}. Try 3 or 4 unrelated words"
    assert ("#password", message) in error_summary(response)
    values = field_values(response)
    assert values["name"] == "Rita Registrant" and values["email"] == "rita@riverside.gov.uk"
    assert values["organisation"] == "Riverside Council"
    assert values["password"] == "" and values["confirm_password"] == ""
    assert user_count() == 0


def test_a_strong_password_is_accepted(client):
    register_strongly(client)
    assert user_count() == 1


def test_reset_refuses_a_password_made_of_the_account_details(client, nominee, outbox):
    client.post_form("/account/reset-password", {"email": nominee.email}, token_from="/account/reset-password")
    [message] = outbox("reset_password")
    path = LINK_RE.search(message.body_text).group(0).replace("http://127.0.0.1:5000", "")
    before = db.session.get(User, nominee.id).password_hash
    response = client.post_form(
        path, {"password": "NinaNominee2024", "confirm_password": "NinaNominee2024"}, token_from=path
    )
    assert response.status_code == 200
    assert (
        "Password is too easy to guess: it uses your name, email address or organisation. "
        "Try 3 or 4 unrelated words" in [text for _, text in error_summary(response)]
    )
    db.session.expire_all()
    assert db.session.get(User, nominee.id).password_hash == before


def test_changing_the_password_refuses_the_email_address_itself(client, nominee):
    client.sign_in_as(nominee)
    before = nominee.password_hash
    response = client.post_form(
        "/account",
        {
            "password-current_password": DEFAULT_PASSWORD,
            "password-new_password": nominee.email,
            "password-confirm_password": nominee.email,
            "password-submit": "Change password",
        },
        token_from="/account",
    )
    assert response.status_code == 200
    assert (
        "Password is too easy to guess: it uses your name, email address or organisation. "
        "Try 3 or 4 unrelated words" in [text for _, text in error_summary(response)]
    )
    db.session.expire_all()
    assert db.session.get(User, nominee.id).password_hash == before


def test_accepting_an_invitation_refuses_a_guessable_password(client, organiser):
    cycle = make_cycle()
    result = judge_rules.invite_judges(cycle, "grace@navy.example.org", by=organiser)
    db.session.commit()
    [judge] = result.invited
    path = "/judging/invitations/" + judge_rules.make_invitation_token(judge)
    response = client.post_form(
        path,
        {
            "name": "Grace Hopper",
            "organisation": "US Navy",
            "password": "grace@navy.example.org",
            "confirm_password": "grace@navy.example.org",
        },
        token_from=path,
    )
    assert response.status_code == 200
    assert (
        "Password is too easy to guess: it uses your name, email address or organisation. "
        "Try 3 or 4 unrelated words" in [text for _, text in error_summary(response)]
    )
    assert field_values(response)["name"] == "Grace Hopper"
    assert db.session.scalar(sa.select(User).where(User.email == "grace@navy.example.org")) is None
    db.session.expire_all()
    assert db.session.get(Judge, judge.id).accepted_at is None


def test_create_user_refuses_a_guessable_password(runner):
    result = runner.invoke(
        args=["create-user", "ops@riverside.gov.uk", "--name", "Ops Person"], input="aaaaaaaaaaaa\naaaaaaaaaaaa\n"
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: Password is too easy to guess: it repeats the same letters, "
        "numbers or words. Try 3 or 4 unrelated words"
    )
    assert user_count() == 0


def test_the_longest_allowed_password_is_checked_not_an_error():
    assert passwords.password_problem("x" * passwords.MAX_LENGTH).startswith("Password is too easy to guess")
    assert passwords.password_problem("tidal marble lantern quietly " * 4) is None


# --- registration does not say which addresses have an account -----------------------------------


def test_registering_an_address_in_use_answers_as_a_new_registration_and_tells_the_owner(app, client, nominee, outbox):
    before = (nominee.name, nominee.password_hash, nominee.session_token)
    taken = register_strongly(
        app.test_client(), email=nominee.email.upper(), name="Mallory Attacker", organisation="Elsewhere"
    )
    fresh = register_strongly(
        client, email="someone.new@riverside.gov.uk", name="Mallory Attacker", organisation="Elsewhere"
    )
    assert taken.status_code == fresh.status_code == 200
    assert main_text(taken).replace(nominee.email.upper(), "ADDRESS") == main_text(fresh).replace(
        "someone.new@riverside.gov.uk", "ADDRESS"
    )
    assert "Check your email" in main_text(taken)
    db.session.expire_all()
    owner = db.session.get(User, nominee.id)
    assert (owner.name, owner.password_hash, owner.session_token) == before
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.name == "Mallory Attacker")) == 1
    [warning] = outbox("account_exists")
    assert warning.to_address == nominee.email
    assert "Someone tried to create an account with your email address" in warning.body_text
    assert "/account/reset-password" in warning.body_text and "/sign-in" in warning.body_text
    assert [m.to_address for m in outbox("verify_email")] == ["someone.new@riverside.gov.uk"]


# --- reset request: the same work for known and unknown addresses ------------------------------


def _reset_request_work(app, client, email) -> tuple[list[str], list[str]]:
    return work_until_answered(app, client, "/account/reset-password", {"email": email})


def test_a_reset_request_does_the_same_work_for_known_and_unknown_addresses(app, client, nominee):
    known_sql, known_templates = _reset_request_work(app, client, nominee.email)
    unknown_sql, unknown_templates = _reset_request_work(app, client, "nobody.here@riverside.gov.uk")
    # The same pages and e-mail bodies are rendered, and the same statements run in the request,
    # except the one row the real message adds to the outbox; the message is delivered after the
    # response is sent, so the sending does not show in the time the answer takes either.
    assert known_templates == unknown_templates
    assert "emails/reset_password.txt" in unknown_templates
    assert sorted(known_sql) == sorted(unknown_sql + ["INSERT"])
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_the_reset_email_is_still_delivered(client, nominee, outbox):
    client.post_form("/account/reset-password", {"email": nominee.email}, token_from="/account/reset-password")
    [message] = outbox("reset_password")
    assert message.sent_at is not None


# --- addresses that cannot be delivered to or can be mistaken ----------------------------------

NON_ASCII_MESSAGE = (
    "Email address can only use the letters a to z, numbers and the symbols . _ - + before the @, like name@example.com"
)


def test_registration_refuses_an_address_with_accents_before_the_at_sign(client):
    response = register_strongly(client, email="zoë@riverside.gov.uk")
    assert response.status_code == 200
    assert NON_ASCII_MESSAGE in [text for _, text in error_summary(response)]
    assert field_values(response)["email"] == "zoë@riverside.gov.uk"
    assert user_count() == 0


def test_create_user_refuses_an_address_with_accents_before_the_at_sign(runner):
    result = runner.invoke(args=["create-user", "zoë@riverside.gov.uk", "--name", "Zoë"], input=f"{STRONG}\n{STRONG}\n")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {NON_ASCII_MESSAGE}"
    assert user_count() == 0


def test_inviting_an_address_with_accents_before_the_at_sign_says_which(organiser_client):
    cycle = make_cycle()
    path = f"/organiser/cycles/{cycle.slug}/judges"
    response = organiser_client.post_form(path, {"emails": "zoë@riverside.gov.uk"}, token_from=path)
    assert response.status_code == 200
    assert (
        "#emails",
        "Enter email addresses in the correct format, like name@example.com. Correct "
        "‘zoë@riverside.gov.uk’. An email address can only use the letters a to z, numbers and the "
        "symbols . _ - + before the @",
    ) in error_summary(response)
    assert db.session.scalar(sa.select(sa.func.count(Judge.id))) == 0


CONFUSABLE_MESSAGE = "Enter a different email address. This one can be mistaken for the address of an existing account"


@pytest.mark.parametrize(
    "lookalike",
    [
        "nina@riversidе.gov.uk",  # one Cyrillic е among Latin letters in the domain (mixed scripts)
        "nina@xn--riversid-j8g.gov.uk",  # the same domain typed in its IDNA (punycode) form
        "nina@rіvеrsіdе.gov.uk",  # Cyrillic і and е throughout
    ],
)
def test_registration_refuses_an_address_that_looks_like_an_existing_one(client, nominee, lookalike):
    response = register_strongly(client, email=lookalike)
    assert response.status_code == 200
    assert CONFUSABLE_MESSAGE in [text for _, text in error_summary(response)]
    assert user_count() == 1


def test_an_existing_lookalike_blocks_the_plain_address_too(client):
    make_user(email="nina@riversidе.gov.uk", name="Early Bird")
    response = register_strongly(client, email="nina@riverside.gov.uk")
    assert CONFUSABLE_MESSAGE in [text for _, text in error_summary(response)]
    assert user_count() == 1


def test_create_user_refuses_a_lookalike(runner, nominee):
    result = runner.invoke(
        args=["create-user", "nina@riversidе.gov.uk", "--name", "Twin"], input=f"{STRONG}\n{STRONG}\n"
    )
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {CONFUSABLE_MESSAGE}"


def test_an_international_domain_that_looks_like_no_one_else_is_fine(client, nominee):
    register_strongly(client, email="rita@bücher.example")
    assert user_count() == 2
