"""`UpdateProductPurchasePayload`: the body of `update_product_purchase`."""

from __future__ import annotations

from gmodstore_sdk._models import RequestModel

__all__ = ["UpdateProductPurchasePayload"]


class UpdateProductPurchasePayload(RequestModel):
    """Change a purchase. Only the fields you set are sent.

    >>> UpdateProductPurchasePayload(revoked=True).model_dump_json(exclude_unset=True)
    '{"revoked":true}'
    >>> UpdateProductPurchasePayload().model_dump_json(exclude_unset=True)
    '{}'
    """

    revoked: bool | None = None
    """True revokes the purchase (the user loses the product), False restores it."""
