"""Domain errors of the content area, and the handler of the one status the core lacks (410).

SandboxError (core)
├── NotFound             ├── VersionNotFound ├── MediumNotFound ├── CouponNotFound
│                        ├── ReviewNotFound  └── LinkNotFound (unknown download link)
└── LinkGone             410: the one-time link was used or has expired (core: 413 PayloadTooLarge)
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

from ..exceptions import NotFound, SandboxError
from ..ratelimit import RateLimiter, RateState
from ..schemas import dump_json

__all__ = [
    "CouponNotFound",
    "LinkGone",
    "LinkNotFound",
    "MediumNotFound",
    "ReviewNotFound",
    "VersionNotFound",
    "install_handlers",
]


class VersionNotFound(NotFound):
    message = "The version could not be found."


class MediumNotFound(NotFound):
    message = "The medium could not be found."


class CouponNotFound(NotFound):
    message = "The coupon could not be found."


class ReviewNotFound(NotFound):
    message = "The review could not be found."


class LinkNotFound(NotFound):
    message = "This download link does not exist."


class LinkGone(SandboxError):
    message = "This download link has already been used or has expired."


async def _gone(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LinkGone)
    state: RateState | None = getattr(request.state, "ratelimit", None)
    if state is None:
        limiter: RateLimiter = request.app.state.limiter
        state = limiter.peek()
    body = dump_json({"message": exc.message})
    return Response(body, 410, state.headers(), "application/json")


def install_handlers(app: FastAPI) -> None:
    """Starlette picks the most specific handler, so this one wins over the core's SandboxError."""
    app.add_exception_handler(LinkGone, _gone)
