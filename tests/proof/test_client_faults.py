"""The SDK against a server that resets, stalls, truncates, and answers 503 bursts and 429 storms.

Invariants: GETs and PUTs succeed within the retry budget (default 2 retries), a POST is never
applied twice (the fault server counts the rows it created), and every failure surfaces as the
right exception type with a message that says what failed.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ._faults import (
    ACT_THEN_RST,
    ACT_THEN_STALL,
    RST_AFTER_REQUEST,
    RST_ON_ACCEPT,
    STALL,
    TRUNCATE,
    FaultServer,
    Status,
    _read_request,
    closed_port,
    fault_server,
)

sdk = pytest.importorskip("gmodstore_sdk")
api_mod = pytest.importorskip("gmodstore_sdk.api.product_purchases_api")
NewPayload = pytest.importorskip(
    "gmodstore_sdk.model.new_product_purchase_payload"
).NewProductPurchasePayload
UpdatePayload = pytest.importorskip(
    "gmodstore_sdk.model.update_product_purchase_payload"
).UpdateProductPurchasePayload

TOKEN = "proof-fault-token-" + uuid.uuid4().hex
READ_TIMEOUT = 0.3
FAST: dict[str, Any] = {
    "connect_timeout": 1.0,
    "read_timeout": READ_TIMEOUT,
    "retries": 2,
    "backoff_base": 0.01,
    "backoff_max": 0.05,
}


def _config(url: str, **overrides: Any) -> Any:
    return sdk.Configuration(host=url, access_token=TOKEN, **{**FAST, **overrides})


def _api(url: str, **overrides: Any) -> tuple[Any, Any]:
    client = sdk.ApiClient(_config(url, **overrides))
    return client, api_mod.ProductPurchasesApi(client)


def _get(srv: FaultServer, **overrides: Any) -> Any:
    client, api = _api(srv.url, **overrides)
    with client:
        return api.get_product_purchase(srv.product_id, srv.purchase_id)


def _create(srv: FaultServer, user_id: str, **overrides: Any) -> Any:
    client, api = _api(srv.url, **overrides)
    payload = NewPayload(user_id=user_id)
    with client:
        return api.create_product_purchase(srv.product_id, payload)


def _describes(message: str, srv_url: str | None = None) -> bool:
    """A useful transport-error message names the request (method or URL) it was about."""
    hints = ["GET", "POST", "PUT", "/v3/products"] + ([srv_url] if srv_url else [])
    return any(h in message for h in hints)


# --- GET: transient faults are absorbed by the retry budget ------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        pytest.param([RST_ON_ACCEPT, RST_ON_ACCEPT], id="reset-on-accept-x2"),
        pytest.param([RST_AFTER_REQUEST, RST_AFTER_REQUEST], id="reset-after-request-x2"),
        pytest.param([STALL, STALL], id="stall-past-timeout-x2"),
        pytest.param([TRUNCATE, TRUNCATE], id="truncated-body-x2"),
        pytest.param([Status(503), Status(502)], id="5xx-burst-x2"),
        pytest.param([Status(503), RST_AFTER_REQUEST], id="mixed"),
    ],
)
def test_get_survives_two_faults(script: list[Any]) -> None:
    with fault_server(*script) as srv:
        resp = _get(srv)
        assert str(resp.data.id) == srv.purchase_id
        assert srv.connections == 3, "one attempt plus the two default retries"


def test_get_honours_retry_after_through_a_429_storm() -> None:
    storm = Status(429, (("Retry-After", "1"), ("X-RateLimit-Remaining", "0")))
    with fault_server(storm, storm) as srv:
        start = time.monotonic()
        resp = _get(srv)
        elapsed = time.monotonic() - start
    assert str(resp.data.id) == srv.purchase_id
    assert len(srv.requests("GET")) == 3
    assert 1.9 <= elapsed < 6, f"two Retry-After: 1 waits, took {elapsed:.2f}s"


@pytest.mark.parametrize(
    ("fault", "exc_name", "words"),
    [
        pytest.param(Status(503), "ServiceException", ["503"], id="503"),
        pytest.param(Status(429, (("Retry-After", "0"),)), "RateLimitException", ["429"], id="429"),
        pytest.param(STALL, "ApiTimeoutError", ["tim"], id="stall"),
        pytest.param(RST_AFTER_REQUEST, "ApiConnectionError", [], id="reset"),
        pytest.param(TRUNCATE, "ApiConnectionError", [], id="truncated"),
    ],
)
def test_get_gives_up_after_the_budget_with_the_right_exception(
    fault: Any, exc_name: str, words: list[str]
) -> None:
    with fault_server(*[fault] * 10) as srv:
        start = time.monotonic()
        with pytest.raises(getattr(sdk, exc_name)) as info:
            _get(srv)
        elapsed = time.monotonic() - start
        assert srv.connections == 3
    assert type(info.value).__name__ == exc_name
    message = str(info.value)
    for word in words:
        assert word in message.lower() or word in message, message
    if isinstance(info.value, sdk.ApiConnectionError):
        assert _describes(message, srv.url), f"message does not say what failed: {message!r}"
        assert info.value.__cause__ is not None, "transport errors are raised `from` the httpx one"
    assert elapsed < 3 * READ_TIMEOUT + 3


def test_rate_limit_exception_carries_retry_after() -> None:
    with fault_server(*[Status(429, (("Retry-After", "0"),))] * 3) as srv:
        with pytest.raises(sdk.RateLimitException) as info:
            _get(srv)
    assert info.value.status == 429
    assert info.value.retry_after == 0


def test_connection_refused_is_a_connection_error_naming_the_host() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    client, api = _api(url)
    with client, pytest.raises(sdk.ApiConnectionError) as info:
        api.get_product_purchase(str(uuid.uuid4()), str(uuid.uuid4()))
    assert not isinstance(info.value, sdk.ApiTimeoutError)
    assert _describes(str(info.value), url), str(info.value)


def test_garbage_2xx_body_is_a_response_validation_error() -> None:
    with fault_server(Status(200, body=b"<html>maintenance</html>")) as srv:
        with pytest.raises(sdk.ApiResponseValidationError):
            _get(srv, retries=0)
    body = b'{"data": {"id": "x"}}'
    with fault_server(Status(200, body=body)) as srv:
        with pytest.raises(sdk.ApiResponseValidationError) as info:
            _get(srv, retries=0)
    assert "userId" in str(info.value) or "user_id" in str(info.value), str(info.value)


def test_huge_retry_after_is_not_slept_through_silently(caplog: pytest.LogCaptureFixture) -> None:
    """A 429 asking for an hour: raise (or at least say so in a log line), never hang silently."""
    outcome: list[BaseException | None] = []
    caplog.set_level(logging.DEBUG, logger="gmodstore_sdk")
    with fault_server(*[Status(429, (("Retry-After", "3600"),))] * 3) as srv:

        def call() -> None:
            try:
                _get(srv, max_retry_wait=300.0)
                outcome.append(None)
            except BaseException as exc:  # noqa: BLE001 - inspected below
                outcome.append(exc)

        worker = threading.Thread(target=call, daemon=True)
        worker.start()
        worker.join(5)
    if outcome:
        assert isinstance(outcome[0], sdk.RateLimitException), outcome
        assert outcome[0].retry_after == 3600
    else:
        assert any(r.levelno >= logging.WARNING for r in caplog.records), "silent long sleep"


# --- PUT: idempotent, retried like GET -----------------------------------------------------------


def test_put_survives_reset_and_503() -> None:
    with fault_server(RST_AFTER_REQUEST, Status(503)) as srv:
        client, api = _api(srv.url)
        payload = UpdatePayload(revoked=True)
        with client:
            resp = api.update_product_purchase(srv.product_id, srv.purchase_id, payload)
        assert resp.data.revoked is True
        assert len(srv.requests("PUT")) == 3


# --- POST: never applied twice --------------------------------------------------------------------


def test_post_is_retried_after_429_because_nothing_was_done() -> None:
    user = str(uuid.uuid4())
    with fault_server(Status(429, (("Retry-After", "0"),))) as srv:
        resp = _create(srv, user)
        assert str(resp.data.user_id) == user
        assert len(srv.requests("POST")) == 2
        assert srv.store.creations == 1


@pytest.mark.parametrize("fault", [ACT_THEN_RST, ACT_THEN_STALL], ids=["reset", "stall"])
def test_ambiguous_post_that_did_create_returns_the_purchase_without_resending(fault: str) -> None:
    user = str(uuid.uuid4())
    with fault_server(fault) as srv:
        resp = _create(srv, user)
        assert str(resp.data.user_id) == user
        assert len(srv.requests("POST")) == 1, [s.action for s in srv.seen]
        assert srv.store.creations == 1
        lookups = [s for s in srv.requests("GET") if user in s.query.get("filter[userId]", [""])[0]]
        assert lookups, "the SDK should have looked the user's purchase up"


@pytest.mark.parametrize(
    "script",
    [
        pytest.param([RST_AFTER_REQUEST], id="reset-not-acted"),
        pytest.param([STALL], id="stall-not-acted"),
        pytest.param([RST_AFTER_REQUEST, RST_AFTER_REQUEST, RST_AFTER_REQUEST], id="reset-x3"),
        pytest.param([Status(503)], id="503"),
        pytest.param([Status(500), Status(500), Status(500)], id="500-x3"),
        pytest.param([ACT_THEN_RST, ACT_THEN_RST, ACT_THEN_RST], id="acted-reset-x3"),
    ],
)
def test_post_never_creates_twice(script: list[Any]) -> None:
    user = str(uuid.uuid4())
    with fault_server(*script) as srv:
        try:
            resp = _create(srv, user)
        except sdk.OpenApiException as exc:
            assert isinstance(exc, (sdk.ApiConnectionError, sdk.ServiceException)), repr(exc)
            assert str(exc)
        else:
            assert str(resp.data.user_id) == user
        assert srv.store.creations <= 1
        owned = [p for p in srv.store.purchases.values() if p["userId"] == user]
        assert len(owned) <= 1


def test_post_5xx_is_not_resent_blindly() -> None:
    """A 5xx after a POST means the server may have acted: no second POST without a lookup."""
    user = str(uuid.uuid4())
    with fault_server(Status(503), Status(503), Status(503)) as srv:
        try:
            _create(srv, user)
        except sdk.ServiceException as exc:
            assert exc.status == 503
        posts = srv.requests("POST")
        gets = srv.requests("GET")
        if len(posts) > 1:
            first_retry = srv.seen.index(posts[1])
            assert any(srv.seen.index(g) < first_retry for g in gets), "resent without a lookup"


def test_post_already_owned_is_a_bad_request_and_not_retried() -> None:
    with fault_server() as srv:
        owner = next(iter(srv.store.purchases.values()))["userId"]
        with pytest.raises(sdk.BadRequestException) as info:
            _create(srv, owner)
        assert len(srv.requests("POST")) == 1
    assert "userId" in info.value.errors
    assert "already" in str(info.value)


# --- async twins --------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("script", [[RST_AFTER_REQUEST, Status(503)], [STALL, RST_ON_ACCEPT]])
async def test_async_get_survives_two_faults(script: list[Any]) -> None:
    with fault_server(*script) as srv:
        async with sdk.AsyncApiClient(_config(srv.url)) as client:
            api = api_mod.AsyncProductPurchasesApi(client)
            resp = await api.get_product_purchase(srv.product_id, srv.purchase_id)
        assert str(resp.data.id) == srv.purchase_id
        assert srv.connections == 3


@pytest.mark.anyio
async def test_async_timeout_is_api_timeout_error() -> None:
    with fault_server(STALL, STALL, STALL) as srv:
        async with sdk.AsyncApiClient(_config(srv.url)) as client:
            api = api_mod.AsyncProductPurchasesApi(client)
            with pytest.raises(sdk.ApiTimeoutError) as info:
                await api.get_product_purchase(srv.product_id, srv.purchase_id)
        assert srv.connections == 3
    assert _describes(str(info.value), srv.url), str(info.value)


@pytest.mark.anyio
async def test_async_ambiguous_post_is_not_duplicated() -> None:
    user = str(uuid.uuid4())
    payload = NewPayload(user_id=user)
    with fault_server(ACT_THEN_RST) as srv:
        async with sdk.AsyncApiClient(_config(srv.url)) as client:
            api = api_mod.AsyncProductPurchasesApi(client)
            resp = await api.create_product_purchase(srv.product_id, payload)
        assert str(resp.data.user_id) == user
        assert len(srv.requests("POST")) == 1
        assert srv.store.creations == 1


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --- deadlines: a server that drips its answer cannot hold a call -------------------------------


@dataclass(frozen=True)
class Drip:
    """Answer 200 and then one byte every `interval` seconds (the head too, if `head`)."""

    interval: float = 0.1
    head: bool = False


@dataclass(frozen=True)
class Flood:
    """Answer `status` with an endless body (chunked, or a huge Content-Length), at full speed."""

    status: int = 200
    length: int | None = None


class DripServer(FaultServer):
    """The fault server plus `Drip` and `Flood` actions; counts the body bytes it sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def _handle(self, conn: socket.socket) -> None:
        with self._lock:
            action = self.script[0] if self.script else None
            mine = isinstance(action, (Drip, Flood))
            if mine:
                self.script.pop(0)
                self.connections += 1
        if not mine:
            super()._handle(conn)
            return
        conn.settimeout(5)
        try:
            if _read_request(conn) is None:
                return
            if isinstance(action, Drip):
                self._drip(conn, action)
            else:
                assert isinstance(action, Flood)
                self._flood(conn, action)
        except OSError:
            pass  # the client gave up: what these actions wait for
        finally:
            conn.close()

    def _drip(self, conn: socket.socket, drip: Drip) -> None:
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        for i, byte in enumerate(head + b" " * 100000):
            if self._stop.is_set():
                return
            conn.sendall(bytes([byte]))
            if drip.head or i >= len(head) - 1:
                time.sleep(drip.interval)

    def _flood(self, conn: socket.socket, flood: Flood) -> None:
        length = f"Content-Length: {flood.length}" if flood.length else "Transfer-Encoding: chunked"
        conn.sendall(f"HTTP/1.1 {flood.status} X\r\n{length}\r\n\r\n".encode())
        block = b" " * 65536
        chunk = block if flood.length else b"10000\r\n" + block + b"\r\n"
        while not self._stop.is_set() and self.sent < 4 * 2**30:
            conn.sendall(chunk)
            self.sent += len(block)


