"""Sandbox benchmarks: keyset-pagination flatness and GET-one-purchase throughput.

1. Pagination: a SQLite database with 10,000 purchases and one with 1,000,000 (90 % of them on the
   measured product, interleaved with 9 other products). Each is served by its own uvicorn process;
   a keep-alive client requests list pages of ``perPage=100`` at cursor depths 0 %, 10 %, 50 %,
   90 % and the last page, and the median latency of the large database must stay within 1.5x of
   the small one (no OFFSET: the composite index (product_id, seq) makes every depth one seek).
2. Throughput: ``wrk -t1 -c16`` against ``GET /v3/products/{p}/purchases/{id}`` (token check, one
   row read, JSON out) and against a bare Starlette JSON endpoint, both served by ``uvicorn.run``
   with the same options in their own processes, alternating for several rounds in the same run;
   the ratio of the medians must be >= 0.15. Without wrk, a small asyncio keep-alive load
   generator (16 connections) stands in.

    .venv/bin/python bench/bench_sandbox.py [--sizes 10000,1000000] [--duration 10] [--rounds 3]
                                            [--db-dir DIR] [--json]

``--db-dir`` keeps the built databases between runs (building 1,000,000 rows takes ~30 s).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

HERE = Path(__file__).resolve().parent
CURSOR_SECRET = "bench-cursor-secret"
PER_PAGE = 100
DEPTHS = (0.0, 0.1, 0.5, 0.9, 1.0)


async def _bare(_request: Request) -> JSONResponse:
    return JSONResponse({"data": {"hello": "world"}})


bare_app = Starlette(routes=[Route("/json", _bare)])
"""The reference: the cheapest JSON endpoint Starlette serves."""

# Both servers start through this launcher, so uvicorn runs them with identical options.
_LAUNCHER = """
import sys, uvicorn
kind, port, url = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if kind == "bare":
    sys.path.insert(0, {here!r})
    from bench_sandbox import bare_app as app
else:
    from gmodstore_sandbox import Settings, create_app
    app = create_app(Settings(database_url=url, rate_limit=0, cursor_secret={secret!r}))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
