"""Field validators shared by the request models."""

from __future__ import annotations

import re

__all__ = ["check_uuid", "is_uuid"]

# Only the canonical 8-4-4-4-12 hex spelling: `uuid.UUID()` also takes braces, `urn:uuid:`, no
# dashes, `+` signs and surrounding whitespace, none of which the API accepts as an id.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(value: str) -> bool:
    """True for a UUID in its canonical spelling (either case).

    >>> uid = "6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51"
    >>> is_uuid(uid), is_uuid("{" + uid + "}"), is_uuid(uid + "\\n"), is_uuid(uid.replace("-", ""))
    (True, False, False, False)
    """
    return _UUID.fullmatch(value) is not None


def check_uuid(value: str) -> str:
    """Return `value` if it is a canonical UUID, else raise `ValueError` (pydantic reports it)."""
    if not is_uuid(value):
        raise ValueError(f"{value!r} is not a UUID")
    return value
