"""Webhook events of versions and reviews: written with the change, delivered like purchases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from gmodstore_sandbox.content import admin as reviews_admin
from gmodstore_sandbox.storage.db import make_engine
from gmodstore_sandbox.storage.tables import OutboxEvent
from gmodstore_sandbox.webhooks import admin
from webhooks.receiver import Receiver  # tests/webhooks (pytest puts tests/ on sys.path)

from .conftest import Content
from .files import zip_bytes
from .test_versions import created, upload

CONTENT_EVENTS = [
    f"{resource}.{change}"
    for resource in ("product_version", "product_review")
    for change in ("created", "updated", "deleted")
]


@pytest.fixture
def engine(content: Content) -> Iterator[Engine]:
    engine = make_engine(content.sb.database_url, pool_size=2)
    yield engine
    engine.dispose()


def events_of(engine: Engine, resource_id: str) -> list[tuple[str, dict[str, object]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(OutboxEvent.event_type, OutboxEvent.payload)
            .where(OutboxEvent.purchase_id == uuid.UUID(resource_id))
            .order_by(OutboxEvent.seq)
        ).all()
    return [(row.event_type, row.payload) for row in rows]


def test_version_changes_write_their_events_in_the_outbox(content: Content, engine: Engine) -> None:
    version = created(content)
    url = f"/products/{content.product}/versions/{version['id']}"
    updated = content.http.put(url, json={"name": "2.0"}).json()["data"]
    content.http.put(url, json={"name": "2.0"})  # no change: no event
    deleted = content.http.delete(url).json()["data"]
    assert events_of(engine, version["id"]) == [
        ("product_version.created", {"eventType": "product_version.created", "data": version}),
        ("product_version.updated", {"eventType": "product_version.updated", "data": updated}),
        ("product_version.deleted", {"eventType": "product_version.deleted", "data": deleted}),
    ]


def test_a_refused_upload_writes_no_event(content: Content, engine: Engine) -> None:
    with engine.connect() as conn:
        before = conn.execute(select(OutboxEvent.seq).order_by(OutboxEvent.seq.desc())).first()
    assert upload(content.http, content.product, b"not a zip").status_code == 400
    assert upload(content.http, content.product, zip_bytes(), release_type="x").status_code == 400
    with engine.connect() as conn:
        after = conn.execute(select(OutboxEvent.seq).order_by(OutboxEvent.seq.desc())).first()
    assert after == before


def test_review_commands_write_their_events(content: Content, engine: Engine) -> None:
    review = reviews_admin.create_review(
        engine, product_id=content.product, user_id=content.sb.new_user(), rating=3
    )
    reviews_admin.edit_review(engine, review, rating=4)
    reviews_admin.delete_review(engine, review)
    events = events_of(engine, review)
    assert [kind for kind, _ in events] == [
        "product_review.created",
        "product_review.updated",
        "product_review.deleted",
    ]
    ratings = [payload["data"]["rating"] for _, payload in events]  # type: ignore[index]
    assert ratings == [3, 4, 4]
    assert "deletedAt" in events[2][1]["data"]  # type: ignore[operator]


def test_events_reach_a_registered_endpoint_verified(content: Content, engine: Engine) -> None:
    with Receiver() as receiver:
        endpoint = admin.add_endpoint(
            engine, team=content.sb.ids.team_id, url=receiver.url, event_types=CONTENT_EVENTS
        )
        assert endpoint.secret is not None
        receiver.secret = endpoint.secret
        try:
            version = created(content)
            content.http.put(
                f"/products/{content.product}/versions/{version['id']}", json={"name": "n"}
            )
            review = reviews_admin.create_review(
                engine, product_id=content.product, user_id=content.sb.new_user(), rating=5
            )
            events = receiver.wait_for_events(3, timeout=20)
        finally:
            admin.remove_endpoint(engine, endpoint_id=endpoint.id)
    kinds = sorted((e.event_type, e.data["id"]) for e in events)
    assert kinds == sorted(
        [
            ("product_version.created", version["id"]),
            ("product_version.updated", version["id"]),
            ("product_review.created", review),
        ]
    )
    assert receiver.rejected == []
