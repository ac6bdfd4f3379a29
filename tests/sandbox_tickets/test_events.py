"""Every ticket event type, emitted by the change that means it, delivered verified and in order."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from gmodstore_sandbox.storage.db import make_engine
from gmodstore_sandbox.storage.tables import OutboxEvent
from gmodstore_sandbox.tickets.events import ATTACHMENT_EVENTS, MESSAGE_EVENTS, TICKET_EVENTS
from gmodstore_sandbox.webhooks import admin
from gmodstore_sdk.exceptions import ApiException
from webhooks.receiver import Receiver  # tests/webhooks (pytest puts tests/ on sys.path)

from .conftest import Desk

ALL = [e.name for e in (*TICKET_EVENTS, *MESSAGE_EVENTS, *ATTACHMENT_EVENTS)]


@pytest.fixture
def engine(desk: Desk) -> Iterator[Engine]:
    engine = make_engine(desk.sb.database_url, pool_size=2)
    yield engine
    engine.dispose()


def ticket_of(data: Any) -> str:
    for path in (("ticket_id",), ("ticket", "id"), ("id",)):
        value = data
        for part in path:
            value = getattr(value, part, None)
        if value is not None:
            return str(value)
    raise AssertionError(data)


def settled(engine: Engine, endpoint_id: str, timeout: float = 10.0) -> None:
    """Wait until no delivery to the endpoint is pending (its attempts are all recorded), so that
    removing it races no attempt being written (on PostgreSQL that would break its foreign key)."""
    deadline = time.monotonic() + timeout
    while admin.list_deliveries(engine, endpoint_id=endpoint_id, status="pending"):
        assert time.monotonic() < deadline, "deliveries still pending"
        time.sleep(0.05)


def play(desk: Desk) -> str:
    """One ticket's whole life: each of the 16 changes below emits one event."""
    ticket, _ = desk.open()  # ticket.created, ticket_message.created
    messages, tickets = desk.member.messages, desk.owner.tickets
    message = messages.create_ticket_message(ticket, {"body": "hello"}).data
    messages.update_ticket_message(ticket, message.id, {"body": "hello again"})
    messages.delete_ticket_message(ticket, message.id)
    messages.restore_ticket_message(ticket, message.id)
    attachment = desk.member.attachments.create_ticket_attachment(ticket, b"log").data
    desk.member.attachments.delete_ticket_attachment(ticket, attachment.id)
    tag = desk.sb.ids.ticket_tag_ids[0]
    desk.member.tags.create_ticket_tag(ticket, {"tag_id": tag})
    desk.member.tags.delete_ticket_tag(ticket, tag)
    for change in ({"status": "on_hold"}, {"status": "open"}, {"hidden": True}, {"hidden": False}):
        tickets.update_ticket(ticket, change)
    tickets.update_ticket(ticket, {"status": "locked"})
    tickets.update_ticket(ticket, {"status": "open"})
    return ticket


EXPECTED = {
    "ticket": [
        "ticket.created",
        "ticket.tagged",
        "ticket.untagged",
        "ticket.held",
        "ticket.unheld",
        "ticket.hidden",
        "ticket.unhidden",
        "ticket.locked",
        "ticket.unlocked",
    ],
    "ticket_message": [
        "ticket_message.created",
        "ticket_message.created",
        "ticket_message.updated",
        "ticket_message.deleted",
        "ticket_message.restored",
    ],
    "ticket_attachment": ["ticket_attachment.created", "ticket_attachment.deleted"],
}


def test_every_event_type_reaches_a_verifying_receiver_in_order(desk: Desk, engine: Engine) -> None:
    with Receiver() as receiver:
        endpoint = admin.add_endpoint(
            engine, team=desk.sb.ids.team_id, url=receiver.url, event_types=ALL
        )
        assert endpoint.secret is not None
        receiver.secret = endpoint.secret
        try:
            ticket = play(desk)
            receiver.wait_until(
                lambda r: sum(ticket_of(e.data) == ticket for e in r.events) >= 16, timeout=30
            )
            settled(engine, endpoint.id)
        finally:
            admin.remove_endpoint(engine, endpoint_id=endpoint.id)
    mine = [e for e in receiver.events if ticket_of(e.data) == ticket]
    assert receiver.rejected == []
    for resource, kinds in EXPECTED.items():
        got = [e.event_type for e in mine if e.event_type.partition(".")[0] == resource]
        assert got == kinds
    assert sorted({e.event_type for e in mine}) == sorted(ALL)


def test_a_refused_change_writes_no_event(desk: Desk, engine: Engine) -> None:
    ticket, _ = desk.open()
    desk.owner.tickets.update_ticket(ticket, {"status": "locked"})
    with engine.connect() as conn:
        before = conn.execute(select(func.max(OutboxEvent.seq))).scalar()
    for call in (
        lambda: desk.member.messages.create_ticket_message(ticket, {"body": "x"}),
        lambda: desk.owner.tickets.update_ticket(ticket, {"status": "on_hold"}),
        lambda: desk.member.attachments.create_ticket_attachment(ticket, b"x"),
    ):
        with pytest.raises(ApiException):
            call()
    desk.owner.tickets.update_ticket(ticket, {"status": "locked"})  # no change: no event
    with engine.connect() as conn:
        assert conn.execute(select(func.max(OutboxEvent.seq))).scalar() == before
