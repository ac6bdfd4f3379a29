"""What customers do on the website (open a ticket, reply), what sellers set up there (the tag
catalogue, log requests), and the ticket seed. Used by ``gmodstore sandbox tickets`` and the
testing helper.

Opening a ticket and replying to it are changes a seller's bot listens for, so they emit
``ticket.created`` and ``ticket_message.created`` like the API's own changes; the seed, like the
purchase seed, writes no events.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from ..storage.db import WRITE
from ..storage.tables import Product, TeamMember, utcnow
from . import machine
from . import storage as store
from .events import emit
from .messages import add_message
from .schemas import ticket_dict
from .service import TicketAccess
from .tables import Ticket, TicketLogRequest, TicketMessage, TicketMessageRevision, TicketTag

__all__ = [
    "TicketAdminError",
    "TicketSeed",
    "create_tag",
    "customer_reply",
    "open_ticket",
    "request_log",
    "seed_tickets",
]


class TicketAdminError(Exception):
    """A sandbox command could not be done (unknown id, locked ticket)."""


def _write(engine: Engine) -> Connection:
    return engine.connect().execution_options(**WRITE)


def _team_of(conn: Connection, product_id: uuid.UUID) -> uuid.UUID:
    team = conn.execute(select(Product.team_id).where(Product.id == product_id)).scalar()
    if team is None:
        raise TicketAdminError(f"no product {product_id}")
    return uuid.UUID(str(team))


def _access(conn: Connection, ticket_id: uuid.UUID, user_id: uuid.UUID) -> TicketAccess:
    row = store.ticket_access(conn, ticket_id=ticket_id, user_id=user_id, for_update=True)
    if row is None:
        raise TicketAdminError(f"no ticket {ticket_id}")
    return TicketAccess(row, row.team_id, row.role)


def open_ticket(engine: Engine, *, product_id: str, user_id: str, subject: str, body: str) -> str:
    """A customer opens a ticket (status ``awaiting_agent``) with a first message; its id."""
    now, ticket_id = utcnow(), uuid.uuid4()
    with _write(engine) as conn, conn.begin():
        team_id = _team_of(conn, uuid.UUID(product_id))
        row = store.insert_row(
            conn,
            Ticket,
            {
                "id": ticket_id,
                "product_id": uuid.UUID(product_id),
                "user_id": uuid.UUID(user_id),
                "subject": subject,
                "status": machine.AWAITING_AGENT,
                "hidden": False,
                "locked_at": None,
                "created_at": now,
                "updated_at": now,
            },
        )
        emit(
            conn,
            "ticket.created",
            team_id=team_id,
            data=ticket_dict(row),
            now=now,
            product_id=row.product_id,
        )
        add_message(
            conn,
            _access(conn, ticket_id, uuid.UUID(user_id)),
            user_id=row.user_id,
            body=body,
            now=now,
        )
    return str(ticket_id)


def customer_reply(engine: Engine, *, ticket_id: str, body: str, user_id: str | None = None) -> str:
    """A message by the ticket's customer (or `user_id`); the new message's id."""
    from .exceptions import TicketLocked

    with _write(engine) as conn, conn.begin():
        ticket = store.get_by_id(conn, Ticket, uuid.UUID(ticket_id))
        if ticket is None:
            raise TicketAdminError(f"no ticket {ticket_id}")
        author = uuid.UUID(user_id) if user_id else ticket.user_id
        try:
            data = add_message(
                conn, _access(conn, ticket.id, author), user_id=author, body=body, now=utcnow()
            )
        except TicketLocked:
            raise TicketAdminError(f"ticket {ticket_id} is locked") from None
    return str(data["id"])


def request_log(
    engine: Engine, *, ticket_id: str, user_id: str | None = None, game: str = "gmod"
) -> str:
    """A team member (default: the team's owner) asks the customer for a log; the request's id."""
    now = utcnow()
    with _write(engine) as conn, conn.begin():
        ticket = store.get_by_id(conn, Ticket, uuid.UUID(ticket_id))
        if ticket is None:
            raise TicketAdminError(f"no ticket {ticket_id}")
        asker = uuid.UUID(user_id) if user_id else _owner(conn, ticket.product_id)
        row = store.insert_row(
            conn,
            TicketLogRequest,
            {
                "id": uuid.uuid4(),
                "ticket_id": ticket.id,
                "user_id": asker,
                "game": game,
                "attachment_id": None,
                "created_at": now,
                "updated_at": now,
                "deleted_at": None,
            },
        )
    return str(row.id)


def _owner(conn: Connection, product_id: uuid.UUID) -> uuid.UUID:
    stmt = (
        select(TeamMember.user_id)
        .join(Product, Product.team_id == TeamMember.team_id)
        .where(Product.id == product_id)
        .order_by(TeamMember.role != "owner")
        .limit(1)
    )
    owner = conn.execute(stmt).scalar()
    if owner is None:
        raise TicketAdminError(f"the team of product {product_id} has no member")
    return uuid.UUID(str(owner))


def create_tag(
    engine: Engine, *, team_id: str, name: str, bg: str = "#4b5563", text: str = "#ffffff"
) -> str:
    """Add a tag to a team's catalogue; its id."""
    with _write(engine) as conn, conn.begin():
        return str(_tag(conn, uuid.UUID(team_id), name, bg, text))


def _tag(conn: Connection, team_id: uuid.UUID, name: str, bg: str, text: str) -> uuid.UUID:
    taken = conn.execute(
        select(TicketTag.id).where(TicketTag.team_id == team_id, TicketTag.name == name)
    ).first()
    if taken is not None:
        raise TicketAdminError(f"the team already has a tag named {name!r}")
    tag_id = uuid.uuid4()
    store.insert_row(
        conn, TicketTag, {"id": tag_id, "team_id": team_id, "name": name, "bg": bg, "text": text}
    )
    return tag_id


# --- seed ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketSeed:
    ticket_ids: list[str] = field(default_factory=list)
    ticket_customer_ids: list[str] = field(default_factory=list)
    ticket_tag_ids: list[str] = field(default_factory=list)
    other_team_ticket_ids: list[str] = field(default_factory=list)
    log_request_ids: list[str] = field(default_factory=list)


SEED_TICKETS = (
    # (subject, final status, hidden, thread: True = customer message, False = the team's)
    ("Addon crashes on startup", machine.AWAITING_AGENT, False, (True,)),
    ("How do I configure the shop?", machine.AWAITING_CUSTOMER, False, (True, False)),
    ("Refund request", machine.ON_HOLD, False, (True, False, True)),
    ("Old question about textures", machine.LOCKED, False, (True, False)),
    ("Buy cheap gold", machine.AWAITING_AGENT, True, (True,)),
)
"""The tickets of the seeded product, in creation order (``sb.ids.ticket_ids``)."""


def _seed_ticket(
    conn: Connection,
    product_id: uuid.UUID,
    customer: uuid.UUID,
    staff: uuid.UUID,
    spec: tuple[str, str, bool, tuple[bool, ...]],
    at: datetime,
) -> uuid.UUID:
    subject, status, hidden, thread = spec
    ticket_id = uuid.uuid4()
    store.insert_row(
        conn,
        Ticket,
        {
            "id": ticket_id,
            "product_id": product_id,
            "user_id": customer,
            "subject": subject,
            "status": status,
            "hidden": hidden,
            "locked_at": at if status == machine.LOCKED else None,
            "created_at": at,
            "updated_at": at + timedelta(minutes=len(thread)),
        },
    )
    for n, by_customer in enumerate(thread):
        when = at + timedelta(minutes=n)
        body = f"{subject} (message {n + 1})" if by_customer else f"Thanks, looking into it ({n})."
        message_id, revision_id = uuid.uuid4(), uuid.uuid4()
        values: dict[str, Any] = {
            "id": message_id,
            "ticket_id": ticket_id,
            "user_id": customer if by_customer else staff,
            "body": body,
            "revisions_count": 1,
            "revision_id": revision_id,
            "revision_created_at": when,
            "created_at": when,
            "updated_at": when,
            "deleted_at": None,
        }
        store.insert_row(conn, TicketMessage, values)
        store.insert_row(
            conn,
            TicketMessageRevision,
            {
                "id": revision_id,
                "message_id": message_id,
                "body": body,
                "created_at": when,
                "updated_at": when,
            },
        )
    return ticket_id


def seed_tickets(
    engine: Engine,
    *,
    product_id: str,
    other_product_id: str,
    customers: list[str],
    staff_id: str,
    other_staff_id: str,
    team_id: str,
    other_team_id: str,
    start: datetime,
) -> TicketSeed:
    """Five tickets on `product_id` (`SEED_TICKETS`), one on `other_product_id`, a tag catalogue
    per team (team A: bug, question, refund; team B: urgent), a log request on the first ticket."""
    product, staff = uuid.UUID(product_id), uuid.UUID(staff_id)
    with _write(engine) as conn, conn.begin():
        ids = [
            _seed_ticket(
                conn,
                product,
                uuid.UUID(customers[i % len(customers)]),
                staff,
                spec,
                start + timedelta(hours=i),
            )
            for i, spec in enumerate(SEED_TICKETS)
        ]
        other = _seed_ticket(
            conn,
            uuid.UUID(other_product_id),
            uuid.UUID(customers[0]),
            uuid.UUID(other_staff_id),
            SEED_TICKETS[0],
            start,
        )
        palette = (("bug", "#dc2626"), ("question", "#2563eb"), ("refund", "#d97706"))
        tags = [_tag(conn, uuid.UUID(team_id), name, bg, "#ffffff") for name, bg in palette]
        _tag(conn, uuid.UUID(other_team_id), "urgent", "#7c3aed", "#ffffff")
        request = store.insert_row(
            conn,
            TicketLogRequest,
            {
                "id": uuid.uuid4(),
                "ticket_id": ids[0],
                "user_id": staff,
                "game": "gmod",
                "attachment_id": None,
                "created_at": start,
                "updated_at": start,
                "deleted_at": None,
            },
        )
    return TicketSeed(
        ticket_ids=[str(i) for i in ids],
        ticket_customer_ids=customers[: len(ids)],
        ticket_tag_ids=[str(t) for t in tags],
        other_team_ticket_ids=[str(other)],
        log_request_ids=[str(request.id)],
    )
