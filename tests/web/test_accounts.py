"""Accounts: registration, verification, sign-in/out, account settings, password reset, roles."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.people import accounts
from awards.extensions import db
from awards.models import AuditEvent, Role, SignInFailure, User
from tests.factories import DEFAULT_PASSWORD, make_cycle, make_judge, make_user
from tests.support.audit import audit_actions
from tests.support.visible import text_of

LINK_RE = re.compile(r"http://[^\s\"<]+")


def register(client, **overrides):
    data = {
        "name": "Rita Registrant",
        "email": "Rita@Riverside.gov.uk",
        "organisation": "Riverside Council",
        "password": "a long enough passphrase",
        "confirm_password": "a long enough passphrase",
    }
    data.update(overrides)
    return client.post_form("/register", data)


def test_register_creates_unverified_nominee_and_sends_verification(client, outbox):
    response = register(client)
    # Not signed in: an address that already has an account gets this same answer (issue 16).
    assert response.status_code == 200
    assert "Check your email" in text_of(response.get_data(as_text=True))
    assert "We have sent an email to Rita@Riverside.gov.uk" in text_of(response.get_data(as_text=True))
    assert client.get("/account").status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user.email == "rita@riverside.gov.uk"
    assert user.role_set == {Role.NOMINEE}
    assert not user.email_verified
    assert user.password_hash.startswith("$argon2id$")
    client.post_form("/sign-in", {"email": "rita@riverside.gov.uk", "password": "a long enough passphrase"})
    page = client.get("/account").get_data(as_text=True)
    assert "Not confirmed" in page and "Confirm your email address to be able to submit a nomination" in page
    [message] = outbox("verify_email")
    assert message.to_address == "rita@riverside.gov.uk"
    assert message.sent_at is not None  # delivered after commit by the file backend
    link = LINK_RE.search(message.body_text).group(0)
    response = client.get(link.replace("http://127.0.0.1:5000", ""))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email_verified
    assert "account.email_verified" in audit_actions()


def test_register_cannot_choose_a_role(client):
    register(client, role="organiser", roles="organiser")
    user = db.session.scalar(sa.select(User))
    assert user.role_set == {Role.NOMINEE}


def test_register_with_an_address_in_use_does_not_say_so_and_creates_nothing(client, nominee, outbox):
    response = register(client, email=nominee.email.upper(), name="Second Person")
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Check your email" in page and "already exists" not in page
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    assert [m.to_address for m in outbox("account_exists")] == [nominee.email]


@pytest.mark.parametrize(
    "password,message",
    [
        ("elevenchars", "Password must be 12 characters or more"),
        ("x" * 129, "Password must be 128 characters or fewer"),
        ("qwertyuiopas", "Password is too easy to guess: it is a common password or close to one"),
        ("123456789012", "Password is too easy to guess: it uses a sequence like abc or 4321"),
        ("tidal marble lantern", None),  # fine: long enough and hard to guess
    ],
)
def test_password_length_rules(client, password, message):
    response = register(client, password=password, confirm_password=password)
    page = response.get_data(as_text=True)
    if message:
        assert message in page
        assert db.session.scalar(sa.select(User)) is None
    else:
        assert response.status_code == 200 and db.session.scalar(sa.select(User)) is not None


def test_common_passwords_refused():
    from awards.domain.people.passwords import common_passwords, password_problem

    assert len(common_passwords()) == 1000
    common_long = sorted(p for p in common_passwords() if len(p) >= 12)
    assert common_long, "the list should hold some long common passwords"
    assert "most common" in password_problem(common_long[0])
    assert "most common" in password_problem(common_long[0].upper())


def test_the_factories_default_password_passes_the_strength_check():
    """tests/factories/people.make_user skips the strength check for DEFAULT_PASSWORD (it is slow): it must pass it,
    for the names, addresses and organisations the factories give."""
    from awards.domain.people.passwords import password_problem, personal_words

    for name, email, organisation in (
        ("Person 1", "person1@testshire.gov.uk", "Testshire County Council"),
        ("Cora Conflicted", "cora@conflicted.example.gov.uk", "Conflicted Example Trust"),
        ("Aled ap Rhys", "aled@example.cymru", "Cyngor Sir Ynys Môn"),
    ):
        assert password_problem(DEFAULT_PASSWORD, personal_words(name, email, organisation)) is None


def test_password_not_truncated(app):
    long_password = ("tidal marble lantern quietly " * 5)[:127] + "Q"
    user = make_user(password=long_password)
    assert accounts.authenticate(user.email, long_password)
    with pytest.raises(accounts.InvalidCredentials):
        accounts.authenticate(user.email, long_password[:127] + "R")


def test_password_mismatch_message(client):
    response = register(client, confirm_password="something different")
    assert "Passwords do not match" in response.get_data(as_text=True)


def test_sign_in_and_out_are_audited(client, nominee):
    response = client.post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert "Sign out" in client.get("/").get_data(as_text=True)
    client.post_form("/sign-out", token_from="/")
    assert "Sign out" not in client.get("/").get_data(as_text=True)
    assert audit_actions()[-2:] == ["sign_in", "sign_out"]


def test_wrong_password_gives_error_and_is_audited(client, nominee):
    response = client.post_form("/sign-in", {"email": nominee.email, "password": "not the password!"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in page
    assert f'value="{nominee.email}"' in page
    assert audit_actions()[-1] == "sign_in.failed"


def test_unknown_email_same_message(client):
    response = client.post_form("/sign-in", {"email": "nobody@nowhere.example.org", "password": "whatever12345"})
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_sign_in_starts_a_new_session(app, client, nominee):
    with client.session_transaction() as session:
        session["planted"] = "from before sign-in"
    client.post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        # the session token, then the sign-in time (for the absolute timeout)
        token, started = session["_user_id"].split(".")
        assert token == db.session.get(User, nominee.id).session_token and started.isdigit()


@pytest.mark.parametrize(
    "next_url,expected",
    [
        ("/account", "/account"),
        ("/organiser/users?q=x", "/organiser/users?q=x"),
        ("//evil.example", "/nominations"),
        ("/\\evil.example", "/nominations"),
        ("https:evil.example", "/nominations"),
        ("https://evil.example/", "/nominations"),
        ("javascript:alert(1)", "/nominations"),
        ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),
    ],
)
def test_next_only_goes_to_this_site(client, nominee, next_url, expected):
    response = client.post_form(
        "/sign-in?next=" + __import__("urllib.parse").parse.quote(next_url, safe=""),
        {"email": nominee.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_sign_in_lands_on_the_persons_own_work(app):
    """Without a page to go back to, an organiser lands on the overview, a judge of a cycle on their
    assignments, anyone else on their nominations; signed in already, /sign-in goes there too."""
    cycle = make_cycle()
    for roles, landing, heading in (
        (("organiser", "judge"), "/organiser/", "Organiser overview"),
        (("judge",), "/judging/", "Your judging"),
        (("judge",), "/nominations", "Your nominations"),  # judging no cycle yet
        ((), "/nominations", "Your nominations"),
    ):
        person = make_user(roles=roles)
        if landing == "/judging/":
            make_judge(cycle, user=person)
        client = app.test_client()
        response = client.post_form("/sign-in", {"email": person.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302 and response.headers["Location"] == landing
        assert client.get("/sign-in").headers["Location"] == landing
        page = client.get(landing)
        assert page.status_code == 200
        assert text_of(re.search(r"<h1[^>]*>.*?</h1>", page.get_data(as_text=True), re.S).group(0)) == heading


def test_anonymous_is_sent_to_sign_in_with_next(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/account"


def test_sign_out_ends_other_sessions_and_remember_cookies(app, nominee):
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD, "remember": "y"})
        assert c.get("/account").status_code == 200
    remember = second.get_cookie("awards_remember")
    assert remember is not None and remember.http_only
    first.post_form("/sign-out", token_from="/")
    assert second.get("/account").status_code == 302
    # a copied remember-me cookie alone does not work either
    third = app.test_client()
    third.set_cookie("awards_remember", remember.value)
    assert third.get("/account").status_code == 302


def test_change_password_needs_current_and_ends_other_sessions(app, nominee):
    this, other = app.test_client(), app.test_client()
    for c in (this, other):
        c.post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD})
    response = this.post_form(
        "/account",
        {
            "password-current_password": "wrong password here",
            "password-new_password": "a brand new passphrase",
            "password-confirm_password": "a brand new passphrase",
            "password-submit": "Change password",
        },
        token_from="/account",
    )
    assert "Your current password is incorrect" in response.get_data(as_text=True)
    response = this.post_form(
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
    assert this.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert "account.password_changed" in audit_actions()
    assert accounts.authenticate(nominee.email, "a brand new passphrase")


def test_update_profile_keeps_input_on_error(nominee_client, nominee):
    response = nominee_client.post_form(
        "/account",
        {"profile-name": "", "profile-organisation": "New Org Ltd", "profile-submit": "Save changes"},
        token_from="/account",
    )
    page = response.get_data(as_text=True)
    assert "Enter your full name" in page and 'value="New Org Ltd"' in page
    response = nominee_client.post_form(
        "/account",
        {"profile-name": "Nina N. Nominee", "profile-organisation": "New Org Ltd", "profile-submit": "Save changes"},
        token_from="/account",
    )
    assert response.status_code == 302
    user = db.session.get(User, nominee.id)
    assert (user.name, user.organisation) == ("Nina N. Nominee", "New Org Ltd")


def test_password_reset_same_response_whether_or_not_account_exists(client, nominee, outbox):
    known = client.post_form("/account/reset-password", {"email": nominee.email}).get_data(as_text=True)
    unknown = client.post_form("/account/reset-password", {"email": "ghost@nowhere.example.org"}).get_data(as_text=True)

    def strip(page, email):
        return re.sub(r'nonce="[^"]+"', "", page.replace(email, "EMAIL"))

    assert strip(known, nominee.email) == strip(unknown, "ghost@nowhere.example.org")
    assert [m.to_address for m in outbox("reset_password")] == [nominee.email]


def test_password_reset_link_is_single_use(client, nominee, outbox):
    client.post_form("/account/reset-password", {"email": nominee.email})
    link = LINK_RE.search(outbox("reset_password")[0].body_text).group(0).replace("http://127.0.0.1:5000", "")
    assert client.get(link).status_code == 200
    response = client.post_form(
        link, {"password": "my fresh passphrase", "confirm_password": "my fresh passphrase"}, token_from=link
    )
    assert response.status_code == 302
    assert accounts.authenticate(nominee.email, "my fresh passphrase")
    again = client.get(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_password_reset_link_expires_after_an_hour(client, nominee, outbox):
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        client.post_form("/account/reset-password", {"email": nominee.email})
    link = LINK_RE.search(outbox("reset_password")[0].body_text).group(0).replace("http://127.0.0.1:5000", "")
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        response = client.get(link)
        assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_reset_link_uses_base_url_and_foreign_host_is_refused(client, nominee, outbox):
    response = client.post_form("/account/reset-password", {"email": nominee.email}, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert outbox("reset_password") == []
    client.post_form("/account/reset-password", {"email": nominee.email})
    body = outbox("reset_password")[0].body_text
    assert "http://127.0.0.1:5000/account/reset-password/" in body


def test_sign_in_locked_after_ten_failures_for_fifteen_minutes(client, nominee):
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(10):
            client.post_form("/sign-in", {"email": nominee.email, "password": "wrong password!!"})
        response = client.post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD})
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "too many attempts" in page and "Wait 15 minutes" in page
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        response = client.post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 200
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        response = client.post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302
    # the count lives in the database (so it holds across workers) and a success clears it
    assert db.session.scalar(sa.select(sa.func.count(SignInFailure.id))) == 0
    assert "sign_in.refused_locked" in audit_actions()


def test_lock_is_per_account(client, nominee):
    other = make_user(email="other@riverside.gov.uk")
    for _ in range(10):
        client.post_form("/sign-in", {"email": nominee.email, "password": "wrong password!!"})
    response = client.post_form("/sign-in", {"email": other.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_disabled_account_cannot_sign_in_and_sessions_end(app, nominee):
    c = app.test_client()
    c.post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD})
    user = db.session.get(User, nominee.id)
    user.active = False
    db.session.commit()
    assert c.get("/account").status_code == 302
    response = app.test_client().post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


def test_resend_verification(client, outbox):
    register(client)
    client.post_form("/sign-in", {"email": "rita@riverside.gov.uk", "password": "a long enough passphrase"})
    client.post_form("/verify-email", token_from="/account")
    assert len(outbox("verify_email")) == 2


def test_bad_verification_link(client):
    response = client.get("/verify-email/not-a-real-token")
    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)


def test_organiser_grants_role_and_it_is_audited(organiser_client, nominee):
    response = organiser_client.post_form(
        f"/organiser/users/{nominee.id}", {"role": "judge"}, token_from=f"/organiser/users/{nominee.id}"
    )
    assert response.status_code == 302
    assert Role.JUDGE in db.session.get(User, nominee.id).role_set
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.role_granted"))
    assert event.detail == {"role": "judge"} and event.object_id == str(nominee.id)


def test_grant_role_form_error_keeps_page(organiser_client, nominee):
    response = organiser_client.post_form(
        f"/organiser/users/{nominee.id}", {}, token_from=f"/organiser/users/{nominee.id}"
    )
    assert response.status_code == 200
    assert "Select a role to grant" in response.get_data(as_text=True)


def test_organiser_people_list_search(organiser_client, nominee, judge):
    page = organiser_client.get("/organiser/users?q=nina").get_data(as_text=True)
    assert nominee.email in page and judge.email not in page


@pytest.mark.parametrize(
    "url,fields,message",
    [
        (
            "/account",
            {
                "password-new_password": "a brand new passphrase",
                "password-confirm_password": "a brand new passphrase",
                "password-submit": "Change password",
            },
            "Your current password is incorrect",
        ),
        ("/account/delete", {}, "Your password is incorrect"),
    ],
)
def test_guessing_the_password_from_a_signed_in_session_locks_the_account(
    nominee, nominee_client, url, fields, message
):
    """Asking for the password again must not become a way to guess it from a stolen session."""
    field = "password-current_password" if url == "/account" else "password"
    for attempt in range(10):
        page = nominee_client.post_form(url, {**fields, field: f"guess number {attempt:02d}"}, token_from=url).get_data(
            as_text=True
        )
        assert message in page
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(SignInFailure).where(SignInFailure.email == nominee.email)
        )
        == 10
    )
    page = nominee_client.post_form(url, {**fields, field: DEFAULT_PASSWORD}, token_from=url).get_data(as_text=True)
    assert "too many attempts" in page
    assert db.session.get(User, nominee.id) is not None
    assert accounts.verify_password(db.session.get(User, nominee.id).password_hash, DEFAULT_PASSWORD)
    assert "account.password_check_failed" in audit_actions()
    assert accounts.lock_expiry(nominee.email) is not None  # signing in is locked too


def _menu_links(html: str) -> list[str]:
    nav = html[html.find('aria-label="Main menu"') :]
    nav = nav[: nav.find("</nav>")]
    return [text_of(m) for m in re.findall(r"<a [^>]*>(.*?)</a>", nav, flags=re.S)]


def test_the_judging_link_is_only_for_people_who_judge_a_cycle(app, client):
    """The judge role alone (e.g. from `flask grant-role`) opens no judging page, so it gets no link to one."""
    user = make_user(name="Rhodri Role", email="rhodri@judges.example.org", roles=("judge",))
    client.sign_in_as(user)
    assert "Judging" not in _menu_links(client.get("/nominations").get_data(as_text=True))
    assert client.get("/judging/").status_code == 403

    make_judge(make_cycle(status="judging"), user)
    assert "Judging" in _menu_links(client.get("/nominations").get_data(as_text=True))
    assert client.get("/judging/").status_code == 200
