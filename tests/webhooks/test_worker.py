"""The delivery worker against a mock transport and a fake clock: no server, no sleeping."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from gmodstore_sandbox.storage.db import WRITE
from gmodstore_sandbox.storage.tables import OutboxEvent, Purchase, utcnow
from gmodstore_sandbox.webhooks import admin, store
from gmodstore_sandbox.webhooks.tables import (
    WebhookCursor,
    WebhookDelivery,
    WebhookFanout,
)
from gmodstore_sandbox.webhooks.worker import WebhookWorker, WorkerConfig, retry_delay
from gmodstore_sdk.webhooks import verify

from .conftest import write_event

CREATED = "product_purchase.created"
REVOKED = "product_purchase.revoked"
UNREVOKED = "product_purchase.unrevoked"
DELETED = "product_purchase.deleted"
CONFIG = WorkerConfig(retry_backoff=10, max_attempts=3, timeout=5)


class Receiver:
    """A mock transport that records requests and answers from a script (default 204)."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            answer = self.answers.pop(0) if self.answers else 204
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, text="" if answer < 300 else "receiver says no")

    def events(self, url: str | None = None) -> list[tuple[str, str, str]]:
        """``(webhook-id, eventType, purchase id)`` of each request, in order."""
        out = []
        for request in self.requests:
            if url is None or str(request.url) == url:
                body = json.loads(request.content)
                out.append((request.headers["webhook-id"], body["eventType"], body["data"]["id"]))
        return out


def worker_for(engine, receiver, clock, config=CONFIG) -> WebhookWorker:
    return WebhookWorker(engine, config, transport=httpx.MockTransport(receiver), clock=clock)


def event(engine, seed, clock, event_type, purchase_id=None, **kwargs) -> dict:
    return write_event(
        engine,
        event_type=event_type,
        purchase_id=purchase_id or seed.ids.purchase_ids[0],
        product_id=kwargs.pop("product_id", seed.ids.product_id),
        team_id=kwargs.pop("team_id", seed.ids.team_id),
        at=clock(),
        **kwargs,
    )


def deliveries(engine) -> list[tuple[str, str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                WebhookDelivery.event_type, WebhookDelivery.status, WebhookDelivery.tries
            ).order_by(WebhookDelivery.id)
        ).all()
    return [tuple(row) for row in rows]


def test_delivers_signed_events_with_the_raw_payload(engine, seed, clock):
    endpoint = admin.add_endpoint(engine, team=seed.ids.team_id, url="http://127.0.0.1:9/hook")
    clock.advance(1)
    payloads = [event(engine, seed, clock, CREATED), event(engine, seed, clock, REVOKED)]
    receiver = Receiver()
    with_worker = worker_for(engine, receiver, clock)
    assert with_worker.run_once() == 1  # the revoke waits for the create to be delivered
    assert with_worker.run_once() == 1
    assert with_worker.run_once() == 0
    with_worker.stop()

    assert [r.url for r in receiver.requests] == ["http://127.0.0.1:9/hook"] * 2
    for request, payload in zip(receiver.requests, payloads, strict=True):
        assert request.method == "POST"
        assert request.headers["content-type"] == "application/json"
        assert request.headers["user-agent"] == "gmodstore-sandbox-webhooks"
        assert json.loads(request.content) == payload
        parsed = verify(request.content, request.headers, endpoint.secret or "", now=clock())
        assert parsed.event_type == payload["eventType"]
        assert parsed.webhook_id.startswith("msg_")
        assert int(request.headers["webhook-timestamp"]) == int(clock().timestamp())
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 2
    assert deliveries(engine) == [(CREATED, "delivered", 1), (REVOKED, "delivered", 1)]


def test_retries_with_backoff_then_marks_failed(engine, seed, clock):
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    clock.advance(1)
    event(engine, seed, clock, CREATED)
    receiver = Receiver(500, httpx.ConnectError("refused"), 503)
    worker = worker_for(engine, receiver, clock)
    assert worker.run_once() == 1
    clock.advance(retry_delay(CONFIG, 1) - 1)
    assert worker.run_once() == 0  # not due yet
    clock.advance(1)
    assert worker.run_once() == 1
    clock.advance(retry_delay(CONFIG, 2) - 1)
    assert worker.run_once() == 0
    clock.advance(1)
    assert worker.run_once() == 1
    clock.advance(3600)
    assert worker.run_once() == 0  # max_attempts reached
    worker.stop()

    assert [retry_delay(CONFIG, n) for n in (1, 2, 3)] == [10, 20, 40]
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # same id on retries
    assert deliveries(engine) == [(CREATED, "failed", 3)]
    [(delivery, attempts)] = admin.list_deliveries(engine)
    assert delivery.last_status_code == 503
    assert [(a.attempt, a.status_code) for a in attempts] == [(1, 500), (2, None), (3, 503)]
    assert attempts[0].error == "receiver says no"
    assert attempts[1].error == "ConnectError: refused"


