"""The SDK's exception tree. Callers only ever need to catch these.

```
OpenApiException
├── ApiValueError / ApiTypeError       bad input, raised before any request
├── ApiConnectionError                 transport failure (raised `from` the httpx error)
│   ├── ApiTimeoutError                no answer in time: a phase timeout, attempt_timeout, deadline
│   └── ApiWriteUncertainError         a write (POST) that may have been applied; not resent
├── ApiResponseValidationError         a 2xx body that does not match the model
├── ApiResponseTooLargeError           an answer over max_response_size (.limit); not read whole
└── ApiException                       .status .reason .body .headers .message .errors
    ├── BadRequestException 400        ├── UnauthorizedException 401   ├── ForbiddenException 403
    │   └── AlreadyExistsException     what a lost write would create existed before it (.existing)
    ├── NotFoundException 404          ├── RateLimitException 429 (.retry_after)
    ├── ServiceException >=500
    └── NotTheApiError                 the host answered, but not with the API's JSON (.host)
```

`ApiWriteUncertainError` is raised for a POST whose outcome is unknown (the request was sent and no
answer came, or a 5xx came) and that the SDK could not settle by a lookup. After a timeout it is
also an `ApiTimeoutError`, after a 5xx also a `ServiceException`, so existing `except` clauses keep
catching it. Its message names the method and path; check the resource before trying again.

>>> try:                                                              # doctest: +SKIP
...     api.get_product_purchase(product_id, purchase_id)
... except gmodstore_sdk.NotFoundException:
...     ...
... except gmodstore_sdk.ApiException as e:
...     print(e.status, e.message)

The names are those of the documented (openapi-generator) SDK: `except ApiException` keeps working.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "AlreadyExistsException",
    "ApiConnectionError",
    "ApiException",
    "ApiResponseTooLargeError",
    "ApiResponseValidationError",
    "ApiTimeoutError",
    "ApiTypeError",
    "ApiValueError",
    "ApiWriteUncertainError",
    "BadRequestException",
    "ForbiddenException",
    "NotFoundException",
    "NotTheApiError",
    "OpenApiException",
    "RateLimitException",
    "ServiceException",
    "make_status_error",
]


class OpenApiException(Exception):
    """Base class of every exception the SDK raises."""


class ApiValueError(OpenApiException, ValueError):
    """An argument has the right type but a bad value (e.g. `per_page=0`). No request was sent."""


class ApiTypeError(OpenApiException, TypeError):
    """An argument has the wrong type (e.g. `revoked="yes"`). No request was sent."""


class ApiConnectionError(OpenApiException):
    """The request could not be completed: connection refused, reset, DNS failure, ...

    The underlying httpx error is available as `__cause__`.
    """


class ApiTimeoutError(ApiConnectionError):
    """The server did not answer in time.

    A phase timeout (`connect_timeout`, `read_timeout`), the wall-clock limit of one attempt
    (`attempt_timeout`), or the deadline of the whole call (`deadline`), see `Configuration`.
    """


class ApiWriteUncertainError(ApiConnectionError):
    """A write whose outcome is unknown: it may have been applied. It was not resent.

    Raised for a POST that was sent but got no answer (timeout, reset, truncated answer) or got a
    5xx, when no lookup could tell whether the server acted. The message names the method and the
    path. Instances raised after a timeout are also `ApiTimeoutError`, after a 5xx also
    `ServiceException` (with `.status`).

    >>> issubclass(ApiWriteUncertainError, ApiConnectionError)
    True
    """


class ApiResponseValidationError(OpenApiException):
    """A successful (2xx) response whose body does not match the documented model."""


class ApiResponseTooLargeError(OpenApiException):
    """An answer larger than `Configuration(max_response_size=...)`: refused while streaming.

    Attributes:
        limit: the limit in bytes that the answer went over.
    """

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


_HINTS: dict[int, str] = {
    400: "the server rejected the request",
    401: "token missing or invalid — set GMODSTORE_TOKEN or Configuration(access_token=...)",
    404: "check the product and purchase ids",
    429: "rate limit exceeded",
}


class ApiException(OpenApiException):
    """The server answered with an HTTP error status.

    >>> e = ApiException(404, "Not Found", '{"message": "Purchase not found"}')
    >>> e.status, e.message
    (404, 'Purchase not found')

    Args:
        status: the HTTP status code.
        reason: the HTTP reason phrase.
        body: the response body, as text.
        headers: the response headers.
        scope: the token scope the failed operation needs (used in the 403 message).
        operation: `"METHOD /path"` of the failed request, for the message.
        resources: the names of the ids in the operation's path (`("product", "version")`), for
            the 404 and 403 hints; None when unknown (the purchase operations' hint is used).
    """

    status: int | None
    reason: str | None
    body: str | None
    headers: Mapping[str, str]
    message: str | None
    """The server's `message` field, if the body had one."""
    errors: dict[str, list[str]]
    """For 400 responses: field name -> validation messages, as sent by the server."""

    def __init__(
        self,
        status: int | None = None,
        reason: str | None = None,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        scope: str | None = None,
        operation: str | None = None,
        resources: tuple[str, ...] | None = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.body = body
        self.headers = headers if headers is not None else {}
        self.scope = scope
        self.operation = operation
        self.resources = resources
        self.message, self.errors = _parse_error_body(body)
        super().__init__(self._describe())

    def _hint(self) -> str | None:
        resources = self.resources
        if self.status == 403:
            needed = f"token lacks scope {self.scope}" if self.scope else "token lacks a scope"
            if resources is None or "product" in resources:
                return f"{needed}, or the product belongs to a team the token's owner does not own"
            if resources:
                return f"{needed}, or the token's owner may not act on this {_noun(resources[0])}"
            return needed
        if self.status == 404 and resources is not None:
            if not resources:  # a path without ids: the endpoint itself is missing
                return "no such endpoint here: check Configuration(host=...)"
            nouns = [_noun(name) for name in resources]
            if len(nouns) == 1:
                return f"check the {nouns[0]} id"
            return f"check the {', '.join(nouns[:-1])} and {nouns[-1]} ids"
        if self.status == 400 and self.message:
            return None  # the server's message says it better
        if self.status is not None and self.status >= 500:
            return "server error — try again later"
        return _HINTS.get(self.status or 0)

    def _describe(self) -> str:
        parts = [f"({self.status}) {self.reason or ''}".rstrip()]
        if self.message:
            parts.append(_sentence(self.message))
        for field, messages in self.errors.items():
            detail = " ".join(messages)
            if detail.rstrip(".") != (self.message or "").rstrip("."):
                parts.append(f"{field}: {_sentence(detail)}")
        hint = self._hint()
        if hint:
            parts.append(_sentence(hint[0].upper() + hint[1:]))
        if self.operation:
            parts.append(f"[{self.operation}]")
        if len(parts) > 1:
            parts[0] += ":"
        return " ".join(parts)

    def __str__(self) -> str:
        return self._describe()


def _noun(name: str) -> str:
    """A path parameter's name as words: `webhook_endpoint` -> "webhook endpoint"."""
    return name.removesuffix("_id").replace("_", " ")


class BadRequestException(ApiException):
    """400: the request was malformed; `.errors` maps each field to its messages."""


class AlreadyExistsException(BadRequestException):
    """A lost write found already done, but by someone else, before it was sent.

    A create whose answer was lost (timeout, reset) is looked up; when the row found is older than
    the request, the request did not create it: the call fails as the server would have answered
    ("already owns"), with the row as `.existing`. `status` is 400, `body` is None.
    """

    def __init__(self, message: str, *, existing: Any, operation: str | None = None) -> None:
        self.existing = existing
        """The row that existed before the request (e.g. a `ProductPurchase`)."""
        self._text = message
        super().__init__(400, "Already Exists", None, None, operation=operation)

    def _describe(self) -> str:
        return f"(400) Already Exists: {self._text} [{self.operation}]"


class UnauthorizedException(ApiException):
    """401: the bearer token is missing, invalid or expired."""


class ForbiddenException(ApiException):
    """403: the token lacks the scope, or the product belongs to another team."""


class NotFoundException(ApiException):
    """404: a resource in the path does not exist (or is not visible to this token)."""


class RateLimitException(ApiException):
    """429: too many requests. `.retry_after` is the wait the server asked for, in seconds."""

    retry_after: float | None

    def __init__(
        self,
        status: int | None = None,
        reason: str | None = None,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        scope: str | None = None,
        operation: str | None = None,
        retry_after: float | None = None,
        resources: tuple[str, ...] | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            status, reason, body, headers, scope=scope, operation=operation, resources=resources
        )

    def _hint(self) -> str | None:
        if self.retry_after is None:
            return "rate limit exceeded"
        return f"rate limit exceeded — retry in {self.retry_after:g} s"


class ServiceException(ApiException):
    """5xx: the server failed; retried automatically for GET and PUT."""


class _UncertainTimeout(ApiWriteUncertainError, ApiTimeoutError):
    """`ApiWriteUncertainError` after a timeout (also an `ApiTimeoutError`)."""


class _UncertainService(ApiWriteUncertainError, ServiceException):
    """`ApiWriteUncertainError` after a 5xx answer (also a `ServiceException`)."""

    def _describe(self) -> str:
        return (
            super()._describe()
            + " The write may have been applied: check before sending it again (not resent)."
        )


def uncertain_write(
    message: str, *, timeout: bool
) -> ApiWriteUncertainError:  # the transport-failure kinds
    """The `ApiWriteUncertainError` for a POST that got no answer (`timeout`: it timed out)."""
    return _UncertainTimeout(message) if timeout else ApiWriteUncertainError(message)


# One table for every client: status -> exception class, then `>= 500`, then plain ApiException.
_STATUS_ERRORS: dict[int, type[ApiException]] = {
    400: BadRequestException,
    401: UnauthorizedException,
    403: ForbiddenException,
    404: NotFoundException,
    429: RateLimitException,
}


def make_status_error(
    status: int,
    reason: str | None,
    body: str | None,
    headers: Mapping[str, str] | None,
    *,
    scope: str | None = None,
    operation: str | None = None,
    retry_after: float | None = None,
    uncertain: bool = False,
    resources: tuple[str, ...] | None = None,
) -> ApiException:
    """Build the `ApiException` subclass for `status`.

    `uncertain`: the request was a write the server may have applied; a 5xx is then also an
    `ApiWriteUncertainError`.

    >>> type(make_status_error(503, "Service Unavailable", None, None)).__name__
    'ServiceException'
    """
    cls = _STATUS_ERRORS.get(status)
    if cls is None:
        cls = ServiceException if status >= 500 else ApiException
    if cls is ServiceException and uncertain:
        cls = _UncertainService
    if cls is RateLimitException:
        return RateLimitException(
            status,
            reason,
            body,
            headers,
            scope=scope,
            operation=operation,
            retry_after=retry_after,
            resources=resources,
        )
    return cls(status, reason, body, headers, scope=scope, operation=operation, resources=resources)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _parse_error_body(body: str | None) -> tuple[str | None, dict[str, list[str]]]:
    if not body:
        return None, {}
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        return None, {}
    if not isinstance(parsed, dict):
        return None, {}
    message = parsed.get("message")
    raw_errors = parsed.get("errors")
    errors: dict[str, list[str]] = {}
    if isinstance(raw_errors, dict):
        for field, messages in raw_errors.items():
            if isinstance(messages, list):
                errors[str(field)] = [str(m) for m in messages]
            else:
                errors[str(field)] = [str(messages)]
    return (message if isinstance(message, str) else None), errors


class NotTheApiError(ApiException):
    """The host answered, but not like the GmodStore API: an HTML page, another service's 404.

    Raised for a 2xx or 4xx answer that is not the API's JSON (another content type, or an error
    body that is not a JSON object), which usually means a wrong `host`. 5xx and 429 answers keep
    their own exceptions: a gateway's error page is still a server failure.

    >>> e = NotTheApiError(404, "Not Found", "<html>", {"content-type": "text/html"},
    ...                    host="http://127.0.0.1:8000")
    >>> str(e).split(": check")[0]
    'http://127.0.0.1:8000 did not answer like the GmodStore API (HTTP 404, text/html)'
    """

    host: str
    """The scheme, host and port the request went to."""
    content_type: str
    """The answer's media type (without parameters), or ``"no content type"``."""

    def __init__(
        self,
        status: int | None = None,
        reason: str | None = None,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        host: str = "the host",
        scope: str | None = None,
        operation: str | None = None,
    ) -> None:
        self.host = host
        media = (headers or {}).get("content-type", "").split(";", 1)[0].strip()
        self.content_type = media or "no content type"
        super().__init__(status, reason, body, headers, scope=scope, operation=operation)
        # Not the API's body: whatever it said is no message of the API.
        self.message, self.errors = None, {}

    def _describe(self) -> str:
        return (
            f"{self.host} did not answer like the GmodStore API (HTTP {self.status}, "
            f"{self.content_type}): check Configuration(host=...) / GMODSTORE_HOST"
        )
