"""Turn the patched spec into the intermediate model (`ir.py`)."""

from __future__ import annotations

import json
from typing import Any

from pydantic.alias_generators import to_camel

from codegen import config
from codegen.ir import Api, Event, Field, Model, Operation, Param, Project, TypeRef
from codegen.naming import pascal, snake
from codegen.spec import SDK_ONLY, LoadedSpec, operations

__all__ = ["parse"]

Schema = dict[str, Any]


class _Models:
    """Collects models by class name; one name must always mean one schema."""

    def __init__(self, components: dict[str, Schema]) -> None:
        self.components = components
        self.models: dict[str, Model] = {}
        self.sources: dict[str, str] = {}

    def ref_name(self, ref: str) -> str:
        return ref.rsplit("/", 1)[1]

    def add(
        self, name: str, schema: Schema, role: str, module: str | None = None, where: str = ""
    ) -> str:
        canonical = json.dumps(schema, sort_keys=True)
        if name in self.sources:
            if self.sources[name] != canonical:
                raise ValueError(f"two different schemas are both named {name}")
            return name
        self.sources[name] = canonical
        module = module or snake(name)
        if "enum" in schema and schema.get("type") == "string":
            self.models[name] = Model(
                name, module, "enum", enum=tuple(schema["enum"]), source=where
            )
            return name
        fields = []
        props: dict[str, Schema] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        page_item = None
        if (
            role == "response"
            and "cursors" in props
            and props.get("data", {}).get("type") == "array"
        ):
            # A list page: `cursors`, `connections` and `meta` come from the hand-written `Page`.
            role = "page"
            item = props["data"]["items"]
            page_item = self.ref_name(item["$ref"])
            self.component(page_item)
            props = {"data": props["data"]}
        for wire, prop in props.items():
            if role == "request" and _is_binary(prop):
                continue  # an upload's file: a method argument, not a model field
            python = snake(wire)
            if python in config.RESERVED_FIELD_NAMES:
                python += "_"
            fields.append(
                Field(python, wire, self.type_of(prop, name, wire, role, module), wire in required)
            )
        self.models[name] = Model(
            name,
            module,
            role,
            tuple(fields),
            page_item=page_item,
            source=where,  # type: ignore[arg-type]
        )
        return name

    def type_of(self, schema: Schema, parent: str, field: str, role: str, module: str) -> TypeRef:
        types = schema.get("type", "object")
        types = [types] if isinstance(types, str) else list(types)
        nullable = "null" in types
        kind = next((t for t in types if t != "null"), "object")
        common: dict[str, Any] = {"nullable": nullable}
        if "$ref" in schema:
            name = self.ref_name(schema["$ref"])
            target = self.components[name]
            self.component(name)
            if "enum" in target:
                return TypeRef("enum", model=name, enum=tuple(target["enum"]), **common)
            return TypeRef("model", model=name, **common)
        if kind == "string":
            fmt = schema.get("format")
            if "enum" in schema:
                return TypeRef("enum", enum=tuple(schema["enum"]), **common)
            text = {
                "min_length": schema.get("minLength"),
                "max_length": schema.get("maxLength"),
                "pattern": schema.get("pattern"),
            }
            if fmt == "date-time":
                return TypeRef("datetime", **common)
            if fmt == "uuid":
                return TypeRef("uuid", **common)
            if fmt == "binary":
                return TypeRef("binary", **common)
            return TypeRef("string", **text, **common)
        if kind in ("integer", "number"):
            return TypeRef(
                kind,
                minimum=schema.get("minimum"),
                maximum=schema.get("maximum"),
                default=schema.get("default"),
                **common,
            )
        if kind == "boolean":
            return TypeRef("boolean", default=schema.get("default"), **common)
        if kind == "array":
            return TypeRef(
                "array",
                items=self.type_of(schema.get("items", {}), parent, field, role, module),
                min_items=schema.get("minItems"),
                max_items=schema.get("maxItems"),
                unique=bool(schema.get("uniqueItems")),
                **common,
            )
        if schema.get("properties"):
            name = self.add(parent + pascal(field), schema, role, module, f"`{parent}.{field}`")
            return TypeRef("model", model=name, **common)
        return TypeRef("object", **common)

    def component(self, name: str) -> None:
        if name in self.sources or name in config.SKIPPED_SCHEMAS:
            return
        schema = self.components[name]
        role = "filter" if name.endswith("Filter") else "response"
        self.add(name, schema, role, where=f"schema `{name}`")


def _is_binary(schema: Schema) -> bool:
    return schema.get("format") == "binary"


