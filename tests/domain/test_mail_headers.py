"""A display name never becomes a second address: whatever a person calls themselves (commas, quotes, `<`, `@`,
line breaks, encoded-word look-alikes, 200 characters), the message a real SMTP server receives, and the .eml
file the file backend writes, has exactly one recipient, theirs, with their name as its display name."""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import re

import pytest

from awards.domain.core.mail import queue_email, single_line
from awards.extensions import db

ADDRESS = "victim@riverside.gov.uk"

NAMES = [
    "Rea Der",
    "Smith, John <evil@attacker.example>",
    'a"b, c@evil.example',
    "x" * 60 + ', "evil@attacker.example" ' + "y" * 130,
    ("Jane " * 40)[:180] + ", evil@x.example,",
    ('Zoë, "the" <boss> @ work; ' * 9)[:200],
    "Eve\r\nBcc: attacker@evil.example",
    "Eve\r\n To: attacker@evil.example, " + "z" * 150,
    "=?utf-8?q?evil=40x.example?= , other@x.example",
    "A" * 200,
    "O'Brien-Ní Bhriain (Council), Jo",
    '\\\\ backslash \\" quote ( comment ) [literal] :; ' * 4,
]


def expected_name(name: str) -> str:
    return single_line(name)[:200]


def display_name(raw_value: str) -> str:
    """The display name as a mail program shows it (RFC 2047: encoded words decoded, the white space
    between two of them dropped), from the raw header value (`name <address>`)."""
    phrase = re.sub(r"\r?\n", "", raw_value).strip().removesuffix(f"<{ADDRESS}>").strip()
    if phrase.startswith('"'):
        return re.sub(r"\\(.)", r"\1", phrase[1:-1])  # a quoted string: its quoted pairs unescaped
    return str(email.header.make_header(email.header.decode_header(phrase)))


def check_one_recipient(raw: bytes, name: str) -> None:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    [header] = parsed.get_all("To")
    assert [a.addr_spec for a in header.addresses] == [ADDRESS], str(header)
    # and as an older reader (the compat32 parser) splits it: still one address, the right one
    legacy = email.message_from_bytes(raw)
    assert [address for _, address in email.utils.getaddresses(legacy.get_all("To"))] == [ADDRESS]
    assert display_name(legacy["To"]) == expected_name(name)
    for line in raw.split(b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n", 1)[0].splitlines():
        assert len(line) <= 78  # never folded by the sender's policy (RFC 5322's recommended length)


@pytest.mark.parametrize("name", NAMES)
def test_a_display_name_through_a_real_smtp_server_stays_one_recipient(make_app, smtp_server, outbox, name):
    controller, sink = smtp_server
    app = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    with app.app_context():
        queue_email(
            to_address=ADDRESS,
            to_name=name,
            template="verify_email",
            subject="Confirm your email address",
            link="http://127.0.0.1:5000/verify-email/abc",
        )
        db.session.commit()
        [message] = outbox()
        assert message.sent_at is not None, message.last_error
    [envelope] = sink.messages
    assert envelope.rcpt_tos == [ADDRESS]
    check_one_recipient(envelope.content, name)


@pytest.mark.parametrize("name", NAMES)
def test_a_display_name_in_the_file_backend_stays_one_recipient(make_app, tmp_path, outbox, name):
    app = make_app(MAIL_BACKEND="file", MAIL_FILE_DIR=str(tmp_path / "mail"))
    with app.app_context():
        queue_email(
            to_address=ADDRESS,
            to_name=name,
            template="verify_email",
            subject="Confirm your email address",
            link="http://127.0.0.1:5000/verify-email/abc",
        )
        db.session.commit()
        [message] = outbox()
        assert message.sent_at is not None, message.last_error
    [written] = (tmp_path / "mail").glob("*.eml")
    check_one_recipient(written.read_bytes(), name)
