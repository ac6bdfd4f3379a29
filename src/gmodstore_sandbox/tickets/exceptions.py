"""Domain errors of the tickets area (mapped by the core's handlers: 403, 404)."""

from __future__ import annotations

from ..exceptions import Forbidden, NotFound

__all__ = [
    "AttachmentNotFound",
    "LogRequestNotFound",
    "MessageNotFound",
    "NotAllowed",
    "RevisionNotFound",
    "TagNotFound",
    "TicketLocked",
    "TicketNotFound",
]


class TicketNotFound(NotFound):
    message = "The ticket could not be found."


class MessageNotFound(NotFound):
    message = "The ticket message could not be found."


class RevisionNotFound(NotFound):
    message = "The ticket message revision could not be found."


class AttachmentNotFound(NotFound):
    message = "The ticket attachment could not be found."


class TagNotFound(NotFound):
    message = "The ticket tag could not be found."


class LogRequestNotFound(NotFound):
    message = "The log request could not be found."


class TicketLocked(Forbidden):
    message = "The ticket is locked."


class NotAllowed(Forbidden):
    """The caller may see the ticket but not make this change (see the README's table)."""
