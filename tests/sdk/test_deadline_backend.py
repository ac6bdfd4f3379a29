"""The network backend that caps every connect, read and write by the attempt's stop."""

from __future__ import annotations

import ssl
import time
from typing import Any

import httpcore
import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk._deadline import (
    ATTEMPT_END,
    AsyncDeadlineBackend,
    DeadlineBackend,
    install,
)
from gmodstore_sdk._limits import timeout_hint
from gmodstore_sdk._operation import Recovery
from gmodstore_sdk._recovery import created_too_early, pick_row

from .conftest import config


class Recorder:
    """A stream / backend double: records the timeout of each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float | None]] = []

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.calls.append(("read", timeout))
        return b"x"

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.calls.append(("write", timeout))

    def close(self) -> None:
        self.calls.append(("close", None))

    def start_tls(self, ctx: Any, server_hostname: str | None = None, timeout: float | None = None):
        self.calls.append(("tls", timeout))
        return self

    def get_extra_info(self, info: str) -> Any:
        return f"info:{info}"

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, *rest: Any):
        self.calls.append(("tcp", timeout))
        return self

    def connect_unix_socket(self, path: str, timeout: float | None = None, *rest: Any):
        self.calls.append(("unix", timeout))
        return self

    def sleep(self, seconds: float) -> None:
        self.calls.append(("sleep", seconds))


class AsyncRecorder(Recorder):
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # type: ignore[override]
        return Recorder.read(self, max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # type: ignore[override]
        Recorder.write(self, buffer, timeout)

    async def aclose(self) -> None:
        Recorder.close(self)

    async def start_tls(self, ctx: Any, server_hostname: str | None = None, timeout=None):  # type: ignore[override]
        return Recorder.start_tls(self, ctx, server_hostname, timeout)

    async def connect_tcp(self, host: str, port: int, timeout=None, *rest: Any):  # type: ignore[override]
        return Recorder.connect_tcp(self, host, port, timeout)

    async def connect_unix_socket(self, path: str, timeout=None, *rest: Any):  # type: ignore[override]
        return Recorder.connect_unix_socket(self, path, timeout)

    async def sleep(self, seconds: float) -> None:  # type: ignore[override]
        Recorder.sleep(self, seconds)


def _sync(rec: Recorder) -> None:
    backend = DeadlineBackend(rec)  # type: ignore[arg-type]
    stream = backend.connect_tcp("h", 1, timeout=10)
    stream.read(1, timeout=None)
    stream.write(b"x", timeout=10)
    tls = stream.start_tls(ssl.create_default_context(), "h", timeout=10)
    assert tls.get_extra_info("socket") == "info:socket"
    tls.close()
    backend.connect_unix_socket("/s", timeout=None)
    backend.sleep(0.5)


def test_without_a_stop_timeouts_pass_through() -> None:
    rec = Recorder()
    _sync(rec)
    assert rec.calls == [
        ("tcp", 10),
        ("read", None),
        ("write", 10),
        ("tls", 10),
        ("close", None),
        ("unix", None),
        ("sleep", 0.5),
    ]


def test_with_a_stop_every_call_gets_at_most_the_time_left() -> None:
    rec = Recorder()
    token = ATTEMPT_END.set(time.monotonic() + 2)
    try:
        _sync(rec)
    finally:
        ATTEMPT_END.reset(token)
    capped = [t for name, t in rec.calls if name not in ("close", "sleep")]
    assert all(t is not None and 1.5 < t <= 2 for t in capped), rec.calls


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s, b: s.read(1, 5), httpcore.ReadTimeout),
        (lambda s, b: s.write(b"", 5), httpcore.WriteTimeout),
        (lambda s, b: b.connect_tcp("h", 1, 5), httpcore.ConnectTimeout),
    ],
)
def test_past_the_stop_each_call_times_out(call: Any, error: type[Exception]) -> None:
    rec = Recorder()
    backend = DeadlineBackend(rec)  # type: ignore[arg-type]
    stream = backend.connect_tcp("h", 1)
    token = ATTEMPT_END.set(time.monotonic() - 1)
    try:
        with pytest.raises(error):
            call(stream, backend)
    finally:
        ATTEMPT_END.reset(token)


@pytest.mark.anyio
async def test_async_backend_caps_the_same_way() -> None:
    rec = AsyncRecorder()
    backend = AsyncDeadlineBackend(rec)  # type: ignore[arg-type]
    token = ATTEMPT_END.set(time.monotonic() + 2)
    try:
        stream = await backend.connect_tcp("h", 1, timeout=10)
        await stream.read(1)
        await stream.write(b"x", timeout=None)
        tls = await stream.start_tls(ssl.create_default_context(), "h", timeout=10)
        assert tls.get_extra_info("x") == "info:x"
        await tls.aclose()
        await backend.connect_unix_socket("/s", timeout=10)
        await backend.sleep(0.25)
    finally:
        ATTEMPT_END.reset(token)
    capped = [t for name, t in rec.calls if name not in ("close", "sleep")]
    assert len(capped) == 5 and all(t is not None and t <= 2 for t in capped), rec.calls
    assert ("sleep", 0.25) in rec.calls


def test_install_reaches_every_transport_the_sdk_creates() -> None:
    with gmodstore_sdk.ApiClient(config(proxy="http://127.0.0.1:9")) as client:
        pools = [client._http._transport] + list(client._http._mounts.values())  # type: ignore[attr-defined]
        assert len(pools) >= 2
        assert all(isinstance(t._pool._network_backend, DeadlineBackend) for t in pools)
    assert install(httpx.MockTransport(lambda r: httpx.Response(200))) is False


@pytest.mark.anyio
async def test_install_async() -> None:
    async with gmodstore_sdk.AsyncApiClient(config()) as client:
        backend = client._http._transport._pool._network_backend  # type: ignore[attr-defined]
        assert isinstance(backend, AsyncDeadlineBackend)


def test_a_timeout_without_its_request_names_the_phase_setting() -> None:
    hint = timeout_hint(httpx.ReadTimeout("slow"))
    assert hint == "Raise Configuration(read_timeout=...) or pass _request_timeout=..."


# -- recovery helpers ----------------------------------------------------------------------------


class Row:
    def __init__(self, code: str, created_at: Any = None) -> None:
        self.code = code
        self.created_at = created_at


class Rows:
    def __init__(self, *rows: Row) -> None:
        self.data = list(rows)


def test_pick_row_takes_the_first_match_and_checks_every_row() -> None:
    spec = Recovery(lookup=None, match=lambda r: r.code == "a", sane=lambda r: r.code != "bad")  # type: ignore[arg-type]
    first, second = Row("a"), Row("a")
    assert pick_row(Rows(Row("b"), first, second), spec) is first
    assert pick_row(Rows(Row("b")), spec) is None
    with pytest.raises(gmodstore_sdk.ApiResponseValidationError):
        pick_row(Rows(first, Row("bad")), spec)


def test_created_too_early_needs_an_aware_created_at() -> None:
    from datetime import datetime

    assert created_too_early(Row("a"), 1e9, {}, 1e9) is False
    assert created_too_early(Row("a", datetime(2000, 1, 1)), 2e9, {}, 2e9) is False
    aware = datetime.fromisoformat("2000-01-01T00:00:00+00:00")
    assert created_too_early(Row("a", aware), 2e9, {"date": "garbage"}, 2e9) is True
