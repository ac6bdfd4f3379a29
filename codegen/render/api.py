"""One module per tag under `gmodstore_sdk/api/`: `<Tag>Api` and `Async<Tag>Api`."""

from __future__ import annotations

from codegen.ir import Api, Operation, Param, Project
from codegen.naming import pascal
from codegen.render import HEADER, doc
from codegen.render.types import Imports

__all__ = ["const_name", "render_api", "signature"]

TIMEOUT = "_request_timeout: RequestTimeout = NOT_GIVEN"
HEADER_HELP = {
    "X-Two-Factor-Nonce": " (a `token` from `TwoFactorApi.exchange_totp_for_nonce`; the "
    "sandbox requires it here).",
}
"""The docstring of a header parameter, after "sent as the `...` header"."""


def const_name(op: Operation) -> str:
    return "_" + op.name.upper()


def _param_type(p: Param, imports: Imports) -> str:
    if p.kind == "filter":
        assert p.filter_model is not None
        imports.add("collections.abc", "Mapping")
        imports.add("typing", "Any")
        return f"{p.filter_model} | Mapping[str, Any]"
    if p.kind == "array":
        imports.add("collections.abc", "Sequence")
        return "Sequence[str]"
    return {"integer": "int", "boolean": "bool"}.get(p.kind, "str")


def signature(op: Operation, imports: Imports, *, iterate: bool = False) -> list[str]:
    """The parameters after `self`: path, body, files, query; then `*`, options."""
    out = [f"{p.name}: str" for p in op.path_params]
    if op.body_model:
        imports.add("collections.abc", "Mapping")
        imports.add("typing", "Any")
        if op.body == "multipart":
            out.append(f"{op.body_param}: {op.body_model} | Mapping[str, Any]")
        else:
            out.append(f"{op.body_param}: {op.body_model} | Mapping[str, Any] | None = None")
    if op.body == "multipart":
        imports.add("gmodstore_sdk._uploads", "FileInput")
        for name in op.file_fields:
            out.append(
                f"{name}: FileInput" if name == "file" else f"{name}: FileInput | None = None"
            )
    for p in op.query_params:
        if iterate and p.wire == "cursor":
            continue
        kind = _param_type(p, imports)
        if p.required:
            out.append(f"{p.name}: {kind}")
        elif iterate and p.wire == "perPage":
            out.append(f"{p.name}: int = 100")
        else:
            out.append(f"{p.name}: {kind} | None = None")
    out.append("*")
    out += [f"{p.name}: str | None = None" for p in op.header_params]
    if op.body == "multipart":
        imports.add("gmodstore_sdk._uploads", "UploadProgress")
        out.append("progress: UploadProgress | None = None")
    out.append(TIMEOUT)
    return out


def _call_args(op: Operation, *, iterate: bool = False) -> str:
    names = [p.name for p in op.path_params]
    if op.body_model:
        names.append(op.body_param or "")
    if op.body == "multipart":
        names += list(op.file_fields)
    names += [p.name for p in op.query_params if not (iterate and p.wire == "cursor")]
    kw = [f"{p.name}={p.name}" for p in op.header_params]
    kw += ["progress=progress"] if op.body == "multipart" else []
    return ", ".join(names + kw + ["_request_timeout=_request_timeout"])


def _tuple(names: list[str]) -> str:
    if not names:
        return "()"
    return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"


def _ref(name: str, modules: dict[str, str]) -> str:
    """How a generated table names a model: `'module.Class'`, loaded on first use (`_build`)."""
    module = "_empty" if name == "NoContent" else modules[name]
    return repr(f"{module}.{name}")