def test_events_of_one_purchase_wait_for_the_earlier_one(engine, seed, clock):
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    clock.advance(1)
    first, second = seed.ids.purchase_ids[:2]
    event(engine, seed, clock, CREATED, first)
    event(engine, seed, clock, REVOKED, first)
    event(engine, seed, clock, CREATED, second)
    receiver = Receiver()

    def fail_first_purchase(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["data"]["id"] == first:
            receiver.answers.append(500)
        return receiver(request)

    worker = worker_for(engine, fail_first_purchase, clock)
    worker.run_once()
    # The other purchase is not held up by the failing one.
    assert sorted(e[1:] for e in receiver.events()) == sorted([(CREATED, first), (CREATED, second)])
    for _ in range(2):
        clock.advance(3600)
        worker.run_once()
    assert [e[1:] for e in receiver.events()][2:] == [(CREATED, first), (CREATED, first)]
    clock.advance(3600)
    worker.run_once()  # the revoke goes only once the create has failed for good
    worker.stop()
    assert [e[1:] for e in receiver.events()][4:] == [(REVOKED, first)]
    assert deliveries(engine) == [
        (CREATED, "failed", 3),
        (REVOKED, "pending", 1),  # this receiver fails every event of that purchase
        (CREATED, "delivered", 1),
    ]


def test_fan_out_follows_team_event_filter_and_endpoint_age(engine, seed, clock):
    all_events = admin.add_endpoint(engine, team="team a", url="http://127.0.0.1:9/all")
    only_revoked = admin.add_endpoint(
        engine, team="Team A", url="http://127.0.0.1:9/revoked", event_types=["revoked"]
    )
    admin.add_endpoint(engine, team="Team B", url="http://127.0.0.1:9/other-team")
    time.sleep(0.002)
    clock.now = utcnow()
    event(engine, seed, clock, CREATED)
    event(engine, seed, clock, REVOKED)
    time.sleep(0.002)
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/late")
    receiver = Receiver()
    worker = worker_for(engine, receiver, clock)
    while worker.run_once():
        pass
    worker.stop()
    assert [e[1] for e in receiver.events(all_events.url)] == [CREATED, REVOKED]
    assert [e[1] for e in receiver.events(only_revoked.url)] == [REVOKED]
    assert len(receiver.requests) == 3
    # One message, one id, whichever endpoint receives it.
    assert receiver.events(all_events.url)[1][0] == receiver.events(only_revoked.url)[0][0]


def test_an_event_committed_below_the_cursor_is_still_sent(engine, seed, clock):
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    clock.advance(1)
    receiver = Receiver()
    worker = worker_for(engine, receiver, clock)
    purchases = seed.ids.purchase_ids
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        conn.execute(insert(OutboxEvent).values(_outbox_row(seed, 10, purchases[0], clock())))
    worker.run_once()
    # A transaction that took seq 5 earlier commits only now (PostgreSQL sequences allow this).
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        conn.execute(insert(OutboxEvent).values(_outbox_row(seed, 5, purchases[1], clock())))
    worker.run_once()
    assert [e[2] for e in receiver.events()] == [purchases[0], purchases[1]]
    with engine.connect() as conn:
        assert conn.execute(select(WebhookFanout.outbox_seq)).scalars().all() == [5, 10]
    # Once both are older than the grace period, the floor moves up and the marks go.
    clock.advance(CONFIG.fanout_grace + 1)
    worker.run_once()
    worker.stop()
    with engine.connect() as conn:
        assert conn.execute(select(WebhookFanout.outbox_seq)).all() == []
        assert conn.execute(select(WebhookCursor.outbox_seq)).scalar() == 10
    assert len(receiver.requests) == 2


def _outbox_row(seed, seq, purchase_id, at) -> dict:
    return {
        "seq": seq,
        "id": uuid.uuid4(),
        "event_type": CREATED,
        "purchase_id": uuid.UUID(purchase_id),
        "product_id": uuid.UUID(seed.ids.product_id),
        "team_id": uuid.UUID(seed.ids.team_id),
        "payload": {"eventType": CREATED, "data": {"id": purchase_id}},
        "created_at": at,
    }


def test_removed_endpoint_gets_nothing_more(engine, seed, clock):
    endpoint = admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    clock.advance(1)
    event(engine, seed, clock, CREATED)
    receiver = Receiver(500)
    worker = worker_for(engine, receiver, clock)
    worker.run_once()
    assert admin.remove_endpoint(engine, endpoint_id=endpoint.id) is True
    assert admin.remove_endpoint(engine, endpoint_id=endpoint.id) is False
    assert admin.remove_endpoint(engine, endpoint_id="not-a-uuid") is False
    clock.advance(3600)
    assert worker.run_once() == 0
    worker.stop()
    assert len(receiver.requests) == 1
    assert deliveries(engine) == []
    assert admin.list_endpoints(engine) == []


def test_result_of_a_delivery_whose_endpoint_was_removed_is_dropped(engine, seed, clock):
    endpoint = admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    clock.advance(1)
    event(engine, seed, clock, CREATED)

    def remove_while_in_flight(request: httpx.Request) -> httpx.Response:
        admin.remove_endpoint(engine, endpoint_id=endpoint.id)
        return httpx.Response(200)

    worker = worker_for(engine, remove_while_in_flight, clock)
    assert worker.run_once() == 1
    worker.stop()
    assert admin.list_deliveries(engine) == []


def test_delete_purchase_writes_the_deleted_event(engine, seed, clock):
    endpoint = admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    purchase_id = seed.ids.purchase_ids[3]  # a revoked one
    clock.now = clock.now + timedelta(seconds=1)
    assert (
        admin.delete_purchase(engine, purchase_id=purchase_id, product_id=str(uuid.uuid4())) is None
    )
    data = admin.delete_purchase(engine, purchase_id=purchase_id, product_id=seed.ids.product_id)
    assert data is not None
    assert data["id"] == purchase_id
    assert data["revoked"] is True
    assert data["productId"] == seed.ids.product_id
    assert set(data) == {"id", "userId", "productId", "revoked", "createdAt", "updatedAt"}
    assert admin.delete_purchase(engine, purchase_id=purchase_id) is None
    assert admin.delete_purchase(engine, purchase_id="nope") is None
    with engine.connect() as conn:
        assert (
            conn.execute(select(Purchase).where(Purchase.id == uuid.UUID(purchase_id))).first()
            is None
        )
        outbox = conn.execute(select(OutboxEvent.event_type, OutboxEvent.payload)).all()
    assert outbox == [(DELETED, {"eventType": DELETED, "data": data})]

    receiver = Receiver()
    worker = worker_for(engine, receiver, lambda: clock.now + timedelta(seconds=5))
    worker.run_once()
    worker.stop()
    [request] = receiver.requests
    parsed = verify(request.content, request.headers, endpoint.secret or "")
    assert parsed.event_type == DELETED
    assert parsed.data.id == purchase_id


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"team": "Team C"}, "no team with id or name 'Team C'", id="team"),
        pytest.param({"url": "ftp://127.0.0.1/x"}, "must be http:// or https://", id="scheme"),
        pytest.param({"url": "http://"}, "must be http:// or https://", id="no-host"),
        pytest.param({"url": "http://[::1"}, "invalid URL", id="invalid"),
        pytest.param(
            {"url": "http://user:pw@127.0.0.1:9/x"}, "must not contain a user name", id="userinfo"
        ),
        pytest.param({"url": "https://token@example.com/x"}, "must not contain a user", id="user"),
        pytest.param({"url": "http://127.0.0.1:0/x"}, "invalid port '0'", id="port-0"),
        pytest.param({"url": "http://127.0.0.1:65536/x"}, "invalid port '65536'", id="port-big"),
        pytest.param({"url": "http://127.0.0.1:/x"}, "invalid port ''", id="port-empty"),
        pytest.param({"url": "http://127.0.0.1:x9/x"}, "invalid URL", id="port-text"),
        pytest.param({"url": "http://127.0.0.1/a b"}, "spaces or control", id="space"),
        pytest.param({"url": "http://127.0.0.1/a\r\nX: y"}, "spaces or control", id="crlf"),
        pytest.param({"url": "http://h/" + "a" * 2000}, "longer than 2000", id="long"),
        pytest.param({"event_types": ["purchase.made"]}, "unknown event type", id="event"),
    ],
)
def test_add_endpoint_rejects_bad_input(engine, seed, kwargs, message):
    arguments = {"team": "Team A", "url": "http://127.0.0.1:9/hook", **kwargs}
    with pytest.raises(admin.WebhookAdminError, match=message.replace("(", r"\(")):
        admin.add_endpoint(engine, **arguments)


