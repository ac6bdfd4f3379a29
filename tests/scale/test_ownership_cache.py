"""The ownership cache: fewer requests, kept fresh by purchase webhooks, in-process and Redis."""

from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from collections.abc import Iterator

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sandbox.testing import run_sandbox
from gmodstore_sdk import webhooks
from gmodstore_sdk.api.product_purchases_api import AsyncProductPurchasesApi, ProductPurchasesApi
from gmodstore_sdk.model.product_purchase import ProductPurchase
from gmodstore_sdk.ownership_cache import OwnershipCache, RedisOwnershipCache

SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()


@pytest.fixture(scope="module")
def sb():
    with run_sandbox() as sandbox:
        yield sandbox


class Requests:
    """Counts the requests a client sends."""

    def __init__(self) -> None:
        self.count = 0

    def hook(self, request: httpx.Request) -> None:
        self.count += 1


@pytest.fixture
def counted(sb) -> Iterator[tuple[Requests, ProductPurchasesApi]]:
    """An API whose requests are counted."""
    counter = Requests()
    config = gmodstore_sdk.Configuration(host=sb.url, access_token=sb.token)
    with httpx.Client(event_hooks={"request": [counter.hook]}, timeout=10.0) as http:
        yield counter, ProductPurchasesApi(gmodstore_sdk.ApiClient(config, http_client=http))


def event(kind: str, purchase: ProductPurchase) -> webhooks.WebhookEvent:
    """A purchase webhook as the application receives it: signed bytes, then `verify`."""
    body = json.dumps(
        {
            "eventType": f"product_purchase.{kind}",
            "data": purchase.model_dump(by_alias=True, mode="json"),
        }
    ).encode()
    headers = webhooks.sign(body, secret=SECRET, webhook_id=f"msg_{uuid.uuid4().hex}")
    return webhooks.verify(body, headers, secret=SECRET)


@pytest.fixture(params=["memory", "redis"])
def make_cache(request, redis_prefix_optional):
    def make(ttl: float = 300.0):
        if request.param == "memory":
            return OwnershipCache(ttl=ttl)
        url, prefix = redis_prefix_optional
        return RedisOwnershipCache(url, ttl=ttl, prefix=prefix)

    return make


@pytest.fixture
def redis_prefix_optional(request):
    """(url, prefix) for the Redis variant; skips it (only) when no Redis is configured."""
    if "redis" not in request.node.callspec.id:
        return None, None
    url = request.getfixturevalue("redis_url")
    return url, request.getfixturevalue("redis_prefix")


def test_a_second_check_makes_no_request(sb, make_cache, counted):
    cache = make_cache()
    counter, api = counted
    owner = sb.ids.owner_user_ids[0]
    assert cache.has_active_purchase(api, sb.ids.product_id, owner) is True
    assert cache.has_active_purchase(api, sb.ids.product_id, sb.ids.free_user_ids[0]) is False
    assert counter.count == 2
    for _ in range(5):
        assert cache.has_active_purchase(api, sb.ids.product_id, owner.upper()) is True
        assert cache.has_active_purchase(api, sb.ids.product_id, sb.ids.free_user_ids[0]) is False
    assert counter.count == 2
    assert (cache.hits, cache.misses) == (10, 2)


def test_webhooks_keep_the_answers_fresh(sb, make_cache, counted):
    cache = make_cache()
    counter, api = counted
    product = sb.new_product()
    user = sb.new_user()
    assert cache.has_active_purchase(api, product, user) is False
    created = api.create_product_purchase(product, {"userId": user}).data
    assert cache.apply(event("created", created)) is True
    before = counter.count
    assert cache.has_active_purchase(api, product, user) is True  # from the event, no request
    assert counter.count == before
    revoked = api.update_product_purchase(product, created.id, {"revoked": True}).data
    assert cache.has_active_purchase(api, product, user) is True  # stale until told
    cache.apply(event("revoked", revoked))
    assert cache.get(product, user) is None
    assert cache.has_active_purchase(api, product, user) is False  # asked the API again
    restored = api.update_product_purchase(product, created.id, {"revoked": False}).data
    cache.apply(event("unrevoked", restored))
    assert cache.get(product, user) is True
    cache.apply(event("deleted", restored))
    assert cache.get(product, user) is None


def test_an_answer_fetched_across_an_event_is_not_kept(sb, make_cache):
    cache = make_cache()
    purchase = ProductPurchase.model_validate(
        {
            "id": str(uuid.uuid4()),
            "userId": str(uuid.uuid4()),
            "productId": "p",
            "revoked": True,
            "createdAt": "2026-01-01T00:00:00Z",
            "updatedAt": "2026-01-01T00:00:00Z",
        }
    )

    def fetch_then_revoked() -> bool:
        cache.apply(event("revoked", purchase))  # arrives while the API answers
        return True

    assert cache.check("p", purchase.user_id, fetch_then_revoked) is True
    assert cache.get("p", purchase.user_id) is None  # the late "True" was not stored


