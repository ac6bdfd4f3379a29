"""Reviews by hand: customers write them on the website, so the seed and admin commands do.

Each change writes its ``product_review.*`` webhook event in the same transaction, except in the
seed (which, like the purchase seed, writes no outbox events). Ids are returned as
strings, the way they appear on the wire.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from ..storage.db import WRITE
from ..storage.tables import Product, User, utcnow
from .events import emit
from .schemas import review_dict
from .tables import ProductReview

__all__ = ["create_review", "delete_review", "edit_review", "review_body", "seed_reviews"]


class ReviewError(ValueError):
    """A review command named something that does not exist, or gave a bad value."""


def review_body(text: str) -> str:
    """The API's ``body`` (a JSON rich-text document) holding `text` as one paragraph."""
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return json.dumps({"type": "doc", "content": [paragraph]})


def _check_rating(rating: int) -> None:
    if not 1 <= rating <= 5:
        raise ReviewError(f"rating must be from 1 to 5, not {rating}")


def _exists(conn: Connection, column: Any, value: uuid.UUID) -> bool:
    return conn.execute(select(column).where(column == value)).first() is not None


def _review(conn: Connection, review_id: uuid.UUID) -> Any:
    stmt = (
        select(ProductReview.__table__, Product.team_id)
        .join(Product, Product.id == ProductReview.product_id)
        .where(ProductReview.id == review_id)
    )
    row = conn.execute(stmt).first()
    if row is None:
        raise ReviewError(f"no review {review_id}")
    return row


def _emit(conn: Connection, change: str, row: Any, **extra: Any) -> None:
    data = {**review_dict(row), **extra}
    emit(conn, f"product_review.{change}", team_id=row.team_id, data=data, now=row.updated_at)


def create_review(
    engine: Engine,
    *,
    product_id: str,
    user_id: str,
    rating: int,
    title: str = "Review",
    body: str = "",
    version: str = "1.0.0",
    helpful: int = 0,
    votes: int = 0,
    created_at: datetime | None = None,
    event: bool = True,
) -> str:
    """Add a review of `product_id` by `user_id`; raises `ReviewError` for unknown ids."""
    _check_rating(rating)
    review_id = uuid.uuid4()
    at = created_at or utcnow()
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        if not _exists(conn, Product.id, uuid.UUID(product_id)):
            raise ReviewError(f"no product {product_id}")
        if not _exists(conn, User.id, uuid.UUID(user_id)):
            raise ReviewError(f"no user {user_id}")
        conn.execute(
            insert(ProductReview).values(
                id=review_id,
                product_id=uuid.UUID(product_id),
                user_id=uuid.UUID(user_id),
                title=title,
                body=review_body(body),
                rating=rating,
                version=version,
                votes_helpful=helpful,
                votes_total=max(votes, helpful),
                created_at=at,
                updated_at=at,
            )
        )
        if event:
            _emit(conn, "created", _review(conn, review_id))
    return str(review_id)


def edit_review(
    engine: Engine,
    review_id: str,
    *,
    rating: int | None = None,
    title: str | None = None,
    body: str | None = None,
    version: str | None = None,
) -> None:
    """Change the given fields of a review (``updatedAt`` moves on)."""
    values: dict[str, Any] = {}
    if rating is not None:
        _check_rating(rating)
        values["rating"] = rating
    if title is not None:
        values["title"] = title
    if body is not None:
        values["body"] = review_body(body)
    if version is not None:
        values["version"] = version
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        row = _review(conn, uuid.UUID(review_id))
        values["updated_at"] = max(utcnow(), row.updated_at + timedelta(microseconds=1))
        conn.execute(update(ProductReview).where(ProductReview.id == row.id).values(values))
        _emit(conn, "updated", _review(conn, row.id))


def delete_review(engine: Engine, review_id: str) -> None:
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        row = _review(conn, uuid.UUID(review_id))
        conn.execute(delete(ProductReview).where(ProductReview.id == row.id))
        _emit(conn, "deleted", row, deletedAt=utcnow())


_SEED_TEXT = [
    (5, "Works perfectly", "Installed in minutes and the config is clear."),
    (4, "Great, one small bug", "A typo in the menu, otherwise excellent."),
    (3, "Does the job", "Fine for a small server."),
    (2, "Needs work", "Crashed twice on map change."),
    (1, "Broke my server", "Conflicts with my admin mod."),
]


def seed_reviews(
    engine: Engine, *, product_id: str, user_ids: Sequence[str], start: datetime
) -> list[str]:
    """One review per user (ratings 5, 4, 3, 2, 1, 5, 4, ...), a minute apart from `start`."""
    ids: list[str] = []
    for i, user in enumerate(user_ids):
        rating, title, text = _SEED_TEXT[i % len(_SEED_TEXT)]
        ids.append(
            create_review(
                engine,
                product_id=product_id,
                user_id=user,
                rating=rating,
                title=title,
                body=text,
                version=f"1.{i % 3}.0",
                helpful=i % 4,
                votes=i % 4 + i % 3,
                created_at=start + timedelta(minutes=i),
                event=False,
            )
        )
    return ids
