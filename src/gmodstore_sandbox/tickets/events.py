"""The webhook events of the tickets area, declared once (``gmodstore_sandbox.webhooks.events``).

Every event is ordered by its ticket: a receiver sees a ticket's changes in the order they
happened (a tag's ``data`` is ``{"ticket", "tag"}``, so its key is ``ticket.id``). Messages and
attachments carry ``ticketId``.
"""

from __future__ import annotations

from ..webhooks.events import declare, emit

__all__ = ["ATTACHMENT_EVENTS", "MESSAGE_EVENTS", "TICKET_EVENTS", "emit"]

_TICKET_CHANGES = ("created", "held", "hidden", "locked", "unheld", "unhidden", "unlocked")
TICKET_EVENTS = tuple(declare(f"ticket.{c}") for c in _TICKET_CHANGES) + tuple(
    declare(f"ticket.{c}", ordered_by=("ticket.id",), subject="ticket.id")
    for c in ("tagged", "untagged")
)
MESSAGE_EVENTS = tuple(
    declare(f"ticket_message.{c}", ordered_by=("ticketId",))
    for c in ("created", "updated", "deleted", "restored")
)
ATTACHMENT_EVENTS = tuple(
    declare(f"ticket_attachment.{c}", ordered_by=("ticketId",)) for c in ("created", "deleted")
)
