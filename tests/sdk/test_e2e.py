"""End to end: the sync SDK against a real sandbox server over loopback HTTP.

Writes go to products created for the test, so the seeded data other suites rely on is untouched.
tests/sdk/test_async_e2e.py is the async twin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk import (
    BadRequestException,
    ForbiddenException,
    NotFoundException,
    UnauthorizedException,
)
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
from gmodstore_sdk.model import (
    CreateProductPurchaseResponse,
    GetProductPurchaseResponse,
    ListProductPurchasesResponse,
    NewProductPurchasePayload,
    ProductPurchaseFilter,
    UpdateProductPurchasePayload,
    UpdateProductPurchaseResponse,
)

Sandbox = Any
MakeApi = Callable[..., ProductPurchasesApi]


@pytest.fixture
def make_api(sandbox: Sandbox) -> Iterator[MakeApi]:
    clients: list[gmodstore_sdk.ApiClient] = []

    def make(token: str | None = None, **options: Any) -> ProductPurchasesApi:
        config = gmodstore_sdk.Configuration(
            host=sandbox.url, access_token=token or sandbox.token, **options
        )
        client = gmodstore_sdk.ApiClient(config)
        clients.append(client)
        return ProductPurchasesApi(client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(make_api: MakeApi) -> ProductPurchasesApi:
    return make_api()


def test_create_get_update_roundtrip(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    product = sandbox.new_product()
    user = sandbox.new_user()

    created = api.create_product_purchase(product, NewProductPurchasePayload(user_id=user))
    assert isinstance(created, CreateProductPurchaseResponse)
    p = created.data
    assert (p.user_id, p.product_id, p.revoked) == (user, product, False)
    assert p.created_at.tzinfo is not None

    got = api.get_product_purchase(product, p.id)
    assert isinstance(got, GetProductPurchaseResponse)
    assert got.data == p

    revoked = api.update_product_purchase(product, p.id, UpdateProductPurchasePayload(revoked=True))
    assert isinstance(revoked, UpdateProductPurchaseResponse)
    assert revoked.data.revoked is True
    assert revoked.data.updated_at >= p.updated_at
    assert api.has_active_purchase(product, user) is False

    restored = api.update_product_purchase(product, p.id, {"revoked": False})
    assert restored.data.revoked is False
    assert api.has_active_purchase(product, user) is True

    unchanged = api.update_product_purchase(product, p.id)
    assert unchanged.data.revoked is False


def test_create_accepts_dicts_and_reports_status(
    api: ProductPurchasesApi, sandbox: Sandbox
) -> None:
    product = sandbox.new_product()
    info = api.create_product_purchase_with_http_info(product, {"user_id": sandbox.new_user()})
    assert info.status_code == 201
    assert info.recovered is False
    assert "x-ratelimit-limit" in info.headers
    rate = api.api_client.rate_limit
    assert rate is not None and rate.limit is not None and rate.remaining is not None
    assert rate.reset_at is not None


def test_list_page_shape(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    resp = api.list_product_purchases(sandbox.ids.product_id, per_page=5)
    assert isinstance(resp, ListProductPurchasesResponse)
    assert len(resp.data) == 5
    assert resp.meta.per_page == 5
    assert resp.cursors.prev is None and resp.cursors.next
    assert resp["data"][0]["id"] == resp.data[0].id  # the documented untyped access
    second = api.list_product_purchases(
        sandbox.ids.product_id, per_page=5, cursor=resp.cursors.next
    )
    assert {p.id for p in second.data}.isdisjoint(p.id for p in resp.data)
    assert second.cursors.prev is not None


def test_list_default_page_size(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    resp = api.list_product_purchases(sandbox.ids.product_id)
    assert resp.meta.per_page == 24
    assert len(resp.data) == 24


def test_iter_walks_every_page(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    purchases = list(api.iter_product_purchases(sandbox.ids.product_id, per_page=7))
    ids = [p.id for p in purchases]
    assert len(ids) == len(set(ids))
    assert set(sandbox.ids.purchase_ids) <= set(ids)
    assert len(ids) > 7  # more than one page


def test_iter_empty_product(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    assert list(api.iter_product_purchases(sandbox.ids.empty_product_id)) == []


@pytest.mark.parametrize(
    "make_filter",
    [
        pytest.param(lambda ids: ProductPurchaseFilter(revoked=True), id="model"),
        pytest.param(lambda ids: {"revoked": True}, id="dict"),
        pytest.param(lambda ids: {"revoked": [True]}, id="list"),
    ],
)
def test_filter_revoked(
    api: ProductPurchasesApi, sandbox: Sandbox, make_filter: Callable[[Any], Any]
) -> None:
    ids = sandbox.ids
    found = list(api.iter_product_purchases(ids.product_id, filter=make_filter(ids)))
    assert found and all(p.revoked for p in found)
    assert set(ids.revoked_purchase_ids) <= {p.id for p in found}
    active = list(api.iter_product_purchases(ids.product_id, filter={"revoked": False}))
    assert active and not any(p.revoked for p in active)
    assert {p.id for p in active}.isdisjoint(ids.revoked_purchase_ids)


def test_filter_users_and_products(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    ids = sandbox.ids
    owners = ids.owner_user_ids[:2]
    by_user = api.list_product_purchases(ids.product_id, filter={"userId": owners})
    assert sorted(p.user_id for p in by_user.data) == sorted(owners)
    one = api.list_product_purchases(
        ids.product_id, filter=ProductPurchaseFilter(user_id=owners[0])
    )
    assert [p.id for p in one.data] == [ids.purchase_ids[0]]
    both = api.list_product_purchases(
        ids.product_id,
        per_page=100,
        filter=ProductPurchaseFilter(revoked=False, user_id=owners, product_id=ids.product_id),
    )
    assert {p.user_id for p in both.data} <= set(owners)
    other = api.list_product_purchases(ids.product_id, filter={"productId": ids.empty_product_id})
    assert other.data == []


def test_get_with_filter(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    ids = sandbox.ids
    purchase = ids.purchase_ids[0]
    resp = api.get_product_purchase(
        ids.product_id, purchase, filter={"userId": ids.owner_user_ids[0], "revoked": False}
    )
    assert resp.data.id == purchase


def test_has_active_purchase(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    ids = sandbox.ids
    revoked = ids.revoked_purchase_ids[0]
    revoked_owner = ids.owner_user_ids[ids.purchase_ids.index(revoked)]
    pairs = zip(ids.purchase_ids, ids.owner_user_ids, strict=True)
    active_owner = next(u for p, u in pairs if p not in ids.revoked_purchase_ids)
    assert api.has_active_purchase(ids.product_id, active_owner) is True
    assert api.has_active_purchase(ids.product_id, revoked_owner) is False
    assert api.has_active_purchase(ids.product_id, ids.free_user_ids[0]) is False
    assert api.has_active_purchase(ids.product_id, sandbox.new_user()) is False


def test_root_api_path(make_api: MakeApi, sandbox: Sandbox) -> None:
    api = make_api(api_path="/v3", tenant="gmodstore.com")
    assert api.api_client.base_url == f"{sandbox.url}/v3"
    assert api.get_product_purchase(sandbox.ids.product_id, sandbox.ids.purchase_ids[0]).data


def test_token_from_environment(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMODSTORE_HOST", sandbox.url)
    # As read from a secrets file: the trailing newline must not reach the header.
    monkeypatch.setenv("GMODSTORE_TOKEN", sandbox.read_token + "\n")
    with gmodstore_sdk.ApiClient() as client:
        api = ProductPurchasesApi(client)
        assert api.list_product_purchases(sandbox.ids.product_id, per_page=1).data


# -- errors ---------------------------------------------------------------------------------------


def test_400_missing_user(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    with pytest.raises(BadRequestException) as caught:
        api.create_product_purchase(sandbox.new_product())
    assert caught.value.status == 400
    assert caught.value.message
    assert "userId" in caught.value.errors


def test_400_already_owns(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    ids = sandbox.ids
    with pytest.raises(BadRequestException) as caught:
        api.create_product_purchase(ids.product_id, {"userId": ids.owner_user_ids[0]})
    assert "userId" in caught.value.errors


def test_400_unknown_user(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    with pytest.raises(BadRequestException):
        api.create_product_purchase(
            sandbox.new_product(), {"userId": "00000000-0000-4000-8000-000000000000"}
        )


@pytest.mark.parametrize("token", ["bad-token", "expired"])
def test_401(make_api: MakeApi, sandbox: Sandbox, token: str) -> None:
    api = make_api(sandbox.expired_token if token == "expired" else token)
    with pytest.raises(UnauthorizedException, match="GMODSTORE_TOKEN") as caught:
        api.get_product_purchase(sandbox.ids.product_id, sandbox.ids.purchase_ids[0])
    assert caught.value.status == 401
    assert sandbox.expired_token not in str(caught.value)


def test_401_without_token(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GMODSTORE_TOKEN", raising=False)
    with gmodstore_sdk.ApiClient(gmodstore_sdk.Configuration(host=sandbox.url)) as client:
        with pytest.raises(UnauthorizedException):
            ProductPurchasesApi(client).list_product_purchases(sandbox.ids.product_id)


def test_403_missing_write_scope(make_api: MakeApi, sandbox: Sandbox) -> None:
    api = make_api(sandbox.read_token)
    with pytest.raises(ForbiddenException, match="product-purchases:write"):
        api.create_product_purchase(sandbox.ids.product_id, {"userId": sandbox.new_user()})
    with pytest.raises(ForbiddenException, match="product-purchases:write"):
        api.update_product_purchase(sandbox.ids.product_id, sandbox.ids.purchase_ids[0], {})


def test_403_missing_read_scope(make_api: MakeApi, sandbox: Sandbox) -> None:
    api = make_api(sandbox.write_token)
    with pytest.raises(ForbiddenException, match="product-purchases:read"):
        api.list_product_purchases(sandbox.ids.product_id)
    with pytest.raises(ForbiddenException):
        api.has_active_purchase(sandbox.ids.product_id, sandbox.ids.owner_user_ids[0])


def test_403_other_team(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    with pytest.raises(ForbiddenException) as caught:
        api.list_product_purchases(sandbox.ids.other_team_product_id)
    assert caught.value.status == 403


def test_404(api: ProductPurchasesApi, sandbox: Sandbox) -> None:
    with pytest.raises(NotFoundException) as caught:
        api.get_product_purchase(sandbox.ids.product_id, "00000000-0000-4000-8000-000000000000")
    assert caught.value.status == 404
    with pytest.raises(NotFoundException):
        # A purchase of another product is not found under this one.
        api.get_product_purchase(sandbox.ids.empty_product_id, sandbox.ids.purchase_ids[0])


@pytest.mark.parametrize("hostile", ["../x", "a/b", "..", ".", "?filter[revoked]=true", "%2e%2e"])
def test_hostile_ids_stay_in_their_segment(
    api: ProductPurchasesApi, sandbox: Sandbox, hostile: str
) -> None:
    with pytest.raises(NotFoundException):
        api.get_product_purchase(sandbox.ids.product_id, hostile)
    with pytest.raises(NotFoundException):
        api.list_product_purchases(hostile)


@pytest.mark.slow
def test_paced_to_the_rate_limit(caplog: pytest.LogCaptureFixture) -> None:
    """A sandbox allowing 3 requests per 2 s window: 7 requests, and not one refused."""
    import logging
    import time

    from gmodstore_sandbox.testing import run_sandbox

    caplog.set_level(logging.INFO, logger="gmodstore_sdk")
    with run_sandbox(rate_limit=3, rate_limit_window=2.0) as sb:
        config = gmodstore_sdk.Configuration(
            host=sb.url, access_token=sb.token, rate_limit_window=2.0
        )
        with gmodstore_sdk.ApiClient(config) as client:
            api = ProductPurchasesApi(client)
            started = time.monotonic()
            for _ in range(7):
                info = api.get_product_purchase_with_http_info(
                    sb.ids.product_id, sb.ids.purchase_ids[0]
                )
                assert info.status_code == 200
            elapsed = time.monotonic() - started
            assert client.rate_limit is not None and client.rate_limit.limit == 3
    assert elapsed >= 2.0  # it waited for two resets...
    assert "HTTP 429" not in caplog.text  # ...instead of being refused
    assert caplog.text.count("rate limit spent; waiting") == 2


class LosesAnswers(httpx.BaseTransport):
    """Forwards to the real sandbox, then loses the answer of each POST (as a dropped connection
    would): the server acted, the client cannot know. Nothing else is touched."""

    def __init__(self) -> None:
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._real.handle_request(request)
        if request.method == "POST":
            response.read()
            response.close()
            raise httpx.ReadError("connection lost after the request was sent", request=request)
        return response

    def close(self) -> None:
        self._real.close()


def _losing_api(sandbox: Sandbox) -> tuple[gmodstore_sdk.ApiClient, ProductPurchasesApi]:
    config = gmodstore_sdk.Configuration(host=sandbox.url, access_token=sandbox.token)
    client = gmodstore_sdk.ApiClient(config, transport=LosesAnswers())
    return client, ProductPurchasesApi(client)


def test_a_lost_create_is_recovered_against_the_real_server(sandbox: Sandbox) -> None:
    product, user = sandbox.new_product(), sandbox.new_user()
    client, api = _losing_api(sandbox)
    with client:
        info = api.create_product_purchase_with_http_info(product, {"userId": user})
        # The sandbox's Date header and createdAt agree that this attempt created it.
        assert (info.recovered, info.data.data.user_id) == (True, user)
        assert api.has_active_purchase(product, user) is True


@pytest.mark.slow
def test_a_lost_create_of_an_old_purchase_is_already_owned(
    sandbox: Sandbox, make_api: MakeApi
) -> None:
    product, user = sandbox.new_product(), sandbox.new_user()
    old = make_api().create_product_purchase(product, {"userId": user}).data
    import time

    time.sleep(3.1)  # older than the next attempt by more than the Date header's slack
    client, api = _losing_api(sandbox)
    with client, pytest.raises(gmodstore_sdk.AlreadyExistsException) as caught:
        api.create_product_purchase(product, {"userId": user})
    assert caught.value.existing.id == old.id
    assert "already existed" in str(caught.value)
