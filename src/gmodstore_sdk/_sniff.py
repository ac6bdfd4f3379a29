"""Is an answer the GmodStore API's? A wrong host often answers too: an HTML page, another 404.

Kept apart from `_base.py` so that the check is one call there (`not_the_api`).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx

from gmodstore_sdk.exceptions import NotTheApiError

__all__ = ["not_the_api"]


def _is_json(response: httpx.Response) -> bool:
    media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return bool(media == "application/json" or media.endswith("+json"))


def _is_error_object(response: httpx.Response) -> bool:
    try:
        return isinstance(json.loads(response.content), dict)
    except ValueError:
        return False


def not_the_api(response: httpx.Response, *, operation: str) -> NotTheApiError | None:
    """The error to raise when `response` (2xx or 4xx but 429) is not the API's JSON, else None.

    5xx and 429 are left alone: a gateway's error page is still a server failure, and both are
    retried by status.
    """
    status = response.status_code
    if status >= 500 or status == 429 or status < 200:
        return None
    if _is_json(response) and (status < 300 or _is_error_object(response)):
        return None
    try:
        url = urlsplit(str(response.request.url))
        host = f"{url.scheme}://{url.netloc}"
    except RuntimeError:  # a response built by hand, never sent
        host = "the host"
    return NotTheApiError(
        status,
        response.reason_phrase,
        response.text,
        response.headers,
        host=host,
        operation=operation,
    )
