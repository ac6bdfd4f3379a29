"""Pieces of ``/openapi.json`` that FastAPI cannot infer, consistent with the reference spec."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

__all__ = ["LIST_PARAMETERS", "customize", "extra", "responses"]

_RATE_HEADERS = {
    "X-RateLimit-Limit": {"$ref": "#/components/headers/X-Ratelimit-Limit"},
    "X-RateLimit-Remaining": {"$ref": "#/components/headers/X-Ratelimit-Remaining"},
    "X-RateLimit-Reset": {"$ref": "#/components/headers/X-Ratelimit-Reset"},
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
        schema = body.model_json_schema(by_alias=True)
        result["requestBody"] = {"content": {"application/json": {"schema": schema}}}
    return result


def customize(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the shared components and the error responses; drop FastAPI's 422."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["ProductPurchaseFilter"] = _FILTER_SCHEMA
    schemas["Error"] = {
        "title": "Error",
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": "string", "readOnly": True}},
        "additionalProperties": False,
    }
    schemas["ValidationErrors"] = {
        "title": "ValidationErrors",
        "type": "object",
        "properties": {
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            }
        },
        "additionalProperties": False,
    }
    components["headers"] = {
        "X-Ratelimit-Limit": _header("Request limit per minute."),
        "X-Ratelimit-Remaining": _header("The number of requests left for the time window."),
        "X-Ratelimit-Reset": _header(
            "The remaining window before the rate limit resets in UTC epoch seconds."
        ),
    }
    # The reference writes the 400 body as allOf [Error, ValidationErrors]; with
    # additionalProperties false on both, no body could match it. One closed object instead.
    schemas["ErrorWithValidation"] = {
        "title": "ErrorWithValidation",
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {"type": "string", "readOnly": True},
            "errors": schemas["ValidationErrors"]["properties"]["errors"],
        },
        "additionalProperties": False,
    }
    error = {"$ref": "#/components/schemas/Error"}
    validation_error = {"$ref": "#/components/schemas/ErrorWithValidation"}
    components["responses"] = {
        name: {
            "description": description,
            "headers": _RATE_HEADERS,
            "content": {"application/json": {"schema": validation_error if validation else error}},
        }
        for name, description, validation in _ERROR_RESPONSES.values()
    }
    components["securitySchemes"] = {"PersonalAccessToken": {"type": "http", "scheme": "bearer"}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            answers.pop("422", None)
            for status, (name, _, _) in _ERROR_RESPONSES.items():
                answers[status] = {"$ref": f"#/components/responses/{name}"}
    return _rename(schema, {"PurchaseOut": "ProductPurchase"})


def _rename(schema: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Give components the reference spec's names (pydantic names them after the classes)."""
    text = json.dumps(schema)
    for old, new in names.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    result: dict[str, Any] = json.loads(text)
    schemas = result["components"]["schemas"]
    for old, new in names.items():
        if old in schemas:
            schemas[new] = schemas.pop(old)
    return result


def _header(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "schema": {"format": "int64", "type": "integer", "minimum": 0},
    }
