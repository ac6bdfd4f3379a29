"""Per-token fixed-window rate limiting, in memory and thread-safe."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["UNLIMITED", "RateLimiter", "RateState"]

UNLIMITED = 1_000_000
"""Limit reported in the headers when rate limiting is turned off."""


@dataclass(frozen=True)
class RateState:
    """What the ``X-RateLimit-*`` headers of one response say."""

    limit: int
    remaining: int
    reset: int
    """UTC epoch seconds at which the current window ends."""
    retry_after: int | None = None
    """Seconds until the window ends, set only when the request was refused."""

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class RateLimiter:
    """Fixed windows: a key's window opens at its first request and allows `limit` requests.

    A `limit` of 0 turns limiting off: every request is allowed and the headers report `UNLIMITED`.

    >>> limiter = RateLimiter(limit=2, window=60)
    >>> [limiter.hit("k").remaining for _ in range(2)]
    [1, 0]
    >>> limiter.hit("k").retry_after is not None
    True
    """

    def __init__(
        self, *, limit: int, window: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}
        self._next_prune = 0.0

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def hit(self, key: str) -> RateState:
        """Count one request for `key`. The state's `retry_after` is set if it must be refused."""
        now = self._clock()
        limit = self.limit if self.enabled else UNLIMITED
        with self._lock:
            if now >= self._next_prune:
                self._prune(now)
            start, count = self._windows.get(key, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            end = start + self.window
            if self.enabled and count >= limit:
                retry = max(1, math.ceil(end - now))
                return RateState(limit, 0, math.ceil(end), retry)
            count += 1
            self._windows[key] = (start, count)
        return RateState(limit, max(0, limit - count), math.ceil(end))

    def peek(self) -> RateState:
        """Headers for a request that is not counted (no valid token)."""
        now = self._clock()
        limit = self.limit if self.enabled else UNLIMITED
        return RateState(limit, limit, math.ceil(now + self.window))

    def _prune(self, now: float) -> None:
        self._windows = {k: v for k, v in self._windows.items() if now - v[0] < self.window}
        self._next_prune = now + self.window
