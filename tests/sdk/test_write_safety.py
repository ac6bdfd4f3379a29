"""Write safety of any operation: which failures resend, which look up, which raise "uncertain".

A generic create (a coupon found by its `code`, as generated operations will use it) is built
directly as an `Operation` with a `Recovery`, plus the purchase create and `has_active_purchase`
against servers that ignore their filters. Mock transports: each fault happens exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk import (
    AlreadyExistsException,
    ApiResponse,
    ApiResponseValidationError,
    ApiTimeoutError,
    ApiWriteUncertainError,
    BadRequestException,
    NotFoundException,
    ServiceException,
)
from gmodstore_sdk._models import BaseModel
from gmodstore_sdk._operation import Operation, Recovery
from gmodstore_sdk.api import _operations as ops
from gmodstore_sdk.api.product_purchases_api import AsyncProductPurchasesApi, ProductPurchasesApi
from gmodstore_sdk.model.product_purchase import UtcDatetime

from .conftest import EPOCH, PRODUCT, TOKEN, USER, FakeClock, Script, config, error, page, purchase

CODE = "SPRING-24"
LATER = "2024-05-01T12:00:00Z"  # after the fake clock's EPOCH (2023-11-14): the attempt's doing
EARLIER = "2023-01-01T00:00:00Z"  # long before it: it already existed


class Coupon(BaseModel):
    id: str
    code: str
    created_at: UtcDatetime


class CouponPage(BaseModel):
    data: list[Coupon]


class CouponAnswer(BaseModel):
    data: Coupon


class Nothing(BaseModel):
    data: Any = None


def coupon(code: str = CODE, created: str = LATER, id: str = "c1") -> dict[str, Any]:
    return {"id": id, "code": code, "createdAt": created}


def coupons(*rows: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.Response(200, json={"data": list(rows)}, headers=headers)


def _op(
    client: gmodstore_sdk.ApiClient | gmodstore_sdk.AsyncApiClient,
    method: str = "POST",
    *,
    recover: bool = False,
    model: type[BaseModel] = CouponAnswer,
) -> Operation[Any]:
    path = f"{client.base_path}/products/{PRODUCT}/coupons"
    recovery = None
    if recover:
        lookup = Operation(
            "GET",
            path,
            client.make_url(path, f"filter[code]={CODE}"),
            CouponPage,
            scope="product-coupons:read",
            headers=client.get_headers,
        )
        recovery = Recovery(
            lookup=lookup,
            match=lambda row: row.code == CODE,
            sane=lambda row: row.code == CODE,
        )
    return Operation(
        method,
        path if method == "POST" else f"{path}/c1",
        client.make_url(path if method == "POST" else f"{path}/c1", None),
        model,
        scope="product-coupons:write",
        content=b'{"code": "SPRING-24", "percent": 10}',
        headers=client.json_headers,
        recovery=recovery,
    )


@pytest.fixture
def client(clock: FakeClock) -> Callable[[Script], gmodstore_sdk.ApiClient]:
    def make(script: Script, **overrides: Any) -> gmodstore_sdk.ApiClient:
        return gmodstore_sdk.ApiClient(
            config(**overrides),
            transport=httpx.MockTransport(script),
            sleep=clock.sleep,
            clock=clock,
            rand=lambda: 1.0,
        )

    return make


MakeClient = Callable[..., gmodstore_sdk.ApiClient]


# -- a POST without recovery: resent only when nothing was sent --------------------------------


@pytest.mark.parametrize(
    ("failure", "also"),
    [
        pytest.param(httpx.ReadTimeout("slow"), ApiTimeoutError, id="read-timeout"),
        pytest.param(httpx.WriteTimeout("slow"), ApiTimeoutError, id="write-timeout"),
        pytest.param(httpx.ReadError("reset"), gmodstore_sdk.ApiConnectionError, id="reset"),
        pytest.param(httpx.RemoteProtocolError("cut"), gmodstore_sdk.ApiConnectionError, id="cut"),
        pytest.param(error(503), ServiceException, id="503"),
        pytest.param(error(500), ServiceException, id="500"),
    ],
)
def test_post_without_recovery_raises_uncertain_and_is_not_resent(
    client: MakeClient, failure: Any, also: type[Exception]
) -> None:
    script = Script(failure, httpx.Response(201, json={"data": coupon()}))
    c = client(script)
    with pytest.raises(ApiWriteUncertainError) as caught:
        c._request(_op(c))
    assert script.methods == ["POST"]
    assert isinstance(caught.value, also)
    message = str(caught.value)
    assert "may have been applied" in message
    assert f"POST /api/v3/products/{PRODUCT}/coupons" in message
    assert TOKEN not in message and TOKEN not in repr(caught.value)


def test_uncertain_5xx_keeps_the_status_and_the_server_message(client: MakeClient) -> None:
    c = client(Script(error(502, "Bad gateway")))
    with pytest.raises(ServiceException) as caught:
        c._request(_op(c))
    assert isinstance(caught.value, ApiWriteUncertainError)
    assert (caught.value.status, caught.value.message) == (502, "Bad gateway")
    assert str(caught.value).endswith("check before sending it again (not resent).")


def test_reset_uncertain_is_not_a_timeout(client: MakeClient) -> None:
    c = client(Script(httpx.ReadError("reset")))
    with pytest.raises(ApiWriteUncertainError) as caught:
        c._request(_op(c))
    assert not isinstance(caught.value, ApiTimeoutError)
    assert isinstance(caught.value.__cause__, httpx.ReadError)


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(httpx.ConnectError("refused"), id="refused"),
        pytest.param(httpx.ConnectTimeout("slow"), id="connect-timeout"),
        pytest.param(error(429, **{"Retry-After": "1"}), id="429"),
    ],
)
def test_post_is_resent_when_provably_not_sent(client: MakeClient, failure: Any) -> None:
    script = Script(failure, httpx.Response(201, json={"data": coupon()}))
    c = client(script)
    info = c._request(_op(c))
    assert script.methods == ["POST", "POST"]
    assert (info.status_code, info.recovered, info.data.data.code) == (201, False, CODE)


def test_patch_is_a_write_like_post(client: MakeClient) -> None:
    script = Script(httpx.ReadTimeout("slow"))
    c = client(script)
    with pytest.raises(ApiWriteUncertainError, match="PATCH"):
        c._request(_op(c, "PATCH"))
    assert script.methods == ["PATCH"]


# -- a POST with a recovery: looked up, never blindly resent -----------------------------------


def test_recovery_returns_the_row_the_lost_attempt_created(client: MakeClient) -> None:
    script = Script(httpx.ReadTimeout("slow"), coupons(coupon(code="OTHER", id="c0"), coupon()))
    c = client(script)
    with pytest.raises(ApiWriteUncertainError):  # "OTHER" contradicts filter[code]
        c._request(_op(c, recover=True))
    script = Script(httpx.ReadTimeout("slow"), coupons(coupon()))
    c = client(script)
    info = c._request(_op(c, recover=True))
    assert script.methods == ["POST", "GET"]
    assert script.requests[1].url.query == b"filter[code]=SPRING-24"
    assert (info.recovered, info.status_code, info.data.data.id) == (True, 200, "c1")
    assert type(info.data) is CouponAnswer


def test_recovery_that_finds_nothing_resends(client: MakeClient) -> None:
    script = Script(error(503), coupons(), httpx.Response(201, json={"data": coupon()}))
    c = client(script)
    info = c._request(_op(c, recover=True))
    assert script.methods == ["POST", "GET", "POST"]
    assert (info.status_code, info.recovered) == (201, False)


def test_conflict_after_a_lost_attempt_is_looked_up_again(client: MakeClient) -> None:
    taken = error(409, "The code is taken.")
    script = Script(httpx.ReadTimeout("slow"), coupons(), taken, coupons(coupon()))
    c = client(script)
    info = c._request(_op(c, recover=True))
    assert script.methods == ["POST", "GET", "POST", "GET"]
    assert info.recovered is True


def test_recovery_with_a_failing_lookup_raises_uncertain(client: MakeClient) -> None:
    script = Script(httpx.ReadError("reset"), error(500))
    c = client(script)
    with pytest.raises(ApiWriteUncertainError) as caught:
        c._request(_op(c, recover=True))
    assert script.methods == ["POST", "GET", "GET", "GET"]  # the lookup is a GET: retried
    assert "POST" in str(caught.value)


def test_a_row_older_than_the_attempt_already_existed(client: MakeClient, clock: FakeClock) -> None:
    date = formatdate(clock.now, usegmt=True)
    script = Script(httpx.ReadTimeout("slow"), coupons(coupon(created=EARLIER), date=date))
    c = client(script)
    with pytest.raises(AlreadyExistsException) as caught:
        c._request(_op(c, recover=True))
    assert isinstance(caught.value, BadRequestException) and caught.value.status == 400
    assert caught.value.existing.id == "c1"
    assert "already existed" in str(caught.value) and "POST" in str(caught.value)
    assert script.methods == ["POST", "GET"]


def _iso(ts: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ts, timezone.utc).isoformat()


@pytest.mark.parametrize(
    ("server_offset", "created_offset", "date", "recovered"),
    [
        # The server's clock is an hour behind ours: its createdAt of our creation reads "an hour
        # before we sent", and its Date header says so.
        pytest.param(-3600, -3600 + 1, True, True, id="server-behind-with-date"),
        pytest.param(-3600, -3600 - 30, True, False, id="server-behind-older-row"),
        # An hour ahead: a row stamped 10 minutes before our send (server time) is not ours.
        pytest.param(3600, 3000, True, False, id="server-ahead-older-row"),
        pytest.param(3600, 3600 + 1, True, True, id="server-ahead-with-date"),
        # No Date header: two minutes of allowance.
        pytest.param(0, -60, False, True, id="no-date-within-allowance"),
        pytest.param(0, -600, False, False, id="no-date-older"),
    ],
)
def test_clock_skew_is_read_from_the_date_header(
    client: MakeClient,
    clock: FakeClock,
    server_offset: float,
    created_offset: float,
    date: bool,
    recovered: bool,
) -> None:
    headers = {"date": formatdate(clock.now + server_offset, usegmt=True)} if date else {}
    row = coupon(created=_iso(clock.now + created_offset))
    c = client(Script(httpx.ReadTimeout("slow"), coupons(row, **headers)))
    if recovered:
        assert c._request(_op(c, recover=True)).recovered is True
    else:
        with pytest.raises(AlreadyExistsException):
            c._request(_op(c, recover=True))


def test_a_lookup_answer_without_rows_is_uncertain(client: MakeClient) -> None:
    c = client(Script(httpx.ReadTimeout("slow"), httpx.Response(200, json={"data": {"a": 1}})))
    op = _op(c, recover=True)
    assert op.recovery is not None
    op.recovery.lookup.model = Nothing
    with pytest.raises(ApiWriteUncertainError):
        c._request(op)


# -- PUT and DELETE: resent; a DELETE that meets 404 after a lost attempt is done --------------


def test_put_is_resent_after_a_lost_answer(client: MakeClient) -> None:
    script = Script(httpx.ReadTimeout("slow"), httpx.Response(200, json={"data": coupon()}))
    c = client(script)
    assert c._request(_op(c, "PUT")).data.data.code == CODE
    assert script.methods == ["PUT", "PUT"]


def test_delete_retry_meeting_404_is_success(client: MakeClient) -> None:
    script = Script(httpx.ReadTimeout("slow"), error(404, "Coupon not found"))
    c = client(script)
    info: ApiResponse[Any] = c._request(_op(c, "DELETE"))
    assert script.methods == ["DELETE", "DELETE"]
    assert (info.status_code, info.data, info.recovered) == (404, None, True)


def test_delete_404_without_a_lost_attempt_is_not_found(client: MakeClient) -> None:
    for script in (Script(error(404)), Script(httpx.ConnectError("refused"), error(404))):
        c = client(script)
        with pytest.raises(NotFoundException):
            c._request(_op(c, "DELETE"))


@pytest.mark.anyio
async def test_async_write_safety(clock: FakeClock) -> None:
    script = Script(httpx.ReadTimeout("slow"), coupons(coupon()))
    async with gmodstore_sdk.AsyncApiClient(
        config(), transport=httpx.MockTransport(script), sleep=clock.asleep, clock=clock
    ) as c:
        assert (await c._request(_op(c, recover=True))).recovered is True
        script.steps = [httpx.ReadTimeout("slow")]
        with pytest.raises(ApiWriteUncertainError):
            await c._request(_op(c))
        script.steps = [httpx.ReadTimeout("slow"), error(404)]
        assert (await c._request(_op(c, "DELETE"))).data is None


# -- purchases: the lookup row must be this user's purchase of this product --------------------

OTHER_USER = "7a2d3b55-4c9f-4e6a-8c1b-1d0f9e8e7b62"
ALREADY_OWNS = error(400, "The user already owns this product.")


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(purchase(1, userId=OTHER_USER), id="another-user"),
        pytest.param(purchase(0, productId="0f0f0f0f-0000-4000-8000-000000000000"), id="product"),
        pytest.param(purchase(0, revoked=True), id="revoked"),
    ],
)
def test_purchase_recovery_never_adopts_a_row_the_filter_excludes(
    make_api: Callable[..., ProductPurchasesApi], row: dict[str, Any]
) -> None:
    script = Script(httpx.ReadTimeout("slow"), page([row]))
    with pytest.raises(ApiWriteUncertainError):
        make_api(script).create_product_purchase(PRODUCT, {"userId": USER})
    assert script.methods == ["POST", "GET"]


def test_purchase_recovery_matches_ids_case_insensitively(
    make_api: Callable[..., ProductPurchasesApi],
) -> None:
    row = purchase(0, userId=USER.upper(), productId=PRODUCT.upper())
    script = Script(httpx.ReadTimeout("slow"), page([row]))
    info = make_api(script).create_product_purchase_with_http_info(PRODUCT, {"userId": USER})
    assert info.recovered is True


def test_an_older_purchase_is_already_owned_not_recovered(
    make_api: Callable[..., ProductPurchasesApi],
) -> None:
    script = Script(httpx.ReadTimeout("slow"), page([purchase(createdAt=EARLIER)]))
    with pytest.raises(AlreadyExistsException) as caught:
        make_api(script).create_product_purchase(PRODUCT, {"userId": USER})
    assert caught.value.existing.user_id == USER
    # The same holds when the resend's "already owns" sends the client to look again.
    script = Script(httpx.ReadTimeout("slow"), page([]), ALREADY_OWNS, page([purchase()]))
    assert make_api(script).create_product_purchase_with_http_info(PRODUCT, {"userId": USER})
    script = Script(
        httpx.ReadTimeout("slow"), page([]), ALREADY_OWNS, page([purchase(createdAt=EARLIER)])
    )
    with pytest.raises(AlreadyExistsException):
        make_api(script).create_product_purchase(PRODUCT, {"userId": USER})


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(purchase(1, userId=OTHER_USER), id="another-user"),
        pytest.param(purchase(0, productId="0f0f0f0f-0000-4000-8000-000000000000"), id="product"),
        pytest.param(purchase(0, revoked=True), id="revoked"),
    ],
)
def test_has_active_purchase_refuses_a_row_the_filter_excludes(
    make_api: Callable[..., ProductPurchasesApi], row: dict[str, Any]
) -> None:
    with pytest.raises(ApiResponseValidationError, match="ignored the filter"):
        make_api(Script(page([row]))).has_active_purchase(PRODUCT, USER)


def test_has_active_purchase_checks_the_row(make_api: Callable[..., ProductPurchasesApi]) -> None:
    api = make_api(Script(page([purchase(0, userId=USER.upper())]), page([])))
    assert api.has_active_purchase(PRODUCT, USER) is True
    assert api.has_active_purchase(PRODUCT, USER) is False


@pytest.mark.anyio
async def test_async_has_active_purchase_refuses_another_users_row(
    make_async_api: Callable[..., AsyncProductPurchasesApi],
) -> None:
    api = make_async_api(Script(page([purchase(1, userId=OTHER_USER)])))
    with pytest.raises(ApiResponseValidationError):
        await api.has_active_purchase(PRODUCT, USER)


def test_recovery_spec_defaults() -> None:
    lookup = ops.list_product_purchases(gmodstore_sdk.ApiClient(config()), PRODUCT)
    spec = Recovery(lookup=lookup, match=bool)
    assert spec.sane is spec.match and spec.conflict == frozenset({400, 409, 422})
    assert EPOCH < 1.8e9  # the LATER / EARLIER fixtures assume the fake clock's date


class RawPage(BaseModel):
    data: list[dict[str, Any]]


class Strict(BaseModel):
    data: dict[str, int]


def test_recovery_of_plain_rows_and_of_rows_the_answer_model_refuses(client: MakeClient) -> None:
    row = coupon()
    c = client(Script(httpx.ReadTimeout("slow"), coupons(row)))
    op = _op(c, recover=True)
    assert op.recovery is not None
    op.recovery.lookup.model = RawPage
    op.recovery.match = op.recovery.sane = lambda r: r["code"] == CODE
    assert c._request(op).data.data.code == CODE  # a plain dict row is handed over as is
    c = client(Script(httpx.ReadTimeout("slow"), coupons(row)))
    op = _op(c, recover=True, model=Strict)
    with pytest.raises(ApiWriteUncertainError):  # found, but not what the create answers
        c._request(op)
