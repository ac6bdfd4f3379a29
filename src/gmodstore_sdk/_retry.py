"""Retry and rate-limit decisions, as pure functions and one small lock-protected state object.

Nothing here sleeps or sends: the clients ask "how long should I wait?" and do the waiting.

>>> backoff_delay(2, base=0.5, maximum=8.0, rand=lambda: 1.0)
2.0
>>> parse_retry_after("3", now=0.0)
3.0
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

__all__ = [
    "RateLimit",
    "RateLimiter",
    "backoff_delay",
    "classify_transport_error",
    "parse_reset",
    "parse_retry_after",
    "wait_until_reset",
]

# Header values above this are epoch timestamps; below, a number of seconds from now.
_EPOCH_THRESHOLD = 1_000_000_000
# 9999-12-31T23:59:59Z: the last instant a `datetime` can hold. A reset past it is garbage.
_LAST_EPOCH = 253_402_300_799

Safety = Literal["unsent", "ambiguous", "fatal"]


class RateLimit:
    """The rate limit as of the latest response (`api_client.rate_limit`).

    >>> rl = RateLimit(limit=300, remaining=0, reset=1_700_000_060.0)
    >>> rl.reset_at.isoformat()
    '2023-11-14T22:14:20+00:00'

    Attributes:
        limit: requests allowed per window (`X-RateLimit-Limit`), if sent.
        remaining: requests left in the window (`X-RateLimit-Remaining`), if sent.
        reset: when the window resets, as UTC epoch seconds (`X-RateLimit-Reset`, which may be sent
            as a timestamp or as seconds from now), if sent.
    """

    __slots__ = ("limit", "remaining", "reset")

    def __init__(self, limit: int | None, remaining: int | None, reset: float | None) -> None:
        self.limit = limit
        self.remaining = remaining
        self.reset = reset

    @property
    def reset_at(self) -> datetime | None:
        """`reset` as a timezone-aware UTC `datetime`; None if unknown or not a real date."""
        if self.reset is None:
            return None
        try:
            return datetime.fromtimestamp(self.reset, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RateLimit):
            return NotImplemented
        return (self.limit, self.remaining, self.reset) == (
            other.limit,
            other.remaining,
            other.reset,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RateLimit(limit={self.limit}, remaining={self.remaining}, reset={self.reset})"


def _to_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return int(float(value))
    except (ValueError, OverflowError):  # "x", "inf", "nan"
        return None


def _to_seconds(value: str) -> float | None:
    """A finite, non-negative number of seconds, or None."""
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def parse_reset(value: str | None, now: float) -> float | None:
    """`X-RateLimit-Reset` as epoch seconds: large values are timestamps, small ones are deltas.

    >>> parse_reset("1700000000", now=5.0), parse_reset("30", now=100.0), parse_reset("x", now=0.0)
    (1700000000.0, 130.0, None)
    """
    if value is None:
        return None
    number = _to_seconds(value)
    if number is None:
        return None
    reset = number if number > _EPOCH_THRESHOLD else now + number
    return reset if reset <= _LAST_EPOCH else None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """`Retry-After` (seconds or an HTTP date) as seconds to wait from `now`, never negative.

    >>> parse_retry_after("Thu, 01 Jan 1970 00:01:00 GMT", now=30.0)
    30.0
    """
    if value is None:
        return None
    seconds = _to_seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


def backoff_delay(attempt: int, *, base: float, maximum: float, rand: Callable[[], float]) -> float:
    """Exponential backoff with jitter: between half and all of `base * 2**attempt`, capped."""
    ceiling: float = min(maximum, base * 2.0**attempt)
    return ceiling * (0.5 + 0.5 * rand())


def classify_transport_error(exc: Exception) -> Safety:
    """Could the server have acted on a request that failed with `exc`?

    - `"unsent"`: the request never left (connection refused, connect/pool timeout): safe to resend.
    - `"ambiguous"`: the request may have been received (read timeout, reset, protocol error).
    - `"fatal"`: retrying cannot help (bad URL scheme, local protocol error, ...).
    """
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return "unsent"
    if isinstance(exc, (httpx.ProxyError, httpx.UnsupportedProtocol, httpx.LocalProtocolError)):
        return "fatal"
    if isinstance(exc, httpx.TransportError):
        return "ambiguous"
    return "fatal"


class RateLimiter:
    """The client-wide view of the rate limit, shared by all threads and tasks of one client.

    `reserve()` is called before each request: it counts the request against the remaining budget
    and says how long to wait when the budget is spent. The lock is only held for a few
    assignments, never across I/O or `await`, so it is safe to use from async code as well.

    >>> limiter = RateLimiter(window=60.0)
    >>> limiter.update({"x-ratelimit-remaining": "1", "x-ratelimit-reset": "30"}, now=0.0)
    >>> limiter.reserve(now=1.0), limiter.reserve(now=1.0)
    (0.0, 29.0)
    """

    def __init__(self, *, window: float) -> None:
        self._lock = threading.Lock()
        self._window = window
        self._remaining: int | None = None
        self._reset: float | None = None
        # Requests started while the budget was unknown (before the first response, or after a
        # reset without a known limit): the first count that arrives must leave room for them.
        self._unknown = 0
        # The limit is only needed when a window resets: parsed then, from the kept headers.
        self._headers: Mapping[str, str] | None = None

    def update(self, headers: Mapping[str, str], now: float) -> None:
        """Record the `X-RateLimit-*` headers of a response (ignored without `-Remaining`).

        Responses of concurrent requests arrive in any order, and each one's count misses the
        requests reserved after it was sent, so within one window the lower count wins, and a
        response from an earlier window is ignored.
        """
        value = headers.get("x-ratelimit-remaining")
        if value is None:
            return
        remaining = _to_int(value)
        reset = parse_reset(headers.get("x-ratelimit-reset"), now)
        with self._lock:
            known, local = self._reset, self._remaining
            if local is None and remaining is not None and self._unknown:
                # This count includes its own request, maybe not the others started blind.
                remaining = max(0, remaining - (self._unknown - 1))
            self._unknown = 0
            if reset is not None and known is not None and local is not None:
                half = self._window / 2
                if reset < known - half:
                    return  # an answer from an earlier window
                if reset <= known + half:  # the same window
                    if remaining is not None and remaining > local:
                        remaining = local
                    reset = max(reset, known)
            self._remaining = remaining
            self._reset = reset
            self._headers = headers

    def snapshot(self) -> RateLimit | None:
        """The client's current view, or None before any response carried rate limit headers.

        `remaining` also counts the requests this client has started since the last response.
        """
        with self._lock:
            if self._headers is None:
                return None
            limit = _to_int(self._headers.get("x-ratelimit-limit"))
            return RateLimit(limit, self._remaining, self._reset)

    def reserve(self, now: float) -> float:
        """Count one request; return how many seconds to wait before sending it (0: send now).

        The wait is what the server's `X-RateLimit-Reset` implies; judging it (too long? clock
        skew?) is the caller's business.
        """
        with self._lock:
            remaining = self._remaining
            if remaining is None:
                self._unknown += 1
                return 0.0
            if remaining > 0:
                self._remaining = remaining - 1
                return 0.0
            reset = self._reset
            if reset is None:
                return 0.0  # spent, but no reset announced: let the server decide
            if reset <= now:
                assert self._headers is not None  # a count always comes with its headers
                limit = _to_int(self._headers.get("x-ratelimit-limit"))
                if not limit:
                    self._remaining = None  # unknown budget: the next response tells
                    self._unknown = 1
                    return 0.0
                # A new window begins, most likely with this request (servers open a window at
                # its first request). Assume the full budget until a response says otherwise, so
                # that the requests that waited for this reset do not all go at once.
                self._remaining = limit - 1
                self._reset = now + self._window
                return 0.0
        return reset - now


def wait_until_reset(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds until the `X-RateLimit-Reset` of `headers` (e.g. of a 429), if it has one.

    >>> wait_until_reset({"x-ratelimit-reset": "12"}, now=0.0), wait_until_reset({}, now=0.0)
    (12.0, None)
    """
    reset = parse_reset(headers.get("x-ratelimit-reset"), now)
    return None if reset is None else max(0.0, reset - now)
