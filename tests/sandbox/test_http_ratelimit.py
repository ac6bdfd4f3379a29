"""Rate limiting over real HTTP, on a separate sandbox with a limit of 5 per 2-second window."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from gmodstore_sandbox.testing import Sandbox, run_sandbox

from .conftest import bearer, purchases_path

LIMIT = 5
WINDOW = 2.0


@pytest.fixture(scope="module")
def limited() -> Iterator[Sandbox]:
    with run_sandbox(rate_limit=LIMIT, rate_limit_window=WINDOW) as sb:
        yield sb


def test_limit_headers_count_down_then_429(limited: Sandbox) -> None:
    token = limited.new_token()
    with httpx.Client(base_url=limited.url, headers=bearer(token)) as client:
        path = purchases_path("/v3", limited.ids.product_id)
        remaining = []
        for i in range(LIMIT):
            # Error responses count too, and carry the same headers.
            response = client.get(path if i % 2 == 0 else path + "/unknown")
            assert response.status_code == (200 if i % 2 == 0 else 404)
            remaining.append(int(response.headers["x-ratelimit-remaining"]))
            assert response.headers["x-ratelimit-limit"] == str(LIMIT)
        assert remaining == list(range(LIMIT - 1, -1, -1))
        refused = client.get(path)
        assert refused.status_code == 429
        assert refused.json() == {"message": refused.json()["message"]}
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= WINDOW + 1
        reset = int(refused.headers["x-ratelimit-reset"])
        assert time.time() - 1 <= reset <= time.time() + WINDOW + 1
        assert refused.headers["x-ratelimit-remaining"] == "0"
        time.sleep(retry_after)
        assert client.get(path).status_code != 429


def test_limit_is_per_token(limited: Sandbox) -> None:
    first, second = limited.new_token(), limited.new_token()
    path = purchases_path("/api/v3", limited.ids.product_id, limited.ids.purchase_ids[0])
    with httpx.Client(base_url=limited.url) as client:
        for _ in range(LIMIT):
            assert client.get(path, headers=bearer(first)).status_code == 200
        assert client.get(path, headers=bearer(first)).status_code == 429
        other = client.get(path, headers=bearer(second))
        assert other.status_code == 200
        assert other.headers["x-ratelimit-remaining"] == str(LIMIT - 1)


def test_unauthenticated_requests_are_not_counted(limited: Sandbox) -> None:
    with httpx.Client(base_url=limited.url) as client:
        for _ in range(LIMIT + 2):
            response = client.get(purchases_path("/v3", limited.ids.product_id))
            assert response.status_code == 401
            assert response.headers["x-ratelimit-limit"] == str(LIMIT)
            assert response.headers["x-ratelimit-remaining"] == str(LIMIT)
            assert "x-ratelimit-reset" in response.headers


def test_429_comes_after_authentication(limited: Sandbox) -> None:
    token = limited.new_token()
    with httpx.Client(base_url=limited.url) as client:
        path = purchases_path("/v3", limited.ids.product_id)
        for _ in range(LIMIT):
            client.get(path, headers=bearer(token))
        assert client.get(path, headers=bearer(token)).status_code == 429
        assert client.get(path, headers=bearer("wrong")).status_code == 401
