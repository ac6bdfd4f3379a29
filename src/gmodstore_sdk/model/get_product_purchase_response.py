"""`GetProductPurchaseResponse`: what `get_product_purchase` returns."""

from __future__ import annotations

from gmodstore_sdk._models import BaseModel
from gmodstore_sdk.model.product_purchase import ProductPurchase

__all__ = ["GetProductPurchaseResponse"]


class GetProductPurchaseResponse(BaseModel):
    """The `{"data": ProductPurchase}` envelope returned by `get_product_purchase`.

    >>> resp = api.get_product_purchase(product_id, purchase_id)  # doctest: +SKIP
    >>> resp.data.user_id  # doctest: +SKIP
    """

    data: ProductPurchase
    """The purchase."""