@contextmanager
def drip_server(*script: Any) -> Iterator[DripServer]:
    server = DripServer().start()
    server.script.extend(script)
    try:
        yield server
    finally:
        server.stop()


def _timed(call: Any) -> tuple[float, BaseException | None]:
    start = time.monotonic()
    try:
        call()
    except BaseException as exc:  # noqa: BLE001 - returned for the test to inspect
        return time.monotonic() - start, exc
    return time.monotonic() - start, None


@pytest.mark.parametrize("head", [False, True], ids=["body", "head"])
def test_a_dripping_answer_ends_at_the_attempt_timeout(head: bool) -> None:
    with drip_server(Drip(head=head)) as srv:
        elapsed, exc = _timed(lambda: _get(srv, retries=0, read_timeout=5, attempt_timeout=1.0))
    assert isinstance(exc, sdk.ApiTimeoutError), exc
    assert "attempt_timeout" in str(exc) and "1 s" in str(exc), str(exc)
    assert 0.9 <= elapsed < 2.0, elapsed


def test_the_call_deadline_covers_every_retry_and_wait() -> None:
    with drip_server(Drip(), Drip(), Drip()) as srv:
        elapsed, exc = _timed(lambda: _get(srv, read_timeout=5, attempt_timeout=1.0, deadline=1.5))
        assert srv.connections == 2, "the second attempt is cut by the deadline"
    assert isinstance(exc, sdk.ApiTimeoutError), exc
    assert "deadline of 1.5 s" in str(exc), str(exc)
    assert 1.4 <= elapsed < 2.5, elapsed


