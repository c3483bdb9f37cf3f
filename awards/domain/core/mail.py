"""E-mail through an outbox, each message written in its recipient's language.

`queue_email` writes the message in the caller's transaction; after that
transaction commits, the messages it added are delivered (see `install_outbox`).
A failed delivery stays queued with its error and `deliver_pending` (the
`flask outbox send` command) tries again. A message is claimed before it is
sent, so two senders never deliver it twice.

A message is rendered, its subject included, in the recipient's language, not the language of the page
that caused it: the caller passes `language` (`awards.i18n.language_of(user)` for an account holder; the
page's language for someone without an account, such as a People's Choice voter) and the subject as a lazy
string (`lazy_gettext("Nomination received: %(reference)s", reference=...)`), which is put into words inside
that language. A value the caller formats itself (a date in words) is formatted inside `writing_in(language)`.
What is stored in the outbox is the finished text.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from flask import after_this_request, current_app, has_request_context, render_template
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.i18n import default_language, service_name, usable
from awards.models import OutboxMessage, User

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=5)
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_LINK = re.compile(r"https?://\S+")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9'-]+( [A-Za-z0-9'-]+)*")
_HEADER_LINE = 78  # RFC 5322's recommended line length, which Python's policies fold to


def single_line(value: str) -> str:
    """A header value cannot carry a line break, so no one can add a header through a name."""
    return _LINE_BREAKS.sub(" ", value or "").strip()


def render_email(template: str, to_name: str = "", **context) -> tuple[str, str | None]:
    """The text and HTML (None if the template has none) bodies of templates/emails/<template>."""
    context.setdefault("service_name", service_name())
    context.setdefault("to_name", single_line(to_name)[:200])
    body_text = render_template(f"emails/{template}.txt", **context)
    try:
        body_html = render_template(f"emails/{template}.html", **context)
    except Exception as exc:  # a template without an HTML part is fine
        if exc.__class__.__name__ != "TemplateNotFound":
            raise
        body_html = None
    return body_text, body_html


# The longest subject the outbox keeps (its column); a longer one is cut.
SUBJECT_LIMIT = 255


def language_for_address(address: str) -> str:
    """The language to write to an address in: that of the account holding it, if it has chosen one the service
    offers, else the service's default (for a caller that knows no account: it is looked up)."""
    chosen = db.session.scalar(select(User.language).where(User.email == func.lower(single_line(address))))
    return usable(chosen) or default_language()


@contextmanager
def writing_in(language: str | None) -> Iterator[None]:
    """Words, dates and numbers put together inside this block are in `language` (None: the service's default)."""
    with force_locale(usable(language) or default_language()):
        yield


def written_later(function, /, *args, **kwargs) -> LazyString:
    """`function(*args, **kwargs)` called only when the e-mail is written, so in its recipient's language: for a
    value made before `queue_email` and shared by several recipients, such as a date in words
    (`written_later(govuk_datetime, closes_at, cycle.time_zone)`)."""
    return LazyString(function, *args, **kwargs)


def queue_email(
    *, to_address: str, to_name: str = "", language: str | None = None, template: str, subject: object, **context
) -> OutboxMessage:
    """Render templates/emails/<template>.txt (and .html) and its subject in `language` (the recipient's; None:
    that of the account with this address, else the service's default), and add the message to the outbox.

    `subject` is a lazy string, put into words in that language (a plain string is kept as it is: text someone
    typed)."""
    to_name = single_line(to_name)[:200]
    with writing_in(language or language_for_address(to_address)):
        body_text, body_html = render_email(template, to_name, **context)
        subject_text = str(subject)
    message = OutboxMessage(
        created_at=utcnow(),
        to_address=single_line(to_address),
        to_name=to_name,
        subject=single_line(subject_text)[:SUBJECT_LIMIT],
        body_text=body_text,
        body_html=body_html,
        kind=template,
        attempts=0,
    )
    db.session.add(message)
    return message


