"""`NewProductPurchasePayload`: the body of `create_product_purchase`."""

from __future__ import annotations

from pydantic import field_validator

from gmodstore_sdk._models import RequestModel
from gmodstore_sdk.model._validators import check_uuid

__all__ = ["NewProductPurchasePayload"]


class NewProductPurchasePayload(RequestModel):
    """Grant a product to a user.

    >>> NewProductPurchasePayload(user_id="6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51").model_dump_json()
    '{"userId":"6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51"}'

    Raises:
        ApiValueError: `user_id` is not a UUID.
        ApiTypeError: `user_id` is not a string.
    """

    user_id: str
    """The id (a UUID) of the user who receives the product."""

    _check_user_id = field_validator("user_id")(check_uuid)
