"""The project-wide pydantic base models: snake_case attributes, camelCase JSON.

>>> from gmodstore_sdk.model.product_purchase import ProductPurchase
>>> p = ProductPurchase.model_validate_json(
...     '{"id": "1", "userId": "2", "productId": "3", "revoked": false,'
...     ' "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z"}'
... )
>>> p.user_id, p["userId"]
('2', '2')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic
from pydantic import ConfigDict
from pydantic.alias_generators import to_camel

from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError

__all__ = ["BaseModel", "RequestModel", "input_error"]

_MISSING: Any = object()


class BaseModel(pydantic.BaseModel):
    """Base of every response model: accepts `user_id=` and `"userId"`, dumps `"userId"`.

    Unknown fields are kept (`extra="allow"`) so that new API fields never break an old SDK.
    Item access by JSON or attribute name (`resp["data"]`, `p["userId"]`) keeps code written for
    the documented SDK's untyped results working.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="allow",
        # Validators are built on first use, not at import: importing the SDK stays cheap (about
        # 25 ms less here), and the one-time cost moves to the first request.
        defer_build=True,
    )

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        """Return the field named `key` (JSON or attribute name), or `default`.

        >>> from gmodstore_sdk.model.error import Error
        >>> Error(message="boom").get("message"), Error(message="boom").get("nope", 1)
        ('boom', 1)
        """
        fields = type(self).model_fields
        if key in fields:
            return getattr(self, key)
        for name, info in fields.items():
            if info.alias == key:
                return getattr(self, name)
        extra = self.__pydantic_extra__
        if extra is not None and key in extra:
            return extra[key]
        return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    def to_dict(self) -> dict[str, Any]:
        """The JSON-shaped dict (camelCase keys, ISO datetimes), as the API sends it."""
        return self.model_dump(mode="json")


class RequestModel(BaseModel):
    """Base of request payloads and filters: strict types, no unknown fields.

    Invalid input raises `ApiTypeError` (wrong type) or `ApiValueError` (bad value), naming the
    field, so that nothing is sent.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise input_error(exc, type(self).__name__) from None

    @classmethod
    def coerce(cls, value: Any, argument: str) -> Any:
        """Return `value` as an instance of `cls`: instances pass, dicts are validated.

        Raises:
            ApiTypeError: `value` is neither an instance nor a mapping, or a field has the wrong
                type.
            ApiValueError: a field has a bad value.
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
            return cls(**value)
        raise ApiTypeError(
            f"`{argument}` must be a {cls.__name__} or a mapping with str keys, "
            f"not {type(value).__name__}"
        )


# pydantic error types that mean "wrong type" rather than "bad value".
_TYPE_ERRORS = frozenset(
    {
        "string_type",
        "bool_type",
        "int_type",
        "list_type",
        "dict_type",
        "model_type",
        "is_instance_of",
        "filter_type",
    }
)


def input_error(exc: pydantic.ValidationError, what: str) -> ApiValueError | ApiTypeError:
    """Turn a pydantic error on user input into `ApiTypeError` / `ApiValueError`."""
    details = exc.errors(include_url=False, include_input=False)
    lines = []
    for err in details:
        loc = ".".join(str(part) for part in err["loc"] if not isinstance(part, int))
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{loc or '(root)'}: {msg}")
    message = f"invalid {what}: " + "; ".join(lines)
    if any(err["type"] in _TYPE_ERRORS for err in details):
        return ApiTypeError(message)
    return ApiValueError(message)
