"""Fixtures for the webhook tests: a seeded database without a server, and a fake clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gmodstore_sandbox.admin import SandboxSeed, seed_testing
from gmodstore_sandbox.storage.db import WRITE, create_tables, make_engine
from gmodstore_sandbox.webhooks import events
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
    user_id: str | None = None,
) -> dict:
    """An outbox row as the service writes it (the worker only reads the outbox).

    The user defaults to one derived from the purchase id, the same for every event of it.
    """
    data = {
        "id": purchase_id,
        "userId": user_id or str(uuid.uuid5(uuid.NAMESPACE_URL, purchase_id)),
        "productId": product_id,
        "revoked": revoked,
        "createdAt": "2026-11-25T12:00:00.000000Z",
        "updatedAt": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        events.emit(conn, event_type, team_id=uuid.UUID(team_id), data=data, now=at)
    return {"eventType": event_type, "data": data}
