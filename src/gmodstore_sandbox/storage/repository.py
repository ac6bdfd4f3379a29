"""Repository functions: every query the service runs. Keyword-only arguments, Core statements.

Rows are returned as SQLAlchemy `Row` objects with the columns named in `PURCHASE_COLUMNS`, so the
service can build JSON dicts straight from them without an ORM object in between.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeAlias

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    and_,
    bindparam,
    exists,
    insert,
    literal,
    select,
    update,
)

from .prepared import PreparedSelect
from .tables import AccessToken, OutboxEvent, Product, Purchase, Team, TeamMember, User

__all__ = [
    "HotQueries",
    "PurchaseAccess",
    "add_team_member",
    "find_token",
    "get_product_access",
    "insert_outbox_event",
    "insert_product",
    "insert_purchase",
    "insert_team",
    "insert_token",
    "insert_purchases_bulk",
    "insert_user",
    "insert_users_bulk",
    "list_purchases",
    "lock_purchase",
    "set_purchase_revoked",
    "user_exists",
]

PurchaseRow: TypeAlias = Row  # [uuid.UUID, uuid.UUID, uuid.UUID, bool, datetime, datetime]
"""``(id, user_id, product_id, revoked, created_at, updated_at)``."""
AccessRow: TypeAlias = Row  # [uuid.UUID, bool]
"""``(team_id, is_member)``."""
TokenRow: TypeAlias = Row  # [str, uuid.UUID, str, datetime | None]
PageRow: TypeAlias = Row  # [int, uuid.UUID, uuid.UUID, uuid.UUID, bool, datetime, datetime]

PURCHASE_COLUMNS = (
    Purchase.id,
    Purchase.user_id,
    Purchase.product_id,
    Purchase.revoked,
    Purchase.created_at,
    Purchase.updated_at,
)

_is_member = (
    exists()
    .where(TeamMember.team_id == Product.team_id, TeamMember.user_id == bindparam("user_id"))
    .label("is_member")
)

# Built once: the hot path (GET one purchase) skips statement construction entirely.
_PRODUCT_ACCESS = select(Product.team_id, _is_member).where(Product.id == bindparam("product_id"))

_PURCHASE_WITH_ACCESS = (
    select(Product.team_id, _is_member, *PURCHASE_COLUMNS)
    .select_from(Product)
    .outerjoin(
        Purchase,
        and_(Purchase.product_id == Product.id, Purchase.id == bindparam("purchase_id")),
    )
    .where(Product.id == bindparam("product_id"))
)

_FIND_TOKEN = select(
    AccessToken.token_hash, AccessToken.user_id, AccessToken.scopes, AccessToken.expires_at
).where(AccessToken.token_hash == bindparam("token_hash"))


def get_product_access(
    conn: Connection, *, product_id: uuid.UUID, user_id: uuid.UUID
) -> AccessRow | None:
    """``(team_id, is_member)`` of a product for `user_id`; None if there is no such product."""
    return conn.execute(_PRODUCT_ACCESS, {"product_id": product_id, "user_id": user_id}).first()


class PurchaseAccess(NamedTuple):
    """A row of `HotQueries.get_purchase_with_access`: ``(team_id, is_member, *purchase columns)``.

    The purchase fields are None when the purchase does not exist or belongs to another product.
    """

    team_id: uuid.UUID
    is_member: bool
    id: uuid.UUID | None
    user_id: uuid.UUID | None
    product_id: uuid.UUID | None
    revoked: bool | None
    created_at: datetime | None
    updated_at: datetime | None


class HotQueries:
    """The GET-one-purchase query, prepared for one engine (see `PreparedSelect`)."""

    def __init__(self, engine: Engine) -> None:
        self._purchase_with_access = PreparedSelect(engine, _PURCHASE_WITH_ACCESS)

    def get_purchase_with_access(
        self, *, product_id: uuid.UUID, purchase_id: uuid.UUID | None, user_id: uuid.UUID
    ) -> PurchaseAccess | None:
        """One round trip; None when the product does not exist."""
        params = {"product_id": product_id, "purchase_id": purchase_id, "user_id": user_id}
        row = self._purchase_with_access.first(params)
        return None if row is None else PurchaseAccess(*row)


def find_token(conn: Connection, *, token_hash: str) -> TokenRow | None:
    """``(token_hash, user_id, scopes, expires_at)`` of the token with this SHA-256 hex digest."""
    return conn.execute(_FIND_TOKEN, {"token_hash": token_hash}).first()


def user_exists(conn: Connection, *, user_id: uuid.UUID) -> bool:
    return conn.execute(select(literal(1)).where(User.id == user_id)).first() is not None


def insert_purchase(
    conn: Connection,
    *,
    purchase_id: uuid.UUID,
    product_id: uuid.UUID,
    user_id: uuid.UUID,
    revoked: bool = False,
    now: datetime,
) -> PurchaseRow:
    """Insert a purchase; `sqlalchemy.exc.IntegrityError` if the user already owns the product."""
    values = {
        "id": purchase_id,
        "product_id": product_id,
        "user_id": user_id,
        "revoked": revoked,
        "created_at": now,
        "updated_at": now,
    }
    conn.execute(insert(Purchase).values(values))
    return conn.execute(select(*PURCHASE_COLUMNS).where(Purchase.id == purchase_id)).one()


def lock_purchase(
    conn: Connection, *, product_id: uuid.UUID, purchase_id: uuid.UUID
) -> PurchaseRow | None:
    """The purchase, row-locked for update (PostgreSQL; SQLite holds the database write lock)."""
    stmt = (
        select(*PURCHASE_COLUMNS)
        .where(Purchase.id == purchase_id, Purchase.product_id == product_id)
        .with_for_update()
    )
    return conn.execute(stmt).first()


def set_purchase_revoked(
    conn: Connection, *, purchase_id: uuid.UUID, revoked: bool, now: datetime
) -> PurchaseRow:
    conn.execute(
        update(Purchase).where(Purchase.id == purchase_id).values(revoked=revoked, updated_at=now)
    )
    return conn.execute(select(*PURCHASE_COLUMNS).where(Purchase.id == purchase_id)).one()


def list_purchases(
    conn: Connection,
    *,
    product_id: uuid.UUID,
    after_seq: int | None = None,
    before_seq: int | None = None,
    revoked: bool | None = None,
    user_ids: Sequence[uuid.UUID] | None = None,
    limit: int,
) -> Sequence[PageRow]:
    """Up to `limit` purchases as ``(seq, *purchase columns)``, keyset-paginated on ``seq``.

    With `before_seq` the rows come back in descending order (the caller reverses them).
    """
    stmt = select(Purchase.seq, *PURCHASE_COLUMNS).where(Purchase.product_id == product_id)
    if revoked is not None:
        stmt = stmt.where(Purchase.revoked == revoked)
    if user_ids is not None:
        stmt = stmt.where(Purchase.user_id.in_(user_ids))
    if before_seq is not None:
        stmt = stmt.where(Purchase.seq < before_seq).order_by(Purchase.seq.desc())
    else:
        if after_seq is not None:
            stmt = stmt.where(Purchase.seq > after_seq)
        stmt = stmt.order_by(Purchase.seq.asc())
    return conn.execute(stmt.limit(limit)).all()


def insert_outbox_event(
    conn: Connection,
    *,
    event_type: str,
    purchase_id: uuid.UUID,
    product_id: uuid.UUID | None,
    team_id: uuid.UUID,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    """Only `gmodstore_sandbox.webhooks.events.emit` calls this (it checks the event type)."""
    conn.execute(
        insert(OutboxEvent).values(
            id=uuid.uuid4(),
            event_type=event_type,
            purchase_id=purchase_id,
            product_id=product_id,
            team_id=team_id,
            payload=payload,
            created_at=now,
        )
    )


def insert_user(conn: Connection, *, user_id: uuid.UUID, name: str | None, now: datetime) -> None:
    conn.execute(insert(User).values(id=user_id, name=name, created_at=now))


def insert_team(conn: Connection, *, team_id: uuid.UUID, name: str, now: datetime) -> None:
    conn.execute(insert(Team).values(id=team_id, name=name, created_at=now))


def add_team_member(
    conn: Connection, *, team_id: uuid.UUID, user_id: uuid.UUID, role: str = "member"
) -> None:
    conn.execute(insert(TeamMember).values(team_id=team_id, user_id=user_id, role=role))


def insert_product(
    conn: Connection, *, product_id: uuid.UUID, team_id: uuid.UUID, name: str, now: datetime
) -> None:
    conn.execute(insert(Product).values(id=product_id, team_id=team_id, name=name, created_at=now))


def insert_token(
    conn: Connection,
    *,
    token_hash: str,
    user_id: uuid.UUID,
    scopes: Sequence[str],
    name: str | None,
    expires_at: datetime | None,
    now: datetime,
) -> None:
    conn.execute(
        insert(AccessToken).values(
            token_hash=token_hash,
            user_id=user_id,
            scopes=" ".join(scopes),
            name=name,
            expires_at=expires_at,
            created_at=now,
        )
    )


def insert_users_bulk(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many users (``id``, ``name``, ``created_at``) in one executemany."""
    if rows:
        conn.execute(insert(User), list(rows))


def insert_purchases_bulk(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many purchases in one executemany (seeding only: no outbox events)."""
    if rows:
        conn.execute(insert(Purchase), list(rows))
