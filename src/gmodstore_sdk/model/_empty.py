"""`NoContent`: the answer of operations that return `204 No Content` (hand-written)."""

from __future__ import annotations

from typing import Any, ClassVar

from gmodstore_sdk._models import BaseModel

__all__ = ["NoContent"]


class NoContent(BaseModel):
    """An empty answer. The plain methods return None; `*_with_http_info` carries this."""

    accepts_no_content: ClassVar[bool] = True
    """Read by the client: a 204 without a body is this operation's normal answer."""

    @classmethod
    def model_validate_json(cls, json_data: Any, *args: Any, **kwargs: Any) -> NoContent:
        """An instance for an empty body; any other body is parsed as JSON."""
        # A 204 has no body at all, which is not JSON; anything else is parsed as usual.
        if (
            not json_data
            or not str(
                json_data if isinstance(json_data, str) else bytes(json_data).decode("latin-1")
            ).strip()
        ):
            return cls()
        return super().model_validate_json(json_data, *args, **kwargs)
