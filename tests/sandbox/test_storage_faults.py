"""Storage faults while serving (issue 10 §4): a read-only file, a deleted file, a write lock held
by another process. A real SQLite file under a real sandbox; 503 JSON, never 500, and recovery.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from gmodstore_sandbox.testing import Sandbox, run_sandbox

from .conftest import bearer, purchases_path

pytestmark = pytest.mark.slow


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with run_sandbox(write_timeout=1.0, rate_limit=1000) as sandbox:
        yield sandbox


def _db_path(sb: Sandbox) -> Path:
    return Path(sb.database_url.removeprefix("sqlite:///"))


def _set_readonly(path: Path, readonly: bool) -> None:
    """Read-only for this server process; as root, permissions do not stop writes: use chattr."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i" if readonly else "-i", str(path)], check=True)
    else:
        path.chmod(0o444 if readonly else 0o644)


def _create_many(sb: Sandbox, users: list[str], at_once: int = 16) -> list[httpx.Response]:
    path = purchases_path("/v3", sb.ids.empty_product_id)
    limits = httpx.Limits(max_connections=at_once)
    with httpx.Client(
        base_url=sb.url, headers=bearer(sb.token), timeout=30, limits=limits
    ) as client:
        with ThreadPoolExecutor(at_once) as pool:
            return list(pool.map(lambda u: client.post(path, json={"userId": u}), users))


def test_readonly_file_is_503_then_recovers_by_itself(sb: Sandbox) -> None:
    db = _db_path(sb)
    users = [sb.new_user() for _ in range(80)]
    _set_readonly(db, True)
    try:
        during = _create_many(sb, users[:40])
        read = httpx.get(
            sb.url + purchases_path("/v3", sb.ids.product_id), headers=bearer(sb.token)
        )
    finally:
        _set_readonly(db, False)
    after = _create_many(sb, users[40:])
    assert read.status_code == 200, "reads keep working while the file is read-only"
    assert 500 not in [r.status_code for r in during]
    refused = [r for r in during if r.status_code == 503]
    assert refused and all("read-only" in r.json()["message"] for r in refused)
    assert all(r.headers["retry-after"] == "1" for r in refused)
    # Recovered: no write is refused as read-only any more. Sixteen writers at once, and the webhook
    # worker catching up on its backlog, may still make one wait past the 1 s write timeout: that
    # is the retryable "busy" 503, and a client resending it (as the SDK does) gets its 201.
    assert not [r for r in after if r.status_code == 503 and "read-only" in r.json()["message"]]
    busy = [u for u, r in zip(users[40:], after, strict=True) if r.status_code == 503]
    assert all("busy" in r.json()["message"] for r in after if r.status_code == 503)
    assert len(busy) <= 4, f"{len(busy)} of 40 writes were busy after the recovery"
    again = _create_many(sb, busy, at_once=1) if busy else []
    statuses = [r.status_code for r in after if r.status_code != 503] + [
        r.status_code for r in again
    ]
    assert statuses == [201] * 40, [r.text for r in [*after, *again] if r.is_error]


def test_deleted_file_refuses_writes_with_503_and_an_error_line(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    db = _db_path(sb)
    user = sb.new_user()
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    with caplog.at_level(logging.ERROR, logger="gmodstore_sandbox"):
        answers = _create_many(sb, [user] * 3)
    assert [r.status_code for r in answers] == [503] * 3
    assert "deleted" in answers[0].json()["message"]
    errors = [
        r for r in caplog.records if r.levelno == logging.ERROR and r.name == "gmodstore_sandbox"
    ]
    assert len(errors) == 1 and "deleted" in errors[0].getMessage()


_HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_reads_stay_answerable_while_writers_wait_for_a_lock(sb: Sandbox) -> None:
    users = [sb.new_user() for _ in range(60)]
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(_db_path(sb)), "10"], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
        with ThreadPoolExecutor(1) as background:
            writes = background.submit(_create_many, sb, users, len(users))
            time.sleep(0.5)  # the writers are queued behind the lock now
            item = purchases_path("/v3", sb.ids.product_id, sb.ids.purchase_ids[0])
            with httpx.Client(base_url=sb.url, headers=bearer(sb.token), timeout=30) as client:
                started = time.monotonic()
                reads = [client.get(item).status_code for _ in range(5)]
                read_time = time.monotonic() - started
            started = time.monotonic()
            answers = writes.result(60)
            write_time = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert reads == [200] * 5
    assert read_time < 1.0, f"5 reads took {read_time:.1f} s behind waiting writers"
    statuses = [r.status_code for r in answers]
    assert set(statuses) == {503}, statuses
    assert all(set(r.json()) == {"message"} for r in answers)
    # 60 writers, 4 at a time, each waiting at most ~1 s for a slot and ~1 s for the lock.
    assert write_time < 6, f"writers were answered {write_time:.1f} s after the reads"


@pytest.mark.postgres
def test_postgres_row_lock_makes_writes_503_and_reads_answer() -> None:
    server = os.environ.get("GMODSTORE_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("PostgreSQL tests need GMODSTORE_TEST_POSTGRES_URL")
    with run_sandbox(server, write_timeout=1.0) as sb:
        purchase = sb.ids.purchase_ids[0]
        item = purchases_path("/v3", sb.ids.product_id, purchase)
        engine = create_engine(sb.database_url)
        try:
            with engine.connect() as holder, holder.begin():
                holder.execute(
                    text("SELECT 1 FROM purchases WHERE id = :id FOR UPDATE"),
                    {"id": uuid.UUID(purchase)},
                )
                with httpx.Client(base_url=sb.url, headers=bearer(sb.token), timeout=30) as client:
                    with ThreadPoolExecutor(8) as pool:
                        started = time.monotonic()
                        puts = pool.map(
                            lambda _: client.put(item, json={"revoked": True}), range(8)
                        )
                        read = client.get(item)
                        read_time = time.monotonic() - started
                        answers = list(puts)
                        write_time = time.monotonic() - started
        finally:
            engine.dispose()
    assert read.status_code == 200 and read_time < 1.0, read_time
    assert [r.status_code for r in answers] == [503] * 8, [r.text for r in answers]
    # Writers that got a slot met the lock ("busy"); on a loaded machine some time out waiting for
    # a slot first ("Too many writes are waiting"): both are the 503 a client retries.
    messages = [r.json()["message"] for r in answers]
    assert any("busy" in m for m in messages), messages
    assert all("busy" in m or "Too many writes" in m for m in messages), messages
    assert write_time < 5, write_time
