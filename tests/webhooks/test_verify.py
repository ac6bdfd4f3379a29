from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from gmodstore_sdk.exceptions import OpenApiException
from gmodstore_sdk.model.product_purchase import ProductPurchase
from gmodstore_sdk.webhooks import (
    ProductPurchaseCreatedEvent,
    ProductPurchaseDeletedEvent,
    ProductPurchaseRevokedEvent,
    ProductPurchaseUnrevokedEvent,
    WebhookEvent,
    WebhookVerificationError,
    WebhookVerificationReason,
    averify,
    sign,
    verify,
)

KEY = b"a sandbox signing key, 32 bytes!"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"another key, also thirty-two b.").decode()
NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)
TS = int(NOW.timestamp())
MSG_ID = "msg_2mZcCQ4yT0yT1N5vHqk6dX8p"

PURCHASE = {
    "id": "0f1d8a3c-6e0b-4b53-9f3e-54a6a2b6c001",
    "userId": "4b8e2f9a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
    "productId": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "revoked": False,
    "createdAt": "2026-11-25T11:59:00Z",
    "updatedAt": "2026-11-25T11:59:30Z",
}


def body_for(event_type: str, data: object = PURCHASE) -> bytes:
    # Unusual spacing and key order on purpose: only the raw bytes verify.
    return json.dumps({"data": data, "eventType": event_type}, indent=1).encode()


def signature(key: bytes, msg_id: str, ts: int, body: bytes) -> str:
    """The scheme, written out independently of gmodstore_sdk.webhooks."""
    mac = hmac.new(key, msg_id.encode() + b"." + str(ts).encode() + b"." + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def headers_for(body: bytes, *, key: bytes = KEY, ts: int = TS, msg_id: str = MSG_ID) -> dict:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": signature(key, msg_id, ts, body),
    }


def reason_of(body: object, headers: dict, secret: str = SECRET, **kwargs) -> str:
    with pytest.raises(WebhookVerificationError) as info:
        verify(body, headers, secret, now=NOW, **kwargs)  # type: ignore[arg-type]
    return info.value.reason.value


@pytest.mark.parametrize(
    ("event_type", "cls", "revoked"),
    [
        pytest.param("product_purchase.created", ProductPurchaseCreatedEvent, False, id="created"),
        pytest.param("product_purchase.revoked", ProductPurchaseRevokedEvent, True, id="revoked"),
        pytest.param(
            "product_purchase.unrevoked", ProductPurchaseUnrevokedEvent, False, id="unrevoked"
        ),
        pytest.param("product_purchase.deleted", ProductPurchaseDeletedEvent, True, id="deleted"),
    ],
)
def test_verify_parses_each_purchase_event(event_type, cls, revoked):
    body = body_for(event_type, {**PURCHASE, "revoked": revoked})
    event = verify(body, headers_for(body), SECRET, now=NOW)
    assert type(event) is cls
    assert event.event_type == event_type
    assert event.webhook_id == MSG_ID
    assert event.timestamp == NOW
    assert isinstance(event.data, ProductPurchase)
    assert event.data.id == PURCHASE["id"]
    assert event.data.user_id == PURCHASE["userId"]
    assert event.data.product_id == PURCHASE["productId"]
    assert event.data.revoked is revoked
    assert event.data.created_at == datetime(2026, 11, 25, 11, 59, tzinfo=timezone.utc)


def test_unknown_event_type_parses_as_generic_event():
    body = body_for("product.updated", {"id": "p1", "name": "Addon"})
    event = verify(body, headers_for(body), SECRET, now=NOW)
    assert type(event) is WebhookEvent
    assert event.event_type == "product.updated"
    assert event.data == {"id": "p1", "name": "Addon"}
    assert event.webhook_id == MSG_ID


def test_headers_are_matched_case_insensitively_in_any_mapping():
    body = body_for("product_purchase.created")
    title_case = {name.title(): value for name, value in headers_for(body).items()}
    assert verify(body, title_case, SECRET, now=NOW).webhook_id == MSG_ID
    assert verify(body, httpx.Headers(title_case), SECRET, now=NOW).webhook_id == MSG_ID


