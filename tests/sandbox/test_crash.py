"""A server killed with SIGKILL in the middle of writes leaves no partial row behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from gmodstore_sandbox.admin import seed_testing
from gmodstore_sandbox.storage.db import create_tables, make_engine
from gmodstore_sandbox.storage.tables import OutboxEvent, Purchase
from gmodstore_sandbox.testing import _fresh_postgres

from .conftest import bearer, purchases_path

USERS = 400
KILL_AFTER = 40
POSTGRES_ENV = "GMODSTORE_TEST_POSTGRES_URL"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/openapi.json")
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)


def _hammer(
    url: str, token: str, product: str, users: list[str], kill: Callable[[], None]
) -> set[str]:
    """Create a purchase per user and revoke it; `kill` the server after `KILL_AFTER` creates.

    Returns the ids of the purchases whose creation was answered with 201.
    """
    created: set[str] = set()
    lock = threading.Lock()
    client = httpx.Client(base_url=url, headers=bearer(token), timeout=10)

    def work(user: str) -> None:
        try:
            response = client.post(purchases_path("/v3", product), json={"userId": user})
            if response.status_code != 201:
                return
            purchase = response.json()["data"]["id"]
            with lock:
                created.add(purchase)
                if len(created) == KILL_AFTER:
                    kill()
            client.put(purchases_path("/v3", product, purchase), json={"revoked": True})
        except httpx.TransportError:
            pass

    with client, ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(work, users))
    return created


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


@pytest.mark.slow
def test_sigkill_mid_writes_leaves_no_partial_rows(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1)
    create_tables(engine)
    seed = seed_testing(engine, purchases=0, free_users=USERS)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    code = "from gmodstore_sandbox.cli import app; app()"
    args = ["serve", "--port", str(port), "--rate-limit", "0", "--database-url", database_url]
    with subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as server:
        try:
            _wait_until_up(url)
            token, product = seed.tokens.token, seed.ids.empty_product_id
            created = _hammer(
                url,
                token,
                product,
                seed.ids.free_user_ids,
                lambda: os.kill(server.pid, signal.SIGKILL),
            )
        finally:
            server.kill()
    assert KILL_AFTER <= len(created) < USERS, "the server was not killed mid-run"
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        purchases = {
            row.id: row.revoked for row in conn.execute(select(Purchase.id, Purchase.revoked))
        }
        events: dict[object, list[str]] = defaultdict(list)
        for event in conn.execute(select(OutboxEvent).order_by(OutboxEvent.seq)):
            events[event.purchase_id].append(event.event_type)
    engine.dispose()
    assert {str(p) for p in purchases} >= created
    assert set(events) == set(purchases), "an event without its purchase, or the reverse"
    for purchase, revoked in purchases.items():
        expected = ["product_purchase.created"] + ["product_purchase.revoked"] * revoked
        assert events[purchase] == expected
