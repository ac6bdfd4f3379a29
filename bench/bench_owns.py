"""`UsersApi.owns` for one user and 250 products: requests sent and wall time, rate limit on.

The sandbox runs in this process (`gmodstore_sandbox.testing.run_sandbox`, SQLite, a real server on
127.0.0.1) with the rate limit on (default 300 requests per token per minute, the API's documented
figure). A seller team has 250 products; the buyer owns 200 of them (20 revoked). Each round calls
``owns(steam_id, products)`` on a fresh client and counts the HTTP requests it sends (target: one
user lookup + ceil(250 / 100) = 3 purchase lists).

    .venv/bin/python bench/bench_owns.py [--rounds 10] [--rate-limit 300] [--products 250]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time

import httpx

import gmodstore_sdk
from gmodstore_sandbox.testing import Sandbox, run_sandbox
from gmodstore_sdk.api.users_api import UsersApi


def _setup(sb: Sandbox, products: int) -> tuple[str, int, list[str]]:
    """(seller id, the buyer's SteamID64, product ids)."""
    seller = sb.new_user("Bench Seller")
    token = sb.token_for(seller)  # seeding token, swapped every 50 purchases
    buyer = sb.new_user("Bench Buyer")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=sb.url, headers=headers, timeout=30) as c:
        team = c.post("/v3/teams", json={"name": "Bench Team"}).json()["data"]["id"]
        ids = [sb.new_product(team, f"Addon {i}") for i in range(products)]
        owned = ids[: products * 4 // 5]
        # Purchases go straight through the API without the rate limit (a second, seeding token).
        for i, product in enumerate(owned):
            path = f"/v3/products/{product}/purchases"
            seed = {"Authorization": f"Bearer {sb.token_for(seller)}"} if i % 50 == 0 else None
            if seed:
                c.headers.update(seed)
            created = c.post(path, json={"userId": buyer})
            created.raise_for_status()
            if i % 10 == 0:
                c.put(f"{path}/{created.json()['data']['id']}", json={"revoked": True})
        steam_id = c.get(f"/v3/users/{buyer}").json()["data"]["steamId"]
    return seller, steam_id, ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--rate-limit", type=int, default=300)
    parser.add_argument("--products", type=int, default=250)
    args = parser.parse_args()
    with run_sandbox(rate_limit=args.rate_limit) as sb:
        seller, steam_id, products = _setup(sb, args.products)
        times: list[float] = []
        counts: list[int] = []
        owned = 0
        for _ in range(args.rounds):
            token = sb.token_for(seller)  # a fresh rate-limit window for every round
            sent: list[httpx.Request] = []
            http = httpx.Client(event_hooks={"request": [sent.append]}, timeout=30)
            config = gmodstore_sdk.Configuration(host=sb.url, access_token=token)
            with http, gmodstore_sdk.ApiClient(config, http_client=http) as client:
                start = time.perf_counter()
                result = UsersApi(client).owns(steam_id, products)
                times.append(time.perf_counter() - start)
            counts.append(len(sent))
            owned = sum(result.values())
    print(f"products={args.products} rate_limit={args.rate_limit}/min rounds={args.rounds}")
    print(
        f"requests per owns(): {sorted(set(counts))} (target 1 + {math.ceil(args.products / 100)})"
    )
    print(
        f"wall time: median {statistics.median(times) * 1000:.1f} ms, "
        f"min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms; owned={owned}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
