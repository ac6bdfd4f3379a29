"""The API classes, one module per API of the documented SDK.

>>> from gmodstore_sdk.api import product_purchases_api
>>> from gmodstore_sdk.api import ProductPurchasesApi, AsyncProductPurchasesApi
"""

from __future__ import annotations

from gmodstore_sdk.api import product_purchases_api
from gmodstore_sdk.api.product_purchases_api import AsyncProductPurchasesApi, ProductPurchasesApi

__all__ = ["AsyncProductPurchasesApi", "ProductPurchasesApi", "product_purchases_api"]
