"""The demo data of ``serve --demo`` and ``seed``: seeded into an empty database once, then reused.

Seeding again on every start would leave several "Demo Team"s (and commands that name the team
would then refuse to guess). Tokens are stored hashed, so the demo token of an earlier run cannot
be printed again: a reused database comes with the command that mints a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from .admin import seed_demo
from .storage.tables import Product, Purchase, Team, TeamMember

__all__ = ["DEMO_TEAM", "DemoSummary", "find_demo", "seed_once"]

DEMO_TEAM = "Demo Team"


@dataclass(frozen=True)
class DemoSummary:
    """What the demo database holds, and a sample product, purchase and customer for examples."""

    team_id: str
    owner_user_id: str
    product_ids: list[str]
    customers: int
    purchases: int
    sample_product_id: str
    sample_purchase_id: str
    sample_customer_id: str
    token: str | None
    """The new demo token's plaintext, when this run seeded; ``None`` for a reused database."""


def find_demo(engine: Engine, token: str | None = None) -> DemoSummary | None:
    """The demo data already in the database (the oldest "Demo Team"), if any."""
    with engine.connect() as conn:
        team = conn.execute(
            select(Team.id).where(Team.name == DEMO_TEAM).order_by(Team.created_at).limit(1)
        ).scalar()
        if team is None:
            return None
        owner = conn.execute(
            select(TeamMember.user_id).where(TeamMember.team_id == team, TeamMember.role == "owner")
        ).scalar()
        products = list(
            conn.execute(
                select(Product.id).where(Product.team_id == team).order_by(Product.name)
            ).scalars()
        )
        in_team = Purchase.product_id.in_(products)
        purchases, customers = conn.execute(
            select(func.count(), func.count(func.distinct(Purchase.user_id))).where(in_team)
        ).one()
        sample = conn.execute(
            select(Purchase.product_id, Purchase.id, Purchase.user_id)
            .where(in_team, Purchase.revoked.is_(False))
            .order_by(Purchase.seq)
            .limit(1)
        ).first()
    if owner is None or sample is None:
        return None
    return DemoSummary(
        team_id=str(team),
        owner_user_id=str(owner),
        product_ids=[str(p) for p in products],
        customers=int(customers),
        purchases=int(purchases),
        sample_product_id=str(sample[0]),
        sample_purchase_id=str(sample[1]),
        sample_customer_id=str(sample[2]),
        token=token,
    )


def seed_once(engine: Engine, *, users: int = 50) -> tuple[DemoSummary, bool]:
    """The demo data: seeded now if the database has none. Returns it and whether it was new."""
    found = find_demo(engine)
    if found is not None:
        return found, False
    seed = seed_demo(engine, users=users)
    summary = find_demo(engine, token=seed.token)
    assert summary is not None  # just written
    return summary, True
