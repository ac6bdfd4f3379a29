"""`ListProductPurchasesResponse`: one page of `list_product_purchases`."""

from __future__ import annotations

from gmodstore_sdk._models import BaseModel
from gmodstore_sdk.model._page import Cursors, PageMeta
from gmodstore_sdk.model.product_purchase import ProductPurchase

__all__ = ["Cursors", "ListProductPurchasesResponse", "PageMeta"]


class ListProductPurchasesResponse(BaseModel):
    """One page of purchases plus the cursors to walk the rest.

    Both the typed and the documented untyped styles work:

    >>> page = api.list_product_purchases(product_id, per_page=50)  # doctest: +SKIP
    >>> page.data[0].user_id, page.cursors.next                      # doctest: +SKIP
    >>> page["data"][0]["userId"], page["cursors"]["next"]           # doctest: +SKIP

    To walk every page, use `iter_product_purchases`.
    """

    data: list[ProductPurchase]
    """The purchases on this page."""
    cursors: Cursors
    """Cursors to the previous and next page."""
    connections: list[str]
    """Related resources the server can include (unused by this endpoint)."""
    meta: PageMeta
    """Page metadata (`meta.per_page`)."""

    def next_page_cursor(self) -> str | None:
        """The cursor of the next page, or `None` when this is the last page.

        Pages with no items end the walk even if the server sent a cursor, so a buggy server can
        never make an iterator loop forever on empty pages.
        """
        return self.cursors.next if self.data else None
