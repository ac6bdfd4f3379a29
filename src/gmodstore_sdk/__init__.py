"""Typed Python SDK for the GmodStore (Pivity) API v3 product purchase endpoints.

>>> import gmodstore_sdk
>>> from gmodstore_sdk.api import product_purchases_api
>>> config = gmodstore_sdk.Configuration(access_token="...")  # or set GMODSTORE_TOKEN
>>> with gmodstore_sdk.ApiClient(config) as api_client:          # doctest: +SKIP
...     api = product_purchases_api.ProductPurchasesApi(api_client)
...     api.has_active_purchase(product_id, user_id)

Every API class on one client: `with gmodstore_sdk.GmodStore() as gs: gs.users.get_user(...)`.
See `ApiClient`, `AsyncApiClient`, `GmodStore`, `api` (one module per tag) and `model`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gmodstore_sdk._base import ApiResponse
from gmodstore_sdk._retry import RateLimit
from gmodstore_sdk._transfer_errors import DownloadError, UploadError
from gmodstore_sdk._types import NOT_GIVEN, NotGiven, Timeout
from gmodstore_sdk._version import __version__
from gmodstore_sdk.api_client import ApiClient, AsyncApiClient
from gmodstore_sdk.configuration import Configuration
from gmodstore_sdk.exceptions import (
    AlreadyExistsException,
    ApiConnectionError,
    ApiException,
    ApiResponseTooLargeError,
    ApiResponseValidationError,
    ApiTimeoutError,
    ApiTypeError,
    ApiValueError,
    ApiWriteUncertainError,
    BadRequestException,
    ForbiddenException,
    NotFoundException,
    NotTheApiError,
    OpenApiException,
    RateLimitException,
    ServiceException,
    UnauthorizedException,
)

if TYPE_CHECKING:
    from gmodstore_sdk._facade import AsyncGmodStore, GmodStore

__all__ = [
    "NOT_GIVEN",
    "AlreadyExistsException",
    "ApiClient",
    "ApiConnectionError",
    "ApiException",
    "ApiResponse",
    "ApiResponseTooLargeError",
    "ApiResponseValidationError",
    "ApiTimeoutError",
    "ApiTypeError",
    "ApiValueError",
    "ApiWriteUncertainError",
    "AsyncApiClient",
    "AsyncGmodStore",
    "BadRequestException",
    "Configuration",
    "DownloadError",
    "ForbiddenException",
    "GmodStore",
    "NotFoundException",
    "NotGiven",
    "NotTheApiError",
    "OpenApiException",
    "RateLimit",
    "RateLimitException",
    "ServiceException",
    "Timeout",
    "UnauthorizedException",
    "UploadError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # The facade (one attribute per API, ~500 generated lines) loads on first use, not with the
    # package: most programs use one or two API classes directly.
    if name in ("GmodStore", "AsyncGmodStore", "_facade"):
        facade = importlib.import_module("gmodstore_sdk._facade")
        return facade if name == "_facade" else getattr(facade, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
