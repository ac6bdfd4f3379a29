"""The sandbox's ``/openapi.json`` describes what the 13 webhook operations answer: the same
success statuses and component shapes as the reference (SPEC-NOTES 5 applied), and every real
answer validates against the sandbox's own schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from gmodstore_sandbox.app import create_app
from gmodstore_sandbox.settings import Settings
from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk import ApiClient

from .conftest import Recorder, wait_for
from .test_api import grant

REFERENCE = (
    Path(__file__).resolve().parents[2].parent / "shared/reference/pivity-api-v3.openapi.json"
)
TAGS = {"Team Webhook Endpoints", "Team Webhook Messages"}


def _operations(doc: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    found = {}
    for path, item in doc["paths"].items():
        for method, op in item.items() if isinstance(item, dict) else ():  # SPEC-NOTES 1
            if isinstance(op, dict) and set(op.get("tags", ())) & TAGS:
                found[op["operationId"]] = (method, path, op)
    return found


def _success(op: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in op["responses"].items() if k.startswith("2")}


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _data_shape(doc: dict[str, Any], schema: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(required, properties) of the resource in an answer's ``data`` (reference: SPEC-NOTES 3,
    the union of the ``allOf`` members)."""
    schema = _resolve(doc, schema)
    props: dict[str, Any] = {}
    for member in [schema, *(_resolve(doc, m) for m in schema.get("allOf", []))]:
        props.update(member.get("properties", {}))
    data = _resolve(doc, props["data"])
    item = _resolve(doc, data["items"]) if data.get("type") == "array" else data
    return set(item["required"]), set(item["properties"])


@pytest.fixture
def http(token: str) -> Iterator[httpx.Client]:
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client


def test_each_webhook_operation_documents_its_answer_like_the_reference(tmp_path: Path) -> None:
    if not REFERENCE.exists():
        pytest.skip(f"reference spec not found at {REFERENCE}")
    ours = create_app(Settings(database_url=f"sqlite:///{tmp_path}/openapi.db")).openapi()
    reference = _operations(json.loads(REFERENCE.read_text()))
    mine = _operations(ours)
    assert len(reference) == 13 and set(mine) == set(reference)
    ref_doc = json.loads(REFERENCE.read_text())
    for op_id, (_, _, ref_op) in reference.items():
        expected, got = _success(ref_op), _success(mine[op_id][2])
        assert set(got) == set(expected), op_id
        for status, answer in expected.items():
            if "content" not in answer:
                assert "content" not in got[status], op_id
                continue
            ref_schema = answer["content"]["application/json"]["schema"]
            schema = got[status]["content"]["application/json"]["schema"]
            assert _resolve(ours, schema)["title"] == ref_schema["title"], op_id
            required, properties = _data_shape(ref_doc, ref_schema)
            if op_id == "listTeamWebhookMessageAttempts":
                required.discard("disabled")  # SPEC-NOTES 5: required, never defined
            assert _data_shape(ours, schema) == (required, properties), op_id


def test_every_answer_matches_the_documented_schema(
    sb: Sandbox, http: httpx.Client, client: ApiClient, recorder: Recorder
) -> None:
    recorder.status = 500  # failed attempts, so the attempt lists are not empty
    ours = http.get(f"{sb.url}/openapi.json").json()
    ops = _operations(ours)
    checked: set[str] = set()

    def call(op_id: str, body: Any = None, **path: str) -> Any:
        method, template, op = ops[op_id]
        url = sb.url + template.format(team=sb.ids.team_id, **path)
        response = http.request(method, url, json=body)
        [(status, answer)] = _success(op).items()
        assert response.status_code == int(status), (op_id, response.text)
        checked.add(op_id)
        if "content" not in answer:
            assert response.content == b""
            return None
        documented = answer["content"]["application/json"]["schema"]
        assert _resolve(ours, documented).get("required"), op_id  # not FastAPI's empty `{}`
        schema = {**documented, "components": ours["components"]}
        jsonschema.validate(response.json(), schema)
        return response.json()

    endpoint = call("createTeamWebhookEndpoint", {"url": recorder.url})["data"]["id"]
    grant(client, sb)
    recorder.wait_count(1)
    wait_for(lambda: call("listTeamWebhookMessages")["data"] != [])
    message = call("listTeamWebhookMessages")["data"][0]["id"]
    wait_for(lambda: call("listTeamWebhookMessageAttempts", webhook_message=message)["data"])
    ids = {"webhook_endpoint": endpoint}
    call("getTeamWebhookMessage", webhook_message=message)
    call("listTeamWebhookEndpoints")
    call("getTeamWebhookEndpoint", **ids)
    call("updateTeamWebhookEndpoint", {"url": recorder.url, "disabled": False}, **ids)
    call("getTeamWebhookEndpointSecret", **ids)
    call("updateTeamWebhookEndpointSecret", **ids)
    assert call("listTeamWebhookEndpointAttempts", **ids)["data"]
    call("resendTeamWebhookEndpointAttempt", **ids, webhook_message=message)
    call("testTeamWebhookEndpoints")
    call("deleteTeamWebhookEndpoint", **ids)
    assert checked == set(ops)
