"""The status machine, one test per row of the README's "Ticket status machine" table."""

from __future__ import annotations

import pytest

from gmodstore_sdk.exceptions import ApiException

from .conftest import Desk


def ticket_in(desk: Desk, status: str) -> tuple[str, str]:
    """A fresh ticket in `status`; its last message is the team's for awaiting_customer only."""
    ticket, customer = desk.open()
    if status == "awaiting_customer":
        desk.owner.messages.create_ticket_message(ticket, {"body": "team answer"})
    if status in ("on_hold", "locked"):
        desk.owner.tickets.update_ticket(ticket, {"status": status})
    assert desk.owner.tickets.get_ticket(ticket).data.status == status
    return ticket, customer


def status(desk: Desk, ticket: str) -> str:
    return desk.owner.tickets.get_ticket(ticket).data.status


def test_row_opened_by_the_customer_awaits_an_agent(desk: Desk) -> None:
    ticket, _ = desk.open()
    assert status(desk, ticket) == "awaiting_agent"


def test_row_team_message_awaits_the_customer(desk: Desk) -> None:
    ticket, _ = ticket_in(desk, "awaiting_agent")
    desk.member.messages.create_ticket_message(ticket, {"body": "try this"})
    assert status(desk, ticket) == "awaiting_customer"


def test_row_customer_message_awaits_an_agent(desk: Desk) -> None:
    ticket, _ = ticket_in(desk, "awaiting_customer")
    desk.sb.customer_reply(ticket, "still broken")
    assert status(desk, ticket) == "awaiting_agent"


def test_row_messages_leave_a_held_ticket_on_hold(desk: Desk) -> None:
    ticket, _ = ticket_in(desk, "on_hold")
    desk.sb.customer_reply(ticket, "any news?")
    desk.member.messages.create_ticket_message(ticket, {"body": "soon"})
    assert status(desk, ticket) == "on_hold"


@pytest.mark.parametrize("start", ["awaiting_agent", "awaiting_customer"])
def test_row_hold_an_open_ticket(desk: Desk, start: str) -> None:
    ticket, _ = ticket_in(desk, start)
    held = desk.owner.tickets.update_ticket(ticket, {"status": "on_hold"}).data
    assert held.status == "on_hold" and held.locked_at is None


@pytest.mark.parametrize(
    ("last_by_customer", "expected"), [(True, "awaiting_agent"), (False, "awaiting_customer")]
)
def test_row_open_a_held_ticket_gives_the_turn_back(
    desk: Desk, last_by_customer: bool, expected: str
) -> None:
    start = "awaiting_agent" if last_by_customer else "awaiting_customer"
    ticket, _ = ticket_in(desk, start)
    desk.owner.tickets.update_ticket(ticket, {"status": "on_hold"})
    assert desk.owner.tickets.update_ticket(ticket, {"status": "open"}).data.status == expected


@pytest.mark.parametrize("start", ["awaiting_agent", "awaiting_customer", "on_hold"])
def test_row_lock_any_unlocked_ticket(desk: Desk, start: str) -> None:
    ticket, _ = ticket_in(desk, start)
    locked = desk.owner.tickets.update_ticket(ticket, {"status": "locked"}).data
    assert locked.status == "locked" and locked.locked_at is not None


def test_row_open_a_locked_ticket_unlocks_it(desk: Desk) -> None:
    ticket, _ = ticket_in(desk, "locked")
    opened = desk.owner.tickets.update_ticket(ticket, {"status": "open"}).data
    assert opened.status == "awaiting_agent" and opened.locked_at is None


def test_row_hold_a_locked_ticket_is_400(desk: Desk) -> None:
    ticket, _ = ticket_in(desk, "locked")
    with pytest.raises(ApiException) as caught:
        desk.owner.tickets.update_ticket(ticket, {"status": "on_hold"})
    assert caught.value.status == 400
    assert status(desk, ticket) == "locked"


@pytest.mark.parametrize(
    ("start", "wanted"), [("awaiting_agent", "open"), ("on_hold", "on_hold"), ("locked", "locked")]
)
def test_row_same_status_again_changes_nothing(desk: Desk, start: str, wanted: str) -> None:
    ticket, _ = ticket_in(desk, start)
    before = desk.owner.tickets.get_ticket(ticket).data
    after = desk.owner.tickets.update_ticket(ticket, {"status": wanted}).data
    assert (after.status, after.updated_at, after.locked_at) == (
        before.status,
        before.updated_at,
        before.locked_at,
    )


def test_row_locked_refuses_messages_edits_and_deletes(desk: Desk) -> None:
    ticket, customer = ticket_in(desk, "awaiting_agent")
    mine = desk.member.messages.create_ticket_message(ticket, {"body": "before the lock"}).data
    desk.owner.tickets.update_ticket(ticket, {"status": "locked"})
    api = desk.member.messages
    calls = [
        lambda: api.create_ticket_message(ticket, {"body": "x"}),
        lambda: api.update_ticket_message(ticket, mine.id, {"body": "y"}),
        lambda: api.delete_ticket_message(ticket, mine.id),
        lambda: desk.customer(customer).messages.create_ticket_message(ticket, {"body": "z"}),
        lambda: desk.member.attachments.create_ticket_attachment(ticket, b"log"),
    ]
    for call in calls:
        with pytest.raises(ApiException) as caught:
            call()
        assert (caught.value.status, caught.value.message) == (403, "The ticket is locked.")
    from gmodstore_sandbox.tickets.admin import TicketAdminError

    with pytest.raises(TicketAdminError):
        desk.sb.customer_reply(ticket, "let me in")


def test_row_locked_still_allows_reading_tagging_and_hiding(desk: Desk) -> None:
    ticket, _ = ticket_in(desk, "locked")
    assert desk.member.messages.list_ticket_messages(ticket).data
    tag = desk.sb.ids.ticket_tag_ids[0]
    assert desk.owner.tags.create_ticket_tag(ticket, {"tag_id": tag}).data.tag.id == tag
    assert desk.owner.tickets.update_ticket(ticket, {"hidden": True}).data.hidden is True
