"""A cache of "does this user own this product?", kept fresh by purchase webhooks.

A bot that checks the same users all day needs almost no requests: answers are kept for `ttl`
seconds, and the purchase webhooks the application receives update them at once.

>>> from gmodstore_sdk.ownership_cache import OwnershipCache
>>> cache = OwnershipCache(ttl=600)
>>> cache.has_active_purchase(api, product_id, user_id)         # doctest: +SKIP
True
>>> cache.apply(event)    # in the webhook handler, after `webhooks.verify`   # doctest: +SKIP

`OwnershipCache` lives in this process; `RedisOwnershipCache` is shared by every process (needs the
`redis` extra). `owns` / `aowns` wrap `UsersApi.owns` (several products at once: only the products
without an answer are asked for); for any other check use `check` / `acheck` with a function that
asks the API.

What an event does (`apply`): `product_purchase.created` (unrevoked) and `.unrevoked` record that
the user owns the product; `.revoked` and `.deleted` forget the answer (the user may hold another
active purchase of it), so the next check asks the API. An answer fetched while an event for the
same user and product arrived is not stored, so a late answer cannot undo the event.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from gmodstore_sdk.exceptions import ApiValueError
from gmodstore_sdk.model._webhook_event import WebhookEvent

if TYPE_CHECKING:
    import redis

    from gmodstore_sdk.api.product_purchases_api import (
        AsyncProductPurchasesApi,
        ProductPurchasesApi,
    )
    from gmodstore_sdk.api.users_api import AsyncUsersApi, UsersApi

__all__ = ["OwnershipCache", "RedisOwnershipCache"]

logger = logging.getLogger("gmodstore_sdk")

_GRANTS = frozenset({"product_purchase.created", "product_purchase.unrevoked"})
_REMOVES = frozenset({"product_purchase.revoked", "product_purchase.deleted"})


class OwnershipCache:
    """Answers in this process's memory, for `ttl` seconds (thread-safe).

    Args:
        ttl: seconds an answer fetched from the API is trusted.
        max_entries: beyond this many answers, the oldest are dropped.
        clock: monotonic seconds (default `time.monotonic`); tests pass a fake one.

    Attributes:
        hits / misses: checks answered from the cache / by the API.
    """

    def __init__(
        self,
        ttl: float = 300.0,
        *,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0:
            raise ApiValueError(f"`ttl` must be > 0, got {ttl!r}")
        self.ttl = ttl
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._clock = clock
        self._lock = threading.Lock()
        self._steam_memo: dict[str, str] = {}  # SteamID64 -> user id
        # (product, user) -> (answer or None, epoch, expires at)
        self._entries: dict[tuple[str, str], tuple[bool | None, int, float]] = {}

    # -- the storage primitives (RedisOwnershipCache overrides these four) ------------------------

    def _get(self, key: tuple[str, str]) -> tuple[bool | None, int]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[2] <= self._clock():
                return None, 0 if entry is None else entry[1]
            return entry[0], entry[1]

    def _put(self, key: tuple[str, str], owns: bool, epoch: int) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if (entry[1] if entry is not None else 0) != epoch:
                return  # an event arrived while this answer was fetched
            self._set(key, owns, epoch)

    def _event(self, key: tuple[str, str], owns: bool | None) -> None:
        with self._lock:
            entry = self._entries.get(key)
            self._set(key, owns, (entry[1] if entry is not None else 0) + 1)

    def _set(self, key: tuple[str, str], owns: bool | None, epoch: int) -> None:
        entries = self._entries
        entries.pop(key, None)
        entries[key] = (owns, epoch, self._clock() + self.ttl)
        while len(entries) > self.max_entries:
            del entries[next(iter(entries))]

    # -- the public interface ---------------------------------------------------------------------

    def get(self, product: str, user_id: str) -> bool | None:
        """The cached answer, or None when there is none (or it expired)."""
        return self._get(_key(product, user_id))[0]

    def check(self, product: str, user_id: str, fetch: Callable[[], bool]) -> bool:
        """The cached answer, or `fetch()`'s (then cached)."""
        key = _key(product, user_id)
        owns, epoch = self._get(key)
        if owns is not None:
            self.hits += 1
            return owns
        self.misses += 1
        owns = bool(fetch())
        self._put(key, owns, epoch)
        return owns

    async def acheck(
        self, product: str, user_id: str, fetch: Callable[[], Awaitable[bool]]
    ) -> bool:
        """`check` with a coroutine function."""
        key = _key(product, user_id)
        owns, epoch = self._get(key)
        if owns is not None:
            self.hits += 1
            return owns
        self.misses += 1
        owns = bool(await fetch())
        self._put(key, owns, epoch)
        return owns

    def has_active_purchase(self, api: ProductPurchasesApi, product: str, user_id: str) -> bool:
        """`api.has_active_purchase(product, user_id)`, answered from the cache when it can be."""
        return self.check(product, user_id, lambda: api.has_active_purchase(product, user_id))

    async def ahas_active_purchase(
        self, api: AsyncProductPurchasesApi, product: str, user_id: str
    ) -> bool:
        """The async twin of `has_active_purchase`."""
        return await self.acheck(
            product, user_id, lambda: api.has_active_purchase(product, user_id)
        )

    def owns(
        self, api: UsersApi, user_or_steam_id: str | int, product_ids: Iterable[str]
    ) -> dict[str, bool]:
        """`api.owns(user_or_steam_id, product_ids)`, asking only for the products not cached.

        A SteamID is looked up once per cache (a SteamID's user does not change); the answers are
        kept under the user's id, which purchase webhooks name.
        """
        products = [_norm(p) for p in product_ids]
        user_id = self._steam_user(user_or_steam_id, api.find_user_by_steam_id)
        if user_id is None:
            return api.owns(user_or_steam_id, products)  # not a user: every product False
        known, missing = self._known(user_id, products)
        if missing:
            fetched = api.owns(user_id, list(missing))
            known.update(self._store(user_id, missing, fetched))
        return {p: known[p] for p in products}

    async def aowns(
        self, api: AsyncUsersApi, user_or_steam_id: str | int, product_ids: Iterable[str]
    ) -> dict[str, bool]:
        """The async twin of `owns`."""
        products = [_norm(p) for p in product_ids]
        user_id = self._steam_memo.get(str(user_or_steam_id)) or _uuid_or_none(user_or_steam_id)
        if user_id is None:
            user = await api.find_user_by_steam_id(user_or_steam_id)
            if user is None:
                return await api.owns(user_or_steam_id, products)
            user_id = self._remember_steam(user_or_steam_id, user.id)
        known, missing = self._known(user_id, products)
        if missing:
            fetched = await api.owns(user_id, list(missing))
            known.update(self._store(user_id, missing, fetched))
        return {p: known[p] for p in products}

    def _steam_user(self, value: str | int, find: Callable[[str | int], Any]) -> str | None:
        user_id = self._steam_memo.get(str(value)) or _uuid_or_none(value)
        if user_id is None:
            user = find(value)
            if user is None:
                return None
            user_id = self._remember_steam(value, user.id)
        return user_id

    def _remember_steam(self, steam_id: str | int, user_id: str) -> str:
        if len(self._steam_memo) >= self.max_entries:
            self._steam_memo.clear()
        user_id = self._steam_memo[str(steam_id)] = _norm(user_id)
        return user_id

    def _known(self, user_id: str, products: list[str]) -> tuple[dict[str, bool], dict[str, int]]:
        """The cached answers, and the epochs of the products to ask for (counting hits/misses)."""
        known: dict[str, bool] = {}
        missing: dict[str, int] = {}
        for product in dict.fromkeys(products):
            owns, epoch = self._get(_key(product, user_id))
            if owns is None:
                missing[product] = epoch
            else:
                known[product] = owns
        self.hits += len(known)
        self.misses += len(missing)
        return known, missing

    def _store(
        self, user_id: str, missing: dict[str, int], fetched: dict[str, bool]
    ) -> dict[str, bool]:
        answers = {p: bool(fetched.get(p, False)) for p in missing}
        for product, owns in answers.items():
            self._put(_key(product, user_id), owns, missing[product])
        return answers

    def apply(self, event: WebhookEvent) -> bool:
        """Update the cache from a verified webhook; True if it was a purchase event."""
        kind = event.event_type
        if kind not in _GRANTS and kind not in _REMOVES:
            return False
        data: Any = event.data
        key = _key(str(data.product_id), str(data.user_id))
        grants = kind in _GRANTS and not data.revoked
        self._event(key, True if grants else None)
        return True

    @property
    def hit_rate(self) -> float:
        """hits / (hits + misses), 0.0 before any check."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


def _key(product: str, user_id: str) -> tuple[str, str]:
    return _norm(str(product)), _norm(str(user_id))


def _uuid_or_none(value: object) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def _norm(value: str) -> str:
    """A UUID in its canonical form, anything else (a slug) as given."""
    return _uuid_or_none(value) or value


# KEYS[1]: the entry. ARGV: answer, epoch read before fetching, ttl (ms). Stores only if no event
# bumped the epoch meanwhile.
_PUT = """
local epoch = redis.call('HGET', KEYS[1], 'e') or '0'
if epoch ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'e', epoch)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""

