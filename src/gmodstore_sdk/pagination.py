"""Cursor-following iterators over every item of a list, sync and async.

Only one page is held in memory at a time. Used by every `iter_*` method:

>>> for purchase in api.iter_product_purchases(product_id):            # doctest: +SKIP
...     print(purchase.user_id)
>>> async for purchase in async_api.iter_product_purchases(product_id):  # doctest: +SKIP
...     print(purchase.user_id)

A walk ends at a page without a next cursor (or an empty page, see the list models'
`next_page_cursor`), or at a page whose next cursor is the one it was fetched with. A cursor seen
earlier in the walk (A -> B -> A) would loop forever: the iterator raises
`ApiResponseValidationError` instead.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Protocol, TypeVar

from gmodstore_sdk.exceptions import ApiResponseValidationError

__all__ = ["Cursors", "PageLike", "aiter_pages", "iter_pages", "next_cursor"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

logger = logging.getLogger("gmodstore_sdk")


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


class Cursors:
    """The cursors a walk has followed, to refuse a loop (a cursor handed out twice)."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def follow(self, page: PageLike[object], previous: str | None) -> str | None:
        """The cursor to fetch after `page` (fetched with `previous`), or None at the end.

        Raises:
            ApiResponseValidationError: the cursor was already followed in this walk.
        """
        cursor = next_cursor(page, previous)
        if cursor is None:
            return None
        if cursor in self._seen:
            raise ApiResponseValidationError(
                f"the server's pagination loops: cursor {cursor[:40]!r} came back after "
                f"{len(self._seen)} pages; stopping rather than walking the same pages forever"
            )
        self._seen.add(cursor)
        return cursor


def next_cursor(page: PageLike[object], previous: str | None) -> str | None:
    """The cursor to fetch after `page`, or None when the walk is over.

    A server that hands back the cursor it was given ends the walk there (logged as a warning).
    """
    cursor = page.next_page_cursor()
    if cursor is not None and cursor == previous:
        logger.warning("the server returned the cursor it was given; ending the walk there")
        return None
    return cursor


def iter_pages(fetch: Fetch[T]) -> Iterator[T]:
    """Yield every item, calling `fetch(cursor)` for each page (`None` for the first)."""
    cursors = Cursors()
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.data
        cursor = cursors.follow(page, cursor)
        if cursor is None:
            return


async def aiter_pages(fetch: AsyncFetch[T]) -> AsyncIterator[T]:
    """The async twin of `iter_pages`."""
    cursors = Cursors()
    cursor: str | None = None
    while True:
        page = await fetch(cursor)
        for item in page.data:
            yield item
        cursor = cursors.follow(page, cursor)
        if cursor is None:
            return
