"""Request-scoped helpers shared by the routes.

They are awaited directly by the routes rather than declared with ``Depends``: the GET-one-purchase
path is the benchmarked hot path, and each sync dependency would cost a thread-pool hop. Token
verification is served from the service's in-memory cache when possible, so an authenticated request
usually makes exactly one hop (the database read).
"""

from __future__ import annotations

from typing import cast

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from ..exceptions import RateLimited, Unauthenticated
from ..ratelimit import RateLimiter, RateState
from ..service import MAX_TOKEN_LENGTH, Principal, PurchaseService

__all__ = ["authenticate", "bearer_token", "limiter_of", "service_of"]


def service_of(request: Request) -> PurchaseService:
    return cast(PurchaseService, request.app.state.service)


def limiter_of(request: Request) -> RateLimiter:
    return cast(RateLimiter, request.app.state.limiter)


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


async def authenticate(request: Request) -> tuple[Principal, RateState]:
    """Verify the bearer token (401) and count the request against its rate limit (429).

    The rate-limit state is stored on ``request.state`` so error responses carry the headers too.
    """
    service = service_of(request)
    token = bearer_token(request)
    if token is None:
        raise Unauthenticated()
    principal = service.cached_principal(token)
    if principal is None:
        principal = await run_in_threadpool(service.authenticate, token)
    state = limiter_of(request).hit(principal.token_hash)
    request.state.ratelimit = state
    if state.retry_after is not None:
        raise RateLimited(state)
    return principal, state
