"""Queries of the webhook API (endpoints, messages, attempts); callers own the transactions.

The delivery mechanism's own queries are in `store`; these only read its tables and change an
endpoint's settings or one delivery's state.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import Connection, select, update

from ..storage.tables import OutboxEvent, Team, TeamMember
from .tables import FAILED, PENDING, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "disable_pending",
    "endpoint_deliveries",
    "get_endpoint",
    "get_message",
    "is_member",
    "message_attempts",
    "reset_delivery",
    "team_endpoints",
    "team_messages",
    "update_endpoint",
]

AnySelect: TypeAlias = Any
"""A ``Select`` of some columns (typed loosely: the callers page over it)."""
AnyRow: TypeAlias = Any

ENDPOINT_COLUMNS = (
    WebhookEndpoint.id,
    WebhookEndpoint.team_id,
    WebhookEndpoint.url,
    WebhookEndpoint.description,
    WebhookEndpoint.disabled,
    WebhookEndpoint.channels,
    WebhookEndpoint.event_types,
    WebhookEndpoint.created_at,
    WebhookEndpoint.updated_at,
    WebhookEndpoint.secret,
)
MESSAGE_COLUMNS = (
    OutboxEvent.seq,
    OutboxEvent.id,
    OutboxEvent.event_type,
    OutboxEvent.payload,
    OutboxEvent.product_id,
    OutboxEvent.created_at,
)


def is_member(conn: Connection, *, team_id: uuid.UUID, user_id: uuid.UUID) -> bool | None:
    """None: no such team (or a deleted one); else whether the user is one of its members."""
    team = select(Team.id).where(Team.id == team_id, Team.deleted_at.is_(None))
    if conn.execute(team).first() is None:
        return None
    row = conn.execute(
        select(TeamMember.user_id).where(
            TeamMember.team_id == team_id, TeamMember.user_id == user_id
        )
    ).first()
    return row is not None


def team_endpoints(*, team_id: uuid.UUID) -> AnySelect:
    """The team's endpoints, oldest first (paged by offset: a team has few)."""
    return (
        select(*ENDPOINT_COLUMNS)
        .where(WebhookEndpoint.team_id == team_id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )


def get_endpoint(
    conn: Connection, *, team_id: uuid.UUID, endpoint_id: uuid.UUID, lock: bool = False
) -> AnyRow | None:
    stmt = select(*ENDPOINT_COLUMNS).where(
        WebhookEndpoint.team_id == team_id, WebhookEndpoint.id == endpoint_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return conn.execute(stmt).first()


def update_endpoint(conn: Connection, *, endpoint_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(**values))


def disable_pending(conn: Connection, *, endpoint_id: uuid.UUID, now: datetime) -> int:
    """Fail the endpoint's pending deliveries (it was disabled: it receives nothing more)."""
    result = conn.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == PENDING)
        .values(status=FAILED, finished_at=now, lease_token=None)
    )
    return int(result.rowcount)


def team_messages(*, team_id: uuid.UUID) -> AnySelect:
    """The team's outbox events (messages); page with `service.page_desc` on ``seq``."""
    return select(*MESSAGE_COLUMNS).where(OutboxEvent.team_id == team_id)


def get_message(conn: Connection, *, team_id: uuid.UUID, message_id: uuid.UUID) -> AnyRow | None:
    return conn.execute(
        select(*MESSAGE_COLUMNS).where(OutboxEvent.team_id == team_id, OutboxEvent.id == message_id)
    ).first()


def endpoint_deliveries(*, endpoint_id: uuid.UUID) -> AnySelect:
    """One row per message sent (or to be sent) to the endpoint, ``seq`` = the delivery id."""
    return (
        select(
            WebhookDelivery.id.label("seq"),
            OutboxEvent.id,
            OutboxEvent.event_type,
            OutboxEvent.payload,
            OutboxEvent.product_id,
            OutboxEvent.created_at,
            WebhookDelivery.status,
            WebhookDelivery.next_attempt_at,
            WebhookDelivery.finished_at,
        )
        .join(OutboxEvent, OutboxEvent.seq == WebhookDelivery.outbox_seq)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
    )


def message_attempts(*, message_seq: int) -> AnySelect:
    """Every HTTP try of the message, to any endpoint, ``seq`` = the attempt id."""
    return (
        select(
            WebhookAttempt.id.label("seq"),
            WebhookDelivery.endpoint_id,
            WebhookAttempt.url,
            WebhookAttempt.started_at,
            WebhookAttempt.status_code,
            WebhookAttempt.error,
        )
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .where(WebhookDelivery.outbox_seq == message_seq)
    )


def reset_delivery(
    conn: Connection, *, endpoint_id: uuid.UUID, message_seq: int, now: datetime
) -> bool | None:
    """Make the message's delivery to the endpoint due again; None when there is none.

    A delivery still pending is left alone (it is going to be sent anyway, maybe right now).
    """
    row = conn.execute(
        select(WebhookDelivery.id, WebhookDelivery.status)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.outbox_seq == message_seq,
        )
        .with_for_update()
    ).first()
    if row is None:
        return None
    if row.status == PENDING:
        return False
    conn.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == row.id)
        .values(status=PENDING, next_attempt_at=now, lease_token=None, finished_at=None)
    )
    return True
