"""`ProductPurchase`: one user's purchase of one product."""

from __future__ import annotations

from pydantic import AwareDatetime

from gmodstore_sdk._models import BaseModel

__all__ = ["ProductPurchase"]


class ProductPurchase(BaseModel):
    """A purchase of a product by a user, as returned by every product purchase endpoint.

    >>> p = ProductPurchase.model_validate(
    ...     {"id": "9b1c", "userId": "u1", "productId": "p1", "revoked": False,
    ...      "createdAt": "2024-05-01T12:00:00Z", "updatedAt": "2024-05-01T12:00:00Z"}
    ... )
    >>> p.revoked, p.created_at.tzinfo is not None
    (False, True)
    """

    id: str
    """The purchase id (a UUID)."""
    user_id: str
    """The purchasing user's id (a UUID)."""
    product_id: str
    """The purchased product's id (a UUID)."""
    revoked: bool
    """True when the purchase was revoked: the user no longer owns the product."""
    created_at: AwareDatetime
    """When the purchase was created (timezone-aware)."""
    updated_at: AwareDatetime
    """When the purchase last changed (timezone-aware)."""