def parse(loaded: LoadedSpec) -> Project:
    spec = loaded.document
    models = _Models(spec["components"]["schemas"])
    for name in spec["components"]["schemas"]:
        models.component(name)
        ops = [_operation(path, method, op, models) for path, method, op in operations(spec)]
    apis: dict[str, list[Operation]] = {}
    for op in ops:
        apis.setdefault(op.tag, []).append(op)
    api_list = tuple(_api(tag, tag_ops) for tag, tag_ops in apis.items())
    events = tuple(_event(name, item, models) for name, item in spec.get("webhooks", {}).items())
    scopes = tuple(spec["components"]["schemas"]["PersonalAccessTokenScope"]["enum"])
    return Project(
        version=loaded.version,
        sha256=loaded.sha256,
        apis=api_list,
        models=tuple(models.models.values()),
        events=events,
        scopes=scopes,
        operations=tuple(ops),
    )


def _api(tag: str, ops: list[Operation]) -> Api:
    stem = snake(tag)
    return Api(
        tag=tag,
        class_name=pascal(tag) + "Api",
        module=f"{stem}_api",
        facade_attr=stem,
        operations=tuple(ops),
        mixin=config.MIXINS.get(tag),
    )


def _param(raw: Schema, models: _Models, op_name: str) -> Param:
    wire = raw["name"]
    schema = raw.get("schema", {})
    type_ = models.type_of(schema, pascal(op_name), wire, "request", snake(op_name))
    filter_model = None
    if wire == "filter":
        kind = "filter"
        filter_model = models.ref_name(schema["$ref"])
    elif wire.endswith("[]"):
        kind = "array"
    else:
        kind = type_.kind
    required = bool(raw.get("required"))
    sdk_only = bool(raw.get(SDK_ONLY))
    name = snake(wire)
    if raw["in"] == "header":  # `X-Two-Factor-Nonce` -> `two_factor_nonce`
        name = name.removeprefix("x_")
    return Param(wire, name, raw["in"], required, kind, type_, filter_model, sdk_only)


def _operation(path: str, method: str, op: Schema, models: _Models) -> Operation:
    operation_id = op["operationId"]
    name = snake(operation_id)
    params = [_param(p, models, operation_id) for p in op.get("parameters", [])]
    # Path parameters come first, in the order they appear in the path.
    path_params = sorted(
        (p for p in params if p.location == "path"), key=lambda p: path.index("{" + p.wire + "}")
    )
    others = [p for p in params if p.location != "path"]
    body = body_model = body_param = None
    file_fields: tuple[str, ...] = ()
    files_required = True
    request = op.get("requestBody")
    if request:
        media, content = next(iter(request["content"].items()))
        schema = content["schema"]
        body = "multipart" if media == "multipart/form-data" else "json"
        props = schema.get("properties", {})
        file_fields = tuple(w for w, s in props.items() if _is_binary(s))
        files_required = any(w in schema.get("required", ()) for w in file_fields)
        if any(w not in file_fields for w in props):
            body_model = models.add(
                schema["title"], schema, "request", where=f"request body of `{operation_id}`"
            )
            body_param = snake(schema["title"])
    status, response_model = _success(op, models, operation_id)
    security = op.get("security") or []
    scopes = [s for req in security for s in req.get("PersonalAccessToken", [])]
    has_cursor = any(p.wire == "cursor" for p in params)
    iter_name = "iter_" + name.removeprefix("list_") if has_cursor else None
    errors = tuple(sorted(int(code) for code in op["responses"] if not code.startswith("2")))
    return Operation(
        operation_id=operation_id,
        name=name,
        tag=(op.get("tags") or [config.UNTAGGED_TAG])[0],
        method=method.upper(),
        path=path,
        summary=op.get("summary", ""),
        scope=scopes[0] if scopes else None,
        params=tuple(path_params + others),
        body=body,  # type: ignore[arg-type]
        body_model=body_model,
        body_param=body_param,
        file_fields=file_fields,
        response_model=response_model,
        status=status,
        errors=errors,
        iter_name=iter_name,
        batch=any(p.kind == "array" for p in params),
        files_required=files_required,
    )


def _success(op: Schema, models: _Models, operation_id: str) -> tuple[int, str | None]:
    for code, response in op["responses"].items():
        if not code.startswith("2"):
            continue
        content = response.get("content", {}).get("application/json")
        if content is None:
            return int(code), None
        schema = content["schema"]
        name = schema.get("title") or pascal(operation_id) + "Response"
        return int(code), models.add(
            name, schema, "response", where=f"{code} answer of `{operation_id}`"
        )
    raise ValueError(f"{operation_id} lists no success answer")


def _event(name: str, item: Schema, models: _Models) -> Event:
    schema = item["post"]["requestBody"]["content"]["application/json"]["schema"]
    data = schema["properties"]["data"]
    data_model = models.ref_name(data["$ref"]) if "$ref" in data else None
    return Event(schema["properties"]["eventType"]["enum"][0], name, data_model)


# pydantic's alias generator: a field whose JSON key it does not produce gets an explicit alias.
alias_of = to_camel