def test_ambiguous_team_name_needs_the_id(engine, seed):
    from gmodstore_sandbox.admin import create_team

    create_team(engine, name="Team A")
    with pytest.raises(admin.WebhookAdminError, match="several teams"):
        admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    endpoint = admin.add_endpoint(engine, team=seed.ids.team_id, url="http://127.0.0.1:9/hook")
    assert endpoint.team_name == "Team A"


def test_endpoints_are_listed_without_secrets(engine, seed):
    first = admin.add_endpoint(
        engine,
        team="Team A",
        url="http://127.0.0.1:9/a",
        event_types=["created,revoked", "created"],
    )
    admin.add_endpoint(engine, team="Team B", url="http://127.0.0.1:9/b")
    assert first.event_types == (CREATED, REVOKED)
    assert first.secret is not None and first.secret.startswith("whsec_")
    listed = admin.list_endpoints(engine, team="Team A")
    assert listed == [
        admin.Endpoint(
            first.id, first.team_id, "Team A", first.url, (CREATED, REVOKED), first.created_at
        )
    ]
    assert [e.url for e in admin.list_endpoints(engine)] == [
        "http://127.0.0.1:9/a",
        "http://127.0.0.1:9/b",
    ]
    with pytest.raises(admin.WebhookAdminError, match="not an endpoint id"):
        admin.list_deliveries(engine, endpoint_id="x")


