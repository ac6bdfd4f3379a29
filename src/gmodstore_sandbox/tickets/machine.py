"""The ticket status machine: what an update or a new message does to ``status``.

Pure functions over the current status; the README's "Ticket status machine" table lists each
row and ``tests/sandbox_tickets/test_status_machine.py`` tests each one.
"""

from __future__ import annotations

from ..exceptions import InvalidInput

__all__ = ["after_message", "after_update", "reopened_status"]

LOCKED = "locked"
ON_HOLD = "on_hold"
AWAITING_AGENT = "awaiting_agent"
AWAITING_CUSTOMER = "awaiting_customer"


def reopened_status(last_author_is_customer: bool) -> str:
    """The status of a ticket taken off hold or unlocked: whose turn it is to answer."""
    return AWAITING_AGENT if last_author_is_customer else AWAITING_CUSTOMER


def after_update(
    current: str, wanted: str, *, last_author_is_customer: bool
) -> tuple[str, str | None]:
    """(new status, event change or None) for ``updateTicket {"status": wanted}``.

    Raises `InvalidInput` for ``on_hold`` on a locked ticket (open it first).
    """
    if wanted == LOCKED:
        return (current, None) if current == LOCKED else (LOCKED, "locked")
    if wanted == ON_HOLD:
        if current == LOCKED:
            raise InvalidInput({"status": ["A locked ticket must be opened before it is held."]})
        return (current, None) if current == ON_HOLD else (ON_HOLD, "held")
    # wanted == "open"
    if current == LOCKED:
        return reopened_status(last_author_is_customer), "unlocked"
    if current == ON_HOLD:
        return reopened_status(last_author_is_customer), "unheld"
    return current, None


def after_message(current: str, *, by_customer: bool) -> str:
    """The status after a new message (the caller refuses messages on locked tickets)."""
    if current == ON_HOLD:
        return ON_HOLD
    return AWAITING_AGENT if by_customer else AWAITING_CUSTOMER