@pytest.mark.parametrize(
    "body_type", [pytest.param(bytearray, id="bytearray"), pytest.param(memoryview, id="memview")]
)
def test_bytes_like_bodies_are_accepted(body_type):
    body = body_for("product_purchase.created")
    assert verify(body_type(body), headers_for(body), SECRET, now=NOW).webhook_id == MSG_ID


def test_tampered_body_is_rejected():
    body = body_for("product_purchase.created")
    headers = headers_for(body)
    tampered = body.replace(b'"revoked": false', b'"revoked": true')
    assert tampered != body
    assert reason_of(tampered, headers) == "bad_signature"


def test_reserialised_body_is_rejected():
    body = body_for("product_purchase.created")
    reserialised = json.dumps(json.loads(body)).encode()
    assert reason_of(reserialised, headers_for(body)) == "bad_signature"


@pytest.mark.parametrize(
    "field", [pytest.param("webhook-id", id="id"), pytest.param("webhook-timestamp", id="ts")]
)
def test_signed_header_values_cannot_be_swapped(field):
    body = body_for("product_purchase.created")
    headers = headers_for(body)
    headers[field] = "msg_other" if field == "webhook-id" else str(TS + 1)
    assert reason_of(body, headers) == "bad_signature"


def test_wrong_secret_is_rejected():
    body = body_for("product_purchase.created")
    assert reason_of(body, headers_for(body), secret=OTHER_SECRET) == "bad_signature"


def test_any_one_of_several_signatures_may_match():
    body = body_for("product_purchase.revoked")
    good = signature(KEY, MSG_ID, TS, body)
    other = signature(b"rotated-out key", MSG_ID, TS, body)
    for header in (f"{other} {good}", f"{good} {other}", f"v1a,Zm9v {other}   {good}"):
        headers = {**headers_for(body), "webhook-signature": header}
        assert verify(body, headers, SECRET, now=NOW).event_type == "product_purchase.revoked"


def test_repeated_signature_headers_are_all_considered():
    body = body_for("product_purchase.created")
    good = headers_for(body)
    other = signature(b"rotated-out key", MSG_ID, TS, body)
    for pair in ((other, good["webhook-signature"]), (good["webhook-signature"], other)):
        headers = httpx.Headers(
            [("webhook-id", MSG_ID), ("webhook-timestamp", str(TS))]
            + [("webhook-signature", value) for value in pair]
        )
        assert verify(body, headers, SECRET, now=NOW).webhook_id == MSG_ID


def test_header_with_only_wrong_signatures_is_rejected():
    body = body_for("product_purchase.created")
    headers = {
        **headers_for(body),
        "webhook-signature": " ".join(
            signature(key, MSG_ID, TS, body) for key in (b"one", b"two", b"three")
        ),
    }
    assert reason_of(body, headers) == "bad_signature"


def test_signature_without_version_prefix_is_rejected():
    body = body_for("product_purchase.created")
    bare = signature(KEY, MSG_ID, TS, body).removeprefix("v1,")
    assert reason_of(body, {**headers_for(body), "webhook-signature": bare}) == "invalid_header"


@pytest.mark.parametrize(
    ("offset", "reason"),
    [
        pytest.param(-301, "timestamp_too_old", id="old"),
        pytest.param(+301, "timestamp_in_future", id="future"),
    ],
)
def test_timestamp_outside_tolerance_is_rejected(offset, reason):
    body = body_for("product_purchase.created")
    # Correctly signed: the timestamp is covered by the signature, so only its age is wrong.
    assert reason_of(body, headers_for(body, ts=TS + offset)) == reason


@pytest.mark.parametrize("offset", [-300, -1, 0, 1, 300])
def test_timestamp_within_tolerance_is_accepted(offset):
    body = body_for("product_purchase.created")
    assert verify(body, headers_for(body, ts=TS + offset), SECRET, now=NOW).webhook_id == MSG_ID


@pytest.mark.parametrize(
    "tolerance", [pytest.param(timedelta(minutes=10), id="timedelta"), pytest.param(600, id="s")]
)
def test_tolerance_is_configurable(tolerance):
    body = body_for("product_purchase.created")
    headers = headers_for(body, ts=TS - 599)
    assert reason_of(body, headers) == "timestamp_too_old"
    assert verify(body, headers, SECRET, now=NOW, tolerance=tolerance).webhook_id == MSG_ID


