"""Routes of the tickets area: authenticate (authorise before any body), parse, one service call.

Attachment and log uploads stream through `content.multipart.read_form` under
`attachments.ATTACHMENT_LIMIT`; JSON bodies are read under ``Settings.json_body_limit``. The
attachment files route (``/ticket-files/<key>``) takes no token and is left out of the schema.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from ..api.deps import authenticate, authorize, read_json, run_read, run_write, stream_body
from ..content.docs import extra
from ..content.multipart import FIELDS_ALLOWANCE, Form, read_form
from ..content.routes import api_base
from ..content.schemas import parse_body, parse_list_query
from ..exceptions import InvalidInput
from ..ratelimit import RateState
from ..schemas import dump_json
from .attachments import AttachmentService, TagService
from .exceptions import AttachmentNotFound
from .messages import MessageService
from .schemas import TICKET_FILTERS, MessageBody, MessageUpdate, NewTag, TicketUpdate
from .service import (
    ATTACHMENTS_READ,
    ATTACHMENTS_WRITE,
    MESSAGES_READ,
    MESSAGES_WRITE,
    TAGS_READ,
    TAGS_WRITE,
    TICKETS_READ,
    TICKETS_WRITE,
    TicketCore,
    TicketService,
)

__all__ = ["router"]

router = APIRouter()

TICKET = "/tickets/{ticket}"
MESSAGES = TICKET + "/messages"
MESSAGE = MESSAGES + "/{message}"
ATTACHMENTS = TICKET + "/attachments"
ATTACHMENT = ATTACHMENTS + "/{attachment}"
TAGS = TICKET + "/tags"


def _state(request: Request) -> Any:
    return request.app.state.tickets


def _json(body: dict[str, Any], status: int, rate: RateState) -> Response:
    return Response(dump_json(body), status, rate.headers(), "application/json")


def _query(request: Request, parsers: dict[str, Any] | None = None) -> Any:
    try:
        return parse_list_query(request.query_params.multi_items(), parsers or {})
    except InvalidInput as exc:
        return exc


async def _read(rate: RateState, fn: Callable[..., dict[str, Any]], **kwargs: Any) -> Response:
    return _json(await run_read(fn, **kwargs), 200, rate)


async def _write(
    request: Request, rate: RateState, status: int, fn: Callable[..., dict[str, Any]], **kw: Any
) -> Response:
    return _json(await run_write(request, fn, **kw), status, rate)


async def _with_body(
    request: Request, service: TicketCore, ticket: str, scope: str, model: type[Any], team: bool
) -> tuple[Any, RateState, Any]:
    principal, rate = await authorize(
        request,
        functools.partial(service.authorize_ticket, ticket=ticket, scope=scope, team_only=team),
    )
    return principal, rate, await read_json(request, functools.partial(parse_body, model))


async def _form(
    request: Request, service: AttachmentService, check: Callable[[Any], None]
) -> tuple[Any, RateState, Form]:
    principal, rate = await authorize(request, check)
    body_limit = service.limit + FIELDS_ALLOWANCE
    form = await read_form(
        stream_body(request, limit=body_limit),
        content_type=request.headers.get("content-type"),
        body_limit=body_limit,
        file_fields={"file"},
        new_upload=lambda: service.files.new_upload(limit=service.limit),
    )
    return principal, rate, form


def _doc(operation_id: str, summary: str, scope: str | None, status: int = 200) -> dict[str, Any]:
    security = extra(scope) if scope else {"security": [{"PersonalAccessToken": []}]}
    return {
        "operation_id": operation_id,
        "summary": summary,
        "status_code": status,
        "response_model": None,
        "openapi_extra": security,
    }


# --- tickets ------------------------------------------------------------------------------------


@router.get(
    "/products/{product}/tickets",
    **_doc("listProductTickets", "List all tickets for a product", TICKETS_READ),
)
async def list_product_tickets(request: Request, product: str) -> Response:
    principal, rate = await authenticate(request)
    service: TicketService = _state(request).tickets
    query = _query(request, TICKET_FILTERS)
    return await _read(rate, service.list, principal=principal, product=product, query=query)


def _batch_ids(request: Request) -> list[str] | InvalidInput:
    ids: list[str] = []
    for key, value in request.query_params.multi_items():
        if key not in ("ids[]", "ids"):
            return InvalidInput({key: [f"Unknown query parameter {key!r}."]})
        ids += [v for v in value.split(",") if v] if key == "ids" else [value]
    return ids


@router.get("/tickets/batch", **_doc("getTickets", "Fetch a batch of tickets by id", TICKETS_READ))
async def get_tickets(request: Request) -> Response:
    principal, rate = await authenticate(request)
    service: TicketService = _state(request).tickets
    return await _read(rate, service.batch, principal=principal, ids=_batch_ids(request))


@router.get(TICKET, **_doc("getTicket", "Show the specified ticket", TICKETS_READ))
async def get_ticket(request: Request, ticket: str) -> Response:
    principal, rate = await authenticate(request)
    service: TicketService = _state(request).tickets
    return await _read(rate, service.get, principal=principal, ticket=ticket)


@router.put(TICKET, **_doc("updateTicket", "Update the specified ticket", TICKETS_WRITE))
async def update_ticket(request: Request, ticket: str) -> Response:
    service: TicketService = _state(request).tickets
    principal, rate, payload = await _with_body(
        request, service, ticket, TICKETS_WRITE, TicketUpdate, True
    )
    return await _write(
        request, rate, 200, service.update, principal=principal, ticket=ticket, payload=payload
    )


# --- messages -----------------------------------------------------------------------------------


@router.get(MESSAGES, **_doc("listTicketMessages", "List all messages for a ticket", MESSAGES_READ))
async def list_ticket_messages(request: Request, ticket: str) -> Response:
    principal, rate = await authenticate(request)
    service: MessageService = _state(request).messages
    return await _read(
        rate, service.list, principal=principal, ticket=ticket, query=_query(request)
    )


@router.post(
    MESSAGES, **_doc("createTicketMessage", "Create a message for a ticket", MESSAGES_WRITE, 201)
)
async def create_ticket_message(request: Request, ticket: str) -> Response:
    service: MessageService = _state(request).messages
    principal, rate, payload = await _with_body(
        request, service, ticket, MESSAGES_WRITE, MessageBody, False
    )
    return await _write(
        request, rate, 201, service.create, principal=principal, ticket=ticket, payload=payload
    )


@router.get(MESSAGE, **_doc("getTicketMessage", "Show a message of a ticket", MESSAGES_READ))
async def get_ticket_message(request: Request, ticket: str, message: str) -> Response:
    principal, rate = await authenticate(request)
    service: MessageService = _state(request).messages
    return await _read(rate, service.get, principal=principal, ticket=ticket, message=message)


@router.put(MESSAGE, **_doc("updateTicketMessage", "Update a message of a ticket", MESSAGES_WRITE))
async def update_ticket_message(request: Request, ticket: str, message: str) -> Response:
    service: MessageService = _state(request).messages
    principal, rate, payload = await _with_body(
        request, service, ticket, MESSAGES_WRITE, MessageUpdate, False
    )
    return await _write(
        request,
        rate,
        200,
        service.update,
        principal=principal,
        ticket=ticket,
        message=message,
        payload=payload,
    )


@router.delete(
    MESSAGE, **_doc("deleteTicketMessage", "Delete a message of a ticket", MESSAGES_WRITE)
)
async def delete_ticket_message(request: Request, ticket: str, message: str) -> Response:
    principal, rate = await authenticate(request)
    service: MessageService = _state(request).messages
    return await _write(
        request, rate, 200, service.delete, principal=principal, ticket=ticket, message=message
    )


@router.patch(
    MESSAGE + "/restore",
    **_doc("restoreTicketMessage", "Restore a deleted message of a ticket", MESSAGES_WRITE),
)
async def restore_ticket_message(request: Request, ticket: str, message: str) -> Response:
    principal, rate = await authenticate(request)
    service: MessageService = _state(request).messages
    return await _write(
        request, rate, 200, service.restore, principal=principal, ticket=ticket, message=message
    )


@router.get(
    MESSAGE + "/revisions",
    **_doc("listTicketMessageRevisions", "List the revisions of a message", MESSAGES_READ),
)
async def list_ticket_message_revisions(request: Request, ticket: str, message: str) -> Response:
    principal, rate = await authenticate(request)
    service: MessageService = _state(request).messages
    return await _read(
        rate,
        service.revisions,
        principal=principal,
        ticket=ticket,
        message=message,
        query=_query(request),
    )


@router.get(
    MESSAGE + "/revisions/{revision}",
    **_doc("getTicketMessageRevision", "Show a revision of a message", MESSAGES_READ),
)
async def get_ticket_message_revision(
    request: Request, ticket: str, message: str, revision: str
) -> Response:
    principal, rate = await authenticate(request)
    service: MessageService = _state(request).messages
    return await _read(
        rate,
        service.revision,
        principal=principal,
        ticket=ticket,
        message=message,
        revision=revision,
    )


# --- attachments --------------------------------------------------------------------------------


@router.get(
    ATTACHMENTS,
    **_doc("listTicketAttachments", "List all attachments for a ticket", ATTACHMENTS_READ),
)
async def list_ticket_attachments(request: Request, ticket: str) -> Response:
    principal, rate = await authenticate(request)
    service: AttachmentService = _state(request).attachments
    return await _read(
        rate,
        service.list,
        principal=principal,
        ticket=ticket,
        query=_query(request),
        base_url=api_base(request),
    )


@router.post(
    ATTACHMENTS,
    **_doc("createTicketAttachment", "Upload an attachment to a ticket", ATTACHMENTS_WRITE, 201),
)
async def create_ticket_attachment(request: Request, ticket: str) -> Response:
    service: AttachmentService = _state(request).attachments
    check = functools.partial(service.authorize_ticket, ticket=ticket, scope=ATTACHMENTS_WRITE)
    principal, rate, form = await _form(request, service, check)
    return await _write(
        request,
        rate,
        201,
        service.create,
        principal=principal,
        ticket=ticket,
        form=form,
        base_url=api_base(request),
    )


@router.get(
    ATTACHMENT, **_doc("getTicketAttachment", "Show an attachment of a ticket", ATTACHMENTS_READ)
)
async def get_ticket_attachment(request: Request, ticket: str, attachment: str) -> Response:
    principal, rate = await authenticate(request)
    service: AttachmentService = _state(request).attachments
    return await _read(
        rate,
        service.get,
        principal=principal,
        ticket=ticket,
        attachment=attachment,
        base_url=api_base(request),
    )


@router.delete(
    ATTACHMENT,
    **_doc("deleteTicketAttachment", "Delete an attachment of a ticket", ATTACHMENTS_WRITE),
)
async def delete_ticket_attachment(request: Request, ticket: str, attachment: str) -> Response:
    principal, rate = await authenticate(request)
    service: AttachmentService = _state(request).attachments
    return await _write(
        request,
        rate,
        200,
        service.delete,
        principal=principal,
        ticket=ticket,
        attachment=attachment,
        base_url=api_base(request),
    )


@router.post(
    "/tickets/log-requests/{logRequestId}",
    **_doc("uploadLogToTicket", "Upload a log file to a log request", None, 201),
)
async def upload_log_to_ticket(request: Request, logRequestId: str) -> Response:  # noqa: N803
    service: AttachmentService = _state(request).attachments
    check = functools.partial(service.authorize_log, log_request=logRequestId)
    principal, rate, form = await _form(request, service, check)
    return await _write(
        request,
        rate,
        201,
        service.upload_log,
        principal=principal,
        log_request=logRequestId,
        form=form,
        base_url=api_base(request),
    )


@router.get("/ticket-files/{key}", include_in_schema=False)
async def ticket_file(request: Request, key: str) -> Response:
    """An attachment's file (no token: the key is a random 128-bit name, like a CDN URL)."""
    service: AttachmentService = _state(request).attachments
    if not (len(key) == 32 and all(c in "0123456789abcdef" for c in key)):
        raise AttachmentNotFound()
    found = await run_in_threadpool(service.file_of, key)
    if found is None:
        raise AttachmentNotFound()
    path, name = found
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=name or key,
        content_disposition_type="attachment",
    )


# --- tags ---------------------------------------------------------------------------------------


@router.get(TAGS, **_doc("listTicketTags", "List all tags of a ticket", TAGS_READ))
async def list_ticket_tags(request: Request, ticket: str) -> Response:
    principal, rate = await authenticate(request)
    service: TagService = _state(request).tags
    return await _read(
        rate, service.list, principal=principal, ticket=ticket, query=_query(request)
    )


@router.post(TAGS, **_doc("createTicketTag", "Add a tag to a ticket", TAGS_WRITE, 201))
async def create_ticket_tag(request: Request, ticket: str) -> Response:
    service: TagService = _state(request).tags
    principal, rate, payload = await _with_body(request, service, ticket, TAGS_WRITE, NewTag, True)
    return await _write(
        request, rate, 201, service.add, principal=principal, ticket=ticket, payload=payload
    )


@router.delete(TAGS + "/{tag}", **_doc("deleteTicketTag", "Remove a tag from a ticket", TAGS_WRITE))
async def delete_ticket_tag(request: Request, ticket: str, tag: str) -> Response:
    principal, rate = await authenticate(request)
    service: TagService = _state(request).tags
    return await _write(
        request, rate, 200, service.remove, principal=principal, ticket=ticket, tag=tag
    )
