"""Repository functions of the content area: every query its service runs (Core statements).

Lists are keyset-paginated on ``seq`` like purchases: `page_rows` returns up to `limit` rows after
or before a ``seq`` (before: in descending order; the caller reverses them).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import (
    Connection,
    Row,
    Select,
    delete,
    func,
    insert,
    select,
    update,
)

from .tables import (
    DownloadLink,
    ProductCoupon,
    ProductHeader,
    ProductMedium,
    ProductReview,
    ProductVersion,
)

__all__ = [
    "claim_link",
    "coupon_code_taken",
    "delete_row",
    "file_keys",
    "get_row",
    "insert_link",
    "insert_row",
    "link_exists",
    "next_display_order",
    "page_rows",
    "replace_header",
    "update_row",
]

AnyRow: TypeAlias = Row
"""An unparameterised row (see the Row note in pyproject's mypy overrides)."""
Table = type[ProductVersion] | type[ProductMedium] | type[ProductCoupon] | type[ProductReview]


def insert_row(conn: Connection, table: Table, values: dict[str, Any]) -> AnyRow:
    conn.execute(insert(table).values(values))
    return conn.execute(select(table.__table__).where(table.id == values["id"])).one()


def get_row(
    conn: Connection,
    table: Table,
    *,
    product_id: uuid.UUID,
    row_id: uuid.UUID | None,
    for_update: bool = False,
) -> AnyRow | None:
    """The row `row_id` if it belongs to `product_id` (row-locked when `for_update`)."""
    if row_id is None:
        return None
    stmt = select(table.__table__).where(table.id == row_id, table.product_id == product_id)
    if for_update:
        stmt = stmt.with_for_update()
    return conn.execute(stmt).first()


def update_row(
    conn: Connection, table: Table, *, row_id: uuid.UUID, values: dict[str, Any]
) -> AnyRow:
    conn.execute(update(table).where(table.id == row_id).values(values))
    return conn.execute(select(table.__table__).where(table.id == row_id)).one()


def delete_row(conn: Connection, table: Table, *, row_id: uuid.UUID) -> None:
    if table is ProductVersion:
        conn.execute(delete(DownloadLink).where(DownloadLink.version_id == row_id))
    conn.execute(delete(table).where(table.id == row_id))


def page_rows(
    conn: Connection,
    stmt: Select[Any],
    seq: Any,
    *,
    after: int | None,
    before: int | None,
    limit: int,
) -> list[AnyRow]:
    if before is not None:
        stmt = stmt.where(seq < before).order_by(seq.desc())
    else:
        if after is not None:
            stmt = stmt.where(seq > after)
        stmt = stmt.order_by(seq.asc())
    return list(conn.execute(stmt.limit(limit)).all())


def file_keys(conn: Connection, table: type[ProductVersion] | type[ProductMedium]) -> set[str]:
    return {key for (key,) in conn.execute(select(table.file_key)) if key is not None}


def header_keys(conn: Connection) -> set[str]:
    return {key for (key,) in conn.execute(select(ProductHeader.file_key))}


# --- download links ----------------------------------------------------------------------------


def insert_link(
    conn: Connection, *, token_hash: str, version_id: uuid.UUID, expires_at: datetime, now: datetime
) -> None:
    conn.execute(
        insert(DownloadLink).values(
            token_hash=token_hash, version_id=version_id, expires_at=expires_at, created_at=now
        )
    )


def claim_link(conn: Connection, *, token_hash: str, now: datetime) -> uuid.UUID | None:
    """Mark the link used if it is unused and unexpired; its version id, or None.

    One conditional UPDATE: of two concurrent claims, exactly one matches (PostgreSQL re-checks the
    condition after waiting for the row lock; SQLite serialises the writers).
    """
    stmt = (
        update(DownloadLink)
        .where(
            DownloadLink.token_hash == token_hash,
            DownloadLink.used_at.is_(None),
            DownloadLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(DownloadLink.version_id)
    )
    return conn.execute(stmt).scalar_one_or_none()


def link_exists(conn: Connection, *, token_hash: str) -> bool:
    stmt = select(DownloadLink.token_hash).where(DownloadLink.token_hash == token_hash)
    return conn.execute(stmt).first() is not None


def version_file(conn: Connection, *, version_id: uuid.UUID) -> AnyRow | None:
    stmt = select(ProductVersion.name, ProductVersion.file_key, ProductVersion.file_size).where(
        ProductVersion.id == version_id
    )
    return conn.execute(stmt).first()


# --- media and headers -------------------------------------------------------------------------


def next_display_order(conn: Connection, *, product_id: uuid.UUID) -> int:
    stmt = select(func.max(ProductMedium.display_order)).where(
        ProductMedium.product_id == product_id
    )
    current = conn.execute(stmt).scalar()
    return 1 if current is None else int(current) + 1


def replace_header(
    conn: Connection, *, product_id: uuid.UUID, kind: str, file_key: str, now: datetime
) -> str | None:
    """Point the product's `kind` header at `file_key`; returns the previous file key."""
    where = (ProductHeader.product_id == product_id, ProductHeader.kind == kind)
    old = conn.execute(select(ProductHeader.file_key).where(*where).with_for_update()).scalar()
    if old is None:
        conn.execute(
            insert(ProductHeader).values(
                product_id=product_id, kind=kind, file_key=file_key, updated_at=now
            )
        )
    else:
        conn.execute(update(ProductHeader).where(*where).values(file_key=file_key, updated_at=now))
    return old


# --- coupons -------------------------------------------------------------------------------------


def coupon_code_taken(
    conn: Connection, *, product_id: uuid.UUID, code_key: str, except_id: uuid.UUID | None = None
) -> bool:
    stmt = select(ProductCoupon.id).where(
        ProductCoupon.product_id == product_id, ProductCoupon.code_key == code_key
    )
    if except_id is not None:
        stmt = stmt.where(ProductCoupon.id != except_id)
    return conn.execute(stmt).first() is not None


def list_statement(table: Table, *, product_id: uuid.UUID, filters: dict[str, Any]) -> Select[Any]:
    """``SELECT`` of a product's rows with the parsed filters applied."""
    stmt = select(table.__table__).where(table.product_id == product_id)
    if table is ProductVersion and "releaseType" in filters:
        stmt = stmt.where(ProductVersion.release_type.in_(filters["releaseType"]))
    if table is ProductReview and "rating" in filters:
        stmt = stmt.where(ProductReview.rating.in_(filters["rating"]))
    if table is ProductCoupon:
        if "code" in filters:
            stmt = stmt.where(ProductCoupon.code_key.in_(filters["code"]))
        if "boundUserId" in filters:
            wanted: Sequence[uuid.UUID | None] = filters["boundUserId"]
            users = [u for u in wanted if u is not None]
            condition: Any = ProductCoupon.bound_user_id.in_(users)
            if None in wanted:
                condition = condition | ProductCoupon.bound_user_id.is_(None)
            stmt = stmt.where(condition)
    return stmt
