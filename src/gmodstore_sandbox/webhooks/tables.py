"""Webhook tables, on the sandbox's shared ``Base`` so ``create_tables`` creates them too.

``webhook_endpoints``  where a team's events go, with the endpoint's signing secret
``webhook_deliveries`` one row per (outbox event, endpoint): the message and its delivery state
``webhook_attempts``   one row per HTTP try of a delivery (the ``attempts`` log)
``webhook_fanout``     outbox events already turned into deliveries (above the cursor)
``webhook_cursor``     a floor: every outbox event at or below it has been fanned out

The outbox is append-only and belongs to the core sandbox; its ``seq`` grows, but on PostgreSQL
transactions can commit out of ``seq`` order, so "everything after the last seq seen" would skip an
event committed late. The worker therefore marks each event it fans out, and only raises the floor
past events old enough that no transaction writing below them can still be open.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..storage.tables import Base, utcnow

__all__ = [
    "DELIVERED",
    "FAILED",
    "PENDING",
    "WebhookAttempt",
    "WebhookCursor",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookFanout",
]

# As in storage/tables.py: only INTEGER PRIMARY KEY autoincrements on SQLite.
_SeqType = BigInteger().with_variant(Integer(), "sqlite")

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


class WebhookEndpoint(Base):
    """A receiver URL of one team.

    The secret is stored as given (``whsec_<base64>``): the sender needs the key itself to sign,
    which is how Standard Webhooks secrets work (unlike access tokens, which are only hashed).
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    event_types: Mapped[str | None] = mapped_column(String(500))
    """Space-separated event types this endpoint receives; NULL for all of them."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    """Only events written at or after this moment are sent to the endpoint."""
    # Managed over the API (`webhooks.service`); NULL on rows from an older sandbox.
    description: Mapped[str | None] = mapped_column(Text)
    channels: Mapped[str | None] = mapped_column(Text)
    """Space-separated channels; NULL: every message. See `routing.receives`."""
    disabled: Mapped[bool | None] = mapped_column(default=False)
    enabled_at: Mapped[datetime | None] = mapped_column()
    """When it was last enabled again: events written before are not sent (NULL: created_at)."""
    updated_at: Mapped[datetime | None] = mapped_column()
    previous_secret: Mapped[str | None] = mapped_column(String(200))
    """The secret before the last rotation; deliveries are signed with it too until
    ``previous_secret_expires_at``."""
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column()


class WebhookDelivery(Base):
    """One outbox event (a message) for one endpoint. ``webhook_id`` is the same on every retry."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("outbox_seq", "endpoint_id", name="uq_webhook_deliveries_event_endpoint"),
        # The worker's two questions: what is due, and is an earlier event with the same ordering
        # key still on its way to this endpoint.
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index(
            "ix_webhook_deliveries_ordering", "endpoint_id", "ordering_key", "status", "outbox_seq"
        ),
    )

    id: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    outbox_seq: Mapped[int] = mapped_column(_SeqType, ForeignKey("outbox.seq"))
    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_endpoints.id"))
    purchase_id: Mapped[uuid.UUID] = mapped_column()
    """The event's resource id (``outbox.purchase_id``)."""
    event_type: Mapped[str] = mapped_column(String(64))
    ordering_key: Mapped[str] = mapped_column(String(200))
    """From the event type's declaration (`events.EventType.ordering_key`): for a purchase,
    ``product_purchase:<product>:<user>``. One endpoint gets the events of a key in order."""
    webhook_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    """When a pending delivery is due; pushed past the attempt's deadline while a worker holds it
    (its lease)."""
    lease_token: Mapped[str | None] = mapped_column(String(32))
    """Set by the worker that holds the lease; only that worker may record the attempt."""
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class WebhookAttempt(Base):
    """One HTTP try: the response status, or the connection error."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        _SeqType, ForeignKey("webhook_deliveries.id"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    """1 for the first try of the delivery, 2 for the first retry, ..."""
    url: Mapped[str] = mapped_column(String(2000))
    """Where this try went (an endpoint's URL can change between tries)."""
    started_at: Mapped[datetime] = mapped_column()
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    """Connection error or deadline, or the start of a non-2xx response body (a few hundred
    characters at most)."""


class WebhookFanout(Base):
    """An outbox event above the cursor that has been fanned out (deleted when the floor passes)."""

    __tablename__ = "webhook_fanout"

    outbox_seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=False)


class WebhookCursor(Base):
    """A single row: every ``outbox.seq`` at or below ``outbox_seq`` has been fanned out."""

    __tablename__ = "webhook_cursor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    outbox_seq: Mapped[int] = mapped_column(_SeqType)


def _add_missing_columns(_metadata: MetaData, conn: Connection, **_kw: Any) -> None:
    """Bring webhook tables made by an older sandbox up to date (``create_all`` only adds tables).

    Columns added later are added as nullable, without a default: rows from before have NULL there
    (an old delivery simply has no ordering key or lease), which the queries tolerate.
    """
    inspector = inspect(conn)
    for model in (WebhookEndpoint, WebhookDelivery, WebhookAttempt):
        table = Base.metadata.tables[model.__tablename__]
        if not inspector.has_table(table.name):
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
        for index in table.indexes:
            index.create(conn, checkfirst=True)


event.listen(Base.metadata, "after_create", _add_missing_columns)
