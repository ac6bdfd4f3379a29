"""`TicketMessagesExtras` / `AsyncTicketMessagesExtras`: a reply that also sets the status.

Mixed into the generated `TicketMessagesApi` / `AsyncTicketMessagesApi`. A reply alone is one
call (`create_ticket_message`; the ticket then awaits the customer). Replying *and* holding,
closing or reopening a ticket takes two calls in an order that matters: a locked ticket accepts no
message, so ``status="open"`` is set before the message and ``"on_hold"`` / ``"locked"`` after it.

>>> api = ticket_messages_api.TicketMessagesApi(api_client)                  # doctest: +SKIP
>>> reply = api.reply_to_ticket(ticket_id, "Fixed in 1.2.4", status="locked")  # doctest: +SKIP
>>> reply.message.id, reply.ticket.status                                    # doctest: +SKIP
('3f2a...', 'locked')

If the second call fails, its exception propagates and the first call's change stays: the status
update is idempotent, so retry it with `TicketsApi.update_ticket`, not the whole reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, NamedTuple, Protocol

from gmodstore_sdk._types import NOT_GIVEN, RequestTimeout
from gmodstore_sdk.api_client import ApiClient, AsyncApiClient
from gmodstore_sdk.exceptions import ApiValueError

__all__ = ["AsyncTicketMessagesExtras", "TicketMessagesExtras", "TicketReply"]

STATUSES = ("open", "on_hold", "locked")


class TicketReply(NamedTuple):
    """What `reply_to_ticket` did: the new message, and the ticket when its status was set."""

    message: Any
    """The `TicketMessage` posted."""
    ticket: Any | None
    """The `Ticket` after the status change; None when no `status` was given."""


class _Created(Protocol):
    @property
    def data(self) -> Any: ...


class _MessagesApi(Protocol):
    @property
    def api_client(self) -> ApiClient: ...
    def create_ticket_message(
        self, ticket: str, payload: Mapping[str, Any] | None = ..., *, _request_timeout: Any = ...
    ) -> _Created: ...


class _AsyncMessagesApi(Protocol):
    @property
    def api_client(self) -> AsyncApiClient: ...
    def create_ticket_message(
        self, ticket: str, payload: Mapping[str, Any] | None = ..., *, _request_timeout: Any = ...
    ) -> Awaitable[_Created]: ...


def _check_status(status: str | None) -> None:
    if status is not None and status not in STATUSES:
        raise ApiValueError(f"`status` must be one of {', '.join(STATUSES)}, not {status!r}")


class TicketMessagesExtras:
    """Hand-written addition to `TicketMessagesApi`: `reply_to_ticket`."""

    def reply_to_ticket(
        self: _MessagesApi,
        ticket: str,
        body: str,
        *,
        status: str | None = None,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> TicketReply:
        """Post `body` on `ticket` and, if given, set its `status` (``open``, ``on_hold``,
        ``locked``): one request without `status`, two with it (see the module's note on order).

        Raises:
            ApiValueError: an unknown `status` (before any request).
        """
        from gmodstore_sdk.api.tickets_api import TicketsApi

        _check_status(status)
        tickets = TicketsApi(self.api_client)
        change = {"status": status}
        updated = None
        if status == "open":
            updated = tickets.update_ticket(ticket, change, _request_timeout=_request_timeout).data
        made = self.create_ticket_message(
            ticket, {"body": body}, _request_timeout=_request_timeout
        ).data
        if status in ("on_hold", "locked"):
            updated = tickets.update_ticket(ticket, change, _request_timeout=_request_timeout).data
        return TicketReply(made, updated)


class AsyncTicketMessagesExtras:
    """Hand-written addition to `AsyncTicketMessagesApi`: `reply_to_ticket`."""

    async def reply_to_ticket(
        self: _AsyncMessagesApi,
        ticket: str,
        body: str,
        *,
        status: str | None = None,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> TicketReply:
        """`TicketMessagesExtras.reply_to_ticket`, as a coroutine."""
        from gmodstore_sdk.api.tickets_api import AsyncTicketsApi

        _check_status(status)
        tickets = AsyncTicketsApi(self.api_client)
        change = {"status": status}
        updated = None
        if status == "open":
            updated = (
                await tickets.update_ticket(ticket, change, _request_timeout=_request_timeout)
            ).data
        made = (
            await self.create_ticket_message(
                ticket, {"body": body}, _request_timeout=_request_timeout
            )
        ).data
        if status in ("on_hold", "locked"):
            updated = (
                await tickets.update_ticket(ticket, change, _request_timeout=_request_timeout)
            ).data
        return TicketReply(made, updated)
