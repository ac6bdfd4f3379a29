"""Setting up data by hand: users, teams, products, tokens, and the test and demo seeds.

These functions bypass the API (and so write no outbox events); the CLI and the testing helper
use them. Ids are returned as strings, the way they appear on the wire.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from .content import tables as _content_tables  # noqa: F401 - registers them before create_all
from .identity import seed as identity_seed
from .identity.scopes import NAMED_SCOPES
from .service import READ, WRITE_SCOPE, hash_token
from .storage import repository as repo
from .storage.db import WRITE
from .storage.tables import utcnow
from .tickets import tables as _ticket_tables  # noqa: F401 - registers them before create_all

__all__ = [
    "ALL_SCOPES",
    "DemoSeed",
    "SeedIds",
    "SeedTokens",
    "SandboxSeed",
    "add_team_member",
    "create_product",
    "create_team",
    "create_token",
    "create_user",
    "new_token_string",
    "seed_demo",
    "seed_testing",
]

ALL_SCOPES = (READ, WRITE_SCOPE)


def new_token_string() -> str:
    """A fresh personal access token (shown once; only its hash is stored)."""
    return "gms_" + secrets.token_urlsafe(32)


def create_user(engine: Engine, *, name: str | None = None, steam_id: int | None = None) -> str:
    """Create a user (random SteamID64 unless `steam_id` is given); returns its id.

    Raises `sqlalchemy.exc.IntegrityError` if another user has that SteamID64.
    """
    user_id = uuid.uuid4()
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        repo.insert_user(conn, user_id=user_id, name=name, now=utcnow())
        if steam_id is not None:
            identity_seed.set_steam_id(conn, user_id, steam_id)
    return str(user_id)


def create_team(
    engine: Engine, *, name: str, owner_id: str | None = None, member_ids: Iterable[str] = ()
) -> str:
    team_id = uuid.uuid4()
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        repo.insert_team(conn, team_id=team_id, name=name, now=utcnow())
        if owner_id is not None:
            repo.add_team_member(conn, team_id=team_id, user_id=uuid.UUID(owner_id), role="owner")
        for member in member_ids:
            if member != owner_id:
                repo.add_team_member(conn, team_id=team_id, user_id=uuid.UUID(member))
    return str(team_id)


def add_team_member(engine: Engine, *, team_id: str, user_id: str) -> None:
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        repo.add_team_member(conn, team_id=uuid.UUID(team_id), user_id=uuid.UUID(user_id))


def create_product(engine: Engine, *, team_id: str, name: str) -> str:
    product_id = uuid.uuid4()
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        repo.insert_product(
            conn, product_id=product_id, team_id=uuid.UUID(team_id), name=name, now=utcnow()
        )
    return str(product_id)


def create_token(
    engine: Engine,
    *,
    user_id: str,
    scopes: Sequence[str] = ALL_SCOPES,
    name: str | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Store a new token for `user_id` and return its plaintext (the only time it is available)."""
    token = new_token_string()
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        repo.insert_token(
            conn,
            token_hash=hash_token(token),
            user_id=uuid.UUID(user_id),
            scopes=list(scopes),
            name=name,
            expires_at=expires_at,
            now=utcnow(),
        )
    return token


@dataclass(frozen=True)
class SeedIds:
    """Ids created by `seed_testing` (see docs/ARCHITECTURE.md)."""

    team_id: str
    other_team_id: str
    owner_user_id: str
    other_owner_user_id: str
    product_id: str
    empty_product_id: str
    other_team_product_id: str
    purchase_ids: list[str] = field(default_factory=list)
    owner_user_ids: list[str] = field(default_factory=list)
    revoked_purchase_ids: list[str] = field(default_factory=list)
    free_user_ids: list[str] = field(default_factory=list)
    other_team_purchase_ids: list[str] = field(default_factory=list)
    # Identity data (gmodstore_sandbox.identity.seed.testing).
    staff_user_id: str = ""
    inactive_product_id: str = ""
    rust_product_id: str = ""
    banned_user_id: str = ""
    active_ban_id: str = ""
    seller_group_id: str = ""
    review_ids: list[str] = field(default_factory=list)
    """Reviews of product_id by its first 10 buyers; ratings 5, 4, 3, 2, 1, 5, 4, 3, 2, 1."""
    ticket_ids: list[str] = field(default_factory=list)
    """Tickets of product_id (tickets.admin.SEED_TICKETS): awaiting_agent, awaiting_customer,
    on_hold, locked, and a hidden one; opened by its first 5 buyers (ticket_customer_ids)."""
    ticket_customer_ids: list[str] = field(default_factory=list)
    ticket_tag_ids: list[str] = field(default_factory=list)
    """Team A's tag catalogue: bug, question, refund (team B has one tag, urgent)."""
    other_team_ticket_ids: list[str] = field(default_factory=list)
    log_request_ids: list[str] = field(default_factory=list)
    """An open log request on the first ticket."""