def test_a_retry_wait_past_the_deadline_raises_at_once() -> None:
    slow = Status(503, (("Retry-After", "30"),))
    with fault_server(slow, slow) as srv:
        elapsed, exc = _timed(lambda: _get(srv, deadline=5.0))
        assert srv.connections == 1
    assert isinstance(exc, sdk.ApiTimeoutError), exc
    assert "retry after HTTP 503" in str(exc) and isinstance(exc.__cause__, sdk.ServiceException)
    assert elapsed < 1.0, elapsed


def test_per_call_timeout_total_and_tuple() -> None:
    with drip_server(*[Drip()] * 5) as srv:
        client, api = _api(srv.url, read_timeout=5)
        with client:
            elapsed, exc = _timed(
                lambda: api.get_product_purchase(
                    srv.product_id, srv.purchase_id, _request_timeout=sdk.Timeout(total=0.8)
                )
            )
            assert isinstance(exc, sdk.ApiTimeoutError) and 0.7 <= elapsed < 1.8, (elapsed, exc)
            elapsed, exc = _timed(
                lambda: api.get_product_purchase(
                    srv.product_id, srv.purchase_id, _request_timeout=(0.3, 0.3)
                )
            )
    assert isinstance(exc, sdk.ApiTimeoutError) and "_request_timeout" in str(exc), exc
    assert 1.7 <= elapsed < 3.0, elapsed  # 0.6 s for each of the 3 attempts, short backoffs


