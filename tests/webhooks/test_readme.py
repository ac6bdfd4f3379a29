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
USER = "4b8e2f9a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
PRODUCT = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
P1 = "0f1d8a3c-6e0b-4b53-9f3e-54a6a2b6c001"
P2 = "0f1d8a3c-6e0b-4b53-9f3e-54a6a2b6c002"


def purchase(purchase_id: str = P1, *, at: str, revoked: bool = False) -> dict:
    return {
        "id": purchase_id,
        "userId": USER,
        "productId": PRODUCT,
        "revoked": revoked,
        "createdAt": "2026-11-25T11:00:00Z",
        "updatedAt": f"2026-11-25T{at}Z",
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
    calls: list[str] = []
    namespace = {
        "__name__": "readme_example",
        "grant_access": lambda user, product: calls.append(f"grant {user == USER}"),
        "remove_access": lambda user, product: calls.append(f"remove {user == USER}"),
    }
    exec(compile(readme_example(), str(README), "exec"), namespace)
    transport = httpx.ASGITransport(app=namespace["app"])
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client, calls


async def post(client, event_type: str, webhook_id: str, data: dict, *, secret: str = SECRET):
    body = json.dumps({"eventType": event_type, "data": data}).encode()
    headers = sign(body, secret=secret, webhook_id=webhook_id)
    response = await client.post("/webhooks/gmodstore", content=body, headers=headers)
    return response


@pytest.mark.anyio
async def test_readme_handler_verifies_and_follows_the_purchase(handler):
    client, calls = handler
    created = purchase(at="11:00:00")
    revoked = purchase(at="11:01:00", revoked=True)
    restored = purchase(at="11:02:00")
    for event_type, webhook_id, data in [
        ("product_purchase.created", "msg_1", created),
        ("product_purchase.created", "msg_1", created),  # a retry
        ("product_purchase.revoked", "msg_2", revoked),
        ("product_purchase.unrevoked", "msg_3", restored),
        ("product_purchase.deleted", "msg_4", restored),  # a deletion keeps the last updatedAt
        ("product.updated", "msg_5", {"id": PRODUCT}),
    ]:
        assert (await post(client, event_type, webhook_id, data)).status_code == 204
    assert calls == ["grant True", "remove True", "grant True", "remove True"]

    other = "whsec_" + base64.b64encode(b"someone else").decode()
    response = await post(client, "product_purchase.unrevoked", "msg_6", restored, secret=other)
    assert response.status_code == 400
    assert response.json() == {"detail": "bad_signature"}
    assert len(calls) == 4


@pytest.mark.anyio
async def test_readme_handler_survives_late_and_repeated_events(handler):
    """Delete P1, grant the same user P2: P1's deletion arriving last must not lock them out;
    nor must a retried revoke that arrives after the restore."""
    client, calls = handler
    p1 = purchase(at="11:00:00")
    p2 = purchase(P2, at="11:05:00")
    assert (await post(client, "product_purchase.created", "msg_1", p1)).status_code == 204
    assert (await post(client, "product_purchase.created", "msg_3", p2)).status_code == 204
    assert (await post(client, "product_purchase.deleted", "msg_2", p1)).status_code == 204
    assert calls == ["grant True", "grant True"]

    revoked = purchase(P2, at="11:06:00", revoked=True)
    restored = purchase(P2, at="11:07:00")
    assert (await post(client, "product_purchase.unrevoked", "msg_5", restored)).status_code == 204
    assert (await post(client, "product_purchase.revoked", "msg_4", revoked)).status_code == 204
    assert (await post(client, "product_purchase.deleted", "msg_2", p1)).status_code == 204
    assert calls == ["grant True", "grant True", "grant True"]
