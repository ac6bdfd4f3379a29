"""Every model of the documented SDK, at `gmodstore_sdk.model.<snake_name>`, re-exported here.

>>> from gmodstore_sdk.model import NewProductPurchasePayload, ProductPurchaseFilter
"""

from __future__ import annotations

from gmodstore_sdk.model.create_product_purchase_response import CreateProductPurchaseResponse
from gmodstore_sdk.model.error import Error
from gmodstore_sdk.model.get_product_purchase_response import GetProductPurchaseResponse
from gmodstore_sdk.model.list_product_purchases_response import (
    Cursors,
    ListProductPurchasesResponse,
    PageMeta,
)
from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload
from gmodstore_sdk.model.product_purchase import ProductPurchase
from gmodstore_sdk.model.product_purchase_filter import ProductPurchaseFilter
from gmodstore_sdk.model.update_product_purchase_payload import UpdateProductPurchasePayload
from gmodstore_sdk.model.update_product_purchase_response import UpdateProductPurchaseResponse

__all__ = [
    "CreateProductPurchaseResponse",
    "Cursors",
    "Error",
    "GetProductPurchaseResponse",
    "ListProductPurchasesResponse",
    "NewProductPurchasePayload",
    "PageMeta",
    "ProductPurchase",
    "ProductPurchaseFilter",
    "UpdateProductPurchasePayload",
    "UpdateProductPurchaseResponse",
]
