"""Pieces of ``/openapi.json`` that FastAPI cannot infer, consistent with the reference spec."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model

from ..schemas import Cursors, PageMeta

__all__ = ["LIST_PARAMETERS", "customize", "envelope", "extra", "page", "responses"]

_CLOSED = ConfigDict(extra="forbid")


def envelope(name: str, model: type[BaseModel], *, closed: bool = True) -> type[BaseModel]:
    """The documented ``{"data": model}`` answer, named ``name`` in ``components.schemas``."""
    if closed:
        return create_model(name, __config__=_CLOSED, data=(model, ...))
    return create_model(name, data=(model, ...))


def page(name: str, model: type[BaseModel]) -> type[BaseModel]:
    """The documented answer of a list operation: one page of ``model`` with its cursors."""
    return create_model(
        name,
        __config__=_CLOSED,
        data=(list[model], ...),  # type: ignore[valid-type]
        cursors=(Cursors, ...),
        connections=(list[str], ...),
        meta=(PageMeta, ...),
    )


_RATE_HEADERS = {
    "X-RateLimit-Limit": {"$ref": "#/components/headers/X-Ratelimit-Limit"},
    "X-RateLimit-Remaining": {"$ref": "#/components/headers/X-Ratelimit-Remaining"},
    "X-RateLimit-Reset": {"$ref": "#/components/headers/X-Ratelimit-Reset"},
}

_BODY_DESCRIPTIONS = {
    "NewProductPurchasePayload": "Payload to create a new product purchase",
    "UpdateProductPurchasePayload": "Payload to update an existing product purchase",
}

_ERROR_RESPONSES = {
    "400": ("ErrorBadRequest", "Improperly formatted request passed", True),
    "401": ("ErrorUnauthorized", "The passed bearer token is missing or invalid", False),
    "403": ("ErrorForbidden", "The passed bearer token does not have the right scopes", False),
    "404": ("ErrorNotFound", "The requested resource does not exist", False),
    "429": ("ErrorTooManyRequests", "Exceeded the ratelimit", False),
}

LIST_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "perPage",
        "in": "query",
        "required": False,
        "schema": {
            "description": "The number of items to return per page",
            "default": 24,
            "type": ["integer", "null"],
            "maximum": 100,
            "minimum": 1,
        },
    },
    {
        "name": "cursor",
        "in": "query",
        "description": "The cursor from which to return paginated results starting after",
        "schema": {"type": "string"},
    },
    {
        "name": "filter",
        "in": "query",
        "description": "Filter the results",
        "style": "deepObject",
        "schema": {"$ref": "#/components/schemas/ProductPurchaseFilter"},
    },
]

_FILTER_SCHEMA = {
    "title": "ProductPurchaseFilter",
    "type": "object",
    "properties": {
        "revoked": {"type": "array", "items": {"type": "boolean"}},
        "userId": {"type": "array", "items": {"format": "uuid", "type": "string"}},
        "productId": {"type": "array", "items": {"format": "uuid", "type": "string"}},
    },
    "additionalProperties": False,
}


def responses(status: int, model: type[BaseModel], what: str) -> dict[int | str, dict[str, Any]]:
    """The success response of an operation; error responses are added by `customize`."""
    return {
        status: {
            "model": model,
            "description": f"Successful response containing {what}",
            "headers": _RATE_HEADERS,
        }
    }


def extra(
    scope: str,
    *,
    parameters: list[dict[str, Any]] | None = None,
    body: type[BaseModel] | None = None,
) -> dict[str, Any]:
    """``openapi_extra`` of an operation: security scope, hand-parsed query, hand-parsed body."""
    result: dict[str, Any] = {"security": [{"PersonalAccessToken": [scope]}]}
    if parameters:
        result["parameters"] = parameters
    if body is not None:
        schema = _tidy(body.model_json_schema(by_alias=True))
        result["requestBody"] = {
            "description": _BODY_DESCRIPTIONS[schema["title"]],
            "content": {"application/json": {"schema": schema}},
        }
    return result


_ERRORS = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
_MESSAGE = {"type": "string", "readOnly": True}

_SHARED_SCHEMAS: dict[str, dict[str, Any]] = {
    "ProductPurchaseFilter": _FILTER_SCHEMA,
    "Error": {
        "title": "Error",
        "type": "object",
        "required": ["message"],
        "properties": {"message": _MESSAGE},
        "additionalProperties": False,
    },
    "ValidationErrors": {
        "title": "ValidationErrors",
        "type": "object",
        "properties": {"errors": _ERRORS},
        "additionalProperties": False,
    },
    # The reference writes the 400 body as allOf [Error, ValidationErrors]; with
    # additionalProperties false on both, no body could match it. One closed object instead.
    "ErrorWithValidation": {
        "title": "ErrorWithValidation",
        "type": "object",
        "required": ["message"],
        "properties": {"message": _MESSAGE, "errors": _ERRORS},
        "additionalProperties": False,
    },
}

_COMPONENT_NAMES = {
    "PurchaseOut": "ProductPurchase",
    "PurchaseEnvelope": "ProductPurchaseResponse",
    "PurchasePage": "ListProductPurchasesResponse",
}
"""pydantic names components after the classes; these are the names the API uses."""


def _error_responses() -> dict[str, Any]:
    error = {"$ref": "#/components/schemas/Error"}
    validation_error = {"$ref": "#/components/schemas/ErrorWithValidation"}
    return {
        name: {
            "description": description,
            "headers": _RATE_HEADERS,
            "content": {"application/json": {"schema": validation_error if validation else error}},
        }
        for name, description, validation in _ERROR_RESPONSES.values()
    }


def customize(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the shared components and the error responses; drop FastAPI's 422."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for generated in schemas.values():
        _tidy(generated)
    schemas.update(_SHARED_SCHEMAS)
    components["headers"] = {
        "X-Ratelimit-Limit": _header("Request limit per minute.", required=True, default=60),
        "X-Ratelimit-Remaining": _header(
            "The number of requests left for the time window.", required=True
        ),
        "X-Ratelimit-Reset": _header(
            "The remaining window before the rate limit resets in UTC epoch seconds."
        ),
    }
    components["responses"] = _error_responses()
    components["securitySchemes"] = {"PersonalAccessToken": {"type": "http", "scheme": "bearer"}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            answers.pop("422", None)
            for status, (name, _, _) in _ERROR_RESPONSES.items():
                answers[status] = {"$ref": f"#/components/responses/{name}"}
    return _rename(schema, _COMPONENT_NAMES)


def _rename(schema: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Rename components (and every reference to them) from `names` keys to values."""
    text = json.dumps(schema)
    for old, new in names.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    result: dict[str, Any] = json.loads(text)
    schemas = result["components"]["schemas"]
    for old, new in names.items():
        if old in schemas:
            schemas[new] = schemas.pop(old)
    return result


def _header(
    description: str, *, required: bool = False, default: int | None = None
) -> dict[str, Any]:
    schema: dict[str, Any] = {"format": "int64", "type": "integer", "minimum": 0}
    if default is not None:
        schema["default"] = default
    header: dict[str, Any] = {"description": description, "schema": schema}
    if required:
        header["required"] = True
    return header


def _tidy(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop what pydantic adds and the reference lacks: docstrings and per-property titles."""
    schema.pop("description", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return schema
