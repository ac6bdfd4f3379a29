"""Messages through the SDK: revisions, soft delete and restore, and who may change which."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gmodstore_sdk.exceptions import ApiException

from .conftest import Desk


def status_of(call: Callable[[], object]) -> int:
    with pytest.raises(ApiException) as caught:
        call()
    assert caught.value.status is not None
    return caught.value.status


def test_create_get_list(desk: Desk) -> None:
    ticket, customer = desk.open(body="first")
    created = desk.member.messages.create_ticket_message(ticket, {"body": "second"}).data
    assert (created.ticket_id, created.user_id, created.body) == (
        ticket,
        desk.member_user_id,
        "second",
    )
    assert created.revisions_count == 1 and created.deleted_at is None
    got = desk.owner.messages.get_ticket_message(ticket, created.id).data
    assert got == created
    bodies = [m.body for m in desk.owner.messages.iter_ticket_messages(ticket, per_page=1)]
    assert bodies == ["first", "second"]
    assert desk.owner.messages.list_ticket_messages(ticket).data[0].user_id == customer


def test_every_edit_keeps_the_previous_body_as_a_revision(desk: Desk) -> None:
    ticket, _ = desk.open()
    message = desk.owner.messages.create_ticket_message(ticket, {"body": "v1"}).data
    api = desk.owner.messages
    api.update_ticket_message(ticket, message.id, {"body": "v2"})
    same = api.update_ticket_message(ticket, message.id, {"body": "v2"}).data  # no change
    edited = api.update_ticket_message(ticket, message.id, {"body": "v3"}).data
    assert same.revisions_count == 2
    assert (edited.body, edited.revisions_count) == ("v3", 3)
    revisions = list(api.iter_ticket_message_revisions(ticket, message.id))
    assert [r.body for r in revisions] == ["v1", "v2", "v3"]
    assert revisions[-1].id == edited.revision_id
    assert revisions[0].id == message.revision_id
    first = api.get_ticket_message_revision(ticket, message.id, revisions[0].id).data
    assert first.body == "v1"
    other, _ = desk.open()
    foreign = api.create_ticket_message(other, {"body": "x"}).data
    assert status_of(lambda: api.get_ticket_message_revision(ticket, foreign.id, first.id)) == 404
    assert (
        status_of(lambda: api.get_ticket_message_revision(ticket, message.id, foreign.revision_id))
        == 404
    )


def test_delete_is_soft_and_restorable(desk: Desk) -> None:
    ticket, _ = desk.open()
    api = desk.owner.messages
    message = api.create_ticket_message(ticket, {"body": "oops"}).data
    deleted = api.delete_ticket_message(ticket, message.id).data
    assert deleted.deleted_at is not None and deleted.body == "oops"
    assert api.get_ticket_message(ticket, message.id).data.deleted_at is not None
    assert status_of(lambda: api.delete_ticket_message(ticket, message.id)) == 400
    assert status_of(lambda: api.update_ticket_message(ticket, message.id, {"body": "b"})) == 400
    restored = api.restore_ticket_message(ticket, message.id).data
    assert restored.deleted_at is None and restored.id == message.id
    assert status_of(lambda: api.restore_ticket_message(ticket, message.id)) == 400


def test_a_message_of_another_ticket_is_404(desk: Desk) -> None:
    ticket, _ = desk.open()
    other, _ = desk.open()
    message = desk.owner.messages.create_ticket_message(other, {"body": "x"}).data
    assert status_of(lambda: desk.owner.messages.get_ticket_message(ticket, message.id)) == 404
    assert status_of(lambda: desk.owner.messages.get_ticket_message(ticket, "nope")) == 404


def test_bad_bodies_are_400(desk: Desk) -> None:
    import httpx

    ticket, _ = desk.open()
    token = desk.sb.user_token(desk.sb.ids.owner_user_id)
    url = f"{desk.sb.url}/v3/tickets/{ticket}/messages"
    headers = {"Authorization": f"Bearer {token}"}
    for body in ({}, {"body": ""}, {"body": 5}, {"body": "x" * 10_001}, {"body": "x", "y": 1}):
        assert httpx.post(url, json=body, headers=headers).status_code == 400, body
    assert (
        httpx.post(
            url, content=b"{", headers=headers | {"content-type": "application/json"}
        ).status_code
        == 400
    )


# --- permissions (README: "Ticket permissions") -------------------------------------------------


def test_only_the_author_edits_a_message(desk: Desk) -> None:
    ticket, customer = desk.open(body="from the customer")
    by_owner = desk.owner.messages.create_ticket_message(ticket, {"body": "owner"}).data
    first = desk.owner.messages.list_ticket_messages(ticket).data[0]
    member, buyer = desk.member.messages, desk.customer(customer).messages
    assert (
        status_of(lambda: member.update_ticket_message(ticket, by_owner.id, {"body": "x"})) == 403
    )
    assert status_of(lambda: buyer.update_ticket_message(ticket, by_owner.id, {"body": "x"})) == 403
    assert (
        status_of(
            lambda: desk.owner.messages.update_ticket_message(ticket, first.id, {"body": "x"})
        )
        == 403
    )
    assert buyer.update_ticket_message(ticket, first.id, {"body": "edited"}).data.body == "edited"


def test_the_author_or_a_team_owner_deletes_a_message(desk: Desk) -> None:
    ticket, customer = desk.open()
    buyer = desk.customer(customer).messages
    by_member = desk.member.messages.create_ticket_message(ticket, {"body": "m"}).data
    by_customer = buyer.create_ticket_message(ticket, {"body": "c"}).data
    assert status_of(lambda: buyer.delete_ticket_message(ticket, by_member.id)) == 403
    assert (
        status_of(lambda: desk.member.messages.delete_ticket_message(ticket, by_customer.id)) == 403
    )
    assert desk.owner.messages.delete_ticket_message(ticket, by_customer.id).data.deleted_at
    assert buyer.restore_ticket_message(ticket, by_customer.id).data.deleted_at is None
    assert desk.member.messages.delete_ticket_message(ticket, by_member.id).data.deleted_at


def test_another_team_and_strangers_cannot_touch_a_ticket(desk: Desk) -> None:
    ticket, _ = desk.open()
    stranger = desk.customer(desk.sb.new_user("Stranger")).messages
    for api in (desk.other_team.messages, stranger):
        assert status_of(lambda api=api: api.list_ticket_messages(ticket)) == 403
        assert status_of(lambda api=api: api.create_ticket_message(ticket, {"body": "x"})) == 403
