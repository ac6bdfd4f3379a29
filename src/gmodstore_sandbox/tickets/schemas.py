"""Payloads of the tickets area, the `TicketFilter` parsers and rows -> API JSON."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from ..exceptions import InvalidInput
from ..params import parse_bool_list, parse_uuid_list

__all__ = [
    "MessageBody",
    "MessageUpdate",
    "NewTag",
    "TICKET_FILTERS",
    "TicketUpdate",
    "attachment_dict",
    "log_request_dict",
    "message_dict",
    "revision_dict",
    "tag_dict",
    "ticket_dict",
]

STATUSES = ("awaiting_agent", "awaiting_customer", "locked", "on_hold")
STATES = ("open", "locked")
BODY_MAX = 10_000
_Closed = ConfigDict(extra="forbid")


class TicketUpdate(BaseModel):
    model_config = _Closed
    status: Literal["open", "on_hold", "locked"] | None = None
    hidden: StrictBool | None = None


class MessageBody(BaseModel):
    model_config = _Closed
    body: StrictStr = Field(min_length=1, max_length=BODY_MAX)


class MessageUpdate(BaseModel):
    model_config = _Closed
    body: StrictStr | None = Field(default=None, min_length=1, max_length=BODY_MAX)


class NewTag(BaseModel):
    model_config = _Closed
    tagId: StrictStr  # noqa: N815 - wire name


# --- TicketFilter (SPEC-NOTES 10: its enums are nested arrays; read as flat enums) ------------


def _enum_list(allowed: tuple[str, ...]) -> Any:
    def parse(field: str, value: str, errors: dict[str, list[str]]) -> tuple[str, ...] | None:
        values = tuple(v.strip() for v in value.split(","))
        bad = [v for v in values if v not in allowed]
        if bad:
            errors[field] = [f"The selected {field} is invalid (one of: {', '.join(allowed)})."]
            return None
        return tuple(sorted(set(values)))

    return parse


def _search(field: str, value: str, errors: dict[str, list[str]]) -> str | None:
    if len(value) > 200:
        errors[field] = [f"The {field} may not be greater than 200 characters."]
        return None
    return value


def _bool(field: str, value: str, errors: dict[str, list[str]]) -> bool | None:
    try:
        parsed = parse_bool_list(field, value)
    except InvalidInput as exc:
        errors.update(exc.errors)
        return None
    return parsed


def _uuids(field: str, value: str, errors: dict[str, list[str]]) -> tuple[Any, ...] | None:
    try:
        return parse_uuid_list(field, value)
    except InvalidInput as exc:
        errors.update(exc.errors)
        return None


TICKET_FILTERS = {
    "search": _search,
    "state": _enum_list(STATES),
    "showHidden": _bool,
    "status": _enum_list(STATUSES),
    "labelId": _uuids,
}


# --- rows -> JSON ------------------------------------------------------------------------------


def ticket_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "userId": row.user_id,
        "subject": row.subject,
        "type": "product",
        "ticketableType": "product",
        "ticketableId": row.product_id,
        "status": row.status,
        "lockedBy": None,
        "hidden": row.hidden,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
        "lockedAt": row.locked_at,
    }


def message_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "ticketId": row.ticket_id,
        "userId": row.user_id,
        "body": row.body,
        "read": None,
        "revisionsCount": row.revisions_count,
        "revisionId": row.revision_id,
        "revisionCreatedAt": row.revision_created_at,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
        "deletedAt": row.deleted_at,
    }


def revision_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "body": row.body,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    }


def attachment_dict(row: Any, url: str | None, *, deleted_at: Any = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "ticketId": row.ticket_id,
        "userId": row.user_id,
        "fileHash": row.file_hash,
        "originalName": row.original_name,
        "url": url,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
        "deletedAt": deleted_at,
    }


def tag_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "colours": {"bg": row.bg, "text": row.text},
        "ticketableType": None,
        "ticketableId": None,
    }


def log_request_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "game": row.game,
        "ticketId": row.ticket_id,
        "userId": row.user_id,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
        "deletedAt": row.deleted_at,
    }
