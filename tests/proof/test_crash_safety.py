"""kill -9 the sandbox in the middle of a bulk grant through the CLI; restart; re-run; check.

The server is a real process (`gmodstore sandbox serve`, or uvicorn on `create_app` while that
command does not exist) on a SQLite file; the grant is the real `gmodstore purchases grant PRODUCT
--from users.csv` in another process. After the kill: `PRAGMA integrity_check` is ok, no duplicate
(product, user), no outbox event without its purchase and no purchase without its event (a write is
one transaction). After the restart, the same command completes the job: every user granted
exactly once.

The same kill lands mid-write for one write operation of each other resource (coupons, versions,
teams, tokens, webhook endpoints, ticket attachments): see `WRITES` below.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow

USERS = 200  # enough for the kill to land mid-run with a third granted
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


# --- kill -9 mid-write, one write operation per resource --------------------------------------
#
# Writers in threads repeat one write operation against a real server process on a SQLite file;
# once some have committed, the server is killed with SIGKILL. Then, on the dead file: integrity and
# foreign keys hold, every write answered 201 is there (201 means committed), each new row has its
# outbox event (row and event are one transaction) and the resource's own rule holds. After a
# restart: the file store names exactly the rows (no orphan file, no row without its file, no
# upload's temporary file left), and the API lists what the database holds.

WRITERS = 4
KILL_AFTER = 12


@dataclass(frozen=True)
class Write:
    """One write operation: `send(client, ctx, i)` makes the i-th request (paths under /v3)."""

    table: str
    send: Callable[[httpx.Client, dict[str, str], int], httpx.Response]
    event: str | None = None
    """The outbox event each new row comes with."""
    kind: str | None = None
    """The file-store folder holding one file per row (named by the row's ``file_key``)."""
    rule: str | None = None
    """SQL counting rows that break the resource's own rule (must be 0)."""
    listed: str | None = None
    """A list path (under /v3, `{...}` from ctx) showing every row of `table` made by the run."""
    id_column: str = "id"
    """The column holding the API's id."""


def _later() -> str:
    return (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()


def _coupon(c: httpx.Client, ctx: dict[str, str], i: int) -> httpx.Response:
    body = {"percent": 10, "code": f"KILL{i}", "maxUses": 5, "expiresAt": _later()}
    return c.post(f"/products/{ctx['product']}/coupons", json=body)


def _version(c: httpx.Client, ctx: dict[str, str], i: int) -> httpx.Response:
    from sandbox_content.files import zip_bytes

    fields = {"name": f"1.0.{i}", "changelog": "Crash test", "releaseType": "stable"}
    files = {"file": ("addon.zip", zip_bytes(1_000_000), "application/zip")}
    return c.post(f"/products/{ctx['product']}/versions", data=fields, files=files)


def _team(c: httpx.Client, ctx: dict[str, str], i: int) -> httpx.Response:
    return c.post("/teams", json={"name": f"Crash team {i}"})


def _token(c: httpx.Client, ctx: dict[str, str], i: int) -> httpx.Response:
    from gmodstore_sandbox.identity.totp import totp

    exchanged = c.post("/2fa/nonces/totp/exchange", json={"code": totp(ctx["totp_secret"])})
    if exchanged.status_code != 200:
        return exchanged
    headers = {"X-Two-Factor-Nonce": exchanged.json()["data"]["token"]}
    body = {"name": f"crash {i}", "abilities": ["users:read"]}
    return c.post("/me/personal-access-tokens", json=body, headers=headers)


def _endpoint(c: httpx.Client, ctx: dict[str, str], i: int) -> httpx.Response:
    # An event type the run never causes: the worker has nothing to send to these endpoints.
    body = {"url": f"http://127.0.0.1:9/hook/{i}", "filterTypes": ["product_review.deleted"]}
    return c.post(f"/teams/{ctx['team']}/webhook-endpoints", json=body)


def _attachment(c: httpx.Client, ctx: dict[str, str], i: int) -> httpx.Response:
    files = {"file": (f"log{i}.txt", b"x" * 500_000, "text/plain")}
    return c.post(f"/tickets/{ctx['ticket']}/attachments", files=files)


WRITES = {
    "coupon": Write(
        "product_coupons",
        _coupon,
        rule="SELECT COUNT(*) FROM (SELECT product_id, lower(code) FROM product_coupons "
        "GROUP BY product_id, lower(code) HAVING COUNT(*) > 1)",
        listed="/products/{product}/coupons",
    ),
    "version": Write(
        "product_versions",
        _version,
        event="product_version.created",
        kind="versions",
        listed="/products/{product}/versions",
    ),
    "team": Write(
        "teams",
        _team,
        # A team without its owner among its members is half a write.
        rule="SELECT COUNT(*) FROM teams t WHERE NOT EXISTS (SELECT 1 FROM team_members m "
        "WHERE m.team_id = t.id AND m.role = 'owner')",
    ),
    "token": Write(
        "access_tokens",
        _token,
        # A nonce is spent by the token it authorises, in the same transaction: as many spent
        # nonces as tokens the run made.
        rule="SELECT (SELECT COUNT(*) FROM two_factor_nonces WHERE used_at IS NOT NULL) "
        "- (SELECT COUNT(*) FROM access_tokens WHERE name LIKE 'crash %')",
        listed="/me/personal-access-tokens",
        id_column="public_id",
    ),
    "webhook endpoint": Write(
        "webhook_endpoints",
        _endpoint,
        rule="SELECT COUNT(*) FROM webhook_endpoints WHERE secret IS NULL OR secret = ''",
        listed="/teams/{team}/webhook-endpoints",
    ),
    "ticket attachment": Write(
        "ticket_attachments",
        _attachment,
        event="ticket_attachment.created",
        kind="tickets",
        listed="/tickets/{ticket}/attachments",
    ),
}


def _scalar(db: Path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def _ids(db: Path, table: str, column: str) -> set[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return {_hex(str(r[0])) for r in conn.execute(f"SELECT {column} FROM {table}")}
    finally:
        conn.close()


def _file_keys(db: Path, kind: str) -> set[str]:
    """The keys that rows name in `kind` (every table storing files there)."""
    tables = {"versions": ["product_versions"], "tickets": ["ticket_attachments"]}[kind]
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return {r[0] for t in tables for r in conn.execute(f"SELECT file_key FROM {t}")}
    finally:
        conn.close()


def _hammer(
    url: str, token: str, write: Write, ctx: dict[str, str]
) -> tuple[list[threading.Thread], list[str], list[str], list[int], threading.Event, set[int]]:
    """Start WRITERS threads repeating `write` until the server dies; collects the ids answered
    201, unexpected answers, and the requests cut by the kill."""
    acked: list[str] = []
    odd: list[str] = []
    cut: list[int] = []
    stop = threading.Event()
    counter = iter(range(10**6))
    lock = threading.Lock()

    def work() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url + "/v3", headers=headers, timeout=30) as client:
            while not stop.is_set():
                with lock:
                    i = next(counter)
                    in_flight.add(i)
                try:
                    response = write.send(client, ctx, i)
                except httpx.TransportError:
                    cut.append(i)
                    return  # the server is gone
                except Exception as exc:  # a dead writer must fail the test, not go quiet
                    odd.append(f"{type(exc).__name__}: {exc}")
                    return
                finally:
                    with lock:
                        in_flight.discard(i)
                if response.status_code == 201:
                    data = response.json()["data"]
                    acked.append(str(data.get("personalAccessToken", data)["id"]))
                else:
                    odd.append(f"{response.status_code} {response.text[:200]}")

    in_flight: set[int] = set()
    threads = [threading.Thread(target=work, daemon=True) for _ in range(WRITERS)]
    for t in threads:
        t.start()
    return threads, acked, odd, cut, stop, in_flight


@pytest.mark.parametrize("name", sorted(WRITES))
def test_kill_9_mid_write_leaves_a_consistent_database_and_no_orphan_file(
    tmp_path: Path, name: str
) -> None:
    from gmodstore_sandbox.testing import run_sandbox

    write = WRITES[name]
    db = tmp_path / "crash.db"
    database_url = f"sqlite:///{db}"
    with run_sandbox(database_url) as sb:
        ctx = {
            "product": sb.ids.product_id,
            "team": sb.ids.team_id,
            "ticket": sb.ids.ticket_ids[0],
            "totp_secret": _totp_secret(db, sb.ids.owner_user_id),
        }
        token = sb.token
    before_rows = _scalar(db, f"SELECT COUNT(*) FROM {write.table}")
    event_sql = f"SELECT COUNT(*) FROM outbox WHERE event_type = '{write.event}'"
    before_events = _scalar(db, event_sql) if write.event else 0
    log = tmp_path / "server.log"

    with _server(database_url, log) as (proc, url):
        threads, acked, odd, cut, stop, in_flight = _hammer(url, token, write, ctx)
        deadline = time.monotonic() + 60
        while _scalar(db, f"SELECT COUNT(*) FROM {write.table}") < before_rows + KILL_AFTER:
            assert not odd, odd[:3]
            assert time.monotonic() < deadline, "the writes are too slow to be killed mid-run"
            time.sleep(0.01)
        # Kill while most writers are inside a request (on a loaded machine they can all be
        # between two requests at the moment the row count is reached).
        while len(in_flight) < WRITERS - 1:
            assert not odd, odd[:3]
            assert time.monotonic() < deadline, "the writers never overlapped"
            time.sleep(0.001)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join(60)
    assert not odd, odd[:3]
    assert cut, "no request was in flight when the server was killed"
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]

    # On the dead server's file.
    _check_integrity(db)
    made = _scalar(db, f"SELECT COUNT(*) FROM {write.table}") - before_rows
    assert made >= KILL_AFTER
    assert {_hex(a) for a in acked} <= _ids(db, write.table, write.id_column), (
        "a write answered 201 was lost"
    )
    if write.event:
        events = _scalar(db, event_sql) - before_events
        assert events == made, f"{made} new rows but {events} {write.event} events"
    if write.rule:
        assert _scalar(db, write.rule) == 0, write.rule

    # After a restart: the file store and the API agree with the database.
    with _server(database_url, log) as (_proc, url):
        if write.kind:
            root = db.with_name(db.stem + "-files")
            stored = {p.name for p in (root / write.kind).iterdir()}
            keys = _file_keys(db, write.kind)
            assert stored - keys == set(), "orphan files: no row names them"
            assert keys - stored == set(), "rows whose file is missing"
            temporary = [p for p in (root / "tmp").rglob("*") if p.is_file() and p.name != ".lock"]
            assert temporary == [], "an upload's temporary file survived the restart"
        if write.listed:
            path = write.listed.format(**ctx)
            headers = {"Authorization": f"Bearer {token}"}
            listed = _list_all(f"{url}/v3{path}", headers)
            assert {_hex(a) for a in acked} <= listed
            assert len(listed) >= made


def _list_all(url: str, headers: dict[str, str]) -> set[str]:
    found: set[str] = set()
    params: dict[str, Any] = {"perPage": 100}
    while True:
        page = httpx.get(url, params=params, headers=headers, timeout=30)
        assert page.status_code == 200, page.text
        body = page.json()
        found |= {_hex(str(row["id"])) for row in body["data"]}
        cursor = (body.get("cursors") or {}).get("next")
        if not cursor:
            return found
        params = {"perPage": 100, "cursor": cursor}


def _totp_secret(db: Path, user_id: str) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute("SELECT id, totp_secret FROM users").fetchall()
    finally:
        conn.close()
    return next(secret for uid, secret in rows if _hex(str(uid)) == _hex(user_id))
