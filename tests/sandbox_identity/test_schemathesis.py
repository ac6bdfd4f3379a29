"""Schemathesis over the identity operations with the full API v3 description (positive and
negative data): no 5xx, and no status, body, header or content type the spec forbids.

The spec is loaded through the generator's patch table (`codegen.spec.patch_spec`: the SPEC-NOTES
fixes, including "every operation may answer 401/403/404/429"), so the sandbox is held to the same
document the SDK is generated from. A private sandbox per backend: the fuzzer writes.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Iterator
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
from gmodstore_sandbox.testing import Sandbox, run_sandbox  # noqa: E402

from .test_statuses import OPERATIONS  # noqa: E402

REFERENCE = (
    Path(__file__).resolve().parents[2].parent / "shared/reference/pivity-api-v3.openapi.json"
)
SUITE = "identity"  # example counts: tests/_fuzz.py
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _schema() -> dict[str, Any]:
    if not REFERENCE.exists():
        pytest.skip(f"reference spec not found at {REFERENCE}")
    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:  # `codegen/` is a top-level package of the repository, not installed
        sys.path.insert(0, root)
    from codegen.spec import patch_spec

    raw = patch_spec(json.loads(REFERENCE.read_text()))
    wanted = {name for name, *_ in OPERATIONS}
    paths: dict[str, Any] = {}
    for path, item in raw["paths"].items():
        ops = {
            m: op
            for m, op in item.items()
            if isinstance(op, dict) and op.get("operationId") in wanted
        }
        if ops:
            paths[path] = ops
    raw["paths"] = paths
    raw["servers"] = []
    return raw


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def fuzzed(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    url = None
    if request.param == "postgres":
        url = os.environ.get("GMODSTORE_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("PostgreSQL tests need GMODSTORE_TEST_POSTGRES_URL")
    with run_sandbox(url) as sb:
        yield sb


def _pinned(sb: Sandbox) -> dict[str, str]:
    """Real ids for the path parameters (a spare token of the owner for the token operations)."""
    spare = sb.token_for(sb.ids.owner_user_id, ["users:read"])
    headers = {"Authorization": f"Bearer {spare}"}
    me = httpx.get(f"{sb.url}/v3/me", headers=headers, timeout=10).json()["data"]
    return {
        "user": sb.ids.owner_user_id,
        "team": sb.ids.team_id,
        "product": sb.ids.product_id,
        "permission_group": sb.ids.seller_group_id,
        "personal_access_token": me["personalAccessToken"]["id"],
        "badge": "crown",
    }


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_identity_operations_conform(fuzzed: Sandbox, mode: str) -> None:
    from schemathesis import GenerationMode

    generation = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = schemathesis.openapi.from_dict(_schema())
    headers = {"Authorization": f"Bearer {fuzzed.token}"}
    real = _pinned(fuzzed)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(OPERATIONS)
    for op in operations:
        if mode == "negative" and nothing_to_negate(op):
            continue
        pinned = {k: v for k, v in real.items() if k in {p.name for p in op.path_parameters}}
        strategy = st.one_of(
            op.as_strategy(generation, headers=headers),
            op.as_strategy(generation, headers=headers, path_parameters=pinned),
        )

        @hypothesis_settings(profile().max_examples(SUITE))
        @given(case=strategy)
        def run(case: Any) -> None:
            response = case.call(base_url=fuzzed.url, timeout=10)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Unsatisfiable:
            continue  # nothing to negate (free-form path strings and the pinned header only)
        except BaseException as exc:  # FailureGroup is a BaseExceptionGroup
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            failures.append(f"{op.label} [{mode}]: {str(exc)[:3000]}")
    assert not failures, "\n\n".join(failures)
