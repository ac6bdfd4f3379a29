"""Request bodies of the webhook endpoint operations (``NewTeamWebhookEndpointPayload``, ...).

Parsed strictly (a number is not a string); the URL goes through `urls.check_endpoint_url`, so
the API and ``gmodstore sandbox webhooks add`` accept the same URLs.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    field_validator,
)

from ..content.schemas import parse_body
from ..exceptions import InvalidInput
from .routing import API_EVENT_TYPES
from .urls import InvalidEndpointUrl, check_endpoint_url

__all__ = ["EndpointCreate", "EndpointUpdate", "parse"]

EventTypeName = Literal[API_EVENT_TYPES]  # type: ignore[valid-type]
_CHANNEL = re.compile(r"[A-Za-z0-9_:.\-]{1,128}")
_Strict = ConfigDict(strict=True, extra="ignore")
Channel = Annotated[StrictStr, Field(max_length=128)]


def _unique(items: list[str] | None) -> list[str] | None:
    if items is not None and len(set(items)) != len(items):
        raise ValueError("must not repeat an item")
    return items


class EndpointCreate(BaseModel):
    """``NewTeamWebhookEndpointPayload``."""

    model_config = _Strict
    url: StrictStr = Field(max_length=65536)
    description: StrictStr | None = Field(default=None, max_length=65536)
    filterTypes: list[EventTypeName] | None = Field(default=None, min_length=1)  # noqa: N815
    channels: list[Channel] | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            return check_endpoint_url(value)
        except InvalidEndpointUrl as exc:
            raise ValueError(str(exc)) from None

    @field_validator("filterTypes")
    @classmethod
    def _types(cls, value: list[str] | None) -> list[str] | None:
        return _unique(value)

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str] | None) -> list[str] | None:
        for item in value or ():
            if _CHANNEL.fullmatch(item) is None:
                raise ValueError("channels are letters, digits and _ : . - (at most 128)")
        return _unique(value)


class EndpointUpdate(EndpointCreate):
    """``UpdateTeamWebhookEndpointPayload``: ``url`` and ``disabled`` are required; a field left
    out keeps its value, ``null`` clears it."""

    disabled: StrictBool


def parse(model: type[BaseModel], body: bytes) -> BaseModel:
    """Parse a JSON object body; raises `InvalidInput` with per-field messages (the URL rule's
    own message for a refused ``url``)."""
    try:
        parsed: BaseModel = parse_body(model, body)
        return parsed
    except InvalidInput as exc:
        try:
            model.model_validate_json(body)
        except ValidationError as detail:
            for error in detail.errors(include_url=False):
                loc = ".".join(str(p) for p in error["loc"])
                if error["type"] == "value_error" and loc in exc.errors:
                    exc.errors[loc] = [str(error["ctx"]["error"])]
        raise InvalidInput(exc.errors) from None
