"""Fixed-window rate limiting, counted in the database so every server process shares one budget.

A key's window opens at its first request and allows `limit` requests. The counter lives in the
``rate_limit_windows`` table and is bumped by one atomic upsert per request (``INSERT ... ON
CONFLICT DO UPDATE ... RETURNING``; SQLite >= 3.35 and PostgreSQL), so two processes on one
database - ``serve --workers N`` - count exactly the same window. When the database cannot take the
write (locked by another process, read-only, gone) the count falls back to this process's memory
for that request: a storage fault must not turn every read into a 503.

Keys already refused are remembered in memory until their window ends, so a client hammering past
its limit costs no database work.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from .exceptions import SandboxError

__all__ = [
    "UNLIMITED",
    "DatabaseWindows",
    "MemoryWindows",
    "RateLimiter",
    "RateState",
    "WindowStore",
]

logger = logging.getLogger("gmodstore_sandbox")

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


class WindowStore(Protocol):
    """Counts hits per key: one atomic "count this hit, tell me the window" operation."""

    def count(self, key: str, *, now: float, window: float) -> tuple[float, int]:
        """Count one hit; returns the window's start (epoch seconds) and its hits so far."""
        ...


class MemoryWindows:
    """Windows in this process's memory (thread-safe, pruned once per window)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}
        self._next_prune = 0.0

    def count(self, key: str, *, now: float, window: float) -> tuple[float, int]:
        with self._lock:
            if now >= self._next_prune:
                self._windows = {k: v for k, v in self._windows.items() if now - v[0] < window}
                self._next_prune = now + window
            start, hits = self._windows.get(key, (now, 0))
            if now - start >= window:
                start, hits = now, 0
            self._windows[key] = (start, hits + 1)
            return start, hits + 1


_UPSERT = text(
    "INSERT INTO rate_limit_windows (key, started_at, hits) VALUES (:key, :now, 1) "
    "ON CONFLICT (key) DO UPDATE SET "
    "started_at = CASE WHEN rate_limit_windows.started_at <= :expired "
    "THEN :now ELSE rate_limit_windows.started_at END, "
    "hits = CASE WHEN rate_limit_windows.started_at <= :expired "
    "THEN 1 ELSE rate_limit_windows.hits + 1 END "
    "RETURNING started_at, hits"
)
_LOCK_WAIT = 3.0
"""Seconds a thread waits for this process's turn at the counter before counting in memory.

Long enough that a merely busy machine (every count is one short upsert) still counts exactly in the
database; only a counter that is really stuck (a lock held elsewhere) falls back to memory."""
_RETRY_DATABASE_AFTER = 1.0
"""Seconds of counting in memory after the database refused a count."""
_PRUNE = text("DELETE FROM rate_limit_windows WHERE started_at <= :expired")


class DatabaseWindows:
    """Windows in the ``rate_limit_windows`` table, shared by every process on the database.

    Args:
        engine: a small engine of its own, with a short lock wait (``make_engine(...,
            busy_timeout=0.25)``), so a write lock held elsewhere delays a request only briefly.
        fallback: used for a hit the database could not count.
    """

    def __init__(self, engine: Engine, *, fallback: WindowStore | None = None) -> None:
        self.engine = engine
        self._fallback = fallback or MemoryWindows()
        # One writer per process: threads of this process queue here instead of spinning in
        # SQLite's busy handler; other processes are serialised by the database itself.
        self._lock = threading.Lock()
        self._next_prune = 0.0
        self._next_warning = 0.0
        self._memory_until = 0.0

    def count(self, key: str, *, now: float, window: float) -> tuple[float, int]:
        # A thread never queues long behind another one stuck on a database lock.
        if time.monotonic() < self._memory_until or not self._lock.acquire(timeout=_LOCK_WAIT):
            return self._fallback.count(key, now=now, window=window)
        try:
            if time.monotonic() < self._memory_until:  # the database just refused: not again yet
                return self._fallback.count(key, now=now, window=window)
            params = {"key": key, "now": now, "expired": now - window}
            with self.engine.begin() as conn:
                row = conn.execute(_UPSERT, params).one()
                if now >= self._next_prune:
                    conn.execute(_PRUNE, {"expired": now - window})
                    self._next_prune = now + window
            return float(row[0]), int(row[1])
        except (DBAPIError, SandboxError) as exc:
            self._memory_until = time.monotonic() + _RETRY_DATABASE_AFTER
            if now >= self._next_warning:
                self._next_warning = now + 60
                logger.warning("rate limit counted in memory: the database refused it (%s)", exc)
            return self._fallback.count(key, now=now, window=window)
        finally:
            self._lock.release()


class RateLimiter:
    """Fixed windows of `limit` requests per key.

    A `limit` of 0 turns limiting off: every request is allowed and the headers report `UNLIMITED`.

    >>> limiter = RateLimiter(limit=2, window=60)
    >>> [limiter.hit("k").remaining for _ in range(2)]
    [1, 0]
    >>> limiter.hit("k").retry_after is not None
    True

    Args:
        limit: requests per key per window (0: off).
        window: window length in seconds.
        store: where windows are counted; default: this process's memory.
    """

    def __init__(
        self,
        *,
        limit: int,
        window: float,
        store: WindowStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit = limit
        self.window = window
        self.store: WindowStore = store or MemoryWindows()
        self._clock = clock
        self._uncounted = MemoryWindows()
        self._refused: dict[str, float] = {}
        self._refused_lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def hit(self, key: str, *, limit: int | None = None) -> RateState:
        """Count one request for `key` (may do database I/O: call it from a worker thread).

        The state's `retry_after` is set if the request must be refused. `limit` overrides the
        limiter's own (the failed-authentication budget of a client address uses it).
        """
        limit = self.limit if limit is None else limit
        now = self._clock()
        if limit <= 0:  # off: still counted (in memory) so the headers show the requests
            start, hits = self._uncounted.count(key, now=now, window=self.window)
            return RateState(UNLIMITED, max(0, UNLIMITED - hits), math.ceil(start + self.window))
        start, hits = self.store.count(key, now=now, window=self.window)
        end = start + self.window
        if hits > limit:
            with self._refused_lock:
                if len(self._refused) > 10_000:
                    self._refused = {k: v for k, v in self._refused.items() if v > now}
                self._refused[key] = end
            return RateState(limit, 0, math.ceil(end), max(1, math.ceil(end - now)))
        return RateState(limit, limit - hits, math.ceil(end))

    def refused(self, key: str, *, limit: int | None = None) -> RateState | None:
        """The 429 state if `key` was already refused in its current window (no I/O), else None."""
        end = self._refused.get(key)
        if end is None:
            return None
        now = self._clock()
        if end <= now:
            with self._refused_lock:
                self._refused.pop(key, None)
            return None
        limit = self.limit if limit is None else limit
        return RateState(limit, 0, math.ceil(end), max(1, math.ceil(end - now)))

    def peek(self) -> RateState:
        """Headers for a request that is not counted (no valid token)."""
        now = self._clock()
        limit = self.limit if self.enabled else UNLIMITED
        return RateState(limit, limit, math.ceil(now + self.window))
