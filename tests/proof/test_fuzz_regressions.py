"""Sandbox bugs the whole-API fuzzer (test_whole_api_fuzz.py) found, each pinned by a request."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("steam_id", ["9223372036854775808", "9999999999999999999"])
def test_steam_id_filter_past_int64_is_a_400(proof_sandbox: Any, steam_id: str) -> None:
    """19 digits past 2**63 - 1 passed the check and failed in the database (a 500)."""
    sb = proof_sandbox
    response = httpx.get(
        f"{sb.url}/v3/users",
        params={"filter[steamId]": steam_id},
        headers=_bearer(sb.token_for(sb.ids.owner_user_id)),
        timeout=10,
    )
    assert response.status_code == 400, response.text
    assert "filter.steamId" in response.json()["errors"]


def test_steam_id_filter_at_int64_max_is_fine(proof_sandbox: Any) -> None:
    sb = proof_sandbox
    response = httpx.get(
        f"{sb.url}/v3/users",
        params={"filter[steamId]": str(2**63 - 1)},
        headers=_bearer(sb.token_for(sb.ids.owner_user_id)),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_nul_in_a_team_name_is_a_400(proof_sandbox: Any, method: str) -> None:
    """PostgreSQL text cannot hold U+0000: the write failed (a 500) there; now a 400 on both."""
    sb = proof_sandbox
    path = "/teams" if method == "POST" else f"/teams/{sb.ids.team_id}"
    body = {"name": "Nul\x00team"}
    response = httpx.request(
        method,
        f"{sb.url}/v3{path}",
        json=body,
        headers=_bearer(sb.token_for(sb.ids.owner_user_id)),
        timeout=10,
    )
    assert response.status_code == 400, response.text
    assert "name" in response.json()["errors"]


NUL_WRITES = {
    # (method, path under /v3 with {product}/{ticket}/{team}, body, field named, list to compare)
    "ticket message": (
        "POST", "/tickets/{ticket}/messages", {"body": "Log:\x00"}, "body",
        "/tickets/{ticket}/messages",
    ),
    "coupon": (
        "POST", "/products/{product}/coupons",
        {"code": "NUL\x00", "percent": 10, "maxUses": 1, "expiresAt": "2099-01-01T00:00:00Z"},
        "code", "/products/{product}/coupons",
    ),
    "webhook endpoint filter": (
        "POST", "/teams/{team}/webhook-endpoints",
        {"url": "http://127.0.0.1:9/hook", "filterTypes": ["ticket.created\x00"]},
        "filterTypes.0", "/teams/{team}/webhook-endpoints",
    ),
    "purchase": (
        "PUT", "/products/{product}/purchases/{purchase}", {"revoked": "\x00"}, "revoked", None,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(NUL_WRITES))
def test_nul_in_any_json_body_is_a_400_naming_the_field(proof_sandbox: Any, name: str) -> None:
    """The fuzzer's NUL 500 on PostgreSQL (`PUT .../media/{m}` with a NUL title) is refused for
    every JSON body, in `read_json`, before any area parses it: the same 400 on both backends."""
    sb = proof_sandbox
    method, path, body, field, listed = NUL_WRITES[name]
    ids = {
        "product": sb.ids.product_id,
        "ticket": sb.ids.ticket_ids[0],
        "team": sb.ids.team_id,
        "purchase": sb.ids.purchase_ids[0],
    }
    headers = _bearer(sb.token)
    with httpx.Client(base_url=f"{sb.url}/v3", headers=headers, timeout=10) as client:
        before = client.get(listed.format(**ids)).json()["data"] if listed else None
        response = client.request(method, path.format(**ids), json=body)
        assert response.status_code == 400, response.text
        assert field in response.json()["errors"], response.json()
        if listed:
            assert client.get(listed.format(**ids)).json()["data"] == before


def test_an_escaped_backslash_before_u0000_is_not_a_nul(proof_sandbox: Any) -> None:
    sb = proof_sandbox
    with httpx.Client(base_url=f"{sb.url}/v3", headers=_bearer(sb.token), timeout=10) as client:
        response = client.post(
            f"/tickets/{sb.ids.ticket_ids[0]}/messages",
            content=b'{"body": "path C:\\\\u0000 is fine"}',
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 201, response.text
    assert response.json()["data"]["body"] == "path C:\\u0000 is fine"
