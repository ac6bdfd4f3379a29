"""Every status code of every endpoint, over real HTTP, under both URL prefixes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

from gmodstore_sandbox.testing import Sandbox

from .conftest import bearer, grant, purchases_path

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
PURCHASE_KEYS = {"id", "userId", "productId", "revoked", "createdAt", "updatedAt"}


def assert_error(
    response: httpx.Response, status: int, *, errors: tuple[str, ...] = ()
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    for header in RATE_HEADERS:
        assert int(response.headers[header]) >= 0
    body = response.json()
    assert isinstance(body["message"], str) and body["message"]
    if status == 400:
        assert set(body) == {"message", "errors"}
        assert set(errors) <= set(body["errors"]), body
        assert all(isinstance(m, str) for ms in body["errors"].values() for m in ms)
    else:
        assert set(body) == {"message"}
    return body  # type: ignore[no-any-return]


def assert_purchase(data: dict[str, Any]) -> None:
    assert set(data) == PURCHASE_KEYS
    for key in ("id", "userId", "productId"):
        assert str(uuid.UUID(data[key])) == data[key]
    assert isinstance(data["revoked"], bool)
    for key in ("createdAt", "updatedAt"):
        parsed = datetime.fromisoformat(data[key].replace("Z", "+00:00"))
        offset = parsed.utcoffset()
        assert offset is not None and offset.total_seconds() == 0


# --- 200 / 201 ---------------------------------------------------------------------------------


def test_get_purchase(http: httpx.Client, sandbox: Sandbox, prefix: str) -> None:
    ids = sandbox.ids
    response = http.get(purchases_path(prefix, ids.product_id, ids.purchase_ids[0]))
    assert response.status_code == 200
    assert set(response.json()) == {"data"}
    data = response.json()["data"]
    assert_purchase(data)
    assert data["id"] == ids.purchase_ids[0]
    assert data["userId"] == ids.owner_user_ids[0]
    assert data["productId"] == ids.product_id
    assert data["revoked"] is False
    for header in RATE_HEADERS:
        assert header in response.headers


def test_list_purchases_shape(http: httpx.Client, sandbox: Sandbox, prefix: str) -> None:
    response = http.get(purchases_path(prefix, sandbox.ids.product_id), params={"perPage": 5})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "cursors", "connections", "meta"}
    assert body["connections"] == []
    assert body["meta"] == {"perPage": 5}
    assert body["cursors"]["prev"] is None and isinstance(body["cursors"]["next"], str)
    assert [p["id"] for p in body["data"]] == sandbox.ids.purchase_ids[:5]
    for item in body["data"]:
        assert_purchase(item)


def test_list_default_per_page(http: httpx.Client, sandbox: Sandbox) -> None:
    body = http.get(purchases_path("/v3", sandbox.ids.product_id)).json()
    assert body["meta"] == {"perPage": 24}
    assert len(body["data"]) == 24


def test_list_empty_product(http: httpx.Client, sandbox: Sandbox, prefix: str) -> None:
    body = http.get(purchases_path(prefix, sandbox.ids.empty_product_id)).json()
    assert body == {
        "data": [],
        "cursors": {"prev": None, "next": None},
        "connections": [],
        "meta": {"perPage": 24},
    }


def test_create_then_get(http: httpx.Client, sandbox: Sandbox, prefix: str) -> None:
    product, user = sandbox.new_product(), sandbox.new_user()
    response = http.post(purchases_path(prefix, product), json={"userId": user})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert_purchase(data)
    assert (data["userId"], data["productId"], data["revoked"]) == (user, product, False)
    assert data["createdAt"] == data["updatedAt"]
    again = http.get(purchases_path(prefix, product, data["id"]))
    assert again.json() == {"data": data}


def test_revoke_and_restore(http: httpx.Client, sandbox: Sandbox, prefix: str) -> None:
    product = sandbox.new_product()
    created = grant(http, product, sandbox.new_user())
    path = purchases_path(prefix, product, str(created["id"]))
    revoked = http.put(path, json={"revoked": True})
    assert revoked.status_code == 200
    assert revoked.json()["data"]["revoked"] is True
    assert revoked.json()["data"]["updatedAt"] > created["updatedAt"]
    assert revoked.json()["data"]["createdAt"] == created["createdAt"]
    restored = http.put(path, json={"revoked": False})
    assert restored.json()["data"]["revoked"] is False
    assert restored.json()["data"]["updatedAt"] > revoked.json()["data"]["updatedAt"]
    assert http.get(path).json() == restored.json()


def test_put_without_change_keeps_updated_at(http: httpx.Client, sandbox: Sandbox) -> None:
    product = sandbox.new_product()
    created = grant(http, product, sandbox.new_user())
    path = purchases_path("/v3", product, str(created["id"]))
    for body in ({"revoked": False}, {}):
        response = http.put(path, json=body)
        assert response.status_code == 200
        assert response.json() == {"data": created}
    empty = http.put(path, content=b"", headers={"content-type": "application/json"})
    assert empty.status_code == 200


# --- 400 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "field"),
    [
        pytest.param(b"{not json", "body", id="malformed-json"),
        pytest.param(b'{"userId": ', "body", id="truncated-json"),
        pytest.param(b"\xff\xfe", "body", id="not-utf8"),
        pytest.param(b"[]", "body", id="array-body"),
        pytest.param(b'"text"', "body", id="string-body"),
        pytest.param(b"{}", "userId", id="missing-user"),
        pytest.param(b"", "userId", id="empty-body"),
        pytest.param(b'{"userId": null}', "userId", id="null-user"),
        pytest.param(b'{"userId": 12}', "userId", id="int-user"),
        pytest.param(b'{"userId": ["a"]}', "userId", id="list-user"),
        pytest.param(b'{"userId": "not-a-uuid"}', "userId", id="bad-uuid"),
        pytest.param(b'{"userId": "\\u0000"}', "userId", id="nul-uuid"),
    ],
)
def test_create_bad_body(
    http: httpx.Client, sandbox: Sandbox, prefix: str, content: bytes, field: str
) -> None:
    response = http.post(
        purchases_path(prefix, sandbox.ids.product_id),
        content=content,
        headers={"content-type": "application/json"},
    )
    assert_error(response, 400, errors=(field,))


def test_create_unknown_user(http: httpx.Client, sandbox: Sandbox, prefix: str) -> None:
    response = http.post(
        purchases_path(prefix, sandbox.ids.product_id), json={"userId": str(uuid.uuid4())}
    )
    assert_error(response, 400, errors=("userId",))


@pytest.mark.parametrize("index", [0, 3], ids=["active", "revoked"])
def test_create_duplicate(http: httpx.Client, sandbox: Sandbox, prefix: str, index: int) -> None:
    """A user who owns the product, revoked or not, cannot get a second purchase."""
    ids = sandbox.ids
    assert (ids.purchase_ids[index] in ids.revoked_purchase_ids) is (index == 3)
    response = http.post(
        purchases_path(prefix, ids.product_id), json={"userId": ids.owner_user_ids[index]}
    )
    body = assert_error(response, 400, errors=("userId",))
    assert "already owns" in body["errors"]["userId"][0]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{nope", id="malformed-json"),
        pytest.param(b'{"revoked": "yes"}', id="string-revoked"),
        pytest.param(b'{"revoked": 1}', id="int-revoked"),
        pytest.param(b'{"revoked": "true"}', id="string-true"),
        pytest.param(b"[true]", id="array-body"),
    ],
)
def test_update_bad_body(http: httpx.Client, sandbox: Sandbox, prefix: str, content: bytes) -> None:
    ids = sandbox.ids
    response = http.put(
        purchases_path(prefix, ids.product_id, ids.purchase_ids[0]),
        content=content,
        headers={"content-type": "application/json"},
    )
    assert_error(response, 400)


def _other_spellings(value: str) -> list[str]:
    return [value.replace("-", ""), "{" + value + "}", "urn:uuid:" + value]


@pytest.mark.parametrize("spelling", range(3), ids=["undashed", "braced", "urn"])
def test_only_the_canonical_uuid_spelling_names_a_purchase(
    http: httpx.Client, sandbox: Sandbox, prefix: str, spelling: int
) -> None:
    ids = sandbox.ids
    product = _other_spellings(ids.product_id)[spelling]
    purchase = _other_spellings(ids.purchase_ids[0])[spelling]
    assert_error(http.get(purchases_path(prefix, ids.product_id, purchase)), 404)
    assert_error(http.get(purchases_path(prefix, product, ids.purchase_ids[0])), 404)
    assert http.get(purchases_path(prefix, ids.product_id.upper(), ids.purchase_ids[0])).is_success
    response = http.get(purchases_path(prefix, ids.product_id), params={"filter[userId]": purchase})
    assert_error(response, 400, errors=("filter.userId",))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"perPage": "0"}, "perPage", id="per-page-zero"),
        pytest.param({"perPage": "101"}, "perPage", id="per-page-101"),
        pytest.param({"perPage": "-1"}, "perPage", id="per-page-negative"),
        pytest.param({"perPage": "ten"}, "perPage", id="per-page-text"),
        pytest.param({"perPage": "2.5"}, "perPage", id="per-page-float"),
        pytest.param({"perPage": "9" * 40}, "perPage", id="per-page-huge"),
        pytest.param({"perPage": "١٠"}, "perPage", id="per-page-arabic-digits"),
        pytest.param({"cursor": "garbage"}, "cursor", id="cursor-garbage"),
        pytest.param({"cursor": "A" * 44}, "cursor", id="cursor-forged"),
        pytest.param({"cursor": "x" * 5000}, "cursor", id="cursor-long"),
        pytest.param({"cursor": "é" * 44}, "cursor", id="cursor-non-ascii"),
        pytest.param({"filter[revoked]": "maybe"}, "filter.revoked", id="revoked-bad"),
        pytest.param({"filter[userId]": "not-a-uuid"}, "filter.userId", id="user-id-bad"),
        pytest.param({"filter[productId]": "x,y"}, "filter.productId", id="product-id-bad"),
        pytest.param({"filter[nope]": "1"}, "filter.nope", id="unknown-filter"),
    ],
)
def test_list_bad_query(
    http: httpx.Client, sandbox: Sandbox, prefix: str, params: dict[str, str], field: str
) -> None:
    response = http.get(purchases_path(prefix, sandbox.ids.product_id), params=params)
    assert_error(response, 400, errors=(field,))


def test_list_tampered_cursor(http: httpx.Client, sandbox: Sandbox) -> None:
    path = purchases_path("/v3", sandbox.ids.product_id)
    cursor = http.get(path, params={"perPage": 2}).json()["cursors"]["next"]
    for i in range(len(cursor)):
        flipped = cursor[:i] + ("B" if cursor[i] != "B" else "C") + cursor[i + 1 :]
        response = http.get(path, params={"perPage": 2, "cursor": flipped})
        assert_error(response, 400, errors=("cursor",))


def test_cursor_bound_to_product_and_filter(http: httpx.Client, sandbox: Sandbox) -> None:
    ids = sandbox.ids
    cursor = http.get(purchases_path("/v3", ids.product_id), params={"perPage": 2}).json()[
        "cursors"
    ]["next"]
    other = http.get(purchases_path("/v3", ids.empty_product_id), params={"cursor": cursor})
    assert_error(other, 400, errors=("cursor",))
    filtered = http.get(
        purchases_path("/v3", ids.product_id),
        params={"cursor": cursor, "filter[revoked]": "true"},
    )
    assert_error(filtered, 400, errors=("cursor",))
    same = http.get(purchases_path("/v3", ids.product_id), params={"cursor": cursor, "perPage": 3})
    assert same.status_code == 200


def test_validation_errors_are_collected(http: httpx.Client, sandbox: Sandbox) -> None:
    response = http.get(
        purchases_path("/v3", sandbox.ids.product_id),
        params={"perPage": "0", "filter[userId]": "x"},
    )
    body = assert_error(response, 400, errors=("perPage", "filter.userId"))
    assert "(and 1 more error)" in body["message"]


# --- 401 ---------------------------------------------------------------------------------------

ENDPOINTS = [
    pytest.param("GET", False, None, id="list"),
    pytest.param("POST", False, {"userId": "00000000-0000-0000-0000-000000000000"}, id="create"),
    pytest.param("GET", True, None, id="get"),
    pytest.param("PUT", True, {"revoked": True}, id="update"),
]


def _call(
    client: httpx.Client,
    sandbox: Sandbox,
    prefix: str,
    method: str,
    item: bool,
    body: dict[str, Any] | None,
    *,
    product: str | None = None,
    purchase: str | None = None,
    token: str | None = None,
) -> httpx.Response:
    product = product or sandbox.ids.product_id
    purchase = purchase or sandbox.ids.purchase_ids[1]
    path = purchases_path(prefix, product, purchase if item else None)
    headers = None if token is None else bearer(token)
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "item", "body"), ENDPOINTS)
@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="missing"),
        pytest.param("Bearer", id="empty-bearer"),
        pytest.param("Bearer not-a-real-token", id="unknown-token"),
        pytest.param("Basic dXNlcjpwYXNz", id="basic-scheme"),
        pytest.param("Bearer " + "x" * 5000, id="huge-token"),
    ],
)
def test_unauthenticated(
    sandbox: Sandbox,
    prefix: str,
    method: str,
    item: bool,
    body: dict[str, Any] | None,
    authorization: str | None,
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    with httpx.Client(base_url=sandbox.url, headers=headers) as anonymous:
        response = _call(anonymous, sandbox, prefix, method, item, body)
    assert_error(response, 401)


@pytest.mark.parametrize(("method", "item", "body"), ENDPOINTS)
def test_expired_token(
    http: httpx.Client,
    sandbox: Sandbox,
    prefix: str,
    method: str,
    item: bool,
    body: dict[str, Any] | None,
) -> None:
    response = _call(http, sandbox, prefix, method, item, body, token=sandbox.expired_token)
    assert "expired" in assert_error(response, 401)["message"]


def test_401_wins_over_bad_input(sandbox: Sandbox) -> None:
    with httpx.Client(base_url=sandbox.url) as anonymous:
        response = anonymous.post(
            purchases_path("/v3", "not-a-product"), content=b"{bad", headers=bearer("nope")
        )
    assert_error(response, 401)


# --- 403 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "item", "body", "scope"),
    [
        pytest.param("GET", False, None, "product-purchases:read", id="list"),
        pytest.param("GET", True, None, "product-purchases:read", id="get"),
        pytest.param("POST", False, {"userId": str(uuid.uuid4())}, "write", id="create"),
        pytest.param("PUT", True, {"revoked": True}, "product-purchases:write", id="update"),
    ],
)
def test_missing_scope(
    http: httpx.Client,
    sandbox: Sandbox,
    prefix: str,
    method: str,
    item: bool,
    body: dict[str, Any] | None,
    scope: str,
) -> None:
    token = sandbox.write_token if scope.endswith("read") else sandbox.read_token
    response = _call(http, sandbox, prefix, method, item, body, token=token)
    message = assert_error(response, 403)["message"]
    assert scope in message


def test_scope_allows(http: httpx.Client, sandbox: Sandbox) -> None:
    ids = sandbox.ids
    read = http.get(purchases_path("/v3", ids.product_id), headers=bearer(sandbox.read_token))
    assert read.status_code == 200
    product = sandbox.new_product()
    write = http.post(
        purchases_path("/v3", product),
        json={"userId": sandbox.new_user()},
        headers=bearer(sandbox.write_token),
    )
    assert write.status_code == 201


def test_token_without_scopes(http: httpx.Client, sandbox: Sandbox) -> None:
    token = sandbox.new_token(scopes=[])
    response = http.get(purchases_path("/v3", sandbox.ids.product_id), headers=bearer(token))
    assert_error(response, 403)


@pytest.mark.parametrize(("method", "item", "body"), ENDPOINTS)
def test_other_team_cannot_touch(
    http: httpx.Client,
    sandbox: Sandbox,
    prefix: str,
    method: str,
    item: bool,
    body: dict[str, Any] | None,
) -> None:
    """Team B's owner (read + write) is refused on every endpoint of team A's product."""
    response = _call(http, sandbox, prefix, method, item, body, token=sandbox.other_team_token)
    assert "not a member" in assert_error(response, 403)["message"]


@pytest.mark.parametrize(("method", "item", "body"), ENDPOINTS)
def test_team_a_cannot_touch_team_b(
    http: httpx.Client,
    sandbox: Sandbox,
    prefix: str,
    method: str,
    item: bool,
    body: dict[str, Any] | None,
) -> None:
    ids = sandbox.ids
    response = _call(
        http,
        sandbox,
        prefix,
        method,
        item,
        body,
        product=ids.other_team_product_id,
        purchase=ids.other_team_purchase_ids[0],
    )
    assert_error(response, 403)


def test_other_team_gets_403_even_for_unknown_purchase(
    http: httpx.Client, sandbox: Sandbox
) -> None:
    """The team check comes before the purchase lookup: ids of other teams are not revealed."""
    path = purchases_path("/v3", sandbox.ids.product_id, str(uuid.uuid4()))
    assert_error(http.get(path, headers=bearer(sandbox.other_team_token)), 403)


# --- 404 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "item", "body"), ENDPOINTS)
@pytest.mark.parametrize(
    "product",
    [
        pytest.param("00000000-0000-0000-0000-000000000000", id="unknown-uuid"),
        pytest.param("not-a-uuid", id="not-a-uuid"),
        pytest.param("%00", id="nul"),
        pytest.param("ünïcødé", id="non-ascii"),
        pytest.param("x" * 3000, id="long"),
    ],
)
def test_unknown_product(
    http: httpx.Client,
    sandbox: Sandbox,
    prefix: str,
    method: str,
    item: bool,
    body: dict[str, Any] | None,
    product: str,
) -> None:
    response = _call(http, sandbox, prefix, method, item, body, product=product)
    assert_error(response, 404)


@pytest.mark.parametrize("method", ["GET", "PUT"])
@pytest.mark.parametrize(
    "purchase",
    [
        pytest.param("00000000-0000-0000-0000-000000000000", id="unknown-uuid"),
        pytest.param("123", id="not-a-uuid"),
        pytest.param("%00", id="nul"),
        pytest.param("💥" * 50, id="emoji"),
    ],
)
def test_unknown_purchase(
    http: httpx.Client, sandbox: Sandbox, prefix: str, method: str, purchase: str
) -> None:
    path = purchases_path(prefix, sandbox.ids.product_id, purchase)
    response = http.request(method, path, json={"revoked": True} if method == "PUT" else None)
    assert_error(response, 404)


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_purchase_of_another_product(
    http: httpx.Client, sandbox: Sandbox, prefix: str, method: str
) -> None:
    """A real purchase id, asked for under another product of the same team, is 404."""
    ids = sandbox.ids
    path = purchases_path(prefix, ids.empty_product_id, ids.purchase_ids[0])
    response = http.request(method, path, json={"revoked": True} if method == "PUT" else None)
    assert_error(response, 404)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/v3",
        "/api/v3/products",
        "/v2/products/x/purchases",
        "/v3/products/a/b/purchases",
        "/v3/products/a%2Fb/purchases",
        "/v3/products/../purchases",
        "/v3/products/x/purchases/y/z",
    ],
)
def test_unknown_route(http: httpx.Client, path: str) -> None:
    assert_error(http.get(path), 404)


def test_method_not_allowed(http: httpx.Client, sandbox: Sandbox, prefix: str) -> None:
    response = http.delete(purchases_path(prefix, sandbox.ids.product_id))
    assert_error(response, 405)
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}
