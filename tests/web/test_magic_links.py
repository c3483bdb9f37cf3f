"""Issue 16 item 1, magic links: a sign-in link by e-mail, single use, for 15 minutes, ended by a
newer link or any sign-in, with the same answer and the same work whether or not the account exists."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

from awards.extensions import db
from awards.models import AuditEvent, OutboxMessage, User
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.clients import is_signed_in
from tests.support.magic_links import REQUEST, ask_for_link, newest_link, press_button
from tests.support.visible import error_summary, main_text
from tests.support.work import work_until_answered

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def audit_rows(action):
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_the_sign_in_page_offers_a_link_by_email(client):
    page = client.get("/sign-in")
    assert "Email me a sign-in link instead of using a password." in main_text(page)
    form = client.get(REQUEST)
    assert form.status_code == 200
    assert "Sign in with a link by email" in main_text(form)
    assert "The link works once, for 15 minutes." in main_text(form)


def test_a_link_signs_in_only_when_its_button_is_pressed(client, nominee, outbox):
    answer = ask_for_link(client, nominee.email)
    assert answer.status_code == 200
    assert "If there is an account for nina@riverside.gov.uk, we have sent it a link to sign in." in main_text(answer)
    [message] = outbox("magic_link")
    assert message.to_address == nominee.email and message.subject == "Your sign-in link"
    assert "The link works once, for 15 minutes" in message.body_text
    link = newest_link(outbox)
    # Opening the link (as a mail scanner does, even twice) shows a button and signs nobody in.
    for _ in range(2):
        page = client.get(link)
        assert page.status_code == 200
        assert "Press the button to sign in." in main_text(page)
    assert not is_signed_in(client)
    response = press_button(client, link)
    assert response.status_code == 302
    assert response.location == "/nominations"
    assert is_signed_in(client)
    [signed] = audit_rows("sign_in.magic_link")
    assert signed.actor_id == nominee.id and signed.object_id == str(nominee.id)
    [asked] = audit_rows("sign_in.magic_link_requested")
    assert asked.detail == {"known": True} and asked.object_id == str(nominee.id)


def test_a_link_works_once(client, nominee, outbox):
    ask_for_link(client, nominee.email)
    link = newest_link(outbox)
    assert press_button(client, link).status_code == 302
    client.post_form("/sign-out", {}, token_from="/account")
    assert not is_signed_in(client)
    again = client.get(link)
    assert again.status_code == 400
    text = main_text(again)
    assert "This sign-in link has already been used or a newer one has been sent" in text
    assert "Ask for a new sign-in link." in text
    # Pressing the button of a page opened before the link was used does not sign in either.
    refused = client.post(link, data={"csrf_token": client.csrf_token(REQUEST)})
    assert refused.status_code == 400
    assert not is_signed_in(client)
    assert len(audit_rows("sign_in.magic_link")) == 1


def test_a_link_works_for_fifteen_minutes(client, nominee, outbox):
    with time_machine.travel(START, tick=False):
        ask_for_link(client, nominee.email)
    link = newest_link(outbox)
    with time_machine.travel(START + timedelta(minutes=14, seconds=50), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(START + timedelta(minutes=15, seconds=2), tick=False):
        expired = client.get(link)
        assert expired.status_code == 400
        assert "This link has expired" in main_text(expired)
        assert "Ask for a new sign-in link." in main_text(expired)
        refused = client.post(link, data={"csrf_token": client.csrf_token(REQUEST)})
        assert refused.status_code == 400
        assert not is_signed_in(client)


def test_a_newer_link_ends_the_older_one(client, nominee, outbox):
    ask_for_link(client, nominee.email)
    older = newest_link(outbox)
    ask_for_link(client, nominee.email)
    newer = newest_link(outbox)
    assert older != newer
    superseded = client.get(older)
    assert superseded.status_code == 400
    assert "This sign-in link has already been used or a newer one has been sent" in main_text(superseded)
    assert press_button(client, newer).status_code == 302
    assert is_signed_in(client)


def test_a_sign_in_with_the_password_ends_the_link(app, client, nominee, outbox):
    ask_for_link(client, nominee.email)
    link = newest_link(outbox)
    elsewhere = app.test_client()
    assert elsewhere.post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD}).status_code == 302
    assert client.get(link).status_code == 400
    assert not is_signed_in(client)


def test_a_password_change_or_signing_out_everywhere_ends_the_link(client, nominee, outbox):
    ask_for_link(client, nominee.email)
    link = newest_link(outbox)
    user = db.session.get(User, nominee.id)
    user.session_token = "rotated-by-sign-out-" + "x" * 20
    db.session.commit()
    assert client.get(link).status_code == 400


def test_a_tampered_link_is_not_valid(client, nominee, outbox):
    ask_for_link(client, nominee.email)
    link = newest_link(outbox)
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    response = client.get(tampered)
    assert response.status_code == 400
    assert "This link is not valid" in main_text(response)


def test_the_same_answer_whether_or_not_the_account_exists(client, nominee, outbox):
    known = main_text(ask_for_link(client, nominee.email)).replace(nominee.email, "ADDRESS")
    unknown = main_text(ask_for_link(client, "nobody.here@riverside.gov.uk")).replace(
        "nobody.here@riverside.gov.uk", "ADDRESS"
    )
    assert known == unknown
    assert [m.to_address for m in outbox("magic_link")] == [nominee.email]
    requests = audit_rows("sign_in.magic_link_requested")
    assert [(r.object_type, r.object_id, r.detail) for r in requests] == [
        ("users", str(nominee.id), {"known": True}),
        ("users", None, {"known": False}),
    ]


def test_a_disabled_account_gets_no_link(client, nominee, outbox):
    user = db.session.get(User, nominee.id)
    user.active = False
    db.session.commit()
    assert ask_for_link(client, nominee.email).status_code == 200
    assert outbox("magic_link") == []


def test_a_bad_address_gets_an_error_summary_and_keeps_what_was_typed(client):
    response = ask_for_link(client, "")
    assert response.status_code == 200
    assert [text for _, text in error_summary(response)] == ["Enter your email address"]
    typed = "a" * 250 + "@b.uk"
    response = ask_for_link(client, typed)
    assert [text for _, text in error_summary(response)] == ["Email address must be 254 characters or fewer"]
    assert f'value="{typed}"' in response.get_data(as_text=True)


def test_a_link_confirms_an_unconfirmed_address(client, outbox):
    person = make_user(name="Una Unverified", email="una@riverside.gov.uk", verified=False)
    ask_for_link(client, person.email)
    press_button(client, newest_link(outbox))
    db.session.expire_all()
    assert db.session.get(User, person.id).email_verified_at is not None


def _work_done(app, client, email) -> tuple[list[str], list[str]]:
    return work_until_answered(app, client, REQUEST, {"email": email})


def test_a_link_request_does_the_same_work_for_known_and_unknown_addresses(app, client, nominee, outbox):
    known_sql, known_templates = _work_done(app, client, nominee.email)
    unknown_sql, unknown_templates = _work_done(app, client, "nobody.here@riverside.gov.uk")
    # The same pages and e-mail bodies, the same statements except the outbox row; the message
    # goes out after the response.
    assert known_templates == unknown_templates
    assert "emails/magic_link.txt" in unknown_templates
    assert sorted(known_sql) == sorted(unknown_sql + ["INSERT"])
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1
    [message] = outbox("magic_link")
    assert message.sent_at is not None


def test_a_link_for_an_account_with_two_factor_asks_for_the_code_before_signing_in(client, nominee, outbox):
    import pyotp

    from awards.domain.people import two_factor as tf

    with time_machine.travel(START, tick=False) as clock:
        secret = pyotp.random_base32()
        tf.enable(db.session.merge(nominee), secret=secret, code=pyotp.TOTP(secret).now())
        db.session.commit()
        clock.shift(timedelta(seconds=30))
        ask_for_link(client, nominee.email)
        link = newest_link(outbox)
        response = press_button(client, link)
        assert response.status_code == 302 and response.location == "/sign-in/code"
        assert not is_signed_in(client)
        # The link is used up all the same: the code step does not bring it back.
        assert client.get(link).status_code == 400
        done = client.post_form("/sign-in/code", {"code": pyotp.TOTP(secret).now()}, token_from="/sign-in/code")
        assert done.status_code == 302
        assert is_signed_in(client)


def test_the_organiser_reads_link_requests_and_sign_ins_in_words(app, nominee, organiser, organiser_client, outbox):
    client = app.test_client()
    ask_for_link(client, nominee.email)
    press_button(client, newest_link(outbox))
    shown = main_text(organiser_client.get(f"/organiser/users/{nominee.id}"))
    assert "Sign-in link asked for by email" in shown and "Signed in with a link by email" in shown
    assert "magic_link" not in shown


def test_the_link_is_never_written_to_the_log(client, nominee, outbox, caplog):
    caplog.set_level("DEBUG")
    ask_for_link(client, nominee.email)
    link = newest_link(outbox)
    client.get(link)
    press_button(client, link)
    client.get(link)  # refused now (400)
    client.get(link + "/x")  # a 404 with the token in its path
    token = link.rsplit("/", 1)[-1]
    assert "sign_in.magic_link" in caplog.text  # the log was captured
    assert "/sign-in/email-link/[token]" in caplog.text  # the requests were logged, without it
    assert token not in caplog.text


def test_two_presses_at_the_same_moment_sign_in_once(app, client, nominee, outbox):
    """The second press waits for the first's commit (the account's row is locked) and then finds
    the link used. Only PostgreSQL has two writers at once; SQLite lets one write at a time."""
    import threading

    import pytest

    from awards.domain.people import accounts

    if db.engine.dialect.name != "postgresql":
        pytest.skip("two transactions at once: PostgreSQL")
    ask_for_link(client, nominee.email)
    token = newest_link(outbox).rsplit("/", 1)[-1]
    first_holds_it, second_started = threading.Event(), threading.Event()
    results: dict[str, str] = {}

    def press(name: str, before=None, after=None) -> None:
        with app.app_context():
            try:
                if before:
                    before()
                accounts.sign_in_with_magic_link(token)
                if after:
                    after()
                db.session.commit()
                results[name] = "signed in"
            except accounts.InvalidToken as error:
                db.session.rollback()
                results[name] = error.message
            finally:
                db.session.remove()

    def hold():
        first_holds_it.set()
        second_started.wait(5)
        threading.Event().wait(0.5)  # the second press is now waiting for the row

    def wait_for_first():
        first_holds_it.wait(5)
        second_started.set()

    threads = [
        threading.Thread(target=press, args=("first",), kwargs={"after": hold}),
        threading.Thread(target=press, args=("second",), kwargs={"before": wait_for_first}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results == {
        "first": "signed in",
        "second": "This sign-in link has already been used or a newer one has been sent",
    }
    assert len(audit_rows("sign_in.magic_link")) == 1


# --- an invited judge who never sets a password ---------------------------------------------------


def _judge_invitation(organiser) -> tuple[str, int]:
    from awards.domain.judging import judges as judge_rules
    from tests.factories import make_cycle

    cycle = make_cycle(status="judging")
    [judge] = judge_rules.invite_judges(cycle, "grace@navy.example.org", by=organiser).invited
    db.session.commit()
    return "/judging/invitations/" + judge_rules.make_invitation_token(judge), judge.id


def test_an_invited_judge_accepts_without_a_password_and_signs_in_by_link(app, client, organiser, outbox):
    from awards.domain.core.errors import DomainError
    from awards.domain.people.accounts import authenticate
    from awards.models import Judge

    path, judge_id = _judge_invitation(organiser)
    page = client.get(path)
    assert (
        "You do not need a password: if you accept without one, you sign in each time with a link we "
        "email to that address." in main_text(page)
    )
    # The password boxes are left empty (or hold something), and do not count.
    response = client.post_form(
        path,
        {
            "name": "Grace Hopper",
            "organisation": "US Navy",
            "password": "",
            "confirm_password": "typed but not used",
            "no_password": "Accept without a password",
        },
        token_from=path,
    )
    assert response.status_code == 302, error_summary(response)
    assert response.location == "/judging/profile"
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "grace@navy.example.org"))
    assert user.email_verified_at is not None  # the invitation link proved the address
    assert db.session.get(Judge, judge_id).user_id == user.id
    [created] = [e for e in audit_rows("account.created") if e.object_id == str(user.id)]
    assert created.detail["password"] is False
    # No password anyone could type signs in, not even an empty one or the one typed in the confirmation.
    for guess in ("", "typed but not used"):
        try:
            authenticate(user.email, guess)
        except DomainError:
            db.session.rollback()
        else:
            raise AssertionError(f"{guess!r} signed in")
    # Later, signed out, they sign in with a link and reach their judging.
    client.post_form("/sign-out", {}, token_from="/account")
    ask_for_link(client, user.email)
    assert press_button(client, newest_link(outbox)).status_code == 302
    assert client.get("/judging/profile").status_code == 200


def test_a_judge_without_a_password_accepts_a_later_invitation_through_a_link(client, organiser, outbox):
    import html

    from awards.domain.judging import judges as judge_rules
    from tests.factories import make_cycle

    first, _ = _judge_invitation(organiser)
    client.post_form(
        first,
        {"name": "Grace Hopper", "organisation": "US Navy", "no_password": "Accept without a password"},
        token_from=first,
    )
    client.post_form("/sign-out", {}, token_from="/account")
    cycle = make_cycle(name="Digital Awards 2027", year=2027, status="judging")
    [judge] = judge_rules.invite_judges(cycle, "grace@navy.example.org", by=organiser).invited
    db.session.commit()
    second = "/judging/invitations/" + judge_rules.make_invitation_token(judge)
    page = client.get(second)
    assert "Email me a sign-in link if you have no password or have forgotten it." in main_text(page)
    request_page = html.unescape(re.search(r'href="(/sign-in/email-link[^"]*)"', page.get_data(as_text=True)).group(1))
    answer = client.post_form(request_page, {"email": "grace@navy.example.org"}, token_from=request_page)
    assert answer.status_code == 200
    response = press_button(client, newest_link(outbox))
    assert response.status_code == 302 and response.location == second
    accepted = client.post_form(second, {}, token_from=second)
    assert accepted.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(judge), judge.id).user_id is not None


def test_a_link_goes_on_only_to_a_page_of_this_site(client, nominee, outbox):
    for wanted in ("https://evil.example/", "//evil.example/x", "/account"):
        target = REQUEST + "?next=" + wanted
        client.post_form(target, {"email": nominee.email}, token_from=target)
        response = press_button(client, newest_link(outbox))
        assert response.location == ("/account" if wanted == "/account" else "/nominations"), wanted
        client.post_form("/sign-out", {}, token_from="/account")


def test_accepting_with_a_password_still_needs_one(client, organiser):
    path, judge_id = _judge_invitation(organiser)
    response = client.post_form(
        path,
        {
            "name": "Grace Hopper",
            "organisation": "US Navy",
            "password": "",
            "confirm_password": "",
            "submit": "Accept and create account",
        },
        token_from=path,
    )
    assert response.status_code == 200
    assert [text for _, text in error_summary(response)] == ["Enter a password", "Confirm your password"]
    assert db.session.scalar(sa.select(User).where(User.email == "grace@navy.example.org")) is None


def test_accepting_without_a_password_still_needs_a_name(client, organiser):
    path, judge_id = _judge_invitation(organiser)
    response = client.post_form(
        path, {"name": "", "organisation": "US Navy", "no_password": "Accept without a password"}, token_from=path
    )
    assert response.status_code == 200
    assert [text for _, text in error_summary(response)] == ["Enter your full name"]
    assert 'value="US Navy"' in response.get_data(as_text=True)
