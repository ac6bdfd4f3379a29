"""`ProductPurchasesApi` and `AsyncProductPurchasesApi`: the product purchase endpoints.

>>> import gmodstore_sdk
>>> from gmodstore_sdk.api import product_purchases_api
>>> config = gmodstore_sdk.Configuration(access_token="...")
>>> with gmodstore_sdk.ApiClient(config) as api_client:                # doctest: +SKIP
...     api = product_purchases_api.ProductPurchasesApi(api_client)
...     page = api.list_product_purchases(product_id, per_page=50)

Each method validates its arguments (`ApiTypeError` / `ApiValueError`, nothing sent), sends one
request (plus retries, see the README), and returns the parsed model; `*_with_http_info` returns an
`ApiResponse` with the status code and headers too. Every method takes `_request_timeout`: seconds,
a `(connect, read)` tuple, a `gmodstore_sdk.Timeout` (e.g. `Timeout(total=10)`: the whole call,
retries included), or None for no timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from gmodstore_sdk._base import ApiResponse
from gmodstore_sdk._types import NOT_GIVEN, RequestTimeout
from gmodstore_sdk.api import _operations as ops
from gmodstore_sdk.api._extras.product_purchases import holds_active_purchase
from gmodstore_sdk.api_client import ApiClient, AsyncApiClient
from gmodstore_sdk.model.create_product_purchase_response import CreateProductPurchaseResponse
from gmodstore_sdk.model.get_product_purchase_response import GetProductPurchaseResponse
from gmodstore_sdk.model.list_product_purchases_response import ListProductPurchasesResponse
from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload
from gmodstore_sdk.model.product_purchase import ProductPurchase
from gmodstore_sdk.model.product_purchase_filter import ProductPurchaseFilter
from gmodstore_sdk.model.update_product_purchase_payload import UpdateProductPurchasePayload
from gmodstore_sdk.model.update_product_purchase_response import UpdateProductPurchaseResponse
from gmodstore_sdk.pagination import aiter_pages, iter_pages

__all__ = ["AsyncProductPurchasesApi", "ProductPurchasesApi"]

# Plain mappings work too (`{"userId": ...}` or `{"user_id": ...}`), validated the same way.
NewPayload = NewProductPurchasePayload | Mapping[str, Any]
UpdatePayload = UpdateProductPurchasePayload | Mapping[str, Any]
Filter = ProductPurchaseFilter | Mapping[str, Any]


class ProductPurchasesApi:
    """The product purchase endpoints, on an `ApiClient`.

    >>> api = ProductPurchasesApi(api_client)                              # doctest: +SKIP
    >>> api.has_active_purchase(product_id, user_id)                       # doctest: +SKIP
    True

    Args:
        api_client: the client to send through; a new `ApiClient()` (configured from the
            environment) when omitted.
    """

    def __init__(self, api_client: ApiClient | None = None) -> None:
        self.api_client = api_client if api_client is not None else ApiClient()

    def create_product_purchase(
        self,
        product: str,
        new_product_purchase_payload: NewPayload | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> CreateProductPurchaseResponse:
        """Grant `product` to a user. Needs scope `product-purchases:write`.

        >>> api.create_product_purchase(product_id, {"userId": user_id}).data.id  # doctest: +SKIP

        Never creates two purchases: a POST is only resent when the server provably did not act on
        it, and after a timeout the purchase is looked up (and returned) before anything is resent.

        Args:
            product: the product id.
            new_product_purchase_payload: `NewProductPurchasePayload(user_id=...)`, or a dict with
                `userId` / `user_id`.

        Raises:
            BadRequestException: e.g. the user already owns the product.
        """
        return self.create_product_purchase_with_http_info(
            product, new_product_purchase_payload, _request_timeout=_request_timeout
        ).data

    def create_product_purchase_with_http_info(
        self,
        product: str,
        new_product_purchase_payload: NewPayload | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> ApiResponse[CreateProductPurchaseResponse]:
        """`create_product_purchase`, with the status code and headers."""
        op = ops.create_product_purchase(
            self.api_client, product, new_product_purchase_payload, _request_timeout
        )
        return self.api_client._request(op)

    def get_product_purchase(
        self,
        product: str,
        purchase: str,
        filter: Filter | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> GetProductPurchaseResponse:
        """One purchase of `product`. Needs scope `product-purchases:read`.

        >>> api.get_product_purchase(product_id, purchase_id).data.revoked    # doctest: +SKIP
        False

        Args:
            product: the product id.
            purchase: the purchase id.
            filter: a `ProductPurchaseFilter` (or dict) the purchase must match.

        Raises:
            NotFoundException: no such purchase of this product.
        """
        return self.get_product_purchase_with_http_info(
            product, purchase, filter, _request_timeout=_request_timeout
        ).data

    def get_product_purchase_with_http_info(
        self,
        product: str,
        purchase: str,
        filter: Filter | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> ApiResponse[GetProductPurchaseResponse]:
        """`get_product_purchase`, with the status code and headers."""
        op = ops.get_product_purchase(self.api_client, product, purchase, filter, _request_timeout)
        return self.api_client._request(op)

    def list_product_purchases(
        self,
        product: str,
        per_page: int | None = None,
        cursor: str | None = None,
        filter: Filter | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> ListProductPurchasesResponse:
        """One page of the purchases of `product`. Needs scope `product-purchases:read`.

        >>> page = api.list_product_purchases(product_id, per_page=100,             # doctest: +SKIP
        ...                                   filter=ProductPurchaseFilter(revoked=False))
        >>> page.data, page.cursors.next                                           # doctest: +SKIP

        Args:
            product: the product id.
            per_page: 1..100 items per page (server default 24).
            cursor: `cursors.next` (or `.prev`) of a previous page.
            filter: a `ProductPurchaseFilter` or a dict such as `{"revoked": False}`.
        """
        return self.list_product_purchases_with_http_info(
            product, per_page, cursor, filter, _request_timeout=_request_timeout
        ).data

    def list_product_purchases_with_http_info(
        self,
        product: str,
        per_page: int | None = None,
        cursor: str | None = None,
        filter: Filter | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> ApiResponse[ListProductPurchasesResponse]:
        """`list_product_purchases`, with the status code and headers."""
        op = ops.list_product_purchases(
            self.api_client, product, per_page, cursor, filter, _request_timeout
        )
        return self.api_client._request(op)

    def update_product_purchase(
        self,
        product: str,
        purchase: str,
        update_product_purchase_payload: UpdatePayload | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> UpdateProductPurchaseResponse:
        """Change a purchase (revoke or restore it). Needs scope `product-purchases:write`.

        >>> api.update_product_purchase(product_id, purchase_id, {"revoked": True}) # doctest: +SKIP

        Args:
            product: the product id.
            purchase: the purchase id.
            update_product_purchase_payload: `UpdateProductPurchasePayload(revoked=...)` or a dict.
        """
        return self.update_product_purchase_with_http_info(
            product, purchase, update_product_purchase_payload, _request_timeout=_request_timeout
        ).data

    def update_product_purchase_with_http_info(
        self,
        product: str,
        purchase: str,
        update_product_purchase_payload: UpdatePayload | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> ApiResponse[UpdateProductPurchaseResponse]:
        """`update_product_purchase`, with the status code and headers."""
        op = ops.update_product_purchase(
            self.api_client, product, purchase, update_product_purchase_payload, _request_timeout
        )
        return self.api_client._request(op)

    def iter_product_purchases(
        self,
        product: str,
        per_page: int = 100,
        filter: Filter | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> Iterator[ProductPurchase]:
        """Every purchase of `product`, following `cursors.next`, one page in memory at a time.

        >>> active = [p.user_id for p in api.iter_product_purchases(         # doctest: +SKIP
        ...     product_id, filter={"revoked": False})]

        Arguments are validated now; requests are sent as you iterate.
        """
        page = ops.page_operations(self.api_client, product, per_page, filter, _request_timeout)

        def fetch(cursor: str | None) -> ListProductPurchasesResponse:
            return self.api_client._request(page(cursor)).data

        return iter_pages(fetch)

    def has_active_purchase(
        self, product: str, user_id: str, *, _request_timeout: RequestTimeout = NOT_GIVEN
    ) -> bool:
        """Does `user_id` own `product`, not revoked? One request.

        >>> user_id = "6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51"
        >>> api.has_active_purchase(product_id, user_id)              # doctest: +SKIP
        True

        Every row of the answer is checked: a purchase of another user or product (a server that
        ignored the filter) raises instead of answering.

        Raises:
            ApiValueError: `user_id` is not a UUID.
            ApiResponseValidationError: the server's answer contradicts its filter.
        """
        op = ops.has_active_purchase(self.api_client, product, user_id, _request_timeout)
        page = self.api_client._request(op).data
        return holds_active_purchase(page, str(product), str(user_id))


class AsyncProductPurchasesApi:
    """The product purchase endpoints, on an `AsyncApiClient`; the same methods as coroutines.

    >>> api = AsyncProductPurchasesApi(async_api_client)                   # doctest: +SKIP
    >>> await api.has_active_purchase(product_id, user_id)                 # doctest: +SKIP
    True
    >>> async for purchase in api.iter_product_purchases(product_id):       # doctest: +SKIP
    ...     print(purchase.user_id)

    Args:
        api_client: the async client to send through; a new `AsyncApiClient()` when omitted.
    """

    def __init__(self, api_client: AsyncApiClient | None = None) -> None:
        self.api_client = api_client if api_client is not None else AsyncApiClient()

    async def create_product_purchase(
        self,
        product: str,
        new_product_purchase_payload: NewPayload | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> CreateProductPurchaseResponse:
        """See `ProductPurchasesApi.create_product_purchase`."""
        info = await self.create_product_purchase_with_http_info(
            product, new_product_purchase_payload, _request_timeout=_request_timeout
        )
        return info.data

    async def create_product_purchase_with_http_info(
        self,
        product: str,
        new_product_purchase_payload: NewPayload | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> ApiResponse[CreateProductPurchaseResponse]:
        """`create_product_purchase`, with the status code and headers."""
        op = ops.create_product_purchase(
            self.api_client, product, new_product_purchase_payload, _request_timeout
        )
        return await self.api_client._request(op)

    async def get_product_purchase(
        self,
        product: str,
        purchase: str,
        filter: Filter | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> GetProductPurchaseResponse:
        """See `ProductPurchasesApi.get_product_purchase`."""
        info = await self.get_product_purchase_with_http_info(
            product, purchase, filter, _request_timeout=_request_timeout
        )
        return info.data

    async def get_product_purchase_with_http_info(
        self,
        product: str,
        purchase: str,
        filter: Filter | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> ApiResponse[GetProductPurchaseResponse]:
        """`get_product_purchase`, with the status code and headers."""
        op = ops.get_product_purchase(self.api_client, product, purchase, filter, _request_timeout)
        return await self.api_client._request(op)

    async def list_product_purchases(
        self,
        product: str,
        per_page: int | None = None,
        cursor: str | None = None,
        filter: Filter | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> ListProductPurchasesResponse:
        """See `ProductPurchasesApi.list_product_purchases`."""
        info = await self.list_product_purchases_with_http_info(
            product, per_page, cursor, filter, _request_timeout=_request_timeout
        )
        return info.data

    async def list_product_purchases_with_http_info(
        self,
        product: str,
        per_page: int | None = None,
        cursor: str | None = None,
        filter: Filter | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> ApiResponse[ListProductPurchasesResponse]:
        """`list_product_purchases`, with the status code and headers."""
        op = ops.list_product_purchases(
            self.api_client, product, per_page, cursor, filter, _request_timeout
        )
        return await self.api_client._request(op)

    async def update_product_purchase(
        self,
        product: str,
        purchase: str,
        update_product_purchase_payload: UpdatePayload | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> UpdateProductPurchaseResponse:
        """See `ProductPurchasesApi.update_product_purchase`."""
        info = await self.update_product_purchase_with_http_info(
            product, purchase, update_product_purchase_payload, _request_timeout=_request_timeout
        )
        return info.data

    async def update_product_purchase_with_http_info(
        self,
        product: str,
        purchase: str,
        update_product_purchase_payload: UpdatePayload | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> ApiResponse[UpdateProductPurchaseResponse]:
        """`update_product_purchase`, with the status code and headers."""
        op = ops.update_product_purchase(
            self.api_client, product, purchase, update_product_purchase_payload, _request_timeout
        )
        return await self.api_client._request(op)

    def iter_product_purchases(
        self,
        product: str,
        per_page: int = 100,
        filter: Filter | None = None,
        *,
        _request_timeout: RequestTimeout = NOT_GIVEN,
    ) -> AsyncIterator[ProductPurchase]:
        """Every purchase of `product`: `async for p in api.iter_product_purchases(...)` (no await).

        Arguments are validated now; requests are sent as you iterate.
        """
        page = ops.page_operations(self.api_client, product, per_page, filter, _request_timeout)

        async def fetch(cursor: str | None) -> ListProductPurchasesResponse:
            return (await self.api_client._request(page(cursor))).data

        return aiter_pages(fetch)

    async def has_active_purchase(
        self, product: str, user_id: str, *, _request_timeout: RequestTimeout = NOT_GIVEN
    ) -> bool:
        """See `ProductPurchasesApi.has_active_purchase`."""
        op = ops.has_active_purchase(self.api_client, product, user_id, _request_timeout)
        page = (await self.api_client._request(op)).data
        return holds_active_purchase(page, str(product), str(user_id))
