"""Webhook queries. Keyword-only arguments, Core statements; callers own the transactions."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from sqlalchemy import Connection, Row, delete, exists, func, insert, select, update
from sqlalchemy.orm import aliased

from ..storage.repository import PURCHASE_COLUMNS
from ..storage.tables import OutboxEvent, Product, Purchase, Team
from .events import EventType, event_types
from .routing import receives
from .tables import (
    DELIVERED,
    FAILED,
    PENDING,
    WebhookAttempt,
    WebhookCursor,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookFanout,
)

__all__ = [
    "claim_deliveries",
    "delete_endpoint",
    "delete_purchase_row",
    "due_deliveries",
    "fan_out",
    "find_teams",
    "insert_endpoint",
    "list_deliveries",
    "list_endpoints",
    "lock_purchase_for_delete",
    "pending_fan_out",
    "record_attempt",
    "release_deliveries",
]

TeamRow: TypeAlias = Row  # [uuid.UUID, str]
"""``(id, name)``."""
EndpointRow: TypeAlias = Row  # [uuid.UUID, uuid.UUID, str, str, str | None, datetime, str]
"""``(id, team_id, team_name, url, event_types, created_at, secret)``."""
EventRow: TypeAlias = Row  # [int, uuid.UUID, str, uuid.UUID, uuid.UUID, datetime, dict]
"""``(seq, id, event_type, purchase_id, team_id, created_at, payload, product_id)``."""
DueRow: TypeAlias = Row  # [int, uuid.UUID, str, int, str, str, dict[str, Any]]
"""``(id, endpoint_id, webhook_id, tries, url, secret, payload, previous_secret,
previous_secret_expires_at)``."""
DeliveryRow: TypeAlias = (
    Row  # [int, str, str, uuid.UUID, str, int, int | None, datetime, datetime, str]
)
"""``(id, webhook_id, event_type, purchase_id, status, tries, last_status_code, next_attempt_at,
created_at, url)``."""
AttemptRow: TypeAlias = Row  # [int, int, datetime, int, int | None, str | None]
"""``(delivery_id, attempt, started_at, duration_ms, status_code, error)``."""
DeletableRow: TypeAlias = (
    Row  # [uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID, bool, datetime, datetime]
)
"""``(team_id, *purchase columns)``."""

_CURSOR_ROW = 1


def find_teams(conn: Connection, *, team: str) -> Sequence[TeamRow]:
    """Teams whose id is `team`, or else whose name is `team` (case-insensitive): ``(id, name)``."""
    by_id: Sequence[TeamRow] = []
    try:
        by_id = conn.execute(select(Team.id, Team.name).where(Team.id == uuid.UUID(team))).all()
    except ValueError:
        pass
    if by_id:
        return by_id
    return conn.execute(
        select(Team.id, Team.name).where(func.lower(Team.name) == team.lower())
    ).all()


def insert_endpoint(
    conn: Connection,
    *,
    endpoint_id: uuid.UUID,
    team_id: uuid.UUID,
    url: str,
    secret: str,
    event_types: Sequence[str] | None,
    now: datetime,
) -> None:
    conn.execute(
        insert(WebhookEndpoint).values(
            id=endpoint_id,
            team_id=team_id,
            url=url,
            secret=secret,
            event_types=" ".join(event_types) if event_types else None,
            created_at=now,
        )
    )


def list_endpoints(conn: Connection, *, team_id: uuid.UUID | None = None) -> Sequence[EndpointRow]:
    """``(id, team_id, team_name, url, event_types, created_at, secret)``, oldest first."""
    stmt = (
        select(
            WebhookEndpoint.id,
            WebhookEndpoint.team_id,
            Team.name.label("team_name"),
            WebhookEndpoint.url,
            WebhookEndpoint.event_types,
            WebhookEndpoint.created_at,
            WebhookEndpoint.secret,
        )
        .join(Team, Team.id == WebhookEndpoint.team_id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    if team_id is not None:
        stmt = stmt.where(WebhookEndpoint.team_id == team_id)
    return conn.execute(stmt).all()


def delete_endpoint(conn: Connection, *, endpoint_id: uuid.UUID) -> bool:
    """Delete an endpoint with its deliveries and their attempts; False if it did not exist."""
    # Lock first (PostgreSQL): the endpoint, so no fan-out adds a delivery meanwhile, and its
    # deliveries, so no worker records an attempt between the two deletes below.
    conn.execute(
        select(WebhookEndpoint.id).where(WebhookEndpoint.id == endpoint_id).with_for_update()
    )
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint_id)
    # In id order, as `claim_deliveries` locks them: two transactions never wait on each other.
    conn.execute(deliveries.order_by(WebhookDelivery.id).with_for_update())
    conn.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
    conn.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))
    result = conn.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
    return bool(result.rowcount)


# --- fan-out: outbox events -> deliveries ------------------------------------------------------


def _floor(conn: Connection) -> int:
    value = conn.execute(
        select(WebhookCursor.outbox_seq).where(WebhookCursor.id == _CURSOR_ROW)
    ).scalar()
    return int(value or 0)


def _unfanned(floor: int) -> Any:
    return select(OutboxEvent.seq).where(
        OutboxEvent.seq > floor,
        ~exists().where(WebhookFanout.outbox_seq == OutboxEvent.seq),
    )


def pending_fan_out(conn: Connection, *, now: datetime, grace: timedelta) -> bool:
    """Whether `fan_out` has anything to do (a read, so idle polls take no write lock)."""
    floor = _floor(conn)
    if conn.execute(_unfanned(floor).limit(1)).first() is not None:
        return True
    # Or the floor can move up, pruning fan-out marks.
    return (
        conn.execute(
            select(WebhookFanout.outbox_seq)
            .join(OutboxEvent, OutboxEvent.seq == WebhookFanout.outbox_seq)
            .where(OutboxEvent.created_at < now - grace)
            .limit(1)
        ).first()
        is not None
    )


def fan_out(conn: Connection, *, now: datetime, grace: timedelta, limit: int) -> int:
    """Turn up to `limit` new outbox events into deliveries; returns how many events were read.

    An event goes to every endpoint of its team that subscribes to its type and existed when the
    event was written. Its ``webhook-id`` is derived from the event, so it is the same for every
    endpoint and every retry.
    """
    floor = _floor(conn)
    seqs = _unfanned(floor).order_by(OutboxEvent.seq).limit(limit).subquery()
    events = conn.execute(
        select(
            OutboxEvent.seq,
            OutboxEvent.id,
            OutboxEvent.event_type,
            OutboxEvent.purchase_id,
            OutboxEvent.team_id,
            OutboxEvent.created_at,
            OutboxEvent.payload,
            OutboxEvent.product_id,
        )
        .where(OutboxEvent.seq.in_(select(seqs.c.seq)))
        .order_by(OutboxEvent.seq)
    ).all()
    if events:
        _insert_deliveries(conn, events, now=now)
        conn.execute(insert(WebhookFanout), [{"outbox_seq": e.seq} for e in events])
    if len(events) < limit:
        _raise_floor(conn, floor, now - grace)
    return len(events)


def _insert_deliveries(conn: Connection, events: Sequence[EventRow], *, now: datetime) -> None:
    # FOR KEY SHARE (PostgreSQL; SQLite's write lock already serialises): an endpoint that
    # `delete_endpoint` has locked is waited for and then skipped, instead of being read, given
    # deliveries, and failing the whole batch on the foreign key once the delete commits. It
    # does not block updates of the endpoint, nor another fan-out.
    endpoints = conn.execute(
        select(
            WebhookEndpoint.id,
            WebhookEndpoint.team_id,
            WebhookEndpoint.event_types,
            WebhookEndpoint.created_at,
            WebhookEndpoint.disabled,
            WebhookEndpoint.enabled_at,
            WebhookEndpoint.channels,
        )
        .where(WebhookEndpoint.team_id.in_({e.team_id for e in events}))
        .with_for_update(key_share=True)
    ).all()
    rows = [
        {
            "outbox_seq": event.seq,
            "endpoint_id": endpoint.id,
            "purchase_id": event.purchase_id,
            "event_type": event.event_type,
            "ordering_key": _ordering_key(event),
            "webhook_id": f"msg_{event.id.hex}",
            "status": PENDING,
            "tries": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for event in events
        for endpoint in endpoints
        if receives(endpoint, event)
    ]
    if rows:
        conn.execute(insert(WebhookDelivery), rows)


def _ordering_key(event: EventRow) -> str:
    declared = event_types().get(event.event_type) or EventType(event.event_type)
    data = event.payload.get("data") if isinstance(event.payload, dict) else None
    key = declared.ordering_key(data if isinstance(data, dict) else {"id": event.purchase_id})
    return key[:200]


def _raise_floor(conn: Connection, floor: int, settled_before: datetime) -> None:
    # Every visible event above the floor has just been fanned out; events written before
    # `settled_before` can no longer be joined by a late commit below them.
    new_floor = conn.execute(
        select(func.max(OutboxEvent.seq)).where(
            OutboxEvent.seq > floor, OutboxEvent.created_at < settled_before
        )
    ).scalar()
    if new_floor is None:
        return
    if floor == 0 and conn.execute(select(WebhookCursor.id)).first() is None:
        conn.execute(insert(WebhookCursor).values(id=_CURSOR_ROW, outbox_seq=new_floor))
    else:
        conn.execute(
            update(WebhookCursor)
            .where(WebhookCursor.id == _CURSOR_ROW)
            .values(outbox_seq=new_floor)
        )
    conn.execute(delete(WebhookFanout).where(WebhookFanout.outbox_seq <= new_floor))


# --- delivery ------------------------------------------------------------------------------------


def due_deliveries(
    conn: Connection,
    *,
    now: datetime,
    limit: int,
    per_endpoint: int,
    skip_endpoints: Collection[uuid.UUID] = (),
) -> Sequence[DueRow]:
    """Pending deliveries that are due and have no earlier pending event with the same ordering
    key for the same endpoint (so each receiver sees the events of a key in order).

    At most `per_endpoint` per endpoint, none of `skip_endpoints` (those with no free slot), so one
    endpoint's backlog never fills the batch. Rows: ``(id, endpoint_id, webhook_id, tries, url,
    secret, payload)``, oldest event first.
    """
    earlier = aliased(WebhookDelivery)
    blocked = exists().where(
        earlier.endpoint_id == WebhookDelivery.endpoint_id,
        earlier.ordering_key == WebhookDelivery.ordering_key,
        earlier.status == PENDING,
        earlier.outbox_seq < WebhookDelivery.outbox_seq,
    )
    conditions = [WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now]
    enabled = select(WebhookEndpoint.id).where(WebhookEndpoint.disabled.is_not(True))
    conditions.append(WebhookDelivery.endpoint_id.in_(enabled))
    if skip_endpoints:
        conditions.append(WebhookDelivery.endpoint_id.not_in(list(skip_endpoints)))
    ranked = (
        select(
            WebhookDelivery.id,
            func.row_number()
            .over(
                partition_by=WebhookDelivery.endpoint_id,
                order_by=(WebhookDelivery.outbox_seq, WebhookDelivery.id),
            )
            .label("rank"),
        )
        .where(*conditions, ~blocked)
        .subquery()
    )
    stmt = (
        select(
            WebhookDelivery.id,
            WebhookDelivery.endpoint_id,
            WebhookDelivery.webhook_id,
            WebhookDelivery.tries,
            WebhookEndpoint.url,
            WebhookEndpoint.secret,
            OutboxEvent.payload,
            WebhookEndpoint.previous_secret,
            WebhookEndpoint.previous_secret_expires_at,
        )
        .join(ranked, ranked.c.id == WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(OutboxEvent, OutboxEvent.seq == WebhookDelivery.outbox_seq)
        .where(ranked.c.rank <= per_endpoint)
        .order_by(WebhookDelivery.outbox_seq, WebhookDelivery.id)
        .limit(limit)
    )
    return conn.execute(stmt).all()


def claim_deliveries(
    conn: Connection,
    *,
    delivery_ids: Collection[int],
    now: datetime,
    lease_until: datetime,
    lease_token: str,
) -> set[int]:
    """Take due deliveries by pushing their due time to `lease_until`; returns the ids taken
    (another worker may have taken the rest first).

    A taken delivery stays pending, so later events of its ordering key keep waiting; if this
    worker dies mid-request, the delivery is due again once the lease runs out. The lease must
    outlive the attempt's deadline, so no other worker can send it while it is in flight.
    """
    if not delivery_ids:
        return set()
    # PostgreSQL: lock in id order, skipping rows another transaction holds (another worker's
    # claim, or `delete_endpoint`): no deadlock with a delete, and no wait for rows that another
    # worker is taking anyway. SQLite: its write lock already serialises, the clause is dropped.
    takeable = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.id.in_(list(delivery_ids)),
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.id)
        .with_for_update(skip_locked=True)
    )
    locked = list(conn.execute(takeable).scalars())
    if not locked:
        return set()
    result = conn.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(locked))
        .values(next_attempt_at=lease_until, lease_token=lease_token)
        .returning(WebhookDelivery.id)
    )
    return {int(row_id) for row_id in result.scalars()}


def release_deliveries(
    conn: Connection, *, delivery_ids: Collection[int], lease_token: str, now: datetime
) -> int:
    """Give back leases whose attempt never finished (the worker is stopping): due at `now`."""
    if not delivery_ids:
        return 0
    result = conn.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id.in_(list(delivery_ids)),
            WebhookDelivery.status == PENDING,
            WebhookDelivery.lease_token == lease_token,
        )
        .values(next_attempt_at=now, lease_token=None)
    )
    return int(result.rowcount)


def record_attempt(
    conn: Connection,
    *,
    delivery_id: int,
    lease_token: str,
    attempt: int,
    url: str,
    started_at: datetime,
    duration_ms: int,
    status_code: int | None,
    error: str | None,
    delivered: bool,
    retry_at: datetime | None,
    now: datetime,
) -> bool:
    """Log one try and move the delivery on: delivered, retried at `retry_at`, or failed (None).

    Only while `lease_token` still holds the delivery: False (nothing written) if the endpoint was
    removed meanwhile or the lease ran out and another worker took the delivery.
    """
    values: dict[str, Any] = {
        "tries": attempt,
        "last_status_code": status_code,
        "lease_token": None,
    }
    if delivered:
        values.update(status=DELIVERED, finished_at=now)
    elif retry_at is None:
        values.update(status=FAILED, finished_at=now)
    else:
        values.update(next_attempt_at=retry_at)
    result = conn.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.lease_token == lease_token,
        )
        .values(**values)
    )
    if not result.rowcount:
        return False
    conn.execute(
        insert(WebhookAttempt).values(
            delivery_id=delivery_id,
            attempt=attempt,
            url=url,
            started_at=started_at,
            duration_ms=duration_ms,
            status_code=status_code,
            error=error,
        )
    )
    return True


def list_deliveries(
    conn: Connection,
    *,
    endpoint_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[tuple[DeliveryRow, list[AttemptRow]]]:
    """The latest `limit` deliveries (newest first), each with its attempts in order."""
    stmt = (
        select(
            WebhookDelivery.id,
            WebhookDelivery.webhook_id,
            WebhookDelivery.event_type,
            WebhookDelivery.purchase_id,
            WebhookDelivery.status,
            WebhookDelivery.tries,
            WebhookDelivery.last_status_code,
            WebhookDelivery.next_attempt_at,
            WebhookDelivery.created_at,
            WebhookEndpoint.url,
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .order_by(WebhookDelivery.outbox_seq.desc(), WebhookDelivery.id.desc())
        .limit(limit)
    )
    if endpoint_id is not None:
        stmt = stmt.where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    deliveries = conn.execute(stmt).all()
    attempts: dict[int, list[AttemptRow]] = {d.id: [] for d in deliveries}
    if attempts:
        for row in conn.execute(
            select(
                WebhookAttempt.delivery_id,
                WebhookAttempt.attempt,
                WebhookAttempt.started_at,
                WebhookAttempt.duration_ms,
                WebhookAttempt.status_code,
                WebhookAttempt.error,
            )
            .where(WebhookAttempt.delivery_id.in_(list(attempts)))
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.attempt)
        ):
            attempts[row.delivery_id].append(row)
    return [(d, attempts[d.id]) for d in deliveries]


# --- purchases -------------------------------------------------------------------------------


def lock_purchase_for_delete(
    conn: Connection, *, purchase_id: uuid.UUID, product_id: uuid.UUID | None = None
) -> DeletableRow | None:
    """``(team_id, *purchase columns)``, row-locked, or None when there is no such purchase."""
    stmt = (
        select(Product.team_id, *PURCHASE_COLUMNS)
        .join(Product, Product.id == Purchase.product_id)
        .where(Purchase.id == purchase_id)
        .with_for_update(of=Purchase)
    )
    if product_id is not None:
        stmt = stmt.where(Purchase.product_id == product_id)
    return conn.execute(stmt).first()


def delete_purchase_row(conn: Connection, *, purchase_id: uuid.UUID) -> None:
    conn.execute(delete(Purchase).where(Purchase.id == purchase_id))
