"""Rate-limit efficiency: 150 sequential SDK calls against the sandbox at 60 requests / minute.

Pass: zero 429 responses reach the caller, and the wall time is within 10% of the minimum the
limit allows.

The minimum, from the sandbox's window semantics (`gmodstore_sandbox/ratelimit.py`): a fixed
window per token opens at the token's first request and admits `limit` requests for `window`
seconds; the first request after it ends opens the next window. 150 calls at 60 / 60 s need three
windows: calls 1-60 in the window opened at t0, 61-120 no earlier than t0 + 60 s, 121-150 no
earlier than t0 + 120 s. So the minimum wall time is 2 x 60 s = 120 s plus the time to serve the
last 30 calls (measured here as the duration of the first 30, i.e. a few milliseconds): any
client needs at least that, one that waits precisely for `X-RateLimit-Reset` (whole epoch seconds,
so up to 1 s late per window) gets close to it, and one that blindly retries 429s wastes requests
and time.

    .venv/bin/python bench/bench_ratelimit.py [--calls 150] [--limit 60] [--json]
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Row, report, sandbox_process  # noqa: E402

WINDOW = 60.0


class _StatusCounter(logging.Handler):
    """Counts 429s the SDK saw on the wire, from its own request log lines."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines_429 = 0

    def emit(self, record: logging.LogRecord) -> None:
        if " 429" in record.getMessage():
            self.lines_429 += 1


def minimum_wall_time(calls: int, limit: int, window: float, tail_service: float) -> float:
    windows = math.ceil(calls / limit)
    return (windows - 1) * window + tail_service


def run(calls: int, limit: int) -> list[Row]:
    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

    counter = _StatusCounter()
    sdk_logger = logging.getLogger("gmodstore_sdk")
    sdk_logger.addHandler(counter)
    sdk_logger.setLevel(logging.DEBUG)
    reached_caller = 0
    other_errors = 0
    with sandbox_process(rate_limit=limit) as sb:
        config = gmodstore_sdk.Configuration(host=sb.url, access_token=sb.token)
        with gmodstore_sdk.ApiClient(config) as client:
            api = ProductPurchasesApi(client)
            stamps: list[float] = []
            start = time.monotonic()
            for i in range(calls):
                try:
                    api.get_product_purchase(sb.product_id, sb.purchase_ids[i % 10])
                except gmodstore_sdk.RateLimitException:
                    reached_caller += 1
                except gmodstore_sdk.OpenApiException:
                    other_errors += 1
                stamps.append(time.monotonic())
            wall = time.monotonic() - start
    sdk_logger.removeHandler(counter)
    last = calls - (math.ceil(calls / limit) - 1) * limit
    tail = stamps[last - 1] - start  # how long `last` calls take when nothing waits
    minimum = minimum_wall_time(calls, limit, WINDOW, tail)
    ratio = wall / minimum
    name = f"rate limit {limit}/min"
    return [
        Row(name, f"{calls} sequential get calls: wall time", f"{wall:.1f} s"),
        Row(name, "minimum the limit allows", f"{minimum:.1f} s"),
        Row(name, "wall / minimum", f"{ratio:.3f}", target="<= 1.10", ok=ratio <= 1.10),
        Row(
            name, "429 reaching the caller", str(reached_caller), target="0", ok=reached_caller == 0
        ),
        Row(name, "429 on the wire (SDK log)", str(counter.lines_429)),
        Row(name, "other errors", str(other_errors), target="0", ok=other_errors == 0),
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=150)
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = run(args.calls, args.limit)
    report(rows, ["--json"] if args.json else [])
    return rows


if __name__ == "__main__":
    main()
