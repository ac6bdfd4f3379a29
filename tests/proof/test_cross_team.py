"""Teams stay apart on every operation the sandbox serves.

Team A's token calls each operation on team B's resources (seeded ids, or resources team B creates
through the API just before the call) and must get 403 or 404 with the database unchanged. Each
refused request is then sent again, byte for byte, with team B's own token (or the staff token for
staff-only operations) and must succeed: so the 403/404 comes from the team rule, not from a
malformed request. Operations on public data (listed products, teams, profiles, reviews,
permission groups) must answer 2xx to team A and change nothing; operations that only act on the
caller's own data must not mention team B's owner.

The list of operations is asked of the sandbox (its /openapi.json) and intersected with the SDK's
registry, so `test_every_served_operation_is_walked` fails as soon as the sandbox serves an
operation this table does not cover.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.engine import Engine

from sandbox_content.files import png, zip_bytes

from .conftest import BACKENDS, own_sandbox

registry = pytest.importorskip("gmodstore_sdk.api._registry")

NONCE = "X-Two-Factor-Nonce"
# Bookkeeping, not data: rate-limit windows (any request), and the webhook worker's progress
# through `outbox`, which it advances in the background (`outbox` itself is compared).
VOLATILE_TABLES = {"rate_limit_windows", "webhook_fanout", "webhook_cursor"}
VOLATILE_COLUMNS = {("access_tokens", "last_used_at")}


def _in_days(days: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


@dataclass
class World:
    """A sandbox, clients for team A, team B and staff, and factories of team B resources."""

    sb: Any
    a: httpx.Client
    b: httpx.Client
    staff: httpx.Client
    engine: Engine
    meta: MetaData
    review_id: str

    @property
    def product(self) -> str:
        return str(self.sb.ids.other_team_product_id)

    def _created(self, response: httpx.Response) -> str:
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    def coupon(self) -> str:
        body = {"percent": 10, "code": f"B{uuid.uuid4().hex[:10]}", "maxUses": 5}
        return self._created(self.b.post(f"/products/{self.product}/coupons", json=body | _exp()))

    def version(self) -> str:
        fields = {"name": "1.0.0", "changelog": "First", "releaseType": "stable"}
        files = {"file": ("addon.zip", zip_bytes(200), "application/zip")}
        return self._created(
            self.b.post(f"/products/{self.product}/versions", data=fields, files=files)
        )

    def medium(self) -> str:
        files = {"image": ("shot.png", png(64, 48), "application/octet-stream")}
        data = {"title": "Screenshot", "type": "image"}
        return self._created(self.b.post(f"/products/{self.product}/media", data=data, files=files))

    def badge(self) -> str:
        user = self.sb.ids.other_owner_user_id
        body = {"badge_id": "kawaii"}
        return self._created(self.staff.post(f"/users/{user}/badges", json=body))

    def permission_group(self) -> str:
        body = {"title": f"G{uuid.uuid4().hex[:6]}", "permissions": "{}"}
        return self._created(self.staff.post("/permission-groups", json=body))

    def personal_access_token(self) -> str:
        """A new token of team B's owner (created with B's own nonce)."""
        body = {"name": "b bot", "abilities": ["users:read"]}
        headers = {NONCE: self.nonce("b")}
        response = self.b.post("/me/personal-access-tokens", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["personalAccessToken"]["id"])

    def team(self) -> str:
        """A fresh team owned by team B's owner (so deleting it leaves the seed alone)."""
        return self._created(self.b.post("/teams", json={"name": f"B {uuid.uuid4().hex[:6]}"}))

    def nonce(self, who: str) -> str:
        http, user = (
            (self.a, self.sb.ids.owner_user_id)
            if who == "a"
            else (self.b, self.sb.ids.other_owner_user_id)
        )
        code = self.sb.totp_code(user)
        response = http.post("/2fa/nonces/totp/exchange", json={"code": code})
        assert response.status_code == 200, response.text
        return str(response.json()["data"]["token"])

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table (minus bookkeeping) and every stored file: equal means nothing
        changed."""
        rows: dict[str, list[tuple[Any, ...]]] = {}
        with self.engine.connect() as conn:
            for table in self.meta.sorted_tables:
                if table.name in VOLATILE_TABLES:
                    continue
                columns = [c for c in table.c if (table.name, c.name) not in VOLATILE_COLUMNS]
                found = conn.execute(select(*columns)).all()
                rows[table.name] = sorted((tuple(r) for r in found), key=repr)
        root = self.sb.files_dir
        files = root.rglob("*") if root.exists() else iter(())
        rows["(files)"] = sorted(
            (str(f.relative_to(root)), f.stat().st_size) for f in files if f.is_file()
        )
        return rows


def _exp() -> dict[str, str]:
    return {"expiresAt": _in_days(7)}


@dataclass(frozen=True)
class Case:
    """How to call one operation against team B.

    kind: "denied" (team A gets 403/404, nothing changes; `control` then succeeds), "public"
    (team A gets 2xx and nothing changes), "filtered" (2xx, none of team B's purchases in it),
    "own" (acts on the caller's own data only; the body must not mention team B's owner).
    """

    kind: str
    why: str = ""
    paths: dict[str, str] = field(default_factory=dict)
    """Path parameter -> World attribute or factory giving team B's id."""
    json: Callable[[World], Any] | None = None
    query: Callable[[World], dict[str, Any]] | None = None
    files: bool = False
    nonce: bool = False
    control: str = "b"  # "b" or "staff"
    writes: bool = False  # an "own" write: the database may change


P = {"product": "product"}
COUPON = {"product": "product", "coupon": "coupon"}
VERSION = {"product": "product", "version": "version"}
MEDIUM = {"product": "product", "medium": "medium"}
PURCHASE = {"product": "product", "purchase": "purchase"}
TEAM = {"team": "team"}
SEED_TEAM = {"team": "seed_team"}
B_USER = {"user": "b_user"}


CASES: dict[str, Case] = {
    # --- purchases of team B's product ---
    "listProductPurchases": Case("denied", paths=P),
    "getProductPurchase": Case("denied", paths=PURCHASE),
    "createProductPurchase": Case(
        "denied", paths=P, json=lambda w: {"userId": w.sb.ids.free_user_ids[0]}
    ),
    "updateProductPurchase": Case("denied", paths=PURCHASE, json=lambda w: {"revoked": True}),
    # --- coupons, versions, media of team B's product ---
    "listProductCoupons": Case("denied", paths=P),
    "getProductCoupon": Case("denied", paths=COUPON),
    "createProductCoupon": Case(
        "denied",
        paths=P,
        json=lambda w: {"percent": 5, "code": f"A{uuid.uuid4().hex[:10]}", "maxUses": 1} | _exp(),
    ),
    "updateProductCoupon": Case("denied", paths=COUPON, json=lambda w: {"percent": 50}),
    "deleteProductCoupon": Case("denied", paths=COUPON),
    "listProductVersions": Case("denied", paths=P),
    "getProductVersion": Case("denied", paths=VERSION),
    "createProductVersion": Case("denied", paths=P, files=True),
    "updateProductVersion": Case("denied", paths=VERSION, json=lambda w: {"name": "6.6.6"}),
    "deleteProductVersion": Case("denied", paths=VERSION),
    "getProductDownloadUrl": Case("denied", paths=VERSION),
    "listProductMedia": Case("denied", paths=P),
    "getProductMedium": Case("denied", paths=MEDIUM),
    "listProductReviews": Case("denied", paths=P),
    "getProductReview": Case("denied", paths=P | {"review": "review"}),
    "createProductMedium": Case("denied", paths=P, files=True),
    "updateProductMedia": Case("denied", paths=MEDIUM, json=lambda w: {"title": "Stolen"}),
    "deleteProductMedium": Case("denied", paths=MEDIUM),
    "uploadProductBackground": Case("denied", paths=P, files=True),
    "uploadProductBigHeader": Case("denied", paths=P, files=True),
    "uploadProductListingHeader": Case("denied", paths=P, files=True),
    "uploadProductPageHeader": Case("denied", paths=P, files=True),
    # --- team B itself ---
    "updateTeam": Case("denied", paths=TEAM, json=lambda w: {"name": "Hijacked"}),
    "deleteTeam": Case("denied", paths=TEAM, nonce=True),
    "listTeamUsers": Case("denied", why="only members list a team's users", paths=SEED_TEAM),
    # --- team B owner's tokens, badges; staff-only permission groups ---
    "getPersonalAccessToken": Case("denied", paths={"personal_access_token": "pat"}),
    "updatePersonalAccessToken": Case(
        "denied", paths={"personal_access_token": "pat"}, json=lambda w: {"name": "mine"}
    ),
    "deletePersonalAccessToken": Case("denied", paths={"personal_access_token": "pat"}),
    "createUserBadge": Case(
        "denied", paths=B_USER, json=lambda w: {"badge_id": "pug"}, control="staff"
    ),
    "deleteUserBadge": Case("denied", paths=B_USER | {"badge": "badge"}, control="staff"),
    "createPermissionGroup": Case(
        "denied",
        json=lambda w: {"title": f"A{uuid.uuid4().hex[:6]}", "permissions": "{}"},
        control="staff",
    ),
    "updatePermissionGroup": Case(
        "denied",
        paths={"permission_group": "group"},
        json=lambda w: {"title": "Ours"},
        control="staff",
    ),
    "deletePermissionGroup": Case("denied", paths={"permission_group": "group"}, control="staff"),
    # --- public data: visible to any token with the read ability, never changed by reading ---
    "getProduct": Case("public", why="listed products are public", paths=P),
    "getProducts": Case(
        "public", why="listed products are public", query=lambda w: {"ids[]": [w.product]}
    ),
    "listProducts": Case("public", why="a team's listed products are public", paths=SEED_TEAM),
    "getTeam": Case("public", why="teams are public (settings only for members)", paths=SEED_TEAM),
    "getTeams": Case(
        "public", why="teams are public", query=lambda w: {"ids[]": [w.sb.ids.other_team_id]}
    ),
    "listTeams": Case("public", why="teams are public"),
    "getUser": Case("public", why="profiles are public (email only to oneself)", paths=B_USER),
    "getUsers": Case(
        "public",
        why="profiles are public",
        query=lambda w: {"ids[]": [w.sb.ids.other_owner_user_id]},
    ),
    "listUsers": Case("public", why="profiles are public"),
    "listUserBadges": Case("public", why="badges are public", paths=B_USER),
    "listUserBans": Case("public", why="bans are public to user-bans:read", paths=B_USER),
    "listUserProducts": Case("public", why="a user's listed products are public", paths=B_USER),
    "listUserTeams": Case("public", why="team membership is public", paths=B_USER),
    "listPermissionGroups": Case("public", why="permission groups are public"),
    "getPermissionGroup": Case(
        "public", why="permission groups are public", paths={"permission_group": "seller_group"}
    ),
    "getPermissionGroups": Case(
        "public",
        why="permission groups are public",
        query=lambda w: {"ids[]": [w.sb.ids.seller_group_id]},
    ),
    # A buyer of both teams' products: team A sees only the purchases of its own products.
    "listUserPurchases": Case("filtered", paths={"user": "buyer_of_both"}),
    # --- the caller's own data: no team B resource can be named ---
    "getMe": Case("own"),
    "listPersonalAccessTokens": Case("own"),
    "createPersonalAccessToken": Case(
        "own",
        json=lambda w: {"name": "a bot", "abilities": ["users:read"]},
        nonce=True,
        writes=True,
    ),
    "exchangeTotpForNonce": Case(
        "own", json=lambda w: {"code": w.sb.totp_code(w.sb.ids.owner_user_id)}, writes=True
    ),
    "createTeam": Case("own", json=lambda w: {"name": "A's new team"}, writes=True),
}


def _resolve(w: World, name: str) -> str:
    fixed = {
        "product": w.product,
        "purchase": w.sb.ids.other_team_purchase_ids[0],
        "seed_team": w.sb.ids.other_team_id,
        "b_user": w.sb.ids.other_owner_user_id,
        "buyer_of_both": w.sb.ids.owner_user_ids[0],
        "seller_group": w.sb.ids.seller_group_id,
        "review": w.review_id,
    }
    if name in fixed:
        return str(fixed[name])
    if name == "pat":
        return w.personal_access_token()
    if name == "group":
        return w.permission_group()
    return str(getattr(w, name)())


def _upload(operation_id: str) -> tuple[dict[str, str], dict[str, Any]]:
    if operation_id == "createProductVersion":
        fields = {"name": "9.9.9", "changelog": "Planted", "releaseType": "stable"}
        return fields, {"file": ("addon.zip", zip_bytes(300), "application/zip")}
    if operation_id == "createProductMedium":
        return {"title": "Planted", "type": "image"}, {
            "image": ("x.png", png(64, 48), "application/octet-stream")
        }
    size = HEADER_SIZES[operation_id]
    return {}, {"file": ("header.png", png(*size), "application/octet-stream")}


HEADER_SIZES = {
    "uploadProductBackground": (1920, 670),
    "uploadProductBigHeader": (900, 415),
    "uploadProductListingHeader": (280, 120),
    "uploadProductPageHeader": (920, 260),
}


def _served(sb: Any) -> dict[str, Any]:
    """operation id -> registry entry, for every (method, path) the sandbox's own spec lists."""
    spec = httpx.get(f"{sb.url}/openapi.json", timeout=30).json()
    by_route = {(op.http_method, op.path): op for op in registry.OPERATIONS}
    served: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        for method in item:
            op = by_route.get((method.upper(), path))
            if op is not None:
                served[op.operation_id] = op
    return served


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    from gmodstore_sandbox.content.admin import seed_reviews

    with own_sandbox(request.param) as sb:
        engine = create_engine(sb.database_url)
        meta = MetaData()
        meta.reflect(engine)
        buyers = sb.ids.owner_user_ids[:2]  # buyers of team B's product, too
        start = datetime.now(timezone.utc) - timedelta(hours=1)
        (review,) = seed_reviews(
            engine, product_id=sb.ids.other_team_product_id, user_ids=buyers[:1], start=start
        )
        base = sb.url + "/v3"
        clients = [
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {t}"}, timeout=30)
            for t in (sb.token, sb.other_team_token, sb.staff_token)
        ]
        try:
            yield World(sb, *clients, engine=engine, meta=meta, review_id=review)
        finally:
            for c in clients:
                c.close()
            engine.dispose()


NOT_YET_WALKED = frozenset(
    op.operation_id
    for op in registry.OPERATIONS
    if op.tag.startswith(("Ticket", "Tickets", "Product Tickets", "Team Webhook"))
)
"""Areas served since this walk was written, whose rows are still to come: their own suites
(tests/sandbox_tickets, tests/webhooks) check the other team's 403/404, but not this walk's
"nothing changed" and owner-control rules. Named here so that the gap stays visible."""


def test_every_served_operation_is_walked(world: World) -> None:
    served = set(_served(world.sb))
    assert len(served) >= 59, sorted(served)
    missing = served - set(CASES) - NOT_YET_WALKED
    assert missing == set(), "served by the sandbox but not walked across teams"
    assert set(CASES) - {op.operation_id for op in registry.OPERATIONS} == set()


def _request(
    w: World, op: Any, case: Case, client: httpx.Client, nonce: str | None
) -> httpx.Request:
    path = op.path.removeprefix("/v3")
    for name, source in case.paths.items():
        path = path.replace("{" + name + "}", _resolve(w, source))
    assert "{" not in path, path
    headers = {NONCE: nonce} if nonce else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if case.json is not None:
        kwargs["json"] = case.json(w)
    if case.query is not None:
        kwargs["params"] = case.query(w)
    if case.files:
        kwargs["data"], kwargs["files"] = _upload(op.operation_id)
    request = client.build_request(op.http_method, path, **kwargs)
    request.read()
    return request


def _as(client: httpx.Client, request: httpx.Request, nonce: str | None) -> httpx.Request:
    """The same request (method, URL, body) with `client`'s token and another nonce."""
    headers = dict(request.headers)
    headers["authorization"] = client.headers["authorization"]
    if nonce:
        headers[NONCE.lower()] = nonce
    return httpx.Request(request.method, request.url, headers=headers, content=request.content)


@pytest.mark.parametrize("operation_id", sorted(CASES))
def test_team_a_cannot_touch_team_b(world: World, operation_id: str) -> None:
    served = _served(world.sb)
    if operation_id not in served:
        pytest.skip(f"{operation_id} is not served by this sandbox")
    op, case = served[operation_id], CASES[operation_id]
    w = world
    request = _request(w, op, case, w.a, w.nonce("a") if case.nonce else None)
    before = w.snapshot()
    response = w.a.send(request)
    after = w.snapshot()
    status = response.status_code
    assert status < 500, response.text
    if case.kind == "own":
        assert 200 <= status < 300 or status == 403, response.text
        assert w.sb.ids.other_owner_user_id not in response.text
        if not case.writes:
            assert after == before
        return
    changed = [t for t in before if before[t] != after[t]]
    assert changed == [], f"{operation_id} by team A changed {changed} (status {status})"
    if case.kind == "denied":
        assert status in (403, 404), f"{operation_id}: team A got {status}: {response.text}"
        body = response.json()
        assert isinstance(body["message"], str) and set(body) <= {"message", "errors"}
        owner = w.staff if case.control == "staff" else w.b
        control = owner.send(_as(owner, request, w.nonce("b") if case.nonce else None))
        assert 200 <= control.status_code < 300, (
            f"{operation_id}: the same request by its owner failed, so the walk proves nothing: "
            f"{control.status_code} {control.text}"
        )
    elif case.kind == "public":
        assert 200 <= status < 300, response.text
    else:  # filtered
        assert status == 200, response.text
        listed = {row["id"] for row in response.json()["data"]}
        assert listed and not listed & set(w.sb.ids.other_team_purchase_ids)
