"""Repository functions of the tickets area: every query its service runs (Core statements)."""

from __future__ import annotations

import uuid
from typing import Any, TypeAlias, cast

from sqlalchemy import Connection, Row, Select, and_, delete, exists, insert, or_, select, update

from ..storage.tables import Product, TeamMember
from .tables import (
    Ticket,
    TicketAttachment,
    TicketLogRequest,
    TicketMessage,
    TicketMessageRevision,
    TicketTag,
    TicketTagLink,
)

__all__ = [
    "AnyRow",
    "attachments_statement",
    "get_by_id",
    "insert_row",
    "messages_statement",
    "revisions_statement",
    "tags_statement",
    "ticket_access",
    "tickets_by_ids",
    "tickets_statement",
    "update_row",
]

AnyRow: TypeAlias = Row
Table = (
    type[Ticket]
    | type[TicketMessage]
    | type[TicketMessageRevision]
    | type[TicketAttachment]
    | type[TicketTag]
    | type[TicketLogRequest]
)


def ticket_access(
    conn: Connection, *, ticket_id: uuid.UUID, user_id: uuid.UUID, for_update: bool = False
) -> AnyRow | None:
    """The ticket with ``team_id`` and ``role`` (None: `user_id` is not in the team)."""
    member = and_(TeamMember.team_id == Product.team_id, TeamMember.user_id == user_id)
    stmt = (
        select(Ticket.__table__, Product.team_id, TeamMember.role)
        .join(Product, Product.id == Ticket.product_id)
        .outerjoin(TeamMember, member)
        .where(Ticket.id == ticket_id)
    )
    if for_update:
        stmt = stmt.with_for_update(of=Ticket)
    return conn.execute(stmt).first()


def get_by_id(
    conn: Connection, table: Table, row_id: uuid.UUID | None, *, for_update: bool = False
) -> AnyRow | None:
    if row_id is None:
        return None
    stmt = select(table.__table__).where(table.id == row_id)
    if for_update:
        stmt = stmt.with_for_update()
    return conn.execute(stmt).first()


def insert_row(conn: Connection, table: Table, values: dict[str, Any]) -> AnyRow:
    conn.execute(insert(table).values(values))
    return conn.execute(select(table.__table__).where(table.id == values["id"])).one()


def update_row(
    conn: Connection, table: Table, *, row_id: uuid.UUID, values: dict[str, Any]
) -> AnyRow:
    conn.execute(update(table).where(table.id == row_id).values(values))
    return conn.execute(select(table.__table__).where(table.id == row_id)).one()


def delete_attachment(conn: Connection, *, attachment_id: uuid.UUID) -> None:
    conn.execute(delete(TicketAttachment).where(TicketAttachment.id == attachment_id))


def tickets_statement(product_id: uuid.UUID, filters: dict[str, Any]) -> Select[Any]:
    """Tickets of a product narrowed by a parsed `TicketFilter` (hidden ones only if asked)."""
    stmt = select(Ticket.__table__).where(Ticket.product_id == product_id)
    if not filters.get("showHidden", False):
        stmt = stmt.where(Ticket.hidden.is_(False))
    if "status" in filters:
        stmt = stmt.where(Ticket.status.in_(filters["status"]))
    if "state" in filters:
        states = filters["state"]
        if states == ("locked",):
            stmt = stmt.where(Ticket.status == "locked")
        elif states == ("open",):
            stmt = stmt.where(Ticket.status != "locked")
    if "labelId" in filters:
        tagged = select(TicketTagLink.ticket_id).where(TicketTagLink.tag_id.in_(filters["labelId"]))
        stmt = stmt.where(Ticket.id.in_(tagged))
    if "search" in filters:
        pattern = "%" + _escape_like(filters["search"].lower()) + "%"
        in_messages = exists().where(
            TicketMessage.ticket_id == Ticket.id,
            TicketMessage.deleted_at.is_(None),
            TicketMessage.body.ilike(pattern, escape="\\"),
        )
        stmt = stmt.where(or_(Ticket.subject.ilike(pattern, escape="\\"), in_messages))
    return stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def tickets_by_ids(conn: Connection, ids: list[uuid.UUID], user_id: uuid.UUID) -> list[AnyRow]:
    """The tickets of `ids` that `user_id` may read (team member or customer), in `ids` order."""
    member = and_(TeamMember.team_id == Product.team_id, TeamMember.user_id == user_id)
    stmt = (
        select(Ticket.__table__, TeamMember.role)
        .join(Product, Product.id == Ticket.product_id)
        .outerjoin(TeamMember, member)
        .where(Ticket.id.in_(ids))
    )
    rows = {row.id: row for row in conn.execute(stmt)}
    visible = [rows[i] for i in dict.fromkeys(ids) if i in rows]
    return [r for r in visible if r.role is not None or r.user_id == user_id]


