"""The API v3 spec as the spec-validation tests read it, fixed here, independently of codegen/.

SPEC-NOTES lists the public document's defects; the tests apply the fixes themselves (not the
generator's patch table) so that a wrong patch in the generator cannot hide behind the same
mistake in the test. Also: example values for any schema, and an httpx -> openapi-core adapter.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

SPEC_PATH = Path(__file__).resolve().parents[2] / "../shared/reference/pivity-api-v3.openapi.json"
HOST = "http://127.0.0.1:9"
METHODS = ("get", "put", "post", "delete", "patch")

Schema = dict[str, Any]


def raw_spec() -> Schema:
    if not SPEC_PATH.exists():
        pytest.skip(f"the API v3 spec is not at {SPEC_PATH}")
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def _ops(spec: Schema) -> dict[str, tuple[str, str, Schema]]:
    return {
        op["operationId"]: (path, method, op)
        for path, item in spec["paths"].items()
        if isinstance(item, dict)
        for method, op in item.items()
        if method in METHODS
    }


def _union(schema: Schema, components: Schema) -> Schema:
    if "allOf" not in schema:
        return schema
    out: Schema = {"type": "object", "properties": {}, "required": []}
    for part in schema["allOf"]:
        part = components[part["$ref"].rsplit("/", 1)[1]] if "$ref" in part else part
        out["properties"].update(part.get("properties", {}))
        out["required"] += part.get("required", [])
    return out


def fixed_spec() -> Schema:
    """The spec with the SPEC-NOTES fixes (numbers as there), served from `HOST`."""
    spec = copy.deepcopy(raw_spec())
    spec["servers"] = [{"url": HOST}]
    comps = spec["components"]["schemas"]
    spec["paths"] = {p: i for p, i in spec["paths"].items() if isinstance(i, dict)}  # 1
    ops = _ops(spec)
    for _, _, op in ops.values():  # 3: allOf parts read as the union of their properties
        for resp in op["responses"].values():
            for media in resp.get("content", {}).values():
                media["schema"] = _union(media["schema"], comps)
        for param in op.get("parameters", []):  # filters are deepObject everywhere
            if param["name"] == "filter":
                param["style"], param["explode"] = "deepObject", True
            types = param["schema"].get("type")
            if isinstance(types, list):
                # A query value is never JSON null; openapi-core cannot read a type list here.
                param["schema"]["type"] = next(t for t in types if t != "null")
    for resp in spec["components"]["responses"].values():
        for media in resp.get("content", {}).values():
            media["schema"] = _union(media["schema"], comps)
    coupon = comps["ProductCoupon"]  # 4
    coupon["required"] = [("percent" if r == "percentage" else r) for r in coupon["required"]]
    attempt = comps["TeamWebhookAttempt"]  # 5
    attempt["required"] = [r for r in attempt["required"] if r != "disabled"]
    for operation_id, component in (  # 6, and two more answers of the same kind
        ("deletePersonalAccessToken", "PersonalAccessToken"),
        ("deleteProductMedium", "ProductMedium"),
        ("restoreTicketMessage", "TicketMessage"),
    ):
        media = ops[operation_id][2]["responses"]["200"]["content"]["application/json"]
        media["schema"] = {
            "type": "object",
            "required": ["data"],
            "properties": {"data": {"$ref": f"#/components/schemas/{component}"}},
        }
    for operation_id in (  # 8: file uploads are multipart
        "uploadProductBackground",
        "uploadProductPageHeader",
        "uploadProductBigHeader",
        "uploadProductListingHeader",
        "uploadLogToTicket",
    ):
        content = ops[operation_id][2]["requestBody"]["content"]
        content["multipart/form-data"] = content.pop("application/json")
    for _, _, op in ops.values():
        for media in op.get("requestBody", {}).get("content", {}).values():
            for name, prop in media["schema"].get("properties", {}).items():
                if isinstance(prop.get("type"), list) and "multipart" in str(op["requestBody"]):
                    # A form field is never null; openapi-core cannot read a type list there.
                    prop["type"] = next(t for t in prop["type"] if t != "null")
                if prop.get("format") == "binary":
                    # openapi-core reads a file part as bytes and refuses them as a 3.1 string:
                    # any value will do, as long as the part is there (`required` still holds).
                    media["schema"]["properties"][name] = {"x-file": True}
    for prop in comps["TicketFilter"]["properties"].values():  # 10
        if prop.get("enum") and isinstance(prop["enum"][0], list):
            prop["enum"] = prop["enum"][0]
    code = "^[A-Za-z0-9_-]+$"  # 11
    comps["ProductCouponFilter"]["properties"]["code"]["items"]["pattern"] = code
    for operation_id in ("createProductCoupon", "updateProductCoupon"):
        body = ops[operation_id][2]["requestBody"]["content"]["application/json"]["schema"]
        body["properties"]["code"]["pattern"] = code
    return spec


def operations(spec: Schema) -> dict[str, tuple[str, str, Schema]]:
    """operationId -> (path, method, operation), in document order."""
    return _ops(spec)


def resolve(schema: Any, spec: Schema) -> Any:
    """`schema` with every `$ref` replaced by its target (the spec has no cycles)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            target = schema["$ref"].rsplit("/", 1)[1]
            return resolve(spec["components"]["schemas"][target], spec)
        return {k: resolve(v, spec) for k, v in schema.items()}
    if isinstance(schema, list):
        return [resolve(v, spec) for v in schema]
    return schema


