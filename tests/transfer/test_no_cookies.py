"""The SDK's own httpx clients keep no cookies: a `Set-Cookie` is never replayed.

The API authenticates every request by its token. A cookie set by the API host (or a proxy in front
of it) must not follow the caller to later calls, nor to the one-time download host. A caller's own
`http_client` keeps whatever cookie behaviour its owner gave it. Real HTTP on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk.api.users_api import AsyncUsersApi, UsersApi

from .loopback import Loopback, Received, Reply, serve

USER = "40c44504-caf7-4321-9569-000000000001"
BODY = {
    "data": {
        "id": USER,
        "steamId": 76561197960287931,
        "slug": "u",
        "name": "U",
        "countryCode": "NL",
        "avatarUrl": "https://media.example.com/a.png",
        "bio": "{}",
        "lastActionAt": "2024-05-01T12:00:00Z",
        "createdAt": "2024-05-01T12:00:00Z",
        "banProperties": [],
        "permissionGroupId": "5f1d5c4e-4a8e-4c52-9b8b-5b6b2b0f7d11",
    }
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def server() -> Iterator[Loopback]:
    with serve() as loop:

        @loop.route("GET", "/api/v3/users/")
        def user(received: Received, _: Loopback) -> Reply:
            return Reply(json_body=BODY, headers={"Set-Cookie": "session=abc; Path=/"})

        yield loop


def _cookies(server: Loopback) -> list[str | None]:
    return [{k.lower(): v for k, v in r.headers.items()}.get("cookie") for r in server.received]


def test_sync_client_sends_back_no_cookie(server: Loopback) -> None:
    config = gmodstore_sdk.Configuration(host=server.url, access_token="t", retries=0)
    with gmodstore_sdk.ApiClient(config) as client:
        api = UsersApi(client)
        for _ in range(3):
            assert api.get_user(USER).data.id == USER
        assert len(client._http.cookies) == 0
        with pytest.raises(TypeError, match="sends no cookies"):
            client._http.cookies.set("session", "abc")
    assert _cookies(server) == [None, None, None]


@pytest.mark.anyio
async def test_async_client_sends_back_no_cookie(server: Loopback) -> None:
    config = gmodstore_sdk.Configuration(host=server.url, access_token="t", retries=0)
    async with gmodstore_sdk.AsyncApiClient(config) as client:
        api = AsyncUsersApi(client)
        for _ in range(3):
            assert (await api.get_user(USER)).data.id == USER
    assert _cookies(server) == [None, None, None]


def test_a_callers_own_client_keeps_its_cookies(server: Loopback) -> None:
    config = gmodstore_sdk.Configuration(host=server.url, access_token="t", retries=0)
    with httpx.Client(timeout=10) as http, gmodstore_sdk.ApiClient(config, http_client=http) as c:
        api = UsersApi(c)
        api.get_user(USER)
        api.get_user(USER)
    assert _cookies(server) == [None, "session=abc"]
