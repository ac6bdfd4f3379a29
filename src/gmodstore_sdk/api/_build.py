"""Build the `Operation` of a generated API method from its static `Endpoint` (hand-written).

Generated API classes hold one `Endpoint` per operation (method, path template, answer model,
scope, query parameters, body model: the per-operation validation table) and call `build(...)`
with the caller's arguments. Everything is validated here before anything is sent: bad input
raises `ApiTypeError` / `ApiValueError`. Pagination (`pages`) and batches (`Batch`) are built on
the same function, so the sync and async classes only differ in `await`.

Models are named, not imported, by the generated tables (`"get_user_response.GetUserResponse"`,
under `gmodstore_sdk.model`) and loaded on the first call that needs them: importing an API
module costs no model classes, so `import gmodstore_sdk` stays cheap however many APIs it has.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic

from gmodstore_sdk._base import ApiResponse, BaseApiClient, M, Operation
from gmodstore_sdk._models import RequestModel
from gmodstore_sdk._types import RequestTimeout
from gmodstore_sdk.api._extras.recoveries import RECOVERIES
from gmodstore_sdk.api._operations import encode, segment, timeout
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError
from gmodstore_sdk.model._filter import FilterModel
from gmodstore_sdk.model._validators import is_uuid

if TYPE_CHECKING:  # uploads load their module when one is sent: importing an API stays cheap
    from gmodstore_sdk._uploads import FileInput, UploadProgress

__all__ = [
    "CURSOR",
    "Batch",
    "Endpoint",
    "FilterParam",
    "PerPage",
    "QueryParam",
    "build",
    "build_multipart",
    "pages",
]

BATCH_LIMIT = 100
"""Most ids one batch request may carry."""


def model_class(ref: Any) -> Any:
    """The class `ref` names (`"module.Class"` under `gmodstore_sdk.model`), or `ref` itself.

    >>> model_class("error.Error").__name__
    'Error'
    """
    if not isinstance(ref, str):
        return ref
    module, _, name = ref.rpartition(".")
    return getattr(importlib.import_module(f"gmodstore_sdk.model.{module}"), name)


class QueryParam:
    """A query parameter: `encode(value)` validates it and returns `name=value` (or None)."""

    __slots__ = ("name", "wire")

    def __init__(self, wire: str, name: str) -> None:
        self.wire = wire
        self.name = name

    def encode(self, value: object) -> str | None:
        """`wire=value`, percent-encoded; None when the value sends nothing."""
        raise NotImplementedError


class PerPage(QueryParam):
    """`perPage`: an int within the spec's bounds."""

    __slots__ = ("maximum", "minimum")

    def __init__(self, minimum: int = 1, maximum: int = 100) -> None:
        super().__init__("perPage", "per_page")
        self.minimum = minimum
        self.maximum = maximum

    def encode(self, value: object) -> str:
        """`perPage=N`; ApiTypeError / ApiValueError when not an int within the bounds."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApiTypeError(f"`per_page` must be an int, not {type(value).__name__}")
        if not self.minimum <= value <= self.maximum:
            raise ApiValueError(
                f"`per_page` must be between {self.minimum} and {self.maximum}, got {value}"
            )
        return f"perPage={value}"


class _Cursor(QueryParam):
    __slots__ = ()

    def encode(self, value: object) -> str:
        if not isinstance(value, str):
            raise ApiTypeError(f"`cursor` must be a str, not {type(value).__name__}")
        if not value:
            raise ApiValueError("`cursor` must be a non-empty string (or None for the first page)")
        return "cursor=" + encode(value, "cursor")


CURSOR = _Cursor("cursor", "cursor")


class FilterParam(QueryParam):
    """`filter`: a filter model instance or a mapping of its fields, sent as `filter[x]=...`."""

    __slots__ = ("_model",)

    def __init__(self, model: type[FilterModel] | str) -> None:
        super().__init__("filter", "filter")
        self._model: Any = model

    @property
    def model(self) -> type[FilterModel]:
        """The filter model (loaded on first use when named by a string)."""
        if isinstance(self._model, str):
            self._model = model_class(self._model)
        return self._model  # type: ignore[no-any-return]

    def encode(self, value: object) -> str | None:
        """`filter[a]=x&filter[b]=y,z` (None when no field is set)."""
        return self.model.coerce(value, "filter").to_query() or None


class Endpoint(Generic[M]):
    """The static description of one operation, built once at import of its API module."""

    __slots__ = (
        "_body",
        "_model",
        "cursor_index",
        "header_names",
        "method",
        "path_names",
        "query",
        "scope",
        "template",
    )

    def __init__(
        self,
        method: str,
        template: str,
        model: type[M] | str,
        *,
        scope: str | None,
        path_names: tuple[str, ...] = (),
        query: tuple[QueryParam, ...] = (),
        body: type[RequestModel] | str | None = None,
        header_names: tuple[str, ...] = (),
    ) -> None:
        self.method = method
        self.template = template
        """The path under the API root with `{}` for each path parameter: `/users/{}/badges`."""
        self._model: Any = model
        self.scope = scope
        self.path_names = path_names
        self.query = query
        self._body: Any = body
        self.header_names = header_names
        """Header parameters (e.g. `X-Two-Factor-Nonce`), sent only when given."""
        self.cursor_index = next((i for i, q in enumerate(query) if q is CURSOR), -1)

    @property
    def model(self) -> type[M]:
        """The answer's model (loaded on first use when named by a string)."""
        if isinstance(self._model, str):
            self._model = model_class(self._model)
        return self._model  # type: ignore[no-any-return]

    @property
    def body(self) -> type[RequestModel] | None:
        """The JSON body's model, or None (loaded on first use when named by a string)."""
        if isinstance(self._body, str):
            self._body = model_class(self._body)
        return self._body  # type: ignore[no-any-return]


