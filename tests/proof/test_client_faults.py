"""The SDK against a server that resets, stalls, truncates, and answers 503 bursts and 429 storms.

Invariants: GETs and PUTs succeed within the retry budget (default 2 retries), a POST is never
applied twice (the fault server counts the rows it created), and every failure surfaces as the
right exception type with a message that says what failed.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

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
