"""The worker against hostile loopback receivers: a wall-clock deadline per attempt, answers read
only up to an excerpt, endpoints that do not wait for each other, a prompt stop."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from gmodstore_sandbox.storage.tables import utcnow
from gmodstore_sandbox.webhooks import admin
from gmodstore_sandbox.webhooks.tables import WebhookDelivery
from gmodstore_sandbox.webhooks.worker import ANSWER_EXCERPT, WebhookWorker, WorkerConfig

from .conftest import write_event
from .faults import FaultyReceiver

CREATED = "product_purchase.created"


def purchase_event(engine, seed, *, team: str = "a", user_id: str | None = None) -> str:
    purchase_id = str(uuid.uuid4())
    product, team_id = seed.ids.product_id, seed.ids.team_id
    if team == "b":
        product, team_id = seed.ids.other_team_product_id, seed.ids.other_team_id
    write_event(
        engine,
        event_type=CREATED,
        purchase_id=purchase_id,
        product_id=product,
        team_id=team_id,
        at=utcnow(),
        user_id=user_id,
    )
    return purchase_id


def attempts(engine) -> list[tuple[int | None, str | None, int]]:
    return [
        (a.status_code, a.error, a.duration_ms)
        for _, log in admin.list_deliveries(engine)
        for a in log
    ]


@pytest.mark.parametrize("mode", ["drip-body", "drip-head"])
def test_a_dripping_receiver_is_cut_off_at_the_deadline(engine, seed, mode):
    with FaultyReceiver(mode, drip_every=0.1) as receiver:
        admin.add_endpoint(engine, team="Team A", url=receiver.url)
        time.sleep(0.002)
        purchase_event(engine, seed)
        worker = WebhookWorker(engine, WorkerConfig(timeout=1.0))
        start = time.monotonic()
        assert worker.run_once() == 1
        elapsed = time.monotonic() - start
        worker.stop()
        receiver.wait_until(lambda r: r.hits[0].closed is not None, timeout=2)
    # Before: httpx's per-read timeout never fired, as a byte came every 0.1 s.
    assert 1.0 <= elapsed < 3.0  # the deadline plus a second, with slack for a loaded machine
    [(status, error, duration_ms)] = attempts(engine)
    if mode == "drip-body":
        assert status == 500  # the status line came in time; its body did not
        assert error == "Deadline: no complete answer within 1 s"
    else:
        assert status is None
        assert error == "Deadline: no complete answer within 1 s"
    assert 1000 <= duration_ms < 2000
    assert receiver.hits[0].closed - receiver.hits[0].arrived < 2.0


def test_only_the_start_of_a_huge_answer_is_read(engine, seed):
    with FaultyReceiver("huge") as receiver:
        admin.add_endpoint(engine, team="Team A", url=receiver.url)
        time.sleep(0.002)
        purchase_event(engine, seed)
        worker = WebhookWorker(engine, WorkerConfig(timeout=5.0))
        start = time.monotonic()
        assert worker.run_once() == 1
        elapsed = time.monotonic() - start
        worker.stop()
        receiver.wait_until(lambda r: r.hits[0].closed is not None, timeout=5)
    [(status, error, _)] = attempts(engine)
    assert status == 500
    assert error == "e" * ANSWER_EXCERPT
    assert elapsed < 3.0  # nowhere near the deadline (5 s), let alone 1 GB
    # The sender hung up long before the 1 GB: only socket buffers' worth was ever sent.
    assert receiver.hits[0].sent_bytes < 64 << 20


def test_a_dripping_endpoint_does_not_hold_back_another(engine, seed):
    """Team A's endpoint drips on every delivery; team B's fast endpoint is not delayed."""
    config = WorkerConfig(timeout=3.0, poll_interval=0.05, endpoint_concurrency=2)
    with FaultyReceiver("drip-body") as slow, FaultyReceiver("fast") as fast:
        admin.add_endpoint(engine, team="Team A", url=slow.url)
        admin.add_endpoint(engine, team="Team B", url=fast.url)
        time.sleep(0.002)
        for _ in range(5):  # more than the slow endpoint's slots: a backlog of its own
            purchase_event(engine, seed)
        worker = WebhookWorker(engine, config)
        worker.start()
        try:
            slow.wait_until(lambda r: len(r.hits) == 2, timeout=3)
            delays = []
            for n in range(1, 4):
                written = time.monotonic()
                purchase_event(engine, seed, team="b")
                fast.wait_until(lambda r, n=n: len(r.hits) == n, timeout=3)
                delays.append(fast.hits[-1].arrived - written)
            assert len(slow.hits) == 2  # its two slots are still busy dripping
        finally:
            start = time.monotonic()
            worker.stop()
            stopped_in = time.monotonic() - start
    assert max(delays) < 2.0, delays
    assert stopped_in < config.timeout + 1


def test_stop_waits_no_longer_than_the_deadline_and_records_the_attempt(engine, seed):
    config = WorkerConfig(timeout=1.5, poll_interval=0.05)
    with FaultyReceiver("drip-body", drip_every=0.05) as slow:
        admin.add_endpoint(engine, team="Team A", url=slow.url)
        time.sleep(0.002)
        purchase_event(engine, seed)
        worker = WebhookWorker(engine, config)
        worker.start()
        slow.wait_until(lambda r: len(r.hits) == 1, timeout=3)
        start = time.monotonic()
        worker.stop()
        stopped_in = time.monotonic() - start
    assert stopped_in < config.timeout + 1
    # The attempt hit its deadline while stopping and was recorded; the delivery is retried.
    with engine.connect() as conn:
        row = conn.execute(select(WebhookDelivery.status, WebhookDelivery.tries)).one()
    assert tuple(row) == ("pending", 1)


def test_stop_gives_back_the_lease_of_an_attempt_that_did_not_finish(engine, seed, monkeypatch):
    """The result cannot be recorded in time (a slow database): the delivery is due again at once,
    and the late result, no longer holding the lease, is dropped."""
    real_record = WebhookWorker._record

    def slow_record(*args, **kwargs):
        time.sleep(1.5)  # waiting for a database connection, say
        return real_record(*args, **kwargs)

    monkeypatch.setattr(WebhookWorker, "_record", slow_record)
    config = WorkerConfig(timeout=0.5, poll_interval=0.05)
    with FaultyReceiver("drip-body", drip_every=0.05) as slow:
        admin.add_endpoint(engine, team="Team A", url=slow.url)
        time.sleep(0.002)
        purchase_event(engine, seed)
        worker = WebhookWorker(engine, config)
        worker.start()
        slow.wait_until(lambda r: len(r.hits) == 1, timeout=3)
        start = time.monotonic()
        worker.stop()
        stopped_in = time.monotonic() - start
        stopped_at = utcnow()
    assert stopped_in < config.timeout + 1
    time.sleep(1.5)  # the late result arrives, and is refused
    with engine.connect() as conn:
        row = conn.execute(
            select(
                WebhookDelivery.status,
                WebhookDelivery.tries,
                WebhookDelivery.lease_token,
                WebhookDelivery.next_attempt_at,
            )
        ).one()
    assert row[:3] == ("pending", 0, None)
    assert row.next_attempt_at <= stopped_at
    assert admin.list_deliveries(engine)[0][1] == []  # no attempt logged
