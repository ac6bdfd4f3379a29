"""Reference pages: `docs/api/<Tag>Api.md` per API (the seed doc's layout) and one per model.

Each API page's examples are complete programs: tests/sdk/test_spec_docs.py runs every one of
them against a mock transport and validates the request it sends against the spec.
"""

from __future__ import annotations

from codegen.ir import Api, Model, Operation, Project, TypeRef

__all__ = ["render_docs"]

EXAMPLE_UUID = "6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51"
EXAMPLE_PATTERNS = {"^[0-9]{6}$": "123456"}
"""A value for each `pattern` of the spec that `<name>_example` does not match."""

STATUS_TEXT = {
    200: "OK: the answer model",
    201: "Created: the answer model",
    204: "Done, nothing in the answer (the method returns None)",
    400: "Bad input: `BadRequestException` (`.errors`: messages per field)",
    401: "Token missing, invalid or expired: `UnauthorizedException`",
    403: "The token lacks the scope: `ForbiddenException` (names the scope)",
    404: "No such resource: `NotFoundException`",
    429: "Rate limit spent: retried after the reset, then `RateLimitException`",
}
RATE_HEADERS = "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"


def _value(t: TypeRef, name: str, project: Project) -> str:
    if t.kind == "enum":
        return repr(t.enum[0])
    if t.kind == "uuid":
        return repr(EXAMPLE_UUID)
    if t.kind == "datetime":
        return repr("2030-01-01T00:00:00Z")
    if t.kind == "integer" or t.kind == "number":
        return str(int(t.minimum) if t.minimum is not None else 1)
    if t.kind == "boolean":
        return "True"
    if t.kind == "array":
        assert t.items is not None
        return f"[{_value(t.items, name, project)}]"
    if t.kind == "model" and t.model:
        return _construct(project.model(t.model), project, "    ")
    if t.kind == "object":
        return "{}"
    if t.pattern in EXAMPLE_PATTERNS:
        return repr(EXAMPLE_PATTERNS[t.pattern])
    if name == "url":
        return repr("https://example.com/webhooks")
    text = f"{name}_example"
    if t.max_length is not None:
        text = text[: t.max_length]
    return repr(text.ljust(t.min_length or 0, "x"))


def _construct(model: Model, project: Project, indent: str) -> str:
    fields = [
        f"{indent}    {f.name}={_value(f.type.items if model.role == 'filter' and f.type.items else f.type, f.name, project)},"
        for f in model.fields
    ]
    if not fields:
        return f"{model.name}()"
    return f"{model.name}(\n" + "\n".join(fields) + f"\n{indent})"


def _py_type(op: Operation, name: str) -> str:
    for p in op.params:
        if p.name == name:
            if p.kind == "filter":
                return f"[**{p.filter_model}**]({p.filter_model}.md)"
            if p.kind == "array":
                return "**list[str]**"
            return "**int**" if p.kind == "integer" else "**str**"
    return "**str**"


def _example(api: Api, op: Operation, project: Project) -> list[str]:
    imports = ["import pathlib", ""] if op.file_fields else []
    imports += ["import gmodstore_sdk", f"from gmodstore_sdk.api import {api.module}"]
    lines = []
    call = []
    for p in op.path_params:
        lines.append(f'    {p.name} = "{p.name}_example"  # str')
        call.append(p.name)
    if op.body_model:
        model = project.model(op.body_model)
        imports.append(f"from gmodstore_sdk.model.{model.module} import {model.name}")
        lines.append(f"    {op.body_param} = {_construct(model, project, '    ')}")
        call.append(op.body_param or "")
    for name in op.file_fields:
        lines.append(
            f'    {name} = pathlib.Path("upload.bin")  # or bytes, or a binary file object'
        )
        call.append(f"{name}={name}")
    for p in op.query_params:
        if p.sdk_only:  # the example must be a request the published spec accepts
            continue
        if p.kind == "filter" and p.filter_model:
            model = project.model(p.filter_model)
            imports.append(f"from gmodstore_sdk.model.{model.module} import {model.name}")
            lines.append(f"    filter = {_construct(model, project, '    ')}")
            call.append("filter=filter")
        elif p.kind == "array":
            lines.append(f'    ids = ["{EXAMPLE_UUID}"]  # any number: one request per 100')
            call.append("ids")
        elif p.wire == "perPage":
            call.append("per_page=50")
    args = ", ".join(call)
    return [
        "```python",
        *imports,
        "",
        "# Or set GMODSTORE_TOKEN (and GMODSTORE_HOST) and call Configuration().",
        'configuration = gmodstore_sdk.Configuration(access_token="YOUR_BEARER_TOKEN")',
        "",
        "with gmodstore_sdk.ApiClient(configuration) as api_client:",
        f"    api_instance = {api.module}.{api.class_name}(api_client)",
        *lines,
        "    try:",
        f"        # {op.summary}",
        f"        api_response = api_instance.{op.name}({args})",
        "        print(api_response)",
        "    except gmodstore_sdk.ApiException as e:",
        f'        print(f"Exception when calling {api.class_name}->{op.name}: {{e}}")',
        "```",
    ]


