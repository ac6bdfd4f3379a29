"""Turn SDK exceptions into the one-line messages the command prints.

Each message names what went wrong in the user's terms (which token, scope, id, or field) and,
where there is one, the fix. The server's own message is kept at the end for anything we cannot
interpret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from gmodstore_sdk.exceptions import (
    ApiConnectionError,
    ApiException,
    ApiTimeoutError,
    ApiTypeError,
    ApiValueError,
    BadRequestException,
    ForbiddenException,
    NotFoundException,
    NotTheApiError,
    OpenApiException,
    RateLimitException,
    ServiceException,
    UnauthorizedException,
)

READ_SCOPE = "product-purchases:read"
WRITE_SCOPE = "product-purchases:write"
_SDK_MODEL = re.compile(r"^invalid [A-Za-z]+: ")


SANDBOX_TOKEN_HINT = (
    "a sandbox token comes from `gmodstore sandbox token create --user USER_ID`"
    " (or `gmodstore sandbox serve --demo`, which prints one)"
)
STORE_TOKEN_HINT = "create a personal access token in your GmodStore account settings"


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (a URL) names this machine: then it is a sandbox, not the store."""
    if not host:
        return False
    name = urlsplit(host if "//" in host else f"//{host}").hostname or ""
    return name in {"localhost", "::1"} or name.startswith("127.")


def token_hint(host: str | None) -> str:
    """Where to get a token for ``host``: the sandbox's command, or the store's settings."""
    return SANDBOX_TOKEN_HINT if is_loopback(host) else STORE_TOKEN_HINT


class MissingTokenError(Exception):
    """No token was given with ``--token`` or ``GMODSTORE_TOKEN``."""

    def __init__(self, host: str | None = None) -> None:
        super().__init__(host)
        self.host = host

    def __str__(self) -> str:
        return f"no API token: pass --token TOKEN or set GMODSTORE_TOKEN ({token_hint(self.host)})"


@dataclass(frozen=True)
class Context:
    """What the failing request was about, so the message can name it."""

    product: str | None = None
    purchase: str | None = None
    user: str | None = None
    write: bool = False
    host: str | None = None
    """The ``--host`` given, if any (``None``: the store)."""


def _server_message(exc: ApiException) -> str:
    return (exc.message or exc.reason or "").strip().rstrip(".")


def _field_errors(exc: ApiException) -> str:
    errors = exc.errors or {}
    return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())


def _forbidden(exc: ApiException, ctx: Context) -> str:
    server = _server_message(exc)
    lowered = server.lower()
    scope = WRITE_SCOPE if ctx.write else READ_SCOPE
    for named in (WRITE_SCOPE, READ_SCOPE):
        if named in lowered:
            scope = named
    if "scope" in lowered:
        return f"the token lacks the {scope} scope (403: {server})"
    if "team" in lowered or "member" in lowered or "own" in lowered:
        return f"product {ctx.product} belongs to another team (403: {server})"
    return (
        f"forbidden (403: {server}): the token needs the {scope} scope and product "
        f"{ctx.product} must belong to one of your teams"
    )


def _not_found(exc: ApiException, ctx: Context) -> str:
    server = _server_message(exc)
    lowered = server.lower()
    if ctx.purchase is not None and "product" not in lowered:
        return f"purchase {ctx.purchase} not found in product {ctx.product} (404)"
    if ctx.product is not None and ("product" in lowered or ctx.purchase is None):
        return f"product {ctx.product} not found (404)"
    return f"not found (404: {server})"


def _describe_response(exc: ApiException, ctx: Context) -> str:
    if isinstance(exc, NotTheApiError):
        return (
            f"{exc.host} did not answer like the GmodStore API (HTTP {exc.status}, "
            f"{exc.content_type}): check --host / GMODSTORE_HOST"
        )
    if isinstance(exc, UnauthorizedException):
        server = _server_message(exc)
        problem = "has expired" if "expired" in server.lower() else "is missing or invalid"
        return (
            f"the API token {problem} (401: {server}); check --token / GMODSTORE_TOKEN; "
            f"{token_hint(ctx.host)}"
        )
    if isinstance(exc, ForbiddenException):
        return _forbidden(exc, ctx)
    if isinstance(exc, NotFoundException):
        return _not_found(exc, ctx)
    if isinstance(exc, BadRequestException):
        fields = _field_errors(exc)
        server = _server_message(exc)
        return f"invalid request (400): {fields}" if fields else f"invalid request (400: {server})"
    if isinstance(exc, RateLimitException):
        wait = f"; retry in {exc.retry_after:g}s" if exc.retry_after is not None else ""
        return f"rate limit exceeded (429){wait}"
    if isinstance(exc, ServiceException):
        return f"the server failed ({exc.status}: {_server_message(exc)}); try again later"
    return f"unexpected response ({exc.status}: {_server_message(exc)})"


def describe(exc: BaseException, ctx: Context | None = None) -> str:
    """The one-line message for ``exc`` (without the ``error:`` prefix)."""
    if isinstance(exc, ApiException):
        return _describe_response(exc, ctx or Context())
    if isinstance(exc, ApiTimeoutError):
        return f"timed out waiting for the API ({exc}); raise --timeout or retry"
    if isinstance(exc, ApiConnectionError):
        return f"could not reach the API ({exc}); check --host / GMODSTORE_HOST"
    if isinstance(exc, ApiValueError | ApiTypeError):
        # The SDK names its model ("invalid NewProductPurchasePayload: user_id: ..."); the field
        # and the reason are what a command line user can act on.
        return _SDK_MODEL.sub("invalid input: ", str(exc), count=1)
    if isinstance(exc, OpenApiException | MissingTokenError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def is_fatal(exc: BaseException) -> bool:
    """Errors that would fail every remaining item of a bulk run the same way."""
    return isinstance(
        exc, UnauthorizedException | ForbiddenException | RateLimitException | ApiConnectionError
    )
