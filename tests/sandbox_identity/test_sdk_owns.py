"""SDK `find_user_by_steam_id` and `owns` (sync and async) against the sandbox over HTTP.

Plus what a real sandbox cannot produce (a server ignoring the filter), on a mock transport.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk.api.users_api import AsyncUsersApi, UsersApi
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError

from .conftest import client, ok


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Shop:
    """A seller with 250 products; the buyer owns 200 (20 of those revoked) and one of team A's."""

    token: str
    buyer_id: str
    buyer_steam_id: int
    products: list[str]
    owned: set[str]
    foreign: str
    """A team A product the buyer owns, invisible to the seller's token."""


@pytest.fixture(scope="module")
def shop(sandbox: Sandbox) -> Shop:
    seller = sandbox.new_user("Big Seller")
    token = sandbox.token_for(seller)
    buyer = sandbox.new_user("Whale")
    with client(sandbox, token) as c:
        team = ok(c.post("/v3/teams", json={"name": "Big Shop"}), 201)["data"]["id"]
        products = [sandbox.new_product(team, f"Addon {i}") for i in range(250)]
        owned: set[str] = set()
        for i, product in enumerate(products[:200]):
            path = f"/v3/products/{product}/purchases"
            purchase = ok(c.post(path, json={"userId": buyer}), 201)["data"]
            if i % 10 == 0:
                ok(c.put(f"{path}/{purchase['id']}", json={"revoked": True}))
            else:
                owned.add(product)
        steam_id = ok(c.get(f"/v3/users/{buyer}"))["data"]["steamId"]
    foreign = sandbox.new_product("a", "Team A Extra")
    with client(sandbox, sandbox.token) as a:  # a purchase the seller's token cannot see
        ok(a.post(f"/v3/products/{foreign}/purchases", json={"userId": buyer}), 201)
    return Shop(token, buyer, steam_id, products, owned, foreign)


class Counter:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)

    async def hook(self, request: httpx.Request) -> None:
        self.requests.append(request)


@pytest.fixture
def counted(sandbox: Sandbox, shop: Shop) -> Iterator[tuple[UsersApi, Counter]]:
    counter = Counter()
    config = gmodstore_sdk.Configuration(host=sandbox.url, access_token=shop.token)
    http = httpx.Client(event_hooks={"request": [counter]}, timeout=30)
    with http, gmodstore_sdk.ApiClient(config, http_client=http) as api_client:
        yield UsersApi(api_client), counter


def _expected(shop: Shop, products: list[str]) -> dict[str, bool]:
    return {p: p in shop.owned for p in products}


def test_owns_250_products_by_steam_id_in_1_plus_3_requests(
    counted: tuple[UsersApi, Counter], shop: Shop
) -> None:
    api, counter = counted
    result = api.owns(shop.buyer_steam_id, shop.products)
    assert result == _expected(shop, shop.products)
    assert list(result) == shop.products
    assert sum(result.values()) == 180
    paths = [r.url.path for r in counter.requests]
    assert paths[0].endswith("/users") and len(paths) == 4
    assert all(p.endswith(f"/users/{shop.buyer_id}/purchases") for p in paths[1:])


def test_owns_by_user_id_skips_the_lookup(counted: tuple[UsersApi, Counter], shop: Shop) -> None:
    api, counter = counted
    subset = shop.products[195:205] + [shop.products[10]]
    assert api.owns(shop.buyer_id.upper(), subset) == _expected(shop, subset)
    assert len(counter.requests) == 1


def test_owns_sees_only_what_the_token_may_see(
    counted: tuple[UsersApi, Counter], shop: Shop, sandbox: Sandbox
) -> None:
    api, _ = counted
    assert api.owns(shop.buyer_id, [shop.foreign]) == {shop.foreign: False}


def test_owns_unknown_steam_id_is_all_false_after_one_request(
    counted: tuple[UsersApi, Counter], shop: Shop
) -> None:
    api, counter = counted
    assert api.owns("76561190000000001", shop.products[:3]) == dict.fromkeys(
        shop.products[:3], False
    )
    assert len(counter.requests) == 1
    assert api.owns(76561190000000001, []) == {}
    assert len(counter.requests) == 1


