"""Small hardening items: absurd rate limit resets, hostile webhook bodies and headers, UUID
spellings, query encoding, `_request_timeout` forms and `Configuration` limits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk import ApiTypeError, ApiValueError, Timeout
from gmodstore_sdk._retry import RateLimit, RateLimiter, parse_reset
from gmodstore_sdk.api import _operations as ops
from gmodstore_sdk.webhooks import WebhookVerificationError, WebhookVerificationReason, verify

from .conftest import PRODUCT, PURCHASE, Script, config, page, single

KEY = b"k" * 24
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def _signed(body: bytes, ts: int | None = None) -> list[tuple[str, str]]:
    ts = int(time.time()) if ts is None else ts
    mac = hmac.new(KEY, f"msg_1.{ts}.".encode() + body, hashlib.sha256).digest()
    return [
        ("Webhook-Id", "msg_1"),
        ("Webhook-Timestamp", str(ts)),
        ("Webhook-Signature", "v1," + base64.b64encode(mac).decode()),
    ]


# -- rate limit resets -----------------------------------------------------------------------------


@pytest.mark.parametrize("reset", ["1e20", "9" * 400, "253402300800"])
def test_absurd_resets_do_not_raise(reset: str) -> None:
    limiter = RateLimiter(window=60.0)
    limiter.update({"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}, now=0.0)
    snapshot = limiter.snapshot()
    assert snapshot is not None
    assert snapshot.reset_at is None or snapshot.reset_at.year <= 9999
    assert RateLimit(None, None, 1e300).reset_at is None
    assert RateLimit(None, None, -1e300).reset_at is None


def test_parse_reset_refuses_timestamps_past_year_9999() -> None:
    assert parse_reset("253402300800", now=0.0) is None
    assert parse_reset("253402300799", now=0.0) == 253402300799.0


# -- webhooks.verify ---------------------------------------------------------------------------


def test_verify_a_deeply_nested_body_is_a_verification_error() -> None:
    body = b'{"eventType": "x", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(WebhookVerificationError) as caught:
        verify(body, _signed(body), SECRET)
    assert caught.value.reason is WebhookVerificationReason.INVALID_PAYLOAD


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda pairs: pairs, id="str-pairs"),
        pytest.param(lambda pairs: [(k.encode(), v.encode()) for k, v in pairs], id="bytes"),
        pytest.param(lambda pairs: tuple(pairs), id="tuple"),
        pytest.param(lambda pairs: httpx.Headers(pairs), id="httpx"),
        pytest.param(dict, id="dict"),
    ],
)
def test_verify_accepts_headers_as_pairs(wrap: Any) -> None:
    body = b'{"eventType": "unknown.kind", "data": {}}'
    event = verify(body, wrap(_signed(body)), SECRET)
    assert event.webhook_id == "msg_1"


def test_verify_joins_repeated_header_pairs() -> None:
    body = b'{"eventType": "unknown.kind", "data": {}}'
    pairs = _signed(body)
    pairs.insert(2, ("webhook-signature", "v1,bm90IGl0"))  # a stale signature first
    assert verify(body, pairs, SECRET).webhook_id == "msg_1"


@pytest.mark.parametrize("headers", [42, "webhook-id: x", [("only-one",)], [1, 2]])
def test_verify_refuses_headers_of_the_wrong_shape(headers: Any) -> None:
    with pytest.raises(ApiTypeError):
        verify(b"{}", headers, SECRET)


# -- UUIDs and query values --------------------------------------------------------------------

CANONICAL = "6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51"


@pytest.mark.parametrize(
    "spelling",
    [
        "+6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51"[:36],
        "6f1c2a44_3b8e_4d59_9b0a_0c9e8f7d6a51",
        "0_0_" + CANONICAL[4:],
        "{" + CANONICAL + "}",
        "urn:uuid:" + CANONICAL,
        CANONICAL.replace("-", ""),
        " " + CANONICAL,
        CANONICAL + " ",
        CANONICAL + "\n",
        CANONICAL + "\r\n",
        "+" + CANONICAL[1:],
    ],
)
def test_only_canonical_uuids_pass(spelling: str) -> None:
    client = gmodstore_sdk.ApiClient(config())
    with pytest.raises(ApiValueError):
        ops.has_active_purchase(client, PRODUCT, spelling)
    with pytest.raises(ApiValueError):
        ops.list_product_purchases(client, PRODUCT, filter={"userId": spelling})
    with pytest.raises(ApiValueError):
        ops.create_product_purchase(client, PRODUCT, {"userId": spelling})


def test_uppercase_uuids_are_canonical_too() -> None:
    client = gmodstore_sdk.ApiClient(config())
    op = ops.has_active_purchase(client, PRODUCT, CANONICAL.upper())
    assert CANONICAL.upper() in str(op.url)


@pytest.mark.parametrize("value", ["a b", "x&perPage=1", "c#d", "é", "\r\n", "a\x00b"])
def test_query_values_are_percent_encoded_by_the_sdk(value: str) -> None:
    script = Script(page([]))
    with gmodstore_sdk.ApiClient(config(), transport=httpx.MockTransport(script)) as client:
        op = ops.list_product_purchases(client, PRODUCT, cursor=value)
        client._request(op)
    query = script.requests[0].url.query.decode()
    assert query.startswith("cursor=") and "&" not in query and "#" not in query
    from urllib.parse import unquote

    assert unquote(query[len("cursor=") :]) == value


def test_unencodable_text_is_a_value_error_not_a_crash() -> None:
    client = gmodstore_sdk.ApiClient(config())
    with pytest.raises(ApiValueError, match="surrogate"):
        ops.list_product_purchases(client, PRODUCT, cursor="\ud800")
    with pytest.raises(ApiValueError, match="surrogate"):
        ops.get_product_purchase(client, "\udcff", PURCHASE)


# -- _request_timeout forms and limits ----------------------------------------------------------


def _limits(value: Any) -> Any:
    return ops.timeout(value)


def test_request_timeout_forms() -> None:
    seconds = _limits(3)
    assert (seconds.http.read, seconds.attempt, seconds.total) == (3, 3, gmodstore_sdk.NOT_GIVEN)
    pair = _limits((1, 2))
    assert (pair.http.connect, pair.http.read, pair.attempt) == (1, 2, 3)
    none = _limits(None)
    assert (none.http.read, none.attempt) == (None, None)
    total = _limits(Timeout(total=9))
    assert (total.http, total.attempt, total.total) == (gmodstore_sdk.NOT_GIVEN,) * 2 + (9,)
    partial = _limits(Timeout(read=4, attempt=None))
    assert (partial.http, partial.read, partial.attempt) == (None, 4, None)
    assert repr(Timeout(connect=1, total=None)) == "Timeout(connect=1, total=None)"


@pytest.mark.parametrize("bad", [Timeout(read="1"), Timeout(total=-1), Timeout(attempt=True)])  # type: ignore[arg-type]
def test_bad_timeout_fields_are_type_errors(bad: Timeout) -> None:
    with pytest.raises(ApiTypeError):
        ops.timeout(bad)


def test_a_partial_timeout_keeps_the_clients_other_phases() -> None:
    script = Script(single())
    with gmodstore_sdk.ApiClient(
        config(connect_timeout=7, read_timeout=8), transport=httpx.MockTransport(script)
    ) as client:
        api = gmodstore_sdk.api.product_purchases_api.ProductPurchasesApi(client)
        api.get_product_purchase(PRODUCT, PURCHASE, _request_timeout=Timeout(read=2))
        api.get_product_purchase(PRODUCT, PURCHASE, _request_timeout=Timeout(connect=1))
        api.get_product_purchase(PRODUCT, PURCHASE, _request_timeout=Timeout(attempt=None))
        api.get_product_purchase(PRODUCT, PURCHASE, _request_timeout=None)
    phases = [r.extensions["timeout"] for r in script.requests]
    assert phases[0] == {"connect": 7, "read": 2, "write": 2, "pool": 7}
    assert phases[1] == {"connect": 1, "read": 8, "write": 8, "pool": 1}
    assert phases[2] == {"connect": 7, "read": 8, "write": 8, "pool": 7}
    assert phases[3] == {"connect": None, "read": None, "write": None, "pool": None}
    assert "gmodstore_sdk.attempt_stop" not in script.requests[2].extensions
    assert "gmodstore_sdk.attempt_stop" not in script.requests[3].extensions


def test_phase_timeouts_are_capped_by_the_attempt() -> None:
    script = Script(single())
    with gmodstore_sdk.ApiClient(
        config(read_timeout=30, attempt_timeout=2), transport=httpx.MockTransport(script)
    ) as client:
        gmodstore_sdk.api.product_purchases_api.ProductPurchasesApi(client).get_product_purchase(
            PRODUCT, PURCHASE
        )
    phases = script.requests[0].extensions["timeout"]
    assert all(1.5 < seconds <= 2 for seconds in phases.values()), phases


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("attempt_timeout", 0, ApiValueError),
        ("deadline", -1, ApiValueError),
        ("deadline", "5", ApiTypeError),
        ("max_response_size", 0, ApiValueError),
        ("max_response_size", 1.5, ApiTypeError),
        ("max_response_size", True, ApiTypeError),
    ],
)
def test_configuration_limits_are_checked(option: str, value: Any, error: type) -> None:
    with pytest.raises(error):
        gmodstore_sdk.Configuration(**{option: value})


def test_configuration_limit_defaults() -> None:
    c = gmodstore_sdk.Configuration(attempt_timeout=None)
    assert (c.attempt_timeout, c.deadline, c.max_response_size) == (None, None, 32 * 2**20)


def test_deadline_already_passed_fails_before_sending() -> None:
    script = Script(single())
    with gmodstore_sdk.ApiClient(config(), transport=httpx.MockTransport(script)) as client:
        op = ops.get_product_purchase(client, PRODUCT, PURCHASE, request_timeout=Timeout(total=0))
        with pytest.raises(gmodstore_sdk.ApiTimeoutError, match="before this attempt"):
            client._request(op)
    assert script.requests == []


def test_pacing_wait_past_the_deadline_raises_at_once(clock: Any) -> None:
    spent = {"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"}
    script = Script(httpx.Response(200, json={"data": single().json()["data"]}, headers=spent))
    with gmodstore_sdk.ApiClient(
        config(deadline=5), transport=httpx.MockTransport(script), clock=clock, sleep=clock.sleep
    ) as client:
        api = gmodstore_sdk.api.product_purchases_api.ProductPurchasesApi(client)
        api.get_product_purchase(PRODUCT, PURCHASE)
        with pytest.raises(gmodstore_sdk.ApiTimeoutError, match="rate limit resets in 30"):
            api.get_product_purchase(PRODUCT, PURCHASE)
    assert clock.sleeps == [] and len(script.requests) == 1


def test_a_deadline_later_than_the_attempt_leaves_the_attempt_limit() -> None:
    script = Script(single())
    with gmodstore_sdk.ApiClient(
        config(attempt_timeout=3, deadline=100), transport=httpx.MockTransport(script)
    ) as client:
        client._request(ops.get_product_purchase(client, PRODUCT, PURCHASE))
    stop = script.requests[0].extensions["gmodstore_sdk.attempt_stop"]
    assert stop[1:] == (3, "attempt_timeout")


def test_without_an_attempt_limit_the_deadline_is_the_stop() -> None:
    script = Script(single())
    with gmodstore_sdk.ApiClient(
        config(attempt_timeout=None, deadline=100), transport=httpx.MockTransport(script)
    ) as client:
        client._request(ops.get_product_purchase(client, PRODUCT, PURCHASE))
    assert script.requests[0].extensions["gmodstore_sdk.attempt_stop"][1:] == (100, "deadline")


def test_a_filter_value_that_cannot_be_encoded_is_a_value_error() -> None:
    from gmodstore_sdk.api.products_api import ProductsApi

    script = Script(page([]))
    with gmodstore_sdk.ApiClient(config(), transport=httpx.MockTransport(script)) as client:
        with pytest.raises(ApiValueError, match="not valid text"):
            ProductsApi(client).list_products(PRODUCT, filter={"slug": "a\ud800"})
        ProductsApi(client).list_products(PRODUCT, filter={"slug": "a b&c"})
    assert script.requests[0].url.query.decode() == "filter[slug]=a%20b%26c"


@pytest.mark.parametrize(
    ("request_timeout", "setting"),
    [
        (5, None),
        ((1, 2), None),
        (Timeout(total=30), "deadline"),
        (Timeout(attempt=9), "_request_timeout"),
    ],
)
def test_an_upload_with_a_per_call_timeout(request_timeout: Any, setting: str | None) -> None:
    from gmodstore_sdk._operation import Operation
    from gmodstore_sdk._uploads import MultipartBody

    script = Script(single(201))
    with gmodstore_sdk.ApiClient(config(), transport=httpx.MockTransport(script)) as client:
        path = f"{client.base_path}/products/{PRODUCT}/versions"
        op = Operation(
            "POST",
            path,
            client.make_url(path, None),
            gmodstore_sdk.model.CreateProductPurchaseResponse,
            scope="product-versions:write",
            content=MultipartBody({"name": "1.0"}, {"file": b"PK\x03\x04 zip"}),
            headers=client.get_headers,
            timeout=ops.timeout(request_timeout),
        )
        client._request(op)
    sent = script.requests[0]
    assert sent.headers["content-type"].startswith("multipart/form-data")
    stop = sent.extensions.get("gmodstore_sdk.attempt_stop")
    # An upload is not cut by attempt_timeout nor by seconds meant per phase; an explicit
    # Timeout(attempt=...) or the call's deadline still applies.
    assert (stop and stop[2]) == setting


def test_importing_the_sdk_does_not_import_httpcore() -> None:
    """The deadline backend loads with the first client, as httpx's own transport does."""
    import subprocess
    import sys

    code = (
        "import sys, gmodstore_sdk, gmodstore_sdk.api.product_purchases_api;"
        "print('httpcore' in sys.modules, 'gmodstore_sdk._deadline' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