@pytest.mark.anyio
@pytest.mark.parametrize("head", [False, True], ids=["body", "head"])
async def test_async_dripping_answer_ends_at_the_deadline(head: bool) -> None:
    with drip_server(Drip(head=head), Drip(head=head)) as srv:
        config = _config(srv.url, read_timeout=5, attempt_timeout=1.0, deadline=1.5)
        async with sdk.AsyncApiClient(config) as client:
            api = api_mod.AsyncProductPurchasesApi(client)
            start = time.monotonic()
            with pytest.raises(sdk.ApiTimeoutError):
                await api.get_product_purchase(srv.product_id, srv.purchase_id)
            elapsed = time.monotonic() - start
    assert 1.4 <= elapsed < 2.5, elapsed


@pytest.mark.anyio
async def test_async_create_with_a_short_timeout_gives_up_promptly() -> None:
    """The issue's case: `create_product_purchase(_request_timeout=(2, 2))` held 15 s and more."""
    user = str(uuid.uuid4())
    with drip_server(*[Drip()] * 4) as srv:
        async with sdk.AsyncApiClient(_config(srv.url, read_timeout=5)) as client:
            api = api_mod.AsyncProductPurchasesApi(client)
            start = time.monotonic()
            with pytest.raises(sdk.ApiWriteUncertainError) as info:
                await api.create_product_purchase(
                    srv.product_id, NewPayload(user_id=user), _request_timeout=(0.3, 0.3)
                )
            elapsed = time.monotonic() - start
        assert srv.store.creations == 0 and srv.connections == 4
    # The POST dripped (0.6 s), so did its lookup and the lookup's two retries: not resent.
    assert isinstance(info.value, sdk.ApiTimeoutError)
    assert "POST" in str(info.value) and "may have been applied" in str(info.value)
    assert 2.4 <= elapsed < 4.0, elapsed