def address_header(header: str, name: str, address: str) -> str:
    """The value of a From or To header: one address, `address`, shown as `name`, whatever the name holds.

    Python's folder (3.11) drops the quotes of a long quoted display name when it wraps it, so a
    200-character name with a comma in it became two or three addresses. So the value is never left
    for it to fold: a name of plain words, or a short one quoted (`"Smith, John"`), goes as it is on one
    line; any other (long, or not ASCII) as RFC 2047 encoded words, at most 75 characters each on lines
    of their own, which carry commas, quotes, `<` and `@` as encoded text, with the address on the last
    line. `address` must be one address (ValueError otherwise)."""
    addr_spec = Address(addr_spec=single_line(address)).addr_spec
    name = single_line(name)
    if not name:
        return addr_spec
    if name.isascii() and "=?" not in name:  # (a name that looks like an encoded word is encoded)
        one_line = f"{name} <{addr_spec}>" if _PLAIN_NAME.fullmatch(name) else formataddr((name, addr_spec))
        if len(f"{header}: {one_line}") <= _HEADER_LINE:
            return one_line
    words = Header(name, "utf-8", maxlinelen=_HEADER_LINE - 2, header_name=header).encode(linesep="\n")
    return f"{words}\n <{addr_spec}>"


def build_message(message: OutboxMessage) -> EmailMessage:
    cfg = current_app.config
    email = EmailMessage()
    email["Subject"] = single_line(message.subject)
    # set_raw: the values are already folded (see address_header), so the policy does not refold them
    email.set_raw("From", address_header("From", cfg["MAIL_SENDER_NAME"], cfg["MAIL_DEFAULT_SENDER"]))
    email.set_raw("To", address_header("To", message.to_name, message.to_address))
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=cfg["MAIL_DEFAULT_SENDER"].split("@")[-1])
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


class FileBackend:
    """Writes each message as an .eml file (for development) and logs its subject and links."""

    def __init__(self, directory: Path, log_links: bool = False):
        self.directory = directory
        # Links carry sign-in tokens: only a developer's own console may show them.
        self.log_links = log_links

    def send(self, email: EmailMessage, message: OutboxMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        path = self.directory / f"{stamp}-{message.id:06d}.eml"
        path.write_bytes(bytes(email))
        links = " ".join(_LINK.findall(message.body_text)) if self.log_links else ""
        log.info(
            "mail to %s: %r written to %s%s",
            message.to_address,
            message.subject,
            path,
            f" links: {links}" if links else "",
        )


class SMTPBackend:
    def __init__(self, cfg):
        self.cfg = cfg

    def send(self, email: EmailMessage, message: OutboxMessage) -> None:
        cfg = self.cfg
        smtp: smtplib.SMTP
        if cfg["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(
                cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"], context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
        with smtp:
            if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
                smtp.starttls(context=ssl.create_default_context())
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            # The envelope names the one recipient, rather than leaving smtplib to read it from the To header.
            smtp.send_message(email, to_addrs=[Address(addr_spec=single_line(message.to_address)).addr_spec])


def backend():
    cfg = current_app.config
    if cfg["MAIL_BACKEND"] == "file":
        return FileBackend(
            Path(cfg["MAIL_FILE_DIR"] or Path(current_app.instance_path) / "outbox"),
            log_links=cfg["ENVIRONMENT"] == "development",
        )
    if cfg["MAIL_BACKEND"] == "smtp":
        return SMTPBackend(cfg)
    raise RuntimeError(f"unknown MAIL_BACKEND {cfg['MAIL_BACKEND']!r}")


def _claim(session: Session, message_id: int) -> OutboxMessage | None:
    """Claim a queued message for sending, committed at once so no other process sends it too: the message as
    claimed (one UPDATE … RETURNING), or None when it is sent, being sent by another process, or gone."""
    now = utcnow()
    claimed = session.scalars(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            or_(
                OutboxMessage.last_attempt_at.is_(None),
                OutboxMessage.last_attempt_at < now - CLAIM_TIMEOUT,
                OutboxMessage.last_error.is_not(None),
            ),
        )
        .values(last_attempt_at=now, last_error=None, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    ).first()
    session.commit()
    return claimed


def deliver_pending(ids: list[int] | None = None, limit: int = 500) -> tuple[int, int]:
    """Deliver queued messages (all, or those ids); return (sent, failed). Commits in its own session, one message
    at a time: claimed, sent, then marked sent (or kept with the error for a retry)."""
    sent = failed = 0
    mailer = backend()
    with Session(db.engine, expire_on_commit=False) as session:
        if ids is not None:  # those just queued: each claim below skips one already sent
            candidates = sorted(ids)[:limit]
        else:
            query = select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)
            candidates = list(session.scalars(query.limit(limit)))
        for message_id in candidates:
            message = _claim(session, message_id)
            if message is None:
                continue
            # Sent as claimed: a message removed in the moment since (its account deleted) still goes out once.
            outcome: dict[str, object]
            try:
                mailer.send(build_message(message), message)
            except Exception as exc:  # any failure keeps it queued for a retry
                error = f"{exc.__class__.__name__}: {exc}"[:2000]
                outcome = {"last_error": error}
                failed += 1
                log.warning("mail %s to %s not delivered: %s", message.id, message.to_address, error)
            else:
                outcome = {"sent_at": utcnow()}
                sent += 1
            # A statement, not the claimed object: a message removed since its claim (its account deleted) is
            # simply not there to mark.
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id)
                .values(**outcome)
                .execution_options(synchronize_session=False)
            )
            session.commit()
    return sent, failed


