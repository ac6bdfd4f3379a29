"""The examples of docs/api/*Api.md run, and each sends a request the spec accepts.

Every example is executed as written (with `GMODSTORE_HOST` pointing at a mock transport) and the
captured request is validated like tests/sdk/test_spec_requests.py does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

import gmodstore_sdk

from . import spec_support as sp
from .test_spec_requests import OPS, SPEC, success, validate

DOCS = Path(__file__).resolve().parents[2] / "docs/api"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _examples() -> list[Any]:
    out = []
    for page in sorted(DOCS.glob("*Api.md")):
        for code in BLOCK.findall(page.read_text(encoding="utf-8")):
            name = re.search(r"api_instance\.(\w+)\(", code)
            assert name is not None, page
            out.append(pytest.param(name.group(1), code, id=f"{page.stem}.{name.group(1)}"))
    return out


EXAMPLES = _examples()
BY_NAME = {re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", k).lower(): k for k in OPS}


@pytest.fixture(scope="module")
def openapi() -> Any:
    if SPEC is None:
        pytest.skip(f"the API v3 spec is not at {sp.SPEC_PATH}")
    from openapi_core import OpenAPI

    return OpenAPI.from_dict(SPEC)


def test_every_operation_has_an_example() -> None:
    if SPEC is None:
        pytest.skip("no spec")
    assert sorted(p.values[0] for p in EXAMPLES) == sorted(BY_NAME)


@pytest.mark.parametrize(("name", "code"), EXAMPLES)
def test_example_sends_a_request_the_spec_accepts(
    name: str,
    code: str,
    openapi: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, _, op = OPS[BY_NAME[name]]
    status, body = success(op)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status) if body is None else httpx.Response(status, json=body)

    class MockedClient(gmodstore_sdk.ApiClient):
        def __init__(self, configuration: Any = None, **kwargs: Any) -> None:
            super().__init__(configuration, transport=httpx.MockTransport(handler))

    monkeypatch.setattr(gmodstore_sdk, "ApiClient", MockedClient)
    monkeypatch.setenv("GMODSTORE_HOST", "http://127.0.0.1:9/v3")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "upload.bin").write_bytes(b"PK\x03\x04 example upload")
    exec(compile(code, f"<docs example {name}>", "exec"), {})
    assert "Exception when calling" not in capsys.readouterr().out
    assert len(seen) == 1
    validate(openapi, op, seen[0])
