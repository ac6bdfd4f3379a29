"""Schemathesis over the whole API v3 at its full profile: the cases run, and any failure.

The test suite runs the same test at the bounded ``ci`` profile; this runs it with
``GMODSTORE_FUZZ_PROFILE=full`` (at least 100 examples per operation and mode, plus the stateful
scenarios), on SQLite and, when ``GMODSTORE_TEST_POSTGRES_URL`` is set, on PostgreSQL, and reports
the case counts the test writes to ``GMODSTORE_FUZZ_REPORT``.

    .venv/bin/python bench/bench_fuzz.py                # full profile (several minutes)
    .venv/bin/python bench/bench_fuzz.py --profile ci   # what CI runs
    .venv/bin/python bench/bench_fuzz.py --sqlite-only  # run_all.py --quick: one backend
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, ROOT, Row, report  # noqa: E402

TEST = "tests/proof/test_whole_api_fuzz.py"
TIMEOUT = 40 * 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=["ci", "full"])
    parser.add_argument("--sqlite-only", action="store_true", help="leave PostgreSQL out")
    parser.add_argument("--json", action="store_true", help="rows for bench/run_all.py")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fuzz.json"
        env = {
            **os.environ,
            "GMODSTORE_FUZZ_PROFILE": args.profile,
            "GMODSTORE_FUZZ_REPORT": str(out),
        }
        if args.sqlite_only:
            env.pop("GMODSTORE_TEST_POSTGRES_URL", None)
        cmd = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST]
        started = time.monotonic()
        proc = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
        elapsed = time.monotonic() - started
        counts = json.loads(out.read_text()) if out.exists() else {}
    summary = (proc.stdout.strip().splitlines() or ["(no output)"])[-1]
    rows = [
        Row(
            "fuzz",
            f"whole API, {args.profile} profile",
            f"{summary} in {elapsed:.0f} s",
            "no failure",
            proc.returncode == 0,
        )
    ]
    for backend, modes in sorted(counts.get("requests", {}).items()):
        cases = ", ".join(f"{mode} {n:,}" for mode, n in sorted(modes.items()))
        rows.append(Row("fuzz", f"requests on {backend}", cases))
    for backend, modes in sorted(counts.get("links_followed", {}).items()):
        rows.append(Row("fuzz", f"links followed on {backend}", f"{sum(modes.values()):,}"))
    if "total" in counts:
        rows.append(Row("fuzz", "requests in all", f"{counts['total']:,}"))
    report(rows)
    if proc.returncode != 0:
        print(proc.stdout[-4000:], file=sys.stderr)
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
