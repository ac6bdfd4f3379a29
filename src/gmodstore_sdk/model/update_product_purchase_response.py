"""`UpdateProductPurchaseResponse`: what `update_product_purchase` returns."""

from __future__ import annotations

from gmodstore_sdk._models import BaseModel
from gmodstore_sdk.model.product_purchase import ProductPurchase

__all__ = ["UpdateProductPurchaseResponse"]


class UpdateProductPurchaseResponse(BaseModel):
    """The `{"data": ProductPurchase}` envelope returned by `update_product_purchase`.

    >>> payload = {"revoked": True}
    >>> resp = api.update_product_purchase(product_id, purchase_id, payload)  # doctest: +SKIP
    >>> resp.data.revoked  # doctest: +SKIP
    """

    data: ProductPurchase
    """The purchase."""
