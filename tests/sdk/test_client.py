"""Sync client behaviour on a scripted MockTransport: errors, retries, recovery, pacing, logging.

tests/sdk/test_async_client.py is the async twin.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sdk import (
    ApiConnectionError,
    ApiResponseValidationError,
    ApiTimeoutError,
    BadRequestException,
    ForbiddenException,
    NotFoundException,
    RateLimit,
    RateLimitException,
    ServiceException,
    UnauthorizedException,
)
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

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

MakeApi = Callable[..., ProductPurchasesApi]
NEW = {"userId": USER}
ALREADY_OWNS = httpx.Response(
    400,
    json={"message": "This user already owns this product.", "errors": {"userId": ["owns"]}},
)


# -- success --------------------------------------------------------------------------------------


def test_methods_return_typed_models(make_api: MakeApi) -> None:
    script = Script(single(201), single(), page([purchase()]), single(revoked=True))
    api = make_api(script)
    assert api.create_product_purchase(PRODUCT, NEW).data.user_id == USER
    assert api.get_product_purchase(PRODUCT, PURCHASE).data.id == PURCHASE
    listed = api.list_product_purchases(PRODUCT)
    assert listed.data[0].id == listed["data"][0]["id"] == PURCHASE
    assert api.update_product_purchase(PRODUCT, PURCHASE, {"revoked": True}).data.revoked is True
    assert script.methods == ["POST", "GET", "GET", "PUT"]


def test_with_http_info_and_rate_limit(make_api: MakeApi) -> None:
    headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "12", "X-RateLimit-Reset": "40"}
    script = Script(httpx.Response(200, json={"data": purchase()}, headers=headers))
    api = make_api(script)
    assert api.api_client.rate_limit is None
    info = api.get_product_purchase_with_http_info(PRODUCT, PURCHASE)
    assert (info.status_code, info.headers["x-ratelimit-remaining"], info.recovered) == (
        200,
        "12",
        False,
    )
    assert info.data.data.id == PURCHASE
    assert repr(info).startswith("ApiResponse(status_code=200, data=GetProductPurchaseResponse(")
    assert api.api_client.rate_limit == RateLimit(300, 12, EPOCH + 40)


def test_every_with_http_info_variant(make_api: MakeApi) -> None:
    script = Script(single(201), page([]), single())
    api = make_api(script)
    assert api.create_product_purchase_with_http_info(PRODUCT, NEW).status_code == 201
    assert api.list_product_purchases_with_http_info(PRODUCT).data.data == []
    assert api.update_product_purchase_with_http_info(PRODUCT, PURCHASE).status_code == 200


def test_has_active_purchase(make_api: MakeApi) -> None:
    api = make_api(Script(page([purchase()]), page([])))
    assert api.has_active_purchase(PRODUCT, USER) is True
    assert api.has_active_purchase(PRODUCT, USER) is False


def test_iter_follows_cursors(make_api: MakeApi) -> None:
    script = Script(
        page([purchase(1), purchase(2)], next_cursor="c2"),
        page([purchase(3), purchase(4)], next_cursor="c3"),
        page([purchase(5)]),
    )
    api = make_api(script)
    purchases = api.iter_product_purchases(PRODUCT, per_page=2, filter={"revoked": False})
    assert script.requests == []  # lazy: nothing sent until iterated
    assert [p.id[-1] for p in purchases] == ["1", "2", "3", "4", "5"]
    assert [r.url.query.decode() for r in script.requests] == [
        "perPage=2&filter[revoked]=false",
        "perPage=2&cursor=c2&filter[revoked]=false",
        "perPage=2&cursor=c3&filter[revoked]=false",
    ]


def test_iter_stops_on_a_repeated_cursor(make_api: MakeApi) -> None:
    script = Script(
        page([purchase(1)], next_cursor="same"), page([purchase(2)], next_cursor="same")
    )
    assert len(list(make_api(script).iter_product_purchases(PRODUCT))) == 2
    assert len(script.requests) == 2


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "cls", "scope"),
    [
        pytest.param(ALREADY_OWNS, BadRequestException, "write", id="400"),
        pytest.param(error(401, "Unauthenticated."), UnauthorizedException, "write", id="401"),
        pytest.param(error(403, "Missing scope"), ForbiddenException, "write", id="403"),
        pytest.param(error(404, "Not found"), NotFoundException, "write", id="404"),
    ],
)
def test_status_errors(
    make_api: MakeApi, response: httpx.Response, cls: type[Exception], scope: str
) -> None:
    script = Script(response)
    with pytest.raises(cls) as caught:
        make_api(script).create_product_purchase(PRODUCT, NEW)
    assert len(script.requests) == 1  # client errors are never retried
    assert caught.value.operation == f"POST /api/v3/products/{PRODUCT}/purchases"  # type: ignore[attr-defined]
    assert caught.value.scope == f"product-purchases:{scope}"  # type: ignore[attr-defined]


def test_bad_request_details(make_api: MakeApi) -> None:
    with pytest.raises(BadRequestException) as caught:
        make_api(Script(ALREADY_OWNS)).create_product_purchase(PRODUCT, NEW)
    assert caught.value.message == "This user already owns this product."
    assert caught.value.errors == {"userId": ["owns"]}
    assert caught.value.status == 400


def test_forbidden_names_the_read_scope_for_reads(make_api: MakeApi) -> None:
    with pytest.raises(ForbiddenException, match="product-purchases:read"):
        make_api(Script(error(403))).list_product_purchases(PRODUCT)


def test_unexpected_body_raises_a_clear_error(make_api: MakeApi) -> None:
    body = purchase()
    del body["createdAt"]
    broken = httpx.Response(200, content=b"<", headers={"content-type": "application/json"})
    api = make_api(Script(httpx.Response(200, json={"data": body}), broken))
    with pytest.raises(ApiResponseValidationError, match=r"data\.createdAt: Field required"):
        api.get_product_purchase(PRODUCT, PURCHASE)
    with pytest.raises(ApiResponseValidationError, match=r"\(body\): Invalid JSON"):
        api.get_product_purchase(PRODUCT, PURCHASE)


def test_redirects_are_errors(make_api: MakeApi) -> None:
    script = Script(httpx.Response(302, headers={"Location": "/elsewhere"}))
    with pytest.raises(gmodstore_sdk.ApiException) as caught:
        make_api(script).get_product_purchase(PRODUCT, PURCHASE)
    assert caught.value.status == 302
    assert len(script.requests) == 1


# -- retries --------------------------------------------------------------------------------------


def test_get_retries_5xx_with_backoff(make_api: MakeApi, clock: FakeClock) -> None:
    script = Script(error(503), error(500), single())
    assert make_api(script).get_product_purchase(PRODUCT, PURCHASE).data.id == PURCHASE
    assert len(script.requests) == 3
    assert clock.sleeps == [0.5, 1.0]


def test_retries_are_bounded(make_api: MakeApi, clock: FakeClock) -> None:
    script = Script(error(502))
    with pytest.raises(ServiceException):
        make_api(script, retries=3, backoff_max=0.75).get_product_purchase(PRODUCT, PURCHASE)
    assert len(script.requests) == 4
    assert clock.sleeps == [0.5, 0.75, 0.75]


def test_retries_zero(make_api: MakeApi, clock: FakeClock) -> None:
    script = Script(error(503))
    with pytest.raises(ServiceException):
        make_api(script, retries=0).get_product_purchase(PRODUCT, PURCHASE)
    assert len(script.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("refused"),
        httpx.ReadError("reset"),
        httpx.RemoteProtocolError("closed"),
        httpx.ReadTimeout("slow"),
    ],
)
def test_put_retries_transport_errors(make_api: MakeApi, exc: Exception) -> None:
    script = Script(exc, single(revoked=True))
    api = make_api(script)
    assert api.update_product_purchase(PRODUCT, PURCHASE, {"revoked": True}).data.revoked
    assert script.methods == ["PUT", "PUT"]


def test_connection_error_after_retries(make_api: MakeApi) -> None:
    script = Script(httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(ApiConnectionError) as caught:
        make_api(script).list_product_purchases(PRODUCT)
    assert len(script.requests) == 3
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert str(caught.value) == (
        f"GET /api/v3/products/{PRODUCT}/purchases: request failed "
        "(ConnectError: [Errno 111] Connection refused)"
    )


def test_timeout_raises_api_timeout_error(make_api: MakeApi) -> None:
    script = Script(httpx.ReadTimeout(""))
    with pytest.raises(ApiTimeoutError, match="read_timeout") as caught:
        make_api(script, retries=1).get_product_purchase(PRODUCT, PURCHASE)
    assert isinstance(caught.value, ApiConnectionError)
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert len(script.requests) == 2


def test_fatal_transport_errors_are_not_retried(make_api: MakeApi) -> None:
    script = Script(httpx.UnsupportedProtocol("no"))
    with pytest.raises(ApiConnectionError, match="UnsupportedProtocol"):
        make_api(script).get_product_purchase(PRODUCT, PURCHASE)
    assert len(script.requests) == 1


# -- POST: never granted twice --------------------------------------------------------------------


def test_post_retries_when_the_server_provably_did_not_act(
    make_api: MakeApi, clock: FakeClock
) -> None:
    script = Script(
        httpx.ConnectError("refused"),
        error(429, "Too Many Requests", **{"Retry-After": "2"}),
        single(201),
    )
    assert make_api(script).create_product_purchase(PRODUCT, NEW).data.user_id == USER
    assert script.methods == ["POST", "POST", "POST"]
    assert clock.sleeps == [0.5, 2.0]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.ReadError("reset"),
        httpx.RemoteProtocolError("closed"),
        httpx.WriteTimeout("slow"),
        error(503),
    ],
)
def test_ambiguous_post_is_looked_up_not_resent(
    make_api: MakeApi, failure: httpx.Response | Exception
) -> None:
    script = Script(failure, page([purchase()]))
    api = make_api(script)
    info = api.create_product_purchase_with_http_info(PRODUCT, NEW)
    assert script.methods == ["POST", "GET"]
    assert script.requests[1].url.query.decode() == (
        f"perPage=1&filter[revoked]=false&filter[userId]={USER}"
    )
    assert info.recovered is True
    assert (info.status_code, info.data.data.id) == (200, PURCHASE)
    assert type(info.data).__name__ == "CreateProductPurchaseResponse"


def test_ambiguous_post_not_found_is_resent(make_api: MakeApi) -> None:
    script = Script(httpx.ReadTimeout("slow"), page([]), single(201))
    info = make_api(script).create_product_purchase_with_http_info(PRODUCT, NEW)
    assert script.methods == ["POST", "GET", "POST"]
    assert (info.status_code, info.recovered) == (201, False)


def test_already_owns_after_an_ambiguous_attempt_is_looked_up_again(make_api: MakeApi) -> None:
    # The first POST was still being processed when the lookup ran.
    script = Script(httpx.ReadTimeout("slow"), page([]), ALREADY_OWNS, page([purchase()]))
    info = make_api(script).create_product_purchase_with_http_info(PRODUCT, NEW)
    assert script.methods == ["POST", "GET", "POST", "GET"]
    assert info.recovered is True


def test_already_owns_without_an_ambiguous_attempt_is_an_error(make_api: MakeApi) -> None:
    script = Script(ALREADY_OWNS)
    with pytest.raises(BadRequestException):
        make_api(script).create_product_purchase(PRODUCT, NEW)
    assert script.methods == ["POST"]


def test_already_owns_after_lookup_still_not_found(make_api: MakeApi) -> None:
    script = Script(httpx.ReadTimeout("slow"), page([]), ALREADY_OWNS, page([]))
    with pytest.raises(BadRequestException):
        make_api(script).create_product_purchase(PRODUCT, NEW)
    assert script.methods == ["POST", "GET", "POST", "GET"]


def test_ambiguous_post_without_retries_left(make_api: MakeApi) -> None:
    script = Script(httpx.ReadTimeout("slow"), page([]))
    with pytest.raises(ApiTimeoutError, match="may have acted"):
        make_api(script, retries=0).create_product_purchase(PRODUCT, NEW)
    assert script.methods == ["POST", "GET"]


def test_failed_lookup_raises_the_original_error(make_api: MakeApi) -> None:
    script = Script(httpx.ReadTimeout("slow"), error(500))
    with pytest.raises(ApiTimeoutError) as caught:
        make_api(script).create_product_purchase(PRODUCT, NEW)
    assert script.methods == ["POST", "GET", "GET", "GET"]  # the lookup (a GET) was retried
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


def test_ambiguous_post_without_payload_is_not_retried(make_api: MakeApi) -> None:
    script = Script(error(500))
    with pytest.raises(ServiceException):
        make_api(script).create_product_purchase(PRODUCT)
    assert script.methods == ["POST"]


# -- 429 and rate limit pacing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "sleep"),
    [
        pytest.param({"Retry-After": "3"}, 3.0, id="retry-after"),
        pytest.param({"X-RateLimit-Reset": str(int(EPOCH) + 20)}, 20.0, id="reset-epoch"),
        pytest.param({"X-RateLimit-Reset": "15"}, 15.0, id="reset-seconds"),
        pytest.param({}, 0.5, id="backoff"),
    ],
)
def test_429_waits_as_told(
    make_api: MakeApi, clock: FakeClock, headers: dict[str, str], sleep: float
) -> None:
    script = Script(error(429, **headers), single())
    make_api(script).get_product_purchase(PRODUCT, PURCHASE)
    assert len(script.requests) == 2
    assert clock.sleeps == [sleep]


def test_429_longer_than_the_window_is_logged(
    make_api: MakeApi, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script(error(429, **{"Retry-After": "90"}), single())
    make_api(script).get_product_purchase(PRODUCT, PURCHASE)
    assert clock.sleeps == [90.0]
    (record,) = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        f"GET /api/v3/products/{PRODUCT}/purchases/{PURCHASE} failed (HTTP 429); retry 1 of 2 in "
        "90.00 s, longer than the 60 s rate limit window"
    )


def test_backoff_longer_than_the_window_is_a_warning(
    make_api: MakeApi, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gmodstore_sdk")
    script = Script(error(503), error(503), single())
    make_api(script, backoff_base=40, backoff_max=100).get_product_purchase(PRODUCT, PURCHASE)
    assert clock.sleeps == [40.0, 80.0]
    records = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert [r.levelno for r in records] == [logging.INFO, logging.WARNING]
    assert records[1].getMessage().endswith("in 80.00 s, longer than the 60 s rate limit window")


def test_429_longer_than_max_retry_wait_is_raised(make_api: MakeApi, clock: FakeClock) -> None:
    script = Script(error(429, **{"Retry-After": "3600"}))
    with pytest.raises(RateLimitException) as caught:
        make_api(script).get_product_purchase(PRODUCT, PURCHASE)
    assert caught.value.retry_after == 3600.0
    assert len(script.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [
        pytest.param({"Retry-After": "7"}, 7.0, id="retry-after"),
        pytest.param({"X-RateLimit-Reset": str(int(EPOCH) + 20)}, 20.0, id="reset-epoch"),
        pytest.param({"X-RateLimit-Reset": "15"}, 15.0, id="reset-seconds"),
        pytest.param({}, None, id="none"),
    ],
)
def test_429_error_tells_how_long_to_wait(
    make_api: MakeApi, headers: dict[str, str], retry_after: float | None
) -> None:
    with pytest.raises(RateLimitException) as caught:
        make_api(Script(error(429, **headers)), retries=0).get_product_purchase(PRODUCT, PURCHASE)
    assert caught.value.retry_after == retry_after


def _spent(reset: str) -> httpx.Response:
    headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    return httpx.Response(200, json={"data": purchase()}, headers=headers)


def test_spent_budget_waits_for_the_reset_before_sending(
    make_api: MakeApi, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gmodstore_sdk")
    script = Script(_spent(str(int(EPOCH) + 30)), single())
    api = make_api(script)
    api.get_product_purchase(PRODUCT, PURCHASE)
    assert clock.sleeps == []
    api.get_product_purchase(PRODUCT, PURCHASE)
    assert clock.sleeps == [30.0]
    assert len(script.requests) == 2
    assert "waiting 30.0 s for the reset" in caplog.text


def test_pacing_longer_than_the_window_is_logged(
    make_api: MakeApi, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script(_spent(str(int(EPOCH) + 90)), single())
    api = make_api(script)
    api.get_product_purchase(PRODUCT, PURCHASE)
    api.get_product_purchase(PRODUCT, PURCHASE)
    assert clock.sleeps == [90.0]
    assert "waiting 90.0 s for the reset, longer than the 60 s window" in caplog.text


def test_pacing_a_skewed_reset_waits_one_window(
    make_api: MakeApi, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script(_spent(str(int(EPOCH) + 5000)), single())
    api = make_api(script)
    api.get_product_purchase(PRODUCT, PURCHASE)
    api.get_product_purchase(PRODUCT, PURCHASE)
    assert clock.sleeps == [60.0]
    assert len(script.requests) == 2
    assert "clock skew" in caplog.text


def test_pacing_with_a_clock_that_does_not_move(make_api: MakeApi) -> None:
    sleeps: list[float] = []
    script = Script(_spent(str(int(EPOCH) + 30)), single())
    client = gmodstore_sdk.ApiClient(
        config(), transport=httpx.MockTransport(script), sleep=sleeps.append, clock=lambda: EPOCH
    )
    api = ProductPurchasesApi(client)
    api.get_product_purchase(PRODUCT, PURCHASE)
    api.get_product_purchase(PRODUCT, PURCHASE)
    assert sleeps == [30.0]  # slept once, then sent rather than loop forever
    client.close()


def test_pacing_can_be_turned_off(make_api: MakeApi, clock: FakeClock) -> None:
    script = Script(_spent("30"), single())
    api = make_api(script, respect_rate_limit=False)
    api.get_product_purchase(PRODUCT, PURCHASE)
    api.get_product_purchase(PRODUCT, PURCHASE)
    assert clock.sleeps == []


# -- logging and secrets --------------------------------------------------------------------------


def test_debug_log_line(make_api: MakeApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="gmodstore_sdk")
    make_api(Script(single())).get_product_purchase(PRODUCT, PURCHASE)
    (record,) = [r for r in caplog.records if r.name == "gmodstore_sdk"]
    assert record.levelno == logging.DEBUG
    assert record.getMessage().startswith(
        f"GET /api/v3/products/{PRODUCT}/purchases/{PURCHASE} -> 200 in "
    )
    assert record.getMessage().endswith(" ms (attempt 1)")


def test_token_never_leaks(
    make_api: MakeApi, caplog: pytest.LogCaptureFixture, clock: FakeClock
) -> None:
    caplog.set_level(logging.DEBUG)
    script = Script(
        httpx.ConnectError("refused"),
        error(503),
        error(401, "Unauthenticated."),
        httpx.ReadTimeout("slow"),
        page([]),
        httpx.ReadTimeout("slow"),
    )
    api = make_api(script)
    errors: list[Exception] = []
    for call in (
        lambda: api.get_product_purchase(PRODUCT, PURCHASE),
        lambda: api.create_product_purchase(PRODUCT, NEW),
    ):
        with pytest.raises(gmodstore_sdk.OpenApiException) as caught:
            call()
        errors.append(caught.value)
    # get: 3 attempts; create: POST, lookup, POST again, lookup (3 attempts, all time out).
    assert script.methods == ["GET"] * 3 + ["POST", "GET", "POST", "GET", "GET", "GET"]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in script.requests)
    texts = [caplog.text, repr(api.api_client), repr(api.api_client.configuration)]
    texts += [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [
        repr(vars(e)) for e in errors
    ]  # .headers / .body are the response's, never the request's
    for text in texts:
        assert TOKEN not in text
    assert "-> ConnectError (attempt 1)" in caplog.text
    assert "retry 1 of 2" in caplog.text


def test_transport_error_messages_never_quote_the_token(make_api: MakeApi) -> None:
    # h11 quotes a refused header value in its message, "Bearer <token>" included.
    script = Script(httpx.LocalProtocolError(f"Illegal header value b'Bearer {TOKEN}\\n'"))
    with pytest.raises(ApiConnectionError) as caught:
        make_api(script).get_product_purchase(PRODUCT, PURCHASE)
    assert TOKEN not in str(caught.value)
    assert "Illegal header value b'Bearer ***\\n'" in str(caught.value)


def test_zero_backoff_does_not_sleep(make_api: MakeApi, clock: FakeClock) -> None:
    script = Script(error(503), single())
    make_api(script, backoff_base=0).get_product_purchase(PRODUCT, PURCHASE)
    assert len(script.requests) == 2
    assert clock.sleeps == []


def test_default_sleep_really_sleeps() -> None:
    script = Script(error(503), single())
    with gmodstore_sdk.ApiClient(
        config(backoff_base=0.001), transport=httpx.MockTransport(script)
    ) as client:
        ProductPurchasesApi(client).get_product_purchase(PRODUCT, PURCHASE)
    assert len(script.requests) == 2


def test_has_active_purchase_accepts_uuid_objects(make_api: MakeApi) -> None:
    script = Script(page([]))
    make_api(script).has_active_purchase(PRODUCT, uuid.UUID(USER))  # type: ignore[arg-type]
    assert USER in script.requests[0].url.query.decode()


def test_one_client_shared_by_threads() -> None:
    """8 threads, 60 requests, 10 per 0.2 s window: paced, so (almost) nothing is refused."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    server = WindowServer(budget=10, window=0.2, clock=time.time)
    options = {"retries": 5, "rate_limit_window": 0.2}
    with gmodstore_sdk.ApiClient(config(**options), transport=httpx.MockTransport(server)) as c:
        api = ProductPurchasesApi(c)
        with ThreadPoolExecutor(8) as pool:
            results = list(
                pool.map(lambda _: api.get_product_purchase(PRODUCT, PURCHASE), range(60))
            )
    assert len(results) == 60
    assert server.statuses.count(200) == 60
    # Requests are counted before they are sent, so a window's budget is not overrun; a request
    # reserved just before a window ends may still arrive in the next one.
    assert server.statuses.count(429) <= 3


def test_iter_raises_on_a_cursor_cycle(make_api: MakeApi) -> None:
    script = Script(
        page([purchase(1)], next_cursor="A"),
        page([purchase(2)], next_cursor="B"),
        page([purchase(3)], next_cursor="A"),
        page([purchase(4)]),
    )
    seen = []
    with pytest.raises(gmodstore_sdk.ApiResponseValidationError, match="pagination loops"):
        for item in make_api(script).iter_product_purchases(PRODUCT):
            seen.append(item.id[-1])
    assert seen == ["1", "2", "3"]
    assert len(script.requests) == 3
