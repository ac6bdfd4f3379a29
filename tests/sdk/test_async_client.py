"""Async client behaviour on a scripted MockTransport: the twin of tests/sdk/test_client.py."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk import (
    ApiConnectionError,
    ApiTimeoutError,
    ApiTypeError,
    ApiValueError,
    BadRequestException,
    ForbiddenException,
    NotFoundException,
    RateLimit,
    ServiceException,
    UnauthorizedException,
)
from gmodstore_sdk.api.product_purchases_api import AsyncProductPurchasesApi

from .conftest import (
    EPOCH,
    PRODUCT,
    PURCHASE,
    TOKEN,
    USER,
    FakeClock,
    Script,
    WindowServer,
    config,
    error,
    page,
    purchase,
    single,
)

pytestmark = pytest.mark.anyio

MakeApi = Callable[..., AsyncProductPurchasesApi]
NEW = {"userId": USER}
ALREADY_OWNS = httpx.Response(400, json={"message": "This user already owns this product."})


async def test_methods_return_typed_models(make_async_api: MakeApi) -> None:
    script = Script(single(201), single(), page([purchase()]), single(revoked=True))
    async with make_async_api(script).api_client as client:
        api = AsyncProductPurchasesApi(client)
        assert (await api.create_product_purchase(PRODUCT, NEW)).data.user_id == USER
        assert (await api.get_product_purchase(PRODUCT, PURCHASE)).data.id == PURCHASE
        listed = await api.list_product_purchases(PRODUCT, per_page=10)
        assert listed["data"][0]["id"] == PURCHASE
        updated = await api.update_product_purchase(PRODUCT, PURCHASE, {"revoked": True})
        assert updated.data.revoked is True
    assert script.methods == ["POST", "GET", "GET", "PUT"]
    assert client._http.is_closed


async def test_with_http_info_and_rate_limit(make_async_api: MakeApi) -> None:
    headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "7", "X-RateLimit-Reset": "9"}
    script = Script(
        httpx.Response(200, json={"data": purchase()}, headers=headers),
        single(201),
        page([]),
        single(),
    )
    api = make_async_api(script)
    info = await api.get_product_purchase_with_http_info(PRODUCT, PURCHASE)
    assert (info.status_code, info.data.data.id) == (200, PURCHASE)
    assert api.api_client.rate_limit == RateLimit(300, 7, EPOCH + 9)
    assert (await api.create_product_purchase_with_http_info(PRODUCT, NEW)).status_code == 201
    assert (await api.list_product_purchases_with_http_info(PRODUCT)).data.data == []
    assert (await api.update_product_purchase_with_http_info(PRODUCT, PURCHASE)).status_code == 200


async def test_has_active_purchase(make_async_api: MakeApi) -> None:
    script = Script(page([purchase()]), page([]))
    api = make_async_api(script)
    assert await api.has_active_purchase(PRODUCT, USER) is True
    assert await api.has_active_purchase(PRODUCT, USER) is False
    assert script.requests[0].url.query.decode() == (
        f"perPage=1&filter[revoked]=false&filter[userId]={USER}"
    )


async def test_iter_follows_cursors_without_await(make_async_api: MakeApi) -> None:
    script = Script(
        page([purchase(1), purchase(2)], next_cursor="c2"),
        page([purchase(3)]),
    )
    api = make_async_api(script)
    ids = [p.id[-1] async for p in api.iter_product_purchases(PRODUCT, per_page=2)]
    assert ids == ["1", "2", "3"]
    assert [r.url.query.decode() for r in script.requests] == ["perPage=2", "perPage=2&cursor=c2"]


async def test_bad_input_sends_nothing(make_async_api: MakeApi) -> None:
    script = Script(single())
    api = make_async_api(script)
    with pytest.raises(ApiValueError):
        await api.get_product_purchase("", PURCHASE)
    with pytest.raises(ApiValueError):
        await api.has_active_purchase(PRODUCT, "not-a-uuid")
    with pytest.raises(ApiValueError):
        api.iter_product_purchases(PRODUCT, per_page=500)  # validated before iterating
    with pytest.raises(ApiTypeError):
        await api.create_product_purchase(PRODUCT, {"userId": 1})
    with pytest.raises(ApiTypeError):
        await api.update_product_purchase(PRODUCT, PURCHASE, {"revoked": "yes"})
    with pytest.raises(ApiValueError):
        await api.list_product_purchases(PRODUCT, per_page=0)
    assert script.requests == []


@pytest.mark.parametrize(
    ("response", "cls"),
    [
        (ALREADY_OWNS, BadRequestException),
        (error(401), UnauthorizedException),
        (error(403), ForbiddenException),
        (error(404), NotFoundException),
    ],
)
async def test_status_errors(
    make_async_api: MakeApi, response: httpx.Response, cls: type[Exception]
) -> None:
    script = Script(response)
    with pytest.raises(cls):
        await make_async_api(script).get_product_purchase(PRODUCT, PURCHASE)
    assert len(script.requests) == 1


async def test_get_retries_5xx_with_backoff(make_async_api: MakeApi, clock: FakeClock) -> None:
    script = Script(error(503), httpx.ConnectError("refused"), single())
    assert (await make_async_api(script).get_product_purchase(PRODUCT, PURCHASE)).data
    assert len(script.requests) == 3
    assert clock.sleeps == [0.5, 1.0]


async def test_retries_are_bounded(make_async_api: MakeApi) -> None:
    script = Script(error(500))
    with pytest.raises(ServiceException):
        await make_async_api(script, retries=1).list_product_purchases(PRODUCT)
    assert len(script.requests) == 2


async def test_timeout_raises_api_timeout_error(make_async_api: MakeApi) -> None:
    script = Script(httpx.ReadTimeout("slow"))
    with pytest.raises(ApiTimeoutError) as caught:
        await make_async_api(script).update_product_purchase(PRODUCT, PURCHASE)
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert script.methods == ["PUT"] * 3


async def test_post_retries_only_when_unsent(make_async_api: MakeApi, clock: FakeClock) -> None:
    script = Script(httpx.ConnectError("refused"), error(429, **{"Retry-After": "1"}), single(201))
    await make_async_api(script).create_product_purchase(PRODUCT, NEW)
    assert script.methods == ["POST"] * 3
    assert clock.sleeps == [0.5, 1.0]


async def test_ambiguous_post_is_looked_up_not_resent(make_async_api: MakeApi) -> None:
    script = Script(httpx.ReadTimeout("slow"), page([purchase()]))
    info = await make_async_api(script).create_product_purchase_with_http_info(PRODUCT, NEW)
    assert script.methods == ["POST", "GET"]
    assert info.recovered is True and info.data.data.id == PURCHASE


async def test_ambiguous_post_not_found_is_resent_once(make_async_api: MakeApi) -> None:
    script = Script(httpx.RemoteProtocolError("closed"), page([]), ALREADY_OWNS, page([purchase()]))
    info = await make_async_api(script).create_product_purchase_with_http_info(PRODUCT, NEW)
    assert script.methods == ["POST", "GET", "POST", "GET"]
    assert info.recovered is True


async def test_failed_lookup_raises_the_original_error(make_async_api: MakeApi) -> None:
    script = Script(httpx.ReadError("reset"), httpx.ConnectError("down"))
    with pytest.raises(ApiConnectionError, match="may have acted") as caught:
        await make_async_api(script).create_product_purchase(PRODUCT, NEW)
    assert isinstance(caught.value.__cause__, httpx.ReadError)
    assert script.methods.count("POST") == 1


async def test_spent_budget_waits_for_the_reset(make_async_api: MakeApi, clock: FakeClock) -> None:
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "25"}
    script = Script(httpx.Response(200, json={"data": purchase()}, headers=spent), single())
    api = make_async_api(script)
    await api.get_product_purchase(PRODUCT, PURCHASE)
    await api.get_product_purchase(PRODUCT, PURCHASE)
    assert clock.sleeps == [25.0]


async def test_token_never_leaks(make_async_api: MakeApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    script = Script(httpx.ConnectError("refused"), error(401, "Unauthenticated."))
    api = make_async_api(script)
    with pytest.raises(UnauthorizedException) as caught:
        await api.get_product_purchase(PRODUCT, PURCHASE)
    for text in (caplog.text, str(caught.value), repr(caught.value), repr(api.api_client)):
        assert TOKEN not in text
    assert "-> 401 in" in caplog.text


async def test_caller_supplied_async_client_is_not_closed() -> None:
    script = Script(single())
    http = httpx.AsyncClient(transport=httpx.MockTransport(script))
    async with gmodstore_sdk.AsyncApiClient(config(), http_client=http) as client:
        await AsyncProductPurchasesApi(client).get_product_purchase(PRODUCT, PURCHASE)
    assert script.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert not http.is_closed
    await http.aclose()


async def test_default_sleep_really_sleeps() -> None:
    script = Script(error(503), single())
    client = gmodstore_sdk.AsyncApiClient(
        config(backoff_base=0.001), transport=httpx.MockTransport(script)
    )
    await AsyncProductPurchasesApi(client).get_product_purchase(PRODUCT, PURCHASE)
    await client.aclose()
    assert len(script.requests) == 2


async def test_default_async_api_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMODSTORE_HOST", "http://127.0.0.1:1")
    api = AsyncProductPurchasesApi()
    assert api.api_client.base_url == "http://127.0.0.1:1/api/v3"
    await api.api_client.aclose()


async def test_one_client_shared_by_tasks(clock: FakeClock) -> None:
    """20 concurrent tasks, 3 requests per 20 s window: each waits its turn, none is refused."""
    import asyncio

    server = WindowServer(budget=3, window=20.0, clock=clock)
    client = gmodstore_sdk.AsyncApiClient(
        config(rate_limit_window=20.0),
        transport=httpx.MockTransport(server),
        sleep=clock.asleep,
        clock=clock,
    )
    api = AsyncProductPurchasesApi(client)
    await api.get_product_purchase(PRODUCT, PURCHASE)  # learn the budget: 2 left
    results = await asyncio.gather(
        *(api.get_product_purchase(PRODUCT, PURCHASE) for _ in range(20))
    )
    await client.aclose()
    assert len(results) == 20
    assert server.statuses == [200] * 21
    assert clock.sleeps  # tasks waited for resets rather than being refused


@pytest.mark.anyio
async def test_iter_raises_on_a_cursor_cycle(make_async_api: MakeApi) -> None:
    script = Script(
        page([purchase(1)], next_cursor="A"),
        page([purchase(2)], next_cursor="B"),
        page([purchase(3)], next_cursor="A"),
    )
    seen = []
    with pytest.raises(gmodstore_sdk.ApiResponseValidationError, match="pagination loops"):
        async for item in make_async_api(script).iter_product_purchases(PRODUCT):
            seen.append(item.id[-1])
    assert seen == ["1", "2", "3"]
