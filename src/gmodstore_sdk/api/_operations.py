"""Build and validate each API call as an `Operation`, shared by the sync and async API classes.

Every argument is checked here, before anything is sent: bad input raises `ApiTypeError` or
`ApiValueError`. Path segments are percent-encoded (`a/b` -> `a%2Fb`, `..` -> `%2E%2E`) so that an
id can never reach another route.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from gmodstore_sdk._base import BaseApiClient, Operation
from gmodstore_sdk._operation import CallLimits
from gmodstore_sdk._types import NOT_GIVEN, NotGiven, RequestTimeout, Timeout
from gmodstore_sdk.api._extras.product_purchases import purchase_recovery
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError
from gmodstore_sdk.model._validators import is_uuid
from gmodstore_sdk.model.create_product_purchase_response import CreateProductPurchaseResponse
from gmodstore_sdk.model.get_product_purchase_response import GetProductPurchaseResponse
from gmodstore_sdk.model.list_product_purchases_response import ListProductPurchasesResponse
from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload
from gmodstore_sdk.model.product_purchase_filter import ProductPurchaseFilter
from gmodstore_sdk.model.update_product_purchase_payload import UpdateProductPurchasePayload
from gmodstore_sdk.model.update_product_purchase_response import UpdateProductPurchaseResponse

__all__ = [
    "create_product_purchase",
    "get_product_purchase",
    "has_active_purchase",
    "list_product_purchases",
    "encode",
    "page_operations",
    "segment",
    "timeout",
    "update_product_purchase",
]

READ = "product-purchases:read"
WRITE = "product-purchases:write"


def segment(value: object, name: str) -> str:
    """Validate a path parameter and percent-encode it as one path segment.

    >>> segment("a/b", "product"), segment("..", "purchase")
    ('a%2Fb', '%2E%2E')
    """
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise ApiTypeError(f"`{name}` must be a str, not {type(value).__name__}")
    if not value.strip():
        raise ApiValueError(f"`{name}` must be a non-empty id, got {value!r}")
    encoded = encode(value, name)
    if encoded in (".", ".."):
        # Dot segments would be resolved away by URL normalisation and climb to another route.
        return encoded.replace(".", "%2E")
    return encoded


def encode(value: str, name: str) -> str:
    """Percent-encode `value` for a path segment or a query value (every byte but unreserved ones).

    >>> encode("a b&c=d/é", "cursor")
    'a%20b%26c%3Dd%2F%C3%A9'

    Raises:
        ApiValueError: `value` cannot be encoded as UTF-8 (a lone surrogate).
    """
    try:
        return quote(value, safe="")
    except UnicodeEncodeError:
        raise ApiValueError(f"`{name}` is not valid text (unpaired surrogate): {value!r}") from None


def timeout(value: RequestTimeout) -> CallLimits | NotGiven:
    """`_request_timeout` resolved: seconds, `(connect, read)`, a `Timeout`, None or NOT_GIVEN.

    Seconds `t` limit every phase and the whole attempt to `t`; `(c, r)` limits connecting to `c`,
    each read to `r` and the attempt to `c + r`; None lifts every limit but the call's deadline.
    """
    if isinstance(value, NotGiven):
        return NOT_GIVEN
    if value is None:
        return CallLimits(httpx.Timeout(None), None, NOT_GIVEN)
    if isinstance(value, Timeout):
        return _limits(value)
    if isinstance(value, tuple):
        if len(value) != 2 or not all(_is_seconds(v) for v in value):
            raise ApiTypeError("`_request_timeout` tuple must be (connect_seconds, read_seconds)")
        connect, read = value
        return CallLimits(httpx.Timeout(read, connect=connect), connect + read, NOT_GIVEN)
    if not _is_seconds(value):
        raise ApiTypeError(
            "`_request_timeout` must be seconds, a (connect, read) tuple, a Timeout or None, "
            f"not {type(value).__name__}"
        )
    return CallLimits(httpx.Timeout(value), value, NOT_GIVEN)


def _limits(value: Timeout) -> CallLimits:
    for name in ("connect", "read", "attempt", "total"):
        seconds = getattr(value, name)
        if not (seconds is None or isinstance(seconds, NotGiven) or _is_seconds(seconds)):
            raise ApiTypeError(f"`Timeout({name}=...)` must be seconds or None, got {seconds!r}")
    given = not (isinstance(value.connect, NotGiven) and isinstance(value.read, NotGiven))
    return CallLimits(
        None if given else NOT_GIVEN,
        value.attempt,
        value.total,
        connect=value.connect,
        read=value.read,
        explicit=not isinstance(value.attempt, NotGiven),
    )


def _is_seconds(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _query(parts: list[str]) -> str | None:
    return "&".join(parts) if parts else None


def _filter_part(value: Any) -> list[str]:
    if value is None:
        return []
    query = ProductPurchaseFilter.coerce(value, "filter").to_query()
    return [query] if query else []


def _user_id(value: object, name: str) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise ApiTypeError(f"`{name}` must be a str, not {type(value).__name__}")
    if not is_uuid(value):
        raise ApiValueError(f"`{name}` must be a UUID (8-4-4-4-12 hex digits), got {value!r}")
    return value


def _purchases_path(client: BaseApiClient, product: object) -> str:
    return f"{client.base_path}/products/{segment(product, 'product')}/purchases"


def list_product_purchases(
    client: BaseApiClient,
    product: object,
    per_page: object = None,
    cursor: object = None,
    filter: object = None,
    request_timeout: RequestTimeout = NOT_GIVEN,
) -> Operation[ListProductPurchasesResponse]:
    """`GET /products/{product}/purchases?perPage=&cursor=&filter[...]=`."""
    path = _purchases_path(client, product)
    parts = []
    if per_page is not None:
        if isinstance(per_page, bool) or not isinstance(per_page, int):
            raise ApiTypeError(f"`per_page` must be an int, not {type(per_page).__name__}")
        if not 1 <= per_page <= 100:
            raise ApiValueError(f"`per_page` must be between 1 and 100, got {per_page}")
        parts.append(f"perPage={per_page}")
    if cursor is not None:
        if not isinstance(cursor, str):
            raise ApiTypeError(f"`cursor` must be a str, not {type(cursor).__name__}")
        if not cursor:
            raise ApiValueError("`cursor` must be a non-empty string (or None for the first page)")
        parts.append("cursor=" + encode(cursor, "cursor"))
    parts += _filter_part(filter)
    return Operation(
        "GET",
        path,
        client.make_url(path, _query(parts)),
        ListProductPurchasesResponse,
        scope=READ,
        headers=client.get_headers,
        timeout=timeout(request_timeout),
    )


def page_operations(
    client: BaseApiClient,
    product: object,
    per_page: object,
    filter: object,
    request_timeout: RequestTimeout,
) -> Callable[[str | None], Operation[ListProductPurchasesResponse]]:
    """For `iter_product_purchases`: validate the arguments now, return `cursor -> page call`.

    Validating up front makes bad input fail where the iterator is created, not at the first
    `next()`, which may run far from the call.
    """
    first = list_product_purchases(client, product, per_page, None, filter, request_timeout)

    def page(cursor: str | None) -> Operation[ListProductPurchasesResponse]:
        if cursor is None:
            return first
        return list_product_purchases(client, product, per_page, cursor, filter, request_timeout)

    return page


def get_product_purchase(
    client: BaseApiClient,
    product: object,
    purchase: object,
    filter: object = None,
    request_timeout: RequestTimeout = NOT_GIVEN,
) -> Operation[GetProductPurchaseResponse]:
    """`GET /products/{product}/purchases/{purchase}?filter[...]=`."""
    path = f"{_purchases_path(client, product)}/{segment(purchase, 'purchase')}"
    url = client.make_url(path, None if filter is None else _query(_filter_part(filter)))
    return Operation(
        "GET",
        path,
        url,
        GetProductPurchaseResponse,
        scope=READ,
        headers=client.get_headers,
        timeout=timeout(request_timeout),
    )


def create_product_purchase(
    client: BaseApiClient,
    product: object,
    payload: object = None,
    request_timeout: RequestTimeout = NOT_GIVEN,
) -> Operation[CreateProductPurchaseResponse]:
    """`POST /products/{product}/purchases` with `{"userId": ...}`.

    Carries the recovery (`filter[userId]`, active only, one item, checked row by row) that finds
    the purchase if the POST fails in a way that leaves unknown whether the server created it.
    """
    path = _purchases_path(client, product)
    recovery = None
    content = b"{}"
    if payload is not None:
        body = NewProductPurchasePayload.coerce(payload, "new_product_purchase_payload")
        content = body.model_dump_json(exclude_unset=True).encode()
        lookup = list_product_purchases(
            client,
            product,
            per_page=1,
            filter=ProductPurchaseFilter(revoked=False, user_id=body.user_id),
            request_timeout=request_timeout,
        )
        product_id = str(product)
        recovery = purchase_recovery(lookup, product_id, body.user_id)
    return Operation(
        "POST",
        path,
        client.make_url(path, None),
        CreateProductPurchaseResponse,
        scope=WRITE,
        content=content,
        headers=client.json_headers,
        timeout=timeout(request_timeout),
        recovery=recovery,
    )


def update_product_purchase(
    client: BaseApiClient,
    product: object,
    purchase: object,
    payload: object = None,
    request_timeout: RequestTimeout = NOT_GIVEN,
) -> Operation[UpdateProductPurchaseResponse]:
    """`PUT /products/{product}/purchases/{purchase}` with `{"revoked": ...}` (only fields set)."""
    path = f"{_purchases_path(client, product)}/{segment(purchase, 'purchase')}"
    content = b"{}"
    if payload is not None:
        body = UpdateProductPurchasePayload.coerce(payload, "update_product_purchase_payload")
        content = body.model_dump_json(exclude_unset=True).encode()
    return Operation(
        "PUT",
        path,
        client.make_url(path, None),
        UpdateProductPurchaseResponse,
        scope=WRITE,
        content=content,
        headers=client.json_headers,
        timeout=timeout(request_timeout),
    )


def has_active_purchase(
    client: BaseApiClient,
    product: object,
    user_id: object,
    request_timeout: RequestTimeout = NOT_GIVEN,
) -> Operation[ListProductPurchasesResponse]:
    """The list call behind `has_active_purchase`: this user's unrevoked purchases, one item."""
    user = _user_id(user_id, "user_id")
    path = _purchases_path(client, product)
    query = f"perPage=1&filter[revoked]=false&filter[userId]={user}"
    return Operation(
        "GET",
        path,
        client.make_url(path, query),
        ListProductPurchasesResponse,
        scope=READ,
        headers=client.get_headers,
        timeout=timeout(request_timeout),
    )