"""


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def build_database(path: Path, size: int) -> dict[str, Any]:
    """A database with `size` purchases; returns the ids, a token and the cursor seqs to visit."""
    from gmodstore_sandbox import admin
    from gmodstore_sandbox.storage.db import create_tables, make_engine

    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        return dict(json.loads(meta_path.read_text()))
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    engine = make_engine(url, pool_size=1)
    create_tables(engine)
    owner = admin.create_user(engine, name="Owner")
    team = admin.create_team(engine, name="Bench team", owner_id=owner)
    product = admin.create_product(engine, team_id=team, name="Measured")
    others = [admin.create_product(engine, team_id=team, name=f"Other {i}") for i in range(9)]
    token = admin.create_token(engine, user_id=owner, name="bench")
    engine.dispose()

    rng = random.Random(size)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    batch = 50_000
    for first in range(0, size, batch):
        users, purchases = [], []
        for i in range(first, min(size, first + batch)):
            user = _hex(rng)
            at = (start + timedelta(milliseconds=i)).strftime(fmt)
            pid = product if i % 10 else others[(i // 10) % 9]
            # The identity columns the table requires (steam id and slug unique per user).
            users.append((user, None, at, 76561198000000000 + i, f"u{i}", "", "", "", at, "A" * 32))
            purchases.append((_hex(rng), uuid.UUID(pid).hex, user, i % 7 == 0, at, at))
        conn.executemany(
            "INSERT INTO users (id, name, created_at, steam_id, slug, email, avatar_url, bio,"
            " last_action_at, totp_secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            users,
        )
        conn.executemany(
            "INSERT INTO purchases (id, product_id, user_id, revoked, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            purchases,
        )
        conn.commit()
    conn.execute("ANALYZE")
    measured = conn.execute(
        "SELECT count(*) FROM purchases WHERE product_id = ?", (uuid.UUID(product).hex,)
    ).fetchone()[0]
    depth_seqs = {}
    for depth in DEPTHS:
        offset = min(int(measured * depth), measured - PER_PAGE)
        row = conn.execute(
            "SELECT seq, id FROM purchases WHERE product_id = ? ORDER BY seq LIMIT 1 OFFSET ?",
            (uuid.UUID(product).hex, max(0, offset - 1)),
        ).fetchone()
        depth_seqs[str(depth)] = None if offset <= 0 else row[0]
    purchase = conn.execute(
        "SELECT id FROM purchases WHERE product_id = ? ORDER BY seq LIMIT 1 OFFSET ?",
        (uuid.UUID(product).hex, measured // 2),
    ).fetchone()[0]
    conn.close()
    meta = {
        "url": url,
        "token": token,
        "product_id": product,
        "purchase_id": str(uuid.UUID(purchase)),
        "rows": size,
        "measured_rows": measured,
        "depth_seqs": depth_seqs,
    }
    meta_path.write_text(json.dumps(meta))
    return meta


def cursor_at(product_id: str, seq: int | None) -> str | None:
    """The signed cursor a client would have received after the row with `seq`."""
    if seq is None:
        return None
    from gmodstore_sandbox.schemas import ListParams
    from gmodstore_sandbox.service import list_binding
    from gmodstore_sandbox.storage.cursor import Cursor, CursorCodec

    binding = list_binding(uuid.UUID(product_id), ListParams())
    return CursorCodec(CURSOR_SECRET.encode()).encode(Cursor("after", seq), binding=binding)


def serve(kind: str, database_url: str = "") -> Any:
    from _common import PYTHON, free_port, process

    port = free_port()
    code = _LAUNCHER.format(here=str(HERE), secret=CURSOR_SECRET)
    ready = f"http://127.0.0.1:{port}/" + ("json" if kind == "bare" else "openapi.json")
    return port, process([PYTHON, "-c", code, kind, str(port), database_url], ready_url=ready)


def page_latencies(
    ports: dict[int, int], metas: dict[int, dict[str, Any]], samples: int
) -> dict[int, dict[str, float]]:
    """Median seconds per list page, per database size and cursor depth.

    The servers are queried in turn, request by request, so that load from anything else on the
    machine falls on every size alike (one keep-alive connection per server).
    """
    import httpx

    clients = {
        size: httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {metas[size]['token']}"},
        )
        for size, port in ports.items()
    }
    times: dict[int, dict[str, list[float]]] = {size: {} for size in ports}
    try:
        for depth in map(str, DEPTHS):
            requests = {}
            for size, meta in metas.items():
                params = {"perPage": str(PER_PAGE)}
                cursor = cursor_at(meta["product_id"], meta["depth_seqs"][depth])
                if cursor is not None:
                    params["cursor"] = cursor
                requests[size] = (f"/v3/products/{meta['product_id']}/purchases", params)
            for i in range(samples + 10):
                for size, (path, params) in requests.items():
                    t0 = time.perf_counter()
                    response = clients[size].get(path, params=params)
                    elapsed = time.perf_counter() - t0
                    assert response.status_code == 200, response.text
                    assert len(response.json()["data"]) == PER_PAGE
                    if i >= 10:
                        times[size].setdefault(depth, []).append(elapsed)
    finally:
        for client in clients.values():
            client.close()
    return {
        size: {depth: statistics.median(ts) for depth, ts in per_depth.items()}
        for size, per_depth in times.items()
    }


async def _load(host: str, port: int, request: bytes, connections: int, duration: float) -> int:
    """Fallback load generator: keep-alive connections, each sending requests back to back."""
    import asyncio

    count = 0
    deadline = time.monotonic() + duration

    async def worker() -> None:
        nonlocal count
        reader, writer = await asyncio.open_connection(host, port)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while time.monotonic() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            count += 1
        writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return count


def requests_per_second(port: int, path: str, headers: dict[str, str], duration: float) -> float:
    from _common import have_wrk, wrk

    url = f"http://127.0.0.1:{port}{path}"
    if have_wrk():
        result = wrk(url, headers=headers, connections=16, threads=1, duration=duration)
        assert result.errors == 0, f"{result.errors} errors from {url}"
        return result.rps
    import asyncio

    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    count = asyncio.run(_load("127.0.0.1", port, request, 16, duration))
    return count / duration


def main() -> None:
    sys.path.insert(0, str(HERE))
    from _common import Row, have_wrk, report

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating wrk rounds")
    parser.add_argument("--samples", type=int, default=200, help="list pages per depth")
    parser.add_argument("--db-dir", default=None, help="keep the built databases here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    rows: list[Row] = []
    with ExitStack() as stack:
        db_dir = Path(args.db_dir or stack.enter_context(tempfile.TemporaryDirectory()))
        db_dir.mkdir(parents=True, exist_ok=True)
        metas = {}
        for size in sizes:
            t0 = time.perf_counter()
            metas[size] = build_database(db_dir / f"purchases-{size}.db", size)
            print(f"database of {size:,} purchases ready in {time.perf_counter() - t0:.1f} s")

        ports = {}
        with ExitStack() as servers:
            for size in sizes:
                ports[size], server = serve("sandbox", metas[size]["url"])
                servers.enter_context(server)
            latencies = page_latencies(ports, metas, args.samples)
        medians = {}
        for size, per_depth in latencies.items():
            medians[size] = statistics.median(per_depth.values())
            for depth, seconds in per_depth.items():
                rows.append(
                    Row(
                        "sandbox",
                        f"list perPage=100, {size:,} rows, depth {float(depth):.0%}",
                        f"{seconds * 1000:.2f} ms",
                    )
                )
        small, large = min(sizes), max(sizes)
        if small != large:
            ratio = medians[large] / medians[small]
            rows.append(
                Row(
                    "sandbox",
                    f"list median latency {large:,} / {small:,}",
                    f"{ratio:.2f}x",
                    "<= 1.5x",
                    ratio <= 1.5,
                )
            )

        meta = metas[small]
        item = f"/v3/products/{meta['product_id']}/purchases/{meta['purchase_id']}"
        headers = {"Authorization": f"Bearer {meta['token']}"}
        bare_port, bare = serve("bare")
        sandbox_port, sandbox = serve("sandbox", meta["url"])
        bare_rps, sandbox_rps = [], []
        with bare, sandbox:
            for _ in range(args.rounds):
                bare_rps.append(requests_per_second(bare_port, "/json", {}, args.duration))
                sandbox_rps.append(requests_per_second(sandbox_port, item, headers, args.duration))
        tool = "wrk -t1 -c16" if have_wrk() else "python load generator, 16 connections"
        b, s = statistics.median(bare_rps), statistics.median(sandbox_rps)
        rows.append(Row("sandbox", f"bare Starlette JSON req/s ({tool})", f"{b:,.0f}"))
        rows.append(Row("sandbox", f"GET one purchase req/s ({tool})", f"{s:,.0f}"))
        rows.append(
            Row(
                "sandbox",
                "GET one purchase / bare Starlette",
                f"{s / b:.3f}",
                ">= 0.15",
                s / b >= 0.15,
            )
        )
        print(
            "rounds (bare, sandbox):",
            [f"{x:.0f}" for x in bare_rps],
            [f"{x:.0f}" for x in sandbox_rps],
        )
    report(rows, sys.argv[1:])


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
