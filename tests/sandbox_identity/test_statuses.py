"""Every identity operation: 401 without a valid token, 403 without its ability, 429 over the
rate limit (with the headers), and its place in the sandbox's /openapi.json."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gmodstore_sandbox.testing import Sandbox, run_sandbox

from .conftest import bearer, error

OPERATIONS: list[tuple[str, str, str, str | None]] = [
    ("getMe", "GET", "/me", None),
    ("listUsers", "GET", "/users", "users:read"),
    ("getUsers", "GET", "/users/batch?ids[]={user}", "users:read"),
    ("getUser", "GET", "/users/{user}", "users:read"),
    ("listUserTeams", "GET", "/users/{user}/teams", "teams:read"),
    ("listUserProducts", "GET", "/users/{user}/products", "products:read"),
    ("listUserPurchases", "GET", "/users/{user}/purchases", "user-purchases:read"),
    ("listUserBans", "GET", "/users/{user}/bans", "user-bans:read"),
    ("listUserBadges", "GET", "/users/{user}/badges", "user-badges:read"),
    ("createUserBadge", "POST", "/users/{user}/badges", "user-badges:write"),
    ("deleteUserBadge", "DELETE", "/users/{user}/badges/crown", "user-badges:write"),
    ("listTeams", "GET", "/teams", "teams:read"),
    ("getTeams", "GET", "/teams/batch?ids[]={team}", "teams:read"),
    ("createTeam", "POST", "/teams", "teams:write"),
    ("getTeam", "GET", "/teams/{team}", "teams:read"),
    ("updateTeam", "PUT", "/teams/{team}", "teams:write"),
    ("deleteTeam", "DELETE", "/teams/{team}", "teams:write"),
    ("listTeamUsers", "GET", "/teams/{team}/users", "team-users:read"),
    ("listProducts", "GET", "/teams/{team}/products", "products:read"),
    ("getProducts", "GET", "/products/batch?ids[]={product}", "products:read"),
    ("getProduct", "GET", "/products/{product}", "products:read"),
    ("listPersonalAccessTokens", "GET", "/me/personal-access-tokens",
     "personal-access-tokens:read"),
    ("createPersonalAccessToken", "POST", "/me/personal-access-tokens",
     "personal-access-tokens:write"),
    ("getPersonalAccessToken", "GET", "/me/personal-access-tokens/{token}",
     "personal-access-tokens:read"),
    ("updatePersonalAccessToken", "PUT", "/me/personal-access-tokens/{token}",
     "personal-access-tokens:write"),
    ("deletePersonalAccessToken", "DELETE", "/me/personal-access-tokens/{token}",
     "personal-access-tokens:write"),
    ("listPermissionGroups", "GET", "/permission-groups", "permission-groups:read"),
    ("getPermissionGroups", "GET", "/permission-groups/batch?ids[]={group}",
     "permission-groups:read"),
    ("createPermissionGroup", "POST", "/permission-groups", "permission-groups:write"),
    ("getPermissionGroup", "GET", "/permission-groups/{group}", "permission-groups:read"),
    ("updatePermissionGroup", "PUT", "/permission-groups/{group}", "permission-groups:write"),
    ("deletePermissionGroup", "DELETE", "/permission-groups/{group}", "permission-groups:write"),
    ("exchangeTotpForNonce", "POST", "/2fa/nonces/totp/exchange", None),
]  # fmt: skip
IDS = [op[0] for op in OPERATIONS]


def _url(sb: Sandbox, prefix: str, template: str) -> str:
    ids = sb.ids
    return prefix + template.format(
        user=ids.owner_user_id,
        team=ids.team_id,
        product=ids.product_id,
        group=ids.seller_group_id,
        token=str(uuid.uuid4()),
    )


@pytest.mark.parametrize("prefix", ["/v3", "/api/v3"])
@pytest.mark.parametrize(("name", "method", "path", "scope"), OPERATIONS, ids=IDS)
def test_401_without_a_valid_token(
    sandbox: Sandbox, prefix: str, name: str, method: str, path: str, scope: str | None
) -> None:
    url = sandbox.url + _url(sandbox, prefix, path)
    for headers in (
        {},
        bearer("gms_unknown"),
        bearer(sandbox.expired_token),
        {"Authorization": "Basic x"},
    ):
        response = httpx.request(method, url, headers=headers, content=b"{broken")
        error(response, 401)
        assert response.headers["X-RateLimit-Limit"]


@pytest.fixture(scope="module")
def purchases_only(sandbox: Sandbox) -> Iterator[httpx.Client]:
    token = sandbox.token_for(sandbox.ids.owner_user_id, ["product-purchases:read"])
    with httpx.Client(base_url=sandbox.url, headers=bearer(token), timeout=30) as c:
        yield c


SCOPED = [op for op in OPERATIONS if op[3]]


@pytest.mark.parametrize(("name", "method", "path", "scope"), SCOPED, ids=[op[0] for op in SCOPED])
def test_403_without_the_ability(
    sandbox: Sandbox, purchases_only: httpx.Client, name: str, method: str, path: str, scope: str
) -> None:
    # A bad body and unknown ids do not matter: the ability is checked first.
    response = purchases_only.request(method, _url(sandbox, "/v3", path), content=b"{broken")
    assert scope in error(response, 403)["message"]


def test_abilityless_operations_work_for_any_token(
    sandbox: Sandbox, purchases_only: httpx.Client
) -> None:
    assert purchases_only.get("/v3/me").status_code == 200
    code = sandbox.totp_code()
    assert (
        purchases_only.post("/v3/2fa/nonces/totp/exchange", json={"code": code}).status_code == 200
    )


@pytest.fixture(scope="module")
def limited() -> Iterator[Sandbox]:
    with run_sandbox(rate_limit=2) as sb:
        yield sb


@pytest.mark.parametrize(("name", "method", "path", "scope"), OPERATIONS, ids=IDS)
def test_429_over_the_rate_limit(
    limited: Sandbox, name: str, method: str, path: str, scope: str | None
) -> None:
    token = limited.token_for(limited.ids.owner_user_id)  # a fresh window per operation
    url = limited.url + _url(limited, "/v3", path)
    with httpx.Client(headers=bearer(token), timeout=30) as c:
        for _ in range(2):
            assert c.request(method, url).status_code != 429
        response = c.request(method, url)
    body = error(response, 429)
    assert body == {"message": "Too Many Attempts."}
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["Retry-After"]) >= 1


def test_rate_limit_is_shared_with_the_purchase_endpoints(limited: Sandbox) -> None:
    token = limited.token_for(limited.ids.owner_user_id)
    with httpx.Client(base_url=limited.url, headers=bearer(token), timeout=30) as c:
        assert c.get(f"/v3/products/{limited.ids.product_id}/purchases").status_code == 200
        assert c.get("/v3/me").status_code == 200
        error(c.get(f"/v3/users/{limited.ids.owner_user_id}"), 429)


def test_openapi_lists_every_identity_operation(sandbox: Sandbox) -> None:
    doc = httpx.get(f"{sandbox.url}/openapi.json").json()
    found = {
        op["operationId"]: (method.upper(), op)
        for ops in doc["paths"].values()
        for method, op in ops.items()
    }
    for name, method, _path, scope in OPERATIONS:
        assert found[name][0] == method
        assert found[name][1]["security"] == [{"PersonalAccessToken": [scope] if scope else []}]


REFERENCE = (
    Path(__file__).resolve().parents[2].parent / "shared/reference/pivity-api-v3.openapi.json"
)


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference spec not available")
def test_paths_and_scopes_match_the_reference(sandbox: Sandbox) -> None:
    ref = json.loads(REFERENCE.read_text())
    by_id = {
        op["operationId"]: (method.upper(), path, op.get("security"))
        for path, ops in ref["paths"].items()
        if isinstance(ops, dict)
        for method, op in ops.items()
    }
    ours = httpx.get(f"{sandbox.url}/openapi.json").json()
    our_ops = {
        op["operationId"]: (method.upper(), path)
        for path, ops in ours["paths"].items()
        for method, op in ops.items()
    }
    for name, method, _path, scope in OPERATIONS:
        ref_method, ref_path, security = by_id[name]
        assert our_ops[name] == (ref_method, ref_path) and method == ref_method
        expected = security[0]["PersonalAccessToken"] if security else []
        assert ([scope] if scope else []) == expected


def test_ability_is_checked_before_the_tenant_and_query(
    sandbox: Sandbox, purchases_only: httpx.Client
) -> None:
    response = purchases_only.get("/v3/users?perPage=0", headers={"X-Tenant": "nope"})
    error(response, 403)


def test_body_must_be_json_and_small(owner: httpx.Client) -> None:
    text = owner.post(
        "/v3/teams", content=b'{"name": "Texty"}', headers={"Content-Type": "text/plain"}
    )
    error(text, 415)
    big = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    error(owner.post("/v3/teams", content=big, headers={"Content-Type": "application/json"}), 413)


def test_repeated_query_parameter_is_400(owner: httpx.Client) -> None:
    body = error(owner.get("/v3/users?perPage=5&perPage=6"), 400)
    assert "perPage" in body["errors"]
    error(owner.get("/v3/users?filter[steamId]=1&filter[steamId]=2"), 400)
    error(owner.get("/v3/users?filter[steamId]="), 400)
