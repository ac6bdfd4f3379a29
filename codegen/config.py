"""Generator settings: the choices the spec does not make (naming rules: docs/api/README.md)."""

from __future__ import annotations

__all__ = [
    "HAND_WRITTEN_MODELS",
    "MIXINS",
    "RESERVED_FIELD_NAMES",
    "UNTAGGED_TAG",
]

UNTAGGED_TAG = "Two Factor"
"""Tag given to operations without one (the TOTP exchange): `two_factor_api.TwoFactorApi`."""

MIXINS = {
    "Product Versions": "product_versions",
    "Product Purchases": "product_purchases",
    "Users": "users",
    "Ticket Messages": "ticket_messages",
}
"""Tag -> module of `gmodstore_sdk/api/_extras/` with the hand-written `<Tag>Extras` and
`Async<Tag>Extras` mixins the tag's classes inherit. A mixin is used only once its module exists,
so the generated code never imports a module nobody has written yet."""

HAND_WRITTEN_MODELS = frozenset(
    {
        "Error",
        "ProductPurchase",
        "ProductPurchaseFilter",
        "NewProductPurchasePayload",
        "UpdateProductPurchasePayload",
        "CreateProductPurchaseResponse",
        "GetProductPurchaseResponse",
        "UpdateProductPurchaseResponse",
        "ListProductPurchasesResponse",
    }
)
"""The seed's model modules, kept as written (their documented surface is fixed): the generator
imports them but does not write them."""

SKIPPED_SCHEMAS = frozenset({"ConnectionPaginated"})
"""Component schemas with a hand-written counterpart (`model/_page.py`)."""

RESERVED_FIELD_NAMES = frozenset(
    {"copy", "dict", "json", "schema", "validate", "fields", "get", "to_dict", "construct"}
)
"""Attribute names a field cannot take (pydantic's or our `BaseModel`'s): they get a `_` suffix."""
