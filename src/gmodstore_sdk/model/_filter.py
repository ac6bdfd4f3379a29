"""`FilterModel`: the base of the generated `filter` query parameter models (hand-written).

A filter field takes one value or a list of values (any of them). It is sent as
`filter[field]=a,b`: booleans lowercase, values percent-encoded, lists comma-separated. Unknown
filter names are refused (`ApiValueError`), as are empty lists.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import model_validator

from gmodstore_sdk._models import RequestModel
from gmodstore_sdk.exceptions import ApiValueError

__all__ = ["FilterModel", "filter_query"]


class FilterModel(RequestModel):
    """Narrow a list. Build one with keyword arguments (`UserFilter(steam_id=[...])`) or a dict."""

    @model_validator(mode="after")
    def _no_empty_list(self) -> FilterModel:
        for name in self.model_fields_set:
            if getattr(self, name) == []:
                raise ValueError(f"`{name}`: give at least one value, or leave it unset")
        return self

    def to_query(self) -> str:
        """The filter as a query string fragment (no leading `?`); empty if no field is set.

        >>> from gmodstore_sdk.model.user_filter import UserFilter
        >>> UserFilter(steam_id=[76561197960287930, 76561197960287931]).to_query()
        'filter[steamId]=76561197960287930,76561197960287931'
        """
        parts = []
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            if value is None:
                continue
            values = value if isinstance(value, list) else [value]
            parts.append(f"filter[{info.alias or name}]=" + ",".join(_text(v) for v in values))
        return "&".join(parts)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        return quote(str(value), safe="")
    except UnicodeEncodeError:  # a lone surrogate: say so, as every other bad argument
        raise ApiValueError(f"`filter` value is not valid text: {value!r}") from None


def filter_query(model: type[FilterModel], value: object) -> str | None:
    """`value` (a `model` or a mapping) as a query fragment; None when nothing is set."""
    if value is None:
        return None
    return model.coerce(value, "filter").to_query() or None
