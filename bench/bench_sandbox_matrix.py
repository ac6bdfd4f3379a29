"""Sandbox throughput and latency, SQLite and PostgreSQL side by side (wrk, 16 connections).

For each backend: `GET` one purchase and `GET` a list page of 100, as requests/s and p50 / p99
latency under `wrk -t1 -c16`, next to a bare Starlette JSON endpoint served by uvicorn the same
way in the same run. The machine is noisy, so each target alternates with the bare endpoint
(`--rounds` pairs of `--duration` seconds) and the ratio is the median of the pairs' ratios.
Each server runs in its own process, with a fresh database (PostgreSQL: a database created for
the run on the server named by GMODSTORE_TEST_POSTGRES_URL, or
postgresql+psycopg://postgres@127.0.0.1:5432/test, and dropped afterwards).

    .venv/bin/python bench/bench_sandbox_matrix.py [--duration 3] [--rounds 3]
                                                   [--no-postgres] [--json]
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    PYTHON,
    Row,
    WrkResult,
    free_port,
    have_wrk,
    median,
    process,
    report,
    sandbox_process,
    wrk,
)

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LIST_ROWS = 300  # purchases on the listed product, so every page of 100 is full


def _bare_server(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    payload = {"data": {"id": "7b0c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d", "revoked": False}}

    async def endpoint(_request: object) -> JSONResponse:
        return JSONResponse(payload)

    app = Starlette(routes=[Route("/bare", endpoint)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@contextmanager
def bare_server() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/bare"
    with process([PYTHON, __file__, "bare-server", str(port)], ready_url=url):
        yield url


@contextmanager
def fresh_postgres(base_url: str) -> Iterator[str]:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _ensure_list_rows(url: str, token: str, product: str, free_users: list[str]) -> None:
    """Top the listed product up to LIST_ROWS purchases through the API itself."""
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{url}/api/v3/products/{product}/purchases"
    with httpx.Client(headers=headers, timeout=30) as client:
        have = 0
        cursor = None
        while True:
            params: dict[str, str | int] = {"perPage": 100}
            if cursor:
                params["cursor"] = cursor
            page = client.get(base, params=params).json()
            have += len(page["data"])
            cursor = page["cursors"]["next"]
            if not cursor:
                break
        for user in free_users[: max(0, LIST_ROWS - have)]:
            client.post(base, json={"userId": user})


def _paired(
    url: str, headers: dict[str, str], bare_url: str, *, rounds: int, duration: float
) -> tuple[WrkResult, float]:
    """wrk on `url` and on the bare endpoint, alternating; (last result, median rps ratio)."""
    ratios: list[float] = []
    res = None
    for _ in range(rounds):
        bare = wrk(bare_url, duration=duration)
        res = wrk(url, headers=headers, duration=duration)
        ratios.append(res.rps / bare.rps)
    assert res is not None
    return res, median(ratios)


def measure_backend(
    label: str, database_url: str | None, bare_url: str, *, rounds: int, duration: float
) -> list[Row]:
    rows: list[Row] = []
    with sandbox_process(database_url=database_url) as sb:
        _ensure_list_rows(sb.url, sb.token, sb.product_id, sb.free_user_ids)
        headers = {"Authorization": f"Bearer {sb.token}"}
        base = f"{sb.url}/api/v3/products/{sb.product_id}/purchases"
        targets = {
            "GET one": f"{base}/{sb.purchase_ids[0]}",
            "list perPage=100": f"{base}?perPage=100",
        }
        for what, url in targets.items():
            wrk(url, headers=headers, duration=1)  # warm-up: connections, caches
            res, ratio = _paired(url, headers, bare_url, rounds=rounds, duration=duration)
            name = f"sandbox {label}: {what}"
            rows += [
                Row(name, "req/s (wrk -t1 -c16)", f"{res.rps:,.0f}"),
                Row(name, "p50 / p99 latency", f"{res.p50_ms:.1f} / {res.p99_ms:.1f} ms"),
                Row(
                    name, "non-2xx + socket errors", str(res.errors), target="0", ok=res.errors == 0
                ),
            ]
            if what == "GET one":
                rows.append(
                    Row(
                        name,
                        "req/s vs bare Starlette",
                        f"{ratio:.3f}",
                        target=">= 0.15",
                        ok=ratio >= 0.15,
                    )
                )
            else:
                rows.append(Row(name, "req/s vs bare Starlette", f"{ratio:.3f}"))
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
        rows = [
            Row("bare Starlette (uvicorn)", "req/s (wrk -t1 -c16)", f"{bare.rps:,.0f}"),
            Row(
                "bare Starlette (uvicorn)",
                "p50 / p99 latency",
                f"{bare.p50_ms:.1f} / {bare.p99_ms:.1f} ms",
            ),
        ]
        opts = {"rounds": args.rounds, "duration": args.duration}
        rows += measure_backend("SQLite", None, bare_url, **opts)
        if not args.no_postgres:
            pg = os.environ.get("GMODSTORE_TEST_POSTGRES_URL", DEFAULT_PG)
            try:
                with fresh_postgres(pg) as url:
                    rows += measure_backend("PostgreSQL", url, bare_url, **opts)
            except Exception as exc:  # noqa: BLE001 - report, don't hide the SQLite figures
                msg = f"{type(exc).__name__}: {exc}"[:80]
                rows.append(Row("sandbox PostgreSQL", "skipped", msg))
    report(rows, ["--json"] if args.json else [])
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["bare-server"]:
        _bare_server(int(sys.argv[2]))
    else:
        main()