def test_answers_expire_after_the_ttl():
    now = [0.0]
    cache = OwnershipCache(ttl=10.0, clock=lambda: now[0])
    assert cache.check("p", "u", lambda: True) is True
    now[0] = 9.9
    assert cache.get("p", "u") is True
    now[0] = 10.0
    assert cache.get("p", "u") is None


def test_redis_answers_are_shared_and_expire(redis_url, redis_prefix):
    import time

    first = RedisOwnershipCache(redis_url, ttl=0.5, prefix=redis_prefix)
    second = RedisOwnershipCache(redis_url, ttl=0.5, prefix=redis_prefix)
    assert first.check("p", "u", lambda: True) is True
    assert second.check("p", "u", lambda: pytest.fail("should be a hit")) is True
    time.sleep(0.7)
    assert second.get("p", "u") is None


@pytest.mark.anyio
async def test_async_checks(sb):
    cache = OwnershipCache()
    config = gmodstore_sdk.Configuration(host=sb.url, access_token=sb.token)
    async with gmodstore_sdk.AsyncApiClient(config) as client:
        api = AsyncProductPurchasesApi(client)
        owner = sb.ids.owner_user_ids[0]
        assert await cache.ahas_active_purchase(api, sb.ids.product_id, owner) is True
        assert await cache.ahas_active_purchase(api, sb.ids.product_id, owner) is True
    assert (cache.hits, cache.misses) == (1, 1)


def test_unreachable_redis_asks_the_api_and_warns_once(caplog):
    cache = RedisOwnershipCache("redis://127.0.0.1:1/0", timeout=0.2)
    calls = []
    with caplog.at_level(logging.WARNING, logger="gmodstore_sdk"):
        for _ in range(3):
            assert cache.check("p", "u", lambda: calls.append(1) or True) is True
        cache.apply(
            event(
                "revoked",
                ProductPurchase.model_validate(
                    {
                        "id": "x",
                        "userId": "u",
                        "productId": "p",
                        "revoked": True,
                        "createdAt": "2026-01-01T00:00:00Z",
                        "updatedAt": "2026-01-01T00:00:00Z",
                    }
                ),
            )
        )
    assert len(calls) == 3
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_other_events_are_ignored():
    cache = OwnershipCache()
    body = json.dumps({"eventType": "some.future_event", "data": {}}).encode()
    other = webhooks.verify(body, webhooks.sign(body, secret=SECRET, webhook_id="m"), secret=SECRET)
    assert cache.apply(other) is False


def test_owns_asks_only_for_the_products_not_cached(sb, make_cache):
    from gmodstore_sdk.api.users_api import UsersApi

    cache = make_cache()
    steam_id = 76561198000000000 + int(uuid.uuid4().int % 10**8)
    buyer = sb.new_user("Buyer", steam_id=steam_id)
    p1, p2, p3 = (sb.new_product(name=f"Owns {i}") for i in range(3))
    counter = Requests()
    config = gmodstore_sdk.Configuration(host=sb.url, access_token=sb.token)
    with httpx.Client(event_hooks={"request": [counter.hook]}, timeout=10.0) as http:
        client = gmodstore_sdk.ApiClient(config, http_client=http)
        users, purchases = UsersApi(client), ProductPurchasesApi(client)
        purchases.create_product_purchase(p1, {"userId": buyer})
        counter.count = 0
        assert cache.owns(users, steam_id, [p1, p2]) == {p1: True, p2: False}
        assert counter.count == 2  # the SteamID lookup, one purchase list
        assert cache.owns(users, steam_id, [p3, p1, p2]) == {p3: False, p1: True, p2: False}
        assert counter.count == 3  # p3 only; the SteamID is remembered
        granted = purchases.create_product_purchase(p2, {"userId": buyer}).data
        cache.apply(event("created", granted))
        counter.count = 0
        assert cache.owns(users, steam_id, [p1, p2, p3]) == {p1: True, p2: True, p3: False}
        assert cache.owns(users, buyer.upper(), [p2]) == {p2: True}
        assert counter.count == 0


@pytest.mark.anyio
async def test_aowns(sb):
    from gmodstore_sdk.api.users_api import AsyncUsersApi

    cache = OwnershipCache()
    buyer = sb.new_user("Async buyer")
    product = sb.new_product(name="Async owns")
    config = gmodstore_sdk.Configuration(host=sb.url, access_token=sb.token)
    async with gmodstore_sdk.AsyncApiClient(config) as client:
        await AsyncProductPurchasesApi(client).create_product_purchase(product, {"userId": buyer})
        users = AsyncUsersApi(client)
        assert await cache.aowns(users, buyer, [product]) == {product: True}
        assert await cache.aowns(users, buyer, [product]) == {product: True}
    assert (cache.hits, cache.misses) == (1, 1)
