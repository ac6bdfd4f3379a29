"""Sandbox reads beyond purchases: `GET` a user and `GET` a product vs a bare Starlette endpoint.

The same load tool and method as `bench_sandbox_matrix.py` (issue 16): `wrk -t1 -c16 --latency`
against `GET /v3/users/{user}` and `GET /v3/products/{product}` (token check, scope check, one
row read, JSON out; `/v3` is the documented prefix, as in `bench_sandbox.py`), each alternating
with the bare Starlette JSON endpoint served by uvicorn the same way (`--rounds` pairs of
`--duration` seconds; the ratio is the median of the pairs' ratios). `GET` one purchase is
measured in the same run as the control the target comes from: each read must keep >= 0.15x of
bare Starlette, as purchases do. SQLite and PostgreSQL (a database created for the run on
GMODSTORE_TEST_POSTGRES_URL and dropped afterwards), each a seeded sandbox in its own process.

    .venv/bin/python bench/bench_sandbox_reads.py [--duration 3] [--rounds 3]
                                                  [--no-postgres] [--json]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Row, have_wrk, report, sandbox_process, wrk  # noqa: E402
from bench_sandbox_matrix import DEFAULT_PG, _paired, bare_server, fresh_postgres  # noqa: E402

TARGET = 0.15


def _targets(url: str, token: str, product: str, purchase: str) -> dict[str, str]:
    """The URLs to load, each checked once for a 200 (a 404 would be a cheap, false figure)."""
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        me = client.get(f"{url}/v3/me").json()["data"]["user"]["id"]
        targets = {
            "GET a user": f"{url}/v3/users/{me}",
            "GET a product": f"{url}/v3/products/{product}",
            "GET a purchase (control)": f"{url}/v3/products/{product}/purchases/{purchase}",
        }
        for what, target in targets.items():
            response = client.get(target)
            assert response.status_code == 200, f"{what}: {response.status_code} {response.text}"
    return targets


def measure_backend(
    label: str, database_url: str | None, bare_url: str, *, rounds: int, duration: float
) -> list[Row]:
    rows: list[Row] = []
    with sandbox_process(database_url=database_url) as sb:
        headers = {"Authorization": f"Bearer {sb.token}"}
        for what, url in _targets(sb.url, sb.token, sb.product_id, sb.purchase_ids[0]).items():
            wrk(url, headers=headers, duration=1)  # warm-up: connections, caches
            res, ratio = _paired(url, headers, bare_url, rounds=rounds, duration=duration)
            name = f"sandbox {label}: {what}"
            rows += [
                Row(
                    name,
                    "req/s, p50 / p99 latency",
                    f"{res.rps:,.0f}, {res.p50_ms:.1f} / {res.p99_ms:.1f} ms",
                ),
                Row(name, "non-2xx + socket errors", str(res.errors), "0", res.errors == 0),
                Row(
                    name, "req/s vs bare Starlette", f"{ratio:.3f}", f">= {TARGET}", ratio >= TARGET
                ),
            ]
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="bare/sandbox pairs per target")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not have_wrk():
        sys.exit("wrk is not installed: apt-get install -y wrk")
    with bare_server() as bare_url:
        wrk(bare_url, duration=1)
        bare = wrk(bare_url, duration=args.duration)
        rows = [Row("bare Starlette (uvicorn)", "req/s (wrk -t1 -c16)", f"{bare.rps:,.0f}")]
        opts = {"rounds": args.rounds, "duration": args.duration}
        rows += measure_backend("SQLite", None, bare_url, **opts)
        if not args.no_postgres:
            pg = os.environ.get("GMODSTORE_TEST_POSTGRES_URL", DEFAULT_PG)
            try:
                with fresh_postgres(pg) as url:
                    rows += measure_backend("PostgreSQL", url, bare_url, **opts)
            except Exception as exc:  # noqa: BLE001 - report, don't hide the SQLite figures
                rows.append(
                    Row("sandbox PostgreSQL", "skipped", f"{type(exc).__name__}: {exc}"[:80])
                )
    report(rows, ["--json"] if args.json else [])
    return rows


if __name__ == "__main__":
    main()
