"""``gmodstore sandbox ...`` admin commands, through typer's CliRunner (and ``serve`` for real)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from gmodstore_sandbox.cli import app, parse_duration

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_set_up_data_by_hand(tmp_path: Path) -> None:
    db = ["--database-url", f"sqlite:///{tmp_path / 'cli.db'}"]
    user = invoke("users", "add", "--name", "Alice", *db)
    member = invoke("users", "add", *db)
    team = invoke("teams", "add", "Alice's team", "--member", user, "--member", member, *db)
    product = invoke("products", "add", "Addon", "--team", team, *db)
    token = invoke("token", "create", "--user", user, "--scopes", "product-purchases:read", *db)
    for value in (user, member, team, product):
        uuid.UUID(value)
    assert token.startswith("gms_")
    expiring = invoke("token", "create", "--user", user, "--expires-in", "15m", *db)
    assert expiring != token


@pytest.mark.parametrize(
    "args",
    [
        ["token", "create", "--user", "nope"],
        ["token", "create", "--user", str(uuid.uuid4())],
        ["token", "create", "--user", str(uuid.uuid4()), "--scopes", "admin"],
        ["token", "create", "--user", str(uuid.uuid4()), "--expires-in", "soon"],
        ["teams", "add", "T", "--member", str(uuid.uuid4())],
        ["products", "add", "P", "--team", str(uuid.uuid4())],
        ["products", "add", "P", "--team", "x"],
    ],
)
def test_bad_input_exits_nonzero(tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--database-url", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_serve_refuses_an_in_memory_database_in_one_line() -> None:
    result = runner.invoke(app, ["serve", "--database-url", "sqlite://"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip() == (
        "error: an in-memory SQLite database cannot be shared by the server's threads;"
        " use a file such as sqlite:///./sandbox.db"
    )


def test_seed_prints_token(tmp_path: Path) -> None:
    output = invoke("seed", "--database-url", f"sqlite:///{tmp_path / 'demo.db'}")
    assert "150 purchases of 3 products" in output
    assert "\nexport GMODSTORE_TOKEN=gms_" in output


def test_seed_more_users(tmp_path: Path) -> None:
    output = invoke("seed", "--users", "100", "--database-url", f"sqlite:///{tmp_path / 'big.db'}")
    assert "100 customers, 300 purchases of 3 products" in output


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        pytest.param({}, [], 60, id="default"),
        pytest.param({"GMODSTORE_SANDBOX_RATE_LIMIT": "0"}, [], 0, id="environment"),
        pytest.param({"GMODSTORE_SANDBOX_RATE_LIMIT": "0"}, ["--rate-limit", "7"], 7, id="flag"),
    ],
)
def test_serve_settings(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: list[str],
    expected: int,
) -> None:
    """`serve` reads the documented environment variables; a flag wins over them."""
    from gmodstore_sandbox import _serve

    served: list[Any] = []

    def serve(app: Any, sock: socket.socket, **kwargs: Any) -> None:
        served.append((app, sock.getsockname()))
        sock.close()

    monkeypatch.setattr(_serve, "serve", serve)
    database_url = f"sqlite:///{tmp_path / 'env.db'}"
    result = runner.invoke(
        app,
        ["serve", "--port", "0", *args],
        env={**env, "GMODSTORE_SANDBOX_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    [(server, (host, port))] = served
    assert server.state.settings.rate_limit == expected
    assert server.state.settings.database_url == database_url
    assert host == "127.0.0.1" and port > 0


def test_parse_duration() -> None:
    assert parse_duration("90").total_seconds() == 90
    assert parse_duration("15m").total_seconds() == 900
    assert parse_duration("2d").total_seconds() == 172800


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_serve_demo(tmp_path: Path) -> None:
    port = _free_port()
    code = "from gmodstore_sandbox.cli import app; app()"
    args = ["serve", "--demo", "--port", str(port), "--rate-limit", "0"]
    args += ["--database-url", f"sqlite:///{tmp_path / 'serve.db'}"]
    with subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        try:
            token = _check_served(process, port)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)
        assert process.stdout is not None
        log = process.stdout.read()
    # The access log names the request, never its Authorization header.
    assert '"GET /api/v3/products/' in log
    assert token not in log and token[4:] not in log


def _check_served(process: subprocess.Popen[str], port: int) -> str:
    """Wait for the printed token, make one request with it, and return the token."""
    lines: list[str] = []
    assert process.stdout is not None
    while not any(line.startswith("Sandbox API at ") for line in lines):
        line = process.stdout.readline()
        assert line, "".join(lines)
        lines.append(line.strip())
    token = next(line for line in lines if line.startswith("export GMODSTORE_TOKEN="))
    token = token.split("=", 1)[1]
    product = next(line for line in lines if line.startswith("export PRODUCT="))
    product = product.split()[1].split("=", 1)[1]
    url = f"http://127.0.0.1:{port}/api/v3/products/{product}/purchases"
    deadline = time.monotonic() + 20
    while True:
        try:
            response = httpx.get(url, headers={"Authorization": f"Bearer {token}"})
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert response.status_code == 200
    assert len(response.json()["data"]) == 24
    return token
