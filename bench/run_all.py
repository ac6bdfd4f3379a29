"""Run every benchmark in bench/ and print one table.

Each `bench/bench_*.py` runs as its own process, one after the other (they would skew each other if
run at once), with its own defaults. Scripts that understand `--json` (those built on
`bench/_common.py`) report structured rows; for the others, every line they print becomes a row,
and a line that says "OVER TARGET" / "MISS" or "ok" marks the row failed or met.

    .venv/bin/python bench/run_all.py                      # everything (about 15 minutes)
    .venv/bin/python bench/run_all.py --only async,client  # scripts whose name contains a word
    .venv/bin/python bench/run_all.py --skip ratelimit     # the rate-limit run alone takes 2+ min
    .venv/bin/python bench/run_all.py --quick --write BENCHMARKS.md   # ~12 minutes, see QUICK

`--quick` runs every script with the smaller settings in `QUICK` (same figures and targets, fewer
calls, rows or seconds), since the full run now takes about 30 minutes on a 2-CPU machine.
`--write FILE` replaces the part of FILE between `<!-- BEGIN run_all -->` and
`<!-- END run_all -->` with this run's table, so the published figures all come from one run.

Exit status: 0 when every script ran and no row missed its target, 1 otherwise.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import JSON_PREFIX, PYTHON, ROOT, Row, parse_rows, print_table  # noqa: E402

HERE = Path(__file__).resolve().parent
TIMEOUT = 30 * 60
QUICK: dict[str, list[str]] = {
    "async": ["--calls", "300", "--cpu-rounds", "10"],
    "client": ["--rounds", "15"],
    "content_cli": ["--mb", "50"],
    "deadlines": ["--quick"],
    "export": ["--sizes", "10000", "50000"],
    "fuzz": ["--sqlite-only"],  # the full fuzz profile, on SQLite only (both: ~14 min)
    "import": ["--runs", "8"],
    "listen": ["--events", "50", "--idle", "10"],
    # 4 x 30 calls at 60/min: one full window, then the rest; 2,000 cache checks over 100 users.
    "multiprocess": ["--calls", "30", "--checks", "2000", "--users", "100"],
    "owns": ["--rounds", "5"],
    "ratelimit": ["--calls", "90"],  # two windows instead of three
    "sandbox": ["--sizes", "10000,100000", "--duration", "3"],
    "sandbox_matrix": ["--duration", "2"],
    "sandbox_reads": ["--duration", "2"],
    "transfer": ["--mb", "50"],
    "webhooks": ["--events", "10"],
}
"""Per script (name without ``bench_``): the arguments of a ``--quick`` run."""
BEGIN, END = "<!-- BEGIN run_all -->", "<!-- END run_all -->"


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


def run(script: Path, extra: list[str] | None = None) -> tuple[list[Row], float]:
    name = script.stem.removeprefix("bench_")
    cmd = [PYTHON, str(script), *(extra or [])] + (["--json"] if speaks_json(script) else [])
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
    parser.add_argument("--quick", action="store_true", help="smaller settings (QUICK)")
    parser.add_argument("--write", default="", help="put the table into this Markdown file")
    args = parser.parse_args(argv)
    only = [w for w in args.only.split(",") if w]
    skip = [w for w in args.skip.split(",") if w]
    rows: list[Row] = []
    times: dict[str, float] = {}
    started = time.monotonic()
    for script in scripts():
        if only and not any(w in script.stem for w in only):
            continue
        if any(w in script.stem for w in skip):
            continue
        extra = QUICK.get(script.stem.removeprefix("bench_"), []) if args.quick else []
        got, times[script.name] = run(script, extra)
        print(f"   {script.name}: {times[script.name]:.0f} s", file=sys.stderr, flush=True)
        rows += got
    print()
    print_table(rows)
    failed = any(r.ok is False for r in rows)
    if args.write:
        command = " ".join(["bench/run_all.py", *(argv if argv is not None else sys.argv[1:])])
        total = time.monotonic() - started
        table = markdown(rows, times, command=command, total=total, failed=failed)
        write_between_markers(Path(args.write), table)
    return 1 if failed else 0


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(
    rows: list[Row], times: dict[str, float], *, command: str, total: float, failed: bool
) -> str:
    """This run as Markdown: when, the command, the exit status, the table, each script's time."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    verdict = "exit 1: a figure missed its target (MISS)" if failed else "exit 0: every target met"
    lines = [
        f"Run of {when}: `.venv/bin/python {command}`, {total / 60:.0f} min, {verdict}.",
        "",
        "| benchmark | metric | value | target | |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        mark = "" if r.ok is None else ("ok" if r.ok else "**MISS**")
        cells = (r.bench, r.metric, r.value, r.target or "-", mark)
        lines.append("| " + " | ".join(_cell(str(c)) for c in cells) + " |")
    spent = ", ".join(f"{name.removesuffix('.py')} {s:.0f} s" for name, s in times.items())
    lines += ["", f"Time per script: {spent}."]
    return "\n".join(lines)


def write_between_markers(path: Path, table: str) -> None:
    text = path.read_text(encoding="utf-8")
    head, found, rest = text.partition(BEGIN)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise SystemExit(f"{path} has no {BEGIN} ... {END} block to replace")
    path.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