@dataclass(frozen=True)
class SeedTokens:
    token: str
    read_token: str
    write_token: str
    other_team_token: str
    expired_token: str
    staff_token: str = ""
    """The staff user's token, ability ``*``."""


@dataclass(frozen=True)
class SandboxSeed:
    ids: SeedIds
    tokens: SeedTokens


def _users(conn: Connection, count: int, prefix: str, now: datetime) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    rows = [{"id": u, "name": f"{prefix} {i + 1}", "created_at": now} for i, u in enumerate(ids)]
    repo.insert_users_bulk(conn, rows=rows)
    return ids


def _purchases(
    product_id: uuid.UUID, users: Sequence[uuid.UUID], revoked: set[int], start: datetime
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i, user in enumerate(users):
        at = start + timedelta(seconds=i)
        rows.append(
            {
                "id": uuid.uuid4(),
                "product_id": product_id,
                "user_id": user,
                "revoked": i in revoked,
                "created_at": at,
                "updated_at": at,
            }
        )
    return rows


def _testing_teams(
    conn: Connection,
    teams: tuple[uuid.UUID, uuid.UUID],
    staff: tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID],
    now: datetime,
) -> None:
    """Team A: owner, reader and writer; team B: its owner."""
    (team_a, team_b), (owner, reader, writer, other_owner) = teams, staff
    repo.insert_team(conn, team_id=team_a, name="Team A", now=now)
    repo.insert_team(conn, team_id=team_b, name="Team B", now=now)
    repo.add_team_member(conn, team_id=team_a, user_id=owner, role="owner")
    repo.add_team_member(conn, team_id=team_a, user_id=reader)
    repo.add_team_member(conn, team_id=team_a, user_id=writer)
    repo.add_team_member(conn, team_id=team_b, user_id=other_owner, role="owner")


def _testing_tokens(
    engine: Engine,
    owner: uuid.UUID,
    reader: uuid.UUID,
    writer: uuid.UUID,
    other_owner: uuid.UUID,
    now: datetime,
    staff: str,
) -> SeedTokens:
    return SeedTokens(
        token=create_token(engine, user_id=str(owner), scopes=NAMED_SCOPES, name="owner"),
        read_token=create_token(engine, user_id=str(reader), scopes=[READ], name="read"),
        write_token=create_token(engine, user_id=str(writer), scopes=[WRITE_SCOPE], name="write"),
        other_team_token=create_token(
            engine, user_id=str(other_owner), scopes=NAMED_SCOPES, name="other team"
        ),
        expired_token=create_token(
            engine, user_id=str(owner), name="expired", expires_at=now - timedelta(hours=1)
        ),
        staff_token=create_token(engine, user_id=staff, scopes=["*"], name="staff"),
    )


