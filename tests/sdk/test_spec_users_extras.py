"""`UsersApi.find_user_by_steam_id` and `owns` (hand-written extras), sync and async."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk.api.users_api import AsyncUsersApi, UsersApi
from gmodstore_sdk.exceptions import ApiResponseValidationError

from .test_spec_behaviour import HOST, _user

STEAM = 76561197960287930
USER = str(uuid.uuid4())
PRODUCT = str(uuid.uuid4())


def _purchase(user: str = USER, product: str = PRODUCT, revoked: bool = False) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "userId": user,
        "productId": product,
        "revoked": revoked,
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-01-01T00:00:00Z",
    }


def _page(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "data": rows,
        "cursors": {"prev": None, "next": None},
        "connections": [],
        "meta": {"perPage": 1},
    }


def _handler(
    users: list[dict[str, Any]], purchases: list[dict[str, Any]], seen: list[httpx.Request]
) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        rows = purchases if request.url.path.endswith("/purchases") else users
        return httpx.Response(200, json=_page(rows))

    return handler


def _config() -> gmodstore_sdk.Configuration:
    return gmodstore_sdk.Configuration(host=HOST, api_path="/v3", access_token="t", retries=0)


def test_find_user_by_steam_id() -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(_handler([_user(USER, STEAM)], [], seen))
    with gmodstore_sdk.ApiClient(_config(), transport=transport) as client:
        assert UsersApi(client).find_user_by_steam_id(STEAM).id == USER  # type: ignore[union-attr]
    assert seen[0].url.params["filter[steamId]"] == str(STEAM)


def test_no_user_with_that_steam_id_is_none_and_a_wrong_row_is_not_trusted() -> None:
    with gmodstore_sdk.ApiClient(
        _config(), transport=httpx.MockTransport(_handler([], [], []))
    ) as c:
        assert UsersApi(c).find_user_by_steam_id(STEAM) is None
    wrong = httpx.MockTransport(_handler([_user(USER, STEAM + 1)], [], []))
    with (
        gmodstore_sdk.ApiClient(_config(), transport=wrong) as c,
        pytest.raises(ApiResponseValidationError),
    ):
        UsersApi(c).find_user_by_steam_id(STEAM)


@pytest.mark.parametrize(
    ("purchases", "owns"),
    [([_purchase()], True), ([], False)],
    ids=["owns", "does-not-own"],
)
def test_owns(purchases: list[dict[str, Any]], owns: bool) -> None:
    seen: list[httpx.Request] = []
    with gmodstore_sdk.ApiClient(
        _config(), transport=httpx.MockTransport(_handler([], purchases, seen))
    ) as c:
        assert UsersApi(c).owns(USER, PRODUCT) is owns
    params = seen[0].url.params
    assert (seen[0].url.path, params["filter[productId]"], params["filter[revoked]"]) == (
        f"/v3/users/{USER}/purchases",
        PRODUCT,
        "false",
    )


@pytest.mark.parametrize(
    "row",
    [
        _purchase(product=str(uuid.uuid4())),
        _purchase(user=str(uuid.uuid4())),
        _purchase(revoked=True),
    ],
    ids=["other-product", "other-user", "revoked"],
)
def test_owns_does_not_trust_a_row_its_filter_excludes(row: dict[str, Any]) -> None:
    with gmodstore_sdk.ApiClient(
        _config(), transport=httpx.MockTransport(_handler([], [row], []))
    ) as c:
        with pytest.raises(ApiResponseValidationError):
            UsersApi(c).owns(USER, PRODUCT)


@pytest.mark.anyio
async def test_async_twins() -> None:
    transport = httpx.MockTransport(_handler([_user(USER, STEAM)], [_purchase()], []))
    async with gmodstore_sdk.AsyncApiClient(_config(), transport=transport) as client:
        api = AsyncUsersApi(client)
        assert (await api.find_user_by_steam_id(str(STEAM))).id == USER  # type: ignore[union-attr]
        assert await api.owns(USER, PRODUCT) is True


def test_a_steam_id_must_be_a_number() -> None:
    with gmodstore_sdk.ApiClient(
        _config(), transport=httpx.MockTransport(_handler([], [], []))
    ) as c:
        with pytest.raises(gmodstore_sdk.ApiTypeError):
            UsersApi(c).find_user_by_steam_id("STEAM_0:1:2")
