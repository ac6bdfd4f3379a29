"""The hand-written parts of the purchase API: `has_active_purchase` and create's recovery.

`ProductPurchasesExtras` / `AsyncProductPurchasesExtras` are mixed into the generated
`ProductPurchasesApi` / `AsyncProductPurchasesApi`; `purchase_recovery` is the recovery
`api/_extras/recoveries.py` attaches to `create_product_purchase`.

>>> api = product_purchases_api.ProductPurchasesApi(api_client)        # doctest: +SKIP
>>> api.has_active_purchase(product_id, user_id)                       # doctest: +SKIP
True

Neither trusts a filtered answer: every row used must belong to the user and the product asked
about, so a server that ignores `filter[userId]` can never make the SDK report (or adopt) another
user's purchase.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gmodstore_sdk._operation import Recovery
from gmodstore_sdk._types import NOT_GIVEN, RequestTimeout
from gmodstore_sdk.api import _operations as ops
from gmodstore_sdk.api_client import ApiClient, AsyncApiClient
from gmodstore_sdk.exceptions import ApiResponseValidationError

if TYPE_CHECKING:
    from gmodstore_sdk.model.list_product_purchases_response import ListProductPurchasesResponse
    from gmodstore_sdk.model.product_purchase import ProductPurchase

__all__ = [
    "AsyncProductPurchasesExtras",
    "ProductPurchasesExtras",
    "holds_active_purchase",
    "is_purchase_of",
    "purchase_recovery",
]


def _same_id(a: str, b: str) -> bool:
    # UUIDs compare case-insensitively; ids that are not UUIDs compare exactly, which this also is.
    return a == b or a.lower() == b.lower()


def is_purchase_of(row: ProductPurchase, product: str, user_id: str) -> bool:
    """Is `row` a purchase of `product` by `user_id` (revoked or not)?"""
    return _same_id(row.user_id, user_id) and _same_id(row.product_id, product)


def purchase_recovery(lookup: Any, product: str, user_id: str) -> Recovery:
    """The recovery of `create_product_purchase`: `lookup` lists the user's active purchases.

    The row must be this user's unrevoked purchase of this product; any other row in the answer
    means the server ignored the filter, and the create is reported as uncertain instead.
    """

    from gmodstore_sdk.model.product_purchase import ProductPurchase

    def active_of_user(row: Any) -> bool:
        return (
            isinstance(row, ProductPurchase)
            and not row.revoked
            and is_purchase_of(row, product, user_id)
        )

    return Recovery(lookup=lookup, match=active_of_user)


def holds_active_purchase(page: ListProductPurchasesResponse, product: str, user_id: str) -> bool:
    """`has_active_purchase`'s answer from the filtered list: checked row by row.

    Raises:
        ApiResponseValidationError: a row is someone else's, of another product, or revoked:
            the server ignored the filter, and its answer says nothing about this user.
    """
    for row in page.data:
        if row.revoked or not is_purchase_of(row, product, user_id):
            raise ApiResponseValidationError(
                f"GET .../products/{product}/purchases?filter[userId]={user_id}&filter[revoked]="
                f"false returned purchase {row.id} (user {row.user_id}, product {row.product_id}, "
                f"revoked={row.revoked}): the server ignored the filter; not trusting the answer"
            )
    return bool(page.data)


class ProductPurchasesExtras:
    """`has_active_purchase`, on the generated `ProductPurchasesApi`."""

    api_client: ApiClient

    def has_active_purchase(
        self, product: str, user_id: str, *, _request_timeout: RequestTimeout = NOT_GIVEN
    ) -> bool:
        """Does `user_id` own `product`, not revoked? One request.

        >>> user_id = "6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51"
        >>> api.has_active_purchase(product_id, user_id)              # doctest: +SKIP
        True

        Every row of the answer is checked: a purchase of another user or product (a server that
        ignored the filter) raises instead of answering.

        Args:
            product: the product id.
            user_id: the user's id (a UUID).
            _request_timeout: seconds, a `(connect, read)` tuple, a `gmodstore_sdk.Timeout`, or
                None for no timeout.

        Raises:
            ApiValueError: `user_id` is not a UUID.
            ApiResponseValidationError: the server's answer contradicts its filter.
        """
        op = ops.has_active_purchase(self.api_client, product, user_id, _request_timeout)
        page = self.api_client._request(op).data
        return holds_active_purchase(page, str(product), str(user_id))


class AsyncProductPurchasesExtras:
    """`has_active_purchase`, on the generated `AsyncProductPurchasesApi`."""

    api_client: AsyncApiClient

    async def has_active_purchase(
        self, product: str, user_id: str, *, _request_timeout: RequestTimeout = NOT_GIVEN
    ) -> bool:
        """See `ProductPurchasesApi.has_active_purchase`."""
        op = ops.has_active_purchase(self.api_client, product, user_id, _request_timeout)
        page = (await self.api_client._request(op)).data
        return holds_active_purchase(page, str(product), str(user_id))
