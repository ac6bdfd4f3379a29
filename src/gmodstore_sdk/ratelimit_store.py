"""Where a client keeps its view of the rate limit: in this process, or in Redis for many processes.

A bot sharded over several processes, or a shop with several web workers, shares one token's
budget. Each process pacing itself alone sends several times that budget and collects 429s. Give
every client of the token the same Redis store and they pace together, from the `X-RateLimit-*`
headers any of them saw:

>>> from gmodstore_sdk.ratelimit_store import RedisRateLimitStore
>>> store = RedisRateLimitStore("redis://127.0.0.1:6379/0")                  # doctest: +SKIP
>>> config = Configuration(access_token="...", rate_limit_store=store)      # doctest: +SKIP

Without a store (the default) each client paces itself, as `RateLimiter` always did.
`InProcessRateLimitStore` shares one view between the clients of one process that use one token.

Redis keys are `<prefix><sha256 of the token>`: the token itself is never stored. Each reservation
and each update is one Lua script, so concurrent processes never both take the last request of a
window. Every Redis call has a timeout (`timeout`, default 0.25 s); when Redis is unreachable the
client paces in-process, logs one WARNING, and tries Redis again `retry_after` seconds later.
Async clients call Redis synchronously too (one loopback round trip per request, bounded by the
same timeout): the request flow does its bookkeeping without I/O of the event loop's kind.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from gmodstore_sdk._retry import RateLimit, RateLimiter, _to_int, parse_reset
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError

if TYPE_CHECKING:
    import redis

__all__ = [
    "InProcessRateLimitStore",
    "RateLimitState",
    "RateLimitStore",
    "RedisRateLimitStore",
    "token_key",
]

logger = logging.getLogger("gmodstore_sdk")

DEFAULT_PREFIX = "gmodstore:ratelimit:"


def token_key(token: str | None) -> str:
    """The name a token's budget is kept under: its SHA-256 (hex), never the token.

    >>> token_key("secret")[:16], token_key(None)
    ('2bb80d537b1da3e3', 'anonymous')
    """
    return "anonymous" if token is None else hashlib.sha256(token.encode()).hexdigest()


class RateLimitState(Protocol):
    """One token's view of the rate limit, as the request flow uses it (see `RateLimiter`)."""

    def update(self, headers: Mapping[str, str], now: float) -> None:
        """Record the `X-RateLimit-*` headers of a response."""
        ...

    def reserve(self, now: float) -> float:
        """Count one request; return the seconds to wait before sending it (0: send now)."""
        ...

    def snapshot(self) -> RateLimit | None:
        """The current view, or None before any response carried rate limit headers."""
        ...


@runtime_checkable
class RateLimitStore(Protocol):
    """Makes the `RateLimitState` of a token: `Configuration(rate_limit_store=...)`."""

    def state(self, key: str, window: float) -> RateLimitState:
        """The state for the token whose `token_key` is `key`, with windows of `window` s."""
        ...


class InProcessRateLimitStore:
    """One `RateLimiter` per token, shared by every client of this process given this store.

    >>> store = InProcessRateLimitStore()
    >>> store.state("k", 60.0) is store.state("k", 60.0)
    True
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, RateLimiter] = {}

    def state(self, key: str, window: float) -> RateLimiter:
        """This process's `RateLimiter` for the token `key`, made on first use."""
        with self._lock:
            state = self._states.get(key)
            if state is None:
                state = self._states[key] = RateLimiter(window=window)
            return state


# KEYS[1]: the token's hash. ARGV: remaining, reset, limit ("" when absent), window, ttl (ms).
# The same rules as `RateLimiter.update`: within one window the lower count wins, a response from
# an earlier window is ignored; the first count after requests started blind (no count known) leaves
# room for them.
_UPDATE = """
local key = KEYS[1]
local remaining = tonumber(ARGV[1])
local reset = tonumber(ARGV[2])
local window = tonumber(ARGV[4])
local known = tonumber(redis.call('HGET', key, 'reset'))
local current = tonumber(redis.call('HGET', key, 'remaining'))
local unknown = tonumber(redis.call('HGET', key, 'unknown'))
if not current and remaining and unknown and unknown > 1 then
  remaining = math.max(0, remaining - (unknown - 1))
end
redis.call('HDEL', key, 'unknown')
if reset and known and current then
  local half = window / 2
  if reset < known - half then return 0 end
  if reset <= known + half then
    if remaining and remaining > current then remaining = current end
    if known > reset then reset = known end
  end
end
redis.call('HSET', key, 'seen', '1', 'limit', ARGV[3])
if remaining then redis.call('HSET', key, 'remaining', remaining)
else redis.call('HDEL', key, 'remaining') end
if reset then redis.call('HSET', key, 'reset', tostring(reset))
else redis.call('HDEL', key, 'reset') end
redis.call('PEXPIRE', key, ARGV[5])
return 1
"""

# KEYS[1]: the token's hash. ARGV: now, window, ttl (ms). Returns the seconds to wait, as a string
# (Redis turns a Lua float reply into an integer). The same rules as `RateLimiter.reserve`.
_RESERVE = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local remaining = tonumber(redis.call('HGET', key, 'remaining'))
if not remaining then
  redis.call('HINCRBY', key, 'unknown', 1)
  redis.call('PEXPIRE', key, ARGV[3])
  return '0'
