"""Ticket messages and their revisions.

A message's body is always its latest revision: creating a message stores revision 1, each edit
that changes the body stores one more (``revisionsCount``, ``revisionId`` of the latest), so the
revisions list is the message's whole history, oldest first. Deletion is soft (``deletedAt``) and
restorable. Messages of a locked ticket cannot be written, edited, deleted or restored (403).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ..content.service import later, unwrap
from ..exceptions import InvalidInput
from ..params import parse_uuid
from ..service import Principal
from ..storage.tables import utcnow
from . import machine
from . import storage as store
from .events import emit
from .exceptions import MessageNotFound, NotAllowed, RevisionNotFound
from .schemas import message_dict, revision_dict
from .service import (
    MESSAGES_READ,
    MESSAGES_WRITE,
    TicketAccess,
    TicketCore,
    binding,
    not_locked,
    ticket_check,
)
from .tables import Ticket, TicketMessage, TicketMessageRevision

__all__ = ["MessageService", "add_message"]


def add_message(
    conn: Connection, access: TicketAccess, *, user_id: uuid.UUID, body: str, now: datetime
) -> dict[str, Any]:
    """Insert a message and its first revision, move the status, emit ``ticket_message.created``.

    Shared by the API (a team member or the customer) and the sandbox's customer commands.
    """
    ticket = access.row
    not_locked(access)
    message_id, revision_id = uuid.uuid4(), uuid.uuid4()
    row = store.insert_row(
        conn,
        TicketMessage,
        {
            "id": message_id,
            "ticket_id": ticket.id,
            "user_id": user_id,
            "body": body,
            "revisions_count": 1,
            "revision_id": revision_id,
            "revision_created_at": now,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
        },
    )
    store.insert_row(
        conn,
        TicketMessageRevision,
        {
            "id": revision_id,
            "message_id": message_id,
            "body": body,
            "created_at": now,
            "updated_at": now,
        },
    )
    status = machine.after_message(ticket.status, by_customer=user_id == ticket.user_id)
    store.update_row(
        conn,
        Ticket,
        row_id=ticket.id,
        values={"status": status, "updated_at": later(ticket.updated_at, now)},
    )
    data = message_dict(row)
    emit(
        conn,
        "ticket_message.created",
        team_id=access.team_id,
        data=data,
        now=now,
        product_id=ticket.product_id,
    )
    return data


class MessageService(TicketCore):
    def list(self, principal: Principal, *, ticket: str, query: Any) -> dict[str, Any]:
        with self.engine.connect() as conn:
            access = ticket_check(conn, principal, ticket, MESSAGES_READ)
            return self.page(
                conn,
                stmt=store.messages_statement(access.row.id),
                seq=TicketMessage.seq,
                binding=binding("ticket_messages", access.row.id),
                query=query,
                to_dict=message_dict,
            )

    def _message(
        self, conn: Connection, access: TicketAccess, message: str, *, for_update: bool = False
    ) -> Any:
        row = store.get_by_id(conn, TicketMessage, parse_uuid(message), for_update=for_update)
        if row is None or row.ticket_id != access.row.id:
            raise MessageNotFound()
        return row

    def get(self, principal: Principal, *, ticket: str, message: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            access = ticket_check(conn, principal, ticket, MESSAGES_READ)
            return {"data": message_dict(self._message(conn, access, message))}

    def create(self, principal: Principal, *, ticket: str, payload: Any) -> dict[str, Any]:
        with self.write() as conn, conn.begin():
            access = ticket_check(conn, principal, ticket, MESSAGES_WRITE, for_update=True)
            not_locked(access)
            body = unwrap(payload).body
            data = add_message(conn, access, user_id=principal.user_id, body=body, now=utcnow())
        return {"data": data}

    def update(
        self, principal: Principal, *, ticket: str, message: str, payload: Any
    ) -> dict[str, Any]:
        with self.write() as conn, conn.begin():
            access = ticket_check(conn, principal, ticket, MESSAGES_WRITE, for_update=True)
            not_locked(access)
            update = unwrap(payload)
            row = self._message(conn, access, message, for_update=True)
            if row.user_id != principal.user_id:
                raise NotAllowed("Only the author of a message may edit it.")
            if row.deleted_at is not None:
                raise InvalidInput({"message": ["A deleted message cannot be edited."]})
            if update.body is None or update.body == row.body:
                return {"data": message_dict(row)}
            now = utcnow()
            revision_id = uuid.uuid4()
            store.insert_row(
                conn,
                TicketMessageRevision,
                {
                    "id": revision_id,
                    "message_id": row.id,
                    "body": update.body,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            row = store.update_row(
                conn,
                TicketMessage,
                row_id=row.id,
                values={
                    "body": update.body,
                    "revisions_count": row.revisions_count + 1,
                    "revision_id": revision_id,
                    "revision_created_at": now,
                    "updated_at": later(row.updated_at, now),
                },
            )
            data = message_dict(row)
            emit(
                conn,
                "ticket_message.updated",
                team_id=access.team_id,
                data=data,
                now=now,
                product_id=access.row.product_id,
            )
        return {"data": data}

    def _set_deleted(
        self, principal: Principal, *, ticket: str, message: str, deleted: bool
    ) -> dict[str, Any]:
        with self.write() as conn, conn.begin():
            access = ticket_check(conn, principal, ticket, MESSAGES_WRITE, for_update=True)
            not_locked(access)
            row = self._message(conn, access, message, for_update=True)
            if row.user_id != principal.user_id and not access.is_owner:
                raise NotAllowed("Only the author of a message or a team owner may do this.")
            if (row.deleted_at is not None) == deleted:
                state = "already deleted" if deleted else "not deleted"
                raise InvalidInput({"message": [f"The message is {state}."]})
            now = utcnow()
            row = store.update_row(
                conn,
                TicketMessage,
                row_id=row.id,
                values={
                    "deleted_at": now if deleted else None,
                    "updated_at": later(row.updated_at, now),
                },
            )
            data = message_dict(row)
            change = "deleted" if deleted else "restored"
            emit(
                conn,
                f"ticket_message.{change}",
                team_id=access.team_id,
                data=data,
                now=now,
                product_id=access.row.product_id,
            )
        return {"data": data}

    def delete(self, principal: Principal, *, ticket: str, message: str) -> dict[str, Any]:
        return self._set_deleted(principal, ticket=ticket, message=message, deleted=True)

    def restore(self, principal: Principal, *, ticket: str, message: str) -> dict[str, Any]:
        """Undo a deletion. (The reference documents a `ProductVersion` answer, a slip: the SDK's
        generator and this sandbox answer the message.)"""
        return self._set_deleted(principal, ticket=ticket, message=message, deleted=False)

    def revisions(
        self, principal: Principal, *, ticket: str, message: str, query: Any
    ) -> dict[str, Any]:
        with self.engine.connect() as conn:
            access = ticket_check(conn, principal, ticket, MESSAGES_READ)
            row = self._message(conn, access, message)
            return self.page(
                conn,
                stmt=store.revisions_statement(row.id),
                seq=TicketMessageRevision.seq,
                binding=binding("ticket_message_revisions", row.id),
                query=query,
                to_dict=revision_dict,
            )

    def revision(
        self, principal: Principal, *, ticket: str, message: str, revision: str
    ) -> dict[str, Any]:
        with self.engine.connect() as conn:
            access = ticket_check(conn, principal, ticket, MESSAGES_READ)
            row = self._message(conn, access, message)
            found = store.get_by_id(conn, TicketMessageRevision, parse_uuid(revision))
        if found is None or found.message_id != row.id:
            raise RevisionNotFound()
        return {"data": revision_dict(found)}
