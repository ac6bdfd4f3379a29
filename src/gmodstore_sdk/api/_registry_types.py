"""The two record types of the generated operation registry (`api/_registry.py`), hand-written.

The registry lists every operation of the API v3 with what a generic caller (the `gmodstore api`
command) needs: where the method lives, how each parameter is sent, the scope, the summary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["OperationInfo", "ParamInfo", "find_in"]


@dataclass(frozen=True, slots=True)
class ParamInfo:
    """A path, query or header parameter of an operation."""

    name: str
    """Wire name: `perPage`, `cursor`, `filter`, `ids[]`, `product`..."""
    python_name: str
    """Argument name of the generated method: `per_page`, `ids`, `product`..."""
    location: Literal["path", "query", "header"]
    required: bool
    kind: str
    """`string`, `integer`, `boolean`, `uuid`, `filter`, `array`..."""


@dataclass(frozen=True, slots=True)
class OperationInfo:
    """One operation: `gs.<facade_attr>.<name>(...)`, or `<module>.<api_class>(client).<name>`."""

    operation_id: str
    name: str
    tag: str
    module: str
    api_class: str
    """The sync class; the async twin is `"Async" + api_class`."""
    facade_attr: str
    http_method: str
    path: str
    """The spec's path, e.g. `/v3/users/{user}/purchases`."""
    scope: str | None
    summary: str
    params: tuple[ParamInfo, ...]
    body: Literal["json", "multipart"] | None
    body_param: str | None
    """Python name of the body argument, e.g. `new_product_coupon_payload`."""
    iter_name: str | None
    """`iter_*` twin of a cursor-paginated list."""


def find_in(operations: Iterable[OperationInfo], name: str) -> OperationInfo:
    """The operation whose operationId or method name is `name`; KeyError otherwise."""
    for op in operations:
        if name in (op.operation_id, op.name):
            return op
    raise KeyError(f"no operation named {name!r}")
