"""End to end: SDK calls -> sandbox outbox -> worker -> a receiver verifying with the SDK."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from gmodstore_sandbox.storage.db import make_engine
from gmodstore_sandbox.testing import Sandbox, run_sandbox
from gmodstore_sandbox.webhooks import admin
from gmodstore_sdk import ApiClient, Configuration
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
from gmodstore_sdk.webhooks import (
    ProductPurchaseCreatedEvent,
    ProductPurchaseDeletedEvent,
    ProductPurchaseRevokedEvent,
    ProductPurchaseUnrevokedEvent,
)

from .faults import FaultyReceiver
from .receiver import Receiver

POSTGRES_ENV = "GMODSTORE_TEST_POSTGRES_URL"
CREATED = "product_purchase.created"
REVOKED = "product_purchase.revoked"
UNREVOKED = "product_purchase.unrevoked"
DELETED = "product_purchase.deleted"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    # Fast polling and retries for every sandbox these tests start (Settings reads the environment).
    monkeypatch.setenv("GMODSTORE_SANDBOX_WEBHOOK_POLL_INTERVAL", "0.02")
    monkeypatch.setenv("GMODSTORE_SANDBOX_WEBHOOK_RETRY_BACKOFF", "0.05")
    monkeypatch.setenv("GMODSTORE_SANDBOX_WEBHOOK_TIMEOUT", "5")
    if request.param == "sqlite":
        return None
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    return url


@pytest.fixture
def sb(database_url: str | None) -> Iterator[Sandbox]:
    """A sandbox of its own per test (the tests stop and restart it)."""
    with run_sandbox(database_url) as sb:
        yield sb


@pytest.fixture
def engine(sb: Sandbox) -> Iterator[Engine]:
    engine = make_engine(sb.database_url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture
def api(sb: Sandbox) -> Iterator[ProductPurchasesApi]:
    config = Configuration(host=sb.url, access_token=sb.token, api_path="/v3")
    with ApiClient(config) as client:
        yield ProductPurchasesApi(client)


def register(engine: Engine, sb: Sandbox, receiver: Receiver) -> admin.Endpoint:
    endpoint = admin.add_endpoint(engine, team=sb.ids.team_id, url=receiver.url)
    assert endpoint.secret is not None
    receiver.secret = endpoint.secret
    return endpoint


def test_grant_revoke_restore_delete_arrive_verified_and_in_order(sb, engine, api):
    product = sb.ids.product_id
    with Receiver() as receiver:
        register(engine, sb, receiver)
        granted = [
            api.create_product_purchase(product, {"userId": sb.new_user()}).data for _ in range(3)
        ]
        states = {p.id: [p] for p in granted}
        for purchase in granted:
            states[purchase.id].append(
                api.update_product_purchase(product, purchase.id, {"revoked": True}).data
            )
        for purchase in granted[:2]:
            states[purchase.id].append(
                api.update_product_purchase(product, purchase.id, {"revoked": False}).data
            )
        # A request that changes nothing sends nothing.
        api.update_product_purchase(product, granted[0].id, {"revoked": False})
        deleted = admin.delete_purchase(engine, purchase_id=granted[2].id)
        assert deleted is not None

        events = receiver.wait_for_events(3 + 3 + 2 + 1)
        assert receiver.by_purchase() == {
            granted[0].id: [CREATED, REVOKED, UNREVOKED],
            granted[1].id: [CREATED, REVOKED, UNREVOKED],
            granted[2].id: [CREATED, REVOKED, DELETED],
        }
        classes = {
            CREATED: ProductPurchaseCreatedEvent,
            REVOKED: ProductPurchaseRevokedEvent,
            UNREVOKED: ProductPurchaseUnrevokedEvent,
            DELETED: ProductPurchaseDeletedEvent,
        }
        for event in events:
            assert type(event) is classes[event.event_type]
        # Each event carries the purchase exactly as the API returned it after that change.
        for purchase_id, expected in states.items():
            received = [e.data for e in events if e.data.id == purchase_id]
            assert received[: len(expected)] == expected
        assert [e.data for e in events if e.event_type == DELETED] == [states[granted[2].id][-1]]
        assert len({e.webhook_id for e in events}) == len(events)
        assert receiver.duplicates == 0
        assert receiver.rejected == []


def delivery_summary(engine: Engine, endpoint_id: str) -> list[tuple[str, str, int, list[int]]]:
    log = admin.list_deliveries(engine, endpoint_id=endpoint_id)
    return [(d.event_type, d.status, d.tries, [a.status_code for a in a_]) for d, a_ in log]


def test_receiver_failing_its_first_answers_still_gets_every_event(sb, engine, api):
    product = sb.ids.product_id
    with Receiver(fail_first=2) as receiver:
        endpoint = register(engine, sb, receiver)
        purchase = api.create_product_purchase(product, {"userId": sb.new_user()}).data
        api.update_product_purchase(product, purchase.id, {"revoked": True})
        api.update_product_purchase(product, purchase.id, {"revoked": False})
        receiver.wait_for_events(3)
        assert receiver.by_purchase() == {purchase.id: [CREATED, REVOKED, UNREVOKED]}
        assert receiver.requests == 5
        assert receiver.rejected == []

    # The receiver has the last event before the worker records its answer: wait for the log.
    summary = delivery_summary(engine, endpoint.id)
    deadline = time.monotonic() + 10
    while any(status != "delivered" for _, status, _, _ in summary) and time.monotonic() < deadline:
        time.sleep(0.05)
        summary = delivery_summary(engine, endpoint.id)
    assert summary == [
        (UNREVOKED, "delivered", 1, [204]),
        (REVOKED, "delivered", 1, [204]),
        (CREATED, "delivered", 3, [500, 500, 204]),
    ]


def test_undelivered_events_are_sent_after_a_restart(sb, engine, api, monkeypatch):
    product = sb.ids.product_id
    # Slow retries, so that the first event is still pending when the sandbox stops.
    monkeypatch.setenv("GMODSTORE_SANDBOX_WEBHOOK_RETRY_BACKOFF", "0.5")
    sb.restart()
    with Receiver(fail_first=10**6) as receiver:
        register(engine, sb, receiver)
        purchase = api.create_product_purchase(product, {"userId": sb.new_user()}).data
        receiver.wait_until(lambda r: r.requests >= 1)
        sb.stop()
        # Changes made while no server runs are written to the outbox all the same.
        assert admin.delete_purchase(engine, purchase_id=purchase.id) is not None
        other = sb.ids.purchase_ids[0]
        assert admin.delete_purchase(engine, purchase_id=other) is not None
        assert receiver.events == []
        receiver.fail_first = 0
        sb.start()
        receiver.wait_for_events(3)
        assert receiver.by_purchase() == {purchase.id: [CREATED, DELETED], other: [DELETED]}
        assert receiver.rejected == []


def test_a_regrant_waits_for_the_failed_deletion_before_it(sb, engine, api):
    """Delete P1, grant the same user P2, P1's deletion fails its first attempt: the receiver
    still sees created(P1), deleted(P1), created(P2), in that order."""
    product = sb.ids.product_id
    user = sb.new_user()
    with Receiver(fail_once=frozenset({DELETED})) as receiver:
        register(engine, sb, receiver)
        p1 = api.create_product_purchase(product, {"userId": user}).data
        assert admin.delete_purchase(engine, purchase_id=p1.id) is not None
        p2 = api.create_product_purchase(product, {"userId": user}).data
        events = receiver.wait_for_events(3)
        assert [(e.event_type, e.data.id) for e in events] == [
            (CREATED, p1.id),
            (DELETED, p1.id),
            (CREATED, p2.id),
        ]
        assert receiver.requests == 4


def test_a_dripping_team_endpoint_does_not_delay_another_team(sb, engine, api):
    """Team A's receiver drips on every delivery (deadline 5 s here); team B's events reach its
    fast receiver at once."""
    config = Configuration(host=sb.url, access_token=sb.other_team_token, api_path="/v3")
    with (
        FaultyReceiver("drip-body", drip_every=0.1) as slow,
        FaultyReceiver("fast") as fast,
        ApiClient(config) as client,
    ):
        admin.add_endpoint(engine, team=sb.ids.team_id, url=slow.url)
        admin.add_endpoint(engine, team=sb.ids.other_team_id, url=fast.url)
        for _ in range(6):
            api.create_product_purchase(sb.ids.product_id, {"userId": sb.new_user()})
        slow.wait_until(lambda r: len(r.hits) >= 4, timeout=5)
        other_team = ProductPurchasesApi(client)
        delays = []
        for n in range(1, 4):
            other_team.create_product_purchase(
                sb.ids.other_team_product_id, {"userId": sb.new_user()}
            )
            answered = time.monotonic()
            fast.wait_until(lambda r, n=n: len(r.hits) >= n, timeout=5)
            delays.append(fast.hits[n - 1].arrived - answered)
        assert all(h.closed is None for h in slow.hits)  # still dripping meanwhile
        assert max(delays) < 2.0, delays
        sb.stop()  # within the sandbox's deadline, while team A's attempts still drip


def test_removing_an_endpoint_while_an_attempt_is_being_recorded(sb, engine):
    """The worker's transaction (attempt row inserted, not yet committed) and `remove` racing:
    `remove` waits for it, then deletes the attempt too (PostgreSQL raised a foreign key error)."""
    import threading
    from datetime import timedelta

    from gmodstore_sandbox.storage.db import WRITE
    from gmodstore_sandbox.storage.tables import utcnow
    from gmodstore_sandbox.webhooks import store

    sb.stop()  # no worker of its own: this test plays the worker
    endpoint = admin.add_endpoint(engine, team=sb.ids.team_id, url="http://127.0.0.1:9/hook")
    assert admin.delete_purchase(engine, purchase_id=sb.ids.purchase_ids[0]) is not None
    now = utcnow() + timedelta(seconds=1)
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        store.fan_out(conn, now=now, grace=timedelta(seconds=60), limit=10)
        [due] = store.due_deliveries(conn, now=now, limit=10, per_endpoint=4)
        store.claim_deliveries(
            conn, delivery_ids=[due.id], now=now, lease_until=now, lease_token="t"
        )
    removed: list[object] = []
    with engine.connect().execution_options(**WRITE) as worker, worker.begin():
        store.record_attempt(
            worker,
            delivery_id=due.id,
            lease_token="t",
            attempt=1,
            url="http://127.0.0.1:9/hook",
            started_at=now,
            duration_ms=1,
            status_code=500,
            error=None,
            delivered=False,
            retry_at=now,
            now=now,
        )
        remover = threading.Thread(
            target=lambda: removed.append(admin.remove_endpoint(engine, endpoint_id=endpoint.id))
        )
        remover.start()
        time.sleep(0.5)  # `remove` is now waiting for this transaction
    remover.join(30)
    assert removed == [True]
    assert admin.list_deliveries(engine) == []


def test_a_change_through_the_api_is_sent_without_waiting_for_the_poll(database_url, monkeypatch):
    monkeypatch.setenv("GMODSTORE_SANDBOX_WEBHOOK_POLL_INTERVAL", "30")
    with run_sandbox(database_url) as sb, Receiver() as receiver:
        engine = make_engine(sb.database_url, pool_size=1)
        try:
            register(engine, sb, receiver)
        finally:
            engine.dispose()
        config = Configuration(host=sb.url, access_token=sb.token, api_path="/v3")
        with ApiClient(config) as client:
            api = ProductPurchasesApi(client)
            receiver.wait_until(lambda r: True)
            time.sleep(0.5)  # the worker is now in its 30 s wait
            start = time.monotonic()
            api.create_product_purchase(sb.ids.product_id, {"userId": sb.new_user()})
            receiver.wait_for_events(1, timeout=5)
        assert time.monotonic() - start < 2.0


def test_a_fan_out_racing_an_endpoint_delete_skips_the_deleted_endpoint(sb, engine):
    """Issue 10: on PostgreSQL a fan-out that read the endpoints while `delete_endpoint` was
    running inserted deliveries for the endpoint being deleted: a foreign key error once the
    delete committed, and the whole batch (other endpoints' deliveries too) rolled back."""
    import threading
    import uuid
    from datetime import timedelta

    from sqlalchemy import select

    from gmodstore_sandbox.storage.db import WRITE
    from gmodstore_sandbox.storage.tables import utcnow
    from gmodstore_sandbox.webhooks import store
    from gmodstore_sandbox.webhooks.tables import WebhookDelivery

    sb.stop()  # no worker of its own: this test plays the worker
    kept = admin.add_endpoint(engine, team=sb.ids.team_id, url="http://127.0.0.1:9/kept")
    doomed = admin.add_endpoint(engine, team=sb.ids.team_id, url="http://127.0.0.1:9/doomed")
    assert admin.delete_purchase(engine, purchase_id=sb.ids.purchase_ids[0]) is not None
    now = utcnow() + timedelta(seconds=1)
    outcome: list[object] = []

    def fan_out() -> None:
        try:
            with engine.connect().execution_options(**WRITE) as conn, conn.begin():
                outcome.append(store.fan_out(conn, now=now, grace=timedelta(seconds=60), limit=10))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome.append(exc)

    with engine.connect().execution_options(**WRITE) as remover, remover.begin():
        assert store.delete_endpoint(remover, endpoint_id=uuid.UUID(doomed.id))
        worker = threading.Thread(target=fan_out)
        worker.start()
        time.sleep(0.5)  # the fan-out is now waiting for the delete to commit
    worker.join(30)
    assert outcome == [1]
    with engine.connect() as conn:  # no orphan: the one delivery is the kept endpoint's
        rows = conn.execute(select(WebhookDelivery.endpoint_id)).scalars().all()
    assert [str(endpoint) for endpoint in rows] == [kept.id]
