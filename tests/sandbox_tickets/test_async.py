"""The same ticket surface through the async twins of the generated SDK."""

from __future__ import annotations

import hashlib

import pytest

import gmodstore_sdk
from gmodstore_sdk.api.product_tickets_api import AsyncProductTicketsApi
from gmodstore_sdk.api.ticket_attachments_api import AsyncTicketAttachmentsApi
from gmodstore_sdk.api.ticket_log_requests_api import AsyncTicketLogRequestsApi
from gmodstore_sdk.api.ticket_messages_api import AsyncTicketMessagesApi
from gmodstore_sdk.api.ticket_tags_api import AsyncTicketTagsApi
from gmodstore_sdk.api.tickets_api import AsyncTicketsApi
from gmodstore_sdk.exceptions import ApiException
from gmodstore_sdk.model.ticket_filter import TicketFilter

from .conftest import Desk

pytestmark = pytest.mark.anyio


def client(desk: Desk, token: str) -> gmodstore_sdk.AsyncApiClient:
    config = gmodstore_sdk.Configuration(host=desk.sb.url, access_token=token, retries=0)
    return gmodstore_sdk.AsyncApiClient(config)


async def test_a_bot_triages_answers_and_collects_a_log(desk: Desk) -> None:
    ticket, customer = desk.open(subject="Async pelican bug", body="crash")
    staff = client(desk, desk.sb.user_token(desk.sb.ids.owner_user_id))
    buyer = client(desk, desk.sb.user_token(customer, []))
    try:
        found = [
            t.id
            async for t in AsyncProductTicketsApi(staff).iter_product_tickets(
                desk.product, filter=TicketFilter(search="pelican", status="awaiting_agent")
            )
        ]
        assert found == [ticket]
        tag = desk.sb.ids.ticket_tag_ids[0]
        await AsyncTicketTagsApi(staff).create_ticket_tag(ticket, {"tag_id": tag})
        messages = AsyncTicketMessagesApi(staff)
        reply = (await messages.create_ticket_message(ticket, {"body": "send a log"})).data
        edited = (await messages.update_ticket_message(ticket, reply.id, {"body": "log pls"})).data
        assert edited.revisions_count == 2
        revisions = (await messages.list_ticket_message_revisions(ticket, reply.id)).data
        assert [r.body for r in revisions] == ["send a log", "log pls"]
        assert (await messages.delete_ticket_message(ticket, reply.id)).data.deleted_at
        assert (await messages.restore_ticket_message(ticket, reply.id)).data.deleted_at is None
        assert (await AsyncTicketsApi(staff).get_ticket(ticket)).data.status == "awaiting_customer"
        request = desk.sb.request_log(ticket)
        await AsyncTicketLogRequestsApi(buyer).upload_log_to_ticket(request, b"L" * 70_000)
        attachments = AsyncTicketAttachmentsApi(staff)
        listed = (await attachments.list_ticket_attachments(ticket)).data
        assert listed[0].file_hash == hashlib.sha256(b"L" * 70_000).hexdigest()
        got = (await attachments.get_ticket_attachment(ticket, listed[0].id)).data
        assert got.user_id == customer
        await attachments.delete_ticket_attachment(ticket, got.id)
        locked = (await AsyncTicketsApi(staff).update_ticket(ticket, {"status": "locked"})).data
        assert locked.status == "locked"
        with pytest.raises(ApiException) as caught:
            await messages.create_ticket_message(ticket, {"body": "late"})
        assert caught.value.status == 403
        batch = (await AsyncTicketsApi(staff).get_tickets([ticket])).data
        assert [t.status for t in batch] == ["locked"]
    finally:
        await staff.aclose()
        await buyer.aclose()
