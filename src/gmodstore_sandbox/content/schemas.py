"""Wire schemas of the content area, the parsers of its JSON bodies and list queries, row -> JSON.

The pydantic models carry the API's component names, so ``/openapi.json`` documents the operations
the way the reference does; responses are built as plain dicts and serialised with orjson (as the
purchase routes do). SPEC-NOTES fixes applied here: 4 (coupons carry ``percent``), 9
(`UpdateProductVersionPayload` spells ``release_type``; ``releaseType`` is accepted too), 11 (a
coupon code is letters, digits, ``_`` and ``-``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from ..exceptions import InvalidInput
from ..params import MAX_FILTER_VALUES, filters, parse_per_page, parse_uuid, unique_query
from ..schemas import DEFAULT_PER_PAGE, MAX_PER_PAGE, CanonicalUUID

__all__ = [
    "RELEASE_TYPES",
    "CouponCreate",
    "CouponUpdate",
    "ListQuery",
    "MediumUpdate",
    "VersionUpdate",
    "coupon_dict",
    "medium_dict",
    "parse_body",
    "parse_list_query",
    "review_dict",
    "version_dict",
]

RELEASE_TYPES = ("stable", "beta", "alpha", "private", "demo")
ReleaseType = Literal["stable", "beta", "alpha", "private", "demo"]
COUPON_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CODE_PATTERN = r"^[A-Za-z0-9_-]+$"
"""Anchored: pydantic searches a ``pattern`` (Rust regex: ``$`` is the end of the text)."""
_Strict = ConfigDict(strict=True, extra="ignore")

# --- request bodies -------------------------------------------------------------------------------


class VersionUpdate(BaseModel):
    """``UpdateProductVersionPayload``."""

    model_config = _Strict
    name: StrictStr | None = Field(default=None, min_length=1, max_length=80)
    changelog: StrictStr | None = Field(default=None, max_length=10000)
    release_type: ReleaseType | None = None
    releaseType: ReleaseType | None = None  # noqa: N815 - the camelCase spelling, accepted too


class MediumUpdate(BaseModel):
    """``UpdateProductMediumPayload``."""

    model_config = _Strict
    title: StrictStr = Field(min_length=1, max_length=125)
    tenantId: CanonicalUUID | None = None  # noqa: N815


class CouponUpdate(BaseModel):
    """``UpdateProductCouponPayload``: every field optional."""

    model_config = _Strict
    percent: Annotated[StrictInt, Field(ge=1, le=90)] | None = None
    code: Annotated[StrictStr, Field(pattern=_CODE_PATTERN, max_length=64)] | None = None
    maxUses: Annotated[StrictInt, Field(ge=1, le=100)] | None = None  # noqa: N815
    expiresAt: datetime | None = None  # noqa: N815
    boundUserId: CanonicalUUID | None = None  # noqa: N815


class CouponCreate(CouponUpdate):
    """``NewProductCouponPayload``: percent, code, maxUses and expiresAt are required."""

    percent: Annotated[StrictInt, Field(ge=1, le=90)]
    code: Annotated[StrictStr, Field(pattern=_CODE_PATTERN, max_length=64)]
    maxUses: Annotated[StrictInt, Field(ge=1, le=100)]  # noqa: N815
    expiresAt: datetime  # noqa: N815


_MESSAGES = {
    "missing": "The {f} field is required.",
    "string_too_long": "The {f} may not be greater than {n} characters.",
    "string_too_short": "The {f} field is required.",
    "string_pattern_mismatch": "The {f} may only contain letters, numbers, dashes and underscores.",
    "greater_than_equal": "The {f} must be at least {n}.",
    "less_than_equal": "The {f} may not be greater than {n}.",
    "literal_error": "The selected {f} is invalid.",
    "uuid_parsing": "The {f} must be a valid UUID.",
    "uuid_type": "The {f} must be a valid UUID.",
}


def _message(field_name: str, error: Any) -> str:
    ctx = error.get("ctx") or {}
    limit = next((ctx[k] for k in ("max_length", "ge", "le", "min_length") if k in ctx), "")
    template = _MESSAGES.get(error["type"], "The {f} field is invalid.")
    return template.format(f=field_name, n=limit)


def parse_body(model: type[BaseModel], body: bytes) -> Any:
    """Parse a JSON object body into `model`; raises `InvalidInput` with per-field messages."""
    try:
        return model.model_validate_json(body if body.strip() else b"{}")
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors(include_url=False):
            if error["type"] == "json_invalid":
                raise InvalidInput(
                    {"body": ["The request body must be valid JSON."]}, "Malformed JSON."
                ) from None
            loc = ".".join(str(p) for p in error["loc"])
            if not loc:
                raise InvalidInput({"body": ["The request body must be a JSON object."]}) from None
            errors.setdefault(loc, []).append(_message(loc, error))
        raise InvalidInput(errors) from None


# --- list queries ---------------------------------------------------------------------------------

FilterParser = Callable[[str, str, dict[str, list[str]]], Any]


@dataclass(frozen=True)
class ListQuery:
    per_page: int = DEFAULT_PER_PAGE
    cursor: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _values(name: str, value: str, errors: dict[str, list[str]]) -> list[str] | None:
    items = _split(value)
    if len(items) > MAX_FILTER_VALUES:
        errors[name] = [f"The {name} filter accepts at most {MAX_FILTER_VALUES} values."]
        return None
    return items or None


def release_types_filter(name: str, value: str, errors: dict[str, list[str]]) -> Any:
    items = _values(name, value, errors)
    if items is not None and any(item not in RELEASE_TYPES for item in items):
        errors[name] = [f"Each {name} value must be one of: {', '.join(RELEASE_TYPES)}."]
        return None
    return None if items is None else tuple(sorted(set(items)))


def ratings_filter(name: str, value: str, errors: dict[str, list[str]]) -> Any:
    items = _values(name, value, errors)
    if items is not None and any(item not in ("1", "2", "3", "4", "5") for item in items):
        errors[name] = [f"Each {name} value must be an integer from 1 to 5."]
        return None
    return None if items is None else tuple(sorted({int(item) for item in items}))


def codes_filter(name: str, value: str, errors: dict[str, list[str]]) -> Any:
    items = _values(name, value, errors)
    if items is not None and any(COUPON_CODE.fullmatch(item) is None for item in items):
        errors[name] = [f"Each {name} value must be a coupon code."]
        return None
    return None if items is None else tuple(sorted({item.lower() for item in items}))


def bound_users_filter(name: str, value: str, errors: dict[str, list[str]]) -> Any:
    """UUIDs; ``null`` selects the coupons bound to no one."""
    items = _values(name, value, errors)
    if items is None:
        return None
    parsed = [None if item == "null" else parse_uuid(item) for item in items]
    if any(p is None and item != "null" for p, item in zip(parsed, items, strict=True)):
        errors[name] = [f"Each {name} value must be a valid UUID or null."]
        return None
    return tuple(sorted(set(parsed), key=str))


def parse_list_query(
    items: Iterable[tuple[str, str]], parsers: dict[str, FilterParser]
) -> ListQuery:
    """``perPage``, ``cursor`` and the ``filter[name]`` keys of `parsers`; raises `InvalidInput`.

    Strict as every list (`gmodstore_sandbox.params`): a repeated parameter, an unknown or empty
    filter is refused; every faulty parameter is named in one 400.
    """
    query = unique_query(items)
    errors: dict[str, list[str]] = {}
    per_page = DEFAULT_PER_PAGE
    raw: dict[str, str] = {}
    try:
        per_page = parse_per_page(
            query.get("perPage"), default=DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE
        )
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        raw = filters(query, known=parsers)
    except InvalidInput as exc:
        errors.update(exc.errors)
    parsed: dict[str, Any] = {}
    for name, value in raw.items():
        result = parsers[name](f"filter.{name}", value, errors)
        if result is not None:
            parsed[name] = result
    if errors:
        raise InvalidInput(errors)
    return ListQuery(per_page, query.get("cursor") or None, parsed)


# --- rows -> JSON ---------------------------------------------------------------------------------


def version_dict(row: Any, *, deleted_at: datetime | None = None) -> dict[str, Any]:
    data = {
        "id": row.id,
        "name": row.name,
        "changelog": row.changelog,
        "releaseType": row.release_type,
        "fileSize": row.file_size,
        "fileHash": row.file_hash,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    }
    if deleted_at is not None:
        data["deletedAt"] = deleted_at
    return data


def medium_dict(row: Any, media_url: str) -> dict[str, Any]:
    data = {
        "id": row.id,
        "productId": row.product_id,
        "title": row.title,
        "media": media_url,
        "extension": row.extension,
        "type": row.type,
        "displayOrder": row.display_order,
    }
    if row.tenant_id is not None:
        data["tenantId"] = row.tenant_id
    return data


def coupon_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": row.code,
        "percent": row.percent,
        "maxUses": row.max_uses,
        "boundUserId": row.bound_user_id,
        "expiresAt": row.expires_at,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    }


def review_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "userId": row.user_id,
        "title": row.title,
        "body": row.body,
        "rating": row.rating,
        "version": row.version,
        "votes": {"helpful": row.votes_helpful, "total": row.votes_total},
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    }
