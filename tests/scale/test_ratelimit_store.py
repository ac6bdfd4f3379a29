"""The pluggable rate limit store: in-process and Redis, shared pacing, atomicity, degradation."""

from __future__ import annotations

import hashlib
import logging
import threading

import pytest
import redis

import gmodstore_sdk
from gmodstore_sandbox.testing import run_sandbox
from gmodstore_sdk.api.product_purchases_api import (
    AsyncProductPurchasesApi,
    ProductPurchasesApi,
)
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError
from gmodstore_sdk.ratelimit_store import (
    InProcessRateLimitStore,
    RedisRateLimitStore,
    token_key,
)

# Scripted responses: (headers, now), then reservations; Redis must answer as RateLimiter does.
SCRIPT = [
    (
        "update",
        {"x-ratelimit-limit": "3", "x-ratelimit-remaining": "2", "x-ratelimit-reset": "1000000030"},
        1_000_000_000.0,
    ),
    ("reserve", None, 1_000_000_001.0),
    ("reserve", None, 1_000_000_001.0),
    ("reserve", None, 1_000_000_002.0),  # spent: wait for the reset
    (
        "update",
        {"x-ratelimit-limit": "3", "x-ratelimit-remaining": "5", "x-ratelimit-reset": "1000000031"},
        1_000_000_003.0,
    ),
    ("reserve", None, 1_000_000_004.0),  # the higher count of the same window lost
    (
        "update",
        {"x-ratelimit-limit": "3", "x-ratelimit-remaining": "2", "x-ratelimit-reset": "999999900"},
        1_000_000_005.0,
    ),
    ("reserve", None, 1_000_000_005.0),  # an answer from an earlier window was ignored
    ("reserve", None, 1_000_000_031.5),  # the window reset: a new budget, this request first
    ("reserve", None, 1_000_000_031.5),
    ("reserve", None, 1_000_000_031.5),
    ("reserve", None, 1_000_000_031.5),  # spent again: wait one window
]


class Paced(Exception):
    """Raised by the fake sleep: the client chose to wait instead of sending."""


def _stop(seconds: float) -> None:
    raise Paced(seconds)


async def _astop(seconds: float) -> None:
    raise Paced(seconds)


def _replay(state) -> list[object]:
    answers: list[object] = []
    for action, headers, now in SCRIPT:
        if action == "update":
            state.update(headers, now)
        else:
            answers.append(round(state.reserve(now), 6))
    snap = state.snapshot()
    answers.append((snap.limit, snap.remaining, snap.reset))
    return answers


def test_redis_state_answers_as_the_in_process_limiter(redis_url, redis_prefix):
    expected = _replay(InProcessRateLimitStore().state("k", 60.0))
    assert expected[:3] == [0.0, 0.0, 28.0]  # the script exercises waiting
    store = RedisRateLimitStore(redis_url, prefix=redis_prefix)
    assert store.state("k", 60.0).snapshot() is None
    assert _replay(store.state("k", 60.0)) == expected


@pytest.mark.parametrize("kind", ["in-process", "redis"])
def test_requests_started_blind_are_counted_when_the_first_count_arrives(
    redis_url, redis_prefix, kind
):
    """Four processes start at once, before any count is known; the first answer counted only
    its own request, so the shared view must still leave room for the three still in flight."""
    if kind == "redis":
        state = RedisRateLimitStore(redis_url, prefix=redis_prefix).state("k", 60.0)
    else:
        state = InProcessRateLimitStore().state("k", 60.0)
    now = 1_000_000_000.0
    assert [state.reserve(now) for _ in range(4)] == [0.0] * 4
    headers = {"x-ratelimit-limit": "8", "x-ratelimit-remaining": "7"}
    state.update({**headers, "x-ratelimit-reset": "1000000060"}, now)
    assert state.snapshot().remaining == 4
    assert [state.reserve(now) for _ in range(5)] == [0.0] * 4 + [60.0]


