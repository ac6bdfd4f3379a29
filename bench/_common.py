"""Shared plumbing for the benchmark scripts: result rows, the table, wrk, and server processes.

Every script here can print its rows as one machine-readable line (``--json``), which is how
``bench/run_all.py`` collects them into one table.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
JSON_PREFIX = "BENCH-ROWS "


@dataclass
class Row:
    """One measured figure. `ok` is None when there is no target to meet."""

    bench: str
    metric: str
    value: str
    target: str = ""
    ok: bool | None = None


def print_table(rows: Sequence[Row], *, file: object = None) -> None:
    out = file if file is not None else sys.stdout
    header = ("benchmark", "metric", "value", "target", "")
    body = [
        (r.bench, r.metric, r.value, r.target, "" if r.ok is None else ("ok" if r.ok else "MISS"))
        for r in rows
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *body, strict=True)]

    def fmt(cells: Sequence[object]) -> str:
        return "  ".join(f"{c!s:<{w}}" for c, w in zip(cells, widths, strict=True)).rstrip()

    print(fmt(header), file=out)  # type: ignore[call-overload]
    print("  ".join("-" * w for w in widths), file=out)  # type: ignore[call-overload]
    for cells in body:
        print(fmt(cells), file=out)  # type: ignore[call-overload]


def report(rows: Sequence[Row], argv: Sequence[str] | None = None) -> None:
    """Print the table; with ``--json`` also one line run_all.py can parse."""
    args = sys.argv[1:] if argv is None else argv
    print_table(rows)
    if "--json" in args:
        print(JSON_PREFIX + json.dumps([asdict(r) for r in rows]), flush=True)


def parse_rows(output: str) -> list[Row]:
    rows: list[Row] = []
    for line in output.splitlines():
        if line.startswith(JSON_PREFIX):
            rows.extend(Row(**d) for d in json.loads(line[len(JSON_PREFIX) :]))
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def process(
    cmd: Sequence[str],
    *,
    ready_url: str,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server process until the block ends; wait until `ready_url` answers."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        list(cmd), env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT
    )
    try:
        wait_http(ready_url)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx responses plus socket errors


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"unparseable wrk latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    connections: int = 16,
    threads: int = 1,
    duration: float = 5.0,
) -> WrkResult:
    """`wrk -t1 -c16 --latency` against `url`; returns requests/s and latency percentiles."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(g) for g in m.groups())
    return WrkResult(rps=rps, p50_ms=p50, p99_ms=p99, errors=errors)


# --- servers in their own processes ---------------------------------------------------------
# The client under test must not share a GIL with the server it talks to.

# Seeds a database with the testing helper's data, prints the ids, then serves it the way
# `gmodstore sandbox serve` does: uvicorn.run in the main thread of its own process.
# (Not `run_sandbox`: its background-thread server stalls ~44 ms per keep-alive request, see
# tests/proof/test_sandbox_latency.py, which would make every figure here about that stall.)
_SANDBOX_LAUNCHER = """
import json, sys
import uvicorn
from gmodstore_sandbox.admin import seed_testing
from gmodstore_sandbox.app import create_app
from gmodstore_sandbox.settings import Settings
from gmodstore_sandbox.storage.db import create_tables, make_engine

args = json.loads(sys.argv[1])
settings = Settings(database_url=args["database_url"], rate_limit=args["rate_limit"] or 0)
engine = make_engine(settings.database_url, pool_size=2)
create_tables(engine)
seed = seed_testing(engine)
engine.dispose()
ids = seed.ids
print(json.dumps({
    "token": seed.tokens.token,
    "product_id": str(ids.product_id),
    "purchase_ids": [str(p) for p in ids.purchase_ids],
    "free_user_ids": [str(u) for u in ids.free_user_ids],
}), flush=True)
uvicorn.run(create_app(settings), host="127.0.0.1", port=args["port"], log_level="warning",
            access_log=False)
"""


@dataclass
class SandboxInfo:
    url: str
    token: str
    product_id: str
    purchase_ids: list[str]
    free_user_ids: list[str]


@contextmanager
def sandbox_process(
    *, database_url: str | None = None, rate_limit: int | None = None
) -> Iterator[SandboxInfo]:
    """A seeded sandbox in its own process (fresh SQLite file unless `database_url` is given)."""
    with tempfile.TemporaryDirectory(prefix="gmodstore-bench-") as tmp:
        port = free_port()
        args = {
            "database_url": database_url or f"sqlite:///{Path(tmp) / 'sandbox.db'}",
            "rate_limit": rate_limit,
            "port": port,
        }
        proc = subprocess.Popen(
            [PYTHON, "-c", _SANDBOX_LAUNCHER, json.dumps(args)], stdout=subprocess.PIPE, cwd=ROOT
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("the sandbox process exited before it was ready")
            url = f"http://127.0.0.1:{port}"
            wait_http(url + "/openapi.json")
            yield SandboxInfo(url=url, **json.loads(line))
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _cheap_server(port: int) -> None:
    """The cheapest HTTP/1.1 keep-alive server: canned purchase bodies.

    `GET .../purchases` (a list, any query) gets a page of 100 purchases, `POST` a 201 with one
    purchase, anything else a 200 with one purchase.
    """
    import asyncio

    def purchase(i: int) -> dict[str, object]:
        return {
            "id": f"7b0c1d2e-3f40-4a5b-8c6d-{i:012d}",
            "userId": f"0a1b2c3d-4e5f-4a6b-8c7d-{i:012d}",
            "productId": "1b2c3d4e-5f60-4b7c-8d9e-0f1a2b3c4d5e",
            "revoked": False,
            "createdAt": "2024-01-01T00:00:00.123456Z",
            "updatedAt": "2024-01-02T00:00:00.654321Z",
        }

    def response(status: bytes, payload: object) -> bytes:
        body = json.dumps(payload).encode()
        return (
            b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
            b"X-RateLimit-Limit: 1000000\r\nX-RateLimit-Remaining: 1000000\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    one = response(b"200 OK", {"data": purchase(0)})
    created = response(b"201 Created", {"data": purchase(0)})
    page = response(
        b"200 OK",
        {
            "data": [purchase(i) for i in range(100)],
            "cursors": {"prev": None, "next": None},
            "connections": [],
            "meta": {"perPage": 100},
        },
    )

    def answer(head: bytes) -> bytes:
        method, target = head.split(b" ", 2)[:2]
        if method == b"POST":
            return created
        if method == b"GET" and target.split(b"?", 1)[0].endswith(b"/purchases"):
            return page
        return one

    class Proto(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport
            self.buf = b""

        def data_received(self, data: bytes) -> None:
            self.buf += data
            while True:
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = self.buf[:end].lower()
                length = 0
                i = head.find(b"content-length:")
                if i >= 0:
                    length = int(head[i + 15 :].split(b"\r\n", 1)[0])
                if len(self.buf) < end + 4 + length:
                    return
                request_line = self.buf[: self.buf.find(b"\r\n")]
                self.buf = self.buf[end + 4 + length :]
                self.transport.write(answer(request_line))  # type: ignore[attr-defined]

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Proto, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


@contextmanager
def cheap_server_process() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with process([PYTHON, __file__, "cheap-server", str(port)], ready_url=url):
        yield url


if __name__ == "__main__" and sys.argv[1:2] == ["cheap-server"]:
    _cheap_server(int(sys.argv[2]))
