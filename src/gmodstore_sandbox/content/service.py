"""The rules of the content endpoints. Never imports fastapi; raises domain errors.

Check order, as for purchases: the product exists (404), the token's user is in the team that
owns it (403), the token has the scope (403), the input is valid (400), the item exists and belongs
to the product (404). Uploads are authorised before their body is read (`Core.authorize`), so a
caller without access never gets to send a file.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from ..exceptions import InvalidInput, NotFound, NotTeamMember, ProductNotFound
from ..schemas import parse_uuid
from ..service import Principal
from ..storage import repository as repo
from ..storage.cursor import Cursor, CursorCodec, InvalidCursor, query_binding
from ..storage.db import WRITE
from . import storage
from .files import FileStore
from .schemas import ListQuery
from .storage import AnyRow, Table

__all__ = [
    "COUPONS_READ",
    "COUPONS_WRITE",
    "MEDIA_READ",
    "MEDIA_WRITE",
    "REVIEWS_READ",
    "VERSIONS_DOWNLOAD",
    "VERSIONS_READ",
    "VERSIONS_WRITE",
    "Core",
    "Limits",
    "ProductAccess",
    "unwrap",
]

VERSIONS_READ = "product-versions:read"
VERSIONS_WRITE = "product-versions:write"
VERSIONS_DOWNLOAD = "product-versions:download"
MEDIA_READ = "product-media:read"
MEDIA_WRITE = "product-media:write"
COUPONS_READ = "product-coupons:read"
COUPONS_WRITE = "product-coupons:write"
REVIEWS_READ = "product-reviews:read"

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Upload size limits in bytes, per kind of file (``Settings.max_*_bytes``)."""

    version: int = 75_000 * 1024
    image: int = 8_000 * 1024
    video: int = 8_000 * 1024
    header: int = 5_000 * 1024
    json_body: int = 1 * MB


@dataclass(frozen=True)
class ProductAccess:
    product_id: uuid.UUID
    team_id: uuid.UUID


def unwrap(value: Any) -> Any:
    """Raise a deferred `InvalidInput` (parsed by the route, reported after the access checks)."""
    if isinstance(value, InvalidInput):
        raise value
    return value


def product_id_of(product: str) -> uuid.UUID:
    product_id = parse_uuid(product)
    if product_id is None:
        raise ProductNotFound()
    return product_id


class Core:
    """What every content service shares: the engine, the files, access checks and paging."""

    def __init__(
        self,
        *,
        engine: Engine,
        codec: Callable[[], CursorCodec],
        files: FileStore,
        limits: Limits,
    ) -> None:
        self.engine = engine
        self.files = files
        self.limits = limits
        self._codec_of = codec

    @property
    def _codec(self) -> CursorCodec:
        """The app's cursor codec (known only once the app has started: it may be stored)."""
        return self._codec_of()

    # --- access ------------------------------------------------------------------------------

    @staticmethod
    def check(conn: Connection, principal: Principal, product: str, scope: str) -> ProductAccess:
        product_id = product_id_of(product)
        row = repo.get_product_access(conn, product_id=product_id, user_id=principal.user_id)
        if row is None:
            raise ProductNotFound()
        if not row.is_member:
            raise NotTeamMember()
        principal.require(scope)
        return ProductAccess(product_id, row.team_id)

    def authorize(self, principal: Principal, *, product: str, scope: str) -> ProductAccess:
        """The access checks alone (for uploads, before their body is read)."""
        with self.engine.connect() as conn:
            return self.check(conn, principal, product, scope)

    def write(self) -> Connection:
        """A connection for a write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
        return self.engine.connect().execution_options(**WRITE)

    # --- reads -------------------------------------------------------------------------------

    def get_one(
        self,
        principal: Principal,
        *,
        table: Table,
        product: str,
        item: str,
        scope: str,
        missing: type[NotFound],
        to_dict: Callable[[AnyRow], dict[str, Any]],
    ) -> dict[str, Any]:
        with self.engine.connect() as conn:
            access = self.check(conn, principal, product, scope)
            row = storage.get_row(
                conn, table, product_id=access.product_id, row_id=parse_uuid(item)
            )
        if row is None:
            raise missing()
        return {"data": to_dict(row)}

    def list_page(
        self,
        principal: Principal,
        *,
        table: Table,
        product: str,
        query: ListQuery | InvalidInput,
        scope: str,
        to_dict: Callable[[AnyRow], dict[str, Any]],
    ) -> dict[str, Any]:
        """One page: ``{"data", "cursors", "connections", "meta"}``, oldest first."""
        with self.engine.connect() as conn:
            access = self.check(conn, principal, product, scope)
            parsed: ListQuery = unwrap(query)
            binding = query_binding(
                table.__tablename__,
                str(access.product_id),
                sorted(f"{k}={v!r}" for k, v in parsed.filters.items()),
            )
            cursor = self._decode(parsed.cursor, binding)
            stmt = storage.list_statement(
                table, product_id=access.product_id, filters=parsed.filters
            )
            rows, prev, nxt = self._page(conn, stmt, table, parsed.per_page, cursor)
        encode = self._codec.encode
        return {
            "data": [to_dict(row) for row in rows],
            "cursors": {
                "prev": None if prev is None else encode(prev, binding=binding),
                "next": None if nxt is None else encode(nxt, binding=binding),
            },
            "connections": [],
            "meta": {"perPage": parsed.per_page},
        }

    def _decode(self, token: str | None, binding: bytes) -> Cursor | None:
        if token is None:
            return None
        try:
            return self._codec.decode(token, binding=binding)
        except InvalidCursor as exc:
            raise InvalidInput({"cursor": [str(exc)]}) from None

    @staticmethod
    def _page(
        conn: Connection, stmt: Any, table: Table, n: int, cursor: Cursor | None
    ) -> tuple[list[AnyRow], Cursor | None, Cursor | None]:
        seq = table.seq
        if cursor is not None and cursor.direction == "before":
            rows = storage.page_rows(conn, stmt, seq, after=None, before=cursor.seq, limit=n + 1)
            more = len(rows) > n
            rows = rows[:n][::-1]
            earlier = Cursor("before", rows[0].seq) if more else None
            return rows, earlier, Cursor("after", rows[-1].seq if rows else cursor.seq - 1)
        after = None if cursor is None else cursor.seq
        rows = storage.page_rows(conn, stmt, seq, after=after, before=None, limit=n + 1)
        more = len(rows) > n
        rows = rows[:n]
        nxt = Cursor("after", rows[-1].seq) if more else None
        prev = None
        if cursor is not None:
            prev = Cursor("before", rows[0].seq if rows else cursor.seq + 1)
        return rows, prev, nxt


def secret_hash(secret: str) -> str:
    """SHA-256 hex digest: the only form in which download-link secrets are stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def later(previous: datetime, now: datetime) -> datetime:
    """`now`, or a microsecond after `previous` if the clock did not move (``updatedAt`` grows)."""
    from datetime import timedelta

    return max(now, previous + timedelta(microseconds=1))
