from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pydantic
import pytest

from gmodstore_sdk import ApiTypeError, ApiValueError
from gmodstore_sdk.model import (
    CreateProductPurchaseResponse,
    Error,
    GetProductPurchaseResponse,
    ListProductPurchasesResponse,
    NewProductPurchasePayload,
    ProductPurchase,
    ProductPurchaseFilter,
    UpdateProductPurchasePayload,
    UpdateProductPurchaseResponse,
)

from .conftest import PRODUCT, USER, purchase

OTHER = "0b3e4f7a-1d2c-4e5f-8a9b-0c1d2e3f4a5b"


def test_purchase_is_snake_case_with_aware_datetimes() -> None:
    p = ProductPurchase.model_validate(purchase())
    assert (p.user_id, p.product_id, p.revoked) == (USER, PRODUCT, False)
    assert p.created_at == datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    assert p.updated_at.utcoffset() == timedelta(hours=2)
    assert p.model_dump(mode="json")["userId"] == USER


def test_unknown_fields_are_kept() -> None:
    p = ProductPurchase.model_validate(purchase(giftedBy="someone"))
    assert p["giftedBy"] == "someone"
    assert "giftedBy" in p


@pytest.mark.parametrize(
    "naive",
    [
        pytest.param("2024-05-01T12:00:00", id="iso"),
        pytest.param("2024-05-01 12:00:00", id="space"),
        pytest.param(1714564800, id="epoch"),
    ],
)
def test_naive_datetimes_are_read_as_utc(naive: object) -> None:
    p = ProductPurchase.model_validate(purchase(createdAt=naive))
    assert p.created_at == datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    assert p.created_at.tzinfo is not None


def test_datetimes_keep_their_offset_and_json_naive_ones_are_utc() -> None:
    # UtcDatetime's fast path (an aware datetime, no Python call) and its naive fallback, from JSON.
    import json

    p = ProductPurchase.model_validate_json(
        json.dumps(purchase(createdAt="2024-05-01T14:00:00+02:00", updatedAt="2024-05-01T12:00:00"))
    )
    assert p.created_at.utcoffset() is not None and p.created_at.utcoffset().total_seconds() == 7200
    assert p.created_at == datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    assert p.updated_at == datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    assert p.updated_at.tzinfo is not None
    assert p.to_dict()["updatedAt"] == "2024-05-01T12:00:00Z"


def test_bad_datetimes_and_missing_fields_are_rejected() -> None:
    with pytest.raises(pydantic.ValidationError, match="createdAt"):
        ProductPurchase.model_validate(purchase(createdAt="yesterday"))
    body = purchase()
    del body["revoked"]
    with pytest.raises(pydantic.ValidationError, match="revoked"):
        ProductPurchase.model_validate(body)


@pytest.mark.parametrize(
    "model",
    [CreateProductPurchaseResponse, GetProductPurchaseResponse, UpdateProductPurchaseResponse],
)
def test_single_envelopes(model: type[GetProductPurchaseResponse]) -> None:
    resp = model.model_validate({"data": purchase()})
    assert resp.data.id == resp["data"]["id"]


def test_list_response_typed_and_untyped() -> None:
    resp = ListProductPurchasesResponse.model_validate(
        {
            "data": [purchase()],
            "cursors": {"prev": None, "next": "abc"},
            "connections": [],
            "meta": {"perPage": 24},
        }
    )
    assert resp.cursors.next == resp["cursors"]["next"] == "abc"
    assert resp.meta.per_page == resp["meta"]["perPage"] == resp["meta"]["per_page"] == 24
    assert resp["data"][0]["userId"] == USER
    assert resp.get("nope") is None
    assert "nope" not in resp and 3 not in resp
    with pytest.raises(KeyError):
        resp["nope"]
    assert resp.next_page_cursor() == "abc"
    assert resp.to_dict()["cursors"] == {"prev": None, "next": "abc"}


def test_empty_page_ends_the_walk() -> None:
    resp = ListProductPurchasesResponse.model_validate(
        {
            "data": [],
            "cursors": {"prev": None, "next": "x"},
            "connections": [],
            "meta": {"perPage": 5},
        }
    )
    assert resp.next_page_cursor() is None


def test_error_model() -> None:
    err = Error.model_validate_json('{"message": "Bad", "errors": {"userId": ["required"]}}')
    assert (err.message, err.errors) == ("Bad", {"userId": ["required"]})


