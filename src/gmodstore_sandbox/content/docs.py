"""What ``/openapi.json`` says about the content operations (responses, bodies, parameters).

The models only document the wire shapes (the services build plain dicts); their class names are the
reference's component names.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from ..api.openapi import LIST_PARAMETERS, envelope, page

__all__ = ["body", "extra", "list_parameters", "multipart", "ok"]

ReleaseType = Literal["stable", "beta", "alpha", "private", "demo"]
_Closed = ConfigDict(extra="forbid")


class ProductVersion(BaseModel):
    model_config = _Closed
    id: uuid.UUID
    name: str
    changelog: str
    releaseType: ReleaseType  # noqa: N815 - wire names, documentation only
    fileSize: int = Field(ge=0)  # noqa: N815
    fileHash: str  # noqa: N815
    createdAt: datetime  # noqa: N815
    updatedAt: datetime  # noqa: N815
    deletedAt: datetime | None = None  # noqa: N815


class ProductMedium(BaseModel):
    model_config = _Closed
    id: uuid.UUID
    productId: uuid.UUID  # noqa: N815
    title: str
    media: str
    extension: str
    type: Literal["image", "video", "youtube"]
    displayOrder: int  # noqa: N815
    tenantId: uuid.UUID | None = None  # noqa: N815


class ProductCoupon(BaseModel):
    model_config = _Closed
    id: uuid.UUID
    code: str
    percent: int = Field(ge=1, le=90)
    maxUses: int = Field(ge=1)  # noqa: N815
    boundUserId: uuid.UUID | None  # noqa: N815
    expiresAt: datetime  # noqa: N815
    createdAt: datetime  # noqa: N815
    updatedAt: datetime  # noqa: N815


class ProductReviewVotes(BaseModel):
    helpful: int = Field(ge=0)
    total: int = Field(ge=0)


class ProductReview(BaseModel):
    model_config = _Closed
    id: uuid.UUID
    userId: uuid.UUID  # noqa: N815
    title: str
    body: str
    rating: int = Field(ge=1, le=5)
    version: str
    votes: ProductReviewVotes
    createdAt: datetime  # noqa: N815
    updatedAt: datetime  # noqa: N815


class Url(BaseModel):
    url: str


ENVELOPES = {
    "version": envelope("ProductVersionResponse", ProductVersion, closed=False),
    "medium": envelope("ProductMediumResponse", ProductMedium, closed=False),
    "coupon": envelope("ProductCouponResponse", ProductCoupon, closed=False),
    "review": envelope("ProductReviewResponse", ProductReview, closed=False),
    "deleted_medium": envelope("DeleteProductMediumResponse", ProductMedium, closed=False),
    "url": envelope("UrlResponse", Url, closed=False),
}
PAGES = {
    "version": page("ListProductVersionsResponse", ProductVersion),
    "medium": page("ListProductMediaResponse", ProductMedium),
    "coupon": page("ListProductCouponsResponse", ProductCoupon),
    "review": page("ListProductReviewsResponse", ProductReview),
}

_FILTERS: dict[str, dict[str, Any]] = {
    "ProductVersionFilter": {
        "releaseType": {
            "type": "array",
            "items": {"enum": list(get_args(ReleaseType)), "type": "string"},
        }
    },
    "ProductCouponFilter": {
        "code": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$", "maxLength": 64},
        },
        "boundUserId": {"type": "array", "items": {"format": "uuid", "type": ["string", "null"]}},
    },
    "ProductReviewFilter": {
        "rating": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 5}}
    },
}


def ok(status: int, kind: str, what: str, *, page: bool = False) -> dict[int | str, Any]:
    model = PAGES[kind] if page else ENVELOPES[kind]
    return {status: {"model": model, "description": f"Successful response containing {what}"}}


def list_parameters(filter_name: str | None) -> list[dict[str, Any]]:
    params = [dict(p) for p in LIST_PARAMETERS[:2]]
    if filter_name is not None:
        schema = {
            "title": filter_name,
            "type": "object",
            "properties": _FILTERS[filter_name],
            "additionalProperties": False,
        }
        params.append(
            {
                "name": "filter",
                "in": "query",
                "description": "Filter the results",
                "style": "deepObject",
                "schema": schema,
            }
        )
    return params


def extra(
    scope: str,
    *,
    parameters: list[dict[str, Any]] | None = None,
    request_body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {"security": [{"PersonalAccessToken": [scope]}]}
    if parameters:
        result["parameters"] = parameters
    if request_body is not None:
        result["requestBody"] = request_body
    return result


def body(model: type[BaseModel], description: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("description", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def multipart(
    title: str, description: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    schema = {"title": title, "type": "object", "required": required, "properties": properties}
    return {
        "description": description,
        "required": True,
        "content": {"multipart/form-data": {"schema": schema}},
    }
