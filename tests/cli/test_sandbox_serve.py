"""``gmodstore sandbox serve`` and friends as a new user runs them: real processes, real ports."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from gmodstore_sandbox.testing import _fresh_postgres

from .entry import command, environment, gmodstore

POSTGRES_ENV = "GMODSTORE_TEST_POSTGRES_URL"


@contextmanager
def serving(*args: str, cwd: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """``gmodstore sandbox serve ARGS`` until it says it listens; yields it and its stdout lines."""
    process = subprocess.Popen(
        [*command(), "sandbox", "serve", "--port", "0", *args],
        env=environment(),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        while not lines or not lines[-1].startswith("Sandbox API at "):
            line = process.stdout.readline()
            assert line, f"serve exited: {lines}"
            lines.append(line.rstrip("\n"))
        yield process, lines
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def _exports(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        if line.startswith("export GMODSTORE_"):  # one variable; the value may hold spaces
            key, _, value = line.removeprefix("export ").partition("=")
            found[key] = value
        elif line.startswith("export "):
            for pair in line.removeprefix("export ").split(" "):
                key, _, value = pair.partition("=")
                found[key] = value
    return found


def _teams(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("select name from teams")]


@pytest.mark.slow
def test_serve_demo_seeds_once_and_reuses_the_database(tmp_path: Path) -> None:
    with serving("--demo", cwd=tmp_path) as (_, first):
        exports = _exports(first)
        url = first[-1].split()[3].removesuffix("/api/v3")
        # Ready means ready: the first request after the line is answered.
        response = httpx.get(
            f"{url}/api/v3/products/{exports['PRODUCT']}/purchases/{exports['PURCHASE']}",
            headers={"Authorization": f"Bearer {exports['GMODSTORE_TOKEN']}"},
        )
        assert response.status_code == 200
        assert response.json()["data"]["userId"] == exports["CUSTOMER"]
        assert exports["GMODSTORE_HOST"] == url
    assert first[0].startswith("Seeded the demo data in sqlite:///./sandbox.db: team ")
    assert exports["GMODSTORE_TOKEN"].startswith("gms_")

    with serving("--demo", cwd=tmp_path) as (_, second):
        again = _exports(second)
    assert second[0].startswith("Reusing the demo data in sqlite:///./sandbox.db: team ")
    assert "150 purchases of 3 products" in second[0]
    assert _teams(tmp_path / "sandbox.db") == ["Demo Team"]
    assert (again["PRODUCT"], again["PURCHASE"]) == (exports["PRODUCT"], exports["PURCHASE"])
    # The reused database's token line mints a new token when pasted.
    mint = again["GMODSTORE_TOKEN"]
    assert mint.startswith("$(gmodstore sandbox token create --user ") and mint.endswith(")")
    minted = gmodstore(*mint[2:-1].split()[1:], cwd=tmp_path)
    assert minted.returncode == 0 and minted.stdout.startswith("gms_"), minted.stderr
    # The README's next step names the team: there is exactly one.
    added = gmodstore(
        "sandbox",
        "webhooks",
        "add",
        "http://127.0.0.1:8001/hook",
        "--team",
        "Demo Team",
        cwd=tmp_path,
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("whsec_")


@pytest.mark.slow
def test_serve_on_a_busy_port_writes_nothing(tmp_path: Path) -> None:
    with serving("--demo", cwd=tmp_path) as (_, lines):
        port = lines[-1].split(":")[2].split("/")[0]
        other = tmp_path / "other"
        other.mkdir()
        result = gmodstore("sandbox", "serve", "--demo", "--port", port, cwd=other)
        again = gmodstore("sandbox", "serve", "--demo", "--port", port, cwd=tmp_path)
    for busy in (result, again):
        assert busy.returncode == 1
        assert busy.stdout == ""
        assert busy.stderr == (
            f"error: port {port} on 127.0.0.1 is in use (another sandbox?):"
            " stop it, or pass --port\n"
        )
    assert list(other.iterdir()) == []
    assert _teams(tmp_path / "sandbox.db") == ["Demo Team"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param(
            "sqlite:///nosuchdir/x.db",
            "cannot create the SQLite database nosuchdir/x.db: directory nosuchdir does not exist",
            id="missing-directory",
        ),
        pytest.param(
            "./x.db",
            "'./x.db' is not a database URL: use one such as sqlite:///./x.db or"
            " postgresql://user@host/db",
            id="a-path",
        ),
    ],
)
@pytest.mark.parametrize("args", [["serve", "--demo"], ["users", "add"], ["webhooks", "list"]])
def test_database_url_mistakes_are_one_line(
    tmp_path: Path, url: str, message: str, args: list[str]
) -> None:
    result = gmodstore("sandbox", *args, "--database-url", url, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"error: {message}\n")
    assert list(tmp_path.iterdir()) == []


def _postgres() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    return url


def _backends() -> list[object]:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]


@pytest.mark.postgres
def test_a_postgres_database_that_does_not_exist(tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    base = make_url(_postgres())
    name = f"gms_missing_{uuid.uuid4().hex[:8]}"
    url = base.set(database=name).render_as_string(hide_password=False)
    result = gmodstore("sandbox", "users", "add", "--database-url", url, cwd=tmp_path)
    host = base.host or "localhost"
    assert (result.returncode, result.stderr) == (
        1,
        f'error: PostgreSQL database "{name}" does not exist on {host}: create it with'
        f" `createdb -h {host} {name}`, or pass --create-database to `gmodstore sandbox serve`\n",
    )
    try:
        with serving("--database-url", url, "--create-database", cwd=tmp_path):
            pass
        created = gmodstore("sandbox", "users", "add", "--database-url", url, cwd=tmp_path)
        assert created.returncode == 0, created.stderr
        uuid.UUID(created.stdout.strip())
    finally:
        from sqlalchemy import create_engine, text

        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.mark.parametrize("backend", _backends())
def test_over_long_names_and_urls_are_refused_up_front(
    tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    if backend == "postgres":
        # A database of its own: tables left in the shared one by older code lack new columns.
        with _fresh_postgres(_postgres()) as url:
            _refuse_over_long_names(tmp_path, url)
    else:
        _refuse_over_long_names(tmp_path, "sqlite:///./s.db")


def _refuse_over_long_names(tmp_path: Path, database_url: str) -> None:
    from typer.testing import CliRunner

    from gmodstore_cli.main import app

    db = ["--database-url", database_url]
    runner = CliRunner()

    def sandbox(*args: str) -> str:
        result = runner.invoke(app, ["sandbox", *args, *db], env=environment())
        assert result.exit_code == 0, (args, result.output)
        return result.stdout.strip()

    user = sandbox("users", "add")
    team = sandbox("teams", "add", "T", "--member", user)
    long = "x" * 201
    cases = [
        (["users", "add", "--name", long], "the user name is 201 characters long"),
        (["teams", "add", long], "the team name is 201 characters long"),
        (["products", "add", long, "--team", team], "the product name is 201"),
        (["token", "create", "--user", user, "--name", long], "the token name is 201"),
        (
            ["webhooks", "add", "http://127.0.0.1/" + "x" * 2000, "--team", team],
            "the URL is 2017 characters long; at most 2000 are allowed",
        ),
    ]
    # The first through the installed command (its stderr is exactly one line), the rest in
    # process: the same code refuses them.
    first, start = cases[0]
    result = gmodstore("sandbox", *first, *db, cwd=tmp_path)
    assert result.returncode == 1, (first, result.stderr)
    assert result.stderr.startswith(f"error: {start}") and result.stderr.count("\n") == 1
    for args, start in cases[1:]:
        result = runner.invoke(app, ["sandbox", *args, *db], env=environment())
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith(f"error: {start}") and result.stderr.count("\n") == 1


def test_python_m_gmodstore_sandbox_runs_the_sandbox_commands(tmp_path: Path) -> None:
    result = gmodstore("users", "add", "--name", "Alice", module="gmodstore_sandbox", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    uuid.UUID(result.stdout.strip())
    usage = gmodstore("users", "add", "--nope", module="gmodstore_sandbox", cwd=tmp_path)
    assert usage.returncode == 2 and usage.stderr.startswith("error: No such option: --nope")


def test_create_app_without_the_sandbox_extra_names_the_extra(tmp_path: Path) -> None:
    """FastAPI hidden from the import system, as when only the base package is installed."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'fastapi':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from gmodstore_sandbox import create_app\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ModuleNotFoundError: the sandbox needs the 'sandbox' extra:"
        " pip install 'gmodstore-sdk[sandbox]' (fastapi is missing)"
    )
