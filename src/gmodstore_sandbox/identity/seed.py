"""Identity data for the test and demo seeds: profiles, a staff member, bans, badges, groups,
products on one or both tenants. Called by `gmodstore_sandbox.admin` inside its transactions."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, update

from ..storage.tables import Product, User
from .defaults import STAFF_GROUP_ID
from .storage import insert_badge, insert_ban, insert_permission_group

__all__ = ["HANDLES", "add_ban", "decorate_users", "make_staff", "set_product", "seller_group"]

HANDLES = (
    "Kaiser", "NovaByte", "Rusty Spoon", "xXSniperXx", "Lemonade", "Captain Crunch", "Moonwalker",
    "Vortex", "Pixel Pete", "Doc Holliday", "Gmod Guru", "Frostbite", "Tango Down", "Wobbles",
    "Sir Reginald", "Nightowl", "Banana Bandit", "Zeppelin", "Quantum Quokka", "Bluejay",
)  # fmt: skip
"""Display names for seeded users (suffixed with a number when they run out)."""

COUNTRIES = ("GB", "US", "DE", "FR", "SE", "NL", "PL", "CA", "AU", "BR", None)


def decorate_users(
    conn: Connection,
    user_ids: Sequence[uuid.UUID],
    rng: random.Random,
    *,
    names: bool = False,
    now: datetime,
) -> None:
    """Country codes and last-action times (and, with `names`, display names) for seeded users."""
    for i, user_id in enumerate(user_ids):
        values: dict[str, object] = {
            "country_code": rng.choice(COUNTRIES),
            "last_action_at": now - timedelta(minutes=rng.randrange(1, 60 * 24 * 30)),
        }
        if names:
            round_ = i // len(HANDLES)
            values["name"] = HANDLES[i % len(HANDLES)] + (f" {round_ + 1}" if round_ else "")
        conn.execute(update(User).where(User.id == user_id).values(**values))


def make_staff(conn: Connection, user_id: uuid.UUID) -> None:
    conn.execute(update(User).where(User.id == user_id).values(permission_group_id=STAFF_GROUP_ID))


def seller_group(conn: Connection, now: datetime, members: Sequence[uuid.UUID]) -> uuid.UUID:
    """An editable "Verified Seller" group (lower commission) holding `members`."""
    group_id = uuid.uuid4()
    insert_permission_group(
        conn,
        values={
            "id": group_id,
            "title": "Verified Seller",
            "commission_rate": 15,
            "display_order": 2,
            "hoisted": True,
            "permissions": '{"product.create": true}',
            "created_at": now,
            "updated_at": now,
        },
    )
    conn.execute(update(User).where(User.id.in_(members)).values(permission_group_id=group_id))
    return group_id


def add_ban(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    banner_id: uuid.UUID,
    start: datetime,
    end: datetime | None = None,
    unbanned_by: uuid.UUID | None = None,
    properties: str = "product.purchase product.review",
    reason: str = "Chargeback fraud",
) -> uuid.UUID:
    ban_id = uuid.uuid4()
    insert_ban(
        conn,
        values={
            "id": ban_id,
            "user_id": user_id,
            "banner_id": banner_id,
            "reason": reason,
            "properties": properties,
            "start": start,
            "end": end,
            "unban_id": unbanned_by,
            "unban_reason": None if unbanned_by is None else "Appeal accepted",
        },
    )
    return ban_id


def badges(conn: Connection, user_id: uuid.UUID, badge_ids: Sequence[str], now: datetime) -> None:
    for badge_id in badge_ids:
        insert_badge(conn, user_id=user_id, badge_id=badge_id, now=now)


def set_product(
    conn: Connection,
    product_id: uuid.UUID,
    *,
    slug: str | None = None,
    tenants: str = "gmodstore.com",
    active: bool = True,
    price_cents: int = 999,
    short_description: str | None = None,
) -> None:
    values: dict[str, object] = {
        "active_tenants": tenants,
        "active": active,
        "price_cents": price_cents,
        "short_description": short_description,
    }
    if slug is not None:
        values["slug"] = slug
    conn.execute(update(Product).where(Product.id == product_id).values(**values))


def insert_extra_product(
    conn: Connection, *, team_id: uuid.UUID, name: str, now: datetime
) -> uuid.UUID:
    product_id = uuid.uuid4()
    conn.execute(
        insert(Product).values(
            id=product_id, team_id=team_id, name=name, created_at=now, updated_at=now
        )
    )
    return product_id


def testing(
    conn: Connection,
    *,
    team_a: uuid.UUID,
    team_b: uuid.UUID,
    owner: uuid.UUID,
    users: Sequence[uuid.UUID],
    products: tuple[uuid.UUID, uuid.UUID, uuid.UUID],
    now: datetime,
) -> dict[str, str]:
    """The identity part of `admin.seed_testing`; returns the extra ids (``SeedIds`` fields).

    Team A's product is on gmodstore.com, its empty product on both tenants, team B's product on
    both; team A also gets an unlisted product and team B a rust.pivity.com-only one. A staff user
    (the Staff group) is created; `users[0]` has an active ban, `users[1]` an expired and a lifted
    one.
    """
    rng = random.Random(12)
    product, empty, other = products
    set_product(conn, product, slug="seeded-addon", short_description="The seeded addon")
    set_product(conn, empty, slug="empty-addon", tenants="gmodstore.com rust.pivity.com")
    set_product(conn, other, slug="other-team-addon", tenants="gmodstore.com rust.pivity.com")
    inactive = insert_extra_product(conn, team_id=team_a, name="Unlisted Addon", now=now)
    set_product(conn, inactive, slug="unlisted-addon", active=False)
    rust = insert_extra_product(conn, team_id=team_b, name="Rust Plugin", now=now)
    set_product(conn, rust, slug="rust-plugin", tenants="rust.pivity.com", price_cents=1499)
    staff = uuid.uuid4()
    conn.execute(insert(User).values(id=staff, name="Sandbox Staff", created_at=now))
    make_staff(conn, staff)
    decorate_users(conn, [owner, *users], rng, now=now)
    group = seller_group(conn, now, [owner])
    badges(conn, owner, ["developer", "crown"], now)
    active_ban = None
    if len(users) >= 2:  # (seed_testing can be asked for no customers)
        badges(conn, users[0], ["bought", "first-purchase"], now)
        active_ban = add_ban(conn, user_id=users[0], banner_id=staff, start=now - timedelta(days=2))
        add_ban(
            conn,
            user_id=users[1],
            banner_id=staff,
            start=now - timedelta(days=60),
            end=now - timedelta(days=30),
            properties="forum.post",
            reason="Spam",
        )
        add_ban(
            conn,
            user_id=users[1],
            banner_id=owner,
            start=now - timedelta(days=10),
            unbanned_by=staff,
            properties="everything",
        )
    return {
        "staff_user_id": str(staff),
        "inactive_product_id": str(inactive),
        "rust_product_id": str(rust),
        "banned_user_id": str(users[0]) if active_ban else "",
        "active_ban_id": str(active_ban or ""),
        "seller_group_id": str(group),
    }


def demo(
    conn: Connection,
    *,
    owner: uuid.UUID,
    members: Sequence[uuid.UUID],
    customers: Sequence[uuid.UUID],
    products: Sequence[uuid.UUID],
    rng: random.Random,
    now: datetime,
) -> None:
    """The identity part of `admin.seed_demo`: names, countries, tenants, badges, a ban."""
    decorate_users(conn, [owner, *members, *customers], rng, names=True, now=now)
    seller_group(conn, now, [owner])
    tenants = ("gmodstore.com", "gmodstore.com rust.pivity.com", "rust.pivity.com")
    for product, tenant in zip(products, tenants, strict=False):
        set_product(conn, product, tenants=tenant, price_cents=rng.choice((499, 999, 1499, 2499)))
    badges(conn, owner, ["developer", "crown"], now)
    for customer in customers[:10]:
        badges(conn, customer, ["bought"], now)
    if customers:
        add_ban(conn, user_id=customers[-1], banner_id=owner, start=now - timedelta(days=3))


def set_steam_id(conn: Connection, user_id: uuid.UUID, steam_id: int) -> None:
    conn.execute(update(User).where(User.id == user_id).values(steam_id=steam_id))
