"""Four processes on one token, pacing through Redis, against a real sandbox: no 429 on the wire."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gmodstore_sandbox.testing import run_sandbox

WORKER = Path(__file__).resolve().parents[2] / "bench" / "_mp_worker.py"
PROCS, CALLS, LIMIT, WINDOW = 4, 6, 8, 2.0


def _run(sb, redis_url: str | None, prefix: str) -> list[dict[str, object]]:
    args = {
        "url": sb.url,
        "token": sb.token,
        "redis_url": redis_url,
        "prefix": prefix,
        "product_id": sb.ids.product_id,
        "purchase_ids": sb.ids.purchase_ids[:5],
        "calls": CALLS,
        "window": WINDOW,
    }
    children = [
        subprocess.Popen([sys.executable, str(WORKER), json.dumps(args)], stdout=subprocess.PIPE)
        for _ in range(PROCS)
    ]
    results = []
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


@pytest.mark.slow
def test_four_processes_on_one_token_send_no_429(redis_url, redis_prefix):
    """24 calls at 8 per 2 s window: three windows, every call paced, none refused."""
    with run_sandbox(rate_limit=LIMIT, rate_limit_window=WINDOW) as sb:
        results = _run(sb, redis_url, redis_prefix)
    assert [r["errors"] for r in results] == [[]] * PROCS
    assert sum(r["wire_429"] for r in results) == 0
    assert sum(r["sent"] for r in results) == PROCS * CALLS
    start = min(r["start"] for r in results)
    end = max(r["end"] for r in results)
    assert end - start >= 2 * WINDOW - 1.0  # it really had to wait for two resets


@pytest.mark.slow
def test_without_the_shared_store_the_processes_collect_429s():
    """The control: the same load, each process pacing alone, is refused on the wire."""
    with run_sandbox(rate_limit=LIMIT, rate_limit_window=WINDOW) as sb:
        results = _run(sb, None, "")
    assert sum(r["wire_429"] for r in results) > 0
