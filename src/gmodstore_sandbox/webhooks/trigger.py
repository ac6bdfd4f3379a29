"""``gmodstore sandbox webhooks trigger EVENT_TYPE``: perform the change that emits that event.

Like ``stripe trigger``: each change goes through the same rules as the API or admin command that
makes it (`service.PurchaseService` as the team's owner, `admin.delete_purchase`,
`content.admin` for reviews, `WebhookService.send_test`), so the event is emitted in the change's
own transaction, exactly as it would be otherwise. Types whose resource the sandbox cannot make
here (versions need an uploaded file: upload one with ``gmodstore versions upload``; tickets have
no area yet) are refused with a reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, exists, select

from ..schemas import parse_create, parse_update
from ..service import READ, WRITE_SCOPE, Principal, PurchaseService
from ..storage.tables import Product, Purchase, TeamMember, User
from . import WEBHOOK_SCOPES, store
from .admin import WebhookAdminError, delete_purchase
from .routing import TEST_EVENT

__all__ = ["TRIGGERS", "trigger"]


def _team(engine: Engine, team: str | None) -> uuid.UUID:
    with engine.connect() as conn:
        if team is not None:
            teams = store.find_teams(conn, team=team)
            if len(teams) != 1:
                raise WebhookAdminError(f"no single team with id or name {team!r}")
            return uuid.UUID(str(teams[0].id))
        first = conn.execute(
            select(Product.team_id).order_by(Product.created_at, Product.id).limit(1)
        ).scalar()
    if first is None:
        raise WebhookAdminError("the sandbox has no product; run `gmodstore sandbox seed` first")
    return first


def _owner(engine: Engine, team_id: uuid.UUID) -> Principal:
    """The team's first member, acting with every scope (never stored, never a token)."""
    with engine.connect() as conn:
        user = conn.execute(
            select(TeamMember.user_id)
            .where(TeamMember.team_id == team_id)
            .order_by(TeamMember.role.desc(), TeamMember.user_id)
            .limit(1)
        ).scalar()
    if user is None:
        raise WebhookAdminError("the team has no member to act as")
    return Principal("trigger", user, frozenset({READ, WRITE_SCOPE, *WEBHOOK_SCOPES}), None)


def _purchase(engine: Engine, team_id: uuid.UUID, *, revoked: bool | None) -> Any:
    with engine.connect() as conn:
        stmt = (
            select(Purchase.id, Purchase.product_id)
            .join(Product, Product.id == Purchase.product_id)
            .where(Product.team_id == team_id)
            .order_by(Purchase.seq.desc())
            .limit(1)
        )
        if revoked is not None:
            stmt = stmt.where(Purchase.revoked.is_(revoked))
        row = conn.execute(stmt).first()
    if row is None:
        state = {None: "", True: "revoked ", False: "active "}[revoked]
        raise WebhookAdminError(f"the team has no {state}purchase to change")
    return row


def _created(engine: Engine, team_id: uuid.UUID) -> str:
    with engine.connect() as conn:
        product = conn.execute(
            select(Product.id).where(Product.team_id == team_id).order_by(Product.created_at)
        ).scalar()
        if product is None:
            raise WebhookAdminError("the team has no product")
        owned = exists().where(Purchase.product_id == product, Purchase.user_id == User.id)
        user = conn.execute(select(User.id).where(~owned).order_by(User.created_at)).scalar()
    if user is None:
        raise WebhookAdminError("every user already owns the team's first product")
    service = PurchaseService(engine=engine, codec=None)
    payload = parse_create(f'{{"userId": "{user}"}}'.encode())
    body = service.create_purchase(_owner(engine, team_id), product=str(product), payload=payload)
    return f"granted product {product} to user {user} (purchase {body['data']['id']})"


def _revoke(revoked: bool) -> Callable[[Engine, uuid.UUID], str]:
    def change(engine: Engine, team_id: uuid.UUID) -> str:
        row = _purchase(engine, team_id, revoked=not revoked)
        service = PurchaseService(engine=engine, codec=None)
        service.update_purchase(
            _owner(engine, team_id),
            product=str(row.product_id),
            purchase=str(row.id),
            payload=parse_update(b'{"revoked": true}' if revoked else b'{"revoked": false}'),
        )
        return f"{'revoked' if revoked else 'restored'} purchase {row.id}"

    return change


def _deleted(engine: Engine, team_id: uuid.UUID) -> str:
    row = _purchase(engine, team_id, revoked=None)
    delete_purchase(engine, purchase_id=str(row.id))
    return f"deleted purchase {row.id}"


def _latest_review(engine: Engine, team_id: uuid.UUID) -> str:
    from ..content.tables import ProductReview

    with engine.connect() as conn:
        review = conn.execute(
            select(ProductReview.id)
            .join(Product, Product.id == ProductReview.product_id)
            .where(Product.team_id == team_id)
            .order_by(ProductReview.seq.desc())
            .limit(1)
        ).scalar()
    if review is None:
        raise WebhookAdminError("the team has no review; trigger product_review.created first")
    return str(review)


def _review(change: str) -> Callable[[Engine, uuid.UUID], str]:
    def perform(engine: Engine, team_id: uuid.UUID) -> str:
        from ..content import admin as content

        if change == "created":
            row = _purchase(engine, team_id, revoked=None)
            with engine.connect() as conn:
                user = conn.execute(select(Purchase.user_id).where(Purchase.id == row.id)).scalar()
            review = content.create_review(
                engine, product_id=str(row.product_id), user_id=str(user), rating=5,
                title="Triggered review",
            )  # fmt: skip
            return f"created review {review}"
        review = _latest_review(engine, team_id)
        if change == "updated":
            content.edit_review(engine, review, title="Edited by trigger")
        else:
            content.delete_review(engine, review)
        return f"{change} review {review}"

    return perform


def _test(engine: Engine, team_id: uuid.UUID) -> str:
    from .service import WebhookService

    service = WebhookService(engine=engine, codec=lambda: None)  # type: ignore[arg-type,return-value]
    service.send_test(_owner(engine, team_id), team=str(team_id))
    return "sent a test message"


TRIGGERS: dict[str, Callable[[Engine, uuid.UUID], str]] = {
    "product_purchase.created": _created,
    "product_purchase.revoked": _revoke(True),
    "product_purchase.unrevoked": _revoke(False),
    "product_purchase.deleted": _deleted,
    "product_review.created": _review("created"),
    "product_review.updated": _review("updated"),
    "product_review.deleted": _review("deleted"),
    TEST_EVENT: _test,
}
"""The event types the sandbox can trigger, and the change each performs."""


def trigger(engine: Engine, event_type: str, *, team: str | None = None) -> str:
    """Perform the change that emits `event_type` for `team` (default: the first product's team).

    Returns what was done. Raises `WebhookAdminError` for a type it cannot trigger.
    """
    change = TRIGGERS.get(event_type)
    if change is None:
        known = ", ".join(TRIGGERS)
        raise WebhookAdminError(f"cannot trigger {event_type!r} in this sandbox; it can: {known}")
    return change(engine, _team(engine, team))
