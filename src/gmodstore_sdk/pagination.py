"""Cursor-following iterators over every purchase of a product, sync and async.

Only one page is held in memory at a time. Used by `iter_product_purchases`:

>>> for purchase in api.iter_product_purchases(product_id):            # doctest: +SKIP
...     print(purchase.user_id)
>>> async for purchase in async_api.iter_product_purchases(product_id):  # doctest: +SKIP
...     print(purchase.user_id)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

from gmodstore_sdk.model.list_product_purchases_response import ListProductPurchasesResponse
from gmodstore_sdk.model.product_purchase import ProductPurchase

__all__ = ["aiter_pages", "iter_pages", "next_cursor"]

Fetch = Callable[[str | None], ListProductPurchasesResponse]
AsyncFetch = Callable[[str | None], Awaitable[ListProductPurchasesResponse]]


def next_cursor(page: ListProductPurchasesResponse, previous: str | None) -> str | None:
    """The cursor to fetch after `page`, or None when the walk is over.

    A server that hands back the cursor it was given would otherwise make the walk endless.
    """
    cursor = page.next_page_cursor()
    return None if cursor == previous else cursor


def iter_pages(fetch: Fetch) -> Iterator[ProductPurchase]:
    """Yield every purchase, calling `fetch(cursor)` for each page (`None` for the first)."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.data
        cursor = next_cursor(page, cursor)
        if cursor is None:
            return


async def aiter_pages(fetch: AsyncFetch) -> AsyncIterator[ProductPurchase]:
    """The async twin of `iter_pages`."""
    cursor: str | None = None
    while True:
        page = await fetch(cursor)
        for purchase in page.data:
            yield purchase
        cursor = next_cursor(page, cursor)
        if cursor is None:
            return
