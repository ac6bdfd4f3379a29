"""Fixtures of the content tests: a seeded sandbox per backend with small upload limits.

Raw httpx over loopback (the generated SDK is not used here), as in tests/sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from gmodstore_sandbox.testing import Sandbox, run_sandbox

POSTGRES_ENV = "GMODSTORE_TEST_POSTGRES_URL"
CONTENT_SCOPES = (
    "product-versions:read",
    "product-versions:write",
    "product-versions:download",
    "product-media:read",
    "product-media:write",
    "product-coupons:read",
    "product-coupons:write",
    "product-reviews:read",
)
LIMITS = {
    "max_version_bytes": 2_000_000,
    "max_image_bytes": 300_000,
    "max_video_bytes": 400_000,
    "max_header_bytes": 200_000,
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Content:
    """A running sandbox plus a client whose token has every content scope (team A)."""

    sb: Sandbox
    http: httpx.Client
    token: str

    @property
    def product(self) -> str:
        return self.sb.ids.product_id

    def client(self, token: str | None) -> httpx.Client:
        headers = {} if token is None else bearer(token)
        return httpx.Client(base_url=self.sb.url + "/v3", headers=headers, timeout=30)


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def content(request: pytest.FixtureRequest) -> Iterator[Content]:
    database_url = None
    if request.param == "postgres":
        database_url = os.environ.get(POSTGRES_ENV)
        if not database_url:
            pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    with run_sandbox(database_url, **LIMITS) as sb:
        token = sb.new_token(scopes=CONTENT_SCOPES)
        with httpx.Client(base_url=sb.url + "/v3", headers=bearer(token), timeout=30) as http:
            yield Content(sb, http, token)


@pytest.fixture(params=["/api/v3", "/v3"], ids=["api-v3", "v3"])
def prefix(request: pytest.FixtureRequest) -> str:
    return str(request.param)
