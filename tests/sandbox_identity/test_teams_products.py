"""Teams (list, batch, create, get, update, delete, users) and products (list, batch, get)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from gmodstore_sandbox.testing import Sandbox

from .conftest import NONCE, Seller, client, error, nonce, ok, walk

TEAM_FIELDS = {"id", "name", "description", "createdAt", "updatedAt", "productsCount", "usersCount"}


def test_list_and_batch_teams(owner: httpx.Client, sandbox: Sandbox) -> None:
    teams = {t["id"]: t for t in walk(owner, "/v3/teams", perPage=1)}
    a, b = teams[sandbox.ids.team_id], teams[sandbox.ids.other_team_id]
    assert set(a) == TEAM_FIELDS | {"settings"}  # a member sees settings
    assert set(b) == TEAM_FIELDS
    # The session sandbox is shared: other tests may have added members, so count them now.
    members = walk(owner, f"/v3/teams/{sandbox.ids.team_id}/users")
    assert a["usersCount"] == len(members) >= 3
    ids = [sandbox.ids.other_team_id, str(uuid.uuid4()), sandbox.ids.team_id]
    batch = ok(owner.get("/v3/teams/batch", params={"ids[]": ids}))["data"]
    assert [t["id"] for t in batch] == [ids[0], ids[2]]


def test_products_count_counts_listed_products(owner: httpx.Client, sandbox: Sandbox) -> None:
    team = ok(owner.get(f"/v3/teams/{sandbox.ids.team_id}"))["data"]
    listed = [p for p in walk(owner, f"/v3/teams/{sandbox.ids.team_id}/products") if p["active"]]
    assert team["productsCount"] == len(listed)


def test_create_team_makes_the_caller_its_owner(seller: Seller) -> None:
    team = ok(seller.http.get(f"/v3/teams/{seller.team_id}"))["data"]
    assert (team["name"], team["usersCount"], team["productsCount"]) == ("Fresh Team", 1, 0)
    users = walk(seller.http, f"/v3/teams/{seller.team_id}/users")
    assert users == [
        {"teamId": seller.team_id, "userId": seller.user_id, "primary": True, "percentage": 100}
    ]


@pytest.mark.parametrize(
    "body",
    [{}, {"name": "ab"}, {"name": "x" * 51}, {"name": 5}, {"name": "Good", "description": "{"}],
    ids=["missing", "short", "long", "number", "bad-json-description"],
)
def test_bad_team_body_is_400(owner: httpx.Client, body: object) -> None:
    error(owner.post("/v3/teams", json=body), 400)


def test_malformed_json_is_400(owner: httpx.Client) -> None:
    body = error(
        owner.post("/v3/teams", content=b"{", headers={"Content-Type": "application/json"}), 400
    )
    assert body["message"] == "Malformed JSON."


def test_owner_updates_team_members_and_strangers_may_not(
    sandbox: Sandbox, seller: Seller, other: httpx.Client
) -> None:
    path = f"/v3/teams/{seller.team_id}"
    updated = ok(seller.http.put(path, json={"name": "Renamed", "description": '"hi"'}))["data"]
    assert (updated["name"], updated["description"]) == ("Renamed", '"hi"')
    assert updated["updatedAt"] >= updated["createdAt"]
    member = sandbox.new_token(["teams:write", "team-users:read"], team=seller.team_id)
    with client(sandbox, member) as c:
        body = error(c.put(path, json={"name": "Mine now"}), 403)
        assert "owner" in body["message"]
        assert len(walk(c, f"{path}/users")) == 2  # members may list members
    error(other.put(path, json={"name": "Hijack"}), 403)
    error(other.get(f"{path}/users"), 403)
    assert ok(seller.http.get(path))["data"]["name"] == "Renamed"


def test_delete_team_needs_a_nonce_and_keeps_purchases(sandbox: Sandbox, seller: Seller) -> None:
    buyer = sandbox.new_user("Loyal Buyer")
    product = sandbox.new_product(seller.team_id, "Doomed Addon")
    purchase = ok(
        seller.http.post(f"/v3/products/{product}/purchases", json={"userId": buyer}), 201
    )["data"]
    path = f"/v3/teams/{seller.team_id}"
    error(seller.http.delete(path), 403)  # no nonce
    error(seller.http.delete(path, headers={NONCE: "2fa_wrong"}), 403)
    code = nonce(seller.http, sandbox, seller.user_id)
    deleted = ok(seller.http.delete(path, headers={NONCE: code}))["data"]
    assert deleted["id"] == seller.team_id
    error(seller.http.delete(path, headers={NONCE: code}), 404)  # gone (and the nonce is used)
    error(seller.http.get(path), 404)
    assert seller.team_id not in {t["id"] for t in walk(seller.http, "/v3/teams", perPage=100)}
    error(seller.http.get(f"/v3/products/{product}"), 404)  # unlisted, no members left
    with client(sandbox, sandbox.token_for(buyer, ["user-purchases:read"])) as c:
        kept = walk(c, f"/v3/users/{buyer}/purchases")
    assert [p["id"] for p in kept] == [purchase["id"]]


def test_member_cannot_delete_the_team(sandbox: Sandbox, seller: Seller) -> None:
    member_id = sandbox.new_user("Member")
    from gmodstore_sandbox.admin import add_team_member

    add_team_member(sandbox._engine, team_id=seller.team_id, user_id=member_id)
    with client(sandbox, sandbox.token_for(member_id)) as c:
        code = nonce(c, sandbox, member_id)
        error(c.delete(f"/v3/teams/{seller.team_id}", headers={NONCE: code}), 403)
    ok(seller.http.get(f"/v3/teams/{seller.team_id}"))


# --- products --------------------------------------------------------------------------------

PRODUCT_FIELDS = {
    "id", "teamId", "slug", "name", "shortDescription", "description", "tabs", "collapsibles",
    "price", "images", "views", "active", "activeTenants", "createdAt", "updatedAt",
}  # fmt: skip


def test_team_products_and_slug_filter(owner: httpx.Client, sandbox: Sandbox) -> None:
    rows = walk(owner, f"/v3/teams/{sandbox.ids.team_id}/products", perPage=1)
    by_slug = {p["slug"]: p for p in rows}
    assert {"seeded-addon", "empty-addon", "unlisted-addon"} <= set(by_slug)
    assert set(by_slug["seeded-addon"]) == PRODUCT_FIELDS
    assert by_slug["empty-addon"]["activeTenants"] == ["gmodstore.com", "rust.pivity.com"]
    assert by_slug["unlisted-addon"]["active"] is False
    one = walk(
        owner,
        f"/v3/teams/{sandbox.ids.team_id}/products",
        **{"filter[slug]": "seeded-addon,rust-plugin"},
    )
    assert [p["id"] for p in one] == [sandbox.ids.product_id]


def test_unlisted_product_is_indistinguishable_from_a_missing_one(
    owner: httpx.Client, other: httpx.Client, sandbox: Sandbox
) -> None:
    hidden = sandbox.ids.inactive_product_id
    assert ok(owner.get(f"/v3/products/{hidden}"))["data"]["active"] is False
    missing = other.get(f"/v3/products/{uuid.uuid4()}")
    unlisted = other.get(f"/v3/products/{hidden}")
    assert (
        (unlisted.status_code, unlisted.json())
        == (missing.status_code, missing.json())
        == (
            404,
            {"message": "The product could not be found."},
        )
    )
    listed = walk(other, f"/v3/teams/{sandbox.ids.team_id}/products")
    assert hidden not in {p["id"] for p in listed}
    batch = ok(other.get("/v3/products/batch", params={"ids[]": [hidden, sandbox.ids.product_id]}))
    assert [p["id"] for p in batch["data"]] == [sandbox.ids.product_id]


def test_product_tenants(owner: httpx.Client, sandbox: Sandbox) -> None:
    rust_only, gmod_only = sandbox.ids.rust_product_id, sandbox.ids.product_id
    ok(owner.get(f"/v3/products/{rust_only}"))
    error(owner.get(f"/api/v3/products/{rust_only}"), 404)
    error(owner.get(f"/v3/products/{rust_only}", headers={"X-Tenant": "gmodstore.com"}), 404)
    error(owner.get(f"/v3/products/{gmod_only}", headers={"X-Tenant": "rust.pivity.com"}), 404)
    ok(owner.get(f"/v3/products/{gmod_only}", headers={"X-Tenant": "gmodstore.com"}))
    team_b = f"/v3/teams/{sandbox.ids.other_team_id}/products"
    rust = {p["id"] for p in walk(owner, team_b, perPage=24) if True}
    assert rust == {rust_only, sandbox.ids.other_team_product_id}
    owner.headers["X-Tenant"] = "gmodstore.com"
    try:
        gmod = {p["id"] for p in walk(owner, team_b)}
        batch = ok(owner.get("/v3/products/batch", params={"ids[]": [rust_only, gmod_only]}))
    finally:
        del owner.headers["X-Tenant"]
    assert gmod == {sandbox.ids.other_team_product_id}
    assert [p["id"] for p in batch["data"]] == [gmod_only]


def test_unknown_team_is_404(owner: httpx.Client) -> None:
    for path in ("", "/products", "/users"):
        error(owner.get(f"/v3/teams/{uuid.uuid4()}{path}"), 404)
    error(owner.put(f"/v3/teams/{uuid.uuid4()}", json={"name": "Nobody"}), 404)


def test_set_product_helper_lists_and_moves_products(
    owner: httpx.Client, other: httpx.Client, sandbox: Sandbox
) -> None:
    product = sandbox.new_product("a", "Toggled Addon")
    ok(other.get(f"/v3/products/{product}"))
    sandbox.set_product(product, active=False)
    error(other.get(f"/v3/products/{product}"), 404)
    ok(owner.get(f"/v3/products/{product}"))  # a member still sees it
    sandbox.set_product(product, active=True, tenants=["rust.pivity.com"])
    assert ok(other.get(f"/v3/products/{product}"))["data"]["activeTenants"] == ["rust.pivity.com"]
    error(other.get(f"/api/v3/products/{product}"), 404)