def messages_statement(ticket_id: uuid.UUID) -> Select[Any]:
    return select(TicketMessage.__table__).where(TicketMessage.ticket_id == ticket_id)


def last_message_by(conn: Connection, *, ticket_id: uuid.UUID) -> uuid.UUID | None:
    """The author of the ticket's latest message that is not deleted."""
    stmt = (
        select(TicketMessage.user_id)
        .where(TicketMessage.ticket_id == ticket_id, TicketMessage.deleted_at.is_(None))
        .order_by(TicketMessage.seq.desc())
        .limit(1)
    )
    return conn.execute(stmt).scalar()


def revisions_statement(message_id: uuid.UUID) -> Select[Any]:
    return select(TicketMessageRevision.__table__).where(
        TicketMessageRevision.message_id == message_id
    )


def attachments_statement(ticket_id: uuid.UUID) -> Select[Any]:
    return select(TicketAttachment.__table__).where(TicketAttachment.ticket_id == ticket_id)


def tags_statement(ticket_id: uuid.UUID) -> Select[Any]:
    """The tags on a ticket (``seq`` is the link's: the order they were put on)."""
    columns = (TicketTag.id, TicketTag.name, TicketTag.bg, TicketTag.text, TicketTagLink.seq)
    stmt = (
        select(*columns)
        .join(TicketTagLink, TicketTagLink.tag_id == TicketTag.id)
        .where(TicketTagLink.ticket_id == ticket_id)
    )
    return cast("Select[Any]", stmt)


def add_tag(conn: Connection, *, ticket_id: uuid.UUID, tag_id: uuid.UUID, now: Any) -> bool:
    """Put a tag on a ticket; False if it already was."""
    present = conn.execute(
        select(TicketTagLink.seq).where(
            TicketTagLink.ticket_id == ticket_id, TicketTagLink.tag_id == tag_id
        )
    ).first()
    if present is not None:
        return False
    conn.execute(insert(TicketTagLink).values(ticket_id=ticket_id, tag_id=tag_id, created_at=now))
    return True


def remove_tag(conn: Connection, *, ticket_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
    result = conn.execute(
        delete(TicketTagLink).where(
            TicketTagLink.ticket_id == ticket_id, TicketTagLink.tag_id == tag_id
        )
    )
    return bool(result.rowcount)


def tag_of_team(conn: Connection, *, tag_id: uuid.UUID | None, team_id: uuid.UUID) -> AnyRow | None:
    if tag_id is None:
        return None
    stmt = select(TicketTag.__table__).where(TicketTag.id == tag_id, TicketTag.team_id == team_id)
    return conn.execute(stmt).first()


def attachment_file(conn: Connection, *, file_key: str) -> AnyRow | None:
    stmt = select(TicketAttachment.file_key, TicketAttachment.original_name).where(
        TicketAttachment.file_key == file_key
    )
    return conn.execute(stmt).first()


def file_keys(conn: Connection) -> set[str]:
    return set(conn.execute(select(TicketAttachment.file_key)).scalars())