def test_new_payload() -> None:
    assert NewProductPurchasePayload(user_id=USER).model_dump() == {"userId": USER}
    assert NewProductPurchasePayload.coerce({"userId": USER}, "x").user_id == USER
    assert NewProductPurchasePayload.coerce({"user_id": USER}, "x").user_id == USER


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param({"user_id": "user_id_example"}, ApiValueError, "not a UUID", id="uuid"),
        pytest.param({"user_id": 5}, ApiTypeError, "user_id", id="type"),
        pytest.param({}, ApiValueError, "userId: Field required", id="missing"),
        pytest.param({"user_id": USER, "extra": 1}, ApiValueError, "extra", id="extra"),
    ],
)
def test_new_payload_errors(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        NewProductPurchasePayload(**kwargs)  # type: ignore[arg-type]


def test_update_payload_only_sends_what_is_set() -> None:
    assert UpdateProductPurchasePayload(revoked=True).model_dump_json(exclude_unset=True) == (
        '{"revoked":true}'
    )
    assert UpdateProductPurchasePayload().model_dump_json(exclude_unset=True) == "{}"
    with pytest.raises(ApiTypeError, match="revoked"):
        UpdateProductPurchasePayload(revoked="yes")  # type: ignore[arg-type]


def test_coerce_rejects_other_types() -> None:
    with pytest.raises(ApiTypeError, match="must be a UpdateProductPurchasePayload or a mapping"):
        UpdateProductPurchasePayload.coerce([True], "update_product_purchase_payload")
    with pytest.raises(ApiTypeError, match="invalid UpdateProductPurchasePayload: revoked"):
        UpdateProductPurchasePayload.coerce({"revoked": "no"}, "update_product_purchase_payload")


@pytest.mark.parametrize(
    ("kwargs", "query"),
    [
        pytest.param({}, "", id="empty"),
        pytest.param({"revoked": False}, "filter[revoked]=false", id="bool"),
        pytest.param({"revoked": [True, False]}, "filter[revoked]=true,false", id="bools"),
        pytest.param({"user_id": USER}, f"filter[userId]={USER}", id="user"),
        pytest.param(
            {"user_id": (USER, OTHER)}, f"filter[userId]={USER},{OTHER}", id="users-tuple"
        ),
        pytest.param(
            {"revoked": True, "user_id": [USER], "product_id": PRODUCT},
            f"filter[revoked]=true&filter[userId]={USER}&filter[productId]={PRODUCT}",
            id="all",
        ),
        pytest.param({"userId": USER}, f"filter[userId]={USER}", id="alias"),
    ],
)
def test_filter_query(kwargs: dict[str, object], query: str) -> None:
    assert ProductPurchaseFilter(**kwargs).to_query() == query  # type: ignore[arg-type]


def test_filter_values_become_lists() -> None:
    f = ProductPurchaseFilter(revoked=False, user_id=USER)
    assert (f.revoked, f.user_id, f.product_id) == ([False], [USER], None)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param({"revoked": "false"}, ApiTypeError, "expected a boolean", id="str-bool"),
        pytest.param({"revoked": [True, 0]}, ApiTypeError, "got int", id="int-in-list"),
        pytest.param({"user_id": 5}, ApiTypeError, "expected a string", id="int-id"),
        pytest.param({"user_id": True}, ApiTypeError, "got bool", id="bool-id"),
        pytest.param({"user_id": "user_id_example"}, ApiValueError, "not a UUID", id="uuid"),
        pytest.param({"product_id": []}, ApiValueError, "at least one", id="empty"),
        pytest.param({"steam_id": "1"}, ApiValueError, "steam_id", id="unknown"),
    ],
)
def test_filter_errors(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        ProductPurchaseFilter(**kwargs)  # type: ignore[arg-type]


def test_coerce_rejects_non_string_keys() -> None:
    with pytest.raises(ApiTypeError, match="or a mapping"):
        NewProductPurchasePayload.coerce({1: USER}, "new_product_purchase_payload")


def test_filter_explicit_none_is_unset() -> None:
    assert ProductPurchaseFilter(revoked=None, user_id=None).to_query() == ""


def test_not_given() -> None:
    from gmodstore_sdk import NOT_GIVEN

    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
