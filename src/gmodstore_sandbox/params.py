"""Strict query-string parsing shared by every list route (no fastapi here).

The query is part of the contract: a parameter given twice, a ``filter`` that is not
``filter[name]``, an unknown filter or an empty filter value is a 400 naming the parameter, never
silently dropped or "last one wins".

    >>> query = unique_query([("perPage", "5"), ("filter[revoked]", "true")])
    >>> filters(query, known={"revoked", "userId"})
    {'revoked': 'true'}
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping

from .exceptions import InvalidInput

__all__ = [
    "MAX_FILTER_VALUES",
    "filters",
    "parse_bool_list",
    "parse_per_page",
    "parse_uuid",
    "parse_uuid_list",
    "unique_query",
]

MAX_FILTER_VALUES = 100
_FILTER_KEY = re.compile(r"filter\[([A-Za-z][A-Za-z0-9_]{0,63})\]")
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def _name(key: str) -> str:
    """A query key as it is named in ``errors`` (``filter[userId]`` -> ``filter.userId``)."""
    match = _FILTER_KEY.fullmatch(key)
    return f"filter.{match.group(1)}" if match else key[:100]


def unique_query(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The query as a dict; raises `InvalidInput` naming every parameter given more than once."""
    query: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}
    for key, value in items:
        if key in query:
            repeated[_name(key)] = [f"The {_name(key)} parameter may be given only once."]
        query[key] = value
    if repeated:
        raise InvalidInput(repeated)
    return query


def filters(query: Mapping[str, str], *, known: Iterable[str]) -> dict[str, str]:
    """The ``filter[name]`` values of `query` (by name); raises `InvalidInput`.

    Refused: ``filter`` or ``filter...`` keys not of the form ``filter[name]``, names not in
    `known`, and empty values (an empty filter would silently match everything).
    """
    allowed = set(known)
    found: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for key, value in query.items():
        if not key.startswith("filter"):
            continue
        match = _FILTER_KEY.fullmatch(key)
        if match is None:
            errors[key[:100]] = ["Filters are written filter[name]=value."]
        elif match.group(1) not in allowed:
            errors[_name(key)] = ["Unknown filter."]
        elif not value.strip(" ,"):
            errors[_name(key)] = [f"The {_name(key)} filter needs a value."]
        else:
            found[match.group(1)] = value
    if errors:
        raise InvalidInput(errors)
    return found


def parse_uuid(value: str) -> uuid.UUID | None:
    """The UUID spelled by `value`, or None.

    Only the canonical 8-4-4-4-12 spelling (JSON Schema's ``uuid`` format) is accepted: Python's
    `uuid.UUID` would also take ``{...}``, ``urn:uuid:...`` and undashed hex, which would give one
    resource several URLs.
    """
    if _CANONICAL_UUID.fullmatch(value) is None:
        return None
    return uuid.UUID(value)


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_uuid_list(field: str, value: str) -> tuple[uuid.UUID, ...]:
    """Comma-separated canonical UUIDs (at most `MAX_FILTER_VALUES`); raises `InvalidInput`."""
    items = _split(value)
    if len(items) > MAX_FILTER_VALUES:
        raise InvalidInput(
            {field: [f"The {field} filter accepts at most {MAX_FILTER_VALUES} values."]}
        )
    parsed = [parse_uuid(item) for item in items]
    if not parsed or any(p is None for p in parsed):
        raise InvalidInput({field: [f"Each {field} value must be a valid UUID."]})
    return tuple(p for p in parsed if p is not None)


def parse_bool_list(field: str, value: str) -> bool | None:
    """Comma-separated booleans; None when both values are given (no filter)."""
    seen: set[bool] = set()
    for item in _split(value):
        flag = {"true": True, "1": True, "false": False, "0": False}.get(item.lower())
        if flag is None:
            raise InvalidInput({field: [f"Each {field} value must be true or false."]})
        seen.add(flag)
    return seen.pop() if len(seen) == 1 else None


def parse_per_page(value: str | None, *, default: int, maximum: int) -> int:
    """``perPage``: absent or empty means `default`; otherwise an integer in 1..`maximum`."""
    if value is None or value == "":
        return default
    if not (value.isascii() and value.isdigit() and len(value) <= 10):
        raise InvalidInput({"perPage": ["The per page field must be an integer."]})
    per_page = int(value)
    if not 1 <= per_page <= maximum:
        raise InvalidInput({"perPage": [f"The per page field must be between 1 and {maximum}."]})
    return per_page
