"""Domain errors of the content area, and the handlers for the two statuses the core lacks.

SandboxError (core)
├── NotFound             ├── VersionNotFound ├── MediumNotFound ├── CouponNotFound
│                        ├── ReviewNotFound  └── LinkNotFound (unknown download link)
├── LinkGone             410: the one-time link was used or has expired
└── PayloadTooLarge      413: the body or file is over its limit (.limit)
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
    "PayloadTooLarge",
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


class PayloadTooLarge(SandboxError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body may not be larger than {limit} bytes.")
        self.limit = limit


async def _respond(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LinkGone | PayloadTooLarge)
    state: RateState | None = getattr(request.state, "ratelimit", None)
    if state is None:
        limiter: RateLimiter = request.app.state.limiter
        state = limiter.peek()
    headers = state.headers()
    status = 410 if isinstance(exc, LinkGone) else 413
    if status == 413:
        # The rest of the body is not read: the connection cannot be reused.
        headers["Connection"] = "close"
    return Response(dump_json({"message": exc.message}), status, headers, "application/json")


def install_handlers(app: FastAPI) -> None:
    """Starlette picks the most specific handler, so these win over the core's SandboxError one."""
    app.add_exception_handler(LinkGone, _respond)
    app.add_exception_handler(PayloadTooLarge, _respond)
