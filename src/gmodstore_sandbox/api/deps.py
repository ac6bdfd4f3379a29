"""The request toolkit every route uses: authenticate, authorize, read the query and the body.

A route's steps, in this order (docs/ARCHITECTURE.md, "Writing a route"):

1. ``principal, rate = await authenticate(request)`` - bearer token (401), failed-authentication
   budget of the client address (429), the token's rate limit (429);
2. ``await authorize(request, check)`` for routes with a body - the product/team/scope check
   (404/403) runs *before* a byte of the body is read;
3. ``unique_query(request)`` - the query string, a repeated parameter is a 400;
4. ``await read_json(request, parse, limit=...)`` - Content-Type (415), size (413, from
   ``Content-Length`` before reading and again while streaming), then parsing in a worker thread;
   ``stream_body(request, limit=...)`` for uploads that go to disk chunk by chunk;
5. one service call: ``await run_read(...)`` / ``await run_write(request, ...)``. Writes are
   admitted a few at a time (`Settings.max_concurrent_writes`) and wait on the event loop, not in a
   thread, so writers stuck behind a database lock never take the threads reads need; a writer
   that is not admitted within `Settings.write_timeout` gets a 503.

They are awaited directly by the routes rather than declared with ``Depends``: the GET-one-purchase
path is the benchmarked hot path, and each sync dependency would cost a thread-pool hop. A verified
token is served from the service's in-memory cache, and with rate limiting off nothing else does
I/O, so an authenticated read usually makes exactly one hop (the database read).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar, cast

import anyio
import orjson
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from ..exceptions import (
    ClientGone,
    InvalidInput,
    PayloadTooLarge,
    RateLimited,
    StorageUnavailable,
    Unauthenticated,
    UnsupportedMediaType,
)
from ..params import unique_query as _unique_query
from ..ratelimit import RateLimiter, RateState
from ..service import MAX_TOKEN_LENGTH, Principal, PurchaseService
from ..settings import Settings

__all__ = [
    "authenticate",
    "authorize",
    "bearer_token",
    "limiter_of",
    "read_body",
    "read_json",
    "run_read",
    "run_write",
    "service_of",
    "stream_body",
    "unique_query",
]

T = TypeVar("T")


def service_of(request: Request) -> PurchaseService:
    return cast(PurchaseService, request.app.state.service)


def limiter_of(request: Request) -> RateLimiter:
    return cast(RateLimiter, request.app.state.limiter)


def settings_of(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


async def _count(request: Request, key: str, limit: int | None = None) -> RateState:
    limiter = limiter_of(request)
    if not limiter.enabled and limit is None:
        return limiter.hit(key)  # off: no I/O, no thread hop
    refused = limiter.refused(key, limit=limit)
    if refused is not None:
        return refused
    return await run_in_threadpool(functools.partial(limiter.hit, key, limit=limit))


async def _verify(request: Request, token: str) -> Principal:
    """The token's principal; unknown tokens spend the client address's failure budget."""
    service = service_of(request)
    principal = service.cached_principal(token)
    if principal is not None:
        return principal
    budget = settings_of(request).auth_failure_limit
    address = f"addr:{request.client.host if request.client else '-'}"
    if budget > 0:
        refused = limiter_of(request).refused(address, limit=budget)
        if refused is not None:  # no token lookup for an address that keeps guessing
            request.state.ratelimit = refused
            raise RateLimited(refused)
    try:
        return await run_in_threadpool(service.authenticate, token)
    except Unauthenticated:
        if budget > 0:
            state = await _count(request, address, budget)
            if state.retry_after is not None:
                request.state.ratelimit = state
                raise RateLimited(state) from None
        raise


async def authenticate(request: Request) -> tuple[Principal, RateState]:
    """Verify the bearer token (401) and count the request against its rate limit (429).

    The rate-limit state is stored on ``request.state`` so error responses carry the headers too.
    """
    token = bearer_token(request)
    if token is None:
        raise Unauthenticated()
    principal = await _verify(request, token)
    state = await _count(request, principal.token_hash)
    request.state.ratelimit = state
    if state.retry_after is not None:
        raise RateLimited(state)
    return principal, state


async def authorize(
    request: Request, check: Callable[[Principal], object]
) -> tuple[Principal, RateState]:
    """`authenticate`, then run `check(principal)` (a service method raising 404/403) in a thread.

    Routes that read a body call this first, so a caller without access never gets its body read.
    """
    principal, state = await authenticate(request)
    await run_in_threadpool(check, principal)
    return principal, state


def unique_query(request: Request) -> dict[str, str]:
    """The query string as a dict; a parameter given twice is a 400 naming it."""
    return _unique_query(request.query_params.multi_items())


def _declared_length(request: Request, limit: int) -> int | None:
    header = request.headers.get("content-length")
    if header is None:
        return None
    if not header.isdigit():
        return None  # the server would not have accepted it; stream and count instead
    length = int(header)
    if length > limit:
        raise PayloadTooLarge(limit)
    return length


async def stream_body(request: Request, *, limit: int) -> AsyncIterator[bytes]:
    """The body chunk by chunk, at most `limit` bytes in all (413 from ``Content-Length`` before
    reading, and as soon as a chunked body passes the limit). For uploads that go to disk.
    """
    _declared_length(request, limit)
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise PayloadTooLarge(limit)
            if chunk:
                yield chunk
    except ClientDisconnect:
        raise ClientGone() from None


async def read_body(request: Request, *, limit: int) -> bytes:
    """The whole body, at most `limit` bytes (see `stream_body`)."""
    chunks = [chunk async for chunk in stream_body(request, limit=limit)]
    return b"".join(chunks)


def _is_json(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def read_json(
    request: Request, parse: Callable[[bytes], T], *, limit: int | None = None
) -> T:
    """Read a JSON body (415 if another Content-Type, 413 over `limit`) and `parse` it in a thread.

    Args:
        parse: bytes -> schema, raising `InvalidInput` (an empty body is passed as ``b""``).
        limit: bytes; default `Settings.json_body_limit` (1 MB).
    """
    limit = settings_of(request).json_body_limit if limit is None else limit
    declared = _declared_length(request, limit)
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    if (declared or chunked) and not _is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType()
    body = await read_body(request, limit=limit)
    if body and not _is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType()
    if b"\\u0000" in body:  # cheap test first: only an escaped NUL can put one in a string
        _refuse_nul(body)
    return await run_in_threadpool(parse, body)


def _refuse_nul(body: bytes) -> None:
    """A 400 naming the first field whose text holds U+0000, on every backend alike.

    PostgreSQL text cannot hold NUL (the write would fail as a 500) while SQLite would store it.
    A body that is not JSON is left to the area's parser, which answers its own 400.
    """
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                field = where or "body"
                raise InvalidInput({field: [f"The {field} field must not contain NUL characters."]})
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    raise InvalidInput({"body": ["Field names must not contain NUL characters."]})
                stack.append((f"{where}.{key}" if where else key, item))
        elif isinstance(value, list):
            stack.extend(
                (f"{where}.{i}" if where else str(i), item) for i, item in enumerate(value)
            )


async def run_read(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a service read in the thread pool."""
    return await run_in_threadpool(fn, *args, **kwargs)


async def run_write(request: Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a service write in the thread pool once a write slot is free (503 after a bounded wait).

    The slot is awaited on the event loop, so writers queued behind a database lock hold no
    thread; reads keep their threads and stay answerable.
    """
    state = request.app.state
    slots: anyio.CapacityLimiter | None = getattr(state, "write_slots", None)
    if slots is None:  # made on the event loop (anyio needs one); one loop per app
        slots = state.write_slots = anyio.CapacityLimiter(
            settings_of(request).max_concurrent_writes
        )
    with anyio.move_on_after(settings_of(request).write_timeout) as waited:
        await slots.acquire()
    if waited.cancelled_caught:
        raise StorageUnavailable("Too many writes are waiting for the database; try again.")
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    finally:
        slots.release()
