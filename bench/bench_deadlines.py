"""How long a server that drips its answer (1 byte per second) holds an SDK call, and what a huge
answer costs in memory before it is refused.

    .venv/bin/python bench/bench_deadlines.py [--quick] [--json]

Cases, each sync and async (run side by side, each on its own server thread):
- `default`: `get_product_purchase` with the default configuration (30 s per read, 60 s per
  attempt, 2 retries): bounded by the attempts, about 3 x 60 s plus backoff.
- `deadline=5`: `Configuration(deadline=5)`: target at most 6 s (the deadline plus 1 s).
- `create (2, 2)`: `create_product_purchase(_request_timeout=(2, 2))`, the issue's async case:
  4 s for the POST, then 4 s per attempt of its lookup (3 attempts, backoff between them):
  bounded, about 17 s, and never resent.
- `create total=5`: the same with `_request_timeout=Timeout(total=5)`: at most 6 s.
`--quick` skips the default case (it takes about three minutes).

Memory: a child process asks for a purchase and gets a 1.5 GB chunked 200 answer; its peak RSS
(`ru_maxrss`) after the refusal, minus its peak before the call. Target: under 64 MB with the
default `max_response_size` (32 MiB).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, Row, report  # noqa: E402

PRODUCT = str(uuid.uuid4())
PURCHASE = str(uuid.uuid4())


class Server:
    """Loopback HTTP/1.1 server: `drip` sends headers then 1 byte/s; `flood` 1.5 GB chunked."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            if self.mode == "drip":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                while not self.stop.wait(1.0):
                    conn.sendall(b" ")
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                chunk = b"10000\r\n" + b" " * 65536 + b"\r\n"
                for _ in range(1_500_000_000 // 65536):
                    conn.sendall(chunk)
        except OSError:
            pass
        finally:
            conn.close()


def _timeout(case: str) -> Any:
    import gmodstore_sdk

    return (2, 2) if case == "create (2, 2)" else gmodstore_sdk.Timeout(total=5)


def _sync_call(url: str, case: str) -> float:
    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

    options: dict[str, Any] = {"deadline": 5.0} if case == "deadline=5" else {}
    config = gmodstore_sdk.Configuration(host=url, access_token="t", **options)
    with gmodstore_sdk.ApiClient(config) as client:
        api = ProductPurchasesApi(client)
        start = time.monotonic()  # the call alone: the client (TLS context...) is built already
        try:
            if case.startswith("create"):
                api.create_product_purchase(
                    PRODUCT, {"userId": str(uuid.uuid4())}, _request_timeout=_timeout(case)
                )
            else:
                api.get_product_purchase(PRODUCT, PURCHASE)
        except gmodstore_sdk.ApiTimeoutError:
            pass
        return time.monotonic() - start


def _async_call(url: str, case: str) -> float:
    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import AsyncProductPurchasesApi

    async def run() -> float:
        options: dict[str, Any] = {"deadline": 5.0} if case == "deadline=5" else {}
        config = gmodstore_sdk.Configuration(host=url, access_token="t", **options)
        async with gmodstore_sdk.AsyncApiClient(config) as client:
            api = AsyncProductPurchasesApi(client)
            start = time.monotonic()
            try:
                if case.startswith("create"):
                    await api.create_product_purchase(
                        PRODUCT, {"userId": str(uuid.uuid4())}, _request_timeout=_timeout(case)
                    )
                else:
                    await api.get_product_purchase(PRODUCT, PURCHASE)
            except gmodstore_sdk.ApiTimeoutError:
                pass
            return time.monotonic() - start

    return asyncio.run(run())


TARGETS = {"default": None, "deadline=5": 6.0, "create (2, 2)": None, "create total=5": 6.0}


def drip_rows(cases: list[str]) -> list[Row]:
    results: dict[tuple[str, str], float] = {}
    server = Server("drip")

    def measure(kind: str, case: str, call: Callable[[str, str], float]) -> None:
        results[(kind, case)] = call(server.url, case)

    threads = [
        threading.Thread(target=measure, args=(kind, case, call))
        for case in cases
        for kind, call in (("sync", _sync_call), ("async", _async_call))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.close()
    rows = []
    for (kind, case), seconds in sorted(results.items()):
        target = TARGETS[case]
        rows.append(
            Row(
                "deadlines",
                f"drip 1 B/s, {kind} {case}",
                f"{seconds:.2f} s",
                "" if target is None else f"<= {target:g} s",
                None if target is None else seconds <= target,
            )
        )
    return rows


def _child(url: str) -> None:
    import resource

    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    config = gmodstore_sdk.Configuration(host=url, access_token="t")
    with gmodstore_sdk.ApiClient(config) as client:
        try:
            ProductPurchasesApi(client).get_product_purchase(PRODUCT, PURCHASE)
        except gmodstore_sdk.ApiResponseTooLargeError as exc:
            refused = exc.limit
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{(after - before) / 1024:.1f} {refused}")


def memory_row() -> Row:
    server = Server("flood")
    out = subprocess.run(
        [PYTHON, __file__, "--child", server.url], capture_output=True, text=True, check=True
    ).stdout.split()
    server.close()
    grown = float(out[0])
    return Row(
        "deadlines",
        f"1.5 GB 200 body refused at {int(out[1]) // 2**20} MiB: peak RSS growth",
        f"{grown:.1f} MB",
        "< 64 MB",
        grown < 64,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the ~3 minute default case")
    parser.add_argument("--json", action="store_true", help="print machine-readable rows")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    logging.getLogger("gmodstore_sdk").setLevel(logging.ERROR)  # the retries' log lines
    cases = ["deadline=5", "create (2, 2)", "create total=5"] + ([] if args.quick else ["default"])
    report([*drip_rows(cases), memory_row()], ["--json"] if args.json else [])


if __name__ == "__main__":
    main()
