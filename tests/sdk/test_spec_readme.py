"""README's "The whole API" section runs, and every request it sends is one the spec accepts.

The blocks run against a mock transport that checks each request against the published spec
(openapi-core) and answers the operation with a body made from its spec schema, so the examples
are held to the spec rather than to any one server. The download's file comes from another host,
whose request must carry no token. `tests/docs/test_readme_whole_api.py` runs the same blocks end
to end against the sandbox, which serves every operation they use.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

import gmodstore_sdk

from . import spec_support as sp
from .test_spec_requests import OPS, SPEC, success, validate

README = Path(__file__).parents[2] / "README.md"
FILE = b"PK\x03\x04 the latest release"
CDN = "http://127.0.0.2:9/files/latest.zip"


def _blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- BEGIN whole-api -->", 1)[1].split("<!-- END whole-api -->", 1)[0]
    return re.findall(r"^```python\n(.*?)^```$", section, re.M | re.S)


def _route(request: httpx.Request) -> str:
    path = request.url.path
    for operation_id, (template, method, _) in OPS.items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if method.upper() == request.method and re.match(pattern, path):
            if template.endswith("/batch") or "/batch" not in path:
                return operation_id
    raise AssertionError(f"no operation for {request.method} {path}")


def _answer(operation_id: str, request: httpx.Request) -> httpx.Response:
    status, body = success(OPS[operation_id][2])
    if body is None:
        return httpx.Response(status)
    if "cursors" in body:
        body["cursors"]["next"] = None  # one page
    if request.url.params.get_list("ids[]"):
        ids = request.url.params.get_list("ids[]")
        body["data"] = [{**body["data"][0], "id": i} for i in ids]
    if "Version" in operation_id:
        version = {"releaseType": "stable", "fileSize": len(FILE)}
        version["fileHash"] = hashlib.sha256(FILE).hexdigest()
        rows = body["data"] if isinstance(body["data"], list) else [body["data"]]
        for row in rows:
            row.update(version)
    if operation_id == "getProductDownloadUrl":
        body["data"]["url"] = CDN
    return httpx.Response(status, json=body)


def test_readme_has_the_whole_api_section() -> None:
    assert len(_blocks()) == 3


def test_the_whole_api_examples_run_and_send_what_the_spec_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if SPEC is None:
        pytest.skip(f"the API v3 spec is not at {sp.SPEC_PATH}")
    from openapi_core import OpenAPI

    openapi = OpenAPI.from_dict(SPEC)
    sent: list[str] = []
    downloads: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == CDN:
            downloads.append(request)
            return httpx.Response(200, stream=httpx.ByteStream(FILE))
        operation_id = _route(request)
        validate(openapi, OPS[operation_id][2], request)
        sent.append(operation_id)
        return _answer(operation_id, request)

    class MockedClient(gmodstore_sdk.ApiClient):
        def __init__(self, configuration: Any = None, **kwargs: Any) -> None:
            super().__init__(configuration, transport=httpx.MockTransport(handler))

    monkeypatch.setattr(gmodstore_sdk._facade, "ApiClient", MockedClient)
    monkeypatch.setenv("GMODSTORE_HOST", sp.HOST + "/v3")
    monkeypatch.setenv("GMODSTORE_TOKEN", "readme-token")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "addon.zip").write_bytes(b"PK\x03\x04 a release")
    namespace: dict[str, Any] = {
        "product_id": str(uuid.uuid4()),
        "ticket_id": str(uuid.uuid4()),
        "user_id": str(uuid.uuid4()),
        "other_user_ids": [str(uuid.uuid4()) for _ in range(249)],
    }
    for i, block in enumerate(_blocks()):
        exec(compile(block, f"README.md:whole-api[{i}]", "exec"), namespace)
    out = capsys.readouterr().out
    assert "owns it" in out and "coupon " in out and "review " in out
    assert "1 versions; 250 users" in out
    assert sent.count("getUsers") == 3  # 250 ids: 100 + 100 + 50
    assert {"createProductCoupon", "createTicketMessage", "createProductVersion"} <= set(sent)
    assert (tmp_path / "latest.zip").read_bytes() == FILE
    assert [r.headers.get("authorization") for r in downloads] == [None]
