"""listUserTeams, listUserProducts, listUserPurchases, listUserBans, user badges."""

from __future__ import annotations

import uuid

import httpx
import pytest

from gmodstore_sandbox.testing import Sandbox

from .conftest import Seller, client, error, ok, walk


def test_user_teams(owner: httpx.Client, sandbox: Sandbox) -> None:
    rows = walk(owner, f"/v3/users/{sandbox.ids.owner_user_id}/teams")
    assert [t["id"] for t in rows] == [sandbox.ids.team_id]
    assert walk(owner, f"/v3/users/{sandbox.ids.free_user_ids[0]}/teams") == []


def test_user_products_are_their_teams_products(owner: httpx.Client, sandbox: Sandbox) -> None:
    rows = walk(owner, f"/v3/users/{sandbox.ids.other_owner_user_id}/products")
    # Team B: the addon (both tenants) and the rust-only plugin; no tenant header: both.
    assert {p["id"] for p in rows} == {
        sandbox.ids.other_team_product_id,
        sandbox.ids.rust_product_id,
    }
    sliced = walk(
        owner,
        f"/v3/users/{sandbox.ids.other_owner_user_id}/products",
        **{"filter[slug]": "rust-plugin"},
    )
    assert [p["id"] for p in sliced] == [sandbox.ids.rust_product_id]


# --- listUserPurchases: the ownership check bots make -----------------------------------------


def _purchases(c: httpx.Client, user: str, **params: object) -> list[dict[str, object]]:
    return walk(c, f"/v3/users/{user}/purchases", **params)


def test_seller_sees_only_purchases_of_their_teams_products(
    owner: httpx.Client, other: httpx.Client, sandbox: Sandbox
) -> None:
    buyer = sandbox.ids.owner_user_ids[0]  # bought team A's product and team B's product
    mine = _purchases(owner, buyer)
    assert [p["productId"] for p in mine] == [sandbox.ids.product_id]
    theirs = _purchases(other, buyer)
    assert [p["productId"] for p in theirs] == [sandbox.ids.other_team_product_id]
    assert all(p["userId"] == buyer for p in mine + theirs)


def test_buyer_sees_all_of_their_own_purchases(sandbox: Sandbox) -> None:
    buyer = sandbox.ids.owner_user_ids[0]
    with client(sandbox, sandbox.token_for(buyer, ["user-purchases:read"])) as c:
        rows = _purchases(c, buyer)
    assert {p["productId"] for p in rows} == {
        sandbox.ids.product_id,
        sandbox.ids.other_team_product_id,
    }


def test_stranger_sees_nothing_and_gets_the_same_status(sandbox: Sandbox) -> None:
    stranger = sandbox.new_user("Stranger")
    buyer = sandbox.ids.owner_user_ids[0]
    with client(sandbox, sandbox.token_for(stranger, ["user-purchases:read"])) as c:
        assert _purchases(c, buyer) == []
        assert _purchases(c, buyer, **{"filter[productId]": sandbox.ids.product_id}) == []


def test_filters_product_id_and_revoked(owner: httpx.Client, sandbox: Sandbox) -> None:
    ids = sandbox.ids
    revoked_at = ids.purchase_ids.index(ids.revoked_purchase_ids[0])
    buyer = ids.owner_user_ids[revoked_at]
    assert [p["revoked"] for p in _purchases(owner, buyer)] == [True]
    assert _purchases(owner, buyer, **{"filter[revoked]": "false"}) == []
    assert len(_purchases(owner, buyer, **{"filter[revoked]": "true,false"})) == 1
    unknown = str(uuid.uuid4())
    assert _purchases(owner, buyer, **{"filter[productId]": unknown}) == []
    both = f"{unknown},{ids.product_id}"
    assert [p["id"] for p in _purchases(owner, buyer, **{"filter[productId]": both})] == [
        ids.revoked_purchase_ids[0]
    ]


def test_filter_user_id_must_match_the_path(owner: httpx.Client, sandbox: Sandbox) -> None:
    buyer = sandbox.ids.owner_user_ids[0]
    assert len(_purchases(owner, buyer, **{"filter[userId]": buyer})) == 1
    assert _purchases(owner, buyer, **{"filter[userId]": sandbox.ids.owner_user_ids[1]}) == []


@pytest.mark.parametrize(
    "params",
    [
        {"filter[productId]": "nope"},
        {"filter[productId]": ",".join(str(uuid.UUID(int=i)) for i in range(101))},
        {"filter[revoked]": "maybe"},
        {"filter[slug]": "x"},
    ],
    ids=["bad-uuid", "101-products", "bad-bool", "unknown-filter"],
)
def test_bad_purchase_filters_are_400(
    owner: httpx.Client, sandbox: Sandbox, params: dict[str, str]
) -> None:
    error(owner.get(f"/v3/users/{sandbox.ids.owner_user_ids[0]}/purchases", params=params), 400)