def _collect_outbox_ids(session, _flush_context):
    new_ids = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if new_ids:
        session.info.setdefault("outbox_ids", []).extend(new_ids)


def deliver_after_response() -> None:
    """Deliver what the current request's next commit queues only once its response has been sent
    (for a view whose answer must not take longer when a message goes out, such as a password reset
    request, which would otherwise tell whether the address has an account)."""
    db.session.info["outbox_after_response"] = True


def _deliver_ids(app, ids: list[int]) -> None:
    with app.app_context():
        try:
            deliver_pending(ids)
        except Exception:  # delivery must never undo or break the committed change
            log.exception("outbox delivery after commit failed; messages stay queued")


def _deliver_after_commit(session):
    if session.get_nested_transaction() is not None:
        # A savepoint's release (SQLAlchemy calls the hook for those too): what was queued is not committed
        # yet, and another connection claiming it would wait on this transaction. Wait for the real commit.
        return
    ids = session.info.pop("outbox_ids", None)
    later = session.info.pop("outbox_after_response", False)
    if ids and current_app.config["MAIL_DELIVER_AFTER_COMMIT"]:
        if later and has_request_context():
            # The app itself, not the proxy, for use after the request: Flask types current_app as
            # the Flask class, though it is a LocalProxy with this method.
            app = current_app._get_current_object()  # type: ignore[attr-defined]

            @after_this_request
            def deliver_once_sent(response):
                response.call_on_close(lambda: _deliver_ids(app, ids))
                return response

            return
        try:
            deliver_pending(ids)
        except Exception:  # delivery must never undo or break the committed change
            log.exception("outbox delivery after commit failed; messages stay queued")


def _forget_after_rollback(session):
    session.info.pop("outbox_ids", None)
    session.info.pop("outbox_after_response", None)


_HOOKS = (
    ("after_flush", _collect_outbox_ids),
    ("after_commit", _deliver_after_commit),
    ("after_rollback", _forget_after_rollback),
)


def install_outbox() -> None:
    """Deliver, after each commit, the outbox messages that the transaction added (installed once)."""
    session_class = db.session.session_factory.class_
    for name, hook in _HOOKS:
        if not event.contains(session_class, name, hook):
            event.listen(session_class, name, hook)