def build(
    client: BaseApiClient,
    endpoint: Endpoint[M],
    path_args: tuple[object, ...],
    query_args: tuple[object, ...],
    body: object,
    request_timeout: RequestTimeout,
    *,
    body_name: str = "body",
    header_args: tuple[object, ...] = (),
) -> Operation[M]:
    """Validate the arguments of one call of `endpoint` and return its `Operation`."""
    names = endpoint.path_names
    path = client.base_path + (
        endpoint.template.format(*[segment(v, names[i]) for i, v in enumerate(path_args)])
        if names
        else endpoint.template
    )
    query = None
    if query_args:
        parts = []
        for param, value in zip(endpoint.query, query_args, strict=True):
            if value is not None:
                part = param.encode(value)
                if part:
                    parts.append(part)
        query = "&".join(parts) or None
    content = None
    headers = client.get_headers
    recovery = None
    body_model = endpoint.body
    if body_model is not None:
        content = b"{}"
        if body is not None:
            payload = body_model.coerce(body, body_name)
            content = payload.model_dump_json(exclude_unset=True).encode()
            recover = RECOVERIES.get(endpoint.template) if endpoint.method == "POST" else None
            if recover is not None:  # a create with a natural lookup (api/_extras/recoveries.py)
                recovery = recover(client, path_args, payload, request_timeout)
        headers = client.json_headers
    if header_args:
        extra = _header_values(endpoint.header_names, header_args)
        if extra:
            headers = {**(headers or {}), **extra}
    return Operation(
        endpoint.method,
        path,
        client.make_url(path, query),
        endpoint.model,
        scope=endpoint.scope or "",
        content=content,
        headers=headers,
        timeout=timeout(request_timeout),
        recovery=recovery,
        resources=names,
    )


