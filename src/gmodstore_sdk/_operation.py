"""What a request is and what it returns, independent of the client that sends it.

`Operation` is one validated API call (built by `api/_operations.py` or generated code),
`ApiResponse` what the `*_with_http_info` methods return, and `Flow` the generator protocol between
`_base.BaseApiClient` (the policy) and the I/O twins in `api_client.py`.

Write safety: how the client treats each method after a failure (`_base.BaseApiClient`).

| failure                                  | GET, PUT, DELETE | POST with `recovery` | other POST |
|------------------------------------------|------------------|----------------------|------------|
| nothing sent (refused, connect timeout), | resent           | resent               | resent     |
| or 429                                   |                  |                      |            |
| sent, no answer (timeout, reset), or 5xx | resent           | looked up (below)    | raised     |
| any other 4xx                            | raised           | raised               | raised     |

"Raised" for a POST means `ApiWriteUncertainError`: the message says the write may have been
applied and names method and path. PATCH is treated like POST. A DELETE retry that meets 404 after
an attempt that may have deleted counts as done: `ApiResponse(status_code=404, data=None,
recovered=True)` (the plain method returns None; annotate generated deletes `-> Model | None`).

A POST gets recovery by passing `recovery=Recovery(lookup=<list Operation>, match=<row -> bool>)`.
Generated POSTs get theirs from `api/_extras/recoveries.py` (`RECOVERIES`, keyed by path template:
coupons by code, user badges and ticket tags by id); purchases from `api/_operations.py`:

>>> op = Operation(                                                   # doctest: +SKIP
...     "POST", path, client.make_url(path, None), CreateProductCouponResponse,
...     scope="product-coupons:write", content=body, headers=client.json_headers,
...     recovery=Recovery(
...         lookup=list_coupons_operation(client, product, filter={"code": code}),
...         match=lambda row: row.code == code,
...     ),
... )

After an ambiguous failure the client sends `lookup`, takes the rows of its answer (`.data`, a
list) and picks the first one for which `match(row)` is true, so a server that ignores a filter
cannot make the client adopt someone else's row. Then:
- a row created before the lost attempt began (`row.created_at`, allowing for the clocks' skew
  read from the `Date` header): it was not ours, `AlreadyExistsException` (`.existing`);
- any other matching row: returned as the POST's answer, `op.model(data=row)`, with
  `recovered=True` (status code and headers are the lookup's);
- no matching row: the server did not act, the POST is resent (within the retry budget). Give
  recovery only to creates the server refuses to duplicate (a natural key: one purchase per user
  and product, a coupon code), so a resend can never create a second row; an answer in
  `conflict` (400, 409, 422) to that resend is looked up once more;
- the lookup fails, or a row of its answer contradicts the lookup's own filter (`sane(row)` is
  false): `ApiWriteUncertainError`, never a resend.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from gmodstore_sdk._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from gmodstore_sdk._models import BaseModel
    from gmodstore_sdk._uploads import MultipartBody

__all__ = [
    "M",
    "Action",
    "ApiResponse",
    "CallLimits",
    "Flow",
    "Operation",
    "Outcome",
    "Recovery",
    "url_factory",
]

M = TypeVar("M", bound="BaseModel")
T = TypeVar("T")

Action = httpx.Request | float
"""What a flow asks its driver for: send this request, or sleep this many seconds."""
Outcome = httpx.Response | Exception | None
"""What the driver sends back: the response, the httpx (or size) error, or None after a sleep."""
Flow = Generator[Action, Outcome, T]

Row = Any
"""One item of a list answer (a model such as `ProductPurchase`)."""

CONFLICT = frozenset({400, 409, 422})
"""Answers to a resent create that mean "it exists already"."""


class Recovery:
    """How to find what a POST created when its answer was lost (see the module docstring).

    Args:
        lookup: a list call (its answer has `.data`, a list of rows) that would show the row.
        match: true for the row the POST would have created (e.g. same user, same code).
        sane: false for a row the lookup's filter should have excluded (e.g. another user's):
            the server ignored the filter, so the lookup proves nothing. Default: `match`.
        conflict: statuses that, answering a resend, mean "already exists".
    """

    __slots__ = ("conflict", "lookup", "match", "sane")

    def __init__(
        self,
        *,
        lookup: Operation[Any],
        match: Callable[[Row], bool],
        sane: Callable[[Row], bool] | None = None,
        conflict: frozenset[int] = CONFLICT,
    ) -> None:
        self.lookup = lookup
        self.match = match
        self.sane = sane if sane is not None else match
        self.conflict = conflict


class CallLimits:
    """`_request_timeout` resolved (by `api/_operations.timeout`); NOT_GIVEN: the client's."""

    __slots__ = ("attempt", "connect", "explicit", "http", "read", "total")

    def __init__(
        self,
        http: httpx.Timeout | NotGiven | None,
        attempt: float | None | NotGiven,
        total: float | None | NotGiven,
        *,
        connect: float | None | NotGiven = NOT_GIVEN,
        read: float | None | NotGiven = NOT_GIVEN,
        explicit: bool = False,
    ) -> None:
        self.http = http
        """Per-phase timeouts as httpx takes them; None: merge `connect` / `read` into the
        client's."""
        self.attempt = attempt
        """Wall-clock seconds per attempt."""
        self.total = total
        """Wall-clock seconds for the whole call."""
        self.connect = connect
        self.read = read
        self.explicit = explicit
        """True when `attempt` was given as `Timeout(attempt=...)`, not implied by a short form
        (seconds or a tuple), which does not cut an upload."""


class Operation(Generic[M]):
    """One validated API call: everything needed to send it and to read its answer.

    Args:
        method: the HTTP method.
        path: the percent-encoded path without the query (for logs and messages).
        url: the full URL (`client.make_url(path, query)`).
        model: the model of a 2xx answer.
        scope: the token scope the call needs, named in the 403 message.
        content: the encoded body, if any.
        headers: per-request headers (`client.get_headers` / `client.json_headers`).
        timeout: `api/_operations.timeout(_request_timeout)`.
        recovery: for a create, how to find its row after an ambiguous failure.
        resources: the names of the path's ids (`("product", "version")`), for the 404 hint;
            None when unknown.
    """

    __slots__ = (
        "content",
        "headers",
        "method",
        "model",
        "path",
        "recovery",
        "resources",
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
        timeout: CallLimits | NotGiven = NOT_GIVEN,
        recovery: Recovery | None = None,
        resources: tuple[str, ...] | None = None,
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
        self.recovery = recovery
        """For a create: how to find what it created after an ambiguous failure."""
        self.resources = resources
        """The names of the ids in the path, for the 404 hint (None: unknown)."""


class ApiResponse(Generic[T]):
    """What the `*_with_http_info` methods return: the parsed body plus the HTTP details.

    >>> info = api.get_product_purchase_with_http_info(product_id, purchase_id)  # doctest: +SKIP
    >>> info.status_code, info.headers["x-ratelimit-remaining"]  # doctest: +SKIP

    Attributes:
        status_code: the HTTP status of the response the data came from.
        headers: its headers (case-insensitive).
        data: the parsed body.
        recovered: True when a create timed out (or similar) and what it had in fact created
            was found by a follow-up lookup (`status_code` and `headers` are then the lookup's),
            or when a DELETE retry met 404 after an attempt that may have deleted (`data` None).
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
