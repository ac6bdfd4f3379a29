"""The ownership cache replay of bench_multiprocess.py (`--part cache`).

`checks` `has_active_purchase` checks over `users` users of one product (half of them owners),
drawn at random (seeded), while `changing` of the users change through the API, the change being
fed to the cache as the purchase webhook the application would receive. Counts the requests the
cache let through (its misses), against one request per check without it, and checks every
answer against the sandbox's truth. In-process cache, and Redis when a server answers.
"""

from __future__ import annotations

import base64
import json
import os
import random
import uuid
from typing import Any

from _common import Row

SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()


def _event(kind: str, purchase: Any) -> Any:
    from gmodstore_sdk import webhooks

    payload = {
        "eventType": f"product_purchase.{kind}",
        "data": purchase.model_dump(by_alias=True, mode="json"),
    }
    body = json.dumps(payload).encode()
    headers = webhooks.sign(body, secret=SECRET, webhook_id=f"msg_{uuid.uuid4().hex}")
    return webhooks.verify(body, headers, secret=SECRET)


def _replay(sb: Any, cache: Any, checks: int, users: int, changing: float) -> dict[str, int]:
    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

    rng = random.Random(16)
    config = gmodstore_sdk.Configuration(host=sb.url, access_token=sb.token)
    with gmodstore_sdk.ApiClient(config) as client:
        api = ProductPurchasesApi(client)
        product = sb.new_product(name="Replay product")
        people = [sb.new_user() for _ in range(users)]
        truth: dict[str, bool] = {}
        purchase_of: dict[str, Any] = {}
        for i, user in enumerate(people):
            truth[user] = i % 2 == 0
            if truth[user]:
                purchase_of[user] = api.create_product_purchase(product, {"userId": user}).data
        changers = rng.sample(people, int(users * changing))
        change_at = {int((k + 1) * checks / (len(changers) + 1)): u for k, u in enumerate(changers)}
        wrong = 0
        for n in range(checks):
            user = change_at.get(n)
            if user is not None:  # a purchase changes, and its webhook reaches the application
                if truth[user]:
                    purchase = api.update_product_purchase(
                        product, purchase_of[user].id, {"revoked": True}
                    ).data
                    cache.apply(_event("revoked", purchase))
                elif user in purchase_of:
                    purchase = api.update_product_purchase(
                        product, purchase_of[user].id, {"revoked": False}
                    ).data
                    cache.apply(_event("unrevoked", purchase))
                else:
                    purchase = api.create_product_purchase(product, {"userId": user}).data
                    purchase_of[user] = purchase
                    cache.apply(_event("created", purchase))
                truth[user] = not truth[user]
            user = rng.choice(people)
            if cache.has_active_purchase(api, product, user) != truth[user]:
                wrong += 1
    return {"hits": cache.hits, "misses": cache.misses, "wrong": wrong, "changed": len(changers)}


def _redis_cache() -> Any:
    try:
        import redis

        from gmodstore_sdk.ownership_cache import RedisOwnershipCache
    except ImportError:
        return None
    url = os.environ.get("GMODSTORE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_timeout=1.0).ping()
    except redis.RedisError:
        return None
    return RedisOwnershipCache(url, prefix=f"gmodstore-bench:{uuid.uuid4().hex}:")


def cache_part(checks: int, users: int, changing: float) -> list[Row]:
    from gmodstore_sandbox.testing import run_sandbox
    from gmodstore_sdk.ownership_cache import OwnershipCache

    rows: list[Row] = []
    caches = [("in-process", OwnershipCache())]
    redis_cache = _redis_cache()
    if redis_cache is not None:
        caches.append(("Redis", redis_cache))
    for label, cache in caches:
        with run_sandbox() as sb:
            s = _replay(sb, cache, checks, users, changing)
        name = f"ownership cache ({label})"
        saved = checks - s["misses"]
        rows += [
            Row(name, f"{checks} checks, {users} users, {s['changed']} changed by webhook", ""),
            Row(name, "hit rate", f"{s['hits'] / checks:.1%}"),
            Row(
                name, f"API requests for the checks ({checks} without the cache)", str(s["misses"])
            ),
            Row(name, "requests saved", f"{saved} ({saved / checks:.1%})"),
            Row(
                name,
                "answers differing from the sandbox",
                str(s["wrong"]),
                target="0",
                ok=s["wrong"] == 0,
            ),
        ]
    return rows
