"""Wiring of the tickets area into an app: services on ``app.state.tickets``, the router.

Call `install` after the content area's (the attachments use its file store).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import Engine

from ..storage.cursor import CursorCodec
from . import tables as tables  # registers the tables on Base.metadata
from .attachments import AttachmentService, TagService
from .messages import MessageService
from .routes import router
from .service import TicketService

__all__ = ["TicketServices", "install", "router"]


@dataclass(frozen=True)
class TicketServices:
    tickets: TicketService
    messages: MessageService
    attachments: AttachmentService
    tags: TagService


def install(app: FastAPI, *, engine: Engine) -> None:
    """Build the ticket services for `app` (``app.state.tickets``)."""
    content = app.state.content

    def codec() -> CursorCodec:
        current: CursorCodec | None = app.state.service.codec
        assert current is not None, "the app has not started"
        return current

    common = {"engine": engine, "codec": codec, "files": content.files, "limits": content.limits}
    app.state.tickets = TicketServices(
        tickets=TicketService(**common),
        messages=MessageService(**common),
        attachments=AttachmentService(**common),
        tags=TagService(**common),
    )
