"""The rules of the ticket endpoints: access, the status machine, paging. Never imports fastapi.

Who may do what (the README's "Ticket permissions" table): members of the team that owns the
ticket's product, and the ticket's customer, may read it and write messages and attachments
(each with the operation's scope); only team members list a product's tickets, change a ticket,
tag it or ask for a log. A message is edited by its author only; it is deleted or restored by its
author or a team owner. Check order: the ticket exists (404), the caller may see it (403), the
scope (403), the change is allowed (403), the input (400), the item exists in the ticket (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select

from ..content.service import Core, later, unwrap
from ..exceptions import InvalidInput, NotTeamMember
from ..params import parse_uuid
from ..service import Principal
from ..storage.cursor import query_binding
from ..storage.tables import utcnow
from . import machine
from . import storage as store
from .events import emit
from .exceptions import TicketLocked, TicketNotFound
from .schemas import ticket_dict
from .tables import Ticket

__all__ = [
    "ATTACHMENTS_READ",
    "ATTACHMENTS_WRITE",
    "MESSAGES_READ",
    "MESSAGES_WRITE",
    "TAGS_READ",
    "TAGS_WRITE",
    "TICKETS_READ",
    "TICKETS_WRITE",
    "TicketAccess",
    "TicketCore",
]

TICKETS_READ = "tickets:read"
TICKETS_WRITE = "tickets:write"
MESSAGES_READ = "ticket-messages:read"
MESSAGES_WRITE = "ticket-messages:write"
ATTACHMENTS_READ = "ticket-attachments:read"
ATTACHMENTS_WRITE = "ticket-attachments:write"
TAGS_READ = "ticket-tags:read"
TAGS_WRITE = "ticket-tags:write"
MAX_BATCH = 100


@dataclass(frozen=True)
class TicketAccess:
    """A ticket as seen by one caller: the row, its team, and the caller's standing."""

    row: Any
    team_id: uuid.UUID
    role: str | None
    """The caller's team role (``owner``, ``member``), None for the customer."""

    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


def ticket_check(
    conn: Connection,
    principal: Principal,
    ticket: str,
    scope: str,
    *,
    team_only: bool = False,
    for_update: bool = False,
) -> TicketAccess:
    ticket_id = parse_uuid(ticket)
    row = None
    if ticket_id is not None:
        row = store.ticket_access(
            conn, ticket_id=ticket_id, user_id=principal.user_id, for_update=for_update
        )
    if row is None:
        raise TicketNotFound()
    if row.role is None and (team_only or row.user_id != principal.user_id):
        raise NotTeamMember()
    principal.require(scope)
    return TicketAccess(row, row.team_id, row.role)


def not_locked(access: TicketAccess) -> None:
    if access.row.status == machine.LOCKED:
        raise TicketLocked()


class TicketCore(Core):
    """Access checks and keyset pages shared by the ticket services."""

    def authorize_ticket(
        self, principal: Principal, *, ticket: str, scope: str, team_only: bool = False
    ) -> None:
        """The access checks alone (before a body is read)."""
        with self.engine.connect() as conn:
            ticket_check(conn, principal, ticket, scope, team_only=team_only)

    def page(
        self,
        conn: Connection,
        *,
        stmt: Select[Any],
        seq: Any,
        binding: bytes,
        query: Any,
        to_dict: Callable[[Any], dict[str, Any]],
    ) -> dict[str, Any]:
        """One page ``{"data", "cursors", "connections", "meta"}`` of `stmt`, oldest first."""
        parsed = unwrap(query)
        cursor = self._decode(parsed.cursor, binding)

        class _Seq:  # Core._page reads ``table.seq``
            pass

        holder: Any = _Seq()
        holder.seq = seq
        rows, prev, nxt = self._page(conn, stmt, holder, parsed.per_page, cursor)
        encode = self._codec.encode
        return {
            "data": [to_dict(row) for row in rows],
            "cursors": {
                "prev": None if prev is None else encode(prev, binding=binding),
                "next": None if nxt is None else encode(nxt, binding=binding),
            },
            "connections": [],
            "meta": {"perPage": parsed.per_page},
        }


def binding(kind: str, owner: uuid.UUID, filters: dict[str, Any] | None = None) -> bytes:
    return query_binding(kind, str(owner), sorted(f"{k}={v!r}" for k, v in (filters or {}).items()))


class TicketService(TicketCore):
    """Tickets: list, get, batch, update (status machine, hidden)."""

    def list(self, principal: Principal, *, product: str, query: Any) -> dict[str, Any]:
        with self.engine.connect() as conn:
            access = self.check(conn, principal, product, TICKETS_READ)
            parsed = unwrap(query)
            return self.page(
                conn,
                stmt=store.tickets_statement(access.product_id, parsed.filters),
                seq=Ticket.seq,
                binding=binding("tickets", access.product_id, parsed.filters),
                query=parsed,
                to_dict=ticket_dict,
            )

    def get(self, principal: Principal, *, ticket: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            access = ticket_check(conn, principal, ticket, TICKETS_READ)
        return {"data": ticket_dict(access.row)}

    def batch(self, principal: Principal, *, ids: Sequence[str] | InvalidInput) -> dict[str, Any]:
        principal.require(TICKETS_READ)
        wanted: Sequence[str] = unwrap(ids)
        parsed = [parse_uuid(i) for i in wanted]
        if not wanted or len(wanted) > MAX_BATCH or any(p is None for p in parsed):
            raise InvalidInput({"ids": [f"Give 1 to {MAX_BATCH} ticket ids (UUIDs) as ids[]."]})
        with self.engine.connect() as conn:
            rows = store.tickets_by_ids(conn, [p for p in parsed if p], principal.user_id)
        return {"data": [ticket_dict(r) for r in rows]}

    def update(self, principal: Principal, *, ticket: str, payload: Any) -> dict[str, Any]:
        with self.write() as conn, conn.begin():
            access = ticket_check(
                conn, principal, ticket, TICKETS_WRITE, team_only=True, for_update=True
            )
            update = unwrap(payload)
            row, now = access.row, utcnow()
            values: dict[str, Any] = {}
            changes: list[str] = []
            if update.status is not None:
                last = store.last_message_by(conn, ticket_id=row.id)
                status, change = machine.after_update(
                    row.status, update.status, last_author_is_customer=last in (None, row.user_id)
                )
                if change is not None:
                    values["status"] = status
                    values["locked_at"] = now if status == machine.LOCKED else None
                    changes.append(change)
            if update.hidden is not None and update.hidden != row.hidden:
                values["hidden"] = update.hidden
                changes.append("hidden" if update.hidden else "unhidden")
            if values:
                values["updated_at"] = later(row.updated_at, now)
                row = store.update_row(conn, Ticket, row_id=row.id, values=values)
            data = ticket_dict(row)
            for change in changes:
                emit(
                    conn,
                    f"ticket.{change}",
                    team_id=access.team_id,
                    data=data,
                    now=now,
                    product_id=row.product_id,
                )
        return {"data": data}
