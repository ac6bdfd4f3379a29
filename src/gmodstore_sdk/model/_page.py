"""`Page`: the base of every generated list answer (`data` plus cursors), hand-written.

Generated list models only declare `data: list[Item]`; the cursors and the walk's stop rule are
here, so `iter_*` treats every list the same way.
"""

from __future__ import annotations

from typing import Any

from gmodstore_sdk._models import BaseModel

__all__ = ["Cursors", "Page", "PageMeta"]


class Cursors(BaseModel):
    """Cursors to the neighbouring pages; `None` at either end."""

    prev: str | None
    """Pass as `cursor=` to get the previous page."""
    next: str | None
    """Pass as `cursor=` to get the next page; `None` on the last page."""


class PageMeta(BaseModel):
    """Page metadata."""

    per_page: int
    """The page size the server used."""


class Page(BaseModel):
    """One page of a list: `data`, `cursors.prev` / `cursors.next`, `connections`, `meta`.

    >>> page = api.list_users(per_page=50)                     # doctest: +SKIP
    >>> page.data, page.cursors.next                           # doctest: +SKIP
    """

    data: list[Any]
    cursors: Cursors
    """Cursors to the previous and next page."""
    connections: list[str]
    """Related resources the server can include."""
    meta: PageMeta
    """Page metadata (`meta.per_page`)."""

    def next_page_cursor(self) -> str | None:
        """The cursor of the next page, or `None` when this is the last page.

        A page with no items ends the walk even if the server sent a cursor, so a buggy server
        can never make an iterator loop forever on empty pages.
        """
        return self.cursors.next if self.data else None
