"""Tickets through the generated SDK against a real sandbox: list filters, get, batch, update."""

from __future__ import annotations

import httpx
import pytest

from gmodstore_sdk.exceptions import ApiException
from gmodstore_sdk.model.ticket_filter import TicketFilter

from .conftest import Desk


def listed(desk: Desk, **filters: object) -> list[str]:
    wanted = TicketFilter(**filters) if filters else None  # type: ignore[arg-type]
    return [
        t.id for t in desk.owner.product_tickets.iter_product_tickets(desk.product, filter=wanted)
    ]


def test_seeded_tickets_are_listed_oldest_first_without_the_hidden_one(desk: Desk) -> None:
    seeded = desk.sb.ids.ticket_ids
    assert listed(desk)[:4] == seeded[:4]
    assert seeded[4] not in listed(desk)
    assert seeded[4] in listed(desk, show_hidden=True)
    assert desk.sb.ids.other_team_ticket_ids[0] not in listed(desk, show_hidden=True)


@pytest.mark.parametrize(
    ("status", "index"),
    [("awaiting_agent", 0), ("awaiting_customer", 1), ("on_hold", 2), ("locked", 3)],
)
def test_status_filter(desk: Desk, status: str, index: int) -> None:
    found = listed(desk, status=status)
    assert desk.sb.ids.ticket_ids[index] in found
    tickets = desk.owner.tickets.get_tickets(found).data
    assert {t.status for t in tickets} == {status}


def test_state_filter_splits_locked_from_open(desk: Desk) -> None:
    locked, open_ = listed(desk, state="locked"), listed(desk, state="open")
    assert desk.sb.ids.ticket_ids[3] in locked
    assert not set(locked) & set(open_)
    assert set(desk.sb.ids.ticket_ids[:3]) <= set(open_)


def test_search_matches_subject_and_message_bodies_case_insensitively(desk: Desk) -> None:
    by_subject, _ = desk.open(subject="Zebra stripes missing", body="see title")
    by_body, _ = desk.open(subject="Question", body="my QUOKKA npc is invisible")
    assert listed(desk, search="zebra") == [by_subject]
    assert listed(desk, search="quokka") == [by_body]
    assert listed(desk, search="100%_") == []  # LIKE wildcards are literal


def test_label_filter_lists_tagged_tickets(desk: Desk) -> None:
    ticket, _ = desk.open()
    tag = desk.sb.new_ticket_tag("label-filter")
    assert listed(desk, label_id=tag) == []
    desk.owner.tags.create_ticket_tag(ticket, {"tag_id": tag})
    assert listed(desk, label_id=tag) == [ticket]


def test_a_bad_filter_is_a_400_naming_it(desk: Desk) -> None:
    token = desk.sb.user_token(desk.sb.ids.owner_user_id)
    for name, value in (("status", "closed"), ("state", "gone"), ("labelId", "x"), ("nope", "1")):
        answer = httpx.get(  # raw: the SDK refuses these before sending
            f"{desk.sb.url}/v3/products/{desk.product}/tickets",
            params={f"filter[{name}]": value},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 400, name
        assert f"filter.{name}" in answer.json()["errors"] or name == "nope"


def test_get_and_batch(desk: Desk) -> None:
    first, second = desk.sb.ids.ticket_ids[:2]
    got = desk.owner.tickets.get_ticket(first).data
    assert (got.id, got.subject, got.status) == (
        first,
        "Addon crashes on startup",
        "awaiting_agent",
    )
    assert got.ticketable_id == desk.product
    other = desk.sb.ids.other_team_ticket_ids[0]
    batch = desk.owner.tickets.get_tickets([second, first, other]).data
    assert [t.id for t in batch] == [second, first]  # another team's ticket is left out


def test_unknown_ticket_is_404_and_another_teams_is_403(desk: Desk) -> None:
    with pytest.raises(ApiException) as missing:
        desk.owner.tickets.get_ticket("00000000-0000-4000-8000-000000000000")
    assert missing.value.status == 404
    with pytest.raises(ApiException) as foreign:
        desk.other_team.tickets.get_ticket(desk.sb.ids.ticket_ids[0])
    assert foreign.value.status == 403


def test_a_token_without_the_scope_is_403(desk: Desk) -> None:
    narrow = desk.customer(desk.sb.ids.owner_user_id, ["ticket-tags:read"])
    with pytest.raises(ApiException) as caught:
        narrow.tickets.get_ticket(desk.sb.ids.ticket_ids[0])
    assert caught.value.status == 403


def test_hide_and_unhide(desk: Desk) -> None:
    ticket, _ = desk.open()
    hidden = desk.owner.tickets.update_ticket(ticket, {"hidden": True}).data
    assert hidden.hidden is True
    assert ticket not in listed(desk)
    assert desk.owner.tickets.update_ticket(ticket, {"hidden": False}).data.hidden is False
    assert ticket in listed(desk)


def test_the_customer_reads_their_ticket_but_cannot_list_or_change_it(desk: Desk) -> None:
    ticket, customer = desk.open()
    as_customer = desk.customer(customer)
    assert as_customer.tickets.get_ticket(ticket).data.user_id == customer
    for call in (
        lambda: as_customer.product_tickets.list_product_tickets(desk.product),
        lambda: as_customer.tickets.update_ticket(ticket, {"status": "locked"}),
    ):
        with pytest.raises(ApiException) as caught:
            call()
        assert caught.value.status == 403
    assert as_customer.tickets.get_tickets([ticket, desk.sb.ids.ticket_ids[0]]).data[0].id == (
        ticket
    )
