"""`Error`: the body of every error response."""

from __future__ import annotations

from gmodstore_sdk._models import BaseModel

__all__ = ["Error"]


class Error(BaseModel):
    """An error body: `{"message": ..., "errors": {field: [messages]}}` (`errors` only on 400).

    `ApiException` parses it for you (`e.message`, `e.errors`); this model is for `e.body`.

    >>> Error.model_validate_json('{"message": "Bad", "errors": {"userId": ["required"]}}').errors
    {'userId': ['required']}
    """

    message: str
    """What went wrong, in words."""
    errors: dict[str, list[str]] | None = None
    """For validation errors: field name -> messages."""
