"""A host that answers, but not like the API (an HTML page, another service): `NotTheApiError`."""

from __future__ import annotations

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk import NotTheApiError
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

PRODUCT = "8c5e9bde-8c4e-4b0e-9d3a-5b0f1f7f0b11"
PURCHASE = "5a3b2c1d-0e9f-4a8b-8c7d-6e5f4a3b2c1d"


def _api(response: httpx.Response) -> ProductPurchasesApi:
    transport = httpx.MockTransport(lambda request: response)
    config = gmodstore_sdk.Configuration(host="http://127.0.0.1:9", access_token="t", retries=0)
    return ProductPurchasesApi(gmodstore_sdk.ApiClient(config, transport=transport))


@pytest.mark.parametrize(
    ("response", "status", "media"),
    [
        pytest.param(
            httpx.Response(404, html="<h1>Not Found</h1>"), 404, "text/html", id="404-html"
        ),
        pytest.param(
            httpx.Response(200, html="<html>welcome</html>"), 200, "text/html", id="200-html"
        ),
        pytest.param(httpx.Response(401, text="who are you"), 401, "text/plain", id="401-text"),
        pytest.param(
            httpx.Response(404, content=b"[1, 2]", headers={"content-type": "application/json"}),
            404,
            "application/json",
            id="404-json-not-an-object",
        ),
        pytest.param(httpx.Response(404), 404, "no content type", id="404-empty"),
    ],
)
def test_an_answer_that_is_not_the_api_names_the_host(
    response: httpx.Response, status: int, media: str
) -> None:
    with pytest.raises(NotTheApiError) as caught:
        _api(response).get_product_purchase(PRODUCT, PURCHASE)
    error = caught.value
    assert isinstance(error, gmodstore_sdk.ApiException)
    assert (error.status, error.host, error.content_type) == (status, "http://127.0.0.1:9", media)
    assert str(error) == (
        f"http://127.0.0.1:9 did not answer like the GmodStore API (HTTP {status}, {media}):"
        " check Configuration(host=...) / GMODSTORE_HOST"
    )
    assert error.message is None


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        pytest.param(httpx.Response(404, json={"message": "Not found"}), "NotFoundException"),
        pytest.param(httpx.Response(502, html="<h1>Bad Gateway</h1>"), "ServiceException"),
        pytest.param(httpx.Response(429, html="slow down"), "RateLimitException"),
    ],
)
def test_the_api_s_own_errors_and_gateway_failures_keep_their_exceptions(
    response: httpx.Response, expected: str
) -> None:
    with pytest.raises(gmodstore_sdk.ApiException) as caught:
        _api(response).get_product_purchase(PRODUCT, PURCHASE)
    assert type(caught.value).__name__ == expected


def test_the_sandbox_is_the_api(sandbox: Sandbox) -> None:
    """The sandbox answers the API's JSON, errors included: never NotTheApiError."""
    config = gmodstore_sdk.Configuration(host=sandbox.url, access_token=sandbox.token)
    with gmodstore_sdk.ApiClient(config) as client:
        with pytest.raises(gmodstore_sdk.NotFoundException):
            ProductPurchasesApi(client).get_product_purchase(PRODUCT, PURCHASE)