# --- size limits: a huge answer is refused while it streams -------------------------------------


@pytest.mark.parametrize("length", [None, 1_500_000_000], ids=["chunked", "content-length"])
def test_a_huge_answer_is_refused_without_reading_it(length: int | None) -> None:
    with drip_server(Flood(length=length)) as srv:
        elapsed, exc = _timed(lambda: _get(srv, max_response_size=1_000_000))
        assert srv.connections == 1, "not retried: the same answer would come again"
        sent = srv.sent
    assert isinstance(exc, sdk.ApiResponseTooLargeError), exc
    assert exc.limit == 1_000_000 and "max_response_size=1000000" in str(exc), str(exc)
    assert sent < 64 * 2**20, f"the client kept reading: {sent} bytes"
    assert elapsed < 5


def test_a_huge_error_body_keeps_a_prefix_and_the_status() -> None:
    with drip_server(Flood(status=500), Flood(status=500), Flood(status=500)) as srv:
        with pytest.raises(sdk.ServiceException) as info:
            _get(srv)
        assert srv.connections == 3, "a 5xx is still retried"
    assert info.value.status == 500
    assert info.value.body is not None and len(info.value.body) <= 65536


@pytest.mark.anyio
async def test_async_huge_answer_is_refused() -> None:
    with drip_server(Flood()) as srv:
        async with sdk.AsyncApiClient(_config(srv.url, max_response_size=100_000)) as client:
            api = api_mod.AsyncProductPurchasesApi(client)
            with pytest.raises(sdk.ApiResponseTooLargeError):
                await api.get_product_purchase(srv.product_id, srv.purchase_id)


