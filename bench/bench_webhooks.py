"""Webhook delivery under hostile receivers, against a sandbox server in its own process.

Three figures, with the sandbox's default settings (10 s deadline per attempt):

- isolation: team A's endpoint answers every delivery with headers and then one byte every
  0.2 s; meanwhile team B's purchases are created one by one through the API, and the delay from
  the API's answer to team B's fast endpoint receiving the event is measured. Target < 2 s.
- shutdown: SIGTERM to the server while an attempt drips; time until the process has exited.
  Target: deadline + 1 s.
- memory: an endpoint answers ``500`` with a 1 GB body; the server's peak RSS growth during that
  attempt (``/proc/<pid>/status`` VmHWM after resetting it). Target: a few MB.

    .venv/bin/python bench/bench_webhooks.py [--events 20] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, Row, free_port, report, wait_http  # noqa: E402

DEADLINE = 10.0


def _faults() -> Any:
    # The tests' hostile receivers (tests/webhooks/faults.py), loaded by path: tests is no package.
    spec = importlib.util.spec_from_file_location("faults", ROOT / "tests/webhooks/faults.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["faults"] = module
    spec.loader.exec_module(module)
    return module


@contextmanager
def server(database_url: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {
        **os.environ,
        "GMODSTORE_SANDBOX_DATABASE_URL": database_url,
        "GMODSTORE_SANDBOX_RATE_LIMIT": "0",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "gmodstore_sandbox.app:create_app"]
    command += ["--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/openapi.json")
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def run(events: int) -> list[Row]:
    from sqlalchemy import Engine

    from gmodstore_sandbox.admin import seed_testing
    from gmodstore_sandbox.storage.db import create_tables, make_engine
    from gmodstore_sandbox.webhooks import admin
    from gmodstore_sdk import ApiClient, Configuration
    from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

    faults = _faults()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="gmodstore-bench-") as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'sandbox.db'}"
        engine: Engine = make_engine(database_url, pool_size=2)
        create_tables(engine)
        seed = seed_testing(engine, purchases=1, free_users=events + 10, other_purchases=1)

        def grant(url: str, token: str, product: str, user: str) -> float:
            config = Configuration(host=url, access_token=token, api_path="/v3")
            with ApiClient(config) as client:
                ProductPurchasesApi(client).create_product_purchase(product, {"userId": user})
            return time.monotonic()

        # 1. isolation
        with (
            faults.FaultyReceiver("drip-body", drip_every=0.2) as slow,
            faults.FaultyReceiver("fast") as fast,
        ):
            slow_endpoint = admin.add_endpoint(engine, team=seed.ids.team_id, url=slow.url)
            fast_endpoint = admin.add_endpoint(engine, team=seed.ids.other_team_id, url=fast.url)
            with server(database_url) as (_, url):
                users = iter(seed.ids.free_user_ids)
                for _ in range(8):  # more than the slow endpoint's slots
                    grant(url, seed.tokens.token, seed.ids.product_id, next(users))
                slow.wait_until(lambda r: len(r.hits) >= 4, timeout=15)
                delays = []
                for n in range(1, events + 1):
                    done = grant(
                        url,
                        seed.tokens.other_team_token,
                        seed.ids.other_team_product_id,
                        next(users),
                    )
                    fast.wait_until(lambda r, n=n: len(r.hits) >= n, timeout=15)
                    delays.append(fast.hits[n - 1].arrived - done)
                # Still inside its first attempts when the fast events were all in.
                slow_busy = all(h.closed is None for h in slow.hits[:4])
            admin.remove_endpoint(engine, endpoint_id=slow_endpoint.id)
            admin.remove_endpoint(engine, endpoint_id=fast_endpoint.id)
        worst = max(delays)
        rows.append(
            Row(
                "webhooks isolation",
                f"fast endpoint delay while another drips (n={events}, median / max)",
                f"{statistics.median(delays) * 1000:.0f} / {worst * 1000:.0f} ms"
                + ("" if slow_busy else " (slow endpoint was not busy!)"),
                "< 2 s",
                worst < 2 and slow_busy,
            )
        )

        # 2. shutdown with an attempt dripping
        with faults.FaultyReceiver("drip-body", drip_every=0.2) as slow:
            endpoint = admin.add_endpoint(engine, team=seed.ids.team_id, url=slow.url)
            with server(database_url) as (proc, url):
                grant(url, seed.tokens.token, seed.ids.product_id, next(users))
                slow.wait_until(lambda r: len(r.hits) >= 1, timeout=15)
                time.sleep(0.5)
                start = time.monotonic()
                proc.send_signal(signal.SIGTERM)
                proc.wait(120)
                stopped_in = time.monotonic() - start
            admin.remove_endpoint(engine, endpoint_id=endpoint.id)
        rows.append(
            Row(
                "webhooks shutdown",
                "SIGTERM to exit, an attempt dripping (deadline 10 s)",
                f"{stopped_in:.2f} s",
                f"<= {DEADLINE + 1:g} s",
                stopped_in <= DEADLINE + 1,
            )
        )

        # 3. memory with a 1 GB answer
        with faults.FaultyReceiver("huge", huge_size=1 << 30) as huge:
            admin.add_endpoint(engine, team=seed.ids.team_id, url=huge.url)
            with server(database_url) as (proc, url):
                time.sleep(1.0)
                Path(f"/proc/{proc.pid}/clear_refs").write_text("5")  # reset the peak
                before = _status_kb(proc.pid, "VmRSS")
                grant(url, seed.tokens.token, seed.ids.product_id, next(users))
                huge.wait_until(lambda r: r.hits and r.hits[0].closed is not None, timeout=30)
                time.sleep(0.5)
                peak = _status_kb(proc.pid, "VmHWM")
                sent = huge.hits[0].sent_bytes
        growth_mb = (peak - before) / 1024
        rows.append(
            Row(
                "webhooks memory",
                "server peak RSS growth, 1 GB error answer",
                f"{growth_mb:.1f} MB (receiver got to send {sent / 2**20:.1f} MB)",
                "< 20 MB",
                growth_mb < 20,
            )
        )
        engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report(run(args.events))


if __name__ == "__main__":
    main()
