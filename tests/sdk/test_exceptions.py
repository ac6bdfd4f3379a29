from __future__ import annotations

import httpx
import pytest

from gmodstore_sdk import (
    ApiException,
    BadRequestException,
    ForbiddenException,
    NotFoundException,
    OpenApiException,
    RateLimitException,
    ServiceException,
    UnauthorizedException,
)
from gmodstore_sdk.exceptions import make_status_error


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestException),
        (401, UnauthorizedException),
        (403, ForbiddenException),
        (404, NotFoundException),
        (429, RateLimitException),
        (500, ServiceException),
        (503, ServiceException),
        (409, ApiException),
        (302, ApiException),
    ],
)
def test_status_table(status: int, cls: type[ApiException]) -> None:
    error = make_status_error(status, "Reason", '{"message": "m"}', {"x": "y"})
    assert type(error) is cls
    assert isinstance(error, OpenApiException)
    assert (error.status, error.reason, error.body, error.headers) == (
        status,
        "Reason",
        '{"message": "m"}',
        {"x": "y"},
    )
    assert error.message == "m"


def test_bad_request_errors_mapping() -> None:
    body = '{"message": "The given data was invalid.", "errors": {"userId": ["is required"]}}'
    error = make_status_error(400, "Bad Request", body, None, operation="POST /api/v3/x")
    assert error.errors == {"userId": ["is required"]}
    assert str(error) == (
        "(400) Bad Request: The given data was invalid. userId: is required. [POST /api/v3/x]"
    )


def test_messages_say_what_to_do() -> None:
    unauthorized = make_status_error(401, "Unauthorized", '{"message": "Unauthenticated."}', None)
    assert str(unauthorized) == (
        "(401) Unauthorized: Unauthenticated. Token missing or invalid — set GMODSTORE_TOKEN or "
        "Configuration(access_token=...)."
    )
    forbidden = make_status_error(403, "Forbidden", None, None, scope="product-purchases:write")
    assert "token lacks scope product-purchases:write" in str(forbidden).lower()
    assert "team" in str(forbidden)
    assert "lacks a scope" in str(make_status_error(403, "Forbidden", None, None))
    assert "Check the product and purchase ids" in str(
        make_status_error(404, "Not Found", "", None)
    )
    assert "try again later" in str(make_status_error(502, "Bad Gateway", "<html>", None))
    assert str(make_status_error(418, None, None, None)) == "(418)"


def test_rate_limit_retry_after() -> None:
    error = make_status_error(429, "Too Many Requests", None, None, retry_after=3.0)
    assert isinstance(error, RateLimitException)
    assert error.retry_after == 3.0
    assert "retry in 3 s" in str(error)
    assert "retry in" not in str(make_status_error(429, "Too Many Requests", None, None))


@pytest.mark.parametrize(
    "body",
    [None, "", "not json", "[1, 2]", '{"message": 5, "errors": {"a": "single", "b": [1]}}'],
)
def test_odd_bodies(body: str | None) -> None:
    error = ApiException(400, "Bad Request", body, httpx.Headers())
    assert error.message is None
    if body and body.startswith("{"):
        assert error.errors == {"a": ["single"], "b": ["1"]}
    else:
        assert error.errors == {}


def test_errors_repeating_the_message_are_not_repeated() -> None:
    body = '{"message": "Owned.", "errors": {"userId": ["Owned."], "other": ["Bad"]}}'
    assert str(make_status_error(400, "Bad Request", body, None)) == (
        "(400) Bad Request: Owned. other: Bad."
    )


def _not_found(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404, json={"message": "Not found"})


def test_404_hint_names_the_operations_own_resources() -> None:
    # The hint comes from the failed operation's path ids, not from the purchase endpoints.
    import gmodstore_sdk
    from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
    from gmodstore_sdk.api.team_webhook_endpoints_api import TeamWebhookEndpointsApi
    from gmodstore_sdk.api.users_api import UsersApi

    uid = "6f1c2a44-3b8e-4d59-9b0a-0c9e8f7d6a51"
    config = gmodstore_sdk.Configuration(host="http://api.test", access_token="t", retries=0)
    with gmodstore_sdk.ApiClient(config, transport=httpx.MockTransport(_not_found)) as client:
        with pytest.raises(NotFoundException) as user:
            UsersApi(client).get_user(uid)
        with pytest.raises(NotFoundException) as endpoint:
            TeamWebhookEndpointsApi(client).get_team_webhook_endpoint(uid, uid)
        with pytest.raises(NotFoundException) as purchase:
            ProductPurchasesApi(client).get_product_purchase(uid, uid)
        with pytest.raises(NotFoundException) as me:
            UsersApi(client).get_me()
    assert "Check the user id." in str(user.value)
    assert "purchase" not in str(user.value)
    assert "Check the team and webhook endpoint ids." in str(endpoint.value)
    assert "Check the product and purchase ids." in str(purchase.value)
    assert "No such endpoint here" in str(me.value) and "purchase" not in str(me.value)


def test_403_hint_mentions_teams_only_for_products() -> None:
    users = make_status_error(403, "Forbidden", None, None, scope="users:read", resources=("user",))
    assert "Token lacks scope users:read" in str(users)
    assert "product" not in str(users)
    product = make_status_error(403, "Forbidden", None, None, resources=("product", "version"))
    assert "the product belongs to a team" in str(product)
