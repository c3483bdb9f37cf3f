"""The e-mail outbox: written in the caller's transaction, delivered after commit,
kept and retried on failure, never split by a line break in a name."""

import email

from awards.domain.core.mail import queue_email
from awards.extensions import db
from tests.factories import make_user
from tests.network import free_port


def test_rollback_leaves_no_message(app, outbox):
    queue_email(to_address="a@b.gov.uk", to_name="A", template="verify_email", subject="Hello", link="http://x/1")
    db.session.rollback()
    assert outbox() == []


def test_message_committed_with_its_cause_and_delivered_after(app, outbox, tmp_path):
    user = make_user(verified=False)
    from awards.domain.people.accounts import send_verification_email

    send_verification_email(user)
    db.session.commit()
    [message] = outbox()
    assert message.sent_at is not None and message.attempts == 1
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    parsed = email.message_from_bytes(files[0].read_bytes())
    assert parsed["To"] == f"{user.name} <{user.email}>"
    assert parsed["Subject"] == "Confirm your email address"
    assert parsed.is_multipart()  # plain text and HTML


def test_delivers_through_a_real_smtp_server(make_app, smtp_server, outbox):
    controller, sink = smtp_server
    app = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    with app.app_context():
        queue_email(
            to_address="reader@riverside.gov.uk",
            to_name="Rea Der",
            template="verify_email",
            subject="Confirm your email address",
            link="http://127.0.0.1:5000/verify-email/abc",
        )
        db.session.commit()
        [message] = outbox()
        assert message.sent_at is not None
    [envelope] = sink.messages
    assert envelope.rcpt_tos == ["reader@riverside.gov.uk"]
    parsed = email.message_from_bytes(envelope.content)
    assert parsed["Subject"] == "Confirm your email address"
    text = next(p for p in parsed.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    assert b"http://127.0.0.1:5000/verify-email/abc" in text


def test_failed_delivery_stays_queued_and_is_retried(make_app, outbox, smtp_server):
    controller, sink = smtp_server
    down_port = free_port()  # nothing listens here
    app = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=down_port, MAIL_TIMEOUT=2)
    with app.app_context():
        queue_email(to_address="x@riverside.gov.uk", template="verify_email", subject="S", link="l")
        db.session.commit()  # the change itself succeeds
        [message] = outbox()
        assert message.sent_at is None and message.last_error and message.attempts == 1
    retry_app = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    with retry_app.app_context():
        result = retry_app.test_cli_runner().invoke(args=["outbox", "send"])
        assert "1 sent, 0 failed" in result.output
        # exactly once: a second run sends nothing
        assert retry_app.test_cli_runner().invoke(args=["outbox", "send"]).output.startswith("0 sent")
        [message] = outbox()
        assert message.sent_at is not None and message.last_error is None and message.attempts == 2
    assert len(sink.messages) == 1


def test_outbox_send_reports_failure_with_exit_code(make_app):
    app = make_app(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=free_port(),
        MAIL_TIMEOUT=2,
        MAIL_DELIVER_AFTER_COMMIT=False,
    )
    with app.app_context():
        queue_email(to_address="x@riverside.gov.uk", template="verify_email", subject="S", link="l")
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 1 and "0 sent, 1 failed" in result.output


def test_header_injection_through_name_is_impossible(app, tmp_path):
    queue_email(
        to_address="victim@riverside.gov.uk",
        to_name="Eve\r\nBcc: attacker@evil.example",
        template="verify_email",
        subject="Hi\nBcc: attacker@evil.example",
        link="l",
    )
    db.session.commit()
    raw = next((tmp_path / "outbox").glob("*.eml")).read_bytes()
    parsed = email.message_from_bytes(raw)
    assert parsed["Bcc"] is None
    headers = raw.split(b"\n\n", 1)[0]
    assert b"\nBcc:" not in headers
    assert "attacker@evil.example" in parsed["To"]  # kept as harmless display text on one line


def test_registration_name_with_line_break_cannot_add_header(client, tmp_path):
    client.post_form(
        "/register",
        {
            "name": "Mallory\r\nBcc: x@evil.example",
            "email": "mal@riverside.gov.uk",
            "organisation": "Riverside",
            "password": "long enough passphrase",
            "confirm_password": "long enough passphrase",
        },
    )
    raw = next((tmp_path / "outbox").glob("*.eml")).read_bytes()
    assert email.message_from_bytes(raw)["Bcc"] is None


def test_a_savepoint_inside_the_transaction_neither_delivers_nor_forgets_its_messages(app, outbox):
    """SQLAlchemy calls its after-commit hook for a savepoint too (begin_nested, as a ballot's cast uses): the
    messages queued before it are not committed yet, so they wait for the transaction's own commit, then go out
    (earlier, another connection tried to claim them there: on SQLite it waited on this transaction's lock)."""
    queue_email(to_address="a@b.gov.uk", to_name="A", template="verify_email", subject="Hello", link="http://x/1")
    with db.session.begin_nested():  # released: the hook runs, the transaction goes on
        queue_email(to_address="c@d.gov.uk", to_name="C", template="verify_email", subject="Two", link="http://x/2")
    assert [m.sent_at for m in outbox()] == [None, None]
    db.session.commit()
    assert [(m.to_address, m.sent_at is not None, m.attempts) for m in outbox()] == [
        ("a@b.gov.uk", True, 1),
        ("c@d.gov.uk", True, 1),
    ]