# --- a server that ignores filter[userId] never makes the CLI act on another user's purchase -----


class FilterIgnoringServer(FaultServer):
    """Answers every list with all purchases, whatever the filter says."""

    def _apply(self, seen: Any) -> tuple[int, dict[str, Any]]:
        seen.query.pop("filter[userId]", None)
        seen.query.pop("filter[revoked]", None)
        return super()._apply(seen)


@pytest.fixture
def ignoring() -> Iterator[FilterIgnoringServer]:
    server = FilterIgnoringServer().start()
    try:
        yield server
    finally:
        server.stop()


def _cli(srv: FaultServer, *args: str) -> Any:
    typer_testing = pytest.importorskip("typer.testing")
    main = pytest.importorskip("gmodstore_cli.main")
    env = {"GMODSTORE_HOST": srv.url, "GMODSTORE_TOKEN": TOKEN, "NO_COLOR": "1"}
    return typer_testing.CliRunner().invoke(main.app, list(args), env=env, catch_exceptions=False)


def test_cli_revoke_by_user_never_revokes_another_users_purchase(
    ignoring: FilterIgnoringServer,
) -> None:
    stranger = str(uuid.uuid4())
    victim = ignoring.store.purchases[ignoring.purchase_id]
    result = _cli(ignoring, "purchases", "revoke", ignoring.product_id, "--user", stranger)
    assert result.exit_code != 0
    assert victim["revoked"] is False, "another user's purchase was revoked"
    assert ignoring.requests("PUT") == []
    assert "ignored the filter" in result.output


def test_cli_check_refuses_another_users_purchase(ignoring: FilterIgnoringServer) -> None:
    result = _cli(ignoring, "purchases", "check", ignoring.product_id, str(uuid.uuid4()))
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "ignored the filter" in result.output


def test_has_active_purchase_refuses_a_filter_ignoring_server(
    ignoring: FilterIgnoringServer,
) -> None:
    client, api = _api(ignoring.url)
    with client, pytest.raises(sdk.ApiResponseValidationError, match="ignored the filter"):
        api.has_active_purchase(ignoring.product_id, str(uuid.uuid4()))


def test_create_recovery_refuses_a_filter_ignoring_server(ignoring: FilterIgnoringServer) -> None:
    ignoring.script.append(ACT_THEN_RST)
    user = str(uuid.uuid4())
    with pytest.raises(sdk.ApiWriteUncertainError):
        _create(ignoring, user)
    assert ignoring.store.creations == 1 and len(ignoring.requests("POST")) == 1


def test_a_callers_http_client_is_cut_between_body_chunks() -> None:
    """Without the SDK's transport (a caller's `httpx.Client`) the stop is checked per chunk."""
    with drip_server(Drip()) as srv:
        config = _config(srv.url, retries=0, read_timeout=5, attempt_timeout=1.0)
        with httpx.Client() as http, sdk.ApiClient(config, http_client=http) as client:
            api = api_mod.ProductPurchasesApi(client)
            elapsed, exc = _timed(lambda: api.get_product_purchase(srv.product_id, srv.purchase_id))
    assert isinstance(exc, sdk.ApiTimeoutError) and "attempt_timeout" in str(exc), exc
    assert 0.9 <= elapsed < 1.6, elapsed


@pytest.mark.anyio
async def test_async_callers_http_client_is_cut_between_body_chunks() -> None:
    with drip_server(Drip()) as srv:
        config = _config(srv.url, retries=0, read_timeout=5, attempt_timeout=1.0)
        async with httpx.AsyncClient() as http, sdk.AsyncApiClient(config, http_client=http) as c:
            api = api_mod.AsyncProductPurchasesApi(c)
            start = time.monotonic()
            with pytest.raises(sdk.ApiTimeoutError):
                await api.get_product_purchase(srv.product_id, srv.purchase_id)
    assert time.monotonic() - start < 1.6
