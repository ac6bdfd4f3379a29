"""Verify and parse the webhooks GmodStore sends (the Standard Webhooks scheme).

>>> from gmodstore_sdk.webhooks import verify, ProductPurchaseCreatedEvent
>>> event = verify(raw_body, request.headers, secret="whsec_...")   # doctest: +SKIP
>>> if isinstance(event, ProductPurchaseCreatedEvent):               # doctest: +SKIP
...     grant_role(event.data.user_id)

Each delivery carries three headers: `webhook-id` (the same on every retry of one message, so use it
to de-duplicate), `webhook-timestamp` (Unix seconds, set per attempt) and `webhook-signature`: a
space-separated list of `v1,<base64>` entries, any one of which may match. The signature is
HMAC-SHA256, keyed with the base64-decoded part of the `whsec_...` secret, over
`{webhook-id}.{webhook-timestamp}.{body}` where `body` is the request body *exactly as received*.
That is why `verify` takes `bytes`: a body that went through `json.loads` / `json.dumps` (or a
framework's parsed JSON) no longer has the bytes that were signed.

Every event type of the API has its class (`TicketCreatedEvent`, `ProductVersionUpdatedEvent`,
...; generated into `gmodstore_sdk.model.webhook_events`); an event type this SDK does not know
yet parses as the base `WebhookEvent`, with `data` as decoded JSON.

This module is not imported by `gmodstore_sdk` itself; import it where you receive webhooks.
Errors: `WebhookVerificationError` (a subclass of `gmodstore_sdk.exceptions.OpenApiException`),
whose `reason` is a `WebhookVerificationReason`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Annotated, Any, TypeAlias, Union, cast

from pydantic import Discriminator, Tag, TypeAdapter, ValidationError

from gmodstore_sdk.exceptions import ApiTypeError, OpenApiException
from gmodstore_sdk.model._webhook_event import WebhookEvent
from gmodstore_sdk.model.webhook_events import (
    EVENT_CLASSES,
    ProductPurchaseCreatedEvent,
    ProductPurchaseDeletedEvent,
    ProductPurchaseRevokedEvent,
    ProductPurchaseUnrevokedEvent,
    ProductReviewCreatedEvent,
    ProductReviewDeletedEvent,
    ProductReviewUpdatedEvent,
    ProductVersionCreatedEvent,
    ProductVersionDeletedEvent,
    ProductVersionUpdatedEvent,
    TicketAttachmentCreatedEvent,
    TicketAttachmentDeletedEvent,
    TicketCreatedEvent,
    TicketHeldEvent,
    TicketHiddenEvent,
    TicketLockedEvent,
    TicketMessageCreatedEvent,
    TicketMessageDeletedEvent,
    TicketMessageRestoredEvent,
    TicketMessageUpdatedEvent,
    TicketTaggedEvent,
    TicketUnheldEvent,
    TicketUnhiddenEvent,
    TicketUnlockedEvent,
    TicketUntaggedEvent,
)

Headers: TypeAlias = "Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]"
"""What `verify` takes as headers: a mapping, or `(name, value)` pairs of `str` or `bytes`."""

__all__ = [
    "ProductPurchaseCreatedEvent",
    "ProductPurchaseDeletedEvent",
    "ProductPurchaseEvent",
    "ProductPurchaseRevokedEvent",
    "ProductPurchaseUnrevokedEvent",
    "ProductReviewCreatedEvent",
    "ProductReviewDeletedEvent",
    "ProductReviewUpdatedEvent",
    "ProductVersionCreatedEvent",
    "ProductVersionDeletedEvent",
    "ProductVersionUpdatedEvent",
    "TicketAttachmentCreatedEvent",
    "TicketAttachmentDeletedEvent",
    "TicketCreatedEvent",
    "TicketHeldEvent",
    "TicketHiddenEvent",
    "TicketLockedEvent",
    "TicketMessageCreatedEvent",
    "TicketMessageDeletedEvent",
    "TicketMessageRestoredEvent",
    "TicketMessageUpdatedEvent",
    "TicketTaggedEvent",
    "TicketUnheldEvent",
    "TicketUnhiddenEvent",
    "TicketUnlockedEvent",
    "TicketUntaggedEvent",
    "WebhookEvent",
    "WebhookVerificationError",
    "WebhookVerificationReason",
    "averify",
    "sign",
    "verify",
]

DEFAULT_TOLERANCE = timedelta(minutes=5)
_SECRET_PREFIX = "whsec_"
_ID_HEADER = "webhook-id"
_TIMESTAMP_HEADER = "webhook-timestamp"
_SIGNATURE_HEADER = "webhook-signature"


class WebhookVerificationReason(str, Enum):
    """Why a webhook was rejected; `WebhookVerificationError.reason`."""

    MISSING_HEADER = "missing_header"
    INVALID_HEADER = "invalid_header"
    BAD_SIGNATURE = "bad_signature"
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    TIMESTAMP_IN_FUTURE = "timestamp_in_future"
    MALFORMED_SECRET = "malformed_secret"
    INVALID_PAYLOAD = "invalid_payload"


class WebhookVerificationError(OpenApiException):
    """A webhook that must not be trusted (or a secret that cannot verify anything).

    >>> try:                                                   # doctest: +SKIP
    ...     event = verify(body, headers, secret)
    ... except WebhookVerificationError as exc:
    ...     return Response(status_code=400, content=exc.reason.value)

    Attributes:
        reason: the machine-readable cause.
        message: a sentence for humans and logs.
    """

    def __init__(self, reason: WebhookVerificationReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} ({self.reason.value})"


ProductPurchaseEvent = (
    ProductPurchaseCreatedEvent
    | ProductPurchaseRevokedEvent
    | ProductPurchaseUnrevokedEvent
    | ProductPurchaseDeletedEvent
)
"""The typed purchase events."""

_UNKNOWN_TAG = "unknown"


def _event_tag(value: Any) -> str:
    event_type = value.get("eventType") if isinstance(value, dict) else None
    return (
        event_type if isinstance(event_type, str) and event_type in EVENT_CLASSES else _UNKNOWN_TAG
    )


# One tagged member per known event type (generated: model/webhook_events.py), plus the base
# class for event types this SDK does not know yet.
_EVENT_TYPE: Any = Annotated[
    Union[  # noqa: UP007 (built from a table)
        tuple(
            [Annotated[cls, Tag(tag)] for tag, cls in EVENT_CLASSES.items()]
            + [Annotated[WebhookEvent, Tag(_UNKNOWN_TAG)]]
        )
    ],
    Discriminator(_event_tag),
]
_EVENT_ADAPTER: TypeAdapter[WebhookEvent] = TypeAdapter(_EVENT_TYPE)


def verify(
    body: bytes,
    headers: Headers,
    secret: str,
    *,
    tolerance: timedelta | float = DEFAULT_TOLERANCE,
    now: datetime | None = None,
) -> WebhookEvent:
    """Check a webhook's signature and timestamp, then parse it.

    >>> event = verify(await request.body(), request.headers, secret)   # doctest: +SKIP

    Pure computation (no I/O, microseconds for a webhook-sized body): safe to call from async code;
    `averify` is the same check for code that prefers to `await`.

    Args:
        body: the request body exactly as received (`bytes`); not parsed JSON, not a `str`.
        headers: the request headers, names matched case-insensitively: any mapping
            (`httpx.Headers`, Starlette's `request.headers`, a `dict`, ...) or a list of
            `(name, value)` pairs, `str` or `bytes` (an ASGI scope's `headers`).
        secret: the endpoint's signing secret, `whsec_<base64>`.
        tolerance: how far `webhook-timestamp` may be from `now`, either way (a `timedelta` or
            seconds). Defaults to 5 minutes.
        now: the current time (an aware `datetime`); defaults to the system clock.

    Returns:
        A `ProductPurchaseCreatedEvent` / `...RevokedEvent` / `...UnrevokedEvent` /
        `...DeletedEvent`, or a plain `WebhookEvent` for an event type this SDK does not know.

    Raises:
        WebhookVerificationError: missing or invalid header, bad signature, timestamp out of
            tolerance, malformed secret, or a signed payload that is not a valid event.
        ApiTypeError: `body` is not bytes.
    """
    body = _raw_body(body)
    key = _decode_secret(secret)
    webhook_id, timestamp, signatures = _read_headers(headers)
    expected = _signature(key, webhook_id, timestamp, body)
    # Compare against every entry: the header carries several while the secret is being rotated.
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise WebhookVerificationError(
            WebhookVerificationReason.BAD_SIGNATURE,
            "No signature in the webhook-signature header matches this body and secret",
        )
    _check_timestamp(timestamp, tolerance=tolerance, now=now)
    return _parse_event(body, webhook_id=webhook_id, timestamp=timestamp)


async def averify(
    body: bytes,
    headers: Headers,
    secret: str,
    *,
    tolerance: timedelta | float = DEFAULT_TOLERANCE,
    now: datetime | None = None,
) -> WebhookEvent:
    """`verify`, for `await`-style code.

    >>> event = await averify(await request.body(), request.headers, secret)   # doctest: +SKIP

    Runs inline rather than in a thread: verification does no I/O and takes microseconds, less
    than a thread hand-off would.
    """
    return verify(body, headers, secret, tolerance=tolerance, now=now)


def sign(
    body: bytes, *, secret: str, webhook_id: str, timestamp: int | None = None
) -> dict[str, str]:
    """The headers a sender would attach to `body`; for testing your own webhook handler.

    >>> headers = sign(b'{"eventType": "x", "data": {}}', secret=secret, webhook_id="msg_1")
    ... # doctest: +SKIP

    Args:
        body: the exact bytes you will send.
        secret: the endpoint's signing secret, `whsec_<base64>`.
        webhook_id: the message id (`webhook-id`).
        timestamp: Unix seconds; defaults to now.
    """
    key = _decode_secret(secret)
    stamp = int(time.time()) if timestamp is None else timestamp
    signature = _signature(key, webhook_id, stamp, _raw_body(body)).decode("ascii")
    return {
        _ID_HEADER: webhook_id,
        _TIMESTAMP_HEADER: str(stamp),
        _SIGNATURE_HEADER: f"v1,{signature}",
    }


def _raw_body(body: object) -> bytes:
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        hint = (
            "a str was passed; pass the raw request body as bytes (e.g. `await request.body()`),"
            " not a decoded or re-encoded copy"
        )
    else:
        hint = (
            f"a {type(body).__name__} was passed; pass the raw request body as bytes"
            " (e.g. `await request.body()`), not the parsed JSON"
        )
    raise ApiTypeError(
        "A webhook is verified over the request body exactly as received: the signature covers"
        " those bytes, and parsing then re-serialising JSON changes them (key order, spacing,"
        " escapes); " + hint
    )


def _decode_secret(secret: str) -> bytes:
    if not isinstance(secret, str) or not secret.startswith(_SECRET_PREFIX):
        raise WebhookVerificationError(
            WebhookVerificationReason.MALFORMED_SECRET,
            "The signing secret must be the endpoint's `whsec_<base64>` string",
        )
    try:
        key = base64.b64decode(secret[len(_SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise WebhookVerificationError(
            WebhookVerificationReason.MALFORMED_SECRET,
            "The part of the signing secret after `whsec_` is not valid, non-empty base64",
        )
    return key


def _header_pairs(headers: Headers) -> Iterable[Any]:
    multi = getattr(headers, "multi_items", None)  # httpx / Starlette: keeps repeated headers
    if callable(multi):
        return cast("Iterable[Any]", multi())
    if isinstance(headers, Mapping):
        return headers.items()
    if isinstance(headers, (str, bytes)) or not isinstance(headers, Iterable):
        raise ApiTypeError(
            f"`headers` must be a mapping or a list of (name, value) pairs, not "
            f"{type(headers).__name__}"
        )
    return headers


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else str(value)


def _read_headers(headers: Headers) -> tuple[str, int, list[bytes]]:
    lowered: dict[str, str] = {}
    for pair in _header_pairs(headers):
        try:
            name, value = pair
        except (TypeError, ValueError):
            raise ApiTypeError("each header must be a (name, value) pair") from None
        key = _text(name).lower()
        # A header sent twice (two signature headers) is one comma-joined value, as in HTTP.
        lowered[key] = f"{lowered[key]}, {_text(value)}" if key in lowered else _text(value)
    values = {}
    for name in (_ID_HEADER, _TIMESTAMP_HEADER, _SIGNATURE_HEADER):
        value = lowered.get(name, "").strip()
        if not value:
            raise WebhookVerificationError(
                WebhookVerificationReason.MISSING_HEADER, f"Missing the {name} header"
            )
        values[name] = value
    try:
        timestamp = int(values[_TIMESTAMP_HEADER])
    except ValueError:
        raise WebhookVerificationError(
            WebhookVerificationReason.INVALID_HEADER,
            "The webhook-timestamp header is not an integer number of seconds",
        ) from None
    signatures = [
        # rstrip: some frameworks join repeated headers with ", ".
        entry.rstrip(",")[3:].encode("ascii", "replace")
        for entry in values[_SIGNATURE_HEADER].split()
        if entry.startswith("v1,")
    ]
    if not signatures:
        raise WebhookVerificationError(
            WebhookVerificationReason.INVALID_HEADER,
            "The webhook-signature header has no `v1,<base64>` entry",
        )
    return values[_ID_HEADER], timestamp, signatures


def _signature(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> bytes:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())


def _check_timestamp(timestamp: int, *, tolerance: timedelta | float, now: datetime | None) -> None:
    limit = tolerance.total_seconds() if isinstance(tolerance, timedelta) else float(tolerance)
    current = time.time() if now is None else now.timestamp()
    if timestamp < current - limit:
        raise WebhookVerificationError(
            WebhookVerificationReason.TIMESTAMP_TOO_OLD,
            f"The webhook-timestamp is more than {limit:g}s in the past (replayed or delayed)",
        )
    if timestamp > current + limit:
        raise WebhookVerificationError(
            WebhookVerificationReason.TIMESTAMP_IN_FUTURE,
            f"The webhook-timestamp is more than {limit:g}s in the future (check the clock)",
        )


def _parse_event(body: bytes, *, webhook_id: str, timestamp: int) -> WebhookEvent:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise WebhookVerificationError(
            WebhookVerificationReason.INVALID_PAYLOAD, "The signed body is not valid JSON"
        ) from exc
    except RecursionError:
        # A signed body nested thousands deep: not an event, and not worth a stack overflow.
        raise WebhookVerificationError(
            WebhookVerificationReason.INVALID_PAYLOAD, "The signed body is nested too deeply"
        ) from None
    if not isinstance(payload, dict):
        raise WebhookVerificationError(
            WebhookVerificationReason.INVALID_PAYLOAD, "The signed body is not a JSON object"
        )
    # The headers are authoritative for these two, whatever the body says.
    for key in ("webhook_id", "webhookId", "timestamp"):
        payload.pop(key, None)
    payload["webhookId"] = webhook_id
    payload["timestamp"] = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    try:
        return _EVENT_ADAPTER.validate_python(payload)
    except ValidationError as exc:
        raise WebhookVerificationError(
            WebhookVerificationReason.INVALID_PAYLOAD,
            f"The signed body is not a valid webhook event: {exc.error_count()} error(s)",
        ) from exc
