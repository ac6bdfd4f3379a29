"""A database made by another version of the sandbox (here: ``outbox.product_id`` still NOT NULL,
as before it became optional) is refused at startup in one line that says what to do, by ``serve``
and by every admin command; never a NOT NULL error (500) at request time."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gmodstore_sandbox.cli import app
from gmodstore_sandbox.exceptions import SchemaMismatch
from gmodstore_sandbox.storage.db import create_tables, make_engine
from gmodstore_sandbox.testing import _fresh_postgres

POSTGRES_ENV = "GMODSTORE_TEST_POSTGRES_URL"


def _make_old_sqlite(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url, pool_size=1)
    create_tables(engine)
    engine.dispose()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        [sql] = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'outbox'").fetchone()
        old = sql.replace("product_id CHAR(32),", "product_id CHAR(32) NOT NULL,")
        assert old != sql
        conn.executescript(f"DROP TABLE outbox; {old};")
    return url


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield _make_old_sqlite(tmp_path / "sandbox.db")
        return
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    with _fresh_postgres(server) as url:
        engine = make_engine(url, pool_size=1)
        create_tables(engine)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE outbox ALTER COLUMN product_id SET NOT NULL"))
        engine.dispose()
        yield url


def test_create_tables_names_the_mismatch_and_the_way_out(old_database):
    engine = make_engine(old_database, pool_size=1)
    try:
        with pytest.raises(SchemaMismatch) as caught:
            create_tables(engine)
    finally:
        engine.dispose()
    message = str(caught.value)
    assert "another version of the sandbox (outbox.product_id is NOT NULL)" in message, message
    assert ("delete " if "sqlite" in old_database else "drop and re-create") in message


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["users", "add", "--name", "Alice"], id="users-add"),
        pytest.param(["webhooks", "list"], id="webhooks-list"),
    ],
)
def test_admin_commands_refuse_an_old_database_in_one_line(tmp_path, command):
    url = _make_old_sqlite(tmp_path / "sandbox.db")
    result = CliRunner().invoke(app, [*command, "--database-url", url])
    assert result.exit_code == 1, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: the database sqlite:///") and "outbox.product_id" in line
    assert f"delete {tmp_path / 'sandbox.db'} (and its -wal and -shm files)" in line, line


@pytest.mark.slow  # a real `serve` process
def test_serve_refuses_an_old_database_before_serving(tmp_path):
    url = _make_old_sqlite(tmp_path / "sandbox.db")
    result = subprocess.run(
        [sys.executable, "-m", "gmodstore_sandbox", "serve", "--port", "0", "--database-url", url],
        capture_output=True,
        text=True,
        timeout=30,  # a server that started anyway would run until then
        check=False,
    )
    assert result.returncode == 1, result
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: the database ") and "outbox.product_id is NOT NULL" in line
    assert "Sandbox API at" not in result.stdout