def test_now_defaults_to_the_system_clock():
    body = body_for("product_purchase.created")
    assert reason_of_now(body, headers_for(body)) == "timestamp_too_old"
    fresh = headers_for(body, ts=int(datetime.now(timezone.utc).timestamp()))
    assert verify(body, fresh, SECRET).webhook_id == MSG_ID


def reason_of_now(body: bytes, headers: dict) -> str:
    with pytest.raises(WebhookVerificationError) as info:
        verify(body, headers, SECRET)
    return info.value.reason.value


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_is_rejected(missing):
    body = body_for("product_purchase.created")
    headers = headers_for(body)
    del headers[missing]
    with pytest.raises(WebhookVerificationError) as info:
        verify(body, headers, SECRET, now=NOW)
    assert info.value.reason is WebhookVerificationReason.MISSING_HEADER
    assert missing in str(info.value)


def test_empty_header_counts_as_missing():
    body = body_for("product_purchase.created")
    assert reason_of(body, {**headers_for(body), "webhook-id": " "}) == "missing_header"


def test_non_integer_timestamp_is_rejected():
    body = body_for("product_purchase.created")
    headers = {**headers_for(body), "webhook-timestamp": "2026-11-25T12:00:00Z"}
    assert reason_of(body, headers) == "invalid_header"


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(base64.b64encode(KEY).decode(), id="no-prefix"),
        pytest.param("whsec_", id="empty"),
        pytest.param("whsec_not base64!", id="not-base64"),
        pytest.param("whsec_abc", id="bad-padding"),
        pytest.param("sk_live_123", id="other-token"),
    ],
)
def test_malformed_secret_is_rejected(secret):
    body = body_for("product_purchase.created")
    assert reason_of(body, headers_for(body), secret=secret) == "malformed_secret"


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        pytest.param(
            {"eventType": "product_purchase.created", "data": PURCHASE}, "dict", id="dict"
        ),
        pytest.param('{"eventType": "product_purchase.created"}', "str", id="str"),
    ],
)
def test_parsed_or_decoded_body_is_refused_with_an_explanation(body, mentions):
    with pytest.raises(TypeError) as info:
        verify(body, headers_for(b"{}"), SECRET, now=NOW)
    assert isinstance(info.value, OpenApiException)
    message = str(info.value)
    assert "raw request body as bytes" in message
    assert "exactly as received" in message
    assert mentions in message


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[1, 2]", id="not-object"),
        pytest.param(b'{"data": {}}', id="no-event-type"),
        pytest.param(b'{"eventType": ["a"], "data": {}}', id="event-type-not-str"),
        pytest.param(b'{"eventType": "product_purchase.created", "data": {}}', id="bad-data"),
    ],
)
def test_signed_but_invalid_payload_is_rejected(body):
    assert reason_of(body, headers_for(body)) == "invalid_payload"


def test_headers_override_what_the_body_claims():
    payload = {"eventType": "product_purchase.created", "data": PURCHASE, "webhookId": "forged"}
    body = json.dumps(payload).encode()
    event = verify(body, headers_for(body), SECRET, now=NOW)
    assert event.webhook_id == MSG_ID


def test_error_is_in_the_sdk_tree_with_reason_and_message():
    body = body_for("product_purchase.created")
    with pytest.raises(OpenApiException) as info:
        verify(body, headers_for(body), OTHER_SECRET, now=NOW)
    error = info.value
    assert isinstance(error, WebhookVerificationError)
    assert error.reason is WebhookVerificationReason.BAD_SIGNATURE
    assert error.message in str(error)
    assert "bad_signature" in str(error)


@pytest.mark.anyio
async def test_averify_matches_verify():
    body = body_for("product_purchase.unrevoked")
    event = await averify(body, headers_for(body), SECRET, now=NOW)
    assert event == verify(body, headers_for(body), SECRET, now=NOW)
    with pytest.raises(WebhookVerificationError):
        await averify(body + b" ", headers_for(body), SECRET, now=NOW)


def test_sign_produces_the_scheme_headers():
    body = body_for("product_purchase.created")
    assert sign(body, secret=SECRET, webhook_id=MSG_ID, timestamp=TS) == headers_for(body)
    fresh = sign(body, secret=SECRET, webhook_id=MSG_ID)
    assert verify(body, fresh, SECRET).webhook_id == MSG_ID
