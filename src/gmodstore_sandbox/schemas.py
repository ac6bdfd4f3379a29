"""Wire schemas (one family per resource) and the input parsers that produce them.

The pydantic models document the contract in ``/openapi.json`` and type the parsed input. Responses
are built as plain dicts straight from database rows (`purchase_dict`) and serialised with orjson:
the models would only re-validate data the database already guarantees.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, WithJsonSchema

from .exceptions import InvalidInput

__all__ = [
    "DEFAULT_PER_PAGE",
    "MAX_PER_PAGE",
    "ListParams",
    "PurchaseCreate",
    "PurchaseEnvelope",
    "PurchaseOut",
    "PurchasePage",
    "PurchaseUpdate",
    "dump_json",
    "parse_create",
    "parse_list_params",
    "parse_update",
    "parse_uuid",
    "purchase_dict",
]

DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 100
MAX_FILTER_VALUES = 100


class PurchaseCreate(BaseModel):
    """Body of ``POST .../purchases`` (``NewProductPurchasePayload``)."""

    model_config = ConfigDict(title="NewProductPurchasePayload", strict=True)
    user_id: uuid.UUID = Field(alias="userId")


class PurchaseUpdate(BaseModel):
    """Body of ``PUT .../purchases/{purchase}`` (``UpdateProductPurchasePayload``)."""

    model_config = ConfigDict(title="UpdateProductPurchasePayload", strict=True)
    # Documented as the reference does; an explicit null is tolerated and means "no change".
    revoked: Annotated[StrictBool | None, WithJsonSchema({"type": "boolean"})] = None


class PurchaseOut(BaseModel):
    """``ProductPurchase``: exactly these six fields."""

    model_config = ConfigDict(title="ProductPurchase", extra="forbid")
    id: uuid.UUID
    userId: uuid.UUID  # noqa: N815 - wire names, documentation only
    productId: uuid.UUID  # noqa: N815
    revoked: bool
    createdAt: datetime  # noqa: N815
    updatedAt: datetime  # noqa: N815


class PurchaseEnvelope(BaseModel):
    model_config = ConfigDict(title="ProductPurchaseResponse")
    data: PurchaseOut


_NullableString = Annotated[str | None, WithJsonSchema({"type": ["string", "null"]})]


class Cursors(BaseModel):
    prev: _NullableString
    next: _NullableString


class PageMeta(BaseModel):
    perPage: int = Field(json_schema_extra={"format": "int64"})  # noqa: N815


class PurchasePage(BaseModel):
    model_config = ConfigDict(title="ListProductPurchasesResponse", extra="forbid")
    data: list[PurchaseOut]
    cursors: Cursors
    connections: list[str]
    meta: PageMeta


@dataclass(frozen=True)
class ListParams:
    """Parsed query of ``GET .../purchases``."""

    per_page: int = DEFAULT_PER_PAGE
    cursor: str | None = None
    revoked: bool | None = None
    """None: no filter (absent, or both ``true,false``)."""
    user_ids: tuple[uuid.UUID, ...] | None = None
    product_ids: tuple[uuid.UUID, ...] | None = None


def purchase_dict(row: Any) -> dict[str, Any]:
    """The ``ProductPurchase`` JSON object of a row carrying the purchase columns."""
    return {
        "id": row.id,
        "userId": row.user_id,
        "productId": row.product_id,
        "revoked": row.revoked,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    }


def dump_json(obj: Any) -> bytes:
    """orjson with UUIDs as strings and UTC datetimes as ``2026-11-25T13:30:00.123456Z``."""
    return orjson.dumps(obj, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)


_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def parse_uuid(value: str) -> uuid.UUID | None:
    """The UUID spelled by `value`, or None (path ids that are not UUIDs are simply unknown).

    Only the canonical 8-4-4-4-12 spelling (JSON Schema's ``uuid`` format) is accepted: Python's
    `uuid.UUID` would also take ``{...}``, ``urn:uuid:...`` and undashed hex, which would give one
    resource several URLs.
    """
    if _CANONICAL_UUID.fullmatch(value) is None:
        return None
    return uuid.UUID(value)


_MALFORMED = InvalidInput({"body": ["The request body must be valid JSON."]}, "Malformed JSON.")

_MESSAGES = {
    ("userId", "missing"): "The user id field is required.",
    ("userId", "*"): "The user id field must be a valid UUID.",
    ("revoked", "*"): "The revoked field must be true or false.",
}


def _validation_errors(exc: ValidationError) -> InvalidInput:
    errors: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        if error["type"] == "json_invalid":
            return _MALFORMED
        loc = [str(part) for part in error["loc"]]
        field = ".".join(loc) if loc else "body"
        if not loc:
            message = "The request body must be a JSON object."
        else:
            message = _MESSAGES.get((field, error["type"])) or _MESSAGES.get(
                (field, "*"), f"The {field} field is invalid."
            )
        errors.setdefault(field, []).append(message)
    return InvalidInput(errors)


def parse_create(body: bytes) -> PurchaseCreate:
    """Parse a create body; raises `InvalidInput`."""
    try:
        return PurchaseCreate.model_validate_json(body or b"{}")
    except ValidationError as exc:
        raise _validation_errors(exc) from None


def parse_update(body: bytes) -> PurchaseUpdate:
    """Parse an update body (empty body: no change); raises `InvalidInput`."""
    try:
        return PurchaseUpdate.model_validate_json(body if body.strip() else b"{}")
    except ValidationError as exc:
        raise _validation_errors(exc) from None


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _parse_uuid_list(
    field: str, value: str, errors: dict[str, list[str]]
) -> tuple[uuid.UUID, ...] | None:
    items = _split(value)
    if not items:
        return None
    if len(items) > MAX_FILTER_VALUES:
        errors[field] = [f"The {field} filter accepts at most {MAX_FILTER_VALUES} values."]
        return None
    parsed = [parse_uuid(item) for item in items]
    if any(p is None for p in parsed):
        errors[field] = [f"Each {field} value must be a valid UUID."]
        return None
    return tuple(p for p in parsed if p is not None)


def _parse_revoked(value: str, errors: dict[str, list[str]]) -> bool | None:
    seen: set[bool] = set()
    for item in _split(value):
        flag = {"true": True, "1": True, "false": False, "0": False}.get(item.lower())
        if flag is None:
            errors["filter.revoked"] = ["Each filter.revoked value must be true or false."]
            return None
        seen.add(flag)
    return seen.pop() if len(seen) == 1 else None


def _parse_per_page(value: str, errors: dict[str, list[str]]) -> int:
    if value == "":
        return DEFAULT_PER_PAGE
    if not (value.isascii() and value.isdigit() and len(value) <= 10):
        errors["perPage"] = ["The per page field must be an integer."]
        return DEFAULT_PER_PAGE
    per_page = int(value)
    if not 1 <= per_page <= MAX_PER_PAGE:
        errors["perPage"] = [f"The per page field must be between 1 and {MAX_PER_PAGE}."]
        return DEFAULT_PER_PAGE
    return per_page


def parse_list_params(items: Iterable[tuple[str, str]]) -> ListParams:
    """Parse the list query (``perPage``, ``cursor``, ``filter[...]``); raises `InvalidInput`.

    Repeated parameters: the last one wins. Unknown ``filter[...]`` keys are rejected.
    """
    query = dict(items)
    errors: dict[str, list[str]] = {}
    per_page = _parse_per_page(query.get("perPage", ""), errors)
    cursor = query.get("cursor") or None
    revoked: bool | None = None
    user_ids = product_ids = None
    for key, value in query.items():
        if not key.startswith("filter["):
            continue
        if key == "filter[revoked]":
            revoked = _parse_revoked(value, errors)
        elif key == "filter[userId]":
            user_ids = _parse_uuid_list("filter.userId", value, errors)
        elif key == "filter[productId]":
            product_ids = _parse_uuid_list("filter.productId", value, errors)
        else:
            name = key[len("filter[") :].rstrip("]")[:100]
            errors[f"filter.{name}"] = ["Unknown filter."]
    if errors:
        raise InvalidInput(errors)
    return ListParams(per_page, cursor, revoked, user_ids, product_ids)