def _operation(api: Api, op: Operation, project: Project) -> list[str]:
    names = [p.name for p in op.path_params]
    if op.body_param:
        names.append(op.body_param)
    names += list(op.file_fields)
    names += [p.name for p in op.query_params]
    ret = op.response_model or "None"
    rows = []
    for p in op.path_params:
        rows.append(f" **{p.name}** | **str** | the `{p.wire}` id |")
    if op.body_param:
        opt = " [optional]" if op.body == "json" else ""
        rows.append(
            f" **{op.body_param}** | [**{op.body_model}**]({op.body_model}.md) | or a dict of its fields |{opt}"
        )
    for name in op.file_fields:
        rows.append(
            f" **{name}** | **FileInput** | a path, bytes or a binary file object (streamed) |"
            + ("" if op.files_required else f' [optional: when `type` is "{name}"]')
        )
    for p in op.query_params:
        note = "" if p.required else " [optional]"
        what = {
            "perPage": "items per page, 1..100 (server default 24)",
            "cursor": "`cursors.next` (or `.prev`) of a previous page",
            "filter": "narrow the list (each field: one value or a list)",
        }.get(p.wire, "any number of ids")
        if p.sdk_only:
            what += "; the documented SDK's, not in the published spec"
        rows.append(f" **{p.name}** | {_py_type(op, p.name)} | {what} |{note}")
    if op.body == "multipart":
        rows.append(" **progress** | **UploadProgress** | `(sent, total)` callback | [optional]")
    rows.append(
        " **\\_request_timeout** | **RequestTimeout** | seconds, `(connect, read)`, a `Timeout` or"
        " None (keyword only; the client's timeouts when omitted) | [optional]"
    )
    content_type = {"json": "application/json", "multipart": "multipart/form-data"}.get(
        op.body or "", "Not defined"
    )
    statuses = [op.status, *op.errors]
    out = [
        f"# **{op.name}**",
        f"> {ret} {op.name}({', '.join(names)})",
        "",
        op.summary,
        "",
    ]
    if op.iter_name:
        out += [f"Every page: `{op.iter_name}(...)` takes the same arguments but `cursor`.", ""]
    if op.batch:
        out += ["Any number of ids: one request per 100, results in the order asked.", ""]
    out += [
        "### Example",
        "",
        "* Bearer Authentication (PersonalAccessToken):",
        "",
        *_example(api, op, project),
        "",
        "### Parameters",
        "",
        "Name | Type | Description  | Notes",
        "------------- | ------------- | ------------- | -------------",
        *rows,
        "",
        "### Return type",
        "",
        f"[**{ret}**]({ret}.md)" if op.response_model else "None (`*_with_http_info`: status 204)",
        "",
        "### Authorization",
        "",
        f"[PersonalAccessToken](README.md#authorization): scope `{op.scope}`"
        if op.scope
        else "[PersonalAccessToken](README.md#authorization): any valid token",
        "",
        "### HTTP request headers",
        "",
        f" - **Content-Type**: {content_type}",
        " - **Accept**: application/json",
        "",
        "### HTTP response details",
        "",
        "| Status code | Description | Response headers |",
        "|-------------|-------------|------------------|",
        *[f"**{s}** | {STATUS_TEXT.get(s, '')} | {RATE_HEADERS} |" for s in statuses],
        "",
        "[[Back to top]](#) [[Back to API list]](README.md#apis) [[Back to Model list]](README.md#models)",
        "",
    ]
    return out


