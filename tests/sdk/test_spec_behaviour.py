"""What every generated operation does besides sending one request: pages, batches, 204, 403."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk.api.team_webhook_endpoints_api import (
    AsyncTeamWebhookEndpointsApi,
    TeamWebhookEndpointsApi,
)
from gmodstore_sdk.api.users_api import AsyncUsersApi, UsersApi
from gmodstore_sdk.exceptions import ForbiddenException

HOST = "http://127.0.0.1:9"


def _user(user_id: str, steam_id: int = 76561197960287930) -> dict[str, Any]:
    return {
        "id": user_id,
        "steamId": steam_id,
        "slug": "s",
        "name": "n",
        "countryCode": None,
        "avatarUrl": "https://example.com/a.png",
        "bio": "",
        "lastActionAt": "2024-01-01T00:00:00Z",
        "createdAt": "2024-01-01T00:00:00Z",
        "banProperties": [],
        "permissionGroupId": str(uuid.uuid4()),
    }


def _client(handler: Any) -> gmodstore_sdk.ApiClient:
    config = gmodstore_sdk.Configuration(host=HOST, api_path="/v3", access_token="t", retries=0)
    return gmodstore_sdk.ApiClient(config, transport=httpx.MockTransport(handler))


def _async_client(handler: Any) -> gmodstore_sdk.AsyncApiClient:
    config = gmodstore_sdk.Configuration(host=HOST, api_path="/v3", access_token="t", retries=0)
    return gmodstore_sdk.AsyncApiClient(config, transport=httpx.MockTransport(handler))


PAGES = {None: ("c1", 0), "c1": ("c2", 1), "c2": (None, 2)}


def _paged(seen: list[httpx.Request]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        next_cursor, index = PAGES[request.url.params.get("cursor")]
        data = [_user(f"00000000-0000-0000-0000-00000000000{index}")]
        body = {"data": data, "cursors": {"prev": None, "next": next_cursor}, "connections": []}
        return httpx.Response(200, json={**body, "meta": {"perPage": 1}})

    return handler


def test_iter_follows_cursors_and_keeps_the_filter_on_every_page() -> None:
    seen: list[httpx.Request] = []
    with _client(_paged(seen)) as client:
        users = UsersApi(client).iter_users(per_page=1, filter={"steamId": [1, 2]})
        assert seen == []  # nothing is sent before iterating
        ids = [u.id[-1] for u in users]
    assert ids == ["0", "1", "2"]
    assert [r.url.params.get("cursor") for r in seen] == [None, "c1", "c2"]
    assert {r.url.params["filter[steamId]"] for r in seen} == {"1,2"}
    assert {r.url.params["perPage"] for r in seen} == {"1"}


@pytest.mark.anyio
async def test_async_iter_follows_cursors() -> None:
    seen: list[httpx.Request] = []
    async with _async_client(_paged(seen)) as client:
        ids = [u.id[-1] async for u in AsyncUsersApi(client).iter_users(filter={"steamId": 5})]
    assert ids == ["0", "1", "2"]
    assert {r.url.params["filter[steamId]"] for r in seen} == {"5"}


def test_iter_validates_its_arguments_when_created() -> None:
    with _client(_paged([])) as client, pytest.raises(gmodstore_sdk.ApiValueError):
        UsersApi(client).iter_users(per_page=500)


def _batch(seen: list[list[str]]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        ids = request.url.params.get_list("ids[]")
        seen.append(ids)
        # The server answers in its own order, and not for ids it does not know.
        return httpx.Response(
            200, json={"data": [_user(i) for i in reversed(ids) if not i.endswith("f")]}
        )

    return handler


def test_a_batch_of_any_size_is_sent_100_ids_at_a_time_in_the_order_asked() -> None:
    ids = [str(uuid.uuid4()) for _ in range(250)]
    seen: list[list[str]] = []
    with _client(_batch(seen)) as client:
        result = UsersApi(client).get_users(ids + ids[:10])  # duplicates are asked once
    assert [len(chunk) for chunk in seen] == [100, 100, 50]
    assert sorted(sum(seen, [])) == sorted(ids)
    assert [u.id for u in result.data] == [i for i in ids if not i.endswith("f")]


@pytest.mark.anyio
async def test_async_batch_too() -> None:
    ids = [str(uuid.uuid4()) for _ in range(101)]
    seen: list[list[str]] = []
    async with _async_client(_batch(seen)) as client:
        result = await AsyncUsersApi(client).get_users(ids)
    assert [len(chunk) for chunk in seen] == [100, 1]
    assert [u.id for u in result.data] == [i for i in ids if not i.endswith("f")]


def test_a_204_returns_none_and_the_status_with_http_info() -> None:
    with _client(lambda request: httpx.Response(204)) as client:
        api = TeamWebhookEndpointsApi(client)
        assert api.test_team_webhook_endpoints("team") is None
        assert api.test_team_webhook_endpoints_with_http_info("team").status_code == 204


@pytest.mark.anyio
async def test_async_204() -> None:
    async with _async_client(lambda request: httpx.Response(204)) as client:
        assert await AsyncTeamWebhookEndpointsApi(client).test_team_webhook_endpoints("t") is None


def test_a_403_names_the_scope_the_operation_needs() -> None:
    answer = httpx.Response(403, json={"message": "This action is unauthorized."})
    with _client(lambda request: answer) as client, pytest.raises(ForbiddenException) as info:
        UsersApi(client).get_user("u")
    assert "users:read" in str(info.value)
