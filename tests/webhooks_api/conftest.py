"""Fixtures for the webhook API tests: a sandbox per test (SQLite and PostgreSQL), SDK clients with
the webhook scopes, and a loopback receiver that records what it is sent."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gmodstore_sandbox.testing import Sandbox, run_sandbox
from gmodstore_sdk import ApiClient, Configuration
from gmodstore_sdk.api.team_webhook_endpoints_api import TeamWebhookEndpointsApi
from gmodstore_sdk.api.team_webhook_messages_api import TeamWebhookMessagesApi

POSTGRES_ENV = "GMODSTORE_TEST_POSTGRES_URL"
WEBHOOK_SCOPES = (
    "product-purchases:read",
    "product-purchases:write",
    "team-webhook-endpoints:read",
    "team-webhook-endpoints:write",
    "team-webhook-messages:read",
)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    monkeypatch.setenv("GMODSTORE_SANDBOX_WEBHOOK_POLL_INTERVAL", "0.02")
    monkeypatch.setenv("GMODSTORE_SANDBOX_WEBHOOK_RETRY_BACKOFF", "0.05")
    monkeypatch.setenv("GMODSTORE_SANDBOX_WEBHOOK_TIMEOUT", "5")
    if request.param == "sqlite":
        return None
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    return url


@pytest.fixture
def sb(database_url: str | None) -> Iterator[Sandbox]:
    with run_sandbox(database_url) as sb:
        yield sb


@pytest.fixture
def token(sb: Sandbox) -> str:
    """A member of team A with the purchase and webhook scopes."""
    return sb.new_token(scopes=WEBHOOK_SCOPES, team="a")


@pytest.fixture
def client(sb: Sandbox, token: str) -> Iterator[ApiClient]:
    with ApiClient(Configuration(host=sb.url, access_token=token, api_path="/v3")) as client:
        yield client


@pytest.fixture
def endpoints(client: ApiClient) -> TeamWebhookEndpointsApi:
    return TeamWebhookEndpointsApi(client)


@pytest.fixture
def messages(client: ApiClient) -> TeamWebhookMessagesApi:
    return TeamWebhookMessagesApi(client)


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, str]


@dataclass
class Recorder:
    """A loopback receiver: records every POST, answers `status` (settable)."""

    status: int = 204
    deliveries: list[Delivery] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def start(self) -> None:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with recorder._changed:
                    recorder.deliveries.append(Delivery(body, headers))
                    recorder._changed.notify_all()
                    status = recorder.status
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def wait(self, condition: Callable[[list[Delivery]], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self.deliveries):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out with {len(self.deliveries)} deliveries")
                self._changed.wait(remaining)

    def wait_count(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        self.wait(lambda d: len(d) >= count, timeout)
        return list(self.deliveries)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    recorder.start()
    yield recorder
    recorder.stop()


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)
