"""`ProductPurchase`: one user's purchase of one product."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from pydantic import AfterValidator

from gmodstore_sdk._models import BaseModel

__all__ = ["ProductPurchase", "UtcDatetime"]


def _assume_utc(value: datetime) -> datetime:
    # The API speaks UTC. A timestamp sent without an offset is read as UTC rather than failing
    # the whole response, and callers never receive a naive datetime to compare with aware ones.
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


UtcDatetime = Annotated[datetime, AfterValidator(_assume_utc)]
"""A timezone-aware `datetime`; a value sent without an offset is taken as UTC."""


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
    created_at: UtcDatetime
    """When the purchase was created (timezone-aware; UTC if the server sent no offset)."""
    updated_at: UtcDatetime
    """When the purchase last changed (timezone-aware; UTC if the server sent no offset)."""
