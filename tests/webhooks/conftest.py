"""Fixtures for the webhook tests: a seeded database without a server, and a fake clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gmodstore_sandbox.admin import SandboxSeed, seed_testing
from gmodstore_sandbox.storage import repository as repo
from gmodstore_sandbox.storage.db import WRITE, create_tables, make_engine
from gmodstore_sandbox.webhooks import tables as _webhook_tables  # noqa: F401 (registers tables)


class Clock:
    """A settable clock for the worker (`WebhookWorker(clock=...)`)."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'webhooks.db'}", pool_size=4)
    create_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def seed(engine: Engine) -> SandboxSeed:
    return seed_testing(engine, purchases=6, free_users=2, other_purchases=2)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def write_event(
    engine: Engine,
    *,
    event_type: str,
    purchase_id: str,
    product_id: str,
    team_id: str,
    at: datetime,
    revoked: bool = False,
) -> dict:
    """An outbox row as the service writes it (the worker only reads the outbox)."""
    data = {
        "id": purchase_id,
        "userId": str(uuid.uuid4()),
        "productId": product_id,
        "revoked": revoked,
        "createdAt": "2026-11-25T12:00:00.000000Z",
        "updatedAt": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    payload = {"eventType": event_type, "data": data}
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        repo.insert_outbox_event(
            conn,
            event_type=event_type,
            purchase_id=uuid.UUID(purchase_id),
            product_id=uuid.UUID(product_id),
            team_id=uuid.UUID(team_id),
            payload=payload,
            now=at,
        )
    return payload
