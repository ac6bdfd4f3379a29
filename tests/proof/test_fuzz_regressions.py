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
