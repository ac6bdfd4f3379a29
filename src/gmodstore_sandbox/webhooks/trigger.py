"""``gmodstore sandbox webhooks trigger EVENT_TYPE``: perform the change that emits that event.

Like ``stripe trigger``: each change goes through the same rules as the API or admin command that
makes it (`service.PurchaseService` as the team's owner, `admin.delete_purchase`,
`content.admin` for reviews, `WebhookService.send_test`, and the content and tickets services in
`trigger_areas`), so the event is emitted in the change's own transaction, exactly as it would be
otherwise. All 25 event types of the API can be triggered, plus ``webhook_endpoint.test``. A change
that needs a resource the team does not have (a review to edit, a held ticket to unhold) is
refused with a reason, naming the trigger that makes one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, exists, select

from ..exceptions import SandboxError
from ..schemas import parse_create, parse_update
from ..service import PurchaseService
from ..storage.tables import Product, Purchase, User
from . import store
from .admin import WebhookAdminError, delete_purchase
from .routing import TEST_EVENT
from .trigger_areas import AREA_TRIGGERS, Scene, team_member

__all__ = ["DEFAULT_API_URL", "TRIGGERS", "trigger"]

DEFAULT_API_URL = "http://127.0.0.1:8765/v3"
"""The API root of ``gmodstore sandbox serve`` with its default port (ticket attachment URLs)."""


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


def _purchase(scene: Scene, *, revoked: bool | None) -> Any:
    with scene.engine.connect() as conn:
        stmt = (
            select(Purchase.id, Purchase.product_id)
            .join(Product, Product.id == Purchase.product_id)
            .where(Product.team_id == scene.team_id)
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


def _created(scene: Scene) -> str:
    with scene.engine.connect() as conn:
        product = conn.execute(
            select(Product.id).where(Product.team_id == scene.team_id).order_by(Product.created_at)
        ).scalar()
        if product is None:
            raise WebhookAdminError("the team has no product")
        owned = exists().where(Purchase.product_id == product, Purchase.user_id == User.id)
        user = conn.execute(select(User.id).where(~owned).order_by(User.created_at)).scalar()
    if user is None:
        raise WebhookAdminError("every user already owns the team's first product")
    service = PurchaseService(engine=scene.engine, codec=None)
    payload = parse_create(f'{{"userId": "{user}"}}'.encode())
    body = service.create_purchase(team_member(scene), product=str(product), payload=payload)
    return f"granted product {product} to user {user} (purchase {body['data']['id']})"


def _revoke(revoked: bool) -> Callable[[Scene], str]:
    def change(scene: Scene) -> str:
        row = _purchase(scene, revoked=not revoked)
        service = PurchaseService(engine=scene.engine, codec=None)
        service.update_purchase(
            team_member(scene),
            product=str(row.product_id),
            purchase=str(row.id),
            payload=parse_update(b'{"revoked": true}' if revoked else b'{"revoked": false}'),
        )
        return f"{'revoked' if revoked else 'restored'} purchase {row.id}"

    return change


def _deleted(scene: Scene) -> str:
    row = _purchase(scene, revoked=None)
    delete_purchase(scene.engine, purchase_id=str(row.id))
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


def _review(change: str) -> Callable[[Scene], str]:
    def perform(scene: Scene) -> str:
        from ..content import admin as content

        engine = scene.engine
        if change == "created":
            row = _purchase(scene, revoked=None)
            with engine.connect() as conn:
                user = conn.execute(select(Purchase.user_id).where(Purchase.id == row.id)).scalar()
            review = content.create_review(
                engine, product_id=str(row.product_id), user_id=str(user), rating=5,
                title="Triggered review",
            )  # fmt: skip
            return f"created review {review}"
        review = _latest_review(engine, scene.team_id)
        if change == "updated":
            content.edit_review(engine, review, title="Edited by trigger")
        else:
            content.delete_review(engine, review)
        return f"{change} review {review}"

    return perform


def _test(scene: Scene) -> str:
    from .service import WebhookService

    service = WebhookService(engine=scene.engine, codec=lambda: None)  # type: ignore[arg-type,return-value]
    service.send_test(team_member(scene), team=str(scene.team_id))
    return "sent a test message"


TRIGGERS: dict[str, Callable[[Scene], str]] = {
    "product_purchase.created": _created,
    "product_purchase.revoked": _revoke(True),
    "product_purchase.unrevoked": _revoke(False),
    "product_purchase.deleted": _deleted,
    "product_review.created": _review("created"),
    "product_review.updated": _review("updated"),
    "product_review.deleted": _review("deleted"),
    **AREA_TRIGGERS,
    TEST_EVENT: _test,
}
"""The event types the sandbox can trigger, and the change each performs."""


def trigger(
    engine: Engine,
    event_type: str,
    *,
    team: str | None = None,
    files_dir: Path | None = None,
    api_url: str = DEFAULT_API_URL,
) -> str:
    """Perform the change that emits `event_type` for `team` (default: the first product's team).

    Args:
        files_dir: the sandbox's file store (versions and attachments are written there); by
            default ``./sandbox-files``.
        api_url: the API root that ticket attachment URLs start with.

    Returns what was done. Raises `WebhookAdminError` for a type it cannot trigger, or when the
    change is refused (the message says why).
    """
    change = TRIGGERS.get(event_type)
    if change is None:
        known = ", ".join(TRIGGERS)
        raise WebhookAdminError(f"cannot trigger {event_type!r} in this sandbox; it can: {known}")
    scene = Scene(engine, _team(engine, team), files_dir or Path("sandbox-files"), api_url)
    from ..content.admin import ReviewError
    from ..tickets.admin import TicketAdminError

    try:
        return change(scene)
    except SandboxError as exc:  # the service's own refusal (a locked ticket, ...)
        raise WebhookAdminError(f"{event_type}: {exc.message}") from None
    except (ReviewError, TicketAdminError) as exc:
        raise WebhookAdminError(f"{event_type}: {exc}") from None
