"""`WebhookEvent`: the base of every webhook event class (hand-written; the 25 typed events are
generated into `model/webhook_events.py`). Import both from `gmodstore_sdk.webhooks`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gmodstore_sdk._models import BaseModel

__all__ = ["WebhookEvent"]


class WebhookEvent(BaseModel):
    """Any verified webhook. Event types this SDK does not know yet parse as this class.

    Known events are subclasses: test with `isinstance` (or a `match` class pattern).
    """

    webhook_id: str
    """The `webhook-id` header: the same on every retry of one message; de-duplicate on it."""
    timestamp: datetime
    """The `webhook-timestamp` header of this attempt (UTC)."""
    event_type: str
    """`eventType`, e.g. `"product_purchase.created"`."""
    data: Any = None
    """The event's payload, as decoded JSON for unknown event types."""