def _api_page(api: Api, project: Project) -> str:
    lines = [
        f"# gmodstore_sdk.{api.class_name}",
        "",
        f"`gmodstore_sdk.api.{api.module}`: `{api.class_name}` and `Async{api.class_name}` (the same",
        f"methods as coroutines). On the facade: `gs.{api.facade_attr}`.",
        "",
        "All URIs are relative to *https://www.gmodstore.com/api* (or `https://api.pivity.com`).",
        "",
        "Method | HTTP request | Description",
        "------------- | ------------- | -------------",
    ]
    for op in api.operations:
        lines.append(
            f"[**{op.name}**]({api.class_name}.md#{op.name}) | **{op.method}** {op.path} | {op.summary}"
        )
    lines.append("")
    for op in api.operations:
        lines += ["", *_operation(api, op, project)]
    return "\n".join(lines).rstrip() + "\n"


def _type_text(t: TypeRef) -> str:
    if t.kind in ("model", "enum") and t.model:
        text = f"[**{t.model}**]({t.model}.md)"
    elif t.kind == "enum":
        text = "**str**, one of " + ", ".join(f"`{v}`" for v in t.enum)
    elif t.kind == "array" and t.items is not None:
        text = f"list[{_type_text(t.items)}]"
    else:
        text = {
            "string": "**str**",
            "uuid": "**str** (UUID)",
            "datetime": "**datetime**",
            "integer": "**int**",
            "number": "**float**",
            "boolean": "**bool**",
            "object": "**dict**",
            "binary": "**bytes**",
        }.get(t.kind, "**Any**")
    return text + (" or None" if t.nullable else "")


def _model_page(model: Model) -> str:
    lines = [
        f"# {model.name}",
        "",
        f"`from gmodstore_sdk.model.{model.module} import {model.name}`",
        "",
    ]
    if model.role == "enum":
        lines += ["A string, one of:", "", *[f"- `{v}`" for v in model.enum], ""]
        lines += ["Answers may hold values added to the API later; they are kept as `str`.", ""]
        return "\n".join(lines)
    lines += {
        "request": [
            "A request payload: checked before sending (types, bounds, lengths, formats); unknown fields are refused.",
            "",
        ],
        "filter": [
            "A `filter` parameter: each field takes one value or a list of values (any of them).",
            "",
        ],
        "page": [
            "One page of a list: `data`, `cursors.prev` / `cursors.next`, `connections`, `meta.per_page`.",
            "",
        ],
    }.get(model.role, ["Part of an answer: fields the spec does not list are kept too.", ""])
    lines += [
        "## Properties",
        "",
        "Name | Type | JSON key | Notes",
        "------------ | ------------- | ------------- | -------------",
    ]
    for f in model.fields:
        notes = "" if f.required and model.role != "filter" else "[optional]"
        lines.append(f"**{f.name}** | {_type_text(f.type)} | `{f.wire}` | {notes}")
    lines += [
        "",
        "[[Back to Model list]](README.md#models) [[Back to API list]](README.md#apis)",
        "",
    ]
    return "\n".join(lines)


def _index(project: Project) -> str:
    lines = [
        "# API reference (generated)",
        "",
        f"Generated from the API v3 spec, version {project.version} (SHA-256 `{project.sha256}`).",
        "Naming rules: [../NAMING.md](../NAMING.md).",
        "",
        "## Authorization",
        "",
        "Personal access tokens: `Authorization: Bearer <token>` (`Configuration(access_token=...)`",
        "or `GMODSTORE_TOKEN`). Each operation's page names the scope it needs.",
        "",
        "## APIs",
        "",
        "Class | Facade | Operations",
        "----- | ------ | ----------",
    ]
    for api in sorted(project.apis, key=lambda a: a.class_name):
        lines.append(
            f"[{api.class_name}]({api.class_name}.md) | `gs.{api.facade_attr}` | {len(api.operations)}"
        )
    lines += ["", "## Models", ""]
    for model in sorted(project.models, key=lambda m: m.name):
        lines.append(f"- [{model.name}]({model.name}.md)")
    return "\n".join(lines) + "\n"


def render_docs(project: Project) -> dict[str, str]:
    files = {"docs/api/README.md": _index(project)}
    for api in project.apis:
        files[f"docs/api/{api.class_name}.md"] = _api_page(api, project)
    for model in project.models:
        files[f"docs/api/{model.name}.md"] = _model_page(model)
    return files
