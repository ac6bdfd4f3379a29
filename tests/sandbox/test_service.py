"""Service-level tests: the rules without HTTP (a SQLite file per test module)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from gmodstore_sandbox import admin
from gmodstore_sandbox.admin import SandboxSeed, seed_testing
from gmodstore_sandbox.exceptions import (
    InvalidInput,
    MissingScope,
    NotTeamMember,
    ProductNotFound,
    PurchaseNotFound,
    Unauthenticated,
)
from gmodstore_sandbox.schemas import ListParams, PurchaseCreate, PurchaseUpdate
from gmodstore_sandbox.service import READ, Principal, PurchaseService
from gmodstore_sandbox.storage import repository
from gmodstore_sandbox.storage.cursor import CursorCodec
from gmodstore_sandbox.storage.db import create_tables, make_engine
from gmodstore_sandbox.storage.tables import OutboxEvent, Purchase, utcnow


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("service") / "db.sqlite"
    engine = make_engine(f"sqlite:///{path}", pool_size=2)
    create_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def seed(engine: Engine) -> SandboxSeed:
    return seed_testing(engine)


@pytest.fixture()
def service(engine: Engine) -> PurchaseService:
    return PurchaseService(engine=engine, codec=CursorCodec(b"k"), token_cache_seconds=60)


@pytest.fixture()
def owner(service: PurchaseService, seed: SandboxSeed) -> Principal:
    return service.authenticate(seed.tokens.token)


def outbox(engine: Engine, purchase_id: str) -> list[tuple[str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(OutboxEvent.event_type, OutboxEvent.payload)
            .where(OutboxEvent.purchase_id == uuid.UUID(purchase_id))
            .order_by(OutboxEvent.seq)
        ).all()
    return [(r.event_type, r.payload) for r in rows]


def test_authenticate(service: PurchaseService, seed: SandboxSeed) -> None:
    principal = service.authenticate(seed.tokens.read_token)
    assert principal.scopes == frozenset({READ})
    assert service.cached_principal(seed.tokens.read_token) == principal
    for bad in (None, "", "nope", "x" * 600):
        with pytest.raises(Unauthenticated):
            service.authenticate(bad)
    with pytest.raises(Unauthenticated, match="expired"):
        service.authenticate(seed.tokens.expired_token)


def test_token_stored_as_hash_only(engine: Engine, seed: SandboxSeed) -> None:
    from gmodstore_sandbox.storage.tables import AccessToken

    with engine.connect() as conn:
        hashes = conn.execute(select(AccessToken.token_hash)).scalars().all()
    assert seed.tokens.token not in hashes
    assert all(len(h) == 64 for h in hashes)


def test_cache_respects_expiry(engine: Engine, seed: SandboxSeed) -> None:
    now = [0.0]
    service = PurchaseService(
        engine=engine, codec=CursorCodec(b"k"), token_cache_seconds=5, clock=lambda: now[0]
    )
    soon = admin.create_token(
        engine, user_id=seed.ids.owner_user_id, expires_at=utcnow() + timedelta(seconds=1)
    )
    service.authenticate(soon)
    assert service.cached_principal(soon) is not None
    now[0] = 10.0
    assert service.cached_principal(soon) is None  # cache entry aged out


def test_get_rules(service: PurchaseService, owner: Principal, seed: SandboxSeed) -> None:
    ids = seed.ids
    data = service.get_purchase(owner, product=ids.product_id, purchase=ids.purchase_ids[0])
    assert str(data["data"]["id"]) == ids.purchase_ids[0]
    with pytest.raises(ProductNotFound):
        service.get_purchase(owner, product="nope", purchase=ids.purchase_ids[0])
    with pytest.raises(ProductNotFound):
        service.get_purchase(owner, product=str(uuid.uuid4()), purchase=ids.purchase_ids[0])
    with pytest.raises(PurchaseNotFound):
        service.get_purchase(owner, product=ids.empty_product_id, purchase=ids.purchase_ids[0])
    with pytest.raises(NotTeamMember):
        service.get_purchase(owner, product=ids.other_team_product_id, purchase="x")


def test_scope_checked_after_team(service: PurchaseService, seed: SandboxSeed) -> None:
    writer = service.authenticate(seed.tokens.write_token)
    with pytest.raises(MissingScope) as info:
        service.get_purchase(writer, product=seed.ids.product_id, purchase="x")
    assert info.value.scope == READ
    with pytest.raises(NotTeamMember):
        service.get_purchase(writer, product=seed.ids.other_team_product_id, purchase="x")


def test_validation_comes_after_authorization(service: PurchaseService, seed: SandboxSeed) -> None:
    reader = service.authenticate(seed.tokens.read_token)
    bad = InvalidInput({"userId": ["bad"]})
    with pytest.raises(MissingScope):
        service.create_purchase(reader, product=seed.ids.product_id, payload=bad)
    owner = service.authenticate(seed.tokens.token)
    with pytest.raises(InvalidInput):
        service.create_purchase(owner, product=seed.ids.product_id, payload=bad)


def test_create_writes_purchase_and_event(
    service: PurchaseService, owner: Principal, engine: Engine, seed: SandboxSeed
) -> None:
    user = admin.create_user(engine)
    payload = PurchaseCreate(userId=uuid.UUID(user))
    data = service.create_purchase(owner, product=seed.ids.product_id, payload=payload)["data"]
    events = outbox(engine, str(data["id"]))
    assert [e for e, _ in events] == ["product_purchase.created"]
    body = events[0][1]
    assert body["eventType"] == "product_purchase.created"
    assert body["data"]["id"] == str(data["id"])
    assert body["data"]["userId"] == user
    assert body["data"]["createdAt"].endswith("Z")
    with pytest.raises(InvalidInput, match="already owns"):
        service.create_purchase(owner, product=seed.ids.product_id, payload=payload)
    assert len(outbox(engine, str(data["id"]))) == 1


def test_create_unknown_user(service: PurchaseService, owner: Principal, seed: SandboxSeed) -> None:
    payload = PurchaseCreate(userId=uuid.uuid4())
    with pytest.raises(InvalidInput) as info:
        service.create_purchase(owner, product=seed.ids.product_id, payload=payload)
    assert list(info.value.errors) == ["userId"]


def test_update_events(
    service: PurchaseService, owner: Principal, engine: Engine, seed: SandboxSeed
) -> None:
    product = admin.create_product(engine, team_id=seed.ids.team_id, name="Events")
    created = service.create_purchase(
        owner, product=product, payload=PurchaseCreate(userId=uuid.UUID(admin.create_user(engine)))
    )["data"]
    pid = str(created["id"])
    for revoked in (True, True, False, None, False):
        service.update_purchase(
            owner,
            product=product,
            purchase=pid,
            payload=PurchaseUpdate() if revoked is None else PurchaseUpdate(revoked=revoked),
        )
    assert [e for e, _ in outbox(engine, pid)] == [
        "product_purchase.created",
        "product_purchase.revoked",
        "product_purchase.unrevoked",
    ]
    with pytest.raises(PurchaseNotFound):
        service.update_purchase(
            owner, product=product, purchase="nope", payload=PurchaseUpdate(revoked=True)
        )


def test_failed_write_leaves_nothing(
    service: PurchaseService,
    owner: Principal,
    engine: Engine,
    seed: SandboxSeed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failure after the purchase INSERT (here: the outbox write) rolls the purchase back."""

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("crash between the two writes")

    monkeypatch.setattr(repository, "insert_outbox_event", explode)
    user = admin.create_user(engine)
    with pytest.raises(RuntimeError):
        service.create_purchase(
            owner, product=seed.ids.product_id, payload=PurchaseCreate(userId=uuid.UUID(user))
        )
    with engine.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(Purchase).where(Purchase.user_id == uuid.UUID(user))
        ).scalar_one()
    assert count == 0


