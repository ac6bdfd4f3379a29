"""Every operation of the spec, called through the public SDK, sends a request the spec accepts.

Table-driven over the spec itself (tests/sdk/spec_support.py applies the SPEC-NOTES fixes): the
method is found by the documented naming rules (docs/api/README.md), called with valid arguments
made from the operation's schemas through `httpx.MockTransport`, and the captured request is
validated by openapi-core (method, path, parameters and their serialisation, body and media type,
the bearer token). Filters are validated with jsonschema: openapi-core cannot read deepObject
arrays.
"""

from __future__ import annotations

import importlib
import re
import uuid
from typing import Any

import httpx
import pytest

import gmodstore_sdk

from . import spec_support as sp

SPEC = sp.fixed_spec() if sp.SPEC_PATH.exists() else None
OPS = sp.operations(SPEC) if SPEC else {}


def snake(name: str) -> str:
    name = name.replace("[]", "")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).replace(" ", "_").lower()


def api_class(op: dict[str, Any], prefix: str = "") -> type:
    tag = (op.get("tags") or ["Two Factor"])[0]
    module = importlib.import_module(f"gmodstore_sdk.api.{snake(tag)}_api")
    return getattr(module, prefix + tag.replace(" ", "") + "Api")  # type: ignore[no-any-return]


def call_arguments(path: str, op: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """Positional path arguments (path order) and keyword arguments for everything else."""
    assert SPEC is not None
    params = op.get("parameters", [])
    path_params = sorted(
        (p for p in params if p["in"] == "path"), key=lambda p: path.index("{" + p["name"] + "}")
    )
    args: list[Any] = [str(uuid.uuid4()) for _ in path_params]
    kwargs: dict[str, Any] = {}
    for p in params:
        if p["in"] != "query":
            continue
        if p["name"] == "ids[]":
            kwargs["ids"] = [str(uuid.uuid4()), str(uuid.uuid4())]
        elif p["name"] == "perPage":
            kwargs["per_page"] = 100
        elif p["name"] == "cursor":
            kwargs["cursor"] = "c/1 2"
        elif p["name"] == "filter":
            kwargs["filter"] = sp.example(sp.resolve(p["schema"], SPEC))
    body = op.get("requestBody")
    if body:
        media, content = next(iter(body["content"].items()))
        schema = sp.resolve(content["schema"], SPEC)
        props = schema.get("properties", {})
        fields = {k: sp.example(v) for k, v in props.items() if not v.get("x-file")}
        if fields:
            kwargs[snake(schema["title"])] = fields
        for name, prop in props.items():
            if prop.get("x-file"):
                kwargs[snake(name)] = b"PK\x03\x04 a small file"
    return args, kwargs


def success(op: dict[str, Any]) -> tuple[int, Any]:
    assert SPEC is not None
    for code, response in op["responses"].items():
        if code.startswith("2"):
            content = response.get("content", {}).get("application/json")
            if content is None:
                return int(code), None
            return int(code), sp.example(sp.resolve(content["schema"], SPEC))
    raise AssertionError("no success answer")


@pytest.fixture(scope="module")
def openapi() -> Any:
    if SPEC is None:
        pytest.skip(f"the API v3 spec is not at {sp.SPEC_PATH}")
    from openapi_core import OpenAPI

    return OpenAPI.from_dict(SPEC)


def config() -> gmodstore_sdk.Configuration:
    return gmodstore_sdk.Configuration(
        host=sp.HOST, api_path="/v3", access_token="secret-token", retries=0
    )


def validate(openapi: Any, op: dict[str, Any], request: httpx.Request) -> None:
    assert SPEC is not None
    stripped, filters = sp.split_filters(request)
    openapi.validate_request(sp.OpenApiRequest(stripped))
    if filters:
        schema = next(p["schema"] for p in op["parameters"] if p["name"] == "filter")
        sp.check_filter(filters, sp.resolve(schema, SPEC))


def test_the_table_covers_all_92_operations() -> None:
    if SPEC is None:
        pytest.skip("no spec")
    assert len(OPS) == 92


@pytest.mark.parametrize("operation_id", list(OPS))
def test_request_matches_the_spec(operation_id: str, openapi: Any) -> None:
    path, method, op = OPS[operation_id]
    seen: list[httpx.Request] = []
    status, body = success(op)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if body is None:
            return httpx.Response(status)
        if "ids" in kwargs:  # a batch answers with the ids it was asked
            ids = request.url.params.get_list("ids[]")
            return httpx.Response(
                status, json={"data": [{**body["data"][0], "id": i} for i in ids]}
            )
        return httpx.Response(status, json=body)

    args, kwargs = call_arguments(path, op)
    with gmodstore_sdk.ApiClient(config(), transport=httpx.MockTransport(handler)) as client:
        api = api_class(op)(client)
        result = getattr(api, snake(operation_id))(*args, **kwargs)
    assert len(seen) == 1
    assert seen[0].method == method.upper()
    validate(openapi, op, seen[0])
    if body is None:
        assert result is None
    else:
        assert result.to_dict()["data"] is not None


@pytest.mark.anyio
@pytest.mark.parametrize("operation_id", list(OPS))
async def test_async_request_matches_the_spec(operation_id: str, openapi: Any) -> None:
    path, method, op = OPS[operation_id]
    seen: list[httpx.Request] = []
    status, body = success(op)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if body is None:
            return httpx.Response(status)
        return httpx.Response(status, json=body)

    args, kwargs = call_arguments(path, op)
    transport = httpx.MockTransport(handler)
    async with gmodstore_sdk.AsyncApiClient(config(), transport=transport) as client:
        api = api_class(op, "Async")(client)
        await getattr(api, snake(operation_id) + "_with_http_info")(*args, **kwargs)
    assert [r.method for r in seen] == [method.upper()]
    validate(openapi, op, seen[0])
