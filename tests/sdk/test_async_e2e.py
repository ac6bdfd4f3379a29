"""End to end: the async SDK against a real sandbox server (twin of tests/sdk/test_e2e.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

import gmodstore_sdk
from gmodstore_sdk import (
    BadRequestException,
    ForbiddenException,
    NotFoundException,
    UnauthorizedException,
)
from gmodstore_sdk.api.product_purchases_api import AsyncProductPurchasesApi
from gmodstore_sdk.model import NewProductPurchasePayload, ProductPurchaseFilter

pytestmark = pytest.mark.anyio

Sandbox = Any
MakeApi = Callable[..., AsyncProductPurchasesApi]


@pytest.fixture
async def make_api(sandbox: Sandbox) -> AsyncIterator[MakeApi]:
    async with AsyncExitStack() as stack:

        def make(token: str | None = None, **options: Any) -> AsyncProductPurchasesApi:
            config = gmodstore_sdk.Configuration(
                host=sandbox.url, access_token=token or sandbox.token, **options
            )
            client = gmodstore_sdk.AsyncApiClient(config)
            stack.push_async_callback(client.aclose)
            return AsyncProductPurchasesApi(client)

        yield make


@pytest.fixture
def api(make_api: MakeApi) -> AsyncProductPurchasesApi:
    return make_api()


async def test_create_get_update_roundtrip(api: AsyncProductPurchasesApi, sandbox: Sandbox) -> None:
    product = sandbox.new_product()
    user = sandbox.new_user()
    created = await api.create_product_purchase(product, NewProductPurchasePayload(user_id=user))
    p = created.data
    assert (p.user_id, p.product_id, p.revoked) == (user, product, False)
    assert (await api.get_product_purchase(product, p.id)).data == p
    assert await api.has_active_purchase(product, user) is True
    revoked = await api.update_product_purchase(product, p.id, {"revoked": True})
    assert revoked.data.revoked is True
    assert await api.has_active_purchase(product, user) is False
    info = await api.update_product_purchase_with_http_info(product, p.id, {"revoked": False})
    assert info.status_code == 200 and info.data.data.revoked is False


async def test_list_and_iterate(api: AsyncProductPurchasesApi, sandbox: Sandbox) -> None:
    ids = sandbox.ids
    first = await api.list_product_purchases(ids.product_id, per_page=4)
    assert len(first.data) == 4 and first.cursors.next
    assert first["cursors"]["next"] == first.cursors.next
    walked = [p.id async for p in api.iter_product_purchases(ids.product_id, per_page=9)]
    assert len(walked) == len(set(walked)) > 9
    assert set(ids.purchase_ids) <= set(walked)


async def test_filters(api: AsyncProductPurchasesApi, sandbox: Sandbox) -> None:
    ids = sandbox.ids
    revoked = [
        p.id
        async for p in api.iter_product_purchases(
            ids.product_id, filter=ProductPurchaseFilter(revoked=True)
        )
    ]
    assert set(ids.revoked_purchase_ids) <= set(revoked)
    owners = ids.owner_user_ids[:3]
    page = await api.list_product_purchases(ids.product_id, filter={"user_id": owners})
    assert sorted(p.user_id for p in page.data) == sorted(owners)
    purchase = await api.get_product_purchase(
        ids.product_id, ids.purchase_ids[0], filter={"productId": ids.product_id}
    )
    assert purchase.data.id == ids.purchase_ids[0]


async def test_has_active_purchase(api: AsyncProductPurchasesApi, sandbox: Sandbox) -> None:
    ids = sandbox.ids
    revoked_owner = ids.owner_user_ids[ids.purchase_ids.index(ids.revoked_purchase_ids[0])]
    pairs = zip(ids.purchase_ids, ids.owner_user_ids, strict=True)
    active_owner = next(u for p, u in pairs if p not in ids.revoked_purchase_ids)
    assert await api.has_active_purchase(ids.product_id, active_owner) is True
    assert await api.has_active_purchase(ids.product_id, revoked_owner) is False
    assert await api.has_active_purchase(ids.product_id, ids.free_user_ids[0]) is False


async def test_errors(make_api: MakeApi, sandbox: Sandbox) -> None:
    ids = sandbox.ids
    api = make_api()
    with pytest.raises(BadRequestException) as bad:
        await api.create_product_purchase(ids.product_id, {"userId": ids.owner_user_ids[0]})
    assert "userId" in bad.value.errors
    with pytest.raises(UnauthorizedException):
        await make_api("not-a-token").list_product_purchases(ids.product_id)
    with pytest.raises(UnauthorizedException):
        await make_api(sandbox.expired_token).list_product_purchases(ids.product_id)
    with pytest.raises(ForbiddenException, match="product-purchases:write"):
        await make_api(sandbox.read_token).update_product_purchase(
            ids.product_id, ids.purchase_ids[0], {}
        )
    with pytest.raises(ForbiddenException):
        await api.get_product_purchase(ids.other_team_product_id, ids.purchase_ids[0])
    with pytest.raises(NotFoundException):
        await api.get_product_purchase(ids.product_id, "a/b")
