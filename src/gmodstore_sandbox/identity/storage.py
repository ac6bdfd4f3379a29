"""Every query of the identity area. Keyword-only arguments after the connection, Core statements.

List functions are keyset-paginated on one unique column (`keyset`): ``after`` ascending, ``before``
descending (the service reverses those rows).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, TypeAlias, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Select,
    String,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.sql.selectable import SelectBase

from ..storage.prepared import PreparedSelect
from ..storage.tables import AccessToken, Product, Purchase, Team, TeamMember, User
from .cursor import Key
from .tables import PermissionGroup, TwoFactorNonce, UserBadge, UserBan

__all__ = [
    "consume_nonce",
    "delete_badge",
    "delete_permission_group",
    "delete_token",
    "find_token",
    "get_permission_groups",
    "get_products",
    "get_teams",
    "get_tokens",
    "get_users",
    "ProductQueries",
    "UserQueries",
    "insert_badge",
    "insert_ban",
    "insert_nonce",
    "insert_permission_group",
    "insert_team",
    "insert_token",
    "is_staff",
    "keyset",
    "list_badges",
    "list_bans",
    "list_permission_groups",
    "list_products",
    "list_team_users",
    "list_teams",
    "list_tokens",
    "list_user_purchases",
    "list_users",
    "member_role",
    "soft_delete_team",
    "team_counts",
    "update_permission_group",
    "update_team",
    "update_token",
    "user_ban_properties",
    "user_team_counts",
]

Rows: TypeAlias = Sequence[Row]  # type: ignore[type-arg]
S = TypeVar("S")
Page: TypeAlias = tuple[Key | None, Key | None, int]
"""``(after, before, limit)`` of one keyset page."""


def keyset(stmt: S, column: Any, page: Page) -> S:
    """Order by the unique `column` and cut the page: ascending after, descending before."""
    after, before, limit = page
    query: Any = stmt  # Select's type parameters differ between SQLAlchemy 2.0 and 2.1
    if before is not None:
        return cast(S, query.where(column < before).order_by(column.desc()).limit(limit))
    if after is not None:
        query = query.where(column > after)
    return cast(S, query.order_by(column.asc()).limit(limit))


# --- users -----------------------------------------------------------------------------------

USER_COLUMNS = (
    User.id,
    User.steam_id,
    User.slug,
    User.name,
    User.email,
    User.country_code,
    User.avatar_url,
    User.bio,
    User.last_action_at,
    User.created_at,
    User.permission_group_id,
    User.totp_secret,
)


def list_users(conn: Connection, *, steam_ids: Collection[int] | None, page: Page) -> Rows:
    stmt = select(*USER_COLUMNS)
    if steam_ids is not None:
        stmt = stmt.where(User.steam_id.in_(steam_ids))
    return conn.execute(keyset(stmt, User.id, page)).all()


def get_users(conn: Connection, *, ids: Collection[uuid.UUID]) -> Rows:
    return conn.execute(select(*USER_COLUMNS).where(User.id.in_(ids))).all()


def _bans_in_force(user_id: Any, now: Any) -> ColumnElement[bool]:
    return and_(
        UserBan.user_id == user_id,
        UserBan.unban_id.is_(None),
        or_(UserBan.end.is_(None), UserBan.end > now),
    )


_USER_WITH_COUNTS = select(
    *USER_COLUMNS,
    select(func.count())
    .select_from(TeamMember)
    .join(Team, Team.id == TeamMember.team_id)
    .where(TeamMember.user_id == User.id, Team.deleted_at.is_(None))
    .scalar_subquery()
    .label("teams_count"),
    exists().where(_bans_in_force(User.id, bindparam("now"))).label("banned"),
).where(User.id == bindparam("id"))


class _NamedRow(tuple[Any, ...]):
    """A row read by a `PreparedSelect`, its columns named like the rows `Connection` gives."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[self._fields.index(name)]
        except ValueError:
            raise AttributeError(name) from None


class UserRow(_NamedRow):
    """A `USER_COLUMNS` row read by `UserQueries`, named like the rows of `get_users`."""

    __slots__ = ()
    _fields = tuple(c.key for c in USER_COLUMNS)


