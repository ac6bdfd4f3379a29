"""Fixtures for the identity endpoints: plain httpx over loopback against `run_sandbox`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from gmodstore_sandbox.testing import Sandbox

NONCE = "X-Two-Factor-Nonce"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def client(sb: Sandbox, token: str) -> httpx.Client:
    return httpx.Client(base_url=sb.url, headers=bearer(token), timeout=30)


@pytest.fixture(scope="session")
def owner(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """Team A's owner (``sb.token``: every ability but ``*``)."""
    with client(sandbox, sandbox.token) as c:
        yield c


@pytest.fixture(scope="session")
def other(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """Team B's owner."""
    with client(sandbox, sandbox.other_team_token) as c:
        yield c


@pytest.fixture(scope="session")
def staff(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """The staff user (ability ``*``)."""
    with client(sandbox, sandbox.staff_token) as c:
        yield c


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert isinstance(body["message"], str)
    assert set(body) <= {"message", "errors"}
    if status == 400:
        assert body["errors"]
    return body


def nonce(c: httpx.Client, sb: Sandbox, user_id: str | None = None) -> str:
    """Exchange the user's current TOTP code for a two-factor nonce."""
    body = ok(c.post("/v3/2fa/nonces/totp/exchange", json={"code": sb.totp_code(user_id)}))
    token: str = body["data"]["token"]
    return token


def walk(c: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every row of a list, following ``cursors.next``; checks the page shape on the way."""
    rows: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        query = dict(params)
        if cursor:
            query["cursor"] = cursor
        page = ok(c.get(path, params=query))
        assert set(page) == {"data", "cursors", "connections", "meta"}
        assert page["meta"]["perPage"] == int(params.get("perPage", 24))
        rows += page["data"]
        cursor = page["cursors"]["next"]
        if cursor is None:
            return rows
    raise AssertionError("the list never ended")


@dataclass
class Seller:
    """A fresh user owning a fresh team (made through the API) with a `*` token."""

    user_id: str
    team_id: str
    http: httpx.Client


@pytest.fixture
def seller(sandbox: Sandbox) -> Iterator[Seller]:
    user_id = sandbox.new_user("Fresh Seller")
    with client(sandbox, sandbox.token_for(user_id)) as c:
        team = ok(c.post("/v3/teams", json={"name": "Fresh Team"}), 201)["data"]
        yield Seller(user_id, team["id"], c)
