"""What ``/openapi.json`` says the 13 webhook operations answer (the sandbox's own wire shapes).

The models only document the answers (the service builds plain dicts); their class names are the
reference's component names, their fields what `service.endpoint_dict`, `message_dict`,
`delivery_dict` and `attempt_dict` write. ``TeamWebhookAttempt`` does not require ``disabled``:
the reference requires it without defining it (SPEC-NOTES 5), and no answer has it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ..api.openapi import envelope, page

__all__ = ["NO_CONTENT", "ok"]

_Closed = ConfigDict(extra="forbid")
_Strings = Annotated[list[str] | None, Field(json_schema_extra={"uniqueItems": True})]
_Url = Annotated[str, Field(json_schema_extra={"format": "uri"})]
_Integer = Annotated[int, Field(json_schema_extra={"format": "integer"})]


class TeamWebhookEndpoint(BaseModel):
    model_config = _Closed
    id: uuid.UUID
    teamId: uuid.UUID  # noqa: N815 - wire names, documentation only
    url: _Url
    description: str | None
    disabled: bool
    channels: _Strings
    filterTypes: _Strings  # noqa: N815
    createdAt: datetime  # noqa: N815
    updatedAt: datetime  # noqa: N815


class WebhookEndpointSecret(BaseModel):
    model_config = _Closed
    key: str


class TeamWebhookMessage(BaseModel):
    model_config = _Closed
    id: uuid.UUID
    eventId: uuid.UUID  # noqa: N815
    eventType: str  # noqa: N815
    payload: dict[str, Any]
    channels: _Strings
    timestamp: datetime


class TeamWebhookMessageAttempt(TeamWebhookMessage):
    """A message as sent to one endpoint: ``status`` 0 delivered, 1 pending, 2 failed."""

    status: _Integer
    nextAttempt: datetime  # noqa: N815


class TeamWebhookAttempt(BaseModel):
    model_config = _Closed
    id: uuid.UUID
    endpointId: uuid.UUID  # noqa: N815
    msgId: uuid.UUID  # noqa: N815
    url: _Url
    status: _Integer
    triggerType: _Integer  # noqa: N815
    responseStatusCode: _Integer  # noqa: N815
    response: dict[str, Any]
    timestamp: datetime


_ANSWERS: dict[str, tuple[type[BaseModel], str]] = {
    "listTeamWebhookEndpoints": (
        page("ListTeamWebhookEndpointsResponse", TeamWebhookEndpoint),
        "a list of team webhook endpoints",
    ),
    "createTeamWebhookEndpoint": (
        envelope("CreateTeamWebhookEndpointResponse", TeamWebhookEndpoint),
        "the newly created team webhook endpoint",
    ),
    "getTeamWebhookEndpoint": (
        envelope("GetTeamWebhookEndpointResponse", TeamWebhookEndpoint),
        "a single team webhook endpoint",
    ),
    "updateTeamWebhookEndpoint": (
        envelope("UpdateTeamWebhookEndpointResponse", TeamWebhookEndpoint),
        "the team webhook endpoint with changes applied",
    ),
    "deleteTeamWebhookEndpoint": (
        envelope("DeleteTeamWebhookEndpointResponse", TeamWebhookEndpoint),
        "the team webhook endpoint that was just deleted",
    ),
    "getTeamWebhookEndpointSecret": (
        envelope("GetWebhookEndpointSecretResponse", WebhookEndpointSecret),
        "a single webhook endpoint secret",
    ),
    "updateTeamWebhookEndpointSecret": (
        envelope("UpdateWebhookEndpointSecretResponse", WebhookEndpointSecret),
        "the webhook endpoint secret with changes applied",
    ),
    "listTeamWebhookEndpointAttempts": (
        page("ListTeamWebhookMessageAttemptsResponse", TeamWebhookMessageAttempt),
        "a list of team webhook message attempts",
    ),
    "listTeamWebhookMessages": (
        page("ListTeamWebhookMessagesResponse", TeamWebhookMessage),
        "a list of team webhook messages",
    ),
    "getTeamWebhookMessage": (
        envelope("GetTeamWebhookMessageResponse", TeamWebhookMessage),
        "a single team webhook message",
    ),
    "listTeamWebhookMessageAttempts": (
        page("ListTeamWebhookAttemptsResponse", TeamWebhookAttempt),
        "a list of team webhook attempts",
    ),
}

NO_CONTENT: dict[int | str, Any] = {204: {"description": "No Content"}}
"""The answer of ``testTeamWebhookEndpoints`` and ``resendTeamWebhookEndpointAttempt``."""


def ok(operation_id: str, status: int) -> dict[int | str, Any]:
    """The success answer of `operation_id` (``responses=`` of its route)."""
    model, what = _ANSWERS[operation_id]
    return {status: {"model": model, "description": f"Successful response containing {what}"}}
