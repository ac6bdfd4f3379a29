"""Event declarations and `emit`, the one writer of the outbox."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from gmodstore_sandbox.storage.db import WRITE
from gmodstore_sandbox.storage.tables import OutboxEvent, utcnow
from gmodstore_sandbox.webhooks import admin, events


def test_purchase_events_are_ordered_by_product_and_user():
    data = {"id": "p1", "productId": "prod", "userId": "user"}
    keys = {
        events.EVENT_TYPES[f"product_purchase.{c}"].ordering_key(data)
        for c in ("created", "deleted")
    }
    assert keys == {"product_purchase:prod:user"}
    # Without the declared fields, the resource's own id orders it.
    assert events.EVENT_TYPES["product_purchase.created"].ordering_key({"id": "p1"}) == (
        "product_purchase:p1"
    )
    assert events.EventType("review.created").ordering_key({"id": 7}) == "review:7"
    # Nested fields, for data without an id of its own (a ticket's tag).
    tagged = events.EventType("ticket.tagged", ordered_by=("ticket.id",), subject="ticket.id")
    ticket = str(uuid.uuid4())
    data = {"ticket": {"id": ticket}, "tag": {"id": "t1"}}
    assert tagged.ordering_key(data) == f"ticket:{ticket}"
    assert tagged.subject_id(data) == uuid.UUID(ticket)


def test_declare_is_idempotent_but_refuses_a_different_declaration():
    first = events.declare("product_purchase.created", ordered_by=("productId", "userId"))
    assert first == events.EVENT_TYPES["product_purchase.created"]
    with pytest.raises(ValueError, match="already declared differently"):
        events.declare("product_purchase.created", ordered_by=("id",))


def test_emit_writes_the_api_json_and_refuses_undeclared_types(engine, seed):
    team = uuid.UUID(seed.ids.team_id)
    purchase = uuid.uuid4()
    now = utcnow()
    data = {
        "id": purchase,
        "userId": uuid.uuid4(),
        "productId": uuid.UUID(seed.ids.product_id),
        "revoked": False,
        "createdAt": now,
        "updatedAt": now,
    }
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        with pytest.raises(events.UnknownEventType, match="product_purchase.bought"):
            events.emit(conn, "product_purchase.bought", team_id=team, data=data, now=now)
        events.emit(conn, "product_purchase.created", team_id=team, data=data, now=now)
    with engine.connect() as conn:
        [row] = conn.execute(
            select(OutboxEvent.event_type, OutboxEvent.purchase_id, OutboxEvent.payload)
        )
    assert row.event_type == "product_purchase.created"
    assert row.purchase_id == purchase
    assert row.payload["eventType"] == "product_purchase.created"
    assert row.payload["data"]["id"] == str(purchase)
    assert row.payload["data"]["updatedAt"].endswith("Z")


def test_every_area_s_declarations_are_seen_without_importing_the_area():
    """A fresh process (a CLI command, a worker) sees every area's events: all 25."""
    import subprocess
    import sys

    code = "from gmodstore_sandbox.webhooks import events; print(sorted(events.event_types()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names = eval(out.stdout)
    from gmodstore_sandbox.webhooks.routing import API_EVENT_TYPES, TEST_EVENT

    assert sorted(names) == sorted([*API_EVENT_TYPES, TEST_EVENT])  # the tickets area's too


def test_endpoints_can_subscribe_to_other_areas_events(engine, seed):
    endpoint = admin.add_endpoint(
        engine,
        team="Team A",
        url="http://127.0.0.1:9/hook",
        event_types=["product_version.created"],
    )
    assert endpoint.event_types == ("product_version.created",)
