"""Domain errors raised by the service layer. No HTTP here: `errors.py` maps them to responses.

SandboxError
├── Unauthenticated      token missing, unknown or expired
├── RateLimited          the token used up its window (.state)
├── Forbidden            ├── NotTeamMember   └── MissingScope (.scope)
├── NotFound             ├── ProductNotFound └── PurchaseNotFound
├── InvalidInput         .errors: field -> messages
├── PayloadTooLarge      the body is over the route's limit (413, .limit)
├── UnsupportedMediaType the body is not JSON (415)
├── ClientGone           the client disconnected before its request was read
└── StorageUnavailable   the database is read-only, locked, deleted or busy (503)

SchemaMismatch           (not a request error) the database's tables were made by another version
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ratelimit import RateState

__all__ = [
    "ClientGone",
    "Forbidden",
    "InvalidInput",
    "MissingScope",
    "NotFound",
    "NotTeamMember",
    "PayloadTooLarge",
    "ProductNotFound",
    "PurchaseNotFound",
    "RateLimited",
    "SandboxError",
    "SchemaMismatch",
    "StorageUnavailable",
    "Unauthenticated",
    "UnsupportedMediaType",
]


class SandboxError(Exception):
    """Base of the domain errors; ``message`` is the client-facing text."""

    message = "Something went wrong."

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


class Unauthenticated(SandboxError):
    message = "Unauthenticated."


class RateLimited(SandboxError):
    message = "Too Many Attempts."

    def __init__(self, state: RateState) -> None:
        super().__init__()
        self.state = state


class Forbidden(SandboxError):
    message = "This action is unauthorized."


class NotTeamMember(Forbidden):
    message = "You are not a member of the team that owns this product."


class MissingScope(Forbidden):
    def __init__(self, scope: str) -> None:
        super().__init__(f"Your token does not have the required scope: {scope}.")
        self.scope = scope


class NotFound(SandboxError):
    message = "Not found."


class ProductNotFound(NotFound):
    message = "The product could not be found."


class PurchaseNotFound(NotFound):
    message = "The purchase could not be found."


class InvalidInput(SandboxError):
    """Validation failed; `errors` maps field names (``userId``, ``filter.revoked``) to messages."""

    def __init__(self, errors: dict[str, list[str]], message: str | None = None) -> None:
        if message is None:
            messages = [m for ms in errors.values() for m in ms]
            message = messages[0] if messages else "The given data was invalid."
            if len(messages) > 1:
                extra = len(messages) - 1
                message += f" (and {extra} more error{'s' if extra > 1 else ''})"
        super().__init__(message)
        self.errors = errors


class PayloadTooLarge(SandboxError):
    """The request body is larger than the route accepts (checked before buffering it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than the limit of {limit} bytes.")
        self.limit = limit


class UnsupportedMediaType(SandboxError):
    message = "The request body must be JSON (Content-Type: application/json)."


class ClientGone(SandboxError):
    """The client went away mid-request: nobody is left to answer (logged as one WARNING)."""

    message = "The client disconnected before sending its whole request."


class StorageUnavailable(SandboxError):
    """The database cannot serve this request right now; retrying later may succeed."""

    message = "The database is unavailable; try again."


class SchemaMismatch(Exception):
    """The database's tables do not match this sandbox's (made by an older or newer version).

    Raised at startup (``create_tables``), so that no request ever meets a missing column or a
    NOT NULL column the code no longer fills. The message is one line saying what to do.
    """
