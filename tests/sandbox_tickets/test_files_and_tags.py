"""Attachments, log requests and tags through the SDK."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from gmodstore_sdk.exceptions import ApiException

from .conftest import Desk


def status_of(call: object) -> int:
    with pytest.raises(ApiException) as caught:
        call()  # type: ignore[operator]
    assert caught.value.status is not None
    return caught.value.status


def test_attachment_roundtrip(desk: Desk, tmp_path: Path) -> None:
    ticket, _ = desk.open()
    content = b"[error] lua/autorun/shop.lua:12: attempt to index nil\n" * 100
    path = tmp_path / "console.log"
    path.write_bytes(content)
    api = desk.member.attachments
    created = api.create_ticket_attachment(ticket, path).data
    assert created.original_name == "console.log"
    assert created.file_hash == hashlib.sha256(content).hexdigest()
    assert created.user_id == desk.member_user_id and created.ticket_id == ticket
    assert created.url is not None
    assert httpx.get(created.url).content == content  # no token needed: the URL is the secret
    assert api.get_ticket_attachment(ticket, created.id).data == created
    assert [a.id for a in api.iter_ticket_attachments(ticket)] == [created.id]
    deleted = api.delete_ticket_attachment(ticket, created.id).data
    assert deleted.id == created.id and deleted.deleted_at is not None
    assert httpx.get(created.url).status_code == 404
    assert status_of(lambda: api.get_ticket_attachment(ticket, created.id)) == 404


def test_attachment_without_a_file_is_400_and_oversized_is_413(desk: Desk) -> None:
    ticket, _ = desk.open()
    token = desk.sb.user_token(desk.sb.ids.owner_user_id)
    url = f"{desk.sb.url}/v3/tickets/{ticket}/attachments"
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.post(url, data={"x": "1"}, headers=headers).status_code == 400
    big = {"file": ("big.bin", b"\0" * (10_000 * 1024 + 1))}
    assert httpx.post(url, files=big, headers=headers).status_code == 413
    assert desk.owner.attachments.list_ticket_attachments(ticket).data == []


def test_attachment_deletes_follow_the_message_rules(desk: Desk) -> None:
    ticket, customer = desk.open()
    buyer = desk.customer(customer).attachments
    by_customer = buyer.create_ticket_attachment(ticket, b"screenshot").data
    by_member = desk.member.attachments.create_ticket_attachment(ticket, b"fix").data
    assert status_of(lambda: buyer.delete_ticket_attachment(ticket, by_member.id)) == 403
    other = desk.member.attachments
    assert status_of(lambda: other.delete_ticket_attachment(ticket, by_customer.id)) == 403
    assert desk.owner.attachments.delete_ticket_attachment(ticket, by_customer.id).data
    assert status_of(lambda: desk.other_team.attachments.list_ticket_attachments(ticket)) == 403


def test_the_customer_answers_a_log_request_once(desk: Desk) -> None:
    ticket, customer = desk.open()
    request = desk.sb.request_log(ticket)
    assert status_of(lambda: desk.member.logs.upload_log_to_ticket(request, b"not mine")) == 403
    buyer = desk.customer(customer, [])  # the operation needs a token, no particular scope
    answered = buyer.logs.upload_log_to_ticket(request, b"server log\n").data
    assert (answered.id, answered.ticket_id, answered.game) == (request, ticket, "gmod")
    assert answered.deleted_at is not None
    attached = desk.owner.attachments.list_ticket_attachments(ticket).data
    assert [a.file_hash for a in attached] == [hashlib.sha256(b"server log\n").hexdigest()]
    assert attached[0].user_id == customer
    assert status_of(lambda: buyer.logs.upload_log_to_ticket(request, b"again")) == 400
    unknown = "00000000-0000-4000-8000-000000000000"
    assert status_of(lambda: buyer.logs.upload_log_to_ticket(unknown, b"x")) == 404


def test_the_seeded_log_request_belongs_to_the_first_ticket(desk: Desk) -> None:
    ids = desk.sb.ids
    assert len(ids.log_request_ids) == 1
    customer = ids.ticket_customer_ids[0]
    assert desk.owner.tickets.get_ticket(ids.ticket_ids[0]).data.user_id == customer


def test_tags_from_the_team_catalogue(desk: Desk) -> None:
    ticket, customer = desk.open()
    bug, question, _ = desk.sb.ids.ticket_tag_ids
    api = desk.member.tags
    added = api.create_ticket_tag(ticket, {"tag_id": bug}).data
    assert (added.ticket.id, added.tag.id, added.tag.name) == (ticket, bug, "bug")
    assert added.tag.colours.bg.startswith("#")
    api.create_ticket_tag(ticket, {"tag_id": question})
    api.create_ticket_tag(ticket, {"tag_id": bug})  # already on: no change
    assert [t.name for t in api.iter_ticket_tags(ticket)] == ["bug", "question"]
    removed = api.delete_ticket_tag(ticket, bug).data
    assert removed.tag.id == bug
    assert [t.id for t in api.list_ticket_tags(ticket).data] == [question]
    assert status_of(lambda: api.delete_ticket_tag(ticket, bug)) == 404
    other_team_tag = desk.sb.new_ticket_tag("theirs", team="b")
    assert status_of(lambda: api.create_ticket_tag(ticket, {"tag_id": other_team_tag})) == 400
    buyer = desk.customer(customer).tags
    assert status_of(lambda: buyer.list_ticket_tags(ticket)) == 403
