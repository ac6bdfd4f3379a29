"""Every error response in one place, in the real API's shape.

``{"message": ...}`` for 401/403/404/405/429/500, plus ``"errors": {field: [...]}`` for 400. Each
response carries the ``X-RateLimit-*`` headers: the counted state when the token was verified,
otherwise the uncounted window of `RateLimiter.peek`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from .exceptions import (
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    SandboxError,
    Unauthenticated,
)
from .ratelimit import RateLimiter, RateState
from .schemas import dump_json

__all__ = ["install_error_handlers"]

logger = logging.getLogger("gmodstore_sandbox")

_STATUS: list[tuple[type[SandboxError], int]] = [
    (InvalidInput, 400),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (RateLimited, 429),
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
    return _respond(request, status, body, headers)


def _allowed_methods(request: Request) -> str:
    """Every method allowed on the path (Starlette's Allow names only the first route's)."""
    table: list[tuple[re.Pattern[str], set[str]]] = request.app.state.method_table
    methods: set[str] = set()
    for pattern, route_methods in table:
        if pattern.match(request.url.path):
            methods |= route_methods
    return ", ".join(sorted(methods - {"HEAD"}))


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


async def _server_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error", exc_info=exc)
    return _respond(request, 500, {"message": "Server Error."})


def install_error_handlers(app: FastAPI, *, routes: Iterable[tuple[str, set[str]]]) -> None:
    """Register the handlers. `routes` (full path, methods) feed the ``Allow`` header of a 405."""
    app.state.method_table = [(compile_path(path)[0], methods) for path, methods in routes]
    app.add_exception_handler(SandboxError, _sandbox_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _server_error)
