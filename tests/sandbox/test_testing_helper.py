"""The testing helper itself: seeding, restarts on the same database, import cost."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest

import gmodstore_sandbox.testing as testing
from gmodstore_sandbox.storage.tables import utcnow
from gmodstore_sandbox.testing import run_sandbox

from .conftest import bearer, purchases_path

BACKENDS = [
    pytest.param(None, id="sqlite"),
    pytest.param(
        os.environ.get("GMODSTORE_TEST_POSTGRES_URL"),
        id="postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                not os.environ.get("GMODSTORE_TEST_POSTGRES_URL"),
                reason="needs GMODSTORE_TEST_POSTGRES_URL",
            ),
        ],
    ),
]


def test_module_is_import_light() -> None:
    code = (
        "import sys, gmodstore_sandbox.testing\n"
        "heavy = {'fastapi', 'sqlalchemy', 'uvicorn', 'starlette', 'pydantic'} & set(sys.modules)\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plugin_fixture_is_offered() -> None:
    assert callable(testing.gmodstore_sandbox)


def test_seeded_ids(sandbox: testing.Sandbox) -> None:
    ids = sandbox.ids
    assert len(ids.purchase_ids) == len(ids.owner_user_ids) == 30
    assert set(ids.revoked_purchase_ids) < set(ids.purchase_ids)
    assert ids.revoked_purchase_ids
    assert len(ids.free_user_ids) == 30
    assert not set(ids.free_user_ids) & set(ids.owner_user_ids)
    assert sandbox.url.startswith("http://127.0.0.1:")
    assert len({sandbox.token, sandbox.read_token, sandbox.write_token}) == 3


def test_new_token_with_expiry(sandbox: testing.Sandbox) -> None:
    expired = sandbox.new_token(expires_at=utcnow() - timedelta(seconds=1))
    fresh = sandbox.new_token(scopes=["product-purchases:read"], team="b")
    path = purchases_path("/v3", sandbox.ids.other_team_product_id)
    with httpx.Client(base_url=sandbox.url) as client:
        assert client.get(path, headers=bearer(expired)).status_code == 401
        assert client.get(path, headers=bearer(fresh)).status_code == 200


@pytest.mark.parametrize("database_url", BACKENDS)
def test_restart_on_same_database(database_url: str | None) -> None:
    with run_sandbox(database_url, cursor_secret="fixed") as sb:
        path = purchases_path("/v3", sb.ids.product_id)
        with httpx.Client(base_url=sb.url, headers=bearer(sb.token)) as client:
            first = client.get(path, params={"perPage": 5}).json()
            sb.stop()
            with pytest.raises(httpx.TransportError):
                client.get(path)
            sb.start()
            again = client.get(path, params={"perPage": 5, "cursor": first["cursors"]["next"]})
            assert again.status_code == 200
            assert [p["id"] for p in again.json()["data"]] == sb.ids.purchase_ids[5:10]
        # A second server on the same database, reusing the seeded ids and tokens.
        with run_sandbox(sb.database_url, seed=sb.seed) as second:
            assert second.database_url == sb.database_url
            assert second.url != sb.url
            with httpx.Client(base_url=second.url, headers=bearer(second.token)) as client:
                got = client.get(path, params={"perPage": 100}).json()["data"]
                assert [p["id"] for p in got] == sb.ids.purchase_ids


def test_unseeded_sandbox() -> None:
    with run_sandbox(seed=False) as sb:
        assert sb.seed is None
        with pytest.raises(RuntimeError):
            _ = sb.token
        response = httpx.get(f"{sb.url}/v3/products/x/purchases")
        assert response.status_code == 401
