"""Concurrent writes over real HTTP: the unique constraint, not luck, prevents duplicates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from gmodstore_sandbox.testing import Sandbox

from .conftest import bearer, grant, list_all, purchases_path


def test_fifty_concurrent_creates_make_one_purchase(sandbox: Sandbox) -> None:
    product, user = sandbox.new_product(), sandbox.new_user()
    path = purchases_path("/v3", product)

    def create(_: int) -> httpx.Response:
        with httpx.Client(base_url=sandbox.url, headers=bearer(sandbox.token), timeout=60) as c:
            return c.post(path, json={"userId": user})

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(create, range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [400] * 49, [r.text for r in responses if r.status_code >= 500]
    for response in responses:
        if response.status_code == 400:
            assert "already owns" in response.json()["errors"]["userId"][0]
    with httpx.Client(base_url=sandbox.url, headers=bearer(sandbox.token)) as client:
        rows = list_all(client, product)
    assert [r["userId"] for r in rows] == [user]


def test_concurrent_creates_for_many_users(sandbox: Sandbox, http: httpx.Client) -> None:
    product = sandbox.new_product()
    users = [sandbox.new_user() for _ in range(30)]

    def create(user: str) -> int:
        with httpx.Client(base_url=sandbox.url, headers=bearer(sandbox.token), timeout=60) as c:
            return c.post(purchases_path("/api/v3", product), json={"userId": user}).status_code

    with ThreadPoolExecutor(max_workers=15) as pool:
        assert set(pool.map(create, users)) == {201}
    assert sorted(str(r["userId"]) for r in list_all(http, product)) == sorted(users)


def test_concurrent_revokes_settle(sandbox: Sandbox, http: httpx.Client) -> None:
    """Racing PUTs all succeed and the purchase ends in one of the requested states."""
    product = sandbox.new_product()
    purchase = grant(http, product, sandbox.new_user())
    path = purchases_path("/v3", product, str(purchase["id"]))

    def flip(i: int) -> int:
        with httpx.Client(base_url=sandbox.url, headers=bearer(sandbox.token), timeout=60) as c:
            return c.put(path, json={"revoked": i % 2 == 0}).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert set(pool.map(flip, range(20))) == {200}
    assert http.get(path).json()["data"]["revoked"] in (True, False)


def test_team_isolation_in_lists(sandbox: Sandbox, http: httpx.Client) -> None:
    """Team A's lists never contain team B's purchases, and B cannot list A's."""
    ids = sandbox.ids
    rows = list_all(http, ids.product_id)
    assert {r["productId"] for r in rows} == {ids.product_id}
    assert not {r["id"] for r in rows} & set(ids.other_team_purchase_ids)
    with httpx.Client(base_url=sandbox.url, headers=bearer(sandbox.other_team_token)) as b:
        own = list_all(b, ids.other_team_product_id)
        assert {r["id"] for r in own} >= set(ids.other_team_purchase_ids)
        assert b.get(purchases_path("/v3", ids.product_id)).status_code == 403
