"""Webhook event types and the one function that writes an event: `emit`.

Every change that has a webhook calls `emit` inside the change's own transaction, so the event is
committed (or rolled back) with the change. An area with events declares them once, with
`declare`: the name the receiver sees in ``eventType`` and the fields of ``data`` whose values put
its deliveries in order. Purchase events are declared here; another area declares its own in a
module of its own and adds that module to `DECLARING_MODULES`, so that every process (a server's
worker, a CLI command) sees every declaration through `event_types`. Nothing else is needed to get
them fanned out, signed, retried and listed: the worker only reads the outbox and these
declarations.

>>> ORDER = EVENT_TYPES["product_purchase.deleted"]
>>> ORDER.ordering_key({"id": "p1", "productId": "a", "userId": "u"})
'product_purchase:a:u'
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from ..schemas import dump_json
from ..storage import repository as repo

__all__ = [
    "DECLARING_MODULES",
    "EVENT_TYPES",
    "EventType",
    "UnknownEventType",
    "declare",
    "emit",
    "event_types",
]


class UnknownEventType(ValueError):
    """`emit` was given an event type nobody declared (a bug in the caller)."""


@dataclass(frozen=True)
class EventType:
    """A declared webhook event type.

    Attributes:
        name: ``<resource>.<change>``, as in the public API (``product_purchase.revoked``).
        ordered_by: fields of the event's ``data`` that make its ordering key (dotted for nested
            objects: ``ticket.id``). Deliveries to one endpoint that share a key are sent one
            after another, oldest event first; those with different keys go independently.
        subject: the field of ``data`` holding the resource's id (``ticket.id`` for a ticket tag,
            whose data has no id of its own).
    """

    name: str
    ordered_by: tuple[str, ...] = ("id",)
    subject: str = "id"

    @property
    def resource(self) -> str:
        return self.name.partition(".")[0]

    def ordering_key(self, data: Mapping[str, Any]) -> str:
        """``<resource>:<value>:...``; the subject's id when a field is missing."""
        values = [_lookup(data, field) for field in self.ordered_by]
        if any(value is None for value in values):
            values = [_lookup(data, self.subject)]
        return ":".join([self.resource, *(str(value) for value in values)])

    def subject_id(self, data: Mapping[str, Any]) -> uuid.UUID:
        """The resource's id (``outbox.purchase_id``)."""
        return uuid.UUID(str(_lookup(data, self.subject)))


def _lookup(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


EVENT_TYPES: dict[str, EventType] = {}
"""Every event type declared so far by name; `event_types` makes sure that is all of them."""

DECLARING_MODULES = (
    "gmodstore_sandbox.content.events",
    "gmodstore_sandbox.tickets.events",
    "gmodstore_sandbox.webhooks.routing",
)
"""Modules of other areas that `declare` their events (one line per area); imported lazily, as
they import this module."""


def event_types() -> Mapping[str, EventType]:
    """Every declared event type by name, the other areas' declarations included."""
    for module in DECLARING_MODULES:
        importlib.import_module(module)
    return EVENT_TYPES


def declare(name: str, *, ordered_by: tuple[str, ...] = ("id",), subject: str = "id") -> EventType:
    """Declare an event type (idempotent for the same declaration).

    >>> declare("product_purchase.created", ordered_by=("productId", "userId")).name
    'product_purchase.created'
    """
    event = EventType(name, ordered_by, subject)
    if EVENT_TYPES.setdefault(name, event) != event:
        raise ValueError(f"event type {name!r} is already declared differently")
    return event


# A purchase is ordered by (product, user), not by its own id: a user's access to a product is
# what receivers act on, and "delete P1, grant the same user P2" must reach them in that order.
_PURCHASE_ORDER = ("productId", "userId")
for _change in ("created", "revoked", "unrevoked", "deleted"):
    declare(f"product_purchase.{_change}", ordered_by=_PURCHASE_ORDER)


def emit(
    conn: Connection,
    event_type: str,
    *,
    team_id: uuid.UUID,
    data: Mapping[str, Any],
    now: datetime,
    product_id: uuid.UUID | None = None,
) -> None:
    """Write one event to the outbox, in the caller's transaction.

    Args:
        conn: a connection inside the write transaction of the change.
        event_type: a declared event type.
        team_id: the team whose endpoints receive it.
        data: the resource as the API returns it after the change (the webhook's ``data``); it
            must have the declared subject id.
        now: the time of the change.
        product_id: the product concerned; default: ``data["productId"]``, if any.

    Raises:
        UnknownEventType: `event_type` was never declared.
    """
    declared = event_types().get(event_type)
    if declared is None:
        raise UnknownEventType(f"undeclared webhook event type {event_type!r}")
    # Exactly the API's JSON, so a webhook body matches what GET returns.
    body: dict[str, Any] = orjson.loads(dump_json(dict(data)))
    if product_id is None and body.get("productId") is not None:
        product_id = uuid.UUID(str(body["productId"]))
    repo.insert_outbox_event(
        conn,
        event_type=event_type,
        purchase_id=declared.subject_id(body),
        product_id=product_id,
        team_id=team_id,
        payload={"eventType": event_type, "data": body},
        now=now,
    )
