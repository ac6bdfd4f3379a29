"""SQLAlchemy 2 typed tables.

``Base.metadata`` is shared with ``gmodstore_sandbox.webhooks``, which adds its own delivery tables
and reads `OutboxEvent` rows written here in the same transaction as each purchase change.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..identity import defaults as profile

__all__ = [
    "AccessToken",
    "Base",
    "OutboxEvent",
    "Product",
    "Purchase",
    "RateLimitWindow",
    "SandboxSetting",
    "Team",
    "TeamMember",
    "User",
    "UTCDateTime",
    "utcnow",
]

# SQLite has no BIGINT rowid alias: only INTEGER PRIMARY KEY autoincrements there.
_SeqType = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (naive in SQLite, timestamptz in PostgreSQL)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)  # type: ignore[no-any-return]
        return value.astimezone(timezone.utc)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    """Declarative base of every sandbox table (``Base.metadata``)."""

    type_annotation_map = {datetime: UTCDateTime, uuid.UUID: Uuid(as_uuid=True)}


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Profile (gmodstore_sandbox.identity); every column has a default so bare inserts still work.
    steam_id: Mapped[int] = mapped_column(BigInteger, unique=True, default=profile.steam_id)
    slug: Mapped[str] = mapped_column(String(120), unique=True, default=profile.user_slug)
    email: Mapped[str] = mapped_column(String(200), default=profile.email)
    country_code: Mapped[str | None] = mapped_column(String(2))
    avatar_url: Mapped[str] = mapped_column(String(300), default=profile.avatar_url)
    bio: Mapped[str] = mapped_column(Text, default='""')
    last_action_at: Mapped[datetime] = mapped_column(default=utcnow)
    permission_group_id: Mapped[uuid.UUID | None] = mapped_column()
    """None: the default permission group (``identity.defaults.DEFAULT_GROUP_ID``)."""
    totp_secret: Mapped[str] = mapped_column(String(64), default=profile.totp_secret)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    description: Mapped[str] = mapped_column(Text, default='""')
    settings: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()
    """Set by ``deleteTeam``: the team is gone from the API, its products and purchases stay."""


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), default="member")
    percentage: Mapped[int | None] = mapped_column(Integer)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    slug: Mapped[str] = mapped_column(String(120), unique=True, default=profile.product_slug)
    short_description: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(Integer, default=999)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    views: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    active_tenants: Mapped[str] = mapped_column(String(200), default="gmodstore.com")
    """Space-separated tenant names (``X-Tenant``) the product is listed on."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Purchase(Base):
    """One user's purchase of one product.

    ``seq`` is the keyset-pagination key: it only grows, so a cursor "after seq N" never skips or
    repeats a row that existed when paging began.
    """

    __tablename__ = "purchases"
    __table_args__ = (
        UniqueConstraint("product_id", "user_id", name="uq_purchases_product_user"),
        Index("ix_purchases_product_seq", "product_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    revoked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessToken(Base):
    """A personal access token. Only the SHA-256 hex digest of the token is stored."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    scopes: Mapped[str] = mapped_column(Text)  # up to all 39 abilities
    """Space-separated scope names."""
    name: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    public_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    """The ``PersonalAccessToken.id`` of the API."""
    last_used_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxEvent(Base):
    """A change waiting for webhook delivery, written in the change's own transaction by
    `gmodstore_sandbox.webhooks.events.emit` (the only writer).

    ``payload`` is the webhook body: ``{"eventType": ..., "data": <resource JSON>}``.
    Delivery state lives in the webhooks package's own tables; this table is append-only.
    """

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    event_type: Mapped[str] = mapped_column(String(64))
    purchase_id: Mapped[uuid.UUID] = mapped_column(index=True)
    """The id of the event's resource (named after the first resource that had events)."""
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    team_id: Mapped[uuid.UUID] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateLimitWindow(Base):
    """The current fixed rate-limit window of one key (a token hash, or a client address).

    Shared by every server process on the database; see `gmodstore_sandbox.ratelimit`.
    """

    __tablename__ = "rate_limit_windows"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    started_at: Mapped[float] = mapped_column(Float(precision=53))
    """UTC epoch seconds at which the window opened."""
    hits: Mapped[int] = mapped_column(Integer)


class SandboxSetting(Base):
    """Values generated once per database and shared by every process (the cursor key)."""

    __tablename__ = "sandbox_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
