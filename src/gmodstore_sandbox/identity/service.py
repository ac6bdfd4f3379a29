"""The rules of the identity endpoints. Never imports fastapi; raises domain errors.

Check order (the route has already authenticated the token and counted the request):

1. the token holds the operation's ability (403) - before any lookup, so a token without it learns
   nothing about what exists;
2. the resources named by the path exist *for this caller* (404): deleted teams, unlisted products
   of other teams, other users' tokens and products not on the request's tenant are all "not found",
   exactly like ids that never existed;
3. the caller's role allows the change (403): team owner for team changes, staff for badges and
   permission groups, a fresh two-factor nonce where `NONCE_OPERATIONS` says so;
4. the input is valid (400).

Visibility (the README table "Sandbox identity rules" is the user-facing copy):

- users are public profiles; ``email`` only in the caller's own profile (``getMe``, ``getUser``);
- ``listUserPurchases``: the user themself sees all of their purchases; anyone else only the
  purchases of products of teams they belong to (owner or member) - never an error, just fewer rows;
- teams are public (``settings`` only for members); members list only for members;
- products: listed (active) ones are public, unlisted ones only for their team's members;
- ``X-Tenant`` (or the legacy ``/api/v3`` prefix) hides products not active on that tenant, and the
  purchases of those products.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..exceptions import Forbidden, InvalidInput, MissingScope, NotFound
from ..schemas import parse_uuid
from ..service import Principal, hash_token
from ..settings import Settings
from ..storage.db import WRITE, load_setting
from ..storage.tables import utcnow
from . import schemas as wire
from . import storage as repo
from .cursor import InvalidCursor, Key, KeyCursor, KeyCursorCodec, query_binding
from .scopes import TENANTS, WILDCARD, grants, tenant_id
from .totp import verify

__all__ = [
    "NONCE_HEADER",
    "NONCE_OPERATIONS",
    "Caller",
    "IdentityService",
    "make_identity_service",
    "parse_tenant",
]

NONCE_HEADER = "X-Two-Factor-Nonce"
NONCE_OPERATIONS = ("createPersonalAccessToken", "deleteTeam")
"""Operations that need a nonce from ``exchangeTotpForNonce`` in the `NONCE_HEADER` header."""
NONCE_LIFETIME = timedelta(minutes=5)
_TOUCH_EVERY = 60.0


class UserNotFound(NotFound):
    message = "The user could not be found."


class TeamNotFound(NotFound):
    message = "The team could not be found."


class ProductNotFound(NotFound):
    message = "The product could not be found."


class TokenNotFound(NotFound):
    message = "The personal access token could not be found."


class GroupNotFound(NotFound):
    message = "The permission group could not be found."


class BadgeNotFound(NotFound):
    message = "The user does not have this badge."


@dataclass(frozen=True)
class Caller:
    """Who is asking: the verified token, the tenant scope, the two-factor nonce header."""

    principal: Principal
    tenant: str | None = None
    nonce: str | None = None

    @property
    def user_id(self) -> uuid.UUID:
        return self.principal.user_id

    def require(self, scope: str) -> None:
        if not grants(self.principal.scopes, scope):
            raise MissingScope(scope)


def _hash(secret: str) -> str:
    return hash_token(secret)


def _id(value: str, error: type[NotFound]) -> uuid.UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise error()
    return parsed


Fetch = Callable[[repo.Page], Sequence[Any]]


class IdentityService:
    """Identity operations over one engine.

    Args:
        engine: where the tables live.
        cursor_key: returns the secret the list cursors are signed with (called once, lazily).
        forget_token: drops a token from the authentication cache (called on delete/update).
    """

    def __init__(
        self,
        *,
        engine: Engine,
        cursor_key: Callable[[], bytes],
        forget_token: Callable[[str], None] = lambda _hash: None,
    ) -> None:
        self.engine = engine
        self._cursor_key = cursor_key
        self._codec_cache: KeyCursorCodec | None = None
        self._forget = forget_token
        self._touched: dict[str, float] = {}
        self._touch_lock = threading.Lock()
        self._user_queries = repo.UserQueries(engine)
        self._product_queries = repo.ProductQueries(engine)

    # --- shared helpers ----------------------------------------------------------------------

    @property
    def _codec(self) -> KeyCursorCodec:
        if self._codec_cache is None:
            # Another purpose than the purchase cursors: a key of its own, derived from theirs.
            key = hashlib.sha256(b"identity-cursors:" + self._cursor_key()).digest()
            self._codec_cache = KeyCursorCodec(key)
        return self._codec_cache

    def touch(self, caller: Caller) -> None:
        """Record ``lastUsedAt`` of the caller's token, at most once a minute per token."""
        digest, now = caller.principal.token_hash, time.monotonic()
        with self._touch_lock:
            if now - self._touched.get(digest, -_TOUCH_EVERY) < _TOUCH_EVERY:
                return
            if len(self._touched) > 10_000:
                self._touched.clear()
            self._touched[digest] = now
        with self.engine.connect() as conn, conn.begin():
            repo.touch_token(conn, token_hash=digest, now=utcnow())

    def _list(
        self,
        query: wire.ListQuery,
        binding: bytes,
        fetch: Fetch,
        key: Callable[[Any], Key],
    ) -> tuple[list[Any], dict[str, str | None]]:
        cursor = None
        if query.cursor is not None:
            try:
                cursor = self._codec.decode(query.cursor, binding=binding)
            except InvalidCursor as exc:
                raise InvalidInput({"cursor": [str(exc)]}) from None
        n = query.per_page
        prev: KeyCursor | None = None
        nxt: KeyCursor | None = None
        if cursor is not None and cursor.direction == "before":
            rows = list(fetch((None, cursor.key, n + 1)))
            more = len(rows) > n
            rows = rows[:n][::-1]
            if rows:
                prev = KeyCursor("before", key(rows[0])) if more else None
                nxt = KeyCursor("after", key(rows[-1]))
        else:
            after = None if cursor is None else cursor.key
            rows = list(fetch((after, None, n + 1)))
            more = len(rows) > n
            rows = rows[:n]
            nxt = KeyCursor("after", key(rows[-1])) if more else None
            if cursor is not None and rows:
                prev = KeyCursor("before", key(rows[0]))
        encode = self._codec.encode
        cursors = {
            "prev": None if prev is None else encode(prev, binding=binding),
            "next": None if nxt is None else encode(nxt, binding=binding),
        }
        return rows, cursors

    @staticmethod
    def _envelope(
        data: list[dict[str, Any]], cursors: dict[str, str | None], query: wire.ListQuery
    ) -> dict[str, Any]:
        return {
            "data": data,
            "cursors": cursors,
            "connections": [],
            "meta": {"perPage": query.per_page},
        }

    @staticmethod
    def _binding(operation: str, *parts: object, query: wire.ListQuery) -> bytes:
        return query_binding(operation, [str(p) for p in parts], query.binding_parts())

    def _write(self) -> Any:
        return self.engine.connect().execution_options(**WRITE)

    # --- users -------------------------------------------------------------------------------

    def _users(self, conn: Connection, caller: Caller, rows: Sequence[Any]) -> list[dict[str, Any]]:
        ids = [row.id for row in rows]
        bans = repo.user_ban_properties(conn, user_ids=ids, now=utcnow()) if ids else {}
        counts = repo.user_team_counts(conn, user_ids=ids) if ids else {}
        return [
            wire.user_dict(
                row,
                ban_properties=bans.get(row.id, ()),
                teams_count=counts.get(row.id, 0),
                with_email=row.id == caller.user_id,
            )
            for row in rows
        ]

    def _user(self, conn: Connection, caller: Caller, user: str) -> Any:
        rows = repo.get_users(conn, ids=[_id(user, UserNotFound)])
        if not rows:
            raise UserNotFound()
        return rows[0]

    def me(self, caller: Caller) -> dict[str, Any]:
        """``getMe``: the user (with email), the token, the tenant of the request."""
        with self.engine.connect() as conn:
            token = repo.find_token(conn, token_hash=caller.principal.token_hash)
            rows = repo.get_users(conn, ids=[caller.user_id])
            if token is None or not rows:
                raise UserNotFound()
            data: dict[str, Any] = {
                "user": self._users(conn, caller, rows)[0],
                "personalAccessToken": wire.token_dict(token),
            }
        if caller.tenant is not None:
            data["tenant"] = {"id": tenant_id(caller.tenant), "name": caller.tenant}
        return {"data": data}

    def list_users(self, caller: Caller, *, query: wire.ListQuery) -> dict[str, Any]:
        caller.require("users:read")
        steam_ids = query.filters.get("steamId")
        binding = self._binding("listUsers", query=query)
        with self.engine.connect() as conn:
            rows, cursors = self._list(
                query,
                binding,
                lambda page: repo.list_users(conn, steam_ids=steam_ids, page=page),
                lambda row: row.id,
            )
            return self._envelope(self._users(conn, caller, rows), cursors, query)

    def get_users(self, caller: Caller, *, ids: tuple[uuid.UUID, ...]) -> dict[str, Any]:
        caller.require("users:read")
        with self.engine.connect() as conn:
            by_id = {row.id: row for row in repo.get_users(conn, ids=ids)}
            rows = [by_id[i] for i in ids if i in by_id]
            return {"data": self._users(conn, caller, rows)}

    def get_user(self, caller: Caller, *, user: str) -> dict[str, Any]:
        """One prepared round trip; the bans are read only for a user who has one in force."""
        caller.require("users:read")
        now = utcnow()
        found = self._user_queries.get_user(user_id=_id(user, UserNotFound), now=now)
        if found is None:
            raise UserNotFound()
        row, teams_count, banned = found
        bans: set[str] = set()
        if banned:
            with self.engine.connect() as conn:
                bans = repo.user_ban_properties(conn, user_ids=[row.id], now=now).get(row.id, set())
        user_data = wire.user_dict(
            row, ban_properties=bans, teams_count=teams_count, with_email=row.id == caller.user_id
        )
        return {"data": user_data}

    def list_user_teams(
        self, caller: Caller, *, user: str, query: wire.ListQuery
    ) -> dict[str, Any]:
        caller.require("teams:read")
        with self.engine.connect() as conn:
            user_id = self._user(conn, caller, user).id
            rows, cursors = self._list(
                query,
                self._binding("listUserTeams", user_id, query=query),
                lambda page: repo.list_teams(conn, member_id=user_id, page=page),
                lambda row: row.id,
            )
            return self._envelope(self._teams(conn, caller, rows), cursors, query)

    def list_user_products(
        self, caller: Caller, *, user: str, query: wire.ListQuery
    ) -> dict[str, Any]:
        """The products of the teams the user belongs to (those the caller may see)."""
        caller.require("products:read")
        with self.engine.connect() as conn:
            user_id = self._user(conn, caller, user).id
            return self._products_page(
                conn, caller, query, repo.user_team_ids(user_id), ("listUserProducts", user_id)
            )

    def list_user_purchases(
        self, caller: Caller, *, user: str, query: wire.ListQuery
    ) -> dict[str, Any]:
        caller.require("user-purchases:read")
        f = query.filters
        with self.engine.connect() as conn:
            user_id = self._user(conn, caller, user).id
            binding = self._binding(
                "listUserPurchases", user_id, caller.user_id, caller.tenant, query=query
            )
            rows, cursors = self._list(
                query,
                binding,
                lambda page: repo.list_user_purchases(
                    conn,
                    user_id=user_id,
                    viewer_id=caller.user_id,
                    tenant=caller.tenant,
                    product_ids=f.get("productId"),
                    revoked=f.get("revoked"),
                    user_ids=f.get("userId"),
                    page=page,
                ),
                lambda row: row.seq,
            )
        data = [
            {
                "id": r.id,
                "userId": r.user_id,
                "productId": r.product_id,
                "revoked": r.revoked,
                "createdAt": r.created_at,
                "updatedAt": r.updated_at,
            }
            for r in rows
        ]
        return self._envelope(data, cursors, query)

    def list_user_bans(self, caller: Caller, *, user: str, query: wire.ListQuery) -> dict[str, Any]:
        caller.require("user-bans:read")
        with self.engine.connect() as conn:
            user_id = self._user(conn, caller, user).id
            rows, cursors = self._list(
                query,
                self._binding("listUserBans", user_id, query=query),
                lambda page: repo.list_bans(
                    conn, user_id=user_id, banner_ids=query.filters.get("bannerId"), page=page
                ),
                lambda row: row.seq,
            )
        return self._envelope([wire.ban_dict(r) for r in rows], cursors, query)

    def list_user_badges(
        self, caller: Caller, *, user: str, query: wire.ListQuery
    ) -> dict[str, Any]:
        caller.require("user-badges:read")
        with self.engine.connect() as conn:
            user_id = self._user(conn, caller, user).id
            rows, cursors = self._list(
                query,
                self._binding("listUserBadges", user_id, query=query),
                lambda page: repo.list_badges(conn, user_id=user_id, page=page),
                lambda row: row.seq,
            )
        return self._envelope([wire.badge_dict(r.badge_id) for r in rows], cursors, query)

    def _require_staff(self, conn: Connection, caller: Caller) -> None:
        if not repo.is_staff(conn, user_id=caller.user_id):
            raise Forbidden("Only staff may do this.")

    def create_user_badge(self, caller: Caller, *, user: str, body: bytes) -> dict[str, Any]:
        caller.require("user-badges:write")
        try:
            with self._write() as conn, conn.begin():
                user_id = self._user(conn, caller, user).id
                self._require_staff(conn, caller)
                payload: wire.BadgeCreate = wire.parse_body(wire.BadgeCreate, body)
                repo.insert_badge(conn, user_id=user_id, badge_id=payload.badge_id, now=utcnow())
        except IntegrityError:
            raise InvalidInput({"badge_id": ["The user already has this badge."]}) from None
        return {"data": wire.badge_dict(payload.badge_id)}

    def delete_user_badge(self, caller: Caller, *, user: str, badge: str) -> dict[str, Any]:
        caller.require("user-badges:write")
        with self._write() as conn, conn.begin():
            user_id = self._user(conn, caller, user).id
            self._require_staff(conn, caller)
            if badge not in wire.BADGES or not repo.delete_badge(
                conn, user_id=user_id, badge_id=badge
            ):
                raise BadgeNotFound()
        return {"data": wire.badge_dict(badge)}

    # --- teams -------------------------------------------------------------------------------

    def _teams(self, conn: Connection, caller: Caller, rows: Sequence[Any]) -> list[dict[str, Any]]:
        ids = [row.id for row in rows]
        counts = repo.team_counts(conn, team_ids=ids) if ids else {}
        mine = {row.id for row in rows if self._role(conn, row.id, caller) is not None}
        return [wire.team_dict(r, counts=counts[r.id], member=r.id in mine) for r in rows]

    @staticmethod
    def _role(conn: Connection, team_id: uuid.UUID, caller: Caller) -> str | None:
        return repo.member_role(conn, team_id=team_id, user_id=caller.user_id)

    @staticmethod
    def _team(conn: Connection, team: str) -> Any:
        rows = repo.get_teams(conn, ids=[_id(team, TeamNotFound)])
        if not rows:
            raise TeamNotFound()
        return rows[0]

    def list_teams(self, caller: Caller, *, query: wire.ListQuery) -> dict[str, Any]:
        caller.require("teams:read")
        with self.engine.connect() as conn:
            rows, cursors = self._list(
                query,
                self._binding("listTeams", query=query),
                lambda page: repo.list_teams(conn, member_id=None, page=page),
                lambda row: row.id,
            )
            return self._envelope(self._teams(conn, caller, rows), cursors, query)

    def get_teams(self, caller: Caller, *, ids: tuple[uuid.UUID, ...]) -> dict[str, Any]:
        caller.require("teams:read")
        with self.engine.connect() as conn:
            by_id = {row.id: row for row in repo.get_teams(conn, ids=ids)}
            return {"data": self._teams(conn, caller, [by_id[i] for i in ids if i in by_id])}

    def get_team(self, caller: Caller, *, team: str) -> dict[str, Any]:
        caller.require("teams:read")
        with self.engine.connect() as conn:
            return {"data": self._teams(conn, caller, [self._team(conn, team)])[0]}

    def create_team(self, caller: Caller, *, body: bytes) -> dict[str, Any]:
        """The caller becomes the team's owner."""
        caller.require("teams:write")
        payload: wire.TeamCreate = wire.parse_body(wire.TeamCreate, body)
        team_id = uuid.uuid4()
        with self._write() as conn, conn.begin():
            repo.insert_team(
                conn,
                team_id=team_id,
                name=payload.name,
                description=payload.description or '""',
                owner_id=caller.user_id,
                now=utcnow(),
            )
            return {"data": self._teams(conn, caller, repo.get_teams(conn, ids=[team_id]))[0]}

    def _owned_team(self, conn: Connection, caller: Caller, team: str) -> Any:
        row = self._team(conn, team)
        role = self._role(conn, row.id, caller)
        if role != "owner":
            raise Forbidden(
                "Only the team owner may do this."
                if role is not None
                else "You are not a member of this team."
            )
        return row

    def update_team(self, caller: Caller, *, team: str, body: bytes) -> dict[str, Any]:
        caller.require("teams:write")
        with self._write() as conn, conn.begin():
            row = self._owned_team(conn, caller, team)
            payload = wire.parse_body(wire.TeamUpdate, body, allow_empty=True)
            values = payload.model_dump(exclude_unset=True, exclude_none=True)
            if values:
                repo.update_team(conn, team_id=row.id, values=values, now=utcnow())
            return {"data": self._teams(conn, caller, repo.get_teams(conn, ids=[row.id]))[0]}

    def delete_team(self, caller: Caller, *, team: str) -> dict[str, Any]:
        """Needs a two-factor nonce. Members are removed and products unlisted; purchases stay."""
        caller.require("teams:write")
        with self._write() as conn, conn.begin():
            row = self._owned_team(conn, caller, team)
            self._consume_nonce(conn, caller)
            data = self._teams(conn, caller, [row])[0]
            repo.soft_delete_team(conn, team_id=row.id, now=utcnow())
        return {"data": data}

    def list_team_users(
        self, caller: Caller, *, team: str, query: wire.ListQuery
    ) -> dict[str, Any]:
        caller.require("team-users:read")
        with self.engine.connect() as conn:
            row = self._team(conn, team)
            if self._role(conn, row.id, caller) is None:
                raise Forbidden("You are not a member of this team.")
            rows, cursors = self._list(
                query,
                self._binding("listTeamUsers", row.id, query=query),
                lambda page: repo.list_team_users(conn, team_id=row.id, page=page),
                lambda r: r.user_id,
            )
        return self._envelope([wire.team_user_dict(r) for r in rows], cursors, query)

    # --- products ----------------------------------------------------------------------------

    def _products_page(
        self,
        conn: Connection,
        caller: Caller,
        query: wire.ListQuery,
        team_ids: Any,
        binding_parts: tuple[object, ...],
    ) -> dict[str, Any]:
        rows, cursors = self._list(
            query,
            self._binding(*map(str, binding_parts), caller.user_id, caller.tenant, query=query),
            lambda page: repo.list_products(
                conn,
                viewer_id=caller.user_id,
                tenant=caller.tenant,
                team_ids=team_ids,
                slugs=query.filters.get("slug"),
                page=page,
            ),
            lambda row: row.id,
        )
        return self._envelope([wire.product_dict(r) for r in rows], cursors, query)

    def list_products(self, caller: Caller, *, team: str, query: wire.ListQuery) -> dict[str, Any]:
        caller.require("products:read")
        with self.engine.connect() as conn:
            team_id = self._team(conn, team).id
            return self._products_page(conn, caller, query, [team_id], ("listProducts", team_id))

    def get_products(self, caller: Caller, *, ids: tuple[uuid.UUID, ...]) -> dict[str, Any]:
        caller.require("products:read")
        with self.engine.connect() as conn:
            rows = repo.get_products(conn, ids=ids, viewer_id=caller.user_id, tenant=caller.tenant)
        by_id = {row.id: row for row in rows}
        return {"data": [wire.product_dict(by_id[i]) for i in ids if i in by_id]}

    def get_product(self, caller: Caller, *, product: str) -> dict[str, Any]:
        caller.require("products:read")
        row = self._product_queries.get_product(
            product_id=_id(product, ProductNotFound), viewer_id=caller.user_id, tenant=caller.tenant
        )
        if row is None:
            raise ProductNotFound()
        return {"data": wire.product_dict(row)}

    # --- personal access tokens --------------------------------------------------------------

    def _own_token(self, conn: Connection, caller: Caller, token: str) -> Any:
        rows = repo.get_tokens(conn, user_id=caller.user_id, public_id=_id(token, TokenNotFound))
        if not rows:
            raise TokenNotFound()
        return rows[0]

    def list_tokens(self, caller: Caller, *, query: wire.ListQuery) -> dict[str, Any]:
        caller.require("personal-access-tokens:read")
        with self.engine.connect() as conn:
            rows, cursors = self._list(
                query,
                self._binding("listPersonalAccessTokens", caller.user_id, query=query),
                lambda page: repo.list_tokens(conn, user_id=caller.user_id, page=page),
                lambda row: row.id,
            )
        return self._envelope([wire.token_dict(r) for r in rows], cursors, query)

    def get_token(self, caller: Caller, *, token: str) -> dict[str, Any]:
        caller.require("personal-access-tokens:read")
        with self.engine.connect() as conn:
            return {"data": wire.token_dict(self._own_token(conn, caller, token))}

    def _check_grant(self, caller: Caller, abilities: list[str] | None, expires: Any) -> None:
        """A token never hands out more than it holds: abilities and lifetime (403 / 400)."""
        held = caller.principal.scopes
        if abilities is not None:
            lacking = sorted(
                a for a in set(abilities) if not (a in held or (WILDCARD in held and a != WILDCARD))
            )
            if lacking:
                raise Forbidden(
                    "A token cannot grant abilities it does not have: " + ", ".join(lacking) + "."
                )
        if expires is not None and expires.tzinfo is None:
            raise InvalidInput({"expiresAt": ["The expires at field must include a time zone."]})
        if expires is not None and expires <= utcnow():
            raise InvalidInput(
                {"expiresAt": ["The expires at field must be a date in the future."]}
            )
        own = caller.principal.expires_at
        if own is not None and (expires is None or expires > own):
            raise InvalidInput(
                {"expiresAt": ["The token cannot outlive the token that creates it."]}
            )

    def create_token(self, caller: Caller, *, body: bytes) -> tuple[dict[str, Any], str]:
        """Needs a two-factor nonce. Returns the body and the plain token (shown once)."""
        caller.require("personal-access-tokens:write")
        with self._write() as conn, conn.begin():
            self._consume_nonce(conn, caller)
            payload: wire.TokenCreate = wire.parse_body(wire.TokenCreate, body)
            self._check_grant(caller, list(payload.abilities), payload.expires_at)
            plain = "gms_" + secrets.token_urlsafe(32)
            now = utcnow()
            repo.insert_token(
                conn,
                values={
                    "token_hash": _hash(plain),
                    "user_id": caller.user_id,
                    "scopes": " ".join(dict.fromkeys(payload.abilities)),
                    "name": payload.name,
                    "expires_at": payload.expires_at,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            row = repo.find_token(conn, token_hash=_hash(plain))
        body_out = {"data": {"personalAccessToken": wire.token_dict(row), "plainTextToken": plain}}
        return body_out, plain

    def update_token(self, caller: Caller, *, token: str, body: bytes) -> dict[str, Any]:
        caller.require("personal-access-tokens:write")
        with self._write() as conn, conn.begin():
            row = self._own_token(conn, caller, token)
            payload: wire.TokenUpdate = wire.parse_body(wire.TokenUpdate, body, allow_empty=True)
            fields = payload.model_fields_set
            values: dict[str, Any] = {}
            if "name" in fields and payload.name is not None:
                values["name"] = payload.name
            if "abilities" in fields and payload.abilities is not None:
                self._check_grant(caller, list(payload.abilities), row.expires_at)
                values["scopes"] = " ".join(dict.fromkeys(payload.abilities))
            if "expires_at" in fields:
                self._check_grant(caller, None, payload.expires_at)
                values["expires_at"] = payload.expires_at
            if values:
                repo.update_token(conn, token_id=row.id, values={**values, "updated_at": utcnow()})
                row = self._own_token(conn, caller, token)
        self._forget(row.token_hash)
        return {"data": wire.token_dict(row)}

    def delete_token(self, caller: Caller, *, token: str) -> dict[str, Any]:
        """Delete one of the caller's tokens; it gets 401 from the next request on."""
        caller.require("personal-access-tokens:write")
        with self._write() as conn, conn.begin():
            row = self._own_token(conn, caller, token)
            repo.delete_token(conn, token_id=row.id)
        self._forget(row.token_hash)
        return {"data": wire.token_dict(row)}

    # --- permission groups -------------------------------------------------------------------

    @staticmethod
    def _group(conn: Connection, group: str) -> Any:
        rows = repo.get_permission_groups(conn, ids=[_id(group, GroupNotFound)])
        if not rows:
            raise GroupNotFound()
        return rows[0]

    def list_groups(self, caller: Caller, *, query: wire.ListQuery) -> dict[str, Any]:
        caller.require("permission-groups:read")
        with self.engine.connect() as conn:
            rows, cursors = self._list(
                query,
                self._binding("listPermissionGroups", query=query),
                lambda page: repo.list_permission_groups(conn, page=page),
                lambda row: row.seq,
            )
        return self._envelope([wire.group_dict(r) for r in rows], cursors, query)

    def get_groups(self, caller: Caller, *, ids: tuple[uuid.UUID, ...]) -> dict[str, Any]:
        caller.require("permission-groups:read")
        with self.engine.connect() as conn:
            by_id = {row.id: row for row in repo.get_permission_groups(conn, ids=ids)}
        return {"data": [wire.group_dict(by_id[i]) for i in ids if i in by_id]}

    def get_group(self, caller: Caller, *, group: str) -> dict[str, Any]:
        caller.require("permission-groups:read")
        with self.engine.connect() as conn:
            return {"data": wire.group_dict(self._group(conn, group))}

    def create_group(self, caller: Caller, *, body: bytes) -> dict[str, Any]:
        caller.require("permission-groups:write")
        group_id = uuid.uuid4()
        with self._write() as conn, conn.begin():
            self._require_staff(conn, caller)
            payload: wire.GroupCreate = wire.parse_body(wire.GroupCreate, body)
            now = utcnow()
            repo.insert_permission_group(
                conn,
                values={
                    "id": group_id,
                    "title": payload.title,
                    "permissions": payload.permissions,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            return {"data": wire.group_dict(self._group(conn, str(group_id)))}

    def _editable_group(self, conn: Connection, caller: Caller, group: str) -> Any:
        row = self._group(conn, group)
        self._require_staff(conn, caller)
        if not row.editable:
            raise Forbidden("This permission group is built in and cannot be changed.")
        return row

    def update_group(self, caller: Caller, *, group: str, body: bytes) -> dict[str, Any]:
        caller.require("permission-groups:write")
        with self._write() as conn, conn.begin():
            row = self._editable_group(conn, caller, group)
            payload = wire.parse_body(wire.GroupUpdate, body, allow_empty=True)
            values = payload.model_dump(exclude_unset=True, exclude_none=True)
            if values:
                repo.update_permission_group(
                    conn, group_id=row.id, values={**values, "updated_at": utcnow()}
                )
            return {"data": wire.group_dict(self._group(conn, group))}

    def delete_group(self, caller: Caller, *, group: str) -> dict[str, Any]:
        """Its users fall back to the default group."""
        caller.require("permission-groups:write")
        with self._write() as conn, conn.begin():
            row = self._editable_group(conn, caller, group)
            repo.delete_permission_group(conn, group_id=row.id)
        return {"data": wire.group_dict(row)}

    # --- two-factor --------------------------------------------------------------------------

    def exchange_totp(self, caller: Caller, *, body: bytes) -> dict[str, Any]:
        """A single-use nonce, valid five minutes, for the current TOTP code of the caller."""
        payload: wire.TotpExchange = wire.parse_body(wire.TotpExchange, body)
        nonce = "2fa_" + secrets.token_urlsafe(24)
        with self._write() as conn, conn.begin():
            rows = repo.get_users(conn, ids=[caller.user_id])
            if not rows or not verify(rows[0].totp_secret, payload.code):
                raise InvalidInput({"code": ["The code is invalid or has expired."]})
            repo.insert_nonce(
                conn,
                nonce_hash=_hash(nonce),
                user_id=caller.user_id,
                expires_at=utcnow() + NONCE_LIFETIME,
            )
        return {"data": {"token": nonce}}

    @staticmethod
    def _consume_nonce(conn: Connection, caller: Caller) -> None:
        if caller.nonce is None or not repo.consume_nonce(
            conn, nonce_hash=_hash(caller.nonce), user_id=caller.user_id, now=utcnow()
        ):
            raise Forbidden(
                f"This action needs a fresh two-factor nonce in the {NONCE_HEADER} header "
                "(POST /v3/2fa/nonces/totp/exchange)."
            )


def parse_tenant(header: str | None, *, legacy: bool) -> str | None:
    """The tenant a request is scoped to; raises `InvalidInput` for an unknown one.

    The legacy ``/api/v3`` layout is always ``gmodstore.com``, as the legacy hosts are: a valid
    ``X-Tenant`` naming another tenant there is ignored (``getMe`` reports the scope in force, so
    a client can tell), an unknown one is still a 400.
    """
    if header is not None:
        header = header.strip().lower()
    if header is not None and header not in TENANTS:
        raise InvalidInput({"X-Tenant": [f"The tenant must be one of: {', '.join(TENANTS)}."]})
    return TENANTS[0] if legacy else header


def make_identity_service(
    engine: Engine, settings: Settings, forget_token: Callable[[str], None]
) -> IdentityService:
    """The service `create_app` keeps in ``app.state.identity``.

    Its cursor key derives from the purchase cursors' key: `Settings.cursor_secret`, else the one
    stored in the database (shared by every worker process), read on the first list.
    """
    secret = settings.cursor_secret

    def key() -> bytes:
        if secret is not None:
            return secret.get_secret_value().encode()
        return load_setting(engine, "cursor_secret", default=secrets.token_urlsafe(32)).encode()

    return IdentityService(engine=engine, cursor_key=key, forget_token=forget_token)
