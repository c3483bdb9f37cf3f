"""Log lines carry a UTC time and the request id; user input cannot start a new line.

Events are one line each, `event=<name> key=value …` (logfmt): a value with a space, a quote,
an equals sign or any control character is written as a JSON string, so a CR/LF typed into an
e-mail address or a title shows as the two characters \\r\\n. Keys that could hold a secret
(password, token, secret, cookie, csrf, session) are never written, whatever their value.
"""

from __future__ import annotations

import json
import logging
import re
import time

from awards.request_context import request_info

LINE_FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)s [%(request_id)s] %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

# Everything that some program reads as the end of a line: C0 controls, DEL, NEL, LS, PS.
_LINE_BREAKING = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
_SECRET_KEY = re.compile(r"password|token|secret|cookie|csrf|session", re.I)
_PLAIN_VALUE = re.compile(r"[^\s\"'=\\\x00-\x1f\x7f\x85\u2028\u2029]{1,200}")
_EMAIL = re.compile(r"[^\s@]{1,64}@[^\s@]{1,255}")


def escape_line(text: str) -> str:
    """The text on one line: every character that could break it is shown as an escape."""

    def replace(match: re.Match) -> str:
        char = match.group(0)
        return {"\r": "\\r", "\n": "\\n", "\t": "\\t"}.get(char, f"\\u{ord(char):04x}")

    return _LINE_BREAKING.sub(replace, text)


def _value(key: str, value) -> str:
    if _SECRET_KEY.search(key):
        return "[redacted]"
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        value = ",".join(str(v) for v in value)
    text = str(value)
    if key.rsplit(".", 1)[-1] == "email" and not _EMAIL.fullmatch(text.strip()):
        # People sometimes type their password into the e-mail box: keep what is not an address out.
        return '"[not an email address]"'
    if len(text) > 200:
        text = text[:200] + "…"
    if _PLAIN_VALUE.fullmatch(text):
        return text
    return escape_line(json.dumps(text, ensure_ascii=False))


def event_line(event: str, **fields) -> str:
    """`event=<name> key=value …`, one line, with secrets left out."""
    parts = [f"event={_value('event', event)}"]
    parts += [f"{key}={_value(key, value)}" for key, value in fields.items()]
    return " ".join(parts)


def log_event(logger: logging.Logger, event: str, *, level: int = logging.INFO, **fields) -> None:
    logger.log(level, "%s", event_line(event, **fields))


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_info().request_id or "-"
        return True


class SingleLineFormatter(logging.Formatter):
    """One line per record: the message has its line breaks escaped, and every line of a
    traceback is indented, so nothing can pass for the start of another entry."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        message = escape_line(record.getMessage())
        record = logging.makeLogRecord({**record.__dict__, "msg": message, "args": None})
        if not hasattr(record, "request_id"):
            record.request_id = request_info().request_id or "-"
        text = super().format(record)
        head, sep, tail = text.partition("\n")
        if not sep:
            return head
        return head + "\n" + "\n".join("    " + line for line in tail.split("\n"))


def configure_logging(app) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(SingleLineFormatter(LINE_FORMAT, DATE_FORMAT))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger("awards")
    if not any(isinstance(h.formatter, SingleLineFormatter) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = True