def test_list_deliveries_filters(engine, seed, clock):
    a = admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/a")
    b = admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/b")
    clock.advance(1)
    event(engine, seed, clock, CREATED)
    worker = worker_for(engine, Receiver(500), clock)
    worker.run_once()
    worker.stop()
    assert {d.url: d.status for d, _ in admin.list_deliveries(engine)} == {
        a.url: "pending",
        b.url: "delivered",
    } or {d.url: d.status for d, _ in admin.list_deliveries(engine)} == {
        a.url: "delivered",
        b.url: "pending",
    }
    [(only, _)] = admin.list_deliveries(engine, endpoint_id=a.id)
    assert only.url == a.url
    assert len(admin.list_deliveries(engine, status="pending")) == 1
    assert len(admin.list_deliveries(engine, limit=1)) == 1


def test_background_thread_delivers_and_survives_errors(engine, seed, monkeypatch):
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    time.sleep(0.001)
    write_event(
        engine,
        event_type=CREATED,
        purchase_id=seed.ids.purchase_ids[0],
        product_id=seed.ids.product_id,
        team_id=seed.ids.team_id,
        at=utcnow(),
    )
    receiver = Receiver()
    worker = WebhookWorker(
        engine, WorkerConfig(poll_interval=0.01), transport=httpx.MockTransport(receiver)
    )
    real_due = store.due_deliveries
    calls = []

    def flaky_due(conn, *args, **kwargs):
        if conn.engine is engine:  # other workers of this process (other tests' sandboxes) poll too
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("database is locked")
        return real_due(conn, *args, **kwargs)

    monkeypatch.setattr(store, "due_deliveries", flaky_due)
    worker.start()
    worker.start()  # idempotent
    deadline = time.monotonic() + 5
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop()
    assert len(receiver.requests) == 1
    assert len(calls) >= 2


def test_worker_is_optional(engine):
    from gmodstore_sandbox.settings import Settings
    from gmodstore_sandbox.webhooks.worker import run_webhook_worker

    with run_webhook_worker(engine, Settings(webhook_worker=False)) as worker:
        assert worker is None
    with run_webhook_worker(engine, Settings(webhook_poll_interval=0.01)) as worker:
        assert isinstance(worker, WebhookWorker)
        assert worker.config == WorkerConfig(poll_interval=0.01)


