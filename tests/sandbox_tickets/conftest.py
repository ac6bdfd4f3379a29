"""Fixtures of the ticket tests: a seeded sandbox per backend, SDK clients for each role.

The customer is played by the sandbox's own commands (``sb.open_ticket``, ``sb.customer_reply``,
``sb.request_log``) and, for what a customer does over the API, by a token of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

import gmodstore_sdk
from gmodstore_sandbox.testing import Sandbox, run_sandbox
from gmodstore_sdk.api.product_tickets_api import ProductTicketsApi
from gmodstore_sdk.api.ticket_attachments_api import TicketAttachmentsApi
from gmodstore_sdk.api.ticket_log_requests_api import TicketLogRequestsApi
from gmodstore_sdk.api.ticket_messages_api import TicketMessagesApi
from gmodstore_sdk.api.ticket_tags_api import TicketTagsApi
from gmodstore_sdk.api.tickets_api import TicketsApi

POSTGRES_ENV = "GMODSTORE_TEST_POSTGRES_URL"


@dataclass
class Apis:
    """The ticket API classes over one client (one token)."""

    client: gmodstore_sdk.ApiClient
    tickets: TicketsApi
    product_tickets: ProductTicketsApi
    messages: TicketMessagesApi
    attachments: TicketAttachmentsApi
    tags: TicketTagsApi
    logs: TicketLogRequestsApi


def apis(sb: Sandbox, token: str) -> Apis:
    client = gmodstore_sdk.ApiClient(
        gmodstore_sdk.Configuration(host=sb.url, access_token=token, retries=0)
    )
    return Apis(
        client,
        TicketsApi(client),
        ProductTicketsApi(client),
        TicketMessagesApi(client),
        TicketAttachmentsApi(client),
        TicketTagsApi(client),
        TicketLogRequestsApi(client),
    )


@dataclass
class Desk:
    """A seeded sandbox with clients: the team's owner, a member, another team's owner."""

    sb: Sandbox
    owner: Apis
    member: Apis
    other_team: Apis
    member_user_id: str
    opened: list[Apis]

    @property
    def product(self) -> str:
        return self.sb.ids.product_id

    def open(self, subject: str = "Help", body: str = "It does not work") -> tuple[str, str]:
        """A fresh customer opens a ticket on the seeded product: (ticket id, customer id)."""
        customer = self.sb.new_user("Customer")
        ticket = self.sb.open_ticket(
            product=self.product, user=customer, subject=subject, body=body
        )
        return ticket, customer

    def customer(self, user_id: str, scopes: list[str] | None = None) -> Apis:
        """Clients for `user_id`'s own token (closed with the session)."""
        made = apis(self.sb, self.sb.user_token(user_id, scopes))
        self.opened.append(made)
        return made


def _database(param: str) -> str | None:
    if param != "postgres":
        return None
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    return url


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def desk(request: pytest.FixtureRequest) -> Iterator[Desk]:
    with run_sandbox(_database(request.param)) as sb:
        member_user = sb.new_member(name="Support member")
        member_token = sb.user_token(member_user)
        desk = Desk(
            sb,
            owner=apis(sb, sb.user_token(sb.ids.owner_user_id)),
            member=apis(sb, member_token),
            other_team=apis(sb, sb.user_token(sb.ids.other_owner_user_id)),
            member_user_id=str(member_user),
            opened=[],
        )
        yield desk
        for each in (desk.owner, desk.member, desk.other_team, *desk.opened):
            each.client.close()
