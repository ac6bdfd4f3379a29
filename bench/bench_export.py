"""Benchmark: ``gmodstore purchases export`` of 10,000 and 100,000 purchases from a sandbox.

Measures wall time and the peak RSS of the export process (a subprocess running the real command,
which reports its ``VmHWM`` from ``/proc/self/status`` as it exits), and checks that memory does
not grow with the number of purchases: the 100,000 / 10,000 peak-RSS ratio should stay within 1.2x.

    .venv/bin/python bench/bench_export.py            # 10k and 100k, csv and jsonl
    .venv/bin/python bench/bench_export.py --sizes 1000 10000

The sandbox (``gmodstore_sandbox.testing.run_sandbox``, rate limit off) runs in this process on a
fresh SQLite file; purchases are inserted directly with SQLAlchemy bulk inserts, which is much
faster than going through the API.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

BATCH = 10_000


@dataclass
class Seeded:
    token: str
    products: dict[int, str]
    """number of purchases -> product id"""


def seed(database_url: str, sizes: list[int]) -> Seeded:
    from gmodstore_sandbox.admin import create_product, create_team, create_token, create_user
    from gmodstore_sandbox.storage import repository as repo
    from gmodstore_sandbox.storage.db import WRITE, create_tables, make_engine
    from gmodstore_sandbox.storage.tables import utcnow

    engine = make_engine(database_url, pool_size=1)
    create_tables(engine)
    owner = create_user(engine, name="Bench owner")
    team = create_team(engine, name="Bench team", owner_id=owner)
    token = create_token(engine, user_id=owner, name="bench")
    products: dict[int, str] = {}
    start = utcnow() - timedelta(days=365)
    for size in sizes:
        product = create_product(engine, team_id=team, name=f"{size} purchases")
        products[size] = product
        for offset in range(0, size, BATCH):
            count = min(BATCH, size - offset)
            users = [uuid.uuid4() for _ in range(count)]
            now = utcnow()
            purchases = [
                {
                    "id": uuid.uuid4(),
                    "product_id": uuid.UUID(product),
                    "user_id": user,
                    "revoked": (offset + i) % 10 == 0,
                    "created_at": start + timedelta(seconds=offset + i),
                    "updated_at": start + timedelta(seconds=offset + i),
                }
                for i, user in enumerate(users)
            ]
            with engine.connect().execution_options(**WRITE) as conn, conn.begin():
                repo.insert_users_bulk(
                    conn, rows=[{"id": u, "name": None, "created_at": now} for u in users]
                )
                repo.insert_purchases_bulk(conn, rows=purchases)
    engine.dispose()
    return Seeded(token=token, products=products)


@dataclass
class Measurement:
    size: int
    fmt: str
    wall: float
    peak_rss_mb: float
    rows: int


# Runs the real entry point and, at exit, reports the process's peak RSS (VmHWM). ru_maxrss from
# wait4/getrusage is not used: Linux carries it over from the pre-exec (v)fork of this benchmark
# process, which holds the whole sandbox, so it would report the parent's size, not the export's.
_CHILD = """
import atexit, sys

def _report_peak_rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write("BENCH-PEAK-RSS " + line.split()[1] + "\\n")

atexit.register(_report_peak_rss)
sys.argv = ["gmodstore", *sys.argv[1:]]
from gmodstore_cli.main import main
main()
"""


def export(url: str, token: str, product: str, target: Path) -> Measurement:
    """Run ``gmodstore purchases export`` in a child process; wall time and the child's peak RSS."""
    env = {**os.environ, "GMODSTORE_HOST": url, "GMODSTORE_TOKEN": token, "NO_COLOR": "1"}
    command = [sys.executable, "-c", _CHILD, "purchases", "export", product, "-o", str(target)]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"export failed ({done.returncode}): {done.stderr}")
    peak_kb = next(
        int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("BENCH-PEAK")
    )
    return Measurement(0, target.suffix[1:], wall, peak_kb / 1024, _check(target))


def _check(target: Path) -> int:
    """Every purchase exactly once: count rows and distinct ids."""
    ids: set[str] = set()
    rows = 0
    with target.open(encoding="utf-8") as handle:
        if target.suffix == ".csv":
            next(handle)
            for line in handle:
                ids.add(line.split(",", 1)[0])
                rows += 1
        else:
            for line in handle:
                ids.add(json.loads(line)["id"])
                rows += 1
    if len(ids) != rows:
        raise AssertionError(f"{target}: {rows} rows but {len(ids)} distinct ids")
    return rows


def main() -> None:
    from gmodstore_sandbox.testing import run_sandbox

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=["csv", "jsonl"])
    args = parser.parse_args()
    sizes: list[int] = sorted(args.sizes)
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        started = time.perf_counter()
        seeded = seed(database_url, sizes)
        print(f"seeded {sum(sizes):,} purchases in {time.perf_counter() - started:.1f}s")
        results: list[Measurement] = []
        with run_sandbox(database_url, seed=False) as sandbox:  # rate limit off
            url = sandbox.url
            for fmt in args.formats:
                for size in sizes:
                    target = Path(tmp) / f"export-{size}.{fmt}"
                    measured = export(url, seeded.token, seeded.products[size], target)
                    measured.size = size
                    if measured.rows != size:
                        raise AssertionError(f"exported {measured.rows} of {size} purchases")
                    results.append(measured)
                    target.unlink()
                    rate = size / measured.wall
                    print(
                        f"{fmt:>5} {size:>9,} purchases  wall {measured.wall:7.2f}s  "
                        f"{rate:9,.0f} rows/s  peak RSS {measured.peak_rss_mb:6.1f} MB"
                    )
        for fmt in args.formats:
            by_size = {m.size: m for m in results if m.fmt == fmt}
            small, large = by_size[sizes[0]], by_size[sizes[-1]]
            ratio = large.peak_rss_mb / small.peak_rss_mb
            verdict = "ok" if ratio <= 1.2 else "OVER TARGET"
            print(
                f"{fmt:>5} peak RSS {sizes[-1]:,} / {sizes[0]:,}: {ratio:.3f}x "
                f"(target <= 1.2x: {verdict})"
            )


if __name__ == "__main__":
    main()
