"""Benchmark: a 200 MB version uploaded and downloaded through the CLI, against a real sandbox.

Figures (issue 13): wall time of ``gmodstore versions upload`` and ``gmodstore versions download``,
and the peak RSS of the CLI process and of the sandbox server, each compared with the same process
idle (target: within 30 MB).

- CLI idle: the same command moving a 1 MB file (same imports, client, validators). Peak RSS from
  ``wait4`` (``ru_maxrss``) of each CLI process.
- Sandbox idle: its RSS after warm-up transfers of 1 MB; its peak during a 200 MB transfer is
  ``VmHWM`` after the high-water mark was reset (``/proc/<pid>/clear_refs``, Linux).

    .venv/bin/python bench/bench_content_cli.py            # 200 MB
    .venv/bin/python bench/bench_content_cli.py --mb 50 --json
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, Row, free_port, report  # noqa: E402

TARGET_MB = 30.0
BLOCK = bytes(range(256)) * 4096  # 1 MiB
SCOPES = ("product-versions:read", "product-versions:write", "product-versions:download")


def make_zip(path: Path, mb: int) -> None:
    """A real ZIP archive with one stored member of `mb` MiB (written in 1 MiB blocks)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        with archive.open("addon/data.bin", "w", force_zip64=True) as member:
            for _ in range(mb):
                member.write(BLOCK)


def proc_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def cli(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``gmodstore ARGS``; (wall seconds, peak RSS MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, "-m", "gmodstore_cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"gmodstore {' '.join(args)} failed: {out}{err}")
    proc.returncode = 0
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args()

    from gmodstore_sandbox.admin import add_team_member, create_token, create_user, seed_testing
    from gmodstore_sandbox.storage.db import create_tables, make_engine

    with tempfile.TemporaryDirectory(prefix="bench-content-") as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'bench.db'}"
        engine = make_engine(url, pool_size=1)
        create_tables(engine)
        seed = seed_testing(engine, purchases=0, free_users=0)
        user = create_user(engine, name="Bench")
        add_team_member(engine, team_id=seed.ids.team_id, user_id=user)
        token = create_token(engine, user_id=user, scopes=SCOPES)
        engine.dispose()
        product = seed.ids.product_id
        small, big = tmp / "small.zip", tmp / "big.zip"
        make_zip(small, 1)
        make_zip(big, opts.mb)

        port = free_port()
        server_env = {
            **os.environ,
            "GMODSTORE_SANDBOX_MAX_VERSION_BYTES": str((opts.mb + 10) * 1024 * 1024),
        }
        code = "from gmodstore_sandbox.cli import app; app()"
        server = subprocess.Popen(
            [
                PYTHON,
                "-c",
                code,
                "serve",
                "--port",
                str(port),
                "--rate-limit",
                "0",
                "--database-url",
                url,
            ],
            env=server_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        env = {
            **os.environ,
            "GMODSTORE_HOST": f"http://127.0.0.1:{port}",
            "GMODSTORE_TOKEN": token,
            "NO_COLOR": "1",
        }
        try:
            import httpx

            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            rows: list[Row] = []

            def upload(path: Path, name: str) -> tuple[float, float]:
                return cli(
                    [
                        "versions",
                        "upload",
                        product,
                        str(path),
                        "--name",
                        name,
                        "--changelog",
                        "bench",
                    ],
                    env,
                )

            _, cli_up_idle = upload(small, "warm-1")
            _, cli_down_idle = cli(
                ["versions", "download", product, "--latest", "-o", str(tmp / "warm.zip")], env
            )
            server_idle = proc_kb(server.pid, "VmRSS") / 1024
            reset_peak(server.pid)
            up_wall, cli_up_peak = upload(big, "big")
            server_up_peak = proc_kb(server.pid, "VmHWM") / 1024
            reset_peak(server.pid)
            down_wall, cli_down_peak = cli(
                ["versions", "download", product, "--latest", "-o", str(tmp / "out.zip")], env
            )
            server_down_peak = proc_kb(server.pid, "VmHWM") / 1024
            assert (tmp / "out.zip").stat().st_size == big.stat().st_size
            mb = big.stat().st_size / 1024 / 1024

            def growth(bench: str, metric: str, peak: float, idle: float) -> Row:
                delta = peak - idle
                return Row(
                    bench,
                    metric,
                    f"{delta:+.1f} MB (peak {peak:.1f}, idle {idle:.1f})",
                    f"<= {TARGET_MB:.0f} MB",
                    delta <= TARGET_MB,
                )

            rows += [
                Row(
                    "content-cli",
                    f"upload {mb:.0f} MB wall",
                    f"{up_wall:.2f} s ({mb / up_wall:.0f} MB/s)",
                ),
                Row(
                    "content-cli",
                    f"download {mb:.0f} MB wall",
                    f"{down_wall:.2f} s ({mb / down_wall:.0f} MB/s)",
                ),
                growth("content-cli", "CLI RSS, upload", cli_up_peak, cli_up_idle),
                growth("content-cli", "CLI RSS, download", cli_down_peak, cli_down_idle),
                growth("content-cli", "sandbox RSS, upload", server_up_peak, server_idle),
                growth("content-cli", "sandbox RSS, download", server_down_peak, server_idle),
            ]
        finally:
            server.kill()
            server.wait(10)
    report(rows)


if __name__ == "__main__":
    main()