def seed_testing(
    engine: Engine, *, purchases: int = 30, free_users: int = 30, other_purchases: int = 5
) -> SandboxSeed:
    """A small, fast seed: two teams, three products, `purchases` purchases (every 6th revoked)."""
    now = utcnow()
    start = now - timedelta(days=1)
    team_a, team_b = uuid.uuid4(), uuid.uuid4()
    product, empty, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    revoked = {i for i in range(purchases) if i % 6 == 3}
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        owner, reader, writer, other_owner = _users(conn, 4, "Staff", now)
        buyers = _users(conn, purchases, "Customer", now)
        free = _users(conn, free_users, "Visitor", now)
        _testing_teams(conn, (team_a, team_b), (owner, reader, writer, other_owner), now)
        for pid, team, name in (
            (product, team_a, "Seeded Addon"),
            (empty, team_a, "Empty Addon"),
            (other, team_b, "Other Team Addon"),
        ):
            repo.insert_product(conn, product_id=pid, team_id=team, name=name, now=now)
        rows = _purchases(product, buyers, revoked, start)
        other_rows = _purchases(other, buyers[:other_purchases], set(), start)
        repo.insert_purchases_bulk(conn, rows=rows + other_rows)
        extra = identity_seed.testing(
            conn,
            team_a=team_a,
            team_b=team_b,
            owner=owner,
            users=[*buyers, *free],
            products=(product, empty, other),
            now=now,
        )
    from .content.admin import seed_reviews

    reviews = seed_reviews(
        engine, product_id=str(product), user_ids=[str(b) for b in buyers[:10]], start=start
    )
    from .tickets.admin import seed_tickets

    tickets = seed_tickets(
        engine,
        product_id=str(product),
        other_product_id=str(other),
        # Buyers first; a seed without purchases still has customers to open tickets.
        customers=[str(b) for b in ([*buyers, *free] or [reader])[:5]],
        staff_id=str(owner),
        other_staff_id=str(other_owner),
        team_id=str(team_a),
        other_team_id=str(team_b),
        start=start,
    )
    ids = SeedIds(
        team_id=str(team_a),
        other_team_id=str(team_b),
        owner_user_id=str(owner),
        other_owner_user_id=str(other_owner),
        product_id=str(product),
        empty_product_id=str(empty),
        other_team_product_id=str(other),
        purchase_ids=[str(r["id"]) for r in rows],
        owner_user_ids=[str(r["user_id"]) for r in rows],
        revoked_purchase_ids=[str(r["id"]) for r in rows if r["revoked"]],
        free_user_ids=[str(u) for u in free],
        other_team_purchase_ids=[str(r["id"]) for r in other_rows],
        review_ids=reviews,
        ticket_ids=tickets.ticket_ids,
        ticket_customer_ids=tickets.ticket_customer_ids,
        ticket_tag_ids=tickets.ticket_tag_ids,
        other_team_ticket_ids=tickets.other_team_ticket_ids,
        log_request_ids=tickets.log_request_ids,
        **extra,
    )
    tokens = _testing_tokens(
        engine, owner, reader, writer, other_owner, now, extra["staff_user_id"]
    )
    return SandboxSeed(ids, tokens)


@dataclass(frozen=True)
class DemoSeed:
    """What `seed_demo` created; `token`: the owner's token (every ability but ``*``)."""

    team_id: str
    owner_user_id: str
    member_user_ids: list[str]
    product_ids: list[str]
    user_ids: list[str]
    purchase_count: int
    token: str


def seed_demo(engine: Engine, *, users: int = 50, seed: int = 7) -> DemoSeed:
    """Demo data: a team (owner + 2 members), 3 products, `users` customers who each bought every
    product (one purchase per product and user; about one in ten revoked), and an owner token."""
    rng = random.Random(seed)
    now = utcnow()
    team = uuid.uuid4()
    products = [uuid.uuid4() for _ in range(3)]
    names = ["Advanced Inventory", "Vehicle Dealer", "Police Armory"]
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        owner, *members = _users(conn, 3, "Team member", now)
        customers = _users(conn, users, "Customer", now)
        repo.insert_team(conn, team_id=team, name="Demo Team", now=now)
        repo.add_team_member(conn, team_id=team, user_id=owner, role="owner")
        for member in members:
            repo.add_team_member(conn, team_id=team, user_id=member)
        rows: list[dict[str, object]] = []
        for k, (product, name) in enumerate(zip(products, names, strict=True)):
            repo.insert_product(conn, product_id=product, team_id=team, name=name, now=now)
            buyers = rng.sample(customers, len(customers))
            revoked = {i for i in range(len(buyers)) if rng.random() < 0.1}
            rows += _purchases(product, buyers, revoked, now - timedelta(days=30 - k))
        repo.insert_purchases_bulk(conn, rows=rows)
        identity_seed.demo(
            conn,
            owner=owner,
            members=members,
            customers=customers,
            products=products,
            rng=rng,
            now=now,
        )
    from .content.admin import seed_reviews

    for k, product in enumerate(products):  # a few reviews per product, by its first customers
        reviewers = [str(c) for c in customers[k * 5 : k * 5 + 5]]
        start = now - timedelta(days=9)
        seed_reviews(engine, product_id=str(product), user_ids=reviewers, start=start)
    return DemoSeed(
        team_id=str(team),
        owner_user_id=str(owner),
        member_user_ids=[str(m) for m in members],
        product_ids=[str(p) for p in products],
        user_ids=[str(c) for c in customers],
        purchase_count=len(rows),
        token=create_token(engine, user_id=str(owner), scopes=NAMED_SCOPES, name="demo"),
    )
