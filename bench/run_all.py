"""Run every benchmark in bench/ and print one table.

Each `bench/bench_*.py` runs as its own process, one after the other (they would skew each other if
run at once), with its own defaults. Scripts that understand `--json` (those built on
`bench/_common.py`) report structured rows; for the others, every line they print becomes a row,
and a line that says "OVER TARGET" / "MISS" or "ok" marks the row failed or met.

    .venv/bin/python bench/run_all.py                      # everything (about 15 minutes)
    .venv/bin/python bench/run_all.py --only async,client  # scripts whose name contains a word
    .venv/bin/python bench/run_all.py --skip ratelimit     # the rate-limit run alone takes 2+ min

Exit status: 0 when every script ran and no row missed its target, 1 otherwise.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import JSON_PREFIX, PYTHON, ROOT, Row, parse_rows, print_table  # noqa: E402

HERE = Path(__file__).resolve().parent
TIMEOUT = 30 * 60


def scripts() -> list[Path]:
    return sorted(HERE.glob("bench_*.py"))


def speaks_json(script: Path) -> bool:
    return "_common import" in script.read_text() and "report(" in script.read_text()


def _verdict(line: str) -> bool | None:
    if re.search(r"OVER TARGET|MISS|FAIL", line):
        return False
    if re.search(r"\bok\b", line):
        return True
    return None


def run(script: Path) -> tuple[list[Row], float]:
    name = script.stem.removeprefix("bench_")
    cmd = [PYTHON, str(script)] + (["--json"] if speaks_json(script) else [])
    start = time.monotonic()
    print(f"== {script.name} ...", file=sys.stderr, flush=True)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return [Row(name, "did not finish", f"> {TIMEOUT} s", ok=False)], time.monotonic() - start
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
        return [Row(name, f"exit {proc.returncode}", tail[0][:100], ok=False)], elapsed
    rows = parse_rows(proc.stdout)
    if not rows:
        for line in proc.stdout.splitlines():
            text = line.strip()
            if text and not text.startswith(JSON_PREFIX):
                # "label: figures" or "label   figures" -> metric, value
                m = re.match(r"^(.{1,40}?)(?::\s+|\s{2,})(\S.*)$", text)
                metric, value = (m.group(1), m.group(2)) if m else (text, "")
                rows.append(Row(name, metric, value, ok=_verdict(text)))
    return rows, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated words; run matching scripts")
    parser.add_argument("--skip", default="", help="comma-separated words; skip matching scripts")
    args = parser.parse_args(argv)
    only = [w for w in args.only.split(",") if w]
    skip = [w for w in args.skip.split(",") if w]
    rows: list[Row] = []
    for script in scripts():
        if only and not any(w in script.stem for w in only):
            continue
        if any(w in script.stem for w in skip):
            continue
        got, elapsed = run(script)
        print(f"   {script.name}: {elapsed:.0f} s", file=sys.stderr, flush=True)
        rows += got
    print()
    print_table(rows)
    return 1 if any(r.ok is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
