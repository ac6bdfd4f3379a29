"""Import time of what an SDK user imports, above `import httpx`, in fresh processes.

    .venv/bin/python bench/bench_import.py [--runs 15]

Each run starts a new interpreter that imports httpx, then times `import gmodstore_sdk,
gmodstore_sdk.api.product_purchases_api, gmodstore_sdk.model.product_purchase`.
The median over the runs is printed. Target (issue 2): at most 120 ms.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

SNIPPET = f"""
import sys, time
sys.path.insert(0, {str(SRC)!r})
t0 = time.perf_counter()
import httpx
t1 = time.perf_counter()
import gmodstore_sdk, gmodstore_sdk.api.product_purchases_api, gmodstore_sdk.model.product_purchase
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    httpx_times, sdk_times = [], []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, "-c", SNIPPET], check=True, capture_output=True, text=True
        ).stdout.split()
        httpx_times.append(float(out[0]))
        sdk_times.append(float(out[1]))
    above = statistics.median(sdk_times) * 1000
    verdict = "ok" if above <= 120 else "OVER TARGET"
    print(
        f"import httpx: {statistics.median(httpx_times) * 1000:.1f} ms; "
        f"gmodstore_sdk (+api, +model) above httpx: {above:.1f} ms "
        f"(target <= 120 ms, {verdict}); median of {args.runs} fresh processes"
    )


if __name__ == "__main__":
    main()
