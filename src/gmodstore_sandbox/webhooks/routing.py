"""Which endpoint receives which message: the rules of ``filterTypes``, ``channels``, ``disabled``.

One place, used by the fan-out (`store.fan_out`) and documented by the API:

- a disabled endpoint receives nothing; once enabled again it receives the events written from
  that moment on (``enabled_at``), never the ones written while it was disabled;
- ``filterTypes`` (``event_types``) selects event types; NULL: every type. The test event
  (`TEST_EVENT`, sent by ``testTeamWebhookEndpoints``) goes to every enabled endpoint;
- ``channels``: a message's channels are ``product:<productId>`` for an event about a product (and
  none otherwise); an endpoint with channels receives only messages in one of them.

>>> message_channels(None)
[]
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from .events import declare

__all__ = ["API_EVENT_TYPES", "TEST_EVENT", "message_channels", "receives"]

API_EVENT_TYPES = (
    "product_purchase.created",
    "product_purchase.deleted",
    "product_purchase.revoked",
    "product_purchase.unrevoked",
    "product_review.created",
    "product_review.deleted",
    "product_review.updated",
    "product_version.created",
    "product_version.deleted",
    "product_version.updated",
    "ticket_attachment.created",
    "ticket_attachment.deleted",
    "ticket_message.created",
    "ticket_message.deleted",
    "ticket_message.restored",
    "ticket_message.updated",
    "ticket.created",
    "ticket.held",
    "ticket.hidden",
    "ticket.locked",
    "ticket.tagged",
    "ticket.unheld",
    "ticket.unhidden",
    "ticket.unlocked",
    "ticket.untagged",
)
"""The 25 event types of the public API (what ``filterTypes`` may name)."""

TEST_EVENT = declare("webhook_endpoint.test").name
"""Sent by ``testTeamWebhookEndpoints``; not one of the 25, so no ``filterTypes`` excludes it."""


def message_channels(product_id: uuid.UUID | None) -> list[str]:
    """The channels of a message about `product_id` (``outbox.product_id``)."""
    return [] if product_id is None else [f"product:{product_id}"]


def receives(endpoint: Any, event: Any) -> bool:
    """Whether `endpoint` (a ``webhook_endpoints`` row) gets `event` (an ``outbox`` row)."""
    if endpoint.team_id != event.team_id or endpoint.disabled:
        return False
    since: datetime = endpoint.enabled_at or endpoint.created_at
    if event.created_at < since:
        return False
    if event.event_type != TEST_EVENT and endpoint.event_types is not None:
        if event.event_type not in endpoint.event_types.split():
            return False
    if endpoint.channels:
        wanted = set(endpoint.channels.split())
        return not wanted.isdisjoint(message_channels(event.product_id))
    return True