def test_many_products_paginate_and_filter_in_chunks(sandbox: Sandbox, seller: Seller) -> None:
    """A user who owns 130 of a seller's products: every page followed, per product chunk."""
    buyer = sandbox.new_user("Collector")
    products = [sandbox.new_product(seller.team_id, f"Addon {i}") for i in range(130)]
    for product in products:
        ok(seller.http.post(f"/v3/products/{product}/purchases", json={"userId": buyer}), 201)
    rows = _purchases(seller.http, buyer, perPage=50)
    assert sorted(p["productId"] for p in rows) == sorted(products)
    chunk = ",".join(products[:100])
    first = _purchases(seller.http, buyer, perPage=100, **{"filter[productId]": chunk})
    assert {p["productId"] for p in first} == set(products[:100])


def test_tenant_hides_purchases_of_products_not_on_it(sandbox: Sandbox) -> None:
    buyer = sandbox.ids.owner_user_ids[0]
    with client(sandbox, sandbox.token_for(buyer, ["user-purchases:read"])) as c:
        assert len(_purchases(c, buyer)) == 2
        c.headers["X-Tenant"] = "rust.pivity.com"
        rust = _purchases(c, buyer)
        del c.headers["X-Tenant"]
        legacy = walk(c, f"/api/v3/users/{buyer}/purchases")
    # Team A's product is on gmodstore.com only; team B's addon is on both.
    assert [p["productId"] for p in rust] == [sandbox.ids.other_team_product_id]
    assert len(legacy) == 2  # /api/v3 is gmodstore.com: both products are there


# --- bans and badges -------------------------------------------------------------------------


def test_user_bans_and_banner_filter(owner: httpx.Client, sandbox: Sandbox) -> None:
    user = sandbox.ids.owner_user_ids[1]
    bans = walk(owner, f"/v3/users/{user}/bans")
    assert len(bans) == 2
    assert {b["bannerId"] for b in bans} == {sandbox.ids.staff_user_id, sandbox.ids.owner_user_id}
    lifted = next(b for b in bans if "unbanId" in b)
    assert lifted["unbanId"] == sandbox.ids.staff_user_id
    by_staff = walk(
        owner, f"/v3/users/{user}/bans", **{"filter[bannerId]": sandbox.ids.staff_user_id}
    )
    assert [b["properties"] for b in by_staff] == [["forum.post"]]
    assert walk(owner, f"/v3/users/{sandbox.ids.free_user_ids[0]}/bans") == []


def test_badges_list(owner: httpx.Client, sandbox: Sandbox) -> None:
    badges = walk(owner, f"/v3/users/{sandbox.ids.owner_user_id}/badges")
    assert [b["id"] for b in badges] == ["developer", "crown"]
    assert set(badges[0]) == {"id", "name", "description", "extension"}


def test_staff_award_and_remove_badges(staff: httpx.Client, sandbox: Sandbox) -> None:
    user = sandbox.new_user("Badge Hunter")
    path = f"/v3/users/{user}/badges"
    created = ok(staff.post(path, json={"badge_id": "kawaii"}), 201)["data"]
    assert created == {
        "id": "kawaii",
        "name": "Kawaii",
        "description": "Very cute",
        "extension": "gif",
    }
    error(staff.post(path, json={"badge_id": "kawaii"}), 400)  # already has it
    assert [b["id"] for b in walk(staff, path)] == ["kawaii"]
    assert ok(staff.delete(f"{path}/kawaii"))["data"]["id"] == "kawaii"
    error(staff.delete(f"{path}/kawaii"), 404)
    error(staff.delete(f"{path}/not-a-badge"), 404)
    assert walk(staff, path) == []


@pytest.mark.parametrize(
    "body", [{}, {"badge_id": "unicorn"}, {"badgeId": "pug"}, {"badge_id": 3}, []],
    ids=["empty", "unknown", "camel", "number", "array"],
)  # fmt: skip
def test_bad_badge_body_is_400(staff: httpx.Client, sandbox: Sandbox, body: object) -> None:
    user = sandbox.ids.free_user_ids[0]
    error(staff.post(f"/v3/users/{user}/badges", json=body), 400)


def test_only_staff_award_badges(owner: httpx.Client, sandbox: Sandbox) -> None:
    user = sandbox.ids.free_user_ids[0]
    error(owner.post(f"/v3/users/{user}/badges", json={"badge_id": "pug"}), 403)
    error(owner.delete(f"/v3/users/{sandbox.ids.owner_user_id}/badges/crown"), 403)
    error(owner.post(f"/v3/users/{uuid.uuid4()}/badges", json={"badge_id": "pug"}), 404)
