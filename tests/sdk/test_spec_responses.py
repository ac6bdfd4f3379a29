"""Every answer the spec describes parses into the operation's model (hypothesis-generated).

Bodies come from each success schema (tests/sdk/spec_support.strategy) with, on top, fields and
enum values the spec does not list: the models must keep them rather than fail.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gmodstore_sdk.model

from . import spec_support as sp
from .test_spec_requests import OPS, SPEC, api_class, snake

JSON_ANSWERS = [
    operation_id
    for operation_id, (_, _, op) in OPS.items()
    if any(
        code.startswith("2") and "application/json" in r.get("content", {})
        for code, r in op["responses"].items()
    )
]


def _schema(op: dict[str, Any]) -> dict[str, Any]:
    assert SPEC is not None
    for code, response in op["responses"].items():
        if code.startswith("2"):
            return sp.resolve(response["content"]["application/json"]["schema"], SPEC)  # type: ignore[no-any-return]
    raise AssertionError


@pytest.mark.parametrize("operation_id", JSON_ANSWERS)
def test_generated_answers_parse(operation_id: str) -> None:
    _, _, op = OPS[operation_id]
    method = getattr(api_class(op), snake(operation_id))
    # The return annotation names the model (a string: the modules use postponed annotations, and
    # import their models for type checkers only); `gmodstore_sdk.model` resolves every name.
    annotation = inspect.signature(method).return_annotation
    model = getattr(gmodstore_sdk.model, annotation)

    @settings(
        max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(body=sp.strategy(_schema(op)))
    def parses(body: dict[str, Any]) -> None:
        parsed = model.model_validate(body)
        assert parsed.to_dict().keys() >= {k for k in body if k != "someNewField"}
        if "someNewField" in body:
            assert parsed["someNewField"] == body["someNewField"]  # kept, not dropped

    parses()


def test_there_are_json_answers_to_check() -> None:
    if SPEC is None:
        pytest.skip("no spec")
    assert len(JSON_ANSWERS) == 90  # 92 operations, two of which answer 204


@settings(max_examples=30, deadline=None, database=None)
@given(value=st.text(min_size=1).filter(lambda v: v not in ("stable", "beta", "alpha")))
def test_an_unknown_enum_value_is_kept_as_a_string(value: str) -> None:
    from gmodstore_sdk.model.product_version import ProductVersion

    version = ProductVersion.model_validate(
        {
            "id": "1",
            "name": "1.0",
            "changelog": "",
            "releaseType": value,
            "fileSize": 1,
            "fileHash": "ab",
            "createdAt": "2024-01-01T00:00:00Z",
            "updatedAt": "2024-01-01T00:00:00Z",
        }
    )
    assert version.release_type == value
