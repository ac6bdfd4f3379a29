"""Fixtures for the sandbox's own tests: raw httpx over loopback (never the SDK)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gmodstore_sandbox.testing import Sandbox

PREFIXES = ["/api/v3", "/v3"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A keep-alive client for the session sandbox, authenticated as team A's owner."""
    with httpx.Client(base_url=sandbox.url, headers=bearer(sandbox.token), timeout=30) as client:
        yield client


@pytest.fixture(params=PREFIXES, ids=["api-v3", "v3"])
def prefix(request: pytest.FixtureRequest) -> str:
    """Both URL layouts serve the same API."""
    return str(request.param)


def purchases_path(prefix: str, product: str, purchase: str | None = None) -> str:
    path = f"{prefix}/products/{product}/purchases"
    return path if purchase is None else f"{path}/{purchase}"


def grant(http: httpx.Client, product: str, user: str, prefix: str = "/v3") -> dict[str, object]:
    """Create a purchase through the API and return its JSON object."""
    response = http.post(purchases_path(prefix, product), json={"userId": user})
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()["data"]
    return data


def list_all(
    http: httpx.Client, product: str, *, per_page: int = 100, params: dict[str, str] | None = None
) -> list[dict[str, object]]:
    """Every purchase of `product` by following `next` cursors."""
    rows: list[dict[str, object]] = []
    query: dict[str, str | int] = {"perPage": per_page, **(params or {})}
    while True:
        response = http.get(purchases_path("/v3", product), params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["data"]
        if body["cursors"]["next"] is None:
            return rows
        query["cursor"] = body["cursors"]["next"]