def _endpoint(op: Operation, imports: Imports, modules: dict[str, str]) -> str:
    template = op.path.removeprefix("/v3")
    for p in op.path_params:
        template = template.replace("{" + p.wire + "}", "{}")
    model = op.response_model or "NoContent"
    _import_model(model, imports, modules)
    args = [repr(op.method), repr(template), _ref(model, modules), f"scope={op.scope!r}"]
    if op.path_params:
        args.append("path_names=" + _tuple([repr(p.name) for p in op.path_params]))
    query = []
    for p in op.query_params:
        if p.wire == "perPage":
            imports.add("gmodstore_sdk.api._build", "PerPage")
            lo = int(p.type.minimum if p.type.minimum is not None else 1)
            hi = int(p.type.maximum if p.type.maximum is not None else 100)
            query.append(f"PerPage({lo}, {hi})")
        elif p.wire == "cursor":
            imports.add("gmodstore_sdk.api._build", "CURSOR")
            query.append("CURSOR")
        elif p.kind == "filter":
            imports.add("gmodstore_sdk.api._build", "FilterParam")
            assert p.filter_model is not None
            _import_model(p.filter_model, imports, modules)
            query.append(f"FilterParam({_ref(p.filter_model, modules)})")
    if query:
        args.append("query=" + _tuple(query))
    if op.body_model and op.body == "json":
        _import_model(op.body_model, imports, modules)
        args.append(f"body={_ref(op.body_model, modules)}")
    if op.header_params:
        args.append("header_names=" + _tuple([repr(p.wire) for p in op.header_params]))
    return f"{const_name(op)}: Endpoint[{model}] = Endpoint({', '.join(args)})"


def _import_model(name: str, imports: Imports, modules: dict[str, str]) -> None:
    # For annotations only: the tables name their models (`_ref`), so none loads with the module.
    if name == "NoContent":
        imports.add_typing("gmodstore_sdk.model._empty", "NoContent")
    else:
        imports.add_typing(f"gmodstore_sdk.model.{modules[name]}", name)


def _docstring(op: Operation, indent: str) -> list[str]:
    scope = f"Needs scope `{op.scope}`." if op.scope else "Needs a token (no particular scope)."
    summary = op.summary if op.summary.endswith(".") else op.summary + "."
    args = []
    for p in op.path_params:
        args.append(f"{p.name}: the `{p.wire}` id.")
    if op.body_param:
        args.append(f"{op.body_param}: a `{op.body_model}`, or a dict of its fields.")
    for name in op.file_fields:
        when = "" if op.files_required else f' when `type` is "{name}"'
        args.append(f"{name}: the file{when}: a path, bytes or a binary file object (streamed).")
    for p in op.query_params:
        args.append(
            {
                "perPage": "per_page: items per page (1..100; the server's default is 24).",
                "cursor": "cursor: `cursors.next` (or `.prev`) of a previous page.",
                "filter": f"filter: a `{p.filter_model}`, or a dict of its fields.",
            }.get(p.wire, f"{p.name}: any number of ids (one request per 100).")
        )
    for p in op.header_params:
        args.append(
            f"{p.name}: sent as the `{p.wire}` header"
            + (HEADER_HELP.get(p.wire, "") if p.wire in HEADER_HELP else ".")
        )
    if op.body == "multipart":
        args.append("progress: called with (bytes sent, total bytes or None) as the upload goes.")
    args.append(
        "_request_timeout: this call's time limits: seconds, a `(connect, read)` tuple, a "
        "`Timeout` (`connect`, `read`, `attempt`, `total`), or None for none but the client's "
        "`deadline`; the client's timeouts when omitted."
    )
    return doc(indent, summary, scope, ["Args:"] + [f"    {a}" for a in args])


