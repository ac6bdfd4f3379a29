"""Product coupons over real HTTP: every rule of the spec, uniqueness, filters and access."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from .conftest import CONTENT_SCOPES, Content

COUPON_FIELDS = {
    "id",
    "code",
    "percent",
    "maxUses",
    "boundUserId",
    "expiresAt",
    "createdAt",
    "updatedAt",
}


def in_days(days: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


def payload(**overrides: Any) -> dict[str, Any]:
    return {
        "percent": 10,
        "code": f"C{uuid.uuid4().hex[:10]}",
        "maxUses": 5,
        "expiresAt": in_days(7),
        **overrides,
    }


@pytest.fixture
def product(content: Content) -> str:
    return content.sb.new_product(name="Discounted addon")


def create(content: Content, product: str, **overrides: Any) -> dict[str, Any]:
    response = content.http.post(f"/products/{product}/coupons", json=payload(**overrides))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_create_get_and_shape(content: Content, product: str) -> None:
    user = content.sb.new_user("Bound buyer")
    coupon = create(
        content, product, code="Summer_sale-10", percent=90, maxUses=100, boundUserId=user
    )
    assert set(coupon) == COUPON_FIELDS
    assert (coupon["code"], coupon["percent"], coupon["maxUses"], coupon["boundUserId"]) == (
        "Summer_sale-10",
        90,
        100,
        user,
    )
    assert content.http.get(f"/products/{product}/coupons/{coupon['id']}").json() == {
        "data": coupon
    }
    unbound = create(content, product, percent=1, maxUses=1)
    assert unbound["boundUserId"] is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"percent": 0}, "percent", id="percent-0"),
        pytest.param({"percent": 91}, "percent", id="percent-91"),
        pytest.param({"percent": 10.5}, "percent", id="percent-float"),
        pytest.param({"percent": "10"}, "percent", id="percent-string"),
        pytest.param({"percent": True}, "percent", id="percent-bool"),
        pytest.param({"maxUses": 0}, "maxUses", id="uses-0"),
        pytest.param({"maxUses": 101}, "maxUses", id="uses-101"),
        pytest.param({"code": ""}, "code", id="code-empty"),
        pytest.param({"code": "x" * 65}, "code", id="code-65"),
        pytest.param({"code": "no spaces"}, "code", id="code-space"),
        pytest.param({"code": "a[b]"}, "code", id="code-bracket"),
        pytest.param({"code": "a^b"}, "code", id="code-caret"),
        pytest.param({"code": "a\\b"}, "code", id="code-backslash"),
        pytest.param({"code": "a`b"}, "code", id="code-backtick"),
        pytest.param({"code": "ÄBC"}, "code", id="code-non-ascii"),
        pytest.param({"code": "abc\n"}, "code", id="code-newline"),
        pytest.param({"expiresAt": in_days(-1)}, "expiresAt", id="expired"),
        pytest.param({"expiresAt": in_days(15)}, "expiresAt", id="over-two-weeks"),
        pytest.param({"expiresAt": "tomorrow"}, "expiresAt", id="not-a-date"),
        pytest.param({"boundUserId": str(uuid.uuid4())}, "boundUserId", id="unknown-user"),
        pytest.param({"boundUserId": "nope"}, "boundUserId", id="not-a-uuid"),
    ],
)
def test_rules_are_400(
    content: Content, product: str, overrides: dict[str, Any], field: str
) -> None:
    response = content.http.post(f"/products/{product}/coupons", json=payload(**overrides))
    assert response.status_code == 400, response.text
    assert field in response.json()["errors"]


@pytest.mark.parametrize("field", ["percent", "code", "maxUses", "expiresAt"])
def test_required_fields(content: Content, product: str, field: str) -> None:
    body = payload()
    del body[field]
    response = content.http.post(f"/products/{product}/coupons", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][field] == [f"The {field} field is required."]


@pytest.mark.parametrize("body", [b"", b"[]", b"{bad", b"null"])
def test_bodies_that_are_not_objects(content: Content, product: str, body: bytes) -> None:
    response = content.http.post(
        f"/products/{product}/coupons", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_codes_are_unique_per_product_regardless_of_case(content: Content, product: str) -> None:
    create(content, product, code="WELCOME")
    again = content.http.post(f"/products/{product}/coupons", json=payload(code="welcome"))
    assert again.status_code == 400
    assert again.json()["errors"] == {
        "code": ["This code is already used by another coupon of this product."]
    }
    other_product = content.sb.new_product(name="Other")
    assert create(content, other_product, code="WELCOME")["code"] == "WELCOME"


def test_concurrent_creates_of_one_code_make_one_coupon(content: Content, product: str) -> None:
    body = payload(code="RACE")
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda _: content.http.post(f"/products/{product}/coupons", json=body).status_code,
                range(8),
            )
        )
    assert sorted(statuses) == [201] + [400] * 7


def test_filters(content: Content, product: str) -> None:
    alice, bob = content.sb.new_user("Alice"), content.sb.new_user("Bob")
    a = create(content, product, code="ALICE1", boundUserId=alice)
    b = create(content, product, code="BOB1", boundUserId=bob)
    free = create(content, product, code="FREE1")
    url = f"/products/{product}/coupons"

    def ids(params: dict[str, str]) -> list[str]:
        response = content.http.get(url, params=params)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["data"]]

    assert ids({}) == [a["id"], b["id"], free["id"]]
    assert ids({"filter[code]": "alice1,FREE1"}) == [a["id"], free["id"]]
    assert ids({"filter[boundUserId]": bob}) == [b["id"]]
    assert ids({"filter[boundUserId]": f"{alice},null"}) == [a["id"], free["id"]]
    assert ids({"filter[code]": "BOB1", "filter[boundUserId]": alice}) == []
    for bad in ({"filter[code]": "a b"}, {"filter[boundUserId]": "x"}, {"filter[percent]": "10"}):
        assert content.http.get(url, params=bad).status_code == 400


def test_update_changes_only_what_is_given(content: Content, product: str) -> None:
    coupon = create(content, product, code="EDITME")
    url = f"/products/{product}/coupons/{coupon['id']}"
    user = content.sb.new_user()
    response = content.http.put(url, json={"percent": 25, "boundUserId": user})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data == {**coupon, "percent": 25, "boundUserId": user, "updatedAt": data["updatedAt"]}
    assert data["updatedAt"] > coupon["updatedAt"]
    unbound = content.http.put(url, json={"boundUserId": None}).json()["data"]
    assert unbound["boundUserId"] is None
    same = content.http.put(url, json={"code": "EDITME"})
    assert same.status_code == 200
    assert content.http.put(url, json={}).json()["data"] == same.json()["data"]


@pytest.mark.parametrize(
    "body",
    [
        {"percent": 95},
        {"maxUses": 0},
        {"code": "bad code"},
        {"expiresAt": in_days(-1)},
        {"expiresAt": None},
        {"percent": None},
        {"boundUserId": str(uuid.uuid4())},
    ],
)
def test_bad_updates(content: Content, product: str, body: dict[str, Any]) -> None:
    coupon = create(content, product)
    response = content.http.put(f"/products/{product}/coupons/{coupon['id']}", json=body)
    assert response.status_code == 400, response.text


def test_update_cannot_take_another_coupons_code(content: Content, product: str) -> None:
    create(content, product, code="TAKEN")
    other = create(content, product, code="MINE")
    response = content.http.put(
        f"/products/{product}/coupons/{other['id']}", json={"code": "taken"}
    )
    assert response.status_code == 400


def test_delete(content: Content, product: str) -> None:
    coupon = create(content, product)
    url = f"/products/{product}/coupons/{coupon['id']}"
    response = content.http.delete(url)
    assert response.status_code == 200
    assert response.json() == {"data": coupon}
    assert content.http.get(url).status_code == 404
    assert content.http.delete(url).status_code == 404
    assert content.http.put(url, json={"percent": 5}).status_code == 404
    # the code is free again
    assert create(content, product, code=coupon["code"])["code"] == coupon["code"]


def test_coupon_access(content: Content, product: str) -> None:
    coupon = create(content, product)
    url = f"/products/{product}/coupons"
    with content.client(None) as anonymous:
        assert anonymous.get(url).status_code == 401
    with content.client(content.sb.new_token(scopes=["product-coupons:read"])) as reader:
        assert reader.get(f"{url}/{coupon['id']}").status_code == 200
        assert reader.post(url, json=payload()).status_code == 403
        assert reader.delete(f"{url}/{coupon['id']}").status_code == 403
    with content.client(content.sb.new_token(scopes=CONTENT_SCOPES, team="b")) as foreign:
        assert foreign.get(f"{url}/{coupon['id']}").status_code == 403
        # access is checked before input: a foreign caller never learns the rules
        assert foreign.post(url, json={}).status_code == 403
    foreign_product = content.sb.ids.other_team_product_id
    assert content.http.get(f"/products/{foreign_product}/coupons").status_code == 403
    assert content.http.get(f"{url}/{uuid.uuid4()}").status_code == 404


def test_bad_token_wins_over_bad_body(content: Content, product: str) -> None:
    with httpx.Client(
        base_url=content.sb.url + "/v3", headers={"Authorization": "Bearer nope"}
    ) as bad:
        assert bad.post(f"/products/{product}/coupons", content=b"{bad").status_code == 401
