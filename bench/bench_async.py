"""Async throughput (32 concurrent tasks) and per-call CPU overhead, SDK vs raw httpx.

Part 1, async throughput: 1,000 `get_product_purchase` calls from 32 concurrent tasks.

`AsyncApiClient` vs the same loop on raw `httpx.AsyncClient` (+ `response.json()`), and vs the sync
`ApiClient` in a plain loop. Two servers, each in its own process: a cheap asyncio server that
answers instantly (so the client is the bottleneck and its overhead shows), and the real sandbox
on SQLite (end to end). This machine is noisy, so the three variants alternate in rounds and the
figures are medians of per-round ratios.

Part 2, CPU overhead (issue 5 item 1, the operations bench_client.py does not cover): client CPU
(`time.process_time`) per 1,000 sequential calls of get / list(100) / create / update on
`AsyncApiClient`, and of create / update on `ApiClient`, each divided by the same call written
with raw httpx (`await client.get(...)` + `.json()`), against the cheap server. Small batches of
SDK and raw alternate; the figure is the median of the per-round ratios.

    .venv/bin/python bench/bench_async.py [--rounds 5] [--calls 1000] [--cpu-rounds 30] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Row, cheap_server_process, median, report, sandbox_process  # noqa: E402

CONCURRENCY = 32


async def _fan_out(calls: int, one: Callable[[], Awaitable[object]]) -> None:
    remaining = calls

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await one()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def raw_async(url: str, token: str, product: str, purchase: str, calls: int) -> float:
    path = f"/api/v3/products/{product}/purchases/{purchase}"
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers) as client:

        async def one() -> object:
            response = await client.get(path)
            response.raise_for_status()
            return response.json()

        await one()  # connect outside the timed region, as the SDK variant does
        start = time.perf_counter()
        await _fan_out(calls, one)
        return time.perf_counter() - start


async def sdk_async(url: str, token: str, product: str, purchase: str, calls: int) -> float:
    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import AsyncProductPurchasesApi

    config = gmodstore_sdk.Configuration(host=url, access_token=token)
    async with gmodstore_sdk.AsyncApiClient(config) as client:
        api = AsyncProductPurchasesApi(client)

        async def one() -> object:
            return await api.get_product_purchase(product, purchase)

        await one()
        start = time.perf_counter()
        await _fan_out(calls, one)
        return time.perf_counter() - start


def sdk_sync(url: str, token: str, product: str, purchase: str, calls: int) -> float:
    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

    config = gmodstore_sdk.Configuration(host=url, access_token=token)
    with gmodstore_sdk.ApiClient(config) as client:
        api = ProductPurchasesApi(client)
        api.get_product_purchase(product, purchase)
        start = time.perf_counter()
        for _ in range(calls):
            api.get_product_purchase(product, purchase)
        return time.perf_counter() - start


def measure(
    label: str, url: str, token: str, product: str, purchase: str, *, rounds: int, calls: int
) -> list[Row]:
    args = (url, token, product, purchase, calls)
    sdk_vs_raw: list[float] = []
    async_vs_sync: list[float] = []
    sdk_rps: list[float] = []
    raw_rps: list[float] = []
    sync_rps: list[float] = []
    for _ in range(rounds):
        t_raw = asyncio.run(raw_async(*args))
        t_sdk = asyncio.run(sdk_async(*args))
        t_sync = sdk_sync(*args)
        sdk_vs_raw.append(t_raw / t_sdk)
        async_vs_sync.append(t_sync / t_sdk)
        raw_rps.append(calls / t_raw)
        sdk_rps.append(calls / t_sdk)
        sync_rps.append(calls / t_sync)
    name = f"async x{CONCURRENCY} ({label})"
    return [
        Row(name, "raw httpx.AsyncClient req/s", f"{median(raw_rps):,.0f}"),
        Row(name, "SDK AsyncApiClient req/s", f"{median(sdk_rps):,.0f}"),
        Row(name, "SDK ApiClient sync loop req/s", f"{median(sync_rps):,.0f}"),
        Row(
            name,
            "SDK async / raw async throughput",
            f"{median(sdk_vs_raw):.2f}x",
            target=">= 0.80x",
            ok=median(sdk_vs_raw) >= 0.80,
        ),
        Row(name, "SDK async / SDK sync-loop throughput", f"{median(async_vs_sync):.2f}x"),
    ]


# --- part 2: CPU per call ------------------------------------------------------------------------

PRODUCT = "1b2c3d4e-5f60-4b7c-8d9e-0f1a2b3c4d5e"
PURCHASE = "7b0c1d2e-3f40-4a5b-8c6d-000000000000"
USER = "0a1b2c3d-4e5f-4a6b-8c7d-000000000000"
OPS = ["get", "list(100)", "create", "update"]
# Issue 2's targets for get and list (stated for the sync client; applied to async too). Issue 5
# sets none for create / update: their ratios are reported as they are.
TARGETS = {"get": 1.10, "list(100)": 1.30}


def _row(name: str, metric: str, op: str, ratio: float) -> Row:
    target = TARGETS.get(op)
    if target is None:
        return Row(name, metric, f"{ratio:.2f}x")
    return Row(name, metric, f"{ratio:.2f}x", target=f"<= {target:.2f}x", ok=ratio <= target)


def _raw_request(op: str) -> tuple[str, str, dict[str, object] | None, dict[str, str] | None]:
    base = f"/api/v3/products/{PRODUCT}/purchases"
    return {
        "get": ("GET", f"{base}/{PURCHASE}", None, None),
        "list(100)": ("GET", base, None, {"perPage": "100"}),
        "create": ("POST", base, {"userId": USER}, None),
        "update": ("PUT", f"{base}/{PURCHASE}", {"revoked": True}, None),
    }[op]


def _cpu(batch: int, call: Callable[[], object]) -> float:
    start = time.process_time()
    for _ in range(batch):
        call()
    return time.process_time() - start


async def _acpu(batch: int, call: Callable[[], Awaitable[object]]) -> float:
    start = time.process_time()
    for _ in range(batch):
        await call()
    return time.process_time() - start


def sync_overhead(url: str, ops: list[str], rounds: int, batch: int) -> dict[str, float]:
    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
    from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload
    from gmodstore_sdk.model.update_product_purchase_payload import UpdateProductPurchasePayload

    config = gmodstore_sdk.Configuration(host=url, access_token="bench-token")
    out: dict[str, float] = {}
    with (
        gmodstore_sdk.ApiClient(config) as sdk_client,
        httpx.Client(base_url=url, headers={"Authorization": "Bearer bench-token"}) as raw,
    ):
        api = ProductPurchasesApi(sdk_client)
        sdk_calls: dict[str, Callable[[], object]] = {
            "get": lambda: api.get_product_purchase(PRODUCT, PURCHASE),
            "list(100)": lambda: api.list_product_purchases(PRODUCT, per_page=100),
            "create": lambda: api.create_product_purchase(
                PRODUCT, NewProductPurchasePayload(user_id=USER)
            ),
            "update": lambda: api.update_product_purchase(
                PRODUCT, PURCHASE, UpdateProductPurchasePayload(revoked=True)
            ),
        }
        for op in ops:
            method, path, body, params = _raw_request(op)

            def raw_call(
                m: str = method, p: str = path, b: object = body, q: object = params
            ) -> object:
                return raw.request(m, p, json=b, params=q).json()  # type: ignore[arg-type]

            _cpu(batch, sdk_calls[op])
            _cpu(batch, raw_call)
            ratios = [_cpu(batch, sdk_calls[op]) / _cpu(batch, raw_call) for _ in range(rounds)]
            out[op] = median(ratios)
    return out


async def async_overhead(url: str, ops: list[str], rounds: int, batch: int) -> dict[str, float]:
    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import AsyncProductPurchasesApi
    from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload
    from gmodstore_sdk.model.update_product_purchase_payload import UpdateProductPurchasePayload

    config = gmodstore_sdk.Configuration(host=url, access_token="bench-token")
    out: dict[str, float] = {}
    async with (
        gmodstore_sdk.AsyncApiClient(config) as sdk_client,
        httpx.AsyncClient(base_url=url, headers={"Authorization": "Bearer bench-token"}) as raw,
    ):
        api = AsyncProductPurchasesApi(sdk_client)
        sdk_calls: dict[str, Callable[[], Awaitable[object]]] = {
            "get": lambda: api.get_product_purchase(PRODUCT, PURCHASE),
            "list(100)": lambda: api.list_product_purchases(PRODUCT, per_page=100),
            "create": lambda: api.create_product_purchase(
                PRODUCT, NewProductPurchasePayload(user_id=USER)
            ),
            "update": lambda: api.update_product_purchase(
                PRODUCT, PURCHASE, UpdateProductPurchasePayload(revoked=True)
            ),
        }
        for op in ops:
            method, path, body, params = _raw_request(op)

            async def raw_call(
                m: str = method, p: str = path, b: object = body, q: object = params
            ) -> object:
                response = await raw.request(m, p, json=b, params=q)  # type: ignore[arg-type]
                return response.json()

            await _acpu(batch, sdk_calls[op])
            await _acpu(batch, raw_call)
            ratios = []
            for _ in range(rounds):
                ratios.append(await _acpu(batch, sdk_calls[op]) / await _acpu(batch, raw_call))
            out[op] = median(ratios)
    return out


def overhead_rows(url: str, rounds: int) -> list[Row]:
    rows: list[Row] = []
    batch = 20
    sync = sync_overhead(url, ["create", "update"], rounds, batch)
    for op, ratio in sync.items():
        rows.append(_row("CPU per call, sync", f"{op}: SDK / raw httpx.Client", op, ratio))
    asyn = asyncio.run(async_overhead(url, OPS, rounds, batch))
    for op, ratio in asyn.items():
        rows.append(_row("CPU per call, async", f"{op}: SDK / raw httpx.AsyncClient", op, ratio))
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--cpu-rounds", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    fake_id = "7b0c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d"
    with cheap_server_process() as url:
        rows += overhead_rows(url, args.cpu_rounds)
        rows += measure(
            "cheap server",
            url,
            "bench-token",
            fake_id,
            fake_id,
            rounds=args.rounds,
            calls=args.calls,
        )
    with sandbox_process() as sb:
        rows += measure(
            "sandbox, SQLite",
            sb.url,
            sb.token,
            sb.product_id,
            sb.purchase_ids[0],
            rounds=args.rounds,
            calls=args.calls,
        )
    report(rows, ["--json"] if args.json else [])
    return rows


if __name__ == "__main__":
    main()
