"""Behaviour that depends on the terminal: progress bars, colour, pacing to the rate limit.

These run the real ``gmodstore`` process with its stdout / stderr connected to pipes or to a
pseudo-terminal, since that is what decides whether a progress bar is drawn.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gmodstore_cli.main import app
from gmodstore_sandbox.testing import Sandbox, run_sandbox
from gmodstore_sdk import ApiClient, Configuration
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload

from .conftest import Shop, parse_jsonl


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def _drain(fd: int, chunks: list[bytes]) -> None:
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO once the child closed the terminal
            return
        if not data:
            return
        chunks.append(data)


def gmodstore(
    sandbox: Sandbox,
    *args: str,
    tty_out: bool = False,
    tty_err: bool = False,
    env: dict[str, str] | None = None,
) -> Run:
    """Run the command in a subprocess; ``tty_*`` connects that stream to a pseudo-terminal."""
    environment = {
        **os.environ,
        "GMODSTORE_HOST": sandbox.url,
        "GMODSTORE_TOKEN": sandbox.token,
        "COLUMNS": "150",
        "TERM": "xterm-256color",
        **(env or {}),
    }
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        if name not in (env or {}):
            environment.pop(name, None)
    streams: dict[str, tuple[int, int] | None] = {
        "out": pty.openpty() if tty_out else None,
        "err": pty.openpty() if tty_err else None,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gmodstore_cli", *args],
        stdout=streams["out"][1] if streams["out"] else subprocess.PIPE,
        stderr=streams["err"][1] if streams["err"] else subprocess.PIPE,
        env=environment,
    )
    collected: dict[str, list[bytes]] = {"out": [], "err": []}
    readers = []
    for key, pair in streams.items():
        if pair is not None:
            os.close(pair[1])
            readers.append(threading.Thread(target=_drain, args=(pair[0], collected[key])))
        else:
            pipe = proc.stdout if key == "out" else proc.stderr
            assert pipe is not None
            readers.append(threading.Thread(target=_drain, args=(pipe.fileno(), collected[key])))
    for reader in readers:
        reader.start()
    code = proc.wait(timeout=120)
    for reader in readers:
        reader.join(timeout=10)
    for pair in streams.values():
        if pair is not None:
            os.close(pair[0])
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    text = {k: b"".join(v).decode("utf-8", "replace") for k, v in collected.items()}
    return Run(code, text["out"], text["err"])


def test_no_progress_when_stderr_is_not_a_terminal(
    sandbox: Sandbox, shop: Shop, tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"

    export = gmodstore(
        sandbox, "purchases", "export", shop.product, "-o", str(target), "--per-page", "1"
    )
    grant = gmodstore(sandbox, "purchases", "grant", shop.product, *shop.free_users, "-f", "jsonl")
    listing = gmodstore(
        sandbox, "purchases", "list", shop.product, "--all", "--per-page", "1", "-f", "csv"
    )

    assert export.code == 0, export.stderr
    assert export.stderr.startswith(f"Exported 5 purchases to {target} in ")
    assert export.stderr.count("\n") == 1
    assert grant.code == 0, grant.stderr
    assert grant.stderr == "granted: 3 · already owned: 0 · failed: 0\n"
    assert listing.code == 0 and listing.stderr == ""
    for run in (export, grant, listing):
        assert "\x1b" not in run.stderr + run.stdout
        assert "\r" not in run.stderr


def test_progress_bar_on_a_terminal(sandbox: Sandbox, shop: Shop, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"

    export = gmodstore(
        sandbox,
        "purchases",
        "export",
        shop.product,
        "-o",
        str(target),
        "--per-page",
        "1",
        tty_err=True,
    )
    grant = gmodstore(
        sandbox, "purchases", "grant", shop.product, *shop.free_users, "-f", "jsonl", tty_err=True
    )

    assert export.code == 0, export.stderr
    assert "Exporting" in export.stderr and "\x1b[" in export.stderr
    assert len(parse_jsonl(target.read_text())) == 5
    assert grant.code == 0, grant.stderr
    assert "Granting" in grant.stderr
    assert "3/3" in grant.stderr
    # The machine-readable stdout is untouched by the bar.
    assert [row["status"] for row in parse_jsonl(grant.stdout)] == ["done"] * 3


def test_no_progress_while_rows_stream_to_the_same_terminal(sandbox: Sandbox, shop: Shop) -> None:
    run = gmodstore(sandbox, "purchases", "list", shop.product, "--all", tty_out=True, tty_err=True)

    assert run.code == 0, run.stderr
    assert "Listing" not in run.stderr
    assert all(p.id in run.stdout for p in shop.purchases.values())


@pytest.mark.parametrize(
    ("env", "coloured"),
    [pytest.param({}, True, id="colour"), pytest.param({"NO_COLOR": "1"}, False, id="NO_COLOR")],
)
def test_no_color_is_respected(
    sandbox: Sandbox, shop: Shop, env: dict[str, str], coloured: bool
) -> None:
    run = gmodstore(sandbox, "purchases", "list", shop.product, tty_out=True, env=env)

    assert run.code == 0, run.stderr
    assert ("\x1b[32m" in run.stdout) is coloured  # "active" in green
    assert ("\x1b[31m" in run.stdout) is coloured  # "revoked" in red


def test_bulk_paces_itself_to_the_rate_limit() -> None:
    with run_sandbox(rate_limit=4, rate_limit_window=2.0) as sb:
        users = [sb.new_user() for _ in range(6)]
        start = time.monotonic()
        result = CliRunner().invoke(
            app,
            ["purchases", "grant", sb.ids.empty_product_id, *users, "-f", "jsonl"],
            env={"GMODSTORE_HOST": sb.url, "GMODSTORE_TOKEN": sb.token, "NO_COLOR": "1"},
            catch_exceptions=False,
        )
        elapsed = time.monotonic() - start

    assert result.exit_code == 0, result.output
    assert [row["status"] for row in parse_jsonl(result.stdout)] == ["done"] * 6
    # Without a terminal there is no bar: each wait is one plain line, then the summary.
    *waits, summary = result.stderr.splitlines()
    assert summary == "granted: 6 · already owned: 0 · failed: 0"
    assert waits and all(
        re.fullmatch(r"rate limit: waiting until [\d:]{8} \.\.\.", w) for w in waits
    )
    assert elapsed >= 1.0  # 7 requests at 4 per 2 s: it waited instead of failing on 429


def test_progress_bar_says_when_it_waits_for_the_rate_limit() -> None:
    with run_sandbox(rate_limit=3, rate_limit_window=2.0) as sb:
        users = [sb.new_user() for _ in range(4)]
        run = gmodstore(sb, "purchases", "grant", sb.ids.empty_product_id, *users, tty_err=True)

    assert run.code == 0, run.stderr
    assert "rate limit: waiting until" in run.stderr


def test_export_progress_says_when_it_waits_for_the_rate_limit(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with run_sandbox(rate_limit=3, rate_limit_window=2.0) as sb:
        product = sb.new_product()
        # Set up with another token: the limit is per token, so the export starts with a full one.
        config = Configuration(host=sb.url, access_token=sb.write_token)
        with ApiClient(config) as client:
            for _ in range(5):
                payload = NewProductPurchasePayload(user_id=sb.new_user())
                ProductPurchasesApi(client).create_product_purchase(product, payload)
        run = gmodstore(
            sb, "purchases", "export", product, "-o", str(target), "--per-page", "1", tty_err=True
        )

    assert run.code == 0, run.stderr
    assert "rate limit: waiting until" in run.stderr  # 6 requests at 3 per 2 s
    assert len(target.read_text().splitlines()) == 1 + 5


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _screen_lines(text: str) -> list[str]:
    return [_ANSI.sub("", line).rstrip() for line in text.replace("\r\n", "\n").split("\n")]


def test_list_table_fits_an_80_column_terminal(sandbox: Sandbox, shop: Shop) -> None:
    run = gmodstore(sandbox, "purchases", "list", shop.product, tty_out=True, env={"COLUMNS": "80"})

    assert run.code == 0, run.stderr
    lines = [line for line in _screen_lines(run.stdout) if line]
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].split() == ["Purchase", "User", "Active"]
    rows = {cells[0]: cells[1:] for cells in (line.split() for line in lines[1:])}
    assert rows == {
        p.id: [p.user_id, "no" if p.revoked else "yes"] for p in shop.purchases.values()
    }


def test_bulk_results_fit_an_80_column_terminal(sandbox: Sandbox, shop: Shop) -> None:
    owner = next(iter(shop.active))
    run = gmodstore(
        sandbox, "purchases", "grant", shop.product, owner, *shop.free_users,
        tty_out=True, env={"COLUMNS": "80"},
    )  # fmt: skip

    assert run.code == 0, run.stderr
    lines = [line for line in _screen_lines(run.stdout) if line]
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].split() == ["Target", "Result"]
    assert [line.split(maxsplit=1) for line in lines[1:]] == [
        [owner, "already owned"],
        *([user, "granted"] for user in shop.free_users),
    ]
