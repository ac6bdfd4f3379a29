"""Build and validate each API call as an `Operation`, shared by the sync and async API classes.

Every argument is checked here, before anything is sent: bad input raises `ApiTypeError` or
`ApiValueError`. Path segments are percent-encoded (`a/b` -> `a%2Fb`, `..` -> `%2E%2E`) so that an
id can never reach another route.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from gmodstore_sdk._base import BaseApiClient, Operation
from gmodstore_sdk._operation import CallLimits
from gmodstore_sdk._types import NOT_GIVEN, NotGiven, RequestTimeout, Timeout
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError
from gmodstore_sdk.model._validators import is_uuid

if TYPE_CHECKING:
    from gmodstore_sdk.model.create_product_purchase_response import CreateProductPurchaseResponse
    from gmodstore_sdk.model.get_product_purchase_response import GetProductPurchaseResponse
    from gmodstore_sdk.model.list_product_purchases_response import ListProductPurchasesResponse
    from gmodstore_sdk.model.update_product_purchase_response import UpdateProductPurchaseResponse

__all__ = [
    "create_product_purchase",
    "get_product_purchase",
    "has_active_purchase",
    "list_product_purchases",
    "encode",
    "segment",
    "timeout",
    "update_product_purchase",
]


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


def _user_id(value: object, name: str) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise ApiTypeError(f"`{name}` must be a str, not {type(value).__name__}")
    if not is_uuid(value):
        raise ApiValueError(f"`{name}` must be a UUID (8-4-4-4-12 hex digits), got {value!r}")
    return value


# The purchase calls, by function: the generated `product_purchases_api` methods build the same
# `Operation`s from its endpoint table. Imported on call: that module imports this one.


def list_product_purchases(
    client: BaseApiClient,
    product: object,
    per_page: object = None,
    cursor: object = None,
    filter: object = None,
    request_timeout: RequestTimeout = NOT_GIVEN,
) -> Operation[ListProductPurchasesResponse]:
    """`GET /products/{product}/purchases?perPage=&cursor=&filter[...]=`."""
    from gmodstore_sdk.api._build import build
    from gmodstore_sdk.api.product_purchases_api import _LIST_PRODUCT_PURCHASES

    query = (per_page, cursor, filter)
    return build(client, _LIST_PRODUCT_PURCHASES, (product,), query, None, request_timeout)


def get_product_purchase(
    client: BaseApiClient,
    product: object,
    purchase: object,
    filter: object = None,
    request_timeout: RequestTimeout = NOT_GIVEN,
) -> Operation[GetProductPurchaseResponse]:
    """`GET /products/{product}/purchases/{purchase}?filter[...]=`."""
    from gmodstore_sdk.api._build import build
    from gmodstore_sdk.api.product_purchases_api import _GET_PRODUCT_PURCHASE

    path = (product, purchase)
    return build(client, _GET_PRODUCT_PURCHASE, path, (filter,), None, request_timeout)


def create_product_purchase(
    client: BaseApiClient,
    product: object,
    payload: object = None,
    request_timeout: RequestTimeout = NOT_GIVEN,
) -> Operation[CreateProductPurchaseResponse]:
    """`POST /products/{product}/purchases` with `{"userId": ...}`, carrying its recovery."""
    from gmodstore_sdk.api._build import build
    from gmodstore_sdk.api.product_purchases_api import _CREATE_PRODUCT_PURCHASE

    return build(
        client,
        _CREATE_PRODUCT_PURCHASE,
        (product,),
        (),
        payload,
        request_timeout,
        body_name="new_product_purchase_payload",
    )


def update_product_purchase(
    client: BaseApiClient,
    product: object,
    purchase: object,
    payload: object = None,
    request_timeout: RequestTimeout = NOT_GIVEN,
) -> Operation[UpdateProductPurchaseResponse]:
    """`PUT /products/{product}/purchases/{purchase}` with `{"revoked": ...}` (only fields set)."""
    from gmodstore_sdk.api._build import build
    from gmodstore_sdk.api.product_purchases_api import _UPDATE_PRODUCT_PURCHASE

    return build(
        client,
        _UPDATE_PRODUCT_PURCHASE,
        (product, purchase),
        (),
        payload,
        request_timeout,
        body_name="update_product_purchase_payload",
    )


def has_active_purchase(
    client: BaseApiClient,
    product: object,
    user_id: object,
    request_timeout: RequestTimeout = NOT_GIVEN,
) -> Operation[ListProductPurchasesResponse]:
    """The list call behind `has_active_purchase`: this user's unrevoked purchases, one item."""
    user = _user_id(user_id, "user_id")
    op = list_product_purchases(client, product, 1, None, None, request_timeout)
    op.url = client.make_url(op.path, f"perPage=1&filter[revoked]=false&filter[userId]={user}")
    return op
