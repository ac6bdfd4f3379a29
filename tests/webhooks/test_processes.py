"""Several sandbox server processes on one database (SQLite and PostgreSQL): each attempt is made by
exactly one process, never twice at once; SIGTERM stops a server within the deadline plus a second.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, select

from gmodstore_sandbox.storage.db import make_engine
from gmodstore_sandbox.testing import Sandbox, run_sandbox
from gmodstore_sandbox.webhooks import admin
from gmodstore_sandbox.webhooks.tables import WebhookDelivery
from gmodstore_sdk import ApiClient, Configuration
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

from .faults import FaultyReceiver, overlapping

pytestmark = pytest.mark.slow  # each test starts one or two server processes

POSTGRES_ENV = "GMODSTORE_TEST_POSTGRES_URL"
TIMEOUT = 1.5
WORKER_ENV = {
    "GMODSTORE_SANDBOX_WEBHOOK_POLL_INTERVAL": "0.02",
    # Retries a little later than at once, so that the receiver (threads in this busy process) has
    # seen the previous attempt's hang-up before the next one arrives.
    "GMODSTORE_SANDBOX_WEBHOOK_RETRY_BACKOFF": "0.3",
    "GMODSTORE_SANDBOX_WEBHOOK_TIMEOUT": str(TIMEOUT),
    # A short lease: the deadline, not a generous margin, is what keeps a second process off an
    # attempt in flight.
    "GMODSTORE_SANDBOX_WEBHOOK_LEASE_MARGIN": "0.3",
    "GMODSTORE_SANDBOX_WEBHOOK_MAX_ATTEMPTS": "100",
}


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def sb(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    for name, value in WORKER_ENV.items():
        monkeypatch.setenv(name, value)
    url = None
    if request.param == "postgres":
        url = os.environ.get(POSTGRES_ENV)
        if not url:
            pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    with run_sandbox(url) as sb:
        yield sb


@pytest.fixture
def engine(sb: Sandbox) -> Iterator[Engine]:
    engine = make_engine(sb.database_url, pool_size=2)
    yield engine
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server_process(
    database_url: str, *, workers: int = 0, **env: str
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A second sandbox server: its own process (uvicorn), the same database; and its URL.

    With `workers`, ``gmodstore sandbox serve --workers N`` instead: N processes on one port.
    """
    port = _free_port()
    environment = {
        **os.environ,
        **WORKER_ENV,
        **env,
        "GMODSTORE_SANDBOX_DATABASE_URL": database_url,
        "GMODSTORE_SANDBOX_RATE_LIMIT": "0",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "gmodstore_sandbox.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    if workers:
        command = [sys.executable, "-c", "from gmodstore_sandbox.cli import app; app()"]
        command += ["serve", "--workers", str(workers), "--port", str(port), "--rate-limit", "0"]
        command += ["--database-url", database_url]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the second server did not start") from None
                time.sleep(0.1)
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(15)


def grant(sb: Sandbox, count: int, *, url: str | None = None) -> list[str]:
    config = Configuration(host=url or sb.url, access_token=sb.token, api_path="/v3")
    with ApiClient(config) as client:
        api = ProductPurchasesApi(client)
        return [
            api.create_product_purchase(sb.ids.product_id, {"userId": sb.new_user()}).data.id
            for _ in range(count)
        ]


def test_two_processes_never_send_one_attempt_twice_at_once(sb, engine):
    with FaultyReceiver("drip-body", drip_every=0.1) as receiver:
        admin.add_endpoint(engine, team=sb.ids.team_id, url=receiver.url)
        with server_process(sb.database_url):
            grant(sb, 3)
            # Every attempt drips until its deadline; the leases expire soon after, and both
            # processes keep retrying.
            receiver.wait_until(lambda r: len(r.hits) >= 9, timeout=20)
        sb.stop()
        receiver.wait_until(lambda r: all(h.closed is not None for h in r.hits), timeout=5)
    hits = list(receiver.hits)
    assert overlapping(hits) == [], [(a.arrived, a.closed, b.arrived) for a, b in overlapping(hits)]
    assert len({h.webhook_id for h in hits}) == 3
    for hit in hits:
        assert hit.closed - hit.arrived < TIMEOUT + 1, hit  # the deadline plus a second


@pytest.mark.parametrize(
    "workers",
    [pytest.param(0, id="process"), pytest.param(2, id="serve-2")],
)
def test_two_processes_deliver_each_event_once(sb, engine, workers):
    if workers:
        sb.stop()  # `serve --workers 2` alone: its two processes share the deliveries
    with FaultyReceiver("fast") as receiver:
        admin.add_endpoint(engine, team=sb.ids.team_id, url=receiver.url)
        with server_process(sb.database_url, workers=workers) as (_, url):
            purchases = grant(sb, 20, url=url)
            receiver.wait_until(lambda r: len(r.hits) >= 20, timeout=20)
            time.sleep(0.5)  # time for a duplicate to show up, if one were coming
    assert sorted(h.body["data"]["id"] for h in receiver.hits) == sorted(purchases)
    assert Counter(h.webhook_id for h in receiver.hits).most_common(1)[0][1] == 1
    with engine.connect() as conn:
        tries = conn.execute(select(WebhookDelivery.status, WebhookDelivery.tries)).all()
    assert Counter(tuple(t) for t in tries) == {("delivered", 1): 20}


def test_sigterm_stops_a_server_within_the_deadline_and_a_second(sb, engine):
    sb.stop()  # only the process below delivers
    with FaultyReceiver("drip-body", drip_every=0.1) as receiver:
        admin.add_endpoint(engine, team=sb.ids.team_id, url=receiver.url)
        with server_process(sb.database_url, GMODSTORE_SANDBOX_WEBHOOK_TIMEOUT="3") as (
            process,
            url,
        ):
            [purchase_id] = grant(sb, 1, url=url)
            receiver.wait_until(lambda r: len(r.hits) >= 1, timeout=10)
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(30)
            stopped_in = time.monotonic() - started
        assert stopped_in < 3 + 1, stopped_in
        assert receiver.hits[0].body["data"]["id"] == purchase_id
        receiver.mode = "fast"
        with server_process(sb.database_url):
            receiver.wait_until(lambda r: len(r.hits) >= 2, timeout=10)
    # After the restart the same message is sent again, with the same webhook id.
    assert receiver.hits[1].webhook_id == receiver.hits[0].webhook_id
