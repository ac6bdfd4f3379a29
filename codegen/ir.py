"""The intermediate model between the spec and the rendered files: plain, frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Api",
    "Event",
    "Field",
    "Model",
    "Operation",
    "Param",
    "Project",
    "TypeRef",
]

Kind = Literal[
    "string",
    "integer",
    "number",
    "boolean",
    "uuid",
    "datetime",
    "binary",
    "array",
    "object",
    "model",
    "enum",
    "any",
]


@dataclass(frozen=True)
class TypeRef:
    """A field's or parameter's type, with the constraints the request validation enforces."""

    kind: Kind
    nullable: bool = False
    model: str | None = None
    """Class name, for `model` (an object schema) and `enum` (a named enum component)."""
    items: TypeRef | None = None
    """For arrays."""
    enum: tuple[str, ...] = ()
    """Allowed values (inline enums, or the values of the named enum)."""
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    unique: bool = False
    default: object = None


@dataclass(frozen=True)
class Field:
    """One property of an object schema."""

    name: str
    """Python attribute name (snake_case)."""
    wire: str
    """JSON key."""
    type: TypeRef
    required: bool


@dataclass(frozen=True)
class Model:
    """One generated model class (component schema, titled inline schema or nested object)."""

    name: str
    module: str
    """Module (under `gmodstore_sdk.model`) that defines it."""
    role: Literal["response", "request", "filter", "enum", "page", "event"]
    fields: tuple[Field, ...] = ()
    enum: tuple[str, ...] = ()
    page_item: str | None = None
    """For `page` models: the item class of `data`."""
    source: str = ""
    """Where it comes from in the spec (for docs and messages)."""


@dataclass(frozen=True)
class Param:
    """A path, query or header parameter of an operation."""

    wire: str
    name: str
    location: Literal["path", "query", "header"]
    required: bool
    kind: str
    """`string`, `integer`, `filter`, `array` (the batch `ids[]`)..."""
    type: TypeRef
    filter_model: str | None = None
    sdk_only: bool = False
    """Added by a `D` patch (`codegen/spec.py`): the documented SDK has it, the spec does not."""


@dataclass(frozen=True)
class Operation:
    operation_id: str
    name: str
    tag: str
    method: str
    path: str
    """The spec's path (`/v3/...`)."""
    summary: str
    scope: str | None
    params: tuple[Param, ...]
    body: Literal["json", "multipart"] | None
    body_model: str | None
    body_param: str | None
    file_fields: tuple[str, ...]
    """Multipart file fields (wire names) of an upload."""
    response_model: str | None
    """None for a 204 answer."""
    status: int
    """The success status the spec lists (200, 201 or 204)."""
    errors: tuple[int, ...]
    """Error statuses every caller should expect (the listed ones plus 401, 403, 404, 429)."""
    iter_name: str | None
    batch: bool
    files_required: bool = True
    """An upload whose schema requires a file part; False when the payload decides (a YouTube
    medium has none): the file its `type` names is then checked instead."""
    mixin: str | None = None

    @property
    def path_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.location == "path")

    @property
    def query_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.location == "query")

    @property
    def header_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.location == "header")


@dataclass(frozen=True)
class Api:
    tag: str
    class_name: str
    module: str
    facade_attr: str
    operations: tuple[Operation, ...]
    mixin: str | None = None
    """Hand-written mixin module under `gmodstore_sdk.api._extras` (class `<Name>Extras`)."""


@dataclass(frozen=True)
class Event:
    event_type: str
    name: str
    """Spec name (`ProductPurchaseCreated`); the class is `<name>Event`."""
    data_model: str | None


@dataclass(frozen=True)
class Project:
    version: str
    sha256: str
    apis: tuple[Api, ...]
    models: tuple[Model, ...]
    events: tuple[Event, ...]
    scopes: tuple[str, ...]
    operations: tuple[Operation, ...] = field(default=())
    """All operations, in spec order."""

    def model(self, name: str) -> Model:
        for model in self.models:
            if model.name == name:
                return model
        raise KeyError(name)
