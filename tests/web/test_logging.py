"""Logging: one line per event with a UTC time and the request id; passwords, tokens and cookies
never reach the log; a line break typed by someone cannot start a forged log line."""

from __future__ import annotations

import io
import logging
import re

import pytest

from awards.logging_setup import DATE_FORMAT, LINE_FORMAT, RequestIdFilter, SingleLineFormatter, log_event
from tests.factories import make_cycle
from tests.support.files import PDF
from tests.support.nominating import start_draft, upload

PLANTED_PASSWORD = "Planted-passphrase-4471-zebra"
NEW_PASSWORD = "Another-planted-phrase-9921"
LINE_START = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) \[[^\]\s]+\] ")
EVENT_LINE = re.compile(LINE_START.pattern + r"awards[\w.]*: event=(?P<event>\S+)(?P<rest>.*)$")


@pytest.fixture
def app_log():
    """What the app's own handler writes (same formatter and filter), and nothing else."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SingleLineFormatter(LINE_FORMAT, DATE_FORMAT))
    handler.addFilter(RequestIdFilter())
    handler.setLevel(logging.DEBUG)
    logger = logging.getLogger("awards")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def events(stream) -> list[tuple[str, str, str]]:
    """(event, request id, rest of the line) for each event line written."""
    found = []
    for line in stream.getvalue().splitlines():
        match = EVENT_LINE.match(line)
        if match:
            request_id = re.search(r"\[([^\]]+)\]", line).group(1)
            found.append((match.group("event"), request_id, match.group("rest")))
    return found


def test_security_events_are_logged_with_utc_time_and_request_id_and_no_secrets(
    app, client, nominee, outbox, caplog, app_log, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setitem(app.config, "SIGN_IN_MAX_FAILURES", 2)
    from awards.domain.people.passwords import hash_password
    from awards.extensions import db
    from awards.models import User

    db.session.get(User, nominee.id).password_hash = hash_password(PLANTED_PASSWORD)
    db.session.commit()
    secrets = [PLANTED_PASSWORD, NEW_PASSWORD]

    def sign_in(password, request_id, email=nominee.email):
        token = client.csrf_token("/sign-in")
        secrets.append(token)
        return client.post(
            "/sign-in",
            data={"csrf_token": token, "email": email, "password": password},
            headers={"X-Request-ID": request_id},
        )

    other = "someone@riverside.gov.uk"
    sign_in("wrong " + PLANTED_PASSWORD, "req-failed", email=other)
    sign_in("wrong " + PLANTED_PASSWORD, "req-failed-2", email=other)
    sign_in(PLANTED_PASSWORD, "req-locked", email=other)
    sign_in(PLANTED_PASSWORD, "req-password-as-email", email=PLANTED_PASSWORD)  # typed in the wrong box
    sign_in(PLANTED_PASSWORD, "req-password-as-email-2", email=f"{PLANTED_PASSWORD}@")
    response = sign_in(PLANTED_PASSWORD, "req-signed-in")
    assert response.status_code == 302 and response.headers["X-Request-ID"] == "req-signed-in"
    secrets.append(client.get_cookie("awards_session").value)

    client.get("/organiser/users", headers={"X-Request-ID": "req-denied"})
    client.get("/no-such-page", headers={"X-Request-ID": "req-missing"})
    client.post(
        "/account",
        data={"csrf_token": "forged-" + secrets[-2], "profile-name": "X"},
        headers={"X-Request-ID": "req-csrf"},
    )
    nomination = start_draft(client, make_cycle())
    upload(client, nomination, "evaluation.pdf", PDF)
    upload(client, nomination, "page.html", b"<html><script>alert(1)</script></html>")

    client.post_form("/sign-out", token_from="/")
    client.post_form("/account/reset-password", {"email": nominee.email})
    link = re.search(r"http://127\.0\.0\.1:5000(/account/reset-password/\S+)", outbox("reset_password")[0].body_text)
    reset_path = link.group(1)
    secrets.append(reset_path.rsplit("/", 1)[-1])
    client.get(reset_path + "/x", headers={"X-Request-ID": "req-token-404"})  # a token in a 404's path
    client.post_form(reset_path, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, token_from=reset_path)

    logged = events(app_log)
    by_request = {request_id: event for event, request_id, _ in logged}
    assert by_request["req-failed"] == "sign_in.failed"
    assert by_request["req-locked"] == "sign_in.refused_locked"
    assert by_request["req-signed-in"] == "sign_in"
    assert by_request["req-denied"] == "request.denied"
    assert by_request["req-missing"] == "request.denied"
    assert by_request["req-csrf"] == "csrf.failed"
    names = [event for event, _, _ in logged]
    for expected in (
        "nomination.started",
        "nomination.attachment_added",
        "upload.refused",
        "sign_out",
        "account.password_reset",
    ):
        assert expected in names, expected
    denied = next(rest for event, rid, rest in logged if rid == "req-denied")
    assert "status=403" in denied and "path=/organiser/users" in denied
    assert any("[token]" in rest for _, rid, rest in logged if rid == "req-token-404")
    # every request id is the one the response carried: generated ones are UUIDs
    assert all(re.fullmatch(r"req-[\w-]+|[0-9a-f-]{36}|-", rid) for _, rid, _ in logged)

    everything = "\n".join([app_log.getvalue(), caplog.text, *(str(r.__dict__) for r in caplog.records)])
    for secret in secrets:
        assert secret and secret not in everything, secret[:12]


def test_a_line_break_in_user_input_cannot_forge_a_log_line(app, client, caplog, app_log):
    forged = "2026-01-01T00:00:00.000Z INFO [x] awards.domain.core.audit: event=sign_in actor=1"
    client.get("/nothing-here%0d%0a" + forged.replace(" ", "%20"))
    client.post_form("/sign-in", {"email": f"nina@riverside.gov.uk\r\n{forged}", "password": "x" * 12})
    log = logging.getLogger("awards.test")
    log_event(log, "nomination.title_seen", title=f"Blue badges\r\n{forged}\u2028{forged}\x85{forged}")
    log.warning("title %s", f"Blue badges\n{forged}")
    try:
        raise ValueError(f"bad title\n{forged}")
    except ValueError:
        log.exception("failed on %s", f"x\r\n{forged}")
    output = app_log.getvalue()
    lines = output.split("\n")
    assert lines[-1] == ""
    for line in lines[:-1]:
        # a line is either the start of an entry (time, level, request id) or an indented traceback line
        assert LINE_START.match(line) or line.startswith("    "), line
        assert not line.startswith(forged)
    assert r"\r\n2026-01-01T00:00:00.000Z" in output  # shown, escaped, on the line it belongs to
    assert r"\u2028" in output and r"\u0085" in output
