"""Product versions, media, coupons and reviews, with the sandbox's own file storage.

Layers as for purchases: `routes` (HTTP) -> `versions`, `media`, `coupons` (the rules, on
`service.Core`) -> `storage` (SQL) and `files` (the file store). `wiring` connects the area to an
app. Nothing heavy is imported here, so `cli` stays cheap for the ``gmodstore sandbox`` command.
"""

CONTENT_SCOPES = (
    "product-versions:read",
    "product-versions:write",
    "product-versions:download",
    "product-media:read",
    "product-media:write",
    "product-coupons:read",
    "product-coupons:write",
    "product-reviews:read",
)
"""The token scopes of this area's operations."""
