"""kill -9 the sandbox in the middle of a bulk grant through the CLI; restart; re-run; check.

The server is a real process (`gmodstore sandbox serve`, or uvicorn on `create_app` while that
command does not exist) on a SQLite file; the grant is the real `gmodstore purchases grant PRODUCT
--from users.csv` in another process. After the kill: `PRAGMA integrity_check` is ok, no duplicate
(product, user), no outbox event without its purchase and no purchase without its event (a write is
one transaction). After the restart, the same command completes the job: every user granted
exactly once.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

USERS = 400
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_cmd(database_url: str, port: int) -> list[str]:
    if importlib.util.find_spec("gmodstore_sandbox.cli") is not None:
        return [
            str(BIN / "gmodstore"), "sandbox", "serve", "--host", "127.0.0.1",
            "--port", str(port), "--database-url", database_url, "--rate-limit", "0",
        ]  # fmt: skip
    code = (
        "import sys, uvicorn\n"
        "from gmodstore_sandbox.app import create_app\n"
        "from gmodstore_sandbox.settings import Settings\n"
        "app = create_app(Settings(database_url=sys.argv[1], rate_limit=0))\n"
        "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')\n"
    )
    return [sys.executable, "-c", code, database_url, str(port)]


@contextmanager
def _server(database_url: str, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            _server_cmd(database_url, port), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _grant(url: str, token: str, product: str, source: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "GMODSTORE_TOKEN": token, "GMODSTORE_HOST": url, "NO_COLOR": "1"}
    env.pop("GMODSTORE_SANDBOX_DATABASE_URL", None)
    cmd = [str(BIN / "gmodstore"), "purchases", "grant", product, "--from", str(source)]
    return subprocess.Popen(
        cmd + ["--format", "json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _hex(value: str) -> str:
    return value.replace("-", "").lower()


def _granted(db: Path, product: str, users: set[str]) -> dict[str, int]:
    """user -> number of purchases of `product` (read-only, safe while the server writes)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute("SELECT product_id, user_id FROM purchases").fetchall()
    finally:
        conn.close()
    counts: dict[str, int] = {}
    for prod, user in rows:
        if _hex(str(prod)) == _hex(product) and _hex(str(user)) in users:
            counts[_hex(str(user))] = counts.get(_hex(str(user)), 0) + 1
    return counts


def _check_integrity(db: Path) -> None:
    conn = sqlite3.connect(db, timeout=30)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        dupes = conn.execute(
            "SELECT product_id, user_id, COUNT(*) FROM purchases "
            "GROUP BY product_id, user_id HAVING COUNT(*) > 1"
        ).fetchall()
        assert dupes == []
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "outbox" in tables:
            orphans = conn.execute(
                "SELECT COUNT(*) FROM outbox o WHERE o.event_type = 'product_purchase.created' "
                "AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.id = o.purchase_id)"
            ).fetchone()
            assert orphans == (0,), "an outbox event survived without its purchase"
    finally:
        conn.close()


def _created_events(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        rows = conn.execute(
            "SELECT purchase_id FROM outbox WHERE event_type = 'product_purchase.created'"
        ).fetchall()
    finally:
        conn.close()
    counts: dict[str, int] = {}
    for (pid,) in rows:
        counts[_hex(str(pid))] = counts.get(_hex(str(pid)), 0) + 1
    return counts


def test_kill_9_mid_bulk_grant_then_rerun_grants_everyone_exactly_once(tmp_path: Path) -> None:
    from gmodstore_sandbox.testing import run_sandbox

    db = tmp_path / "crash.db"
    database_url = f"sqlite:///{db}"
    with run_sandbox(database_url) as sb:  # creates and seeds the file, then lets it go
        token, product = sb.token, sb.ids.product_id
        users = [sb.new_user() for _ in range(USERS)]
    wanted = {_hex(u) for u in users}
    source = tmp_path / "users.csv"
    source.write_text("userId,name\n" + "".join(f"{u},user {i}\n" for i, u in enumerate(users)))
    log = tmp_path / "server.log"

    # 1. Start the grant, kill -9 the server once a third of the users are granted.
    with _server(database_url, log) as (proc, url):
        cli = _grant(url, token, product, source)
        deadline = time.monotonic() + 60
        while len(_granted(db, product, wanted)) < USERS // 3:
            assert cli.poll() is None, cli.communicate()
            assert time.monotonic() < deadline, "the grant is too slow to be killed mid-run"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    out, err = cli.communicate(timeout=120)
    assert cli.returncode != 0, "the CLI claims success although its server died mid-run"
    assert "Traceback" not in err, err[-2000:]
    partial = _granted(db, product, wanted)
    assert 0 < len(partial) < USERS, "the kill did not land mid-run"

    # 2. The database is consistent after the kill.
    _check_integrity(db)
    assert set(partial.values()) == {1}

    # 3. Restart on the same file and re-run the same command: it completes the job.
    with _server(database_url, log) as (_proc, url):
        rerun = _grant(url, token, product, source)
        out, err = rerun.communicate(timeout=180)
        assert rerun.returncode == 0, (out[-2000:], err[-2000:])
        listed = httpx.get(
            f"{url}/api/v3/products/{product}/purchases",
            params={"perPage": 100, "filter[userId]": ",".join(users[:50])},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["data"]
        assert sorted(p["userId"] for p in listed) == sorted(users[:50])

    _check_integrity(db)
    final = _granted(db, product, wanted)
    assert final == dict.fromkeys(wanted, 1), "every user granted exactly once"
    # 4. One `created` outbox event per granted purchase: each grant was one transaction.
    events = _created_events(db)
    conn = sqlite3.connect(db)
    try:
        ours = [
            _hex(str(pid))
            for pid, prod, user in conn.execute("SELECT id, product_id, user_id FROM purchases")
            if _hex(str(prod)) == _hex(product) and _hex(str(user)) in wanted
        ]
    finally:
        conn.close()
    assert len(ours) == USERS
    assert [events.get(pid, 0) for pid in ours] == [1] * USERS
