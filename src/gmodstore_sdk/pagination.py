"""Cursor-following iterators over every item of a list operation, sync and async.

Only one page is held in memory at a time. Used by `iter_product_purchases` (and every `iter_*`):

>>> for purchase in api.iter_product_purchases(product_id):            # doctest: +SKIP
...     print(purchase.user_id)
>>> async for purchase in async_api.iter_product_purchases(product_id):  # doctest: +SKIP
...     print(purchase.user_id)

A walk ends at a page without a next cursor, at an empty page, or at a page whose next cursor is
the one it was fetched with. A cursor seen earlier in the walk (A -> B -> A) would loop forever:
the iterator raises `ApiResponseValidationError` instead.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from gmodstore_sdk.exceptions import ApiResponseValidationError

__all__ = ["Cursors", "Page", "aiter_pages", "iter_pages", "next_cursor"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

logger = logging.getLogger("gmodstore_sdk")


class Page(Protocol[T_co]):
    """What a list answer looks like to the iterators: `.data` and `.cursors.next`."""

    @property
    def data(self) -> Sequence[T_co]:
        """The items of this page."""

    @property
    def cursors(self) -> Any:
        """An object with `next` (and `prev`): cursor strings or None."""


class Cursors:
    """The cursors a walk has followed, to refuse a loop (a cursor handed out twice)."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def follow(self, page: Page[Any], previous: str | None) -> str | None:
        """The cursor to fetch after `page` (fetched with `previous`), or None at the end."""
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


def next_cursor(page: Page[Any], previous: str | None) -> str | None:
    """The cursor to fetch after `page`, or None when the walk is over.

    Pages with no items end the walk even if the server sent a cursor, and so does a server that
    hands back the cursor it was given (logged as a warning): neither can make a walk endless.
    """
    if not page.data:
        return None
    cursor: str | None = page.cursors.next
    if cursor is not None and cursor == previous:
        logger.warning("the server returned the cursor it was given; ending the walk there")
        return None
    return cursor


def iter_pages(fetch: Callable[[str | None], Page[T]]) -> Iterator[T]:
    """Yield every item, calling `fetch(cursor)` for each page (`None` for the first)."""
    cursors = Cursors()
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.data
        cursor = cursors.follow(page, cursor)
        if cursor is None:
            return


async def aiter_pages(fetch: Callable[[str | None], Awaitable[Page[T]]]) -> AsyncIterator[T]:
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
