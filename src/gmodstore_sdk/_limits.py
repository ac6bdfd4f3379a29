"""The time and size limits of one attempt: pure helpers of `_base.py` and the drivers.

Each attempt stops at the earliest of `attempt_timeout` after it starts and the call's deadline.
`_base.BaseApiClient._build` puts that stop on the request (`ATTEMPT_STOP`) and caps the request's
phase timeouts by the time left; the drivers (`api_client.py`) hand it to the network backend
(`_deadline.py`), which caps every socket read and write, and check it between body chunks too.
Answers are read up to `max_response_size`: a 2xx over it is refused, an error answer keeps its
first bytes (its message is all that is read from it).
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any

import httpx

from gmodstore_sdk._operation import CallLimits, Operation
from gmodstore_sdk._types import NotGiven
from gmodstore_sdk.exceptions import ApiResponseTooLargeError, ApiTimeoutError

__all__ = [
    "ATTEMPT_END",
    "ATTEMPT_STOP",
    "ERROR_BODY_LIMIT",
    "AttemptTimeout",
    "Deadline",
    "Stop",
    "attempt_stop",
    "body_limit",
    "cap_phases",
    "cut",
    "deadline_error",
    "expired",
    "phase_timeout",
    "timeout_hint",
    "too_large",
]

ATTEMPT_END: ContextVar[float | None] = ContextVar("gmodstore_sdk_attempt_end", default=None)
"""`time.monotonic()` instant by which the current attempt must be over (None: no limit); set by
the drivers around each attempt, read by `_deadline.py`'s network backend."""

ATTEMPT_STOP = "gmodstore_sdk.attempt_stop"
"""Request extension: the attempt's `Stop` (absent: no limit)."""

ERROR_BODY_LIMIT = 64 * 1024
"""Error answers keep at most this much of their body (read for a message, not a model)."""

Deadline = tuple[float, float]
"""The call's deadline: `(time.monotonic() instant, seconds it was given)`."""

Stop = tuple[float, float, str]
"""An attempt's stop: `(time.monotonic() instant, seconds, the setting that set it)`."""


class AttemptTimeout(httpx.ReadTimeout):
    """The driver's own timeout: the answer did not complete before the attempt's stop."""


def attempt_stop(
    op: Operation[Any], attempt: float | None, setting: str, deadline: Deadline | None, now: float
) -> Stop:
    """When an attempt starting `now` must end: `attempt` seconds later, or at the deadline.

    Raises:
        ApiTimeoutError: the deadline has already passed.
    """
    if deadline is not None and (attempt is None or deadline[0] < now + attempt):
        if deadline[0] <= now:
            raise deadline_error(op, deadline, "before this attempt could start")
        return (deadline[0], deadline[1], "deadline")
    assert attempt is not None  # the caller passes at least one of the two
    return (now + attempt, attempt, setting)


def cap_phases(request: httpx.Request, stop: Stop, now: float) -> None:
    """No phase timeout of `request` (an attempt starting `now`) may outlast the attempt."""
    left = stop[0] - now
    phases = request.extensions["timeout"]
    for phase, seconds in phases.items():
        if seconds is None or seconds > left:
            phases[phase] = left


def phase_timeout(
    client: httpx.Timeout, limits: CallLimits | NotGiven, default: httpx.Timeout | None
) -> httpx.Timeout | None:
    """The httpx phase timeouts a call's limits ask for, or `default` if they leave them.

    A `Timeout(connect=..., read=...)` given in part takes the rest from `client`'s timeouts.
    """
    if isinstance(limits, NotGiven) or isinstance(limits.http, NotGiven):
        return default
    if limits.http is not None:
        return limits.http
    connect = client.connect if isinstance(limits.connect, NotGiven) else limits.connect
    read = client.read if isinstance(limits.read, NotGiven) else limits.read
    write = client.write if isinstance(limits.read, NotGiven) else limits.read
    pool = client.pool if isinstance(limits.connect, NotGiven) else limits.connect
    return httpx.Timeout(connect=connect, read=read, write=write, pool=pool)


def deadline_error(op: Operation[Any], deadline: Deadline, when: str) -> ApiTimeoutError:
    """The error of a call whose deadline passed (or would, `when`)."""
    return ApiTimeoutError(
        f"{op.method} {op.path}: the call's deadline of {deadline[1]:g} s passed, or would "
        f"({when}). Raise Configuration(deadline=...) or pass _request_timeout=Timeout(total=...)"
    )


def timeout_hint(exc: httpx.TimeoutException) -> str:
    """Which setting ran out, for the message: a phase timeout, or the attempt's stop."""
    try:
        stop = exc.request.extensions.get(ATTEMPT_STOP)
    except RuntimeError:  # an httpx error raised without its request
        stop = None
    if stop is not None and (isinstance(exc, AttemptTimeout) or time.monotonic() >= stop[0]):
        _, seconds, setting = stop
        if setting == "deadline":
            return (
                f"The call's deadline of {seconds:g} s passed. Raise "
                "Configuration(deadline=...) or pass _request_timeout=Timeout(total=...)"
            )
        return (
            f"The attempt took {seconds:g} s ({setting}) without a complete answer. Raise "
            "Configuration(attempt_timeout=...) or pass _request_timeout=..."
        )
    setting = "connect_timeout" if isinstance(exc, httpx.ConnectTimeout) else "read_timeout"
    return f"Raise Configuration({setting}=...) or pass _request_timeout=..."


def body_limit(response: httpx.Response, max_size: int) -> int:
    """How many bytes of `response` to read; raises if a 2xx announces more than `max_size`."""
    if response.status_code >= 400:
        return min(max_size, ERROR_BODY_LIMIT)
    length = response.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_size:
        raise too_large(response, f"Content-Length: {length}", max_size)
    return max_size


def cut(response: httpx.Response, chunks: list[bytes], limit: int, max_size: int) -> httpx.Response:
    """`response` with the first `limit` bytes of an error body; raises for a 2xx one."""
    if response.status_code < 400:
        raise too_large(response, f"more than {limit} bytes sent", max_size)
    response._content = b"".join(chunks)[:limit]
    return response


def too_large(response: httpx.Response, seen: str, max_size: int) -> ApiResponseTooLargeError:
    """The error for an answer over `max_size` bytes (`seen`: how we know)."""
    request = response.request
    return ApiResponseTooLargeError(
        f"{request.method} {request.url.path}: the {response.status_code} answer is larger "
        f"than max_response_size={max_size} bytes ({seen}); refused without reading it whole. "
        "Raise Configuration(max_response_size=...) if it is expected",
        limit=max_size,
    )


def expired(request: httpx.Request) -> AttemptTimeout:
    """The driver's timeout for an answer still streaming at the attempt's stop."""
    return AttemptTimeout("the answer did not complete in time", request=request)