def test_database_errors_leave_the_work_for_later(engine, seed, clock, monkeypatch):
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    clock.advance(1)
    event(engine, seed, clock, CREATED)
    receiver = Receiver()
    worker = worker_for(engine, receiver, clock)

    def raced(*args, **kwargs):
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    with monkeypatch.context() as patch:
        patch.setattr(store, "fan_out", raced)
        assert worker.run_once() == 0  # another worker fanned out first: nothing lost

    def locked(*args, **kwargs):
        raise OperationalError("UPDATE", {}, Exception("database is locked"))

    with monkeypatch.context() as patch:
        patch.setattr(store, "record_attempt", locked)
        assert worker.run_once() == 1  # sent, but the result could not be recorded
    assert deliveries(engine) == [(CREATED, "pending", 0)]
    clock.advance(CONFIG.timeout + 31)  # the lease runs out: sent again (at-least-once)
    assert worker.run_once() == 1
    worker.stop()
    assert deliveries(engine) == [(CREATED, "delivered", 1)]
    assert len(receiver.requests) == 2


def test_fan_out_works_in_batches_and_keeps_raising_the_floor(engine, seed, clock):
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    clock.advance(1)
    config = WorkerConfig(batch_size=2, fanout_grace=10)
    worker = worker_for(engine, Receiver(), clock, config)
    other_team = {"team_id": seed.ids.other_team_id, "product_id": seed.ids.other_team_product_id}
    for purchase_id in seed.ids.other_team_purchase_ids + seed.ids.purchase_ids[:1]:
        event(engine, seed, clock, CREATED, purchase_id, **other_team)  # no endpoint for team B

    def floor_and_marks() -> tuple[int | None, list[int]]:
        with engine.connect() as conn:
            floor = conn.execute(select(WebhookCursor.outbox_seq)).scalar()
            marks = conn.execute(select(WebhookFanout.outbox_seq)).scalars().all()
        return floor, list(marks)

    clock.advance(11)
    worker.run_once()
    assert floor_and_marks() == (None, [1, 2])  # a full batch: maybe more to read
    worker.run_once()
    assert floor_and_marks() == (3, [])
    event(engine, seed, clock, CREATED)
    worker.run_once()
    assert floor_and_marks() == (3, [4])
    clock.advance(11)
    worker.run_once()
    worker.stop()
    assert floor_and_marks() == (4, [])
    assert deliveries(engine) == [(CREATED, "delivered", 1)]


def test_background_thread_keeps_going_while_the_outbox_has_a_backlog(engine, seed):
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    time.sleep(0.001)
    other_team = {"team_id": seed.ids.other_team_id, "product_id": seed.ids.other_team_product_id}
    for purchase_id in [str(uuid.uuid4()) for _ in range(4)]:
        write_event(engine, event_type=CREATED, purchase_id=purchase_id, at=utcnow(), **other_team)
    write_event(
        engine,
        event_type=CREATED,
        purchase_id=seed.ids.purchase_ids[0],
        product_id=seed.ids.product_id,
        team_id=seed.ids.team_id,
        at=utcnow(),
    )
    receiver = Receiver()
    config = WorkerConfig(poll_interval=30, batch_size=2)  # only a backlog avoids the wait
    worker = WebhookWorker(engine, config, transport=httpx.MockTransport(receiver))
    worker.start()
    deadline = time.monotonic() + 5
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop()
    assert [e[2] for e in receiver.events()] == [seed.ids.purchase_ids[0]]


def test_events_of_one_product_and_user_are_ordered_across_purchases(engine, seed, clock):
    """Delete P1, grant the same user P2: P2's created waits for P1's deleted, even if that
    one fails first; another user's events are not held up."""
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    clock.advance(1)
    user, other_user = str(uuid.uuid4()), str(uuid.uuid4())
    p1, p2, p3 = (str(uuid.uuid4()) for _ in range(3))
    event(engine, seed, clock, DELETED, p1, user_id=user)
    event(engine, seed, clock, CREATED, p2, user_id=user)
    event(engine, seed, clock, CREATED, p3, user_id=other_user)
    receiver = Receiver(500)  # the first request (P1's deleted) fails
    worker = worker_for(engine, receiver, clock)
    assert worker.run_once() == 2  # P1's deleted and the other user's created
    assert worker.run_once() == 0  # P2's created waits for the retry of P1's deleted
    clock.advance(retry_delay(CONFIG, 1))
    assert worker.run_once() == 1
    assert worker.run_once() == 1
    worker.stop()
    sent = [e[1:] for e in receiver.events()]
    assert sorted(sent[:2]) == sorted([(DELETED, p1), (CREATED, p3)])
    assert sent[2:] == [(DELETED, p1), (CREATED, p2)]


