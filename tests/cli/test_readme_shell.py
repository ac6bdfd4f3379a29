"""The README's shell blocks, run in order as a reader pastes them, against a real sandbox.

Blocks fenced as ``sh``, ``bash``, ``shell`` or ``console`` run (for ``console``, the lines after a
``$ `` prompt); any other fence is prose. A comment on the line before a block changes how it runs:

- ``<!-- run: skip ... -->``: left out (say why after ``skip``);
- ``<!-- run: background -->``: started in the background, like a server in another terminal; the
  run goes on once it prints ``Sandbox API at``;
- ``<!-- run: paste ... -->``: replaced by the ``export`` lines that background server printed, as a
  reader pastes them.

Each run of blocks between background blocks is one ``bash -euo pipefail`` script, so variables a
block sets are there for the next. It runs in a fresh directory, with this environment's commands
first on ``PATH``, ``GMODSTORE_SANDBOX_PORT`` set to a free port and the rate limit off.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .entry import environment

README = Path(__file__).resolve().parents[2] / "README.md"
SHELLS = frozenset({"sh", "bash", "shell", "console"})
_FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```$", re.M | re.S)
_MARKER = re.compile(r"<!--\s*run:\s*(\w+)[^>]*-->\s*$")


@dataclass(frozen=True)
class Block:
    line: int
    mode: str
    """``run``, ``skip``, ``background`` or ``paste``."""
    script: str


def blocks(text: str) -> list[Block]:
    """Every shell block of ``text`` with how to run it (see the module docstring)."""
    found = []
    for match in _FENCE.finditer(text):
        language, body = match.group(1).lower(), match.group(2)
        if language not in SHELLS:
            continue
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = _MARKER.search(before)
        mode = marker.group(1) if marker else "run"
        if language == "console":
            body = "\n".join(line[2:] for line in body.splitlines() if line.startswith("$ "))
        found.append(Block(text.count("\n", 0, match.start()) + 1, mode, body))
    return found


def test_the_readme_has_runnable_shell_blocks() -> None:
    found = blocks(README.read_text(encoding="utf-8"))
    modes = [block.mode for block in found]
    assert modes.count("background") == 1 and modes.count("paste") == 1
    assert modes.count("run") >= 4
    assert set(modes) <= {"run", "skip", "background", "paste"}, modes
    # No block overwrites a variable of the shell (`USER=$(...)`).
    assert not [b.line for b in found if re.search(r"^\s*(USER|HOME|PATH|PWD)=", b.script, re.M)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(port: int) -> dict[str, str]:
    # No rate limit: pacing is tested elsewhere, and would only make this test wait.
    env = environment(GMODSTORE_SANDBOX_PORT=str(port), GMODSTORE_SANDBOX_RATE_LIMIT="0")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@contextmanager
def _background(block: Block, env: dict[str, str], cwd: Path) -> Iterator[list[str]]:
    log = (cwd.parent / f"{cwd.name}-server.log").open("w")
    process = subprocess.Popen(
        ["bash", "-c", f"exec {block.script.strip()}"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        while not lines or not lines[-1].startswith("Sandbox API at "):
            line = process.stdout.readline()
            assert line, f"README.md:{block.line}: the server stopped: {lines}"
            lines.append(line.rstrip("\n"))
        yield [line for line in lines if line.startswith("export ")]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
        log.close()


def _run(script: list[str], env: dict[str, str], cwd: Path) -> None:
    if not script:
        return
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(script)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    server_log = cwd.parent / f"{cwd.name}-server.log"
    server = server_log.read_text()[-6000:] if server_log.exists() else ""
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\nserver:\n{server}"
    assert "Traceback" not in result.stderr
    assert not re.search(r"^error: ", result.stderr, re.M), result.stderr


@pytest.mark.slow
def test_the_readme_shell_blocks_run_in_order(tmp_path: Path) -> None:
    if shutil.which("bash") is None or shutil.which("curl") is None:
        pytest.skip("the README's blocks need bash and curl")
    env = _env(_free_port())
    script: list[str] = []
    exports: list[str] | None = None
    with ExitStack() as stack:
        for block in blocks(README.read_text(encoding="utf-8")):
            if block.mode == "skip":
                continue
            if block.mode == "background":
                _run(script, env, tmp_path)
                script = []
                exports = stack.enter_context(_background(block, env, tmp_path))
            elif block.mode == "paste":
                assert exports, f"README.md:{block.line}: nothing to paste yet"
                script += [f"# README.md:{block.line} (pasted)", *exports]
            else:
                script += [f"# README.md:{block.line}", block.script]
        _run(script, env, tmp_path)
    assert (tmp_path / "purchases.csv").read_text().startswith("id,userId,productId,")
