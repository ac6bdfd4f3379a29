"""Many processes, one token: shared pacing through Redis, and the shared ownership cache.

Part 1 (`--part ratelimit`): `--procs` processes x `--calls` SDK calls on one token against a
sandbox at `--limit` requests per 60 s, every process pacing through one `RedisRateLimitStore`.
Pass: no 429 sent on the wire (counted by each process's transport) and a wall time within 10%
of the minimum the limit allows. The minimum, from the sandbox's fixed windows (see
bench_ratelimit.py): ceil(total / limit) - 1 full windows, plus the time the last window's calls
take when nothing waits (measured as the time the first that many calls took).

Part 2 (`--part cache`): a replay of `--checks` ownership checks over `--users` users, with
`--changing` of the users' purchases changing through webhook events fed to the cache
(`cache.apply(event)`), against a sandbox with rate limiting off. Reports the hit rate and the
requests saved against calling `has_active_purchase` every time, and checks every answer
against the sandbox's truth.

    GMODSTORE_BENCH_REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/bench_multiprocess.py
        [--part ratelimit|cache|all] [--procs 4] [--calls 100] [--limit 60] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, ROOT, Row, report, sandbox_process  # noqa: E402

WINDOW = 60.0
WORKER = Path(__file__).resolve().parent / "_mp_worker.py"


def redis_url() -> str:
    return os.environ.get("GMODSTORE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def run_workers(args: dict[str, object], procs: int) -> list[dict[str, object]]:
    """Start `procs` worker processes at once; their JSON results."""
    children = [
        subprocess.Popen(
            [PYTHON, str(WORKER), json.dumps(args)], stdout=subprocess.PIPE, cwd=ROOT, text=True
        )
        for _ in range(procs)
    ]
    results = []
    for child in children:
        out, _ = child.communicate(timeout=3600)
        if child.returncode != 0:
            raise RuntimeError(f"a worker failed with exit code {child.returncode}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def summarise(results: list[dict[str, object]], limit: int, window: float) -> dict[str, float]:
    stamps = sorted(s for r in results for s in r["stamps"])  # type: ignore[attr-defined]
    start = min(float(r["start"]) for r in results)  # type: ignore[arg-type]
    wall = max(float(r["end"]) for r in results) - start  # type: ignore[arg-type]
    total = len(stamps)
    windows = math.ceil(total / limit)
    last = total - (windows - 1) * limit
    tail = stamps[last - 1] - start
    minimum = (windows - 1) * window + tail
    return {
        "total": total,
        "wall": wall,
        "minimum": minimum,
        "ratio": wall / minimum,
        "wire_429": sum(int(r["wire_429"]) for r in results),  # type: ignore[call-overload]
        "errors": sum(len(r["errors"]) for r in results),  # type: ignore[arg-type]
        "sent": sum(int(r["sent"]) for r in results),  # type: ignore[call-overload]
    }


def ratelimit_part(procs: int, calls: int, limit: int) -> list[Row]:
    with sandbox_process(rate_limit=limit) as sb:
        args = {
            "url": sb.url,
            "token": sb.token,
            "redis_url": redis_url(),
            "prefix": f"gmodstore-bench:{uuid.uuid4().hex}:",
            "product_id": sb.product_id,
            "purchase_ids": sb.purchase_ids[:10],
            "calls": calls,
        }
        s = summarise(run_workers(args, procs), limit, WINDOW)
    name = f"{procs} processes, one token, {limit}/min"
    return [
        Row(name, f"{procs} x {calls} get calls: wall time", f"{s['wall']:.1f} s"),
        Row(name, "minimum the limit allows", f"{s['minimum']:.1f} s"),
        Row(name, "wall / minimum", f"{s['ratio']:.3f}", target="<= 1.10", ok=s["ratio"] <= 1.10),
        Row(name, "429 sent on the wire", str(s["wire_429"]), target="0", ok=s["wire_429"] == 0),
        Row(name, "requests sent", str(s["sent"])),
        Row(name, "errors reaching the caller", str(s["errors"]), target="0", ok=s["errors"] == 0),
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["ratelimit", "cache", "all"], default="all")
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--checks", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--changing", type=float, default=0.05)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    if args.part in ("cache", "all"):
        from _ownership_replay import cache_part

        rows += cache_part(args.checks, args.users, args.changing)
    if args.part in ("ratelimit", "all"):
        rows += ratelimit_part(args.procs, args.calls, args.limit)
    report(rows, ["--json"] if args.json else [])
    return rows


if __name__ == "__main__":
    main()