def test_only_the_lease_holder_records_an_attempt(engine, seed, clock):
    """A worker whose lease ran out (another one took the delivery) cannot record over it."""
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    clock.advance(1)
    event(engine, seed, clock, CREATED)
    now = clock()
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        store.fan_out(conn, now=now, grace=timedelta(seconds=60), limit=100)
        [due] = store.due_deliveries(conn, now=now, limit=10, per_endpoint=4)
        lease = now + timedelta(seconds=1)
        assert store.claim_deliveries(
            conn, delivery_ids=[due.id], now=now, lease_until=lease, lease_token="first"
        ) == {due.id}
        assert store.due_deliveries(conn, now=now, limit=10, per_endpoint=4) == []
        assert not store.claim_deliveries(
            conn, delivery_ids=[due.id], now=now, lease_until=lease, lease_token="second"
        )
        later = now + timedelta(seconds=2)
        assert store.claim_deliveries(
            conn, delivery_ids=[due.id], now=later, lease_until=later, lease_token="second"
        ) == {due.id}
        record = {
            "delivery_id": due.id,
            "attempt": 1,
            "url": "http://127.0.0.1:9/hook",
            "started_at": now,
            "duration_ms": 5,
            "status_code": 204,
            "error": None,
            "delivered": True,
            "retry_at": None,
            "now": later,
        }
        assert store.record_attempt(conn, lease_token="first", **record) is False
        assert (
            store.release_deliveries(conn, delivery_ids=[due.id], lease_token="first", now=now) == 0
        )
        assert store.record_attempt(conn, lease_token="second", **record) is True
    assert deliveries(engine) == [(CREATED, "delivered", 1)]


def test_a_busy_endpoint_does_not_fill_the_batch(engine, seed, clock):
    slow = admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/slow")
    clock.advance(1)
    for _ in range(6):
        event(engine, seed, clock, CREATED, str(uuid.uuid4()))
    fast = admin.add_endpoint(engine, team="Team B", url="http://127.0.0.1:9/fast")
    other_team = {"team_id": seed.ids.other_team_id, "product_id": seed.ids.other_team_product_id}
    event(engine, seed, clock, CREATED, str(uuid.uuid4()), **other_team)
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        store.fan_out(conn, now=clock(), grace=timedelta(seconds=60), limit=100)
    with engine.connect() as conn:
        rows = store.due_deliveries(conn, now=clock(), limit=3, per_endpoint=2)
        assert [r.url for r in rows] == [slow.url, slow.url, fast.url]
        skipped = store.due_deliveries(
            conn, now=clock(), limit=3, per_endpoint=2, skip_endpoints=[uuid.UUID(slow.id)]
        )
        assert [r.url for r in skipped] == [fast.url]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/hook",
        "http://localhost/hook",
        "http://10.0.0.5:65535/hook?a=1:2",
        "http://192.168.1.20/hook",
        "https://[::1]:8443/hook",
        "https://example.com/path@with:colon",
    ],
)
def test_loopback_and_private_urls_are_allowed(engine, seed, url):
    assert admin.add_endpoint(engine, team="Team A", url=url).url == url


def test_a_url_with_credentials_never_gets_basic_auth(engine, seed, clock):
    """Registration refuses it, so no delivery can carry ``Authorization: Basic``."""
    with pytest.raises(admin.WebhookAdminError):
        admin.add_endpoint(engine, team="Team A", url="http://user:pass@127.0.0.1:9/hook")
    assert admin.list_endpoints(engine) == []