@pytest.mark.parametrize(
    ("user", "products", "error"),
    [
        ("not-a-uuid", [], ApiValueError),
        (-5, [], ApiValueError),
        (2**64, [], ApiValueError),
        (3.5, [], ApiTypeError),
        (True, [], ApiTypeError),
        ("76561198000000000", ["nope"], ApiValueError),
        ("76561198000000000", "a-single-string", ApiTypeError),
        ("76561198000000000", [5], ApiTypeError),
    ],
)
def test_owns_validates_before_sending(
    counted: tuple[UsersApi, Counter], user: Any, products: Any, error: type[Exception]
) -> None:
    api, counter = counted
    with pytest.raises(error):
        api.owns(user, products)
    assert counter.requests == []


def test_find_user_by_steam_id(counted: tuple[UsersApi, Counter], shop: Shop) -> None:
    api, counter = counted
    user = api.find_user_by_steam_id(shop.buyer_steam_id)
    assert (user.id, user.steam_id, user.name) == (shop.buyer_id, shop.buyer_steam_id, "Whale")
    assert api.find_user_by_steam_id(str(shop.buyer_steam_id)).id == shop.buyer_id
    assert api.find_user_by_steam_id(76561190000000001) is None
    assert len(counter.requests) == 3
    with pytest.raises(ApiValueError):
        api.find_user_by_steam_id("7656x")


def test_on_the_facade(sandbox: Sandbox, shop: Shop) -> None:
    config = gmodstore_sdk.Configuration(host=sandbox.url, access_token=shop.token)
    with gmodstore_sdk.GmodStore(config) as gs:
        assert gs.users.owns(shop.buyer_steam_id, shop.products[:2]) == _expected(
            shop, shop.products[:2]
        )


@pytest.mark.anyio
async def test_async_owns_and_find(sandbox: Sandbox, shop: Shop) -> None:
    counter = Counter()
    config = gmodstore_sdk.Configuration(host=sandbox.url, access_token=shop.token)
    http = httpx.AsyncClient(event_hooks={"request": [counter.hook]}, timeout=30)
    async with http, gmodstore_sdk.AsyncApiClient(config, http_client=http) as api_client:
        api = AsyncUsersApi(api_client)
        result = await api.owns(shop.buyer_steam_id, shop.products)
        assert result == _expected(shop, shop.products)
        assert len(counter.requests) == 4
        user = await api.find_user_by_steam_id(shop.buyer_steam_id)
        assert user.id == shop.buyer_id
        assert await api.find_user_by_steam_id(76561190000000001) is None
        with pytest.raises(ApiValueError):
            await api.owns("bad", shop.products[:1])
    async with gmodstore_sdk.AsyncGmodStore(config) as gs:
        assert await gs.users.owns(shop.buyer_id, shop.products[:1]) == {shop.products[0]: False}


# --- a server that ignores the filter (mock transport: a real sandbox never does this) --------

USER = "6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51"
OTHER = "10000000-0000-4000-8000-000000000001"
P1, P2, P3 = (f"20000000-0000-4000-8000-00000000000{i}" for i in (1, 2, 3))


def _row(user: str, product: str, revoked: bool = False) -> dict[str, Any]:
    at = "2026-11-25T13:30:00Z"
    return {"id": f"3{product[1:]}", "userId": user, "productId": product, "revoked": revoked,
            "createdAt": at, "updatedAt": at}  # fmt: skip


def test_owns_checks_every_row_and_follows_every_page() -> None:
    pages = {
        None: ([_row(OTHER, P1), _row(USER, P3), _row(USER, P2, revoked=True)], "c2"),
        "c2": ([_row(USER, P1)], None),
    }
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        seen.append(cursor)
        assert request.url.params["filter[productId]"] == f"{P1},{P2}"
        assert request.url.params["filter[revoked]"] == "false"
        rows, nxt = pages[cursor]
        body = {"data": rows, "cursors": {"prev": None, "next": nxt}, "connections": [],
                "meta": {"perPage": 100}}  # fmt: skip
        return httpx.Response(
            200, content=json.dumps(body), headers={"Content-Type": "application/json"}
        )

    config = gmodstore_sdk.Configuration(host="http://127.0.0.1:9", access_token="t0ken-value")
    with gmodstore_sdk.ApiClient(config, transport=httpx.MockTransport(handler)) as api_client:
        result = UsersApi(api_client).owns(USER, [P1, P2])
    # P3 was not asked for; P2's row is revoked; OTHER's row for P1 does not count; page 2 does.
    assert result == {P1: True, P2: False}
    assert seen == [None, "c2"]