def _methods(
    op: Operation, imports: Imports, *, is_async: bool, api: Api, modules: dict[str, str]
) -> list[str]:
    i1, i2 = "    ", "        "
    d = "async def" if is_async else "def"
    aw = "await " if is_async else ""
    ret = op.response_model or "None"
    info_ret = f"ApiResponse[{op.response_model or 'NoContent'}]"
    sig = signature(op, imports)
    params = ",\n".join(f"{i2}{s}" for s in ["self", *sig])
    out = [f"{i1}{d} {op.name}(\n{params},\n{i1}) -> {ret}:"]
    if is_async:
        out += doc(i2, f"See `{api.class_name}.{op.name}`.")
    else:
        out += _docstring(op, i2)
    call = f"self.{op.name}_with_http_info({_call_args(op)})"
    if op.response_model is None:
        out.append(f"{i2}{aw}{call}")
    elif is_async:
        out.append(f"{i2}return (await {call}).data")
    else:
        out.append(f"{i2}return {call}.data")
    out.append("")
    out.append(f"{i1}{d} {op.name}_with_http_info(\n{params},\n{i1}) -> {info_ret}:")
    out.append(f'{i2}"""`{op.name}`, with the status code and headers."""')
    path_args = _tuple([p.name for p in op.path_params])
    query_args = _tuple([p.name for p in op.query_params])
    client = "self.api_client"
    if op.batch:
        imports.add("gmodstore_sdk.api._build", "Batch")
        assert not op.header_params, f"{op.operation_id}: header parameters on a batch"
        ids = next(p.name for p in op.query_params if p.kind == "array")
        out.append(
            f"{i2}batch = Batch({client}, {const_name(op)}, {path_args}, {ids}, _request_timeout)"
        )
        out.append(
            f"{i2}return batch.merge([{aw}{client}._request(op) for op in batch.operations])"
        )
    elif op.body == "multipart":
        assert not op.header_params, f"{op.operation_id}: header parameters on an upload"
        imports.add("gmodstore_sdk.api._build", "build_multipart")
        files = "{" + ", ".join(f"{f!r}: {f}" for f in op.file_fields) + "}"
        body = op.body_param or "None"
        model = _ref(op.body_model, modules) if op.body_model else "None"
        out.append(
            f"{i2}op = build_multipart({client}, {const_name(op)}, {path_args}, {model}, {body}, "
            f"{files}, progress, _request_timeout{'' if op.files_required else ', require_file=False'})"
        )
        out.append(f"{i2}return {aw}{client}._request(op)")
    else:
        imports.add("gmodstore_sdk.api._build", "build")
        body = op.body_param if op.body_model else "None"
        extra = f", body_name={op.body_param!r}" if op.body_model else ""
        if op.header_params:
            extra += ", header_args=" + _tuple([p.name for p in op.header_params])
        out.append(
            f"{i2}op = build({client}, {const_name(op)}, {path_args}, {query_args}, {body}, "
            f"_request_timeout{extra})"
        )
        out.append(f"{i2}return {aw}{client}._request(op)")
    out.append("")
    if op.iter_name:
        out += _iter(op, imports, is_async=is_async, api=api)
    return out


def _iter(op: Operation, imports: Imports, *, is_async: bool, api: Api) -> list[str]:
    i1, i2, i3 = "    ", "        ", "            "
    assert op.response_model is not None
    assert not op.header_params, f"{op.operation_id}: header parameters on a list"
    item = _page_item(op)
    sig = signature(op, imports, iterate=True)
    params = ",\n".join(f"{i2}{s}" for s in ["self", *sig])
    iterator = "AsyncIterator" if is_async else "Iterator"
    imports.add("collections.abc", iterator)
    imports.add("gmodstore_sdk.pagination", "aiter_pages" if is_async else "iter_pages")
    imports.add("gmodstore_sdk.api._build", "pages")
    out = [f"{i1}def {op.iter_name}(\n{params},\n{i1}) -> {iterator}[{item}]:"]
    if is_async:
        out += doc(i2, f"See `{api.class_name}.{op.iter_name}`: `async for`, no `await`.")
    else:
        out += doc(
            i2,
            f"Every item of `{op.name}`, following `cursors.next`, one page in memory at a time.",
            "Arguments are validated now; requests are sent as you iterate.",
        )
    path_args = _tuple([p.name for p in op.path_params])
    query_args = _tuple([("None" if p.wire == "cursor" else p.name) for p in op.query_params])
    out.append(
        f"{i2}page = pages(self.api_client, {const_name(op)}, {path_args}, {query_args}, "
        "_request_timeout)"
    )
    out.append("")
    if is_async:
        out.append(f"{i2}async def fetch(cursor: str | None) -> {op.response_model}:")
        out.append(f"{i3}return (await self.api_client._request(page(cursor))).data")
        out.append("")
        out.append(f"{i2}return aiter_pages(fetch)")
    else:
        out.append(f"{i2}def fetch(cursor: str | None) -> {op.response_model}:")
        out.append(f"{i3}return self.api_client._request(page(cursor)).data")
        out.append("")
        out.append(f"{i2}return iter_pages(fetch)")
    out.append("")
    return out


