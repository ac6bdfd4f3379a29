"""Tables of the tickets area, on the shared ``Base.metadata`` (importing this registers them).

``seq`` is the keyset-pagination key of every listed table. Attachment files live in the content
area's file store (kind ``tickets``), named by ``file_key``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..storage.tables import Base, utcnow

__all__ = [
    "Ticket",
    "TicketAttachment",
    "TicketLogRequest",
    "TicketMessage",
    "TicketMessageRevision",
    "TicketTag",
    "TicketTagLink",
]

_SeqType = BigInteger().with_variant(Integer(), "sqlite")


class Ticket(Base):
    """A customer's support ticket about a product."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_product_seq", "product_id", "seq"),)

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    """The customer who opened it."""
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    hidden: Mapped[bool] = mapped_column(default=False)
    locked_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketMessage(Base):
    """A message of a ticket; its current body is also its latest revision."""

    __tablename__ = "ticket_messages"
    __table_args__ = (Index("ix_ticket_messages_ticket_seq", "ticket_id", "seq"),)

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    revisions_count: Mapped[int] = mapped_column(Integer, default=1)
    revision_id: Mapped[uuid.UUID] = mapped_column()
    revision_created_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()


class TicketMessageRevision(Base):
    """One body a message has had (the first one, and one per edit)."""

    __tablename__ = "ticket_message_revisions"
    __table_args__ = (Index("ix_ticket_message_revisions_message_seq", "message_id", "seq"),)

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_messages.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketAttachment(Base):
    """A file attached to a ticket (``file_hash``: SHA-256 hex of its content)."""

    __tablename__ = "ticket_attachments"
    __table_args__ = (Index("ix_ticket_attachments_ticket_seq", "ticket_id", "seq"),)

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    file_key: Mapped[str] = mapped_column(String(64), unique=True)
    file_hash: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(BigInteger)
    original_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketTag(Base):
    """A tag of a team's catalogue."""

    __tablename__ = "ticket_tags"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    bg: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(16))


class TicketTagLink(Base):
    """A tag put on a ticket."""

    __tablename__ = "ticket_tag_links"
    __table_args__ = (UniqueConstraint("ticket_id", "tag_id"),)

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    tag_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_tags.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketLogRequest(Base):
    """A seller's request for a server log; fulfilled once by the ticket's customer."""

    __tablename__ = "ticket_log_requests"

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    """Who asked (a team member)."""
    game: Mapped[str] = mapped_column(String(32))
    attachment_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()
    """When the log arrived (the request is then closed)."""
