"""Schemathesis against a running sandbox: no 5xx, and every response conforms to the schema.

Two documents drive it: the reference description of the real API (`/v3/...` paths, served by the
sandbox with the legacy `/api` prefix too) and the sandbox's own `/openapi.json`. Each operation is
fuzzed with positive and negative data, derandomized and bounded, with the path parameters sometimes
pinned to real ids so the fuzzer gets past the 404s into the handlers.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from _fuzz import hypothesis_settings, nothing_to_negate, profile  # noqa: E402

REFERENCE = (
    Path(__file__).resolve().parents[2].parent / "shared/reference/product-purchases.openapi.json"
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _prefixed(raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    schema = copy.deepcopy(raw)
    schema["paths"] = {prefix + path: item for path, item in raw["paths"].items()}
    schema["servers"] = []
    return schema


def _allof_refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for member in node.get("allOf", []):
            if isinstance(member, dict) and "$ref" in member:
                found.add(member["$ref"].rsplit("/", 1)[-1])
        for value in node.values():
            found |= _allof_refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _allof_refs(value)
    return found


def _reference_schema() -> dict[str, Any]:
    """The reference spec with the `/api` prefix, made satisfiable.

    The reference combines `additionalProperties: false` schemas with `allOf` (the list response is
    `allOf[{data}, ConnectionPaginated]`, the 400 body `allOf[Error, ValidationErrors]`), which no
    body can satisfy: each member forbids the other's properties. The closed-object rule is dropped
    from those `allOf` members only; `ProductPurchase` stays closed.
    """
    if not REFERENCE.exists():
        pytest.skip(f"reference spec not found at {REFERENCE}")
    raw = json.loads(REFERENCE.read_text())
    for name in _allof_refs(raw["paths"]) | _allof_refs(raw["components"].get("responses", {})):
        raw["components"]["schemas"][name].pop("additionalProperties", None)
    return _prefixed(raw, "/api")


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(
    sb: Any, raw_schema: dict[str, Any], checks: list[Any], mode: str, suite: str
) -> list[str]:
    """Run every operation of `raw_schema` (examples: `suite` in tests/_fuzz.py); return one line
    per failing operation."""
    from schemathesis import GenerationMode

    generation = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = schemathesis.openapi.from_dict(raw_schema)
    headers = {"Authorization": f"Bearer {sb.token}"}
    real = {"product": sb.ids.product_id, "purchase": sb.ids.purchase_ids[0]}
    foreign = {
        "product": sb.ids.other_team_product_id,
        "purchase": sb.ids.other_team_purchase_ids[0],
    }
    failures: list[str] = []
    for op in _operations(schema):
        if mode == "negative" and nothing_to_negate(op):
            continue
        wanted = {p.name for p in op.path_parameters}
        pinned = {k: v for k, v in real.items() if k in wanted}
        other = {k: v for k, v in foreign.items() if k in wanted}
        # A third of the cases hit the real product / purchase, so they reach the handlers' logic,
        # a third another team's (403), a third random strings (404).
        strategy = st.one_of(
            op.as_strategy(generation, headers=headers),
            op.as_strategy(generation, headers=headers, path_parameters=pinned),
            op.as_strategy(generation, headers=headers, path_parameters=other),
        )

        @hypothesis_settings(profile().max_examples(suite))
        @given(case=strategy)
        def run(case: Any) -> None:
            response = case.call(base_url=sb.url, timeout=10)
            case.validate_response(response, checks=checks)

        try:
            run()
        except Unsatisfiable:
            # Nothing to negate: e.g. GET one purchase has only free-form string path parameters
            # and the (pinned) auth header.
            continue
        except BaseException as exc:  # FailureGroup is a BaseExceptionGroup
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            failures.append(f"{op.label} [{mode}]: {str(exc)[:3000]}")
    return failures


# `negative_data_rejection` is left out: schemathesis reports mutations that serialization undoes
# (an extra deepObject key that is dropped on the wire) as "accepted", and the sandbox reads a
# whitespace-only PUT body as an empty one. Rejection of bad input has its own tests.
REFERENCE_CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_reference_spec_with_api_prefix(proof_sandbox: Any, mode: str) -> None:
    """The real API's description (404/429 are not declared there, so status codes are not
    checked against it; their bodies are checked by the sandbox-schema test below)."""
    failures = _fuzz(proof_sandbox, _reference_schema(), REFERENCE_CHECKS, mode, "purchases")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_sandbox_own_openapi(proof_sandbox: Any, mode: str) -> None:
    raw = httpx.get(proof_sandbox.url + "/openapi.json", timeout=10).json()
    checks = REFERENCE_CHECKS + [status_code_conformance]
    failures = _fuzz(proof_sandbox, raw, checks, mode, "sandbox-openapi")
    assert not failures, "\n\n".join(failures)


def test_sandbox_openapi_covers_reference_paths(proof_sandbox: Any) -> None:
    """The sandbox's own document describes every reference operation (in either path layout)."""
    own = httpx.get(proof_sandbox.url + "/openapi.json", timeout=10).json()
    reference = json.loads(REFERENCE.read_text()) if REFERENCE.exists() else None
    if reference is None:
        pytest.skip(f"reference spec not found at {REFERENCE}")
    missing = [
        f"{method.upper()} {path}"
        for path, item in reference["paths"].items()
        for method in item
        if not any(method in own["paths"].get(prefix + path, {}) for prefix in ("", "/api"))
    ]
    assert not missing, f"operations missing from the sandbox's /openapi.json: {missing}"
