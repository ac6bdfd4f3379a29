"""Wire schemas (one family per resource) and the input parsers that produce them.

The pydantic models document the contract in ``/openapi.json`` and type the parsed input. Responses
are built as plain dicts straight from database rows (`purchase_dict`) and serialised with orjson:
the models would only re-validate data the database already guarantees.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    WithJsonSchema,
    field_validator,
)

from .exceptions import InvalidInput
from .params import (
    filters,
    parse_bool_list,
    parse_per_page,
    parse_uuid,
    parse_uuid_list,
    unique_query,
)

T = TypeVar("T")

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


def _canonical_uuid(value: object) -> object:
    # The same spelling paths and filters accept: no braces, ``urn:uuid:`` or undashed hex.
    if isinstance(value, uuid.UUID):  # built in Python (service tests, admin), not parsed
        return value
    if not isinstance(value, str) or parse_uuid(value) is None:
        raise ValueError("not a canonical UUID")
    return value


CanonicalUUID = Annotated[uuid.UUID, BeforeValidator(_canonical_uuid)]


class PurchaseCreate(BaseModel):
    """Body of ``POST .../purchases`` (``NewProductPurchasePayload``)."""

    model_config = ConfigDict(title="NewProductPurchasePayload", strict=True)
    user_id: CanonicalUUID = Field(alias="userId")


class PurchaseUpdate(BaseModel):
    """Body of ``PUT .../purchases/{purchase}`` (``UpdateProductPurchasePayload``)."""

    model_config = ConfigDict(title="UpdateProductPurchasePayload", strict=True)
    revoked: Annotated[StrictBool | None, WithJsonSchema({"type": "boolean"})] = None
    """Absent: no change. An explicit ``null`` is refused: the schema says boolean."""

    @field_validator("revoked", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("null is not a boolean")
        return value


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


def parse_list_params(items: Iterable[tuple[str, str]]) -> ListParams:
    """Parse the list query (``perPage``, ``cursor``, ``filter[...]``); raises `InvalidInput`.

    Strict (`gmodstore_sandbox.params`): a repeated parameter, a malformed or unknown filter and
    an empty filter value are refused. Every faulty parameter is named in one 400.
    """
    query = unique_query(items)
    errors: dict[str, list[str]] = {}

    def attempt(parse: Callable[[], T], fallback: T) -> T:
        try:
            return parse()
        except InvalidInput as exc:
            errors.update(exc.errors)
            return fallback

    per_page = attempt(
        lambda: parse_per_page(
            query.get("perPage"), default=DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE
        ),
        DEFAULT_PER_PAGE,
    )
    cursor = query.get("cursor") or None
    empty: dict[str, str] = {}
    given = attempt(lambda: filters(query, known=("revoked", "userId", "productId")), empty)
    revoked = user_ids = product_ids = None
    if "revoked" in given:
        revoked = attempt(lambda: parse_bool_list("filter.revoked", given["revoked"]), None)
    if "userId" in given:
        user_ids = attempt(lambda: parse_uuid_list("filter.userId", given["userId"]), None)
    if "productId" in given:
        product_ids = attempt(lambda: parse_uuid_list("filter.productId", given["productId"]), None)
    if errors:
        raise InvalidInput(errors)
    return ListParams(per_page, cursor, revoked, user_ids, product_ids)
