"""Who and which request the current code runs for; read by the audit log."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str = ""
    ip_address: str = ""


_current: ContextVar[RequestInfo] = ContextVar("ipops_request", default=RequestInfo())  # noqa: B039


def current_request() -> RequestInfo:
    return _current.get()


def set_current_request(info: RequestInfo) -> object:
    return _current.set(info)


def reset_current_request(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