def test_reservations_are_atomic_across_stores(redis_url, redis_prefix):
    """8 threads with a store (and connection) each take a budget of 50: exactly 50 go at once."""
    headers = {
        "x-ratelimit-limit": "50",
        "x-ratelimit-remaining": "50",
        "x-ratelimit-reset": "2000000000",
    }
    RedisRateLimitStore(redis_url, prefix=redis_prefix).state("k", 60.0).update(headers, 1e9)
    results: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        state = RedisRateLimitStore(redis_url, prefix=redis_prefix).state("k", 60.0)
        mine = [state.reserve(1e9) for _ in range(20)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 160
    assert results.count(0.0) == 50


def test_keys_are_the_token_hash_never_the_token(redis_url, redis_prefix):
    with run_sandbox(rate_limit=100) as sb:
        store = RedisRateLimitStore(redis_url, prefix=redis_prefix)
        config = gmodstore_sdk.Configuration(
            host=sb.url, access_token=sb.token, rate_limit_store=store
        )
        with gmodstore_sdk.ApiClient(config) as client:
            ProductPurchasesApi(client).get_product_purchase(
                sb.ids.product_id, sb.ids.purchase_ids[0]
            )
            assert client.rate_limit is not None and client.rate_limit.limit == 100
    raw = redis.Redis.from_url(redis_url, socket_timeout=2.0)
    keys = list(raw.scan_iter(match=redis_prefix + "*"))
    assert keys == [(redis_prefix + hashlib.sha256(sb.token.encode()).hexdigest()).encode()]
    dump = repr(raw.hgetall(keys[0])) + repr(keys)
    assert sb.token not in dump
    assert 0 < raw.pttl(keys[0]) <= 120_000  # expires: no key outlives two windows
    raw.close()


def _spend(sb, store) -> None:
    """A first process spends the whole budget of the token."""
    config = gmodstore_sdk.Configuration(host=sb.url, access_token=sb.token, rate_limit_store=store)
    with gmodstore_sdk.ApiClient(config) as client:
        api = ProductPurchasesApi(client)
        for i in range(5):
            api.get_product_purchase(sb.ids.product_id, sb.ids.purchase_ids[i])
        assert client.rate_limit.remaining == 0


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "alone"])
def test_a_second_client_waits_for_the_budget_another_spent(redis_url, redis_prefix, shared):
    with run_sandbox(rate_limit=5) as sb:
        _spend(sb, RedisRateLimitStore(redis_url, prefix=redis_prefix))
        # A client in "another process": its own store object, the same Redis.
        store = RedisRateLimitStore(redis_url, prefix=redis_prefix) if shared else None
        config = gmodstore_sdk.Configuration(
            host=sb.url, access_token=sb.token, rate_limit_store=store, retries=0
        )
        with gmodstore_sdk.ApiClient(config, sleep=_stop) as client:
            api = ProductPurchasesApi(client)
            if shared:
                with pytest.raises(Paced) as paced:
                    api.get_product_purchase(sb.ids.product_id, sb.ids.purchase_ids[0])
                assert 50 < paced.value.args[0] <= 61
            else:  # pacing alone, it sends, and the server refuses
                with pytest.raises(gmodstore_sdk.RateLimitException):
                    api.get_product_purchase(sb.ids.product_id, sb.ids.purchase_ids[0])


@pytest.mark.anyio
async def test_async_clients_share_the_budget(redis_url, redis_prefix):
    with run_sandbox(rate_limit=5) as sb:
        _spend(sb, RedisRateLimitStore(redis_url, prefix=redis_prefix))
        store = RedisRateLimitStore(redis_url, prefix=redis_prefix)
        config = gmodstore_sdk.Configuration(
            host=sb.url, access_token=sb.token, rate_limit_store=store
        )
        async with gmodstore_sdk.AsyncApiClient(config, sleep=_astop) as client:
            with pytest.raises(Paced):
                await AsyncProductPurchasesApi(client).get_product_purchase(
                    sb.ids.product_id, sb.ids.purchase_ids[0]
                )


def test_in_process_store_shares_one_token_between_clients():
    with run_sandbox(rate_limit=5) as sb:
        store = InProcessRateLimitStore()
        _spend(sb, store)
        config = gmodstore_sdk.Configuration(
            host=sb.url, access_token=sb.token, rate_limit_store=store
        )
        with gmodstore_sdk.ApiClient(config, sleep=_stop) as client:
            with pytest.raises(Paced):
                ProductPurchasesApi(client).get_product_purchase(
                    sb.ids.product_id, sb.ids.purchase_ids[0]
                )
        other = gmodstore_sdk.Configuration(
            host=sb.url, access_token="other", rate_limit_store=store
        )
        assert store.state(token_key(other.access_token), 60.0).snapshot() is None


def test_unreachable_redis_degrades_to_in_process_pacing_with_one_warning(caplog):
    """Nothing listens on port 1: each call fails fast, the client paces alone and warns once."""
    store = RedisRateLimitStore("redis://127.0.0.1:1/0", timeout=0.2)
    with run_sandbox(rate_limit=5) as sb:
        config = gmodstore_sdk.Configuration(
            host=sb.url, access_token=sb.token, rate_limit_store=store
        )
        with caplog.at_level(logging.WARNING, logger="gmodstore_sdk"):
            with gmodstore_sdk.ApiClient(config, sleep=_stop) as client:
                api = ProductPurchasesApi(client)
                for i in range(5):
                    api.get_product_purchase(sb.ids.product_id, sb.ids.purchase_ids[i])
                assert client.rate_limit.remaining == 0
                with pytest.raises(Paced):  # still paced, in this process
                    api.get_product_purchase(sb.ids.product_id, sb.ids.purchase_ids[0])
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Redis rate limit store unreachable" in warnings[0].getMessage()
    assert sb.token not in caplog.text


def test_store_arguments_are_checked(redis_url):
    with pytest.raises(ApiValueError):
        RedisRateLimitStore()
    with pytest.raises(ApiValueError, match="socket_timeout"):
        RedisRateLimitStore(client=redis.Redis.from_url(redis_url, socket_timeout=None))
    with pytest.raises(ApiTypeError):
        gmodstore_sdk.Configuration(rate_limit_store=object())  # type: ignore[arg-type]
