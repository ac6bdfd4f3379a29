"""Field types shared by the generated models (hand-written).

Response models use `UtcDatetime` (tolerant: a missing offset means UTC). Request models use
`DateTimeInput` (a `datetime` or an ISO 8601 string, sent with its offset) and `Uuid` (a string
that must be a UUID), so that bad input fails before anything is sent.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from gmodstore_sdk.model._validators import check_uuid
from gmodstore_sdk.model.product_purchase import UtcDatetime

__all__ = ["DateTimeInput", "UtcDatetime", "Uuid"]


def _parse_datetime(value: Any) -> Any:
    if isinstance(value, str):
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 date-time") from None
    if isinstance(value, datetime) and value.tzinfo is None:
        # The API speaks UTC; a naive datetime is taken as UTC rather than as local time.
        value = value.replace(tzinfo=timezone.utc)
    return value


def _format_datetime(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


DateTimeInput = Annotated[
    datetime,
    BeforeValidator(_parse_datetime),
    PlainSerializer(_format_datetime, return_type=str, when_used="json"),
]
"""A `datetime` (naive means UTC) or an ISO 8601 string; sent as RFC 3339 (`...Z`)."""

Uuid = Annotated[str, AfterValidator(check_uuid)]
"""A string that must be a UUID."""
