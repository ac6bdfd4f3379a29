"""Cursor-following iterators over every item of a list, sync and async.

Only one page is held in memory at a time. Used by every `iter_*` method:

>>> for purchase in api.iter_product_purchases(product_id):            # doctest: +SKIP
...     print(purchase.user_id)
>>> async for purchase in async_api.iter_product_purchases(product_id):  # doctest: +SKIP
...     print(purchase.user_id)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Protocol, TypeVar

__all__ = ["PageLike", "aiter_pages", "iter_pages", "next_cursor"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class PageLike(Protocol[T_co]):
    """What a list answer offers the walk: its items and the cursor of the next page."""

    @property
    def data(self) -> Sequence[T_co]:
        """The items of this page."""
        ...

    def next_page_cursor(self) -> str | None:
        """The cursor of the next page, or None on the last one."""
        ...


Fetch = Callable[[str | None], PageLike[T]]
AsyncFetch = Callable[[str | None], Awaitable[PageLike[T]]]


def next_cursor(page: PageLike[object], previous: str | None) -> str | None:
    """The cursor to fetch after `page`, or None when the walk is over.

    A server that hands back the cursor it was given would otherwise make the walk endless.
    """
    cursor = page.next_page_cursor()
    return None if cursor == previous else cursor


def iter_pages(fetch: Fetch[T]) -> Iterator[T]:
    """Yield every item, calling `fetch(cursor)` for each page (`None` for the first)."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.data
        cursor = next_cursor(page, cursor)
        if cursor is None:
            return


async def aiter_pages(fetch: AsyncFetch[T]) -> AsyncIterator[T]:
    """The async twin of `iter_pages`."""
    cursor: str | None = None
    while True:
        page = await fetch(cursor)
        for item in page.data:
            yield item
        cursor = next_cursor(page, cursor)
        if cursor is None:
            return
