"""Every error response in one place, in the real API's shape.

``{"message": ...}`` for 401/403/404/405/413/415/429/500/503, plus ``"errors": {field: [...]}`` for
400. Each response carries the ``X-RateLimit-*`` headers: the counted state when the token was
verified, otherwise the uncounted window of `RateLimiter.peek`.

Logging: a 500 is logged once, with its traceback, by `CatchAllMiddleware` (Starlette's own error
middleware would log it a second time through uvicorn); a storage fault (503) is one WARNING line
(the fault itself is logged where it is detected); a client that hangs up mid-body is one WARNING.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .exceptions import (
    ClientGone,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    SandboxError,
    StorageUnavailable,
    Unauthenticated,
    UnsupportedMediaType,
)
from .ratelimit import RateLimiter, RateState
from .schemas import dump_json

__all__ = ["CatchAllMiddleware", "HeadAsGetMiddleware", "install_error_handlers"]

logger = logging.getLogger("gmodstore_sandbox")

_STATUS: list[tuple[type[SandboxError], int]] = [
    (InvalidInput, 400),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (RateLimited, 429),
    (PayloadTooLarge, 413),
    (UnsupportedMediaType, 415),
    (StorageUnavailable, 503),
    (ClientGone, 400),
]

_HTTP_MESSAGES = {404: "Not Found.", 405: "Method Not Allowed."}


def _rate_headers(request: Request) -> dict[str, str]:
    state: RateState | None = getattr(request.state, "ratelimit", None)
    if state is None:
        limiter: RateLimiter = request.app.state.limiter
        state = limiter.peek()
    return state.headers()


def _respond(
    request: Request, status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> Response:
    all_headers = _rate_headers(request)
    if headers:
        all_headers.update(headers)
    return Response(dump_json(body), status, all_headers, "application/json")


async def _sandbox_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SandboxError)
    status = next(code for kind, code in _STATUS if isinstance(exc, kind))
    body: dict[str, Any] = {"message": exc.message}
    headers = None
    if isinstance(exc, InvalidInput):
        body["errors"] = exc.errors
    if isinstance(exc, RateLimited):
        headers = exc.state.headers()
    if isinstance(exc, StorageUnavailable):
        logger.warning("503 for %s %s: %s", request.method, request.url.path, exc.message)
        headers = {"Retry-After": "1"}
    if isinstance(exc, ClientGone):
        logger.warning("client disconnected mid-request: %s %s", request.method, request.url.path)
    return _respond(request, status, body, headers)


async def _database_error(request: Request, exc: Exception) -> Response:
    from .storage.db import is_storage_fault

    reason = is_storage_fault(exc)
    if reason is None:
        raise exc  # a bug, not a fault: CatchAllMiddleware logs it and answers 500
    return await _sandbox_error(request, StorageUnavailable(reason))


def _allowed_methods(request: Request) -> str:
    """Every method allowed on the path (Starlette's Allow names only the first route's)."""
    table: list[tuple[re.Pattern[str], set[str]]] = request.app.state.method_table
    methods: set[str] = set()
    for pattern, route_methods in table:
        if pattern.match(request.url.path):
            methods |= route_methods
    if "GET" in methods:
        methods.add("HEAD")  # served by HeadAsGetMiddleware
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return _respond(request, exc.status_code, {"message": message}, headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        errors.setdefault(".".join(loc) or "body", []).append(str(error.get("msg", "Invalid.")))
    return _respond(request, 400, {"message": "The given data was invalid.", "errors": errors})


class CatchAllMiddleware:
    """Answer an unhandled exception with the JSON 500, logging it exactly once.

    Installed innermost of the user middleware, so the exception never reaches Starlette's
    `ServerErrorMiddleware`, which would re-raise it for uvicorn to log again.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            request = Request(scope)
            logger.exception("500 for %s %s", request.method, request.url.path, exc_info=exc)
            if not started:
                response = _respond(request, 500, {"message": "Server Error."})
                await response(scope, receive, send)


class HeadAsGetMiddleware:
    """``HEAD`` wherever ``GET`` works: run the GET route, send its headers without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def install_error_handlers(app: FastAPI, *, routes: Iterable[tuple[str, set[str]]]) -> None:
    """Register the handlers. `routes` (full path, methods) feed the ``Allow`` header of a 405."""
    app.state.method_table = [(compile_path(path)[0], methods) for path, methods in routes]
    app.add_exception_handler(SandboxError, _sandbox_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(HeadAsGetMiddleware)