# KEYS[1]: the entry. ARGV: answer ("" to forget it), ttl (ms).
_EVENT = """
redis.call('HINCRBY', KEYS[1], 'e', 1)
if ARGV[1] == '' then redis.call('HDEL', KEYS[1], 'v')
else redis.call('HSET', KEYS[1], 'v', ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class RedisOwnershipCache(OwnershipCache):
    """Answers in Redis, shared by every process; the same interface as `OwnershipCache`.

    Keys are `<prefix><product>:<user id>`. Every call has a timeout; when Redis is unreachable a
    check asks the API (and stores nothing), with one WARNING per outage.

    Args:
        url: a Redis URL, e.g. `"redis://127.0.0.1:6379/0"`; or pass `client` (with a
            `socket_timeout`).
        ttl: seconds an answer fetched from the API is trusted.
        prefix: put before each key.
        timeout: seconds each Redis call may take, when `url` is given.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: redis.Redis | None = None,
        ttl: float = 300.0,
        prefix: str = "gmodstore:owns:",
        timeout: float = 0.25,
    ) -> None:
        from gmodstore_sdk.ratelimit_store import _redis_client

        super().__init__(ttl)
        self.redis = _redis_client(url, client, timeout)
        self.prefix = prefix
        self._ttl_ms = max(1, int(ttl * 1000))
        self._put_script = self.redis.register_script(_PUT)
        self._event_script = self.redis.register_script(_EVENT)
        self._down = False

    def _name(self, key: tuple[str, str]) -> str:
        return f"{self.prefix}{key[0]}:{key[1]}"

    def _get(self, key: tuple[str, str]) -> tuple[bool | None, int]:
        try:
            value, epoch = self.redis.hmget(self._name(key), ["v", "e"])
        except Exception as exc:  # redis.RedisError, OSError: a miss
            self._failed(exc)
            return None, -1
        self._down = False
        return (None if value is None else value == b"1"), int(epoch or 0)

    def _put(self, key: tuple[str, str], owns: bool, epoch: int) -> None:
        if epoch < 0:
            return  # Redis was down when this check began
        self._call(self._put_script, key, ["1" if owns else "0", str(epoch), self._ttl_ms])

    def _event(self, key: tuple[str, str], owns: bool | None) -> None:
        self._call(self._event_script, key, ["" if owns is None else "1", self._ttl_ms])

    def _call(self, script: Any, key: tuple[str, str], args: list[Any]) -> None:
        try:
            script(keys=[self._name(key)], args=args)
        except Exception as exc:  # redis.RedisError, OSError
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        if not self._down:
            self._down = True
            logger.warning(
                "Redis ownership cache unreachable (%s); asking the API instead",
                type(exc).__name__,
            )

    def __repr__(self) -> str:
        return f"RedisOwnershipCache(prefix={self.prefix!r}, ttl={self.ttl})"
