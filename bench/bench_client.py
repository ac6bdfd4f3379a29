"""Client-side CPU cost of the SDK versus the same loop written with raw httpx.

    .venv/bin/python bench/bench_client.py [--rounds 40] [--batch 50]

A minimal HTTP/1.1 keep-alive server (raw asyncio, canned JSON bodies) runs in a separate process,
so its CPU time is not counted. The loops alternate in small batches — SDK, raw, SDK, raw, ... —
and each round's ratio is `SDK CPU / raw CPU` (`time.process_time`); the medians are printed.
Every answer carries rate limit headers with a budget no run can spend (`RATE_LIMIT`), so the SDK
parses and counts them as it does against the API but never sleeps for a reset: the default run
takes seconds (with a 300-request budget it paused 60 s every 300 requests, over 15 minutes).

- get:  `ProductPurchasesApi.get_product_purchase` (typed `GetProductPurchaseResponse`) versus
  `httpx.Client.get(url).json()`.
- list: `list_product_purchases(per_page=100)` (typed, 100 purchases) versus the same raw.
- get_user: the generated `UsersApi.get_user` (typed `GetUserResponse`) versus raw.
- list_user_purchases: the generated `UserProductPurchasesApi.list_user_purchases(per_page=100)`.

Targets (issue 2): get <= 1.10x, list <= 1.30x; (issue 11) get_user <= 1.05x,
list_user_purchases(per_page=100) <= 1.15x.

The SDK's own httpx client keeps no cookie jar (the API authenticates by token), which spares every
answer httpx's cookie parsing. The two `(vs raw, no cookies)` rows compare it with a raw client
spared the same work, so the figure shows what the SDK itself costs; they have no target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

PRODUCT = "a7d3779e-8aab-4d34-875a-824be51b3ff7"
PURCHASE = "206ca0c8-4261-4a16-990f-1bf3f62d7d25"
TOKEN = "bench-token"


def _purchase(i: int) -> dict[str, object]:
    return {
        "id": f"206ca0c8-4261-4a16-990f-{i:012d}",
        "userId": f"40c44504-caf7-4321-9569-{i:012d}",
        "productId": PRODUCT,
        "revoked": i % 7 == 0,
        "createdAt": "2024-05-01T12:00:00.123456Z",
        "updatedAt": "2024-05-02T08:30:00.654321Z",
    }


def _user(i: int) -> dict[str, object]:
    return {
        "id": f"40c44504-caf7-4321-9569-{i:012d}",
        "steamId": 76561197960287930 + i,
        "slug": f"user-{i}",
        "name": f"User {i}",
        "countryCode": "NL",
        "avatarUrl": "https://media.example.com/avatar.png",
        "bio": "{}",
        "lastActionAt": "2024-05-01T12:00:00.123456Z",
        "createdAt": "2024-05-01T12:00:00.123456Z",
        "banProperties": [],
        "permissionGroupId": "5f1d5c4e-4a8e-4c52-9b8b-5b6b2b0f7d11",
    }


# The rate limit headers every answer carries: a budget no run can spend, in a window that ends
# an hour after the server starts. The SDK parses them and counts every request against them as it
# does against the real API, but never has to wait for a reset; waiting is sleeping, not CPU, and
# with a 300-request budget it made the default run take over 15 minutes of 60 s pauses.
RATE_LIMIT = 10_000_000


def _response(body: dict[str, object], reset: int) -> bytes:
    payload = json.dumps(body, separators=(",", ":")).encode()
    head = (
        "HTTP/1.1 200 OK\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(payload)}\r\n"
        f"x-ratelimit-limit: {RATE_LIMIT}\r\n"
        f"x-ratelimit-remaining: {RATE_LIMIT - 1}\r\n"
        f"x-ratelimit-reset: {reset}\r\n"
        "\r\n"
    )
    return head.encode() + payload


def _serve(sock: socket.socket) -> None:
    reset = int(time.time()) + 3600
    single = _response({"data": _purchase(1)}, reset)
    user = _response({"data": _user(1)}, reset)
    page = _response(
        {
            "data": [_purchase(i) for i in range(100)],
            "cursors": {"prev": None, "next": "bmV4dA"},
            "connections": [],
            "meta": {"perPage": 100},
        },
        reset,
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line = head.split(b"\r\n", 1)[0]
                path = line.split(b" ")[1]
                if b"perPage" in path:
                    writer.write(page)
                else:
                    writer.write(user if path.startswith(b"/api/v3/users/") else single)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, sock=sock)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _measure(fn: Callable[[], object], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        fn()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--batch", type=int, default=50, help="calls per batch (get)")
    args = parser.parse_args()

    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
    from gmodstore_sdk.api.user_product_purchases_api import UserProductPurchasesApi
    from gmodstore_sdk.api.users_api import UsersApi
    from gmodstore_sdk.api_client import _Client

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    host = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(sock,), daemon=True)
    server.start()
    sock.close()

    config = gmodstore_sdk.Configuration(host=host, access_token=TOKEN)
    sdk_client = gmodstore_sdk.ApiClient(config)
    api = ProductPurchasesApi(sdk_client)
    users = UsersApi(sdk_client)
    user_purchases = UserProductPurchasesApi(sdk_client)
    user = "40c44504-caf7-4321-9569-000000000001"
    raw = httpx.Client(
        headers={
            "Accept": "application/json",
            "User-Agent": "raw",
            "Authorization": f"Bearer {TOKEN}",
        },
        timeout=httpx.Timeout(30.0, connect=5.0),
    )
    # Raw httpx spared the cookie jar, as the SDK's own client is (its class, with no SDK code).
    bare = _Client(headers=raw.headers, timeout=raw.timeout)
    get_url = f"{host}/api/v3/products/{PRODUCT}/purchases/{PURCHASE}"
    list_url = f"{host}/api/v3/products/{PRODUCT}/purchases?perPage=100"
    user_url = f"{host}/api/v3/users/{user}"
    user_list_url = f"{host}/api/v3/users/{user}/purchases?perPage=100"

    Case = tuple[Callable[[], object], Callable[[], object], int, float | None]
    cases: dict[str, Case] = {
        "get": (
            lambda: api.get_product_purchase(PRODUCT, PURCHASE),
            lambda: raw.get(get_url).json(),
            args.batch,
            1.10,
        ),
        "list(per_page=100)": (
            lambda: api.list_product_purchases(PRODUCT, per_page=100),
            lambda: raw.get(list_url).json(),
            max(5, args.batch // 5),
            1.30,
        ),
        "get_user": (
            lambda: users.get_user(user),
            lambda: raw.get(user_url).json(),
            args.batch,
            1.05,
        ),
        "list_user_purchases": (
            lambda: user_purchases.list_user_purchases(user, per_page=100),
            lambda: raw.get(user_list_url).json(),
            max(5, args.batch // 5),
            1.15,
        ),
        "get_user (vs raw, no cookies)": (
            lambda: users.get_user(user),
            lambda: bare.get(user_url).json(),
            args.batch,
            None,
        ),
        "list_user_purchases (vs raw, no cookies)": (
            lambda: user_purchases.list_user_purchases(user, per_page=100),
            lambda: bare.get(user_list_url).json(),
            max(5, args.batch // 5),
            None,
        ),
    }
    try:
        for name, (sdk_call, raw_call, batch, target) in cases.items():
            for _ in range(batch):  # warm up connections, caches and code paths
                sdk_call()
                raw_call()
            ratios = []
            sdk_total = raw_total = 0.0
            for _ in range(args.rounds):
                sdk_cpu = _measure(sdk_call, batch)
                raw_cpu = _measure(raw_call, batch)
                sdk_total += sdk_cpu
                raw_total += raw_cpu
                if raw_cpu > 0:
                    ratios.append(sdk_cpu / raw_cpu)
            calls = batch * args.rounds
            ratio = statistics.median(ratios)
            if target is None:
                verdict = "no target"
            else:
                met = "ok" if ratio <= target else "OVER TARGET"
                verdict = f"target <= {target:.2f}x, {met}"
            print(
                f"{name:20}  median ratio {ratio:.3f}x ({verdict}); "
                f"CPU per 1,000 calls: SDK {sdk_total / calls * 1000:.3f} s, "
                f"raw {raw_total / calls * 1000:.3f} s; {args.rounds} rounds x {batch} calls"
            )
    finally:
        sdk_client.close()
        raw.close()
        bare.close()
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
