"""`reply_to_ticket`: one call for a plain reply, two (in the right order) with a status."""

from __future__ import annotations

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk.api.ticket_messages_api import AsyncTicketMessagesApi, TicketMessagesApi
from gmodstore_sdk.exceptions import ApiValueError

from .conftest import Desk


def test_a_plain_reply_is_one_request(desk: Desk) -> None:
    ticket, _ = desk.open()
    sent: list[str] = []
    config = gmodstore_sdk.Configuration(
        host=desk.sb.url, access_token=desk.sb.user_token(desk.sb.ids.owner_user_id)
    )
    hooks = {"request": [lambda r: sent.append(r.method)]}
    with httpx.Client(event_hooks=hooks) as http:
        client = gmodstore_sdk.ApiClient(config, http_client=http)
        reply = TicketMessagesApi(client).reply_to_ticket(ticket, "on it")
    assert sent == ["POST"]
    assert reply.ticket is None and reply.message.body == "on it"
    assert desk.owner.tickets.get_ticket(ticket).data.status == "awaiting_customer"


@pytest.mark.parametrize("status", ["on_hold", "locked"])
def test_reply_then_hold_or_close(desk: Desk, status: str) -> None:
    ticket, _ = desk.open()
    reply = desk.member.messages.reply_to_ticket(ticket, "last words", status=status)
    assert reply.ticket is not None and reply.ticket.status == status
    thread = desk.owner.messages.list_ticket_messages(ticket).data
    assert thread[-1].id == reply.message.id


def test_reopen_a_locked_ticket_then_reply(desk: Desk) -> None:
    ticket, _ = desk.open()
    desk.owner.tickets.update_ticket(ticket, {"status": "locked"})
    reply = desk.member.messages.reply_to_ticket(ticket, "reopened", status="open")
    assert reply.message.body == "reopened"
    assert desk.owner.tickets.get_ticket(ticket).data.status == "awaiting_customer"


def test_an_unknown_status_is_refused_before_sending(desk: Desk) -> None:
    ticket, _ = desk.open()
    with pytest.raises(ApiValueError):
        desk.member.messages.reply_to_ticket(ticket, "x", status="closed")
    assert len(desk.owner.messages.list_ticket_messages(ticket).data) == 1


@pytest.mark.anyio
async def test_async_reply_and_close(desk: Desk) -> None:
    ticket, _ = desk.open()
    token = desk.sb.user_token(desk.sb.ids.owner_user_id)
    config = gmodstore_sdk.Configuration(host=desk.sb.url, access_token=token, retries=0)
    async with gmodstore_sdk.AsyncApiClient(config) as client:
        reply = await AsyncTicketMessagesApi(client).reply_to_ticket(ticket, "bye", status="locked")
    assert reply.ticket is not None and reply.ticket.status == "locked"
    assert reply.message.body == "bye"