class UserQueries:
    """The GET-one-user query, prepared for one engine (see `PreparedSelect`)."""

    def __init__(self, engine: Engine) -> None:
        self._user_with_counts = PreparedSelect(engine, _USER_WITH_COUNTS)

    def get_user(self, *, user_id: uuid.UUID, now: datetime) -> tuple[UserRow, int, bool] | None:
        """``(row, teams_count, any ban in force)`` in one round trip; None when no such user."""
        found = self._user_with_counts.first({"id": user_id, "now": now})
        if found is None:
            return None
        *columns, teams_count, banned = found
        return UserRow(columns), int(teams_count), bool(banned)


def user_ban_properties(
    conn: Connection, *, user_ids: Collection[uuid.UUID], now: datetime
) -> dict[uuid.UUID, set[str]]:
    """The properties of every ban in force, per user."""
    stmt = select(UserBan.user_id, UserBan.properties).where(
        UserBan.user_id.in_(user_ids),
        UserBan.unban_id.is_(None),
        or_(UserBan.end.is_(None), UserBan.end > now),
    )
    found: dict[uuid.UUID, set[str]] = {}
    for user_id, properties in conn.execute(stmt):
        found.setdefault(user_id, set()).update(properties.split())
    return found


def user_team_counts(conn: Connection, *, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
    stmt = (
        select(TeamMember.user_id, func.count())
        .join(Team, Team.id == TeamMember.team_id)
        .where(TeamMember.user_id.in_(user_ids), Team.deleted_at.is_(None))
        .group_by(TeamMember.user_id)
    )
    return {row[0]: row[1] for row in conn.execute(stmt)}


def is_staff(conn: Connection, *, user_id: uuid.UUID) -> bool:
    stmt = (
        select(literal(1))
        .select_from(User)
        .join(PermissionGroup, PermissionGroup.id == User.permission_group_id)
        .where(User.id == user_id, PermissionGroup.staff.is_(True))
    )
    return conn.execute(stmt).first() is not None


# --- teams -----------------------------------------------------------------------------------

TEAM_COLUMNS = (
    Team.id,
    Team.name,
    Team.description,
    Team.settings,
    Team.created_at,
    Team.updated_at,
)


def list_teams(conn: Connection, *, member_id: uuid.UUID | None, page: Page) -> Rows:
    stmt = select(*TEAM_COLUMNS).where(Team.deleted_at.is_(None))
    if member_id is not None:
        stmt = stmt.join(TeamMember, TeamMember.team_id == Team.id).where(
            TeamMember.user_id == member_id
        )
    return conn.execute(keyset(stmt, Team.id, page)).all()


def get_teams(conn: Connection, *, ids: Collection[uuid.UUID]) -> Rows:
    stmt = select(*TEAM_COLUMNS).where(Team.id.in_(ids), Team.deleted_at.is_(None))
    return conn.execute(stmt).all()


def team_counts(
    conn: Connection, *, team_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """``(products visible to everyone, members)`` per team."""
    products = dict(
        conn.execute(
            select(Product.team_id, func.count())
            .where(Product.team_id.in_(team_ids), Product.active.is_(True))
            .group_by(Product.team_id)
        ).all()
    )
    users = dict(
        conn.execute(
            select(TeamMember.team_id, func.count())
            .where(TeamMember.team_id.in_(team_ids))
            .group_by(TeamMember.team_id)
        ).all()
    )
    return {t: (products.get(t, 0), users.get(t, 0)) for t in team_ids}


def member_role(conn: Connection, *, team_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
    stmt = select(TeamMember.role).where(
        TeamMember.team_id == team_id, TeamMember.user_id == user_id
    )
    role = conn.execute(stmt).scalar()
    return None if role is None else str(role)


def insert_team(
    conn: Connection,
    *,
    team_id: uuid.UUID,
    name: str,
    description: str,
    owner_id: uuid.UUID,
    now: datetime,
) -> None:
    conn.execute(
        insert(Team).values(
            id=team_id, name=name, description=description, created_at=now, updated_at=now
        )
    )
    conn.execute(
        insert(TeamMember).values(team_id=team_id, user_id=owner_id, role="owner", percentage=100)
    )


def update_team(
    conn: Connection, *, team_id: uuid.UUID, values: dict[str, Any], now: datetime
) -> None:
    conn.execute(update(Team).where(Team.id == team_id).values(**values, updated_at=now))


def soft_delete_team(conn: Connection, *, team_id: uuid.UUID, now: datetime) -> None:
    """Mark the team deleted, drop its members, unlist its products (purchases are kept)."""
    conn.execute(update(Team).where(Team.id == team_id).values(deleted_at=now, updated_at=now))
    conn.execute(delete(TeamMember).where(TeamMember.team_id == team_id))
    conn.execute(
        update(Product)
        .where(Product.team_id == team_id, Product.active.is_(True))
        .values(active=False, updated_at=now)
    )


def list_team_users(conn: Connection, *, team_id: uuid.UUID, page: Page) -> Rows:
    stmt = select(
        TeamMember.team_id, TeamMember.user_id, TeamMember.role, TeamMember.percentage
    ).where(TeamMember.team_id == team_id)
    return conn.execute(keyset(stmt, TeamMember.user_id, page)).all()


# --- products --------------------------------------------------------------------------------

PRODUCT_COLUMNS = (
    Product.id,
    Product.team_id,
    Product.slug,
    Product.name,
    Product.short_description,
    Product.description,
    Product.price_cents,
    Product.currency,
    Product.views,
    Product.active,
    Product.active_tenants,
    Product.created_at,
    Product.updated_at,
)


def _on_tenant(tenant: str | None) -> ColumnElement[bool]:
    if tenant is None:
        return literal(True)
    return (literal(" ") + Product.active_tenants + literal(" ")).contains(f" {tenant} ")


def _product_visible(viewer_id: uuid.UUID, tenant: str | None) -> ColumnElement[bool]:
    """Listed (active) products, or any product of a team the viewer belongs to; on the tenant."""
    member = exists().where(TeamMember.team_id == Product.team_id, TeamMember.user_id == viewer_id)
    return and_(or_(Product.active.is_(True), member), _on_tenant(tenant))


def list_products(
    conn: Connection,
    *,
    viewer_id: uuid.UUID,
    tenant: str | None,
    team_ids: Select[Any] | Collection[uuid.UUID],
    slugs: Collection[str] | None,
    page: Page,
) -> Rows:
    stmt = select(*PRODUCT_COLUMNS).where(
        Product.team_id.in_(team_ids), _product_visible(viewer_id, tenant)
    )
    if slugs is not None:
        stmt = stmt.where(Product.slug.in_(slugs))
    return conn.execute(keyset(stmt, Product.id, page)).all()


def user_team_ids(user_id: uuid.UUID) -> Select[Any]:
    """Subquery: the ids of the (not deleted) teams `user_id` belongs to."""
    return (
        select(TeamMember.team_id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(TeamMember.user_id == user_id, Team.deleted_at.is_(None))
    )


def _product_one(on_tenant: bool) -> SelectBase:
    """`get_products` for one id, with bind parameters (``id``, ``viewer``, ``tenant``)."""
    member = exists().where(
        TeamMember.team_id == Product.team_id, TeamMember.user_id == bindparam("viewer")
    )
    where = and_(Product.id == bindparam("id"), or_(Product.active.is_(True), member))
    if on_tenant:  # `_on_tenant`, the tenant bound (" gmodstore.com ")
        space = literal_column("' '", String())  # inline: PreparedSelect binds only the named
        spaced = space + Product.active_tenants + space
        where = and_(where, spaced.contains(bindparam("tenant", type_=String())))
    return select(*PRODUCT_COLUMNS).where(where)


class ProductRow(_NamedRow):
    """A `PRODUCT_COLUMNS` row read by `ProductQueries`, named like the rows of `get_products`."""

    __slots__ = ()
    _fields = tuple(c.key for c in PRODUCT_COLUMNS)


class ProductQueries:
    """The GET-one-product query, prepared for one engine (see `PreparedSelect`)."""

    def __init__(self, engine: Engine) -> None:
        self._any = PreparedSelect(engine, _product_one(on_tenant=False))
        self._on_tenant = PreparedSelect(engine, _product_one(on_tenant=True))

    def get_product(
        self, *, product_id: uuid.UUID, viewer_id: uuid.UUID, tenant: str | None
    ) -> ProductRow | None:
        if tenant is None:
            found = self._any.first({"id": product_id, "viewer": viewer_id})
        else:
            found = self._on_tenant.first(
                {"id": product_id, "viewer": viewer_id, "tenant": f" {tenant} "}
            )
        return None if found is None else ProductRow(found)


def get_products(
    conn: Connection, *, ids: Collection[uuid.UUID], viewer_id: uuid.UUID, tenant: str | None
) -> Rows:
    stmt = select(*PRODUCT_COLUMNS).where(Product.id.in_(ids), _product_visible(viewer_id, tenant))
    return conn.execute(stmt).all()


# --- purchases of a user ---------------------------------------------------------------------


def list_user_purchases(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    viewer_id: uuid.UUID,
    tenant: str | None,
    product_ids: Collection[uuid.UUID] | None,
    revoked: bool | None,
    user_ids: Collection[uuid.UUID] | None,
    page: Page,
) -> Rows:
    """The user's purchases the viewer may see: all of them for the user themself, otherwise
    only those of products of teams the viewer belongs to."""
    stmt = (
        select(
            Purchase.seq,
            Purchase.id,
            Purchase.user_id,
            Purchase.product_id,
            Purchase.revoked,
            Purchase.created_at,
            Purchase.updated_at,
        )
        .join(Product, Product.id == Purchase.product_id)
        .where(Purchase.user_id == user_id, _on_tenant(tenant))
    )
    if viewer_id != user_id:
        stmt = stmt.where(Product.team_id.in_(user_team_ids(viewer_id)))
    if product_ids is not None:
        stmt = stmt.where(Purchase.product_id.in_(product_ids))
    if revoked is not None:
        stmt = stmt.where(Purchase.revoked.is_(revoked))
    if user_ids is not None:
        stmt = stmt.where(Purchase.user_id.in_(user_ids))
    return conn.execute(keyset(stmt, Purchase.seq, page)).all()


# --- personal access tokens ------------------------------------------------------------------

TOKEN_COLUMNS = (
    AccessToken.id,
    AccessToken.public_id,
    AccessToken.token_hash,
    AccessToken.user_id,
    AccessToken.name,
    AccessToken.scopes,
    AccessToken.last_used_at,
    AccessToken.expires_at,
    AccessToken.created_at,
    AccessToken.updated_at,
)


def find_token(conn: Connection, *, token_hash: str) -> Row | None:  # type: ignore[type-arg]
    stmt = select(*TOKEN_COLUMNS).where(AccessToken.token_hash == token_hash)
    return conn.execute(stmt).first()


def list_tokens(conn: Connection, *, user_id: uuid.UUID, page: Page) -> Rows:
    stmt = select(*TOKEN_COLUMNS).where(AccessToken.user_id == user_id)
    return conn.execute(keyset(stmt, AccessToken.id, page)).all()


def get_tokens(conn: Connection, *, user_id: uuid.UUID, public_id: uuid.UUID) -> Rows:
    stmt = select(*TOKEN_COLUMNS).where(
        AccessToken.user_id == user_id, AccessToken.public_id == public_id
    )
    return conn.execute(stmt).all()


def insert_token(conn: Connection, *, values: dict[str, Any]) -> None:
    conn.execute(insert(AccessToken).values(**values))


def update_token(conn: Connection, *, token_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(AccessToken).where(AccessToken.id == token_id).values(**values))


def delete_token(conn: Connection, *, token_id: int) -> None:
    conn.execute(delete(AccessToken).where(AccessToken.id == token_id))


def touch_token(conn: Connection, *, token_hash: str, now: datetime) -> None:
    conn.execute(
        update(AccessToken).where(AccessToken.token_hash == token_hash).values(last_used_at=now)
    )


# --- permission groups -----------------------------------------------------------------------

GROUP_COLUMNS = (
    PermissionGroup.seq,
    PermissionGroup.id,
    PermissionGroup.title,
    PermissionGroup.commission_rate,
    PermissionGroup.display_order,
    PermissionGroup.is_default,
    PermissionGroup.editable,
    PermissionGroup.hoisted,
    PermissionGroup.permissions,
    PermissionGroup.created_at,
    PermissionGroup.updated_at,
)


def list_permission_groups(conn: Connection, *, page: Page) -> Rows:
    return conn.execute(keyset(select(*GROUP_COLUMNS), PermissionGroup.seq, page)).all()


def get_permission_groups(conn: Connection, *, ids: Collection[uuid.UUID]) -> Rows:
    return conn.execute(select(*GROUP_COLUMNS).where(PermissionGroup.id.in_(ids))).all()


def insert_permission_group(conn: Connection, *, values: dict[str, Any]) -> None:
    conn.execute(insert(PermissionGroup).values(**values))


def update_permission_group(
    conn: Connection, *, group_id: uuid.UUID, values: dict[str, Any]
) -> None:
    conn.execute(update(PermissionGroup).where(PermissionGroup.id == group_id).values(**values))


def delete_permission_group(conn: Connection, *, group_id: uuid.UUID) -> None:
    """Delete the group; its users fall back to the default group."""
    conn.execute(
        update(User).where(User.permission_group_id == group_id).values(permission_group_id=None)
    )
    conn.execute(delete(PermissionGroup).where(PermissionGroup.id == group_id))


# --- badges and bans -------------------------------------------------------------------------


def list_badges(conn: Connection, *, user_id: uuid.UUID, page: Page) -> Rows:
    stmt = select(UserBadge.seq, UserBadge.badge_id).where(UserBadge.user_id == user_id)
    return conn.execute(keyset(stmt, UserBadge.seq, page)).all()


def insert_badge(conn: Connection, *, user_id: uuid.UUID, badge_id: str, now: datetime) -> None:
    """Award a badge; `sqlalchemy.exc.IntegrityError` if the user already has it."""
    conn.execute(insert(UserBadge).values(user_id=user_id, badge_id=badge_id, created_at=now))


def delete_badge(conn: Connection, *, user_id: uuid.UUID, badge_id: str) -> bool:
    result = conn.execute(
        delete(UserBadge).where(UserBadge.user_id == user_id, UserBadge.badge_id == badge_id)
    )
    return bool(result.rowcount)


BAN_COLUMNS = (
    UserBan.seq,
    UserBan.id,
    UserBan.user_id,
    UserBan.banner_id,
    UserBan.reason,
    UserBan.properties,
    UserBan.start,
    UserBan.end,
    UserBan.unban_id,
    UserBan.unban_reason,
)


def list_bans(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    banner_ids: Collection[uuid.UUID] | None,
    page: Page,
) -> Rows:
    stmt = select(*BAN_COLUMNS).where(UserBan.user_id == user_id)
    if banner_ids is not None:
        stmt = stmt.where(UserBan.banner_id.in_(banner_ids))
    return conn.execute(keyset(stmt, UserBan.seq, page)).all()


def insert_ban(conn: Connection, *, values: dict[str, Any]) -> None:
    conn.execute(insert(UserBan).values(**values))


# --- two-factor nonces -----------------------------------------------------------------------


def insert_nonce(
    conn: Connection, *, nonce_hash: str, user_id: uuid.UUID, expires_at: datetime
) -> None:
    conn.execute(
        insert(TwoFactorNonce).values(nonce_hash=nonce_hash, user_id=user_id, expires_at=expires_at)
    )


def consume_nonce(conn: Connection, *, nonce_hash: str, user_id: uuid.UUID, now: datetime) -> bool:
    """Mark the nonce used; False if it is unknown, someone else's, expired or already used."""
    result = conn.execute(
        update(TwoFactorNonce)
        .where(
            TwoFactorNonce.nonce_hash == nonce_hash,
            TwoFactorNonce.user_id == user_id,
            TwoFactorNonce.used_at.is_(None),
            TwoFactorNonce.expires_at > now,
        )
        .values(used_at=now)
    )
    return bool(result.rowcount)
