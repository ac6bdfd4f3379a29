"""Tables of the identity area, on the shared ``Base.metadata``.

The profile columns of users, teams, products and tokens live on those tables
(``storage.tables``); the resources only this area knows live here.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    insert,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..storage.tables import Base, utcnow
from .defaults import DEFAULT_GROUP_ID, STAFF_GROUP_ID

__all__ = ["PermissionGroup", "TwoFactorNonce", "UserBadge", "UserBan"]

_SeqType = BigInteger().with_variant(Integer(), "sqlite")


class PermissionGroup(Base):
    """A site-wide permission group (``PermissionGroup``); every user belongs to one."""

    __tablename__ = "permission_groups"

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(100))
    commission_rate: Mapped[int | None] = mapped_column(Integer)
    display_order: Mapped[int] = mapped_column(Integer, default=0)
    is_default: Mapped[bool] = mapped_column(default=False)
    editable: Mapped[bool] = mapped_column(default=True)
    hoisted: Mapped[bool] = mapped_column(default=False)
    staff: Mapped[bool] = mapped_column(default=False)
    """Members may award badges and create, change and delete permission groups."""
    permissions: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserBadge(Base):
    """A badge (``badge_id`` of the catalogue) awarded to a user."""

    __tablename__ = "user_badges"
    __table_args__ = (UniqueConstraint("user_id", "badge_id", name="uq_user_badges"),)

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    badge_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserBan(Base):
    """A ban of a user (seeded: the API only reads bans)."""

    __tablename__ = "user_bans"

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    banner_id: Mapped[uuid.UUID | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(500))
    properties: Mapped[str] = mapped_column(String(500), default="everything")
    """Space-separated ``UserBanProperty`` values."""
    start: Mapped[datetime] = mapped_column(default=utcnow)
    end: Mapped[datetime | None] = mapped_column()
    unban_id: Mapped[uuid.UUID | None] = mapped_column()
    unban_reason: Mapped[str | None] = mapped_column(String(500))


class TwoFactorNonce(Base):
    """A nonce from ``exchangeTotpForNonce``: single use, short-lived, stored hashed."""

    __tablename__ = "two_factor_nonces"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


@event.listens_for(PermissionGroup.__table__, "after_create")
def _builtin_groups(target: Table, connection: Connection, **_kw: Any) -> None:
    # Every user needs a group (``User.permissionGroupId`` is required): the two built-in ones
    # exist as soon as the table does, whatever seeds the database.
    now = utcnow()
    common = {"created_at": now, "updated_at": now, "permissions": "{}", "editable": False}
    connection.execute(
        insert(target),
        [
            {
                "id": DEFAULT_GROUP_ID,
                "title": "Member",
                "display_order": 0,
                "is_default": True,
                "hoisted": False,
                "staff": False,
                "commission_rate": 25,
                **common,
            },
            {
                "id": STAFF_GROUP_ID,
                "title": "Staff",
                "display_order": 1,
                "is_default": False,
                "hoisted": True,
                "staff": True,
                "commission_rate": 0,
                **common,
            },
        ],
    )
