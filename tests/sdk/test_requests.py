"""What goes on the wire: paths, encoding, query strings, headers, bodies, timeouts, bad input."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk import ApiTypeError, ApiValueError
from gmodstore_sdk._operation import url_factory
from gmodstore_sdk.api import product_purchases_api
from gmodstore_sdk.api._operations import segment
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
from gmodstore_sdk.model import NewProductPurchasePayload, ProductPurchaseFilter

from .conftest import PRODUCT, PURCHASE, TOKEN, USER, Script, config, page, single

MakeApi = Callable[..., ProductPurchasesApi]
BASE = "https://api.test/api/v3"


def test_get_request(make_api: MakeApi) -> None:
    script = Script(single())
    make_api(script).get_product_purchase(PRODUCT, PURCHASE)
    (request,) = script.requests
    assert request.method == "GET"
    assert str(request.url) == f"{BASE}/products/{PRODUCT}/purchases/{PURCHASE}"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"] == f"gmodstore-sdk-python/{gmodstore_sdk.__version__}"
    assert "x-tenant" not in request.headers
    assert "content-type" not in request.headers
    assert request.content == b""


def test_tenant_header_and_no_token(make_api: MakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GMODSTORE_TOKEN", raising=False)
    script = Script(single())
    make_api(script, tenant="gmodstore.com", access_token=None).get_product_purchase("p", "q")
    assert script.requests[0].headers["x-tenant"] == "gmodstore.com"
    assert "authorization" not in script.requests[0].headers


def test_pivity_host_has_no_api_prefix(make_api: MakeApi) -> None:
    script = Script(single())
    make_api(script, host="https://api.pivity.com").get_product_purchase("p", "q")
    assert str(script.requests[0].url) == "https://api.pivity.com/v3/products/p/purchases/q"


@pytest.mark.parametrize(
    ("product", "purchase", "path"),
    [
        pytest.param("a/b", "c", "/products/a%2Fb/purchases/c", id="slash"),
        pytest.param("..", "..", "/products/%2E%2E/purchases/%2E%2E", id="dotdot"),
        pytest.param(".", "x", "/products/%2E/purchases/x", id="dot"),
        pytest.param("../x", "y", "/products/..%2Fx/purchases/y", id="climb"),
        pytest.param("a b", "é?#", "/products/a%20b/purchases/%C3%A9%3F%23", id="reserved"),
        pytest.param("x%2Fy", "z", "/products/x%252Fy/purchases/z", id="percent"),
        pytest.param(uuid.UUID(PRODUCT), "z", f"/products/{PRODUCT}/purchases/z", id="uuid"),
    ],
)
def test_path_segments_are_encoded(
    make_api: MakeApi, product: Any, purchase: str, path: str
) -> None:
    script = Script(single())
    make_api(script).get_product_purchase(product, purchase)
    assert script.requests[0].url.raw_path.decode() == "/api/v3" + path


def test_list_query(make_api: MakeApi) -> None:
    script = Script(page([]))
    other = "0b3e4f7a-1d2c-4e5f-8a9b-0c1d2e3f4a5b"
    make_api(script).list_product_purchases(
        PRODUCT,
        per_page=50,
        cursor="ab+/=",
        filter=ProductPurchaseFilter(revoked=False, user_id=[USER, other], product_id=PRODUCT),
    )
    assert script.requests[0].url.query.decode() == (
        f"perPage=50&cursor=ab%2B%2F%3D&filter[revoked]=false&filter[userId]={USER},{other}"
        f"&filter[productId]={PRODUCT}"
    )


@pytest.mark.parametrize(
    ("filter", "query"),
    [
        pytest.param(None, "", id="none"),
        pytest.param({}, "", id="empty-dict"),
        pytest.param({"revoked": True}, "filter[revoked]=true", id="dict"),
        pytest.param({"userId": USER}, f"filter[userId]={USER}", id="alias"),
        pytest.param({"user_id": [USER]}, f"filter[userId]={USER}", id="name"),
        pytest.param(ProductPurchaseFilter(revoked=[True, False]), "filter[revoked]=true,false"),
    ],
)
def test_filter_forms(make_api: MakeApi, filter: Any, query: str) -> None:
    script = Script(single(), page([]))
    api = make_api(script)
    api.get_product_purchase(PRODUCT, PURCHASE, filter=filter)
    api.list_product_purchases(PRODUCT, filter=filter)
    assert [r.url.query.decode() for r in script.requests] == [query, query]


def test_create_and_update_bodies(make_api: MakeApi) -> None:
    script = Script(single(201), single(), single())
    api = make_api(script)
    api.create_product_purchase(PRODUCT, NewProductPurchasePayload(user_id=USER))
    api.update_product_purchase(PRODUCT, PURCHASE, {"revoked": True})
    api.update_product_purchase(PRODUCT, PURCHASE)
    create, update, empty = script.requests
    assert (create.method, create.url.path) == ("POST", f"/api/v3/products/{PRODUCT}/purchases")
    assert create.content == f'{{"userId":"{USER}"}}'.encode()
    assert create.headers["content-type"] == "application/json"
    assert (update.method, update.content) == ("PUT", b'{"revoked":true}')
    assert update.url.path == f"/api/v3/products/{PRODUCT}/purchases/{PURCHASE}"
    assert empty.content == b"{}"


def test_create_without_payload_sends_an_empty_object(make_api: MakeApi) -> None:
    script = Script(single(201))
    make_api(script).create_product_purchase(PRODUCT)
    assert script.requests[0].content == b"{}"


def test_has_active_purchase_is_one_filtered_request(make_api: MakeApi) -> None:
    script = Script(page([]))
    assert make_api(script).has_active_purchase(PRODUCT, USER) is False
    (request,) = script.requests
    assert request.url.path == f"/api/v3/products/{PRODUCT}/purchases"
    assert request.url.query.decode() == f"perPage=1&filter[revoked]=false&filter[userId]={USER}"


def _calls(api: ProductPurchasesApi) -> dict[str, Callable[..., Any]]:
    return {
        "create": api.create_product_purchase,
        "get": api.get_product_purchase,
        "list": api.list_product_purchases,
        "update": api.update_product_purchase,
        "has": api.has_active_purchase,
        "iter": api.iter_product_purchases,
    }


@pytest.mark.parametrize(
    ("call", "args", "kwargs", "error", "match"),
    [
        pytest.param("get", ("", PURCHASE), {}, ApiValueError, "product", id="empty-product"),
        pytest.param("get", (PRODUCT, "  "), {}, ApiValueError, "purchase", id="blank-purchase"),
        pytest.param("get", (5, PURCHASE), {}, ApiTypeError, "product", id="int-product"),
        pytest.param("get", (PRODUCT, None), {}, ApiTypeError, "purchase", id="none-purchase"),
        pytest.param("get", (PRODUCT, PURCHASE), {"filter": [1]}, ApiTypeError, "filter", id="f"),
        pytest.param("list", (PRODUCT,), {"per_page": 0}, ApiValueError, "per_page", id="pp0"),
        pytest.param("list", (PRODUCT,), {"per_page": 101}, ApiValueError, "1 and 100", id="pp"),
        pytest.param("list", (PRODUCT,), {"per_page": "5"}, ApiTypeError, "per_page", id="pps"),
        pytest.param("list", (PRODUCT,), {"per_page": True}, ApiTypeError, "per_page", id="ppb"),
        pytest.param("list", (PRODUCT,), {"cursor": 5}, ApiTypeError, "cursor", id="cursor"),
        pytest.param("list", (PRODUCT,), {"cursor": ""}, ApiValueError, "cursor", id="cursor0"),
        pytest.param(
            "list", (PRODUCT,), {"filter": {"userId": "bob"}}, ApiValueError, "UUID", id="fid"
        ),
        pytest.param(
            "list", (PRODUCT,), {"filter": {"revoked": "no"}}, ApiTypeError, "boolean", id="fb"
        ),
        pytest.param("create", (PRODUCT, {"userId": "bob"}), {}, ApiValueError, "UUID", id="c"),
        pytest.param("create", (PRODUCT, {"userId": 7}), {}, ApiTypeError, "userId", id="ct"),
        pytest.param("create", (PRODUCT, "bob"), {}, ApiTypeError, "payload", id="cs"),
        pytest.param("create", ("", {"userId": USER}), {}, ApiValueError, "product", id="cp"),
        pytest.param("update", (PRODUCT, PURCHASE, {"revoked": 1}), {}, ApiTypeError, "revoked"),
        pytest.param("update", (PRODUCT, PURCHASE, {"x": 1}), {}, ApiValueError, "x", id="ux"),
        pytest.param("has", (PRODUCT, "bob"), {}, ApiValueError, "UUID", id="has-uuid"),
        pytest.param("has", (PRODUCT, 5), {}, ApiTypeError, "user_id", id="has-type"),
        pytest.param("has", ("", USER), {}, ApiValueError, "product", id="has-product"),
        pytest.param("iter", (PRODUCT,), {"per_page": 0}, ApiValueError, "per_page", id="iter"),
        pytest.param(
            "get", (PRODUCT, PURCHASE), {"_request_timeout": "5"}, ApiTypeError, "timeout"
        ),
        pytest.param(
            "get", (PRODUCT, PURCHASE), {"_request_timeout": (1, 2, 3)}, ApiTypeError, "tuple"
        ),
        pytest.param("get", (PRODUCT, PURCHASE), {"_request_timeout": -1}, ApiTypeError, "timeout"),
    ],
)
def test_bad_input_sends_nothing(
    make_api: MakeApi,
    call: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    script = Script(single())
    api = make_api(script)
    with pytest.raises(error, match=match):
        _calls(api)[call](*args, **kwargs)
    assert script.requests == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(7, {"connect": 7, "read": 7, "write": 7, "pool": 7}, id="float"),
        pytest.param((1, 9), {"connect": 1, "read": 9, "write": 9, "pool": 9}, id="tuple"),
        pytest.param(None, {"connect": None, "read": None, "write": None, "pool": None}, id="off"),
    ],
)
def test_per_call_timeout(make_api: MakeApi, value: Any, expected: dict[str, Any]) -> None:
    script = Script(single())
    make_api(script).get_product_purchase(PRODUCT, PURCHASE, _request_timeout=value)
    assert script.requests[0].extensions["timeout"] == expected


def test_default_timeouts(make_api: MakeApi) -> None:
    script = Script(single())
    make_api(script, connect_timeout=2, read_timeout=20).get_product_purchase(PRODUCT, PURCHASE)
    assert script.requests[0].extensions["timeout"] == {
        "connect": 2,
        "read": 20,
        "write": 20,
        "pool": 2,
    }


def test_caller_supplied_http_client() -> None:
    script = Script(single())
    http = httpx.Client(transport=httpx.MockTransport(script), headers={"X-Trace": "1"})
    with gmodstore_sdk.ApiClient(config(tenant="rust.pivity.com"), http_client=http) as client:
        product_purchases_api.ProductPurchasesApi(client).update_product_purchase(
            PRODUCT, PURCHASE, {"revoked": False}
        )
    headers = script.requests[0].headers
    assert headers["x-trace"] == "1"
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["x-tenant"] == "rust.pivity.com"
    assert headers["content-type"] == "application/json"
    assert not http.is_closed  # the caller's client is the caller's to close
    http.close()


def test_own_http_client_is_closed() -> None:
    client = gmodstore_sdk.ApiClient(config())
    with client:
        pass
    assert client._http.is_closed
    assert repr(client) == "ApiClient(base_url='https://api.test/api/v3')"


def test_default_api_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMODSTORE_HOST", "http://127.0.0.1:1")
    api = ProductPurchasesApi()
    assert api.api_client.base_url == "http://127.0.0.1:1/api/v3"
    api.api_client.close()


def test_segment() -> None:
    assert segment("a/b", "x") == "a%2Fb"
    assert segment(uuid.UUID(USER), "x") == USER


@pytest.mark.parametrize(
    "origin", ["https://api.test", "http://127.0.0.1:8080", "https://[::1]:9", "http://H.test"]
)
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v3/products/a%2Fb/purchases/%2E%2E", None),
        ("/v3/products/p/purchases", "perPage=5&cursor=a%3D&filter[revoked]=true,false"),
        ("/api/v3/products/%C3%A9/purchases", ""),
    ],
)
def test_fast_url_matches_httpx_parsing(origin: str, path: str, query: str | None) -> None:
    fast = url_factory(origin)(path, query)
    assert isinstance(fast, httpx.URL)
    expected = httpx.URL(origin + path + ("" if query is None else "?" + query))
    assert fast == expected
    assert (fast.raw_path, fast.host, fast.port, str(fast)) == (
        expected.raw_path,
        expected.host,
        expected.port,
        str(expected),
    )


def test_url_factory_falls_back_to_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    class OtherURL:
        def __init__(self, url: str) -> None:
            self.url = url

    monkeypatch.setattr(httpx, "URL", OtherURL)
    make = url_factory("https://api.test")
    assert make("/a", None) == "https://api.test/a"
    assert make("/a", "b=1") == "https://api.test/a?b=1"
