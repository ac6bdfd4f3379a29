"""The generated ProductCouponsApi end to end against the real sandbox (which serves coupons).

Create, get, list with a filter, iterate, update and delete, sync and async, plus validation and
the scope named by a 403.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import gmodstore_sdk
from gmodstore_sdk.api.product_coupons_api import AsyncProductCouponsApi, ProductCouponsApi

SCOPES = ("product-coupons:read", "product-coupons:write")
SOON = datetime.now(timezone.utc) + timedelta(days=7)  # the API allows at most two weeks


def _config(sandbox: Any, token: str) -> gmodstore_sdk.Configuration:
    return gmodstore_sdk.Configuration(host=sandbox.url, access_token=token)


def test_coupon_lifecycle(sandbox: Any) -> None:
    product = sandbox.new_product()
    token = sandbox.new_token(scopes=SCOPES)
    with gmodstore_sdk.GmodStore(_config(sandbox, token)) as gs:
        api: ProductCouponsApi = gs.product_coupons
        created = api.create_product_coupon(
            product,
            {
                "code": "E2E_SPRING",
                "percent": 25,
                "maxUses": 10,
                "expiresAt": SOON,
            },
        ).data
        assert (created.code, created.percent, created.max_uses) == ("E2E_SPRING", 25, 10)
        assert api.get_product_coupon(product, created.id).data.id == created.id
        for code in ("E2E_A", "E2E_B"):
            api.create_product_coupon(
                product,
                {"code": code, "percent": 5, "maxUses": 1, "expiresAt": SOON},
            )
        page = api.list_product_coupons(product, filter={"code": ["E2E_A"]})
        assert [c.code for c in page.data] == ["E2E_A"]
        assert sorted(c.code for c in api.iter_product_coupons(product, per_page=1)) == [
            "E2E_A",
            "E2E_B",
            "E2E_SPRING",
        ]
        updated = api.update_product_coupon(product, created.id, {"percent": 30}).data
        assert updated.percent == 30
        api.delete_product_coupon(product, created.id)
        with pytest.raises(gmodstore_sdk.NotFoundException):
            api.get_product_coupon(product, created.id)


def test_bad_coupon_input_is_refused_before_sending(sandbox: Any) -> None:
    with gmodstore_sdk.GmodStore(_config(sandbox, sandbox.new_token(scopes=SCOPES))) as gs:
        with pytest.raises(gmodstore_sdk.ApiValueError):
            gs.product_coupons.create_product_coupon(
                sandbox.new_product(),
                {"code": "X", "percent": 95, "maxUses": 1, "expiresAt": SOON},
            )


def test_a_token_without_the_scope_is_told_which_one(sandbox: Any) -> None:
    token = sandbox.new_token(scopes=["product-purchases:read"])  # no coupon scope
    with gmodstore_sdk.GmodStore(_config(sandbox, token)) as gs:
        with pytest.raises(gmodstore_sdk.ForbiddenException) as info:
            gs.product_coupons.list_product_coupons(sandbox.ids.product_id)
    assert "product-coupons:read" in str(info.value)


@pytest.mark.anyio
async def test_async_coupons(sandbox: Any) -> None:
    product = sandbox.new_product()
    token = sandbox.new_token(scopes=SCOPES)
    async with gmodstore_sdk.AsyncGmodStore(_config(sandbox, token)) as gs:
        api: AsyncProductCouponsApi = gs.product_coupons
        created = await api.create_product_coupon(
            product,
            {"code": "E2E_ASYNC", "percent": 10, "maxUses": 2, "expiresAt": SOON},
        )
        codes = [c.code async for c in api.iter_product_coupons(product)]
        assert codes == ["E2E_ASYNC"]
        assert (await api.get_product_coupon(product, created.data.id)).data.code == "E2E_ASYNC"