def _header_values(names: tuple[str, ...], values: tuple[object, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in zip(names, values, strict=True):
        if value is None:
            continue
        if not isinstance(value, str):
            raise ApiTypeError(f"the `{name}` header must be a str, not {type(value).__name__}")
        if not value or any(c in value for c in "\r\n\0"):
            raise ApiValueError(f"the `{name}` header must be a non-empty single-line string")
        found[name] = value
    return found


def pages(
    client: BaseApiClient,
    endpoint: Endpoint[M],
    path_args: tuple[object, ...],
    query_args: tuple[object, ...],
    request_timeout: RequestTimeout,
) -> Callable[[str | None], Operation[M]]:
    """For `iter_*`: validate the arguments now, return `cursor -> page call`.

    `query_args` holds None in the cursor's slot. Validating up front makes bad input fail where
    the iterator is created, not at the first `next()`, which may run far from the call.
    """
    first = build(client, endpoint, path_args, query_args, None, request_timeout)
    index = endpoint.cursor_index

    def page(cursor: str | None) -> Operation[M]:
        if cursor is None:
            return first
        args = query_args[:index] + (cursor,) + query_args[index + 1 :]
        return build(client, endpoint, path_args, args, None, request_timeout)

    return page


class Batch(Generic[M]):
    """A batch call (`ids[]`) for any number of ids: one request per 100 distinct ids.

    `merge` puts the answers back together: every item once, in the order the ids were asked.
    """

    __slots__ = ("ids", "operations")

    def __init__(
        self,
        client: BaseApiClient,
        endpoint: Endpoint[M],
        path_args: tuple[object, ...],
        ids: object,
        request_timeout: RequestTimeout,
    ) -> None:
        self.ids = _batch_ids(ids)
        self.operations = []
        for start in range(0, len(self.ids), BATCH_LIMIT):
            chunk = self.ids[start : start + BATCH_LIMIT]
            op = build(client, endpoint, path_args, (), None, request_timeout)
            query = "&".join("ids[]=" + i for i in chunk)
            op.url = client.make_url(op.path, query)
            self.operations.append(op)

    def merge(self, answers: Sequence[ApiResponse[M]]) -> ApiResponse[M]:
        """One answer with the items of all, ordered as asked (status and headers of the last)."""
        found: dict[str, Any] = {}
        for answer in answers:
            for item in answer.data.data:  # type: ignore[attr-defined]
                found.setdefault(str(item.id).lower(), item)
        ordered = [found.pop(i) for i in self.ids if i in found]
        ordered += found.values()  # ids the server spelled differently: kept, at the end
        last = answers[-1]
        data = last.data.model_copy(update={"data": ordered})
        return ApiResponse(last.status_code, last.headers, data)


def _batch_ids(ids: object) -> list[str]:
    if isinstance(ids, (str, bytes)) or not isinstance(ids, (Sequence, set, frozenset)):
        raise ApiTypeError(f"`ids` must be a list of ids, not {type(ids).__name__}")
    seen: dict[str, None] = {}
    for value in ids:
        if isinstance(value, uuid.UUID):
            value = str(value)
        if not isinstance(value, str):
            raise ApiTypeError(f"`ids` must hold str ids, not {type(value).__name__}")
        if not is_uuid(value):
            raise ApiValueError(f"`ids` must hold UUIDs (8-4-4-4-12 hex digits), got {value!r}")
        seen.setdefault(value.lower(), None)
    if not seen:
        raise ApiValueError("`ids` must hold at least one id")
    return list(seen)


def build_multipart(
    client: BaseApiClient,
    endpoint: Endpoint[M],
    path_args: tuple[object, ...],
    payload_ref: type[RequestModel] | str | None,
    payload: object,
    files: Mapping[str, FileInput | None],
    progress: UploadProgress | None,
    request_timeout: RequestTimeout,
    *,
    require_file: bool = True,
) -> Operation[M]:
    """An upload: the payload's fields as form fields, each given file as a file part.

    The file is streamed from disk when sent (`MultipartBody`), so memory stays flat. With
    `require_file=False` (the spec requires no file part: `createProductMedium`) the payload's
    `type` decides: a `type` naming a file part needs that file, one naming a payload field (a
    `youtube` medium's `youtube` link) needs that field.
    """
    op = build(client, endpoint, path_args, (), None, request_timeout)
    fields: dict[str, str] = {}
    payload_model = model_class(payload_ref)
    model = None
    if payload_model is not None:
        model = payload_model.coerce(payload, _snake(payload_model.__name__))
        for key, value in model.model_dump(mode="json", exclude_unset=True).items():
            if value is not None:
                fields[key] = _form_value(value)
    given = {name: value for name, value in files.items() if value is not None}
    if require_file:
        if not given:
            raise ApiValueError(f"give the file to upload ({' or '.join(files)})")
    else:
        _check_parts_for_type(model, files, given)
    from gmodstore_sdk._uploads import MultipartBody

    op.content = MultipartBody(fields, given, progress=progress)
    return op


def _check_parts_for_type(
    model: RequestModel | None, files: Mapping[str, object], given: Mapping[str, object]
) -> None:
    """The file part or payload field that a payload's `type` names is given.

    Other parts stay allowed, as the spec allows them (the server ignores them).
    """
    kind = getattr(model, "type", None)
    if not isinstance(kind, str):
        if not given:
            raise ApiValueError(f"give the file to upload ({' or '.join(files)})")
    elif kind in files:
        if kind not in given:
            raise ApiValueError(f"type={kind!r} needs the `{kind}` file")
    elif model is not None and kind in type(model).model_fields and getattr(model, kind) is None:
        raise ApiValueError(f"type={kind!r} needs the `{kind}` field of the payload")


def _form_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
