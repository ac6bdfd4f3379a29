"""One process of a "many processes, one token" run (bench_multiprocess.py, tests/scale).

Makes `calls` SDK calls on one token, pacing through the Redis rate limit store, and prints one
JSON line: the calls made, the 429s its transport saw on the wire, errors, and wall-clock stamps.

    python bench/_mp_worker.py '{"url": ..., "token": ..., "redis_url": ..., "prefix": ...,
                                 "product_id": ..., "purchase_ids": [...], "calls": 100}'
"""

from __future__ import annotations

import json
import sys
import time

import httpx


class CountingTransport(httpx.HTTPTransport):
    """An httpx transport that counts the 429 responses it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0
        self.status_429 = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.sent += 1
        if response.status_code == 429:
            self.status_429 += 1
        return response


def run(args: dict[str, object]) -> dict[str, object]:
    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
    from gmodstore_sdk.ratelimit_store import RedisRateLimitStore

    store = None
    if args.get("redis_url"):
        store = RedisRateLimitStore(str(args["redis_url"]), prefix=str(args["prefix"]))
    config = gmodstore_sdk.Configuration(
        host=str(args["url"]),
        access_token=str(args["token"]),
        rate_limit_store=store,
        rate_limit_window=float(args.get("window", 60.0)),  # type: ignore[arg-type]
    )
    transport = CountingTransport()
    purchase_ids = list(args["purchase_ids"])  # type: ignore[call-overload]
    calls = int(args["calls"])  # type: ignore[call-overload]
    errors: list[str] = []
    stamps: list[float] = []
    with gmodstore_sdk.ApiClient(config, transport=transport) as client:
        api = ProductPurchasesApi(client)
        start = time.time()
        for i in range(calls):
            try:
                api.get_product_purchase(
                    str(args["product_id"]), purchase_ids[i % len(purchase_ids)]
                )
            except gmodstore_sdk.OpenApiException as exc:
                errors.append(type(exc).__name__)
            stamps.append(time.time())
        end = time.time()
    return {
        "calls": calls,
        "sent": transport.sent,
        "wire_429": transport.status_429,
        "errors": errors,
        "start": start,
        "end": end,
        "stamps": stamps,
    }


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))))  # noqa: T201
