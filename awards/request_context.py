"""Who is asking, from where: set by the web layer for each request, read by the
audit log. Empty in the CLI and in tests that call domain functions directly."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None = None
    request_id: str | None = None


_current: ContextVar[RequestInfo] = ContextVar("awards_request_info", default=RequestInfo())  # noqa: B039 (frozen)


def set_request_info(info: RequestInfo):
    return _current.set(info)


def reset_request_info(token) -> None:
    _current.reset(token)


def request_info() -> RequestInfo:
    return _current.get()
