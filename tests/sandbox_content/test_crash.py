"""A real server killed with SIGKILL in the middle of an upload leaves no partial version."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from gmodstore_sandbox.admin import seed_testing
from gmodstore_sandbox.content.tables import ProductVersion
from gmodstore_sandbox.storage.db import create_tables, make_engine
from gmodstore_sandbox.testing import _fresh_postgres

from .conftest import CONTENT_SCOPES, POSTGRES_ENV, bearer
from .files import zip_bytes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(database_url: str, files_dir: Path, port: int) -> subprocess.Popen[bytes]:
    code = "from gmodstore_sandbox.cli import app; app()"
    args = ["serve", "--port", str(port), "--rate-limit", "0", "--database-url", database_url]
    env = {**os.environ, "GMODSTORE_SANDBOX_FILES_DIR": str(files_dir)}
    server = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
            return server
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the sandbox did not start") from None
            time.sleep(0.05)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    with _fresh_postgres(server) as url:
        yield url


def _parts(files_dir: Path) -> list[Path]:
    return list((files_dir / "tmp").rglob("*.part"))


@pytest.mark.slow
def test_sigkill_mid_upload_leaves_no_version_and_no_file(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url, pool_size=1)
    create_tables(engine)
    seed = seed_testing(engine, purchases=0, free_users=0)
    from gmodstore_sandbox.admin import add_team_member, create_token, create_user

    user = create_user(engine, name="Uploader")
    add_team_member(engine, team_id=seed.ids.team_id, user_id=user)
    token = create_token(engine, user_id=user, scopes=CONTENT_SCOPES)
    files_dir = tmp_path / "files"
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v3/products/{seed.ids.product_id}/versions"
    server = _serve(database_url, files_dir, port)
    try:
        # Half an upload by hand: headers, form fields, 3 MB of the file (past the write buffer).
        head = (
            f"POST /v3/products/{seed.ids.product_id}/versions HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: multipart/form-data; boundary=cut\r\nContent-Length: 50000000\r\n\r\n"
        )
        fields = "".join(
            f'--cut\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in (("name", "1.0"), ("changelog", "x"), ("releaseType", "stable"))
        )
        part = '--cut\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n'
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall((head + fields + part).encode() + b"PK\x03\x04" + b"\x00" * 3_000_000)
            deadline = time.monotonic() + 20
            while not any(p.stat().st_size > 0 for p in _parts(files_dir)):
                assert time.monotonic() < deadline, "the upload never reached the disk"
                time.sleep(0.02)
            os.kill(server.pid, signal.SIGKILL)
            server.wait(10)
        assert _parts(files_dir), "the partial upload should still be on disk until a restart"
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(ProductVersion)).scalar() == 0
        assert list((files_dir / "versions").iterdir()) == []

        # The next server start removes what the killed process left, and uploads work again.
        server = _serve(database_url, files_dir, port)
        assert _parts(files_dir) == []
        assert [p.name for p in (files_dir / "tmp").iterdir()] != []  # the new server's folder
        data = zip_bytes(10_000)
        response = httpx.post(
            url,
            headers=bearer(token),
            data={"name": "1.0", "changelog": "x", "releaseType": "stable"},
            files={"file": ("a.zip", data, "application/zip")},
        )
        assert response.status_code == 201, response.text
        assert [p.name for p in (files_dir / "versions").iterdir()] == [
            response.json()["data"]["id"].replace("-", "")
        ]
    finally:
        server.kill()
        server.wait(10)
        engine.dispose()
