"""What a request is and what it returns, independent of the client that sends it.

`Operation` is one validated API call (built by `api/_operations.py`), `ApiResponse` what the
`*_with_http_info` methods return, and `Flow` the generator protocol between `_base.BaseApiClient`
(the policy) and the I/O twins in `api_client.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Generic, TypeVar

import httpx

from gmodstore_sdk._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from gmodstore_sdk._models import BaseModel
    from gmodstore_sdk._uploads import MultipartBody
    from gmodstore_sdk.model.list_product_purchases_response import ListProductPurchasesResponse

__all__ = ["M", "Action", "ApiResponse", "Flow", "Operation", "Outcome", "url_factory"]

M = TypeVar("M", bound="BaseModel")
T = TypeVar("T")

Action = httpx.Request | float
"""What a flow asks its driver for: send this request, or sleep this many seconds."""
Outcome = httpx.Response | Exception | None
"""What the driver sends back: the response, the httpx error, or None after a sleep."""
Flow = Generator[Action, Outcome, T]


class Operation(Generic[M]):
    """One validated API call: everything needed to send it and to read its answer."""

    __slots__ = (
        "content",
        "headers",
        "lookup",
        "method",
        "model",
        "path",
        "scope",
        "timeout",
        "url",
    )

    def __init__(
        self,
        method: str,
        path: str,
        url: httpx.URL | str,
        model: type[M],
        *,
        scope: str,
        content: bytes | MultipartBody | None = None,
        headers: dict[str, str] | None = None,
        timeout: httpx.Timeout | NotGiven = NOT_GIVEN,
        lookup: Operation[ListProductPurchasesResponse] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        """The encoded path, without the query string (used in logs and messages)."""
        self.url = url
        self.model = model
        self.scope = scope
        """The token scope the call needs, named in the 403 message."""
        self.content = content
        """The body: bytes, or a `MultipartBody` streamed from disk (read again on each retry)."""
        self.headers = headers
        self.timeout = timeout
        self.lookup = lookup
        """For a create: the list call that finds the purchase after an ambiguous failure."""


class ApiResponse(Generic[T]):
    """What the `*_with_http_info` methods return: the parsed body plus the HTTP details.

    >>> info = api.get_product_purchase_with_http_info(product_id, purchase_id)  # doctest: +SKIP
    >>> info.status_code, info.headers["x-ratelimit-remaining"]  # doctest: +SKIP

    Attributes:
        status_code: the HTTP status of the response the data came from.
        headers: its headers (case-insensitive).
        data: the parsed body.
        recovered: True when a create timed out (or similar) and the purchase it had in fact created
            was found by a follow-up lookup; `status_code` and `headers` are then the lookup's.
    """

    __slots__ = ("data", "headers", "recovered", "status_code")

    def __init__(
        self, status_code: int, headers: httpx.Headers, data: T, *, recovered: bool = False
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.data = data
        self.recovered = recovered

    def __repr__(self) -> str:
        return (
            f"ApiResponse(status_code={self.status_code}, data={self.data!r}, "
            f"recovered={self.recovered})"
        )


def url_factory(origin: str) -> Callable[[str, str | None], httpx.URL | str]:
    """Return `make_url(path, query)` for URLs under `origin`.

    `path` and `query` must already be percent-encoded (`api/_operations.py` does it). Parsing a URL
    string costs httpx about 20 us, as much as all of the SDK's own work per request, so when this
    httpx exposes its parsed form (`URL._uri_reference`, a `ParseResult` named tuple) the URL is
    assembled from the parsed origin instead. Any other httpx gets the plain string.
    tests/sdk/test_requests.py checks both give the same URL.
    """
    template = getattr(httpx.URL(origin), "_uri_reference", None)
    if getattr(template, "_fields", None) != _PARSE_RESULT_FIELDS:
        return lambda path, query: origin + path + ("" if query is None else "?" + query)
    replace = template._replace  # type: ignore[union-attr]
    new = httpx.URL.__new__

    def make_url(path: str, query: str | None) -> httpx.URL | str:
        url = new(httpx.URL)
        url._uri_reference = replace(path=path, query=query)
        return url

    return make_url


_PARSE_RESULT_FIELDS = ("scheme", "userinfo", "host", "port", "path", "query", "fragment")
