"""Write safety through the generated API classes: the creates with a natural lookup recover
(coupon by code, badge and ticket tag by id), every other POST raises `ApiWriteUncertainError`,
PUT and DELETE are resent. Mock transports: each lost answer happens exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk import AlreadyExistsException, ApiWriteUncertainError
from gmodstore_sdk.api.product_coupons_api import AsyncProductCouponsApi, ProductCouponsApi
from gmodstore_sdk.api.teams_api import TeamsApi
from gmodstore_sdk.api.ticket_tags_api import TicketTagsApi
from gmodstore_sdk.api.user_badges_api import UserBadgesApi

from .conftest import PRODUCT, USER, FakeClock, Script, config, error

TICKET = "3b1f6a0e-2c4d-4e8f-9a1b-5c6d7e8f9a0b"
TAG = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"


def coupon(code: str = "SPRING-24", created: str = "2024-05-01T12:00:00Z") -> dict[str, Any]:
    return {
        "id": "5e0c1c55-0000-4000-8000-000000000001",
        "code": code,
        "percent": 10,
        "maxUses": 5,
        "boundUserId": None,
        "expiresAt": "2030-01-01T00:00:00Z",
        "createdAt": created,
        "updatedAt": created,
    }


def listing(*rows: dict[str, Any]) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "data": list(rows),
            "cursors": {"prev": None, "next": None},
            "connections": [],
            "meta": {"perPage": 100},
        },
    )


NEW_COUPON = {"code": "SPRING-24", "percent": 10, "maxUses": 5, "expiresAt": "2030-01-01T00:00:00Z"}


@pytest.fixture
def client(clock: FakeClock) -> Iterator[Callable[[Script], gmodstore_sdk.ApiClient]]:
    made: list[gmodstore_sdk.ApiClient] = []

    def make(script: Script) -> gmodstore_sdk.ApiClient:
        c = gmodstore_sdk.ApiClient(
            config(), transport=httpx.MockTransport(script), sleep=clock.sleep, clock=clock
        )
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def test_a_lost_coupon_create_is_found_by_its_code(client: Any) -> None:
    script = Script(httpx.ReadTimeout("slow"), listing(coupon()))
    api = ProductCouponsApi(client(script))
    info = api.create_product_coupon_with_http_info(PRODUCT, NEW_COUPON)
    assert script.methods == ["POST", "GET"]
    assert script.requests[1].url.query.decode() == "perPage=100&filter[code]=SPRING-24"
    assert (info.recovered, info.data.data.code) == (True, "SPRING-24")


def test_a_coupon_lookup_that_ignores_its_filter_is_uncertain(client: Any) -> None:
    script = Script(httpx.ReadTimeout("slow"), listing(coupon(code="OTHER")))
    with pytest.raises(ApiWriteUncertainError, match="may have been applied"):
        ProductCouponsApi(client(script)).create_product_coupon(PRODUCT, NEW_COUPON)
    assert script.methods == ["POST", "GET"]


def test_an_older_coupon_with_that_code_already_existed(client: Any) -> None:
    script = Script(httpx.ReadTimeout("slow"), listing(coupon(created="2020-01-01T00:00:00Z")))
    with pytest.raises(AlreadyExistsException):
        ProductCouponsApi(client(script)).create_product_coupon(PRODUCT, NEW_COUPON)


def test_no_coupon_found_resends_once(client: Any) -> None:
    created = httpx.Response(201, json={"data": coupon()})
    script = Script(error(503), listing(), created)
    info = ProductCouponsApi(client(script)).create_product_coupon_with_http_info(
        PRODUCT, NEW_COUPON
    )
    assert script.methods == ["POST", "GET", "POST"] and info.recovered is False


def test_a_lost_badge_is_found_by_its_id(client: Any) -> None:
    badge = {"id": "beta", "name": "Beta", "description": "x", "extension": "png"}
    script = Script(httpx.ReadError("reset"), listing({**badge, "id": "coal"}, badge))
    info = UserBadgesApi(client(script)).create_user_badge_with_http_info(
        USER, {"badge_id": "beta"}
    )
    assert script.methods == ["POST", "GET"]
    assert (info.recovered, info.data.data.id) == (True, "beta")


def test_a_lost_ticket_tag_is_found_by_its_id(client: Any) -> None:
    tag = {"id": TAG, "name": "bug", "colours": {"bg": "#f00", "text": "#fff"}}
    script = Script(httpx.ReadTimeout("slow"), listing(tag))
    info = TicketTagsApi(client(script)).create_ticket_tag_with_http_info(TICKET, {"tagId": TAG})
    assert (info.recovered, info.data.data.id) == (True, TAG)


def test_a_post_without_a_natural_lookup_raises_uncertain(client: Any) -> None:
    script = Script(httpx.ReadTimeout("slow"))
    with pytest.raises(ApiWriteUncertainError) as caught:
        TeamsApi(client(script)).create_team({"name": "Robots", "description": "beep"})
    assert script.methods == ["POST"]
    assert "POST /api/v3/teams" in str(caught.value)
    assert isinstance(caught.value, gmodstore_sdk.ApiTimeoutError)


def test_generated_delete_meeting_404_after_a_lost_attempt_is_done(client: Any) -> None:
    script = Script(httpx.ReadTimeout("slow"), error(404))
    info = ProductCouponsApi(client(script)).delete_product_coupon_with_http_info(
        PRODUCT, coupon()["id"]
    )
    assert script.methods == ["DELETE", "DELETE"]
    assert (info.status_code, info.data, info.recovered) == (404, None, True)


@pytest.mark.anyio
async def test_async_coupon_recovery(clock: FakeClock) -> None:
    script = Script(httpx.ReadTimeout("slow"), listing(coupon()))
    async with gmodstore_sdk.AsyncApiClient(
        config(), transport=httpx.MockTransport(script), sleep=clock.asleep, clock=clock
    ) as c:
        info = await AsyncProductCouponsApi(c).create_product_coupon_with_http_info(
            PRODUCT, NEW_COUPON
        )
    assert info.recovered is True
