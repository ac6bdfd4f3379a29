"""Field validators shared by the request models."""

from __future__ import annotations

from uuid import UUID

__all__ = ["check_uuid"]


def check_uuid(value: str) -> str:
    """Return `value` unchanged if it is a UUID, else raise `ValueError` (pydantic reports it)."""
    try:
        UUID(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a UUID") from None
    return value
