"""Bounded input, read only after authorization (issue 10 §3), against a real sandbox.

Raw sockets where httpx would not send what a hostile client sends (a declared size it never
sends, a chunked body without end, a hang-up mid-body).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.testclient import TestClient

from gmodstore_sandbox.api import deps
from gmodstore_sandbox.ratelimit import RateLimiter
from gmodstore_sandbox.settings import Settings
from gmodstore_sandbox.testing import Sandbox, run_sandbox

from .conftest import bearer, purchases_path

LIMIT = 20_000


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with run_sandbox(json_body_limit=LIMIT) as sandbox:
        yield sandbox


def _raw(sb: Sandbox, head: bytes, body: bytes = b"", *, wait: float = 5.0) -> bytes:
    """Send `head` + `body` on a fresh connection; return what the server answers within `wait`."""
    with socket.create_connection(("127.0.0.1", sb.port), timeout=wait) as sock:
        sock.sendall(head + body)
        data = b""
        deadline = time.monotonic() + wait
        while b"\r\n\r\n" not in data or not _complete(data):
            if time.monotonic() > deadline:
                break
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            data += chunk
        return data


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def _post_head(sb: Sandbox, token: str, length: int | None, *, product: str | None = None) -> bytes:
    path = purchases_path("/v3", product or sb.ids.empty_product_id)
    size = b"Transfer-Encoding: chunked" if length is None else b"Content-Length: %d" % length
    return (
        b"POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
        b"Content-Type: application/json\r\n%s\r\n\r\n" % (path.encode(), token.encode(), size)
    )


def test_declared_size_over_the_limit_is_413_before_any_byte_is_read(sb: Sandbox) -> None:
    start = time.monotonic()
    answer = _raw(sb, _post_head(sb, sb.token, 500_000_000))  # the 500 MB are never sent
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"message":"The request body is larger than the limit of 20000 bytes."' in answer
    assert b"x-ratelimit-remaining" in answer.lower()
    assert time.monotonic() - start < 2


def test_chunked_body_is_cut_off_at_the_limit(sb: Sandbox) -> None:
    chunk = b"%x\r\n%s\r\n" % (4096, b" " * 4096)
    answer = _raw(sb, _post_head(sb, sb.token, None), chunk * (LIMIT // 4096 + 2))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_body_at_the_limit_is_read(sb: Sandbox) -> None:
    user = sb.new_user()
    body = b'{"userId": "%s"}' % user.encode()
    body += b" " * (LIMIT - len(body))
    with httpx.Client(base_url=sb.url, headers=bearer(sb.token)) as client:
        path = purchases_path("/v3", sb.ids.empty_product_id)
        ok = client.post(path, content=body, headers={"content-type": "application/json"})
        over = client.post(path, content=body + b" ", headers={"content-type": "application/json"})
    assert ok.status_code == 201, ok.text
    assert over.status_code == 413


@pytest.mark.parametrize(
    ("who", "status"),
    [("read_token", b"403"), ("other_team_token", b"403"), ("expired_token", b"401")],
)
def test_no_body_is_read_for_a_caller_without_access(sb: Sandbox, who: str, status: bytes) -> None:
    """A 50 MB body that never arrives: the answer must come from the headers alone."""
    start = time.monotonic()
    answer = _raw(sb, _post_head(sb, getattr(sb, who), 50_000_000 if who else 0), wait=3)
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:200]
    assert time.monotonic() - start < 2


def test_unknown_product_with_a_body_is_404_without_reading_it(sb: Sandbox) -> None:
    answer = _raw(sb, _post_head(sb, sb.token, 10_000, product=sb.ids.free_user_ids[0]), wait=3)
    assert answer.startswith(b"HTTP/1.1 404"), answer[:200]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_logs() -> Iterator[list[logging.LogRecord]]:
    """Everything the in-process server logs (uvicorn's loggers do not propagate to root)."""
    handler = _Records()
    loggers = [logging.getLogger(n) for n in ("gmodstore_sandbox", "uvicorn.error", "uvicorn")]
    for each in loggers:
        each.addHandler(handler)
    try:
        yield handler.records
    finally:
        for each in loggers:
            each.removeHandler(handler)


def test_client_hanging_up_mid_body_is_one_warning(
    sb: Sandbox, server_logs: list[logging.LogRecord]
) -> None:
    with socket.create_connection(("127.0.0.1", sb.port)) as sock:
        sock.sendall(_post_head(sb, sb.token, 5000) + b'{"userId": ')
        time.sleep(0.3)
    deadline = time.monotonic() + 3
    while not server_logs and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    lines = [(r.levelname, r.getMessage()) for r in server_logs]
    assert [level for level, _ in lines] == ["WARNING"], lines
    assert "disconnected" in lines[0][1]


def test_a_500_is_logged_once(
    sb: Sandbox, server_logs: list[logging.LogRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    app: Any = sb._server._server.config.app  # type: ignore[union-attr]

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.state.service, "get_purchase", broken)
    path = purchases_path("/v3", sb.ids.product_id, sb.ids.purchase_ids[0])
    response = httpx.get(sb.url + path, headers=bearer(sb.token))
    assert response.status_code == 500 and response.json() == {"message": "Server Error."}
    time.sleep(0.2)
    errors = [r for r in server_logs if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None, [r.getMessage() for r in errors]


def test_default_json_limit_is_one_megabyte() -> None:
    assert Settings().json_body_limit == 1_000_000


def test_read_json_parses_off_the_event_loop_with_a_route_limit() -> None:
    """The helper new routes use: a route-level limit, and the parser runs in a worker thread."""
    threads: list[str] = []

    def parse(body: bytes) -> int:
        threads.append(threading.current_thread().name)
        return len(body)

    app = FastAPI()
    app.state.settings = Settings(json_body_limit=10)
    app.state.limiter = RateLimiter(limit=0, window=60)

    @app.post("/upload")
    async def upload(request: Request) -> JSONResponse:
        size = await deps.read_json(request, parse, limit=100)
        return JSONResponse({"size": size})

    @app.exception_handler(Exception)
    async def error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": type(exc).__name__}, 500)

    loop_thread = threading.current_thread().name
    with TestClient(app, raise_server_exceptions=False) as client:
        json = {"content-type": "application/json"}
        ok = client.post("/upload", content=b"[" + b"1," * 40 + b"1]", headers=json)
        over = client.post("/upload", content=b"[" + b"1," * 60 + b"1]", headers=json)
    assert ok.json() == {"size": 83}
    assert over.json() == {"error": "PayloadTooLarge"}
    assert threads and all(name != loop_thread for name in threads)
    assert all("AnyIO" in name or "worker" in name.lower() for name in threads), threads
