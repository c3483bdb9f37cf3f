"""Issue 16 item 3, two-factor for organisers: TOTP (codes made here with pyotp, the clock moved with
time-machine) with one-use recovery codes; enrolment from the account page; the code step after the
first factor; wrong codes counted as sign-in failures; organisers made to enrol when it is required."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import sqlalchemy as sa
import time_machine

from awards.config import Defaults, Development, Testing
from awards.domain.people import two_factor as tf
from awards.extensions import db
from awards.models import AuditEvent, SignInFailure, TwoFactor
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.clients import is_signed_in
from tests.support.visible import error_summary, main_text

START = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
SETTINGS = "/account/two-factor"
CODE_PAGE = "/sign-in/code"
SECRET_RE = re.compile(r'<code id="two-factor-secret">([A-Z2-7 ]+)</code>')
RECOVERY_RE = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


def audit_actions_on(user) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "users", AuditEvent.object_id == str(user.id))
            .order_by(AuditEvent.id)
        )
    )


def enrol(user, secret: str | None = None) -> tuple[str, list[str]]:
    """Turn two-factor on directly (for tests of what follows); returns the secret and recovery codes."""
    secret = secret or pyotp.random_base32()
    codes = tf.enable(db.session.merge(user), secret=secret, code=pyotp.TOTP(secret).now())
    db.session.commit()
    return secret, codes


def sign_in_with_password(client, user, **query):
    target = "/sign-in" + (f"?next={query['next']}" if "next" in query else "")
    return client.post_form(target, {"email": user.email, "password": DEFAULT_PASSWORD})


def give_code(client, code):
    return client.post_form(CODE_PAGE, {"code": code}, token_from=CODE_PAGE)


def test_enrolment_shows_the_secret_as_text_and_a_qr_code_then_needs_a_current_code(client, nominee):
    with time_machine.travel(START, tick=False) as clock:
        client.sign_in_as(nominee)
        page = client.get(SETTINGS)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Set up two-factor authentication" in main_text(page)
        assert "If you cannot scan the QR code, enter this key in the app instead:" in main_text(page)
        secret = SECRET_RE.search(html).group(1).replace(" ", "")
        assert len(secret) == 32
        assert '<svg width="' in html and "QR code for your authenticator app" in main_text(page)
        # Reloading keeps the same key (the app already scanned it)
        assert SECRET_RE.search(client.get(SETTINGS).get_data(as_text=True)).group(1).replace(" ", "") == secret

        wrong = client.post_form(SETTINGS, {"enable-code": "000000", "enable-submit": "x"}, token_from=SETTINGS)
        assert wrong.status_code == 200
        assert error_summary(wrong) == [
            ("#enable-code", "The code is not correct. Enter the 6-digit code your app shows now")
        ]
        assert db.session.get(TwoFactor, nominee.id) is None
        empty = client.post_form(SETTINGS, {"enable-code": "", "enable-submit": "x"}, token_from=SETTINGS)
        assert error_summary(empty) == [("#enable-code", "Enter the 6-digit code from your authenticator app")]

        clock.shift(timedelta(seconds=30))
        done = client.post_form(
            SETTINGS, {"enable-code": pyotp.TOTP(secret).now(), "enable-submit": "x"}, token_from=SETTINGS
        )
        assert "Keep these codes somewhere safe. This is the only time we show them." in main_text(done)
        codes = RECOVERY_RE.findall(done.get_data(as_text=True))
        assert len(codes) == 10 and len(set(codes)) == 10
        row = db.session.get(TwoFactor, nominee.id)
        assert row.secret == secret
        stored = " ".join(row.recovery_code_hashes)
        assert len(row.recovery_code_hashes) == 10 and not any(
            c in stored or c.replace("-", "") in stored for c in codes
        )
        assert "two_factor.enabled" in audit_actions_on(nominee)
        assert "two_factor.failed" in audit_actions_on(nominee)
        # Shown once: the settings page now says it is on, and no codes
        again = client.get(SETTINGS)
        assert "Two-factor authentication is on." in main_text(again)
        assert "You have 10 recovery codes left." in main_text(again)
        assert RECOVERY_RE.findall(again.get_data(as_text=True)) == []


def test_sign_in_asks_for_the_code_after_the_password_and_signs_in_only_then(client, nominee):
    with time_machine.travel(START, tick=False) as clock:
        secret, _ = enrol(nominee)
        clock.shift(timedelta(seconds=30))
        first = sign_in_with_password(client, nominee, next="/account")
        assert first.status_code == 302 and first.headers["Location"] == CODE_PAGE
        assert not is_signed_in(client)
        page = client.get(CODE_PAGE)
        assert page.status_code == 200 and "Enter your code" in main_text(page)

        wrong = give_code(client, "123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
        assert wrong.status_code == 200
        assert error_summary(wrong) == [
            ("#code", "The code is not correct. Enter the 6-digit code your app shows now, or a recovery code")
        ]
        assert not is_signed_in(client)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInFailure)) == 1

        code = pyotp.TOTP(secret).now()
        done = give_code(client, code)
        assert done.status_code == 302 and done.headers["Location"] == "/account"
        assert is_signed_in(client)
        assert "two_factor.verified" in audit_actions_on(nominee)

        # The same code never works twice, even within its 30 seconds
        client.post("/sign-out", data={"csrf_token": client.csrf_token("/account")})
        sign_in_with_password(client, nominee)
        replay = give_code(client, code)
        assert error_summary(replay)[0][0] == "#code"
        assert not is_signed_in(client)


def test_a_code_from_the_previous_step_is_still_taken_but_not_older(client, nominee):
    with time_machine.travel(START, tick=False) as clock:
        secret, _ = enrol(nominee)
        clock.shift(timedelta(seconds=60))
        sign_in_with_password(client, nominee)
        old = pyotp.TOTP(secret).at(START + timedelta(seconds=0))
        assert error_summary(give_code(client, old))[0][0] == "#code"
        previous = pyotp.TOTP(secret).at(START + timedelta(seconds=30))
        assert give_code(client, previous).status_code == 302
        assert is_signed_in(client)


def test_the_code_step_expires_after_ten_minutes(client, nominee):
    with time_machine.travel(START, tick=False) as clock:
        secret, _ = enrol(nominee)
        clock.shift(timedelta(seconds=30))
        sign_in_with_password(client, nominee)
        clock.shift(timedelta(minutes=10, seconds=1))
        late = client.post(
            "/sign-in/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": client.csrf_token("/sign-in")}
        )
        assert late.status_code == 302 and late.headers["Location"] == "/sign-in"
        assert not is_signed_in(client)
        assert "You took more than 10 minutes to enter the code. Sign in again." in main_text(client.get("/sign-in"))


def test_wrong_codes_count_like_sign_in_failures_and_lock_the_account_for_that_address(app, client, nominee):
    limit = app.config["SIGN_IN_MAX_FAILURES"]
    with time_machine.travel(START, tick=False) as clock:
        secret, _ = enrol(nominee)
        clock.shift(timedelta(seconds=30))
        sign_in_with_password(client, nominee)
        for _ in range(limit):
            give_code(client, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
        locked = give_code(client, pyotp.TOTP(secret).now())
        assert locked.status_code == 200
        assert "There have been too many attempts to sign in to this account." in error_summary(locked)[0][1]
        assert not is_signed_in(client)
    assert audit_actions_on(nominee).count("two_factor.failed") == limit


def test_a_recovery_code_signs_in_once_and_is_audited(client, nominee):
    with time_machine.travel(START, tick=False) as clock:
        _, codes = enrol(nominee)
        clock.shift(timedelta(seconds=30))
        sign_in_with_password(client, nominee)
        used = give_code(client, codes[3].upper())  # as typed, in capitals
        assert used.status_code == 302
        assert "You used a recovery code. You have 9 left" in main_text(client.get("/account"))
        client.post("/sign-out", data={"csrf_token": client.csrf_token("/account")})
        sign_in_with_password(client, nominee)
        assert error_summary(give_code(client, codes[3]))[0][0] == "#code"
        assert not is_signed_in(client)
    assert audit_actions_on(nominee).count("two_factor.recovery_code_used") == 1


def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(client, nominee):
    with time_machine.travel(START, tick=False) as clock:
        secret, old_codes = enrol(nominee)
        client.sign_in_as(nominee)
        clock.shift(timedelta(seconds=30))
        refused = client.post_form(SETTINGS, {"regenerate-code": "", "regenerate-submit": "x"}, token_from=SETTINGS)
        assert error_summary(refused) == [
            ("#regenerate-code", "Enter the 6-digit code from your authenticator app, or a recovery code")
        ]
        page = client.post_form(
            SETTINGS, {"regenerate-code": pyotp.TOTP(secret).now(), "regenerate-submit": "x"}, token_from=SETTINGS
        )
        new_codes = RECOVERY_RE.findall(page.get_data(as_text=True))
        assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
        client.post("/sign-out", data={"csrf_token": client.csrf_token("/account")})
        sign_in_with_password(client, nominee)
        assert error_summary(give_code(client, old_codes[0]))[0][0] == "#code"
        assert give_code(client, new_codes[0]).status_code == 302
    assert "two_factor.recovery_codes_regenerated" in audit_actions_on(nominee)


def test_turning_it_off_needs_a_current_code(client, nominee):
    with time_machine.travel(START, tick=False) as clock:
        secret, _ = enrol(nominee)
        client.sign_in_as(nominee)
        clock.shift(timedelta(seconds=30))
        refused = client.post_form(
            SETTINGS,
            {"disable-code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111", "disable-submit": "x"},
            token_from=SETTINGS,
        )
        assert error_summary(refused)[0][0] == "#disable-code"
        assert db.session.get(TwoFactor, nominee.id) is not None
        off = client.post_form(
            SETTINGS, {"disable-code": pyotp.TOTP(secret).now(), "disable-submit": "x"}, token_from=SETTINGS
        )
        assert off.status_code == 302
        assert "Two-factor authentication is off" in main_text(client.get(SETTINGS))
        db.session.expire_all()
        assert db.session.get(TwoFactor, nominee.id) is None
        client.post("/sign-out", data={"csrf_token": client.csrf_token("/account")})
        assert sign_in_with_password(client, nominee).headers["Location"] != CODE_PAGE
        assert is_signed_in(client)
    actions = audit_actions_on(nominee)
    assert "two_factor.disabled" in actions and "two_factor.failed" in actions


def test_organisers_must_enrol_when_it_is_required(make_app):
    app = make_app(REQUIRE_ORGANISER_2FA=True)
    with app.app_context():
        organiser = make_user(roles=("organiser",), email="ola@awards.example.org")
        client = app.test_client()
        with time_machine.travel(START, tick=False) as clock:
            first = sign_in_with_password(client, organiser)
            assert first.headers["Location"] == SETTINGS
            blocked = client.get("/organiser/")
            assert blocked.status_code == 302 and blocked.headers["Location"] == SETTINGS
            page = client.get(SETTINGS)
            assert "Organisers must use two-factor authentication. Set it up to carry on." in main_text(page)
            assert client.get("/account").status_code == 200  # their own account is still theirs
            secret = SECRET_RE.search(page.get_data(as_text=True)).group(1).replace(" ", "")
            client.post_form(
                SETTINGS, {"enable-code": pyotp.TOTP(secret).now(), "enable-submit": "x"}, token_from=SETTINGS
            )
            assert client.get("/organiser/").status_code == 200
            # Required, so it cannot be turned off
            clock.shift(timedelta(seconds=30))
            kept = client.post_form(
                SETTINGS, {"disable-code": pyotp.TOTP(secret).now(), "disable-submit": "x"}, token_from=SETTINGS
            )
            assert "Organisers must use two-factor authentication, so you cannot turn it off." in main_text(kept)
            assert db.session.get(TwoFactor, organiser.id) is not None


def test_not_required_by_default_outside_production(organiser_client):
    assert Defaults.REQUIRE_ORGANISER_2FA is True
    assert Development.REQUIRE_ORGANISER_2FA is False and Testing.REQUIRE_ORGANISER_2FA is False
    assert organiser_client.get("/organiser/").status_code == 200


def test_a_provider_that_asserts_mfa_skips_the_code_step(app, nominee):
    from awards.web.auth.two_factor import finish_first_factor

    with time_machine.travel(START, tick=False):
        enrol(nominee)
    user = db.session.merge(nominee)
    with app.test_request_context("/"):
        asked = finish_first_factor(user, method="sso")
        assert asked.headers["Location"] == CODE_PAGE
    with app.test_request_context("/"):
        skipped = finish_first_factor(user, method="sso", mfa_asserted=True, next_url="/account")
        assert skipped.headers["Location"] == "/account"


def test_deleting_the_account_removes_its_second_factor_even_when_the_account_row_is_kept(app):
    from awards.domain.records.data_protection import delete_account
    from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review

    for kept in (False, True):
        person = make_user(roles=("judge",))
        if kept:  # submitted scores keep the account's row, emptied
            cycle = make_cycle(status="published", name=f"Kept {person.id}")
            make_review(make_assignment(make_judge(cycle, person), make_nomination(cycle)), status="submitted")
            db.session.commit()
        enrol(person)
        report = delete_account(db.session.merge(person), password=DEFAULT_PASSWORD)
        db.session.commit()
        assert report.account_deleted is not kept
        db.session.expire_all()
        assert db.session.get(TwoFactor, person.id) is None


def test_the_persons_data_says_since_when_two_factor_is_on_and_never_the_key(client, nominee):
    with time_machine.travel(START, tick=False):
        secret, codes = enrol(nominee)
        client.sign_in_as(nominee)
        copy = client.get("/account/your-data.json")
    assert copy.get_json()["account"]["two_factor_on_since"] == START.isoformat()
    body = copy.get_data(as_text=True)
    assert secret not in body and not any(c in body for c in codes)


def test_a_magic_link_also_asks_for_the_code(client, nominee, outbox):
    from tests.support.magic_links import ask_for_link, newest_link, press_button

    with time_machine.travel(START, tick=False) as clock:
        secret, _ = enrol(nominee)
        clock.shift(timedelta(seconds=30))
        ask_for_link(client, nominee.email)
        link = newest_link(outbox)
        pressed = press_button(client, link)
        assert pressed.status_code == 302 and pressed.headers["Location"] == CODE_PAGE
        assert not is_signed_in(client)
        assert give_code(client, pyotp.TOTP(secret).now()).status_code == 302
        assert is_signed_in(client)


def test_the_code_page_has_its_own_request_limit(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_TWO_FACTOR="3 per hour")
    with app.app_context():
        client = app.test_client()
        token = client.csrf_token("/sign-in")
        statuses = [client.post(CODE_PAGE, data={"code": "123456", "csrf_token": token}).status_code for _ in range(4)]
        assert statuses == [302, 302, 302, 429]
        assert "Too many requests" in main_text(client.post(CODE_PAGE, data={"code": "1", "csrf_token": token}))