def example(schema: Schema) -> Any:
    """A valid value for a (resolved) request schema: the smallest that satisfies it."""
    types = schema.get("type", "object")
    kind = next(t for t in ([types] if isinstance(types, str) else types) if t != "null")
    if "enum" in schema:
        return schema["enum"][-1]
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt == "date-time":
            return "2030-01-02T03:04:05Z"
        if fmt == "uri":
            return "https://example.com/hook"
        if schema.get("pattern") == "^[0-9]{6}$":
            return "123456"
        text = "CODE_1" if "pattern" in schema else "some text"
        return text[: schema.get("maxLength", len(text))].ljust(schema.get("minLength", 0), "x")
    if kind == "integer":
        return int(schema.get("maximum", schema.get("minimum", 7)))
    if kind == "boolean":
        return True
    if kind == "array":
        return [example(schema.get("items", {}))]
    return {k: example(v) for k, v in schema.get("properties", {}).items()}


class OpenApiRequest:
    """An `httpx.Request` as openapi-core's `Request` protocol."""

    def __init__(self, request: httpx.Request) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self._request = request
        url = urlsplit(str(request.url))
        self._url = url
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(
                [
                    (k, v)
                    for k, vs in parse_qs(url.query, keep_blank_values=True).items()
                    for v in vs
                ]
            ),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self._url.scheme}://{self._url.netloc}"

    @property
    def path(self) -> str:
        return self._url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        content = self._request.read()
        return content or None

    @property
    def content_type(self) -> str:
        return self._request.headers.get("content-type", "")


def split_filters(request: httpx.Request) -> tuple[httpx.Request, dict[str, str]]:
    """The request without its `filter[...]` parameters, and those parameters.

    openapi-core cannot deserialise a deepObject whose properties are arrays (it raises a
    TypeError), so the tests check filters themselves (`check_filter`).
    """
    url = request.url
    keep = [(k, v) for k, v in url.params.multi_items() if not k.startswith("filter[")]
    filters = {k[7:-1]: v for k, v in url.params.multi_items() if k.startswith("filter[")}
    stripped = httpx.Request(
        request.method,
        url.copy_with(query=str(httpx.QueryParams(keep)).encode() or None),
        headers=request.headers,
        content=body_of(request),
    )
    return stripped, filters


def body_of(request: httpx.Request) -> bytes:
    """The bytes the request sends (a streamed upload is read from its stream)."""
    return b"".join(request.stream)  # type: ignore[arg-type]


def check_filter(filters: dict[str, str], schema: Schema) -> None:
    """Validate `filter[name]=a,b` values against the (resolved) filter schema, with jsonschema."""
    import jsonschema

    value: dict[str, Any] = {}
    for name, text in filters.items():
        prop = schema.get("properties", {}).get(name, {})
        if prop.get("type") == "array":
            items = prop.get("items", {})
            value[name] = [_cast(part, items) for part in text.split(",")]
        else:
            value[name] = _cast(text, prop)
    jsonschema.validate(value, schema, format_checker=jsonschema.FormatChecker())


def _cast(text: str, schema: Schema) -> Any:
    types = schema.get("type", "string")
    types = [types] if isinstance(types, str) else types
    if "integer" in types:
        return int(text)
    if "boolean" in types:
        return {"true": True, "false": False}[text]
    return text


def strategy(schema: Schema, *, tolerant: bool = True) -> Any:
    """A hypothesis strategy for JSON values valid under a resolved response schema.

    With `tolerant`, objects may carry a field the spec does not list and enums a value it does
    not list: answers from a newer API must still parse.
    """
    from hypothesis import strategies as st

    types = schema.get("type", "object")
    types = [types] if isinstance(types, str) else list(types)
    nullable = "null" in types
    kind = next((t for t in types if t != "null"), "object")
    if "enum" in schema:
        values = st.sampled_from(schema["enum"])
        base = st.one_of(values, st.just("a-value-from-the-future")) if tolerant else values
    elif kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            base = st.uuids().map(str)
        elif fmt == "date-time":
            base = st.datetimes(
                timezones=st.sampled_from([__import__("datetime").timezone.utc])
            ).map(lambda d: d.isoformat().replace("+00:00", "Z"))
        else:
            base = st.text(max_size=20)
    elif kind == "integer":
        base = st.integers(
            min_value=schema.get("minimum", -(2**63)), max_value=schema.get("maximum", 2**63 - 1)
        )
    elif kind == "number":
        base = st.floats(allow_nan=False, allow_infinity=False)
    elif kind == "boolean":
        base = st.booleans()
    elif kind == "array":
        base = st.lists(strategy(schema.get("items", {}), tolerant=tolerant), max_size=3)
    else:
        props = schema.get("properties", {})
        if not props:
            base = st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)
        else:
            required = set(schema.get("required", ()))
            base = st.fixed_dictionaries(
                {k: strategy(v, tolerant=tolerant) for k, v in props.items() if k in required},
                optional={
                    **{
                        k: strategy(v, tolerant=tolerant)
                        for k, v in props.items()
                        if k not in required
                    },
                    **({"someNewField": st.integers()} if tolerant else {}),
                },
            )
    return st.one_of(st.none(), base) if nullable else base
