"""Bad input raises `ApiValueError` / `ApiTypeError` before anything is sent, for every operation.

The cases come from the spec: each constraint of each body field (required, enum, bounds,
lengths, pattern, uuid, date-time), `perPage`'s bounds, unknown filter names, bad path ids and
batch ids. The transport fails the test if it is ever called.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError

from . import spec_support as sp
from .test_spec_requests import OPS, SPEC, api_class, call_arguments, config, snake

BAD = (ApiTypeError, ApiValueError)


def _field_cases(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, bad body) for each constraint of a resolved request body schema."""
    good = {
        k: sp.example(v) for k, v in schema.get("properties", {}).items() if not v.get("x-file")
    }
    for name in schema.get("required", ()):
        if name in good:
            bad = copy.deepcopy(good)
            del bad[name]
            yield f"{name}-missing", bad
    for name, prop in schema.get("properties", {}).items():
        if name not in good:
            continue
        values: list[tuple[str, Any]] = []
        if "enum" in prop:
            values.append(("not-in-enum", "not-a-listed-value"))
        if "maximum" in prop:
            values.append(("above-maximum", int(prop["maximum"]) + 1))
        if "minimum" in prop:
            values.append(("below-minimum", int(prop["minimum"]) - 1))
        if "maxLength" in prop:
            values.append(("too-long", "x" * (prop["maxLength"] + 1)))
        if "minLength" in prop:
            values.append(("too-short", "x" * (prop["minLength"] - 1)))
        if "pattern" in prop:
            values.append(("pattern", "bad code!"))
        fmt = prop.get("format")
        if fmt == "uuid":
            values.append(("not-a-uuid", "12345"))
        if fmt == "date-time":
            values.append(("not-a-date-time", "next tuesday"))
        kind = prop.get("type")
        kinds = [kind] if isinstance(kind, str) else (kind or [])
        if "integer" in kinds:
            values.append(("int-as-str", "5"))
        if "array" in kinds:
            values.append(("not-a-list", 5))
            if "minItems" in prop:
                values.append(("too-few-items", []))
            if prop.get("items", {}).get("enum"):
                values.append(("item-not-in-enum", ["not-a-listed-value"]))
        if "boolean" in kinds:
            values.append(("bool-as-str", "yes"))
        for label, value in values:
            bad = copy.deepcopy(good)
            bad[name] = value
            yield f"{name}-{label}", bad
    yield "unknown-field", {**good, "notAField": 1}


def _cases() -> Iterator[Any]:
    assert SPEC is not None
    for operation_id, (path, _, op) in OPS.items():
        args, kwargs = call_arguments(path, op)
        if args:
            yield pytest.param(operation_id, ["", *args[1:]], kwargs, id=f"{operation_id}-empty-id")
            yield pytest.param(operation_id, [5, *args[1:]], kwargs, id=f"{operation_id}-int-id")
        if "per_page" in kwargs:
            for label, value in (("0", 0), ("101", 101), ("str", "50"), ("bool", True)):
                bad = {**kwargs, "per_page": value}
                yield pytest.param(operation_id, args, bad, id=f"{operation_id}-per-page-{label}")
        if "cursor" in kwargs:
            yield pytest.param(
                operation_id, args, {**kwargs, "cursor": ""}, id=f"{operation_id}-cursor"
            )
        if "filter" in kwargs:
            bad = {**kwargs, "filter": {"notAFilter": "x"}}
            yield pytest.param(operation_id, args, bad, id=f"{operation_id}-filter-name")
            yield pytest.param(
                operation_id, args, {**kwargs, "filter": 5}, id=f"{operation_id}-filter-type"
            )
        if "ids" in kwargs:
            for label, value in (("not-uuid", ["nope"]), ("str", "abc"), ("empty", [])):
                yield pytest.param(
                    operation_id, args, {**kwargs, "ids": value}, id=f"{operation_id}-ids-{label}"
                )
        body = op.get("requestBody")
        if body:
            schema = sp.resolve(next(iter(body["content"].values()))["schema"], SPEC)
            param = snake(schema["title"])
            if param in kwargs:
                for label, bad in _field_cases(schema):
                    yield pytest.param(
                        operation_id, args, {**kwargs, param: bad}, id=f"{operation_id}-{label}"
                    )
                yield pytest.param(
                    operation_id, args, {**kwargs, param: 5}, id=f"{operation_id}-body-type"
                )


CASES = list(_cases()) if SPEC else []


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"sent {request.method} {request.url} despite bad input")


@pytest.mark.parametrize(("operation_id", "args", "kwargs"), CASES)
def test_bad_input_raises_before_sending(
    operation_id: str, args: list[Any], kwargs: dict[str, Any]
) -> None:
    _, _, op = OPS[operation_id]
    with gmodstore_sdk.ApiClient(config(), transport=httpx.MockTransport(_refuse)) as client:
        method = getattr(api_class(op)(client), snake(operation_id))
        with pytest.raises(BAD):
            method(*args, **kwargs)


def test_there_are_cases_for_the_named_bounds() -> None:
    if SPEC is None:
        pytest.skip("no spec")
    ids = {case.id for case in CASES}
    assert "createProductCoupon-percent-above-maximum" in ids  # percent 1..90
    assert "createProductCoupon-maxUses-above-maximum" in ids  # maxUses 1..100
    assert "listUsers-per-page-101" in ids
    assert "createProductCoupon-code-pattern" in ids
    assert len(CASES) > 300
