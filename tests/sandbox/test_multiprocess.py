"""Several server processes on one database (issue 10 §4): one rate limit, one cursor key, each
webhook delivered by one process; plus ``serve --workers N`` and the failed-auth budget.

Real ``gmodstore sandbox serve`` processes, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from gmodstore_sandbox.admin import SandboxSeed, seed_testing
from gmodstore_sandbox.storage.db import create_tables, make_engine
from gmodstore_sandbox.testing import _fresh_postgres, run_sandbox
from gmodstore_sandbox.webhooks import admin as webhooks_admin

from .conftest import bearer, purchases_path
from .test_crash import _free_port

POSTGRES_ENV = "GMODSTORE_TEST_POSTGRES_URL"
LIMIT = 20

pytestmark = pytest.mark.slow  # starts server processes


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, SandboxSeed]]:
    """A seeded database nobody serves yet."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'shared.db'}"
        else:
            server = os.environ.get(POSTGRES_ENV)
            if not server:
                pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
            url = stack.enter_context(_fresh_postgres(server))
        engine = make_engine(url, pool_size=1)
        create_tables(engine)
        seed = seed_testing(engine)
        engine.dispose()
        yield url, seed


@contextlib.contextmanager
def _serve(url: str, *extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    port = _free_port()
    code = "from gmodstore_sandbox.cli import app; app()"
    args = ["serve", "--port", str(port), "--database-url", url, *extra]
    environment = {**os.environ, "GMODSTORE_SANDBOX_WEBHOOK_POLL_INTERVAL": "0.05", **(env or {})}
    with subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment,
    ) as server:
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, server)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    # Generous: N worker processes import the whole stack at once, on a possibly busy machine.
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(url + "/openapi.json", timeout=5)
            return
        except httpx.TransportError:
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)


def _get(base: str, token: str, path: str) -> httpx.Response:
    # A fresh connection per request, so `--workers` spreads them over the processes.
    with httpx.Client(base_url=base, headers=bearer(token), timeout=30) as client:
        return client.get(path)


def test_two_processes_share_one_rate_limit_exactly(database: tuple[str, SandboxSeed]) -> None:
    url, seed = database
    rate = ("--rate-limit", str(LIMIT))
    path = purchases_path("/v3", seed.ids.product_id, seed.ids.purchase_ids[0])
    with _serve(url, *rate) as first, _serve(url, *rate) as second:
        with ThreadPoolExecutor(12) as pool:
            answers = list(
                pool.map(lambda i: _get((first, second)[i % 2], seed.tokens.token, path), range(60))
            )
    statuses = [r.status_code for r in answers]
    assert statuses.count(200) == LIMIT and statuses.count(429) == 60 - LIMIT, statuses
    remaining = sorted(int(r.headers["x-ratelimit-remaining"]) for r in answers if r.is_success)
    assert remaining == list(range(LIMIT)), "each counted request got its own place in the window"


def test_cursors_work_on_every_process(database: tuple[str, SandboxSeed]) -> None:
    url, seed = database
    list_path = purchases_path("/v3", seed.ids.product_id)
    with _serve(url, "--rate-limit", "0") as first, _serve(url, "--rate-limit", "0") as second:
        nexts = [
            _get(base, seed.tokens.token, list_path + "?perPage=1").json()["cursors"]["next"]
            for base in (first, second)
        ]
        assert nexts[0] == nexts[1], "both processes sign with the database's cursor key"
        pages = [
            _get(
                (first, second)[i % 2],
                seed.tokens.token,
                f"{list_path}?perPage=1&cursor={nexts[0]}",
            )
            for i in range(20)
        ]
    assert [p.status_code for p in pages] == [200] * 20
    assert {p.json()["data"][0]["id"] for p in pages} == {seed.ids.purchase_ids[1]}
    # And after every process is gone: the key lives in the database.
    with _serve(url, "--rate-limit", "0") as again:
        page = _get(again, seed.tokens.token, f"{list_path}?perPage=1&cursor={nexts[0]}")
    assert page.status_code == 200


def test_serve_workers_shares_the_limit(database: tuple[str, SandboxSeed]) -> None:
    url, seed = database
    path = purchases_path("/api/v3", seed.ids.product_id, seed.ids.purchase_ids[0])
    with _serve(url, "--workers", "2", "--rate-limit", str(LIMIT)) as base:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: _get(base, seed.tokens.token, path), range(40)))
    statuses = [r.status_code for r in answers]
    assert statuses.count(200) == LIMIT, statuses


class _Receiver(BaseHTTPRequestHandler):
    seen: list[str] = []
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["content-length"]))
        with self.lock:
            self.seen.append(self.headers["webhook-id"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_each_webhook_is_delivered_by_one_process(database: tuple[str, SandboxSeed]) -> None:
    url, seed = database
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.seen = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    engine = make_engine(url, pool_size=1)
    try:
        webhooks_admin.add_endpoint(
            engine,
            team=seed.ids.team_id,
            url=f"http://127.0.0.1:{receiver.server_address[1]}/hook",
        )
        product = seed.ids.empty_product_id
        with _serve(url, "--rate-limit", "0") as first, _serve(url, "--rate-limit", "0") as second:
            with httpx.Client(headers=bearer(seed.tokens.token), timeout=30) as client:
                for i, user in enumerate(seed.ids.free_user_ids[:12]):
                    base = (first, second)[i % 2]
                    created = client.post(
                        base + purchases_path("/v3", product), json={"userId": user}
                    )
                    assert created.status_code == 201, created.text
            deadline = time.monotonic() + 30
            while len(_Receiver.seen) < 12 and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1.0)  # a second copy would arrive by now
    finally:
        engine.dispose()
        receiver.shutdown()
        receiver.server_close()
    assert len(_Receiver.seen) == 12, _Receiver.seen
    assert len(set(_Receiver.seen)) == 12, "a webhook-id was sent by two processes"


def test_failed_authentication_is_limited_per_address() -> None:
    with run_sandbox(auth_failure_limit=5, rate_limit_window=30) as sb:
        app = sb._server._server.config.app  # type: ignore[union-attr]
        service = app.state.service
        lookups = []
        real = service.authenticate

        def counting(token: str) -> object:
            lookups.append(token)
            return real(token)

        service.authenticate = counting
        path = purchases_path("/v3", sb.ids.product_id)
        with httpx.Client(base_url=sb.url, timeout=10) as client:
            statuses = [
                client.get(path, headers=bearer(f"gms_guess{i}")).status_code for i in range(50)
            ]
            refused = client.get(path, headers=bearer("gms_another"))
    assert statuses[:5] == [401] * 5 and set(statuses[6:]) == {429}, statuses
    assert len(lookups) <= 6, f"{len(lookups)} token lookups for 50 guesses"
    assert int(refused.headers["retry-after"]) >= 1
    assert json.loads(refused.text) == {"message": "Too Many Attempts."}