end
if remaining > 0 then
  redis.call('HSET', key, 'remaining', remaining - 1)
  return '0'
end
local reset = tonumber(redis.call('HGET', key, 'reset'))
if not reset then return '0' end
if reset <= now then
  local limit = tonumber(redis.call('HGET', key, 'limit'))
  if not limit or limit == 0 then
    redis.call('HDEL', key, 'remaining')
    redis.call('HSET', key, 'unknown', 1)
    return '0'
  end
  redis.call('HSET', key, 'remaining', limit - 1, 'reset', tostring(now + tonumber(ARGV[2])))
  return '0'
end
return tostring(reset - now)
"""


class RedisRateLimitStore:
    """Rate limit state in Redis, shared by every process (and machine) using one token.

    Args:
        url: a Redis URL, e.g. `"redis://127.0.0.1:6379/0"`; or pass `client`.
        client: a `redis.Redis` to use instead; it must have a `socket_timeout`.
        prefix: put before the token's hash in the key name.
        timeout: seconds each Redis call may take (connect and read), when `url` is given.
        retry_after: seconds of in-process pacing after Redis failed, before trying it again.

    Needs the `redis` extra (`pip install gmodstore-sdk[redis]`).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: redis.Redis | None = None,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = 0.25,
        retry_after: float = 30.0,
    ) -> None:
        self.redis = _redis_client(url, client, timeout)
        self.prefix = prefix
        self.retry_after = retry_after
        self._update = self.redis.register_script(_UPDATE)
        self._reserve = self.redis.register_script(_RESERVE)
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._states: dict[str, _RedisState] = {}

    def state(self, key: str, window: float) -> RateLimitState:
        """The Redis-backed state of the token `key` (one object per key and store)."""
        with self._lock:
            state = self._states.get(key)
            if state is None:
                state = self._states[key] = _RedisState(self, self.prefix + key, window)
            return state

    def __repr__(self) -> str:
        return f"RedisRateLimitStore(prefix={self.prefix!r})"

    # -- failure handling: one WARNING per outage --------------------------------------------------

    def _usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            first = self._down_until == 0.0
            self._down_until = time.monotonic() + self.retry_after
        if first:
            logger.warning(
                "Redis rate limit store unreachable (%s); pacing in this process only, "
                "retrying Redis every %.0f s",
                type(exc).__name__,
                self.retry_after,
            )

    def _recovered(self) -> None:
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            logger.info("Redis rate limit store reachable again; pacing shared again")


class _RedisState:
    """One token's state in Redis, with an in-process `RateLimiter` for when Redis is down."""

    def __init__(self, store: RedisRateLimitStore, key: str, window: float) -> None:
        self._store = store
        self._key = key
        self._window = window
        self._ttl_ms = max(1000, int(window * 2 * 1000))
        self._local = RateLimiter(window=window)

    def update(self, headers: Mapping[str, str], now: float) -> None:
        self._local.update(headers, now)  # kept current, so a Redis outage starts from it
        value = headers.get("x-ratelimit-remaining")
        if value is None or not self._store._usable():
            return
        remaining = _to_int(value)
        reset = parse_reset(headers.get("x-ratelimit-reset"), now)
        limit = _to_int(headers.get("x-ratelimit-limit"))
        args = [_arg(remaining), _arg(reset), _arg(limit), repr(self._window), self._ttl_ms]
        self._call(self._store._update, args)

    def reserve(self, now: float) -> float:
        if self._store._usable():
            args = [repr(now), repr(self._window), self._ttl_ms]
            result = self._call(self._store._reserve, args)
            if result is not None:
                return float(result)
        return self._local.reserve(now)

    def snapshot(self) -> RateLimit | None:
        if self._store._usable():
            try:
                seen, remaining, reset, limit = self._store.redis.hmget(
                    self._key, ["seen", "remaining", "reset", "limit"]
                )
            except Exception as exc:  # redis.RedisError, OSError: Redis is a cache here
                self._store._failed(exc)
            else:
                if seen is None:
                    return None
                return RateLimit(_int(limit), _int(remaining), _float(reset))
        return self._local.snapshot()

    def _call(self, script: Any, args: list[Any]) -> Any:
        try:
            result = script(keys=[self._key], args=args)
        except Exception as exc:  # redis.RedisError, OSError: degrade, never fail the request
            self._store._failed(exc)
            return None
        self._store._recovered()
        return result


def _arg(value: float | None) -> str:
    return "" if value is None else repr(value)


def _int(raw: bytes | str | None) -> int | None:
    return _to_int(raw.decode() if isinstance(raw, bytes) else raw) if raw else None


def _float(raw: bytes | str | None) -> float | None:
    return float(raw) if raw else None


def _redis_client(url: str | None, client: Any, timeout: float) -> redis.Redis:
    if (url is None) == (client is None):
        raise ApiValueError("give a Redis `url` or a `client`, not both or neither")
    if client is not None:
        kwargs = client.connection_pool.connection_kwargs
        if kwargs.get("socket_timeout") is None:
            raise ApiValueError("the Redis `client` must have a `socket_timeout`")
        return client  # type: ignore[no-any-return]
    if not isinstance(url, str):
        raise ApiTypeError(f"`url` must be a str, not {type(url).__name__}")
    try:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ImportError("the Redis store needs `pip install gmodstore-sdk[redis]`") from exc
    # One attempt per call: a Redis that is down costs each request at most `timeout`.
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )
