"""`ProductPurchaseFilter`: the `filter` query parameter of the list and get endpoints."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import field_validator
from pydantic_core import PydanticCustomError

from gmodstore_sdk._models import RequestModel
from gmodstore_sdk.model._validators import check_uuid

__all__ = ["ProductPurchaseFilter"]

_SEQUENCES = (list, tuple, set, frozenset)


class ProductPurchaseFilter(RequestModel):
    """Narrow the purchases returned. Each field takes one value or a list of values (any of them).

    Sent as `filter[revoked]=false&filter[userId]=a,b` (booleans lowercase, lists comma-separated);
    after validation every set field is a list.

    >>> f = ProductPurchaseFilter(revoked=False, user_id=["6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51"])
    >>> f.revoked
    [False]
    >>> f.to_query()
    'filter[revoked]=false&filter[userId]=6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51'

    Raises:
        ApiTypeError: a value has the wrong type (e.g. `revoked="no"`).
        ApiValueError: an id is not a UUID, or a list is empty.
    """

    revoked: bool | list[bool] | None = None
    """Only revoked (True) or only active (False) purchases."""
    user_id: str | list[str] | None = None
    """Only purchases of these users (UUIDs)."""
    product_id: str | list[str] | None = None
    """Only purchases of these products (UUIDs)."""

    @field_validator("revoked", mode="before")
    @classmethod
    def _revoked_list(cls, value: Any) -> list[bool] | None:
        return _as_list(value, bool, "a boolean")

    @field_validator("user_id", "product_id", mode="before")
    @classmethod
    def _id_list(cls, value: Any) -> list[str] | None:
        values = _as_list(value, str, "a string")
        return None if values is None else [check_uuid(v) for v in values]

    def to_query(self) -> str:
        """The filter as a query string fragment (no leading `?`); empty if no field is set."""
        parts = []
        for name, key in (
            ("revoked", "revoked"),
            ("user_id", "userId"),
            ("product_id", "productId"),
        ):
            values = getattr(self, name)
            if values is None:
                continue
            text = ",".join(
                ("true" if v else "false") if isinstance(v, bool) else quote(v, safe="")
                for v in values
            )
            parts.append(f"filter[{key}]={text}")
        return "&".join(parts)


def _as_list(value: Any, item_type: type, described: str) -> list[Any] | None:
    if value is None:
        return None
    items = list(value) if isinstance(value, _SEQUENCES) else [value]
    if not items:
        raise PydanticCustomError("empty_filter", "give at least one value, or leave it unset")
    for item in items:
        # bool is an int subclass, and str is iterable: check the exact kind we want.
        if not isinstance(item, item_type) or (item_type is not bool and isinstance(item, bool)):
            raise PydanticCustomError(
                "filter_type",
                "expected {described} or a list of them, got {got}",
                {"described": described, "got": type(item).__name__},
            )
    return items
