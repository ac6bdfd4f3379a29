"""The retry policy as a table: which failure of which call is retried, looked up, or raised.

| failure                                   | GET / PUT | POST (with lookup)  | POST (no payload) |
|-------------------------------------------|-----------|---------------------|-------------------|
| refused / connect timeout / 429           | resent    | resent              | resent            |
| read timeout / reset / 5xx (may have run) | resent    | looked up, not sent | raised            |
| 4xx                                       | raised    | raised              | raised            |

Each case runs on the sync and the async client, and asserts every request that was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk.api.product_purchases_api import AsyncProductPurchasesApi, ProductPurchasesApi

from .conftest import PRODUCT, PURCHASE, USER, Script, error, page, purchase, single

UNSENT = {
    "refused": httpx.ConnectError("refused"),
    "connect-timeout": httpx.ConnectTimeout("slow"),
    "429": error(429, "Too Many Attempts.", **{"Retry-After": "1"}),
}
MAYBE_ACTED = {
    "read-timeout": httpx.ReadTimeout("slow"),
    "reset": httpx.ReadError("reset"),
    "500": error(500),
    "503": error(503),
}
FATAL = {"400": error(400), "404": error(404)}

CALLS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "get": ("GET", lambda api: api.get_product_purchase(PRODUCT, PURCHASE)),
    "list": ("GET", lambda api: api.list_product_purchases(PRODUCT)),
    "put": ("PUT", lambda api: api.update_product_purchase(PRODUCT, PURCHASE, {"revoked": True})),
    "post": ("POST", lambda api: api.create_product_purchase(PRODUCT, {"userId": USER})),
    "post-no-payload": ("POST", lambda api: api.create_product_purchase(PRODUCT)),
}


def _expected(call: str, kind: str) -> list[str] | None:
    """The methods sent for `call` after one failure of `kind`; None: the failure is raised."""
    method = CALLS[call][0]
    if kind == "fatal":
        return None
    if kind == "unsent" or method != "POST":
        return [method, method]
    if call == "post":
        return ["POST", "GET"]  # the lookup finds the purchase the first POST created
    return None  # nothing to look the purchase up by: never resend


def _answer(request: httpx.Request) -> httpx.Response:
    if request.method == "GET" and request.url.path.endswith("/purchases"):
        return page([purchase()])
    return single(201 if request.method == "POST" else 200)


CASES = [
    pytest.param(call, kind, failure, id=f"{call}-{name}")
    for call in CALLS
    for kind, failures in (("unsent", UNSENT), ("maybe-acted", MAYBE_ACTED), ("fatal", FATAL))
    for name, failure in failures.items()
]


@pytest.mark.parametrize(("call", "kind", "failure"), CASES)
def test_policy_sync(
    make_api: Callable[..., ProductPurchasesApi], call: str, kind: str, failure: Any
) -> None:
    script = Script(failure, _answer)
    expected = _expected(call, kind)
    api = make_api(script)
    if expected is None:
        with pytest.raises(gmodstore_sdk.OpenApiException):
            CALLS[call][1](api)
        assert script.methods == [CALLS[call][0]]
    else:
        assert CALLS[call][1](api).data
        assert script.methods == expected


@pytest.mark.anyio
@pytest.mark.parametrize(("call", "kind", "failure"), CASES)
async def test_policy_async(
    make_async_api: Callable[..., AsyncProductPurchasesApi], call: str, kind: str, failure: Any
) -> None:
    script = Script(failure, _answer)
    expected = _expected(call, kind)
    api = make_async_api(script)
    if expected is None:
        with pytest.raises(gmodstore_sdk.OpenApiException):
            await CALLS[call][1](api)
        assert script.methods == [CALLS[call][0]]
    else:
        assert (await CALLS[call][1](api)).data
        assert script.methods == expected
