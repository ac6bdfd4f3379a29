"""The identity routes: authenticate, parse the query, one service call, JSON bytes out.

Every route authenticates first (401 and the rate limit's 429 before anything else), then checks the
operation's ability (403), then parses ``X-Tenant`` and the query (400); path lookups, roles and
bodies are the service's business (see `service`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from ..api.deps import authenticate, read_json, run_read, run_write
from ..schemas import dump_json
from .schemas import BADGES, FilterKind, parse_ids, parse_list
from .scopes import ALL_SCOPES
from .service import NONCE_HEADER, Caller, IdentityService, parse_tenant

__all__ = ["router"]

router = APIRouter()

_PAGE_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "perPage",
        "in": "query",
        "required": False,
        "schema": {"type": ["integer", "null"], "minimum": 1, "maximum": 100, "default": 24},
    },
    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
]
_IDS_PARAMETER = {
    "name": "ids[]",
    "in": "query",
    "required": True,
    "schema": {"type": "array", "items": {"type": "string", "format": "uuid"}, "maxItems": 100},
}
_TENANT_PARAMETER = {
    "name": "X-Tenant",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "enum": ["gmodstore.com", "rust.pivity.com"]},
}
_NONCE_PARAMETER = {"name": NONCE_HEADER, "in": "header", "required": False,
                    "schema": {"type": "string"}}  # fmt: skip
_FILTER_TYPES = {"uuid": {"type": "string", "format": "uuid"}, "int": {"type": "integer"},
                 "bool": {"type": "boolean"}, "str": {"type": "string"}}  # fmt: skip


def _doc(
    scope: str | None,
    *,
    page: bool = False,
    filters: dict[str, FilterKind] | None = None,
    ids: bool = False,
    body: dict[str, Any] | None = None,
    nonce: bool = False,
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [_TENANT_PARAMETER]
    if page:
        parameters += _PAGE_PARAMETERS
    if filters:
        properties = {k: {"type": "array", "items": _FILTER_TYPES[v]} for k, v in filters.items()}
        parameters.append(
            {
                "name": "filter",
                "in": "query",
                "style": "deepObject",
                "schema": {
                    "type": "object",
                    "properties": properties,
                    "additionalProperties": False,
                },
            }  # fmt: skip
        )
    if ids:
        parameters.append(_IDS_PARAMETER)
    if nonce:
        parameters.append(_NONCE_PARAMETER)
    extra: dict[str, Any] = {
        "security": [{"PersonalAccessToken": [scope] if scope else []}],
        "parameters": parameters,
    }
    if body is not None:
        extra["requestBody"] = {"content": {"application/json": {"schema": body}}}
    return extra


def identity_of(request: Request) -> IdentityService:
    service: IdentityService = request.app.state.identity
    return service


Call = Callable[[IdentityService, Caller, bytes], Any]


async def _serve(
    request: Request, call: Call, *, scope: str | None, status: int = 200, body: bool = False
) -> Response:
    """Authenticate (401/429), ability (403), tenant (400), read the body, run `call` off-loop."""
    principal, rate = await authenticate(request)
    if scope is not None:
        Caller(principal).require(scope)
    caller = Caller(
        principal,
        tenant=parse_tenant(
            request.headers.get("x-tenant"), legacy=request.url.path.startswith("/api/")
        ),
        nonce=request.headers.get(NONCE_HEADER),
    )
    # 415 for another Content-Type, 413 over the JSON body limit; parsed by the service.
    raw = await read_json(request, bytes) if body else b""
    service = identity_of(request)

    def run() -> Any:
        service.touch(caller)
        return call(service, caller, raw)

    if request.method == "GET":
        result = await run_read(run)
    else:
        result = await run_write(request, run)
    return Response(dump_json(result), status, rate.headers(), "application/json")


def _query(request: Request, filters: dict[str, FilterKind] | None = None) -> Any:
    return parse_list(request.query_params.multi_items(), filters)


def _ids(request: Request) -> Any:
    return parse_ids(request.query_params.multi_items())


def _route(
    method: str,
    path: str,
    operation_id: str,
    summary: str,
    tag: str,
    extra: dict[str, Any],
    status: int = 200,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return router.api_route(
        path,
        methods=[method],
        operation_id=operation_id,
        summary=summary,
        tags=[tag],
        status_code=status,
        response_model=None,
        openapi_extra=extra,
    )


USER_FILTERS: dict[str, FilterKind] = {"steamId": "int"}
PRODUCT_FILTERS: dict[str, FilterKind] = {"slug": "str"}
PURCHASE_FILTERS: dict[str, FilterKind] = {"productId": "uuid", "revoked": "bool", "userId": "uuid"}
BAN_FILTERS: dict[str, FilterKind] = {"bannerId": "uuid"}

# --- users -----------------------------------------------------------------------------------


@_route("GET", "/me", "getMe", "Get the authenticated user", "Users", _doc(None))
async def get_me(request: Request) -> Response:
    return await _serve(request, lambda s, c, _: s.me(c), scope=None)


@_route("GET", "/users", "listUsers", "List all users", "Users",
        _doc("users:read", page=True, filters=USER_FILTERS))  # fmt: skip
async def list_users(request: Request) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.list_users(c, query=_query(request, USER_FILTERS)),
        scope="users:read",
    )


@_route("GET", "/users/batch", "getUsers", "Get a batch of users", "Users",
        _doc("users:read", ids=True))  # fmt: skip
async def get_users(request: Request) -> Response:
    return await _serve(
        request, lambda s, c, _: s.get_users(c, ids=_ids(request)), scope="users:read"
    )


@_route("GET", "/users/{user}", "getUser", "Get a user", "Users", _doc("users:read"))
async def get_user(request: Request, user: str) -> Response:
    return await _serve(request, lambda s, c, _: s.get_user(c, user=user), scope="users:read")


@_route("GET", "/users/{user}/teams", "listUserTeams", "List all teams of a user",
        "User Teams", _doc("teams:read", page=True))  # fmt: skip
async def list_user_teams(request: Request, user: str) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.list_user_teams(c, user=user, query=_query(request)),
        scope="teams:read",
    )


@_route("GET", "/users/{user}/products", "listUserProducts", "List all products of a user",
        "User Products", _doc("products:read", page=True, filters=PRODUCT_FILTERS))  # fmt: skip
async def list_user_products(request: Request, user: str) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.list_user_products(c, user=user, query=_query(request, PRODUCT_FILTERS)),
        scope="products:read",
    )


@_route("GET", "/users/{user}/purchases", "listUserPurchases",
        "List all purchases of a user", "User Product Purchases",
        _doc("user-purchases:read", page=True, filters=PURCHASE_FILTERS))  # fmt: skip
async def list_user_purchases(request: Request, user: str) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.list_user_purchases(
            c, user=user, query=_query(request, PURCHASE_FILTERS)
        ),
        scope="user-purchases:read",
    )


@_route("GET", "/users/{user}/bans", "listUserBans", "List all bans of a user", "User Bans",
        _doc("user-bans:read", page=True, filters=BAN_FILTERS))  # fmt: skip
async def list_user_bans(request: Request, user: str) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.list_user_bans(c, user=user, query=_query(request, BAN_FILTERS)),
        scope="user-bans:read",
    )


_BADGE_BODY = {
    "title": "NewUserBadgePayload",
    "type": "object",
    "required": ["badge_id"],
    "properties": {"badge_id": {"type": "string", "enum": sorted(BADGES)}},
}


@_route("GET", "/users/{user}/badges", "listUserBadges", "List all badges of a user",
        "User Badges", _doc("user-badges:read", page=True))  # fmt: skip
async def list_user_badges(request: Request, user: str) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.list_user_badges(c, user=user, query=_query(request)),
        scope="user-badges:read",
    )


@_route("POST", "/users/{user}/badges", "createUserBadge", "Award a badge to a user",
        "User Badges", _doc("user-badges:write", body=_BADGE_BODY), 201)  # fmt: skip
async def create_user_badge(request: Request, user: str) -> Response:
    return await _serve(
        request,
        lambda s, c, b: s.create_user_badge(c, user=user, body=b),
        scope="user-badges:write",
        status=201,
        body=True,
    )


@_route("DELETE", "/users/{user}/badges/{badge}", "deleteUserBadge",
        "Remove a badge from a user", "User Badges", _doc("user-badges:write"))  # fmt: skip
async def delete_user_badge(request: Request, user: str, badge: str) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.delete_user_badge(c, user=user, badge=badge),
        scope="user-badges:write",
    )


# --- teams and products ----------------------------------------------------------------------

_TEAM_PROPERTIES = {
    "name": {"type": "string", "minLength": 3, "maxLength": 50},
    "description": {"type": "string", "format": "json"},
}
_TEAM_CREATE = {"title": "NewTeamPayload", "type": "object", "required": ["name"],
                "properties": _TEAM_PROPERTIES}  # fmt: skip
_TEAM_UPDATE = {"title": "UpdateTeamPayload", "type": "object", "properties": _TEAM_PROPERTIES}


@_route("GET", "/teams", "listTeams", "List all teams", "Teams", _doc("teams:read", page=True))
async def list_teams(request: Request) -> Response:
    return await _serve(
        request, lambda s, c, _: s.list_teams(c, query=_query(request)), scope="teams:read"
    )


@_route("GET", "/teams/batch", "getTeams", "Get a batch of teams", "Teams",
        _doc("teams:read", ids=True))  # fmt: skip
async def get_teams(request: Request) -> Response:
    return await _serve(
        request, lambda s, c, _: s.get_teams(c, ids=_ids(request)), scope="teams:read"
    )


@_route("POST", "/teams", "createTeam", "Create a team", "Teams",
        _doc("teams:write", body=_TEAM_CREATE), 201)  # fmt: skip
async def create_team(request: Request) -> Response:
    return await _serve(
        request, lambda s, c, b: s.create_team(c, body=b), scope="teams:write", status=201,
        body=True,
    )  # fmt: skip


@_route("GET", "/teams/{team}", "getTeam", "Get a team", "Teams", _doc("teams:read"))
async def get_team(request: Request, team: str) -> Response:
    return await _serve(request, lambda s, c, _: s.get_team(c, team=team), scope="teams:read")


@_route("PUT", "/teams/{team}", "updateTeam", "Update a team", "Teams",
        _doc("teams:write", body=_TEAM_UPDATE))  # fmt: skip
async def update_team(request: Request, team: str) -> Response:
    return await _serve(
        request, lambda s, c, b: s.update_team(c, team=team, body=b), scope="teams:write",
        body=True,
    )  # fmt: skip


@_route("DELETE", "/teams/{team}", "deleteTeam", "Delete a team", "Teams",
        _doc("teams:write", nonce=True))  # fmt: skip
async def delete_team(request: Request, team: str) -> Response:
    return await _serve(request, lambda s, c, _: s.delete_team(c, team=team), scope="teams:write")


@_route("GET", "/teams/{team}/users", "listTeamUsers", "List all users of a team",
        "Team Users", _doc("team-users:read", page=True))  # fmt: skip
async def list_team_users(request: Request, team: str) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.list_team_users(c, team=team, query=_query(request)),
        scope="team-users:read",
    )


@_route("GET", "/teams/{team}/products", "listProducts", "List all products of a team",
        "Products", _doc("products:read", page=True, filters=PRODUCT_FILTERS))  # fmt: skip
async def list_products(request: Request, team: str) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.list_products(c, team=team, query=_query(request, PRODUCT_FILTERS)),
        scope="products:read",
    )


@_route("GET", "/products/batch", "getProducts", "Get a batch of products", "Products",
        _doc("products:read", ids=True))  # fmt: skip
async def get_products(request: Request) -> Response:
    return await _serve(
        request, lambda s, c, _: s.get_products(c, ids=_ids(request)), scope="products:read"
    )


@_route("GET", "/products/{product}", "getProduct", "Get a product", "Products",
        _doc("products:read"))  # fmt: skip
async def get_product(request: Request, product: str) -> Response:
    return await _serve(
        request, lambda s, c, _: s.get_product(c, product=product), scope="products:read"
    )


# --- personal access tokens ------------------------------------------------------------------

_TOKEN_PROPERTIES = {
    "name": {"type": "string", "minLength": 3, "maxLength": 100},
    "expiresAt": {"type": ["string", "null"], "format": "date-time"},
    "abilities": {"type": "array", "uniqueItems": True,
                  "items": {"type": "string", "enum": list(ALL_SCOPES)}},
}  # fmt: skip
_TOKEN_CREATE = {"title": "NewPersonalAccessTokenPayload", "type": "object",
                 "required": ["name", "abilities"], "properties": _TOKEN_PROPERTIES}  # fmt: skip
_TOKEN_UPDATE = {"title": "UpdatePersonalAccessTokenPayload", "type": "object",
                 "properties": _TOKEN_PROPERTIES}  # fmt: skip
TOKENS = "/me/personal-access-tokens"
TOKEN = TOKENS + "/{personal_access_token}"
_PAT = "Personal Access Tokens"


@_route("GET", TOKENS, "listPersonalAccessTokens", "List your personal access tokens", _PAT,
        _doc("personal-access-tokens:read", page=True))  # fmt: skip
async def list_tokens(request: Request) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.list_tokens(c, query=_query(request)),
        scope="personal-access-tokens:read",
    )


@_route("POST", TOKENS, "createPersonalAccessToken", "Create a personal access token", _PAT,
        _doc("personal-access-tokens:write", body=_TOKEN_CREATE, nonce=True), 201)  # fmt: skip
async def create_token(request: Request) -> Response:
    return await _serve(
        request,
        lambda s, c, b: s.create_token(c, body=b)[0],
        scope="personal-access-tokens:write",
        status=201,
        body=True,
    )


@_route("GET", TOKEN, "getPersonalAccessToken", "Get a personal access token", _PAT,
        _doc("personal-access-tokens:read"))  # fmt: skip
async def get_token(request: Request, personal_access_token: str) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.get_token(c, token=personal_access_token),
        scope="personal-access-tokens:read",
    )


@_route("PUT", TOKEN, "updatePersonalAccessToken", "Update a personal access token", _PAT,
        _doc("personal-access-tokens:write", body=_TOKEN_UPDATE))  # fmt: skip
async def update_token(request: Request, personal_access_token: str) -> Response:
    return await _serve(
        request,
        lambda s, c, b: s.update_token(c, token=personal_access_token, body=b),
        scope="personal-access-tokens:write",
        body=True,
    )


@_route("DELETE", TOKEN, "deletePersonalAccessToken", "Delete a personal access token", _PAT,
        _doc("personal-access-tokens:write"))  # fmt: skip
async def delete_token(request: Request, personal_access_token: str) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.delete_token(c, token=personal_access_token),
        scope="personal-access-tokens:write",
    )


# --- permission groups -----------------------------------------------------------------------

_GROUP_PROPERTIES = {
    "title": {"type": "string", "minLength": 3, "maxLength": 100},
    "permissions": {"type": "string", "format": "json"},
}
_GROUP_CREATE = {"title": "NewPermissionGroupPayload", "type": "object",
                 "required": ["title", "permissions"], "properties": _GROUP_PROPERTIES}  # fmt: skip
_GROUP_UPDATE = {"title": "UpdatePermissionGroupPayload", "type": "object",
                 "properties": _GROUP_PROPERTIES}  # fmt: skip
GROUPS = "/permission-groups"
GROUP = GROUPS + "/{permission_group}"
_PG = "Permission Groups"


@_route("GET", GROUPS, "listPermissionGroups", "List all permission groups", _PG,
        _doc("permission-groups:read", page=True))  # fmt: skip
async def list_groups(request: Request) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.list_groups(c, query=_query(request)),
        scope="permission-groups:read",
    )


@_route("GET", GROUPS + "/batch", "getPermissionGroups", "Get a batch of permission groups",
        _PG, _doc("permission-groups:read", ids=True))  # fmt: skip
async def get_groups(request: Request) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.get_groups(c, ids=_ids(request)),
        scope="permission-groups:read",
    )


@_route("POST", GROUPS, "createPermissionGroup", "Create a permission group", _PG,
        _doc("permission-groups:write", body=_GROUP_CREATE), 201)  # fmt: skip
async def create_group(request: Request) -> Response:
    return await _serve(
        request,
        lambda s, c, b: s.create_group(c, body=b),
        scope="permission-groups:write",
        status=201,
        body=True,
    )


@_route("GET", GROUP, "getPermissionGroup", "Get a permission group", _PG,
        _doc("permission-groups:read"))  # fmt: skip
async def get_group(request: Request, permission_group: str) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.get_group(c, group=permission_group),
        scope="permission-groups:read",
    )


@_route("PUT", GROUP, "updatePermissionGroup", "Update a permission group", _PG,
        _doc("permission-groups:write", body=_GROUP_UPDATE))  # fmt: skip
async def update_group(request: Request, permission_group: str) -> Response:
    return await _serve(
        request,
        lambda s, c, b: s.update_group(c, group=permission_group, body=b),
        scope="permission-groups:write",
        body=True,
    )


@_route("DELETE", GROUP, "deletePermissionGroup", "Delete a permission group", _PG,
        _doc("permission-groups:write"))  # fmt: skip
async def delete_group(request: Request, permission_group: str) -> Response:
    return await _serve(
        request,
        lambda s, c, _: s.delete_group(c, group=permission_group),
        scope="permission-groups:write",
    )


# --- two-factor ------------------------------------------------------------------------------

_TOTP_BODY = {"title": "ExchangeTotpPayload", "type": "object", "required": ["code"],
              "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"}}}  # fmt: skip


@_route("POST", "/2fa/nonces/totp/exchange", "exchangeTotpForNonce",
        "Exchange a TOTP code for a two-factor nonce", "Two-Factor Authentication",
        _doc(None, body=_TOTP_BODY))  # fmt: skip
async def exchange_totp(request: Request) -> Response:
    return await _serve(request, lambda s, c, b: s.exchange_totp(c, body=b), scope=None, body=True)