def test_list_pages_and_binding(
    service: PurchaseService, owner: Principal, seed: SandboxSeed
) -> None:
    ids = seed.ids
    first = service.list_purchases(owner, product=ids.product_id, params=ListParams(per_page=10))
    assert [str(p["id"]) for p in first["data"]] == ids.purchase_ids[:10]
    second = service.list_purchases(
        owner,
        product=ids.product_id,
        params=ListParams(per_page=10, cursor=first["cursors"]["next"]),
    )
    assert [str(p["id"]) for p in second["data"]] == ids.purchase_ids[10:20]
    with pytest.raises(InvalidInput) as info:
        service.list_purchases(
            owner,
            product=ids.product_id,
            params=ListParams(per_page=10, cursor=first["cursors"]["next"], revoked=True),
        )
    assert list(info.value.errors) == ["cursor"]
    other_key = PurchaseService(engine=service.engine, codec=CursorCodec(b"other"))
    with pytest.raises(InvalidInput):
        other_key.list_purchases(
            owner, product=ids.product_id, params=ListParams(cursor=first["cursors"]["next"])
        )


def test_list_revoked_filter(service: PurchaseService, owner: Principal, seed: SandboxSeed) -> None:
    ids = seed.ids
    page = service.list_purchases(
        owner, product=ids.product_id, params=ListParams(per_page=100, revoked=True)
    )
    assert [str(p["id"]) for p in page["data"]] == ids.revoked_purchase_ids