def test_tables_of_an_older_sandbox_get_the_new_columns(tmp_path, clock):
    """A database whose webhook tables predate ordering keys, leases and attempt URLs."""
    from sqlalchemy import inspect, text

    from gmodstore_sandbox.admin import seed_testing
    from gmodstore_sandbox.storage.db import create_tables, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}", pool_size=2)
    create_tables(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_webhook_deliveries_ordering"))
        for table, column in [
            ("webhook_deliveries", "ordering_key"),
            ("webhook_deliveries", "lease_token"),
            ("webhook_attempts", "url"),
        ]:
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    seed = seed_testing(engine, purchases=2, free_users=1, other_purchases=1)
    create_tables(engine)  # what the server does at startup
    columns = {c["name"] for c in inspect(engine).get_columns("webhook_deliveries")}
    assert {"ordering_key", "lease_token"} <= columns
    indexes = {i["name"] for i in inspect(engine).get_indexes("webhook_deliveries")}
    assert "ix_webhook_deliveries_ordering" in indexes
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    clock.advance(1)
    event(engine, seed, clock, CREATED)
    receiver = Receiver()
    worker = worker_for(engine, receiver, clock)
    assert worker.run_once() == 1
    worker.stop()
    assert deliveries(engine) == [(CREATED, "delivered", 1)]
    engine.dispose()


def test_an_idle_worker_does_not_wake_itself(engine, seed, monkeypatch):
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    looks = []
    real = store.pending_fan_out

    def counted(conn, *args, **kwargs):
        if conn.engine is engine:  # other workers of this process (other tests' sandboxes) poll too
            looks.append(1)
        return real(conn, *args, **kwargs)

    monkeypatch.setattr(store, "pending_fan_out", counted)
    receiver = Receiver()
    worker = WebhookWorker(
        engine, WorkerConfig(poll_interval=0.2), transport=httpx.MockTransport(receiver)
    )
    worker.start()
    try:
        time.sleep(1.0)
        assert 2 <= len(looks) <= 8  # its own reads and writes do not wake it
        write_event(
            engine,
            event_type=CREATED,
            purchase_id=seed.ids.purchase_ids[0],
            product_id=seed.ids.product_id,
            team_id=seed.ids.team_id,
            at=utcnow(),
        )
        deadline = time.monotonic() + 5
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        worker.stop()
    assert len(receiver.requests) == 1


def _worker_records(caplog, level=logging.DEBUG):
    return [
        r for r in caplog.records if r.name == "gmodstore_sandbox.webhooks" and r.levelno >= level
    ]


def test_a_deleted_database_file_is_one_warning_and_a_back_off(engine, seed, tmp_path, caplog):
    """Issue 10: the worker logged a traceback on every turn (about 80 a second) once the SQLite
    file was deleted under it; now one WARNING, and turns spaced out by a doubling back-off."""
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    time.sleep(0.001)
    event(engine, seed, utcnow, CREATED)
    (tmp_path / "webhooks.db").unlink()
    worker = WebhookWorker(engine, WorkerConfig(poll_interval=0.01))
    with caplog.at_level(logging.DEBUG, logger="gmodstore_sandbox"):
        worker.start()
        time.sleep(1.0)
        worker.stop()
    [warning] = _worker_records(caplog, logging.WARNING)
    assert warning.levelname == "WARNING" and warning.exc_info is None
    assert "webhook deliveries paused: The database file was deleted" in warning.getMessage()
    failed_turns = len(_worker_records(caplog))  # the warning, then one DEBUG line per turn
    assert 2 <= failed_turns <= 10  # 0.01 s doubled: at most 8 turns fit in a second


def test_the_end_of_an_outage_is_logged_and_deliveries_resume(engine, seed, caplog, monkeypatch):
    admin.add_endpoint(engine, team="Team A", url="http://127.0.0.1:9/hook")
    time.sleep(0.001)
    event(engine, seed, utcnow, CREATED)
    real, calls = store.pending_fan_out, []

    def locked(conn, *args, **kwargs):
        # Only this test's worker meets the outage: other workers of this process (other tests'
        # sandboxes) poll too, and would log an outage of their own.
        if conn.engine is engine:
            calls.append(1)
            if len(calls) <= 3:
                raise OperationalError("SELECT", {}, Exception("database is locked"))
        return real(conn, *args, **kwargs)

    monkeypatch.setattr(store, "pending_fan_out", locked)
    receiver = Receiver()
    worker = WebhookWorker(
        engine, WorkerConfig(poll_interval=0.01), transport=httpx.MockTransport(receiver)
    )
    with caplog.at_level(logging.INFO, logger="gmodstore_sandbox"):
        worker.start()
        deadline = time.monotonic() + 5
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.stop()
    assert len(receiver.requests) == 1
    paused, resumed = [r.getMessage() for r in _worker_records(caplog, logging.INFO)]
    assert paused.startswith("webhook deliveries paused: The database is busy")
    assert resumed.startswith("webhook deliveries resumed after ") and "(3 failed turns)" in resumed
