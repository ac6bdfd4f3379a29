"""The 13 team webhook endpoint and message routes (thin: access, parse, one service call).

As everywhere (`api.deps`): the caller is authenticated and authorised before a body byte is
read; list queries are parsed strictly and their errors reported after the access checks.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response

from ..api import openapi
from ..api.deps import authenticate, authorize, read_json, run_read, run_write
from ..content.schemas import parse_list_query
from ..exceptions import InvalidInput
from ..ratelimit import RateState
from ..schemas import dump_json
from . import docs
from .schemas import EndpointCreate, EndpointUpdate, parse
from .service import ENDPOINTS_READ, ENDPOINTS_WRITE, MESSAGES_READ, WebhookService

__all__ = ["router"]

Route = TypeVar("Route", bound=Callable[..., Awaitable[Response]])

router = APIRouter()
ENDPOINTS = "/teams/{team}/webhook-endpoints"
ENDPOINT = ENDPOINTS + "/{webhook_endpoint}"
MESSAGES = "/teams/{team}/webhook-messages"
MESSAGE = MESSAGES + "/{webhook_message}"
_EP_TAG = ["Team Webhook Endpoints"]
_MSG_TAG = ["Team Webhook Messages"]
_LIST = openapi.LIST_PARAMETERS[:2]
_BODIES: dict[type[Any], tuple[str, str]] = {
    EndpointCreate: (
        "NewTeamWebhookEndpointPayload",
        "Payload to create a new team webhook endpoint",
    ),
    EndpointUpdate: (
        "UpdateTeamWebhookEndpointPayload",
        "Payload to update an existing team webhook endpoint",
    ),
}


def _service(request: Request) -> WebhookService:
    return request.app.state.webhooks  # type: ignore[no-any-return]


def _json(body: dict[str, Any], status: int, rate: RateState) -> Response:
    return Response(dump_json(body), status, rate.headers(), "application/json")


def _empty(rate: RateState) -> Response:
    return Response(None, 204, rate.headers())


def _query(request: Request) -> Any:
    try:
        return parse_list_query(request.query_params.multi_items(), {})
    except InvalidInput as exc:
        return exc


async def _body(request: Request, team: str, model: type[Any]) -> tuple[Any, RateState, Any]:
    service = _service(request)
    principal, rate = await authorize(
        request, functools.partial(service.authorize, team=team, scope=ENDPOINTS_WRITE)
    )
    payload = await read_json(request, functools.partial(parse, model))
    return principal, rate, payload


def _op(
    method: str, path: str, op_id: str, summary: str, scope: str, tags: list[str], **kw: Any
) -> Callable[[Route], Route]:
    extra = openapi.extra(scope, parameters=kw.pop("parameters", None))
    body: type[Any] | None = kw.pop("body", None)
    if body is not None:
        schema = body.model_json_schema()
        schema.pop("description", None)  # the class docstring is not API documentation
        schema["title"], description = _BODIES[body]
        extra["requestBody"] = {
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    status = kw.pop("status_code", 200)
    decorator: Callable[[Route], Route] = router.api_route(
        path,
        methods=[method],
        operation_id=op_id,
        summary=summary,
        tags=tags,  # type: ignore[arg-type]
        status_code=status,
        response_model=None,
        responses=docs.NO_CONTENT if status == 204 else docs.ok(op_id, status),
        openapi_extra=extra,
        **kw,
    )
    return decorator


@_op(
    "GET",
    ENDPOINTS,
    "listTeamWebhookEndpoints",
    "List all webhook endpoints in a team",
    ENDPOINTS_READ,
    _EP_TAG,
    parameters=_LIST,
)
async def list_team_webhook_endpoints(request: Request, team: str) -> Response:
    principal, rate = await authenticate(request)
    body = await run_read(
        _service(request).list_endpoints, principal, team=team, query=_query(request)
    )
    return _json(body, 200, rate)


@_op(
    "POST",
    ENDPOINTS + "/test",
    "testTeamWebhookEndpoints",
    "Send a test webhook to the endpoints in a team.",
    ENDPOINTS_WRITE,
    _EP_TAG,
    status_code=204,
)
async def test_team_webhook_endpoints(request: Request, team: str) -> Response:
    principal, rate = await authenticate(request)
    await run_write(request, _service(request).send_test, principal, team=team)
    return _empty(rate)


@_op(
    "POST",
    ENDPOINTS,
    "createTeamWebhookEndpoint",
    "Create a new webhook endpoint for the given team",
    ENDPOINTS_WRITE,
    _EP_TAG,
    status_code=201,
    body=EndpointCreate,
)
async def create_team_webhook_endpoint(request: Request, team: str) -> Response:
    principal, rate, payload = await _body(request, team, EndpointCreate)
    body = await run_write(
        request, _service(request).create_endpoint, principal, team=team, payload=payload
    )
    return _json(body, 201, rate)


@_op("GET", ENDPOINT, "getTeamWebhookEndpoint", "Fetch a webhook endpoint", ENDPOINTS_READ, _EP_TAG)
async def get_team_webhook_endpoint(request: Request, team: str, webhook_endpoint: str) -> Response:
    principal, rate = await authenticate(request)
    body = await run_read(
        _service(request).get_endpoint, principal, team=team, endpoint=webhook_endpoint
    )
    return _json(body, 200, rate)


@_op(
    "PUT",
    ENDPOINT,
    "updateTeamWebhookEndpoint",
    "Update a webhook endpoint",
    ENDPOINTS_WRITE,
    _EP_TAG,
    body=EndpointUpdate,
)
async def update_team_webhook_endpoint(
    request: Request, team: str, webhook_endpoint: str
) -> Response:
    principal, rate, payload = await _body(request, team, EndpointUpdate)
    body = await run_write(
        request,
        _service(request).update_endpoint,
        principal,
        team=team,
        endpoint=webhook_endpoint,
        payload=payload,
    )
    return _json(body, 200, rate)


@_op(
    "DELETE",
    ENDPOINT,
    "deleteTeamWebhookEndpoint",
    "Delete webhook endpoint",
    ENDPOINTS_WRITE,
    _EP_TAG,
)
async def delete_team_webhook_endpoint(
    request: Request, team: str, webhook_endpoint: str
) -> Response:
    principal, rate = await authenticate(request)
    body = await run_write(
        request, _service(request).delete_endpoint, principal, team=team, endpoint=webhook_endpoint
    )
    return _json(body, 200, rate)


@_op(
    "GET",
    ENDPOINT + "/secret",
    "getTeamWebhookEndpointSecret",
    "Fetch the secret for the given webhook endpoint.",
    ENDPOINTS_READ,
    _EP_TAG,
)
async def get_team_webhook_endpoint_secret(
    request: Request, team: str, webhook_endpoint: str
) -> Response:
    principal, rate = await authenticate(request)
    body = await run_read(
        _service(request).get_secret, principal, team=team, endpoint=webhook_endpoint
    )
    return _json(body, 200, rate)


@_op(
    "PUT",
    ENDPOINT + "/secret",
    "updateTeamWebhookEndpointSecret",
    "Update the secret for the given webhook endpoint.",
    ENDPOINTS_WRITE,
    _EP_TAG,
)
async def update_team_webhook_endpoint_secret(
    request: Request, team: str, webhook_endpoint: str
) -> Response:
    principal, rate = await authenticate(request)
    body = await run_write(
        request, _service(request).rotate_secret, principal, team=team, endpoint=webhook_endpoint
    )
    return _json(body, 200, rate)


@_op(
    "GET",
    ENDPOINT + "/attempts",
    "listTeamWebhookEndpointAttempts",
    "List all webhook attempts for an endpoint",
    ENDPOINTS_READ,
    _EP_TAG,
    parameters=_LIST,
)
async def list_team_webhook_endpoint_attempts(
    request: Request, team: str, webhook_endpoint: str
) -> Response:
    principal, rate = await authenticate(request)
    body = await run_read(
        _service(request).endpoint_attempts,
        principal,
        team=team,
        endpoint=webhook_endpoint,
        query=_query(request),
    )
    return _json(body, 200, rate)


@_op(
    "POST",
    ENDPOINT + "/attempts/{webhook_message}/resend",
    "resendTeamWebhookEndpointAttempt",
    "Resend a webhook attempt for an endpoint",
    ENDPOINTS_WRITE,
    _EP_TAG,
    status_code=204,
)
async def resend_team_webhook_endpoint_attempt(
    request: Request, team: str, webhook_endpoint: str, webhook_message: str
) -> Response:
    principal, rate = await authenticate(request)
    await run_write(
        request,
        _service(request).resend,
        principal,
        team=team,
        endpoint=webhook_endpoint,
        message=webhook_message,
    )
    return _empty(rate)


@_op(
    "GET",
    MESSAGES,
    "listTeamWebhookMessages",
    "List all webhook messages",
    MESSAGES_READ,
    _MSG_TAG,
    parameters=_LIST,
)
async def list_team_webhook_messages(request: Request, team: str) -> Response:
    principal, rate = await authenticate(request)
    body = await run_read(
        _service(request).list_messages, principal, team=team, query=_query(request)
    )
    return _json(body, 200, rate)


@_op("GET", MESSAGE, "getTeamWebhookMessage", "Fetch a webhook message", MESSAGES_READ, _MSG_TAG)
async def get_team_webhook_message(request: Request, team: str, webhook_message: str) -> Response:
    principal, rate = await authenticate(request)
    body = await run_read(
        _service(request).get_message, principal, team=team, message=webhook_message
    )
    return _json(body, 200, rate)


@_op(
    "GET",
    MESSAGE + "/attempts",
    "listTeamWebhookMessageAttempts",
    "List all attempts for a webhook message",
    MESSAGES_READ,
    _MSG_TAG,
    parameters=_LIST,
)
async def list_team_webhook_message_attempts(
    request: Request, team: str, webhook_message: str
) -> Response:
    principal, rate = await authenticate(request)
    body = await run_read(
        _service(request).message_attempts,
        principal,
        team=team,
        message=webhook_message,
        query=_query(request),
    )
    return _json(body, 200, rate)
