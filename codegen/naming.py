"""Name conversions, one function per rule (the rules are listed in docs/api/README.md)."""

from __future__ import annotations

import keyword
import re

__all__ = ["camel_words", "pascal", "snake"]

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """snake_case: `listUserPurchases` -> `list_user_purchases`, `ids[]` -> `ids`.

    >>> snake("getProductDownloadUrl"), snake("ids[]"), snake("personal_access_token")
    ('get_product_download_url', 'ids', 'personal_access_token')
    """
    name = name.replace("[]", "")
    name = re.sub(r"[^A-Za-z0-9]+", "_", name)
    result = _BOUNDARY.sub("_", name).lower().strip("_")
    return result + "_" if keyword.iskeyword(result) else result


def pascal(name: str) -> str:
    """`User Product Purchases` -> `UserProductPurchases`; `badge_id` -> `BadgeId`."""
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", name) if w)


def camel_words(name: str) -> str:
    """`release_type` -> `releaseType` (what the models' alias generator makes of a snake name)."""
    first, *rest = name.split("_")
    return first + "".join(w[:1].upper() + w[1:] for w in rest)
