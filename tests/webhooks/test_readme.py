"""The README's webhook handler runs as written (in-process ASGI, bodies signed with `sign`)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import httpx
import pytest

from gmodstore_sdk.webhooks import sign

README = Path(__file__).resolve().parents[2] / "README.md"
SECRET = "whsec_" + base64.b64encode(b"readme example key").decode()
PURCHASE = {
    "id": "0f1d8a3c-6e0b-4b53-9f3e-54a6a2b6c001",
    "userId": "4b8e2f9a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
    "productId": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "revoked": False,
    "createdAt": "2026-11-25T11:59:00Z",
    "updatedAt": "2026-11-25T11:59:30Z",
}


def readme_example() -> str:
    text = README.read_text()
    block = text[text.index("<!-- BEGIN webhooks -->") : text.index("<!-- END webhooks -->")]
    match = re.search(r"```python\n(.*?)```", block, re.S)
    assert match is not None
    return match.group(1)


@pytest.fixture
async def handler(monkeypatch):
    monkeypatch.setenv("GMODSTORE_WEBHOOK_SECRET", SECRET)
    calls: list[tuple[str, str]] = []
    namespace = {
        "__name__": "readme_example",
        "grant_access": lambda user, product: calls.append(("grant", user)),
        "remove_access": lambda user, product: calls.append(("remove", user)),
    }
    exec(compile(readme_example(), str(README), "exec"), namespace)
    transport = httpx.ASGITransport(app=namespace["app"])
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client, calls


async def post(client, event_type: str, webhook_id: str, *, secret: str = SECRET):
    body = json.dumps({"eventType": event_type, "data": PURCHASE}).encode()
    headers = sign(body, secret=secret, webhook_id=webhook_id)
    return await client.post("/webhooks/gmodstore", content=body, headers=headers)


@pytest.mark.anyio
async def test_readme_handler_verifies_handles_and_deduplicates(handler):
    client, calls = handler
    assert (await post(client, "product_purchase.created", "msg_1")).status_code == 204
    assert (await post(client, "product_purchase.created", "msg_1")).status_code == 204  # a retry
    assert (await post(client, "product_purchase.revoked", "msg_2")).status_code == 204
    assert (await post(client, "product_purchase.deleted", "msg_3")).status_code == 204
    assert (await post(client, "product.updated", "msg_4")).status_code == 204
    user = PURCHASE["userId"]
    assert calls == [("grant", user), ("remove", user), ("remove", user)]

    other = "whsec_" + base64.b64encode(b"someone else").decode()
    response = await post(client, "product_purchase.unrevoked", "msg_5", secret=other)
    assert response.status_code == 400
    assert response.json() == {"detail": "bad_signature"}
    assert len(calls) == 3