_PAGE_ITEMS: dict[str, str] = {}


def _page_item(op: Operation) -> str:
    return _PAGE_ITEMS[op.response_model or ""]


def render_api(api: Api, project: Project, mixin: bool) -> str:
    modules = {m.name: m.module for m in project.models}
    for m in project.models:
        if m.page_item:
            _PAGE_ITEMS[m.name] = m.page_item
    imports = Imports()
    imports.add("gmodstore_sdk._base", "ApiResponse")
    imports.add("gmodstore_sdk._types", "NOT_GIVEN")
    imports.add("gmodstore_sdk._types", "RequestTimeout")
    imports.add("gmodstore_sdk.api._build", "Endpoint")
    imports.add("gmodstore_sdk.api_client", "ApiClient")
    imports.add("gmodstore_sdk.api_client", "AsyncApiClient")
    consts = [_endpoint(op, imports, modules) for op in api.operations]
    for op in api.operations:
        if op.iter_name:
            item = _page_item(op)
            _import_model(item, imports, modules)
        if op.body_model:
            _import_model(op.body_model, imports, modules)
        for p in op.query_params:
            if p.filter_model:
                _import_model(p.filter_model, imports, modules)
    name = api.class_name
    bases = ("", "")
    if mixin:
        stem = pascal(api.tag)
        imports.add(f"gmodstore_sdk.api._extras.{api.mixin}", f"{stem}Extras")
        imports.add(f"gmodstore_sdk.api._extras.{api.mixin}", f"Async{stem}Extras")
        bases = (f"({stem}Extras)", f"(Async{stem}Extras)")
    sync: list[str] = []
    asyn: list[str] = []
    for op in api.operations:
        sync += _methods(op, imports, is_async=False, api=api, modules=modules)
        asyn += _methods(op, imports, is_async=True, api=api, modules=modules)
    first = api.operations[0]
    example_args = ", ".join(f"{p.name}_id" for p in first.path_params)
    text = [
        HEADER.rstrip("\n"),
        *doc(
            "",
            f'`{name}` and `Async{name}`: the "{api.tag}" operations of the API v3.',
            [
                f">>> from gmodstore_sdk.api import {api.module}",
                f">>> api = {api.module}.{name}(api_client)  # doctest: +SKIP",
                f">>> api.{first.name}({example_args})  # doctest: +SKIP",
            ],
            "Each method validates its arguments (`ApiTypeError` / `ApiValueError`, nothing sent), "
            "sends one request (plus retries) and returns the parsed model; `*_with_http_info` "
            "also returns the status code and headers. Every method takes `_request_timeout` "
            "(seconds, a `(connect, read)` tuple, a `Timeout`, or None for no limit but the "
            "client's `deadline`).",
        ),
        "",
        "from __future__ import annotations",
        "",
        *imports.lines(),
        f'__all__ = ["Async{name}", "{name}"]',
        "",
        *consts,
        "",
        "",
        f"class {name}{bases[0]}:",
        *doc(
            "    ",
            f'The "{api.tag}" operations, on an `ApiClient`.',
            [
                "Args:",
                "    api_client: the client to send through; a new `ApiClient()` (configured from "
                "the environment) when omitted.",
            ],
        ),
        "",
        "    def __init__(self, api_client: ApiClient | None = None) -> None:",
        "        self.api_client = api_client if api_client is not None else ApiClient()",
        "",
        *sync,
        "",
        f"class Async{name}{bases[1]}:",
        *doc(
            "    ",
            f'The "{api.tag}" operations, on an `AsyncApiClient`; the same methods as coroutines.',
            [
                "Args:",
                "    api_client: the async client to send through; a new `AsyncApiClient()` when "
                "omitted.",
            ],
        ),
        "",
        "    def __init__(self, api_client: AsyncApiClient | None = None) -> None:",
        "        self.api_client = api_client if api_client is not None else AsyncApiClient()",
        "",
        *asyn,
    ]
    return "\n".join(text).rstrip() + "\n"
