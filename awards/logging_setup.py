"""Log lines carry a UTC time and the request id; user input cannot start a new line."""

from __future__ import annotations

import logging
import time

from .domain.context import request_info


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_info().request_id or "-"
        return True


class SingleLineFormatter(logging.Formatter):
    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        head, sep, tail = text.partition("\nTraceback")
        # Escape line breaks in the message itself; a traceback stays readable below it.
        head = head.replace("\r", "\\r").replace("\n", "\\n")
        return head + (("\n" + "Traceback" + tail) if sep else "")


def configure_logging(app) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(SingleLineFormatter(
        "%(asctime)sZ %(levelname)s [%(request_id)s] %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger("awards")
    if not any(isinstance(h.formatter, SingleLineFormatter) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = True
