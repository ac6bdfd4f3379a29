"""getMe, listUsers (filter[steamId]), getUsers (batch), getUser: over real HTTP."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from gmodstore_sandbox.testing import Sandbox

from .conftest import bearer, client, error, ok, walk

USER_FIELDS = {
    "id", "steamId", "slug", "name", "countryCode", "avatarUrl", "bio", "lastActionAt",
    "createdAt", "banProperties", "teamsCount", "permissionGroupId",
}  # fmt: skip


def test_me_returns_user_token_and_no_tenant_on_v3(owner: httpx.Client, sandbox: Sandbox) -> None:
    response = owner.get("/v3/me")
    assert sandbox.token not in response.text
    data = ok(response)["data"]
    assert set(data) == {"user", "personalAccessToken"}
    user = data["user"]
    assert user["id"] == sandbox.ids.owner_user_id
    assert set(user) == USER_FIELDS | {"email"}
    assert str(user["steamId"]).startswith("7656119") and len(str(user["steamId"])) == 17
    assert user["teamsCount"] == 1
    token = data["personalAccessToken"]
    assert token["name"] == "owner"
    assert "*" not in token["abilities"] and len(token["abilities"]) == 38
    assert token["expiresAt"] is None
    assert set(token) == {
        "id", "name", "abilities", "lastUsedAt", "expiresAt", "createdAt", "updatedAt"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("prefix", "header", "tenant"),
    [
        pytest.param("/v3", "rust.pivity.com", "rust.pivity.com", id="header"),
        pytest.param("/v3", "GMODSTORE.COM", "gmodstore.com", id="header-case"),
        pytest.param("/api/v3", None, "gmodstore.com", id="legacy"),
        pytest.param("/api/v3", "gmodstore.com", "gmodstore.com", id="legacy-same"),
        pytest.param("/api/v3", "rust.pivity.com", "gmodstore.com", id="legacy-ignores-other"),
    ],
)
def test_me_reports_the_tenant(
    owner: httpx.Client, prefix: str, header: str | None, tenant: str
) -> None:
    headers = {"X-Tenant": header} if header else {}
    data = ok(owner.get(f"{prefix}/me", headers=headers))["data"]
    assert data["tenant"]["name"] == tenant
    uuid.UUID(data["tenant"]["id"])


@pytest.mark.parametrize(
    ("prefix", "header"),
    [("/v3", "example.com"), ("/v3", ""), ("/api/v3", "example.com")],
    ids=["unknown", "empty", "legacy-unknown"],
)
def test_bad_tenant_is_400(owner: httpx.Client, prefix: str, header: str) -> None:
    body = error(owner.get(f"{prefix}/me", headers={"X-Tenant": header}), 400)
    assert "X-Tenant" in body["errors"]


def test_tenant_check_comes_after_authentication(sandbox: Sandbox) -> None:
    response = httpx.get(f"{sandbox.url}/v3/me", headers={"X-Tenant": "nope"})
    error(response, 401)


def test_expired_and_unknown_tokens_get_401(sandbox: Sandbox) -> None:
    for token in (sandbox.expired_token, "gms_not-a-token"):
        error(httpx.get(f"{sandbox.url}/v3/me", headers=bearer(token)), 401)


def test_email_only_in_own_profile(owner: httpx.Client, sandbox: Sandbox) -> None:
    me = ok(owner.get(f"/v3/users/{sandbox.ids.owner_user_id}"))["data"]
    assert me["email"].endswith(".invalid")
    someone = ok(owner.get(f"/v3/users/{sandbox.ids.other_owner_user_id}"))["data"]
    assert set(someone) == USER_FIELDS
    listed = walk(owner, "/v3/users", perPage=100)
    assert all(("email" in u) == (u["id"] == sandbox.ids.owner_user_id) for u in listed)
    batch = ok(owner.get("/v3/users/batch", params={"ids[]": [sandbox.ids.other_owner_user_id]}))
    assert "email" not in batch["data"][0]


def test_list_users_pages_through_everyone_once(owner: httpx.Client, sandbox: Sandbox) -> None:
    rows = walk(owner, "/v3/users", perPage=7)
    ids = [u["id"] for u in rows]
    assert len(ids) == len(set(ids))
    expected = {sandbox.ids.owner_user_id, *sandbox.ids.owner_user_ids, *sandbox.ids.free_user_ids}
    assert expected <= set(ids)


def test_list_users_prev_cursor_returns_the_previous_page(owner: httpx.Client) -> None:
    first = ok(owner.get("/v3/users", params={"perPage": 5}))
    second = ok(owner.get("/v3/users", params={"perPage": 5, "cursor": first["cursors"]["next"]}))
    assert first["cursors"]["prev"] is None
    back = ok(owner.get("/v3/users", params={"perPage": 5, "cursor": second["cursors"]["prev"]}))
    assert [u["id"] for u in back["data"]] == [u["id"] for u in first["data"]]


def _steam_id(c: httpx.Client, user_id: str) -> int:
    steam_id: int = ok(c.get(f"/v3/users/{user_id}"))["data"]["steamId"]
    return steam_id


def test_filter_by_one_steam_id(owner: httpx.Client, sandbox: Sandbox) -> None:
    user = sandbox.ids.owner_user_ids[3]
    rows = ok(owner.get("/v3/users", params={"filter[steamId]": _steam_id(owner, user)}))["data"]
    assert [u["id"] for u in rows] == [user]


def test_filter_by_a_comma_list_of_steam_ids(owner: httpx.Client, sandbox: Sandbox) -> None:
    users = sandbox.ids.free_user_ids[:3]
    steam_ids = ",".join(str(_steam_id(owner, u)) for u in users) + ",76561190000000001"
    rows = walk(owner, "/v3/users", **{"filter[steamId]": steam_ids, "perPage": 2})
    assert sorted(u["id"] for u in rows) == sorted(users)


def test_new_user_with_a_given_steam_id_is_found(owner: httpx.Client, sandbox: Sandbox) -> None:
    steam_id = 76561198000000000 + uuid.uuid4().int % 10**9
    user = sandbox.new_user("Known Player", steam_id=steam_id)
    rows = ok(owner.get("/v3/users", params={"filter[steamId]": str(steam_id)}))["data"]
    assert [(u["id"], u["steamId"], u["name"]) for u in rows] == [(user, steam_id, "Known Player")]


@pytest.mark.parametrize(
    "params",
    [
        {"filter[steamId]": "abc"},
        {"filter[steamId]": "-5"},
        {"filter[steamId]": ",".join(["1"] * 101)},
        {"filter[name]": "x"},
        {"perPage": "0"},
        {"perPage": "101"},
        {"perPage": "ten"},
        {"cursor": "garbage"},
    ],
    ids=["not-int", "negative", "too-many", "unknown-filter", "zero", "101", "word", "cursor"],
)
def test_bad_list_query_is_400(owner: httpx.Client, params: dict[str, str]) -> None:
    error(owner.get("/v3/users", params=params), 400)


def test_cursor_is_bound_to_its_filter(owner: httpx.Client, sandbox: Sandbox) -> None:
    page = ok(owner.get("/v3/users", params={"perPage": 2}))
    other = owner.get(
        "/v3/users",
        params={"perPage": 2, "cursor": page["cursors"]["next"], "filter[steamId]": "1"},
    )
    error(other, 400)
    error(owner.get("/v3/teams", params={"cursor": page["cursors"]["next"]}), 400)


def test_get_users_batch_keeps_order_and_skips_unknown(
    owner: httpx.Client, sandbox: Sandbox
) -> None:
    wanted = [sandbox.ids.free_user_ids[2], str(uuid.uuid4()), sandbox.ids.free_user_ids[0]]
    rows = ok(owner.get("/v3/users/batch", params={"ids[]": wanted + wanted[:1]}))["data"]
    assert [u["id"] for u in rows] == [wanted[0], wanted[2]]


@pytest.mark.parametrize(
    "ids",
    [[], ["not-a-uuid"], [str(uuid.UUID(int=i)) for i in range(101)]],
    ids=["missing", "bad-uuid", "101"],
)
def test_bad_batch_is_400(owner: httpx.Client, ids: list[str]) -> None:
    body = error(owner.get("/v3/users/batch", params={"ids[]": ids}), 400)
    assert "ids" in body["errors"]


def test_batch_of_100_is_fine(owner: httpx.Client) -> None:
    ids = [str(uuid.UUID(int=i + 1)) for i in range(100)]
    assert ok(owner.get("/v3/users/batch", params={"ids[]": ids}))["data"] == []


@pytest.mark.parametrize(
    "user", ["e43bc1df-ec44-4bce-9d7f-d66e51428aa2", "nope", "76561198000000000"]
)
def test_unknown_user_is_404(owner: httpx.Client, user: str) -> None:
    error(owner.get(f"/v3/users/{user}"), 404)
    error(owner.get(f"/v3/users/{user}/purchases"), 404)


def test_ban_properties_show_only_bans_in_force(owner: httpx.Client, sandbox: Sandbox) -> None:
    banned = ok(owner.get(f"/v3/users/{sandbox.ids.banned_user_id}"))["data"]
    assert banned["banProperties"] == ["product.purchase", "product.review"]
    # users[1] has an expired ban and a lifted one.
    past = ok(owner.get(f"/v3/users/{sandbox.ids.owner_user_ids[1]}"))["data"]
    assert past["banProperties"] == []


def test_permission_group_of_users(owner: httpx.Client, sandbox: Sandbox) -> None:
    me = ok(owner.get("/v3/me"))["data"]["user"]
    assert me["permissionGroupId"] == sandbox.ids.seller_group_id
    plain = ok(owner.get(f"/v3/users/{sandbox.ids.free_user_ids[0]}"))["data"]
    groups = {g["id"]: g for g in walk(owner, "/v3/permission-groups")}
    assert groups[plain["permissionGroupId"]]["default"] is True


def test_token_expiry_is_reported(sandbox: Sandbox) -> None:
    expires = datetime.now(timezone.utc) + timedelta(hours=2)
    token = sandbox.token_for(sandbox.ids.owner_user_id, ["users:read"], expires_at=expires)
    with client(sandbox, token) as c:
        data = ok(c.get("/v3/me"))["data"]["personalAccessToken"]
    reported = datetime.fromisoformat(data["expiresAt"].replace("Z", "+00:00"))
    assert abs((reported - expires).total_seconds()) < 1
    assert data["abilities"] == ["users:read"]
