"""The rules of the product purchases endpoints. Never imports fastapi; raises domain errors.

Check order for every endpoint (the route has already authenticated the token and counted the
request against its rate limit):

1. the product exists (404) - products are public on the store, so this leaks nothing new;
2. the token's user is a member of the team that owns it (403);
3. the token has the endpoint's scope (403);
4. the input is valid (400) - only callers allowed to use the endpoint learn its validation rules;
5. the purchase exists and belongs to that product (404) - after the team check, so other teams'
   purchase ids are never revealed.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from .exceptions import (
    InvalidInput,
    MissingScope,
    NotTeamMember,
    ProductNotFound,
    PurchaseNotFound,
    Unauthenticated,
)
from .schemas import (
    ListParams,
    PurchaseCreate,
    PurchaseUpdate,
    parse_uuid,
    purchase_dict,
)
from .storage import repository as repo
from .storage.cursor import Cursor, CursorCodec, InvalidCursor, query_binding
from .storage.db import WRITE
from .storage.tables import utcnow
from .webhooks import events

__all__ = ["READ", "WRITE_SCOPE", "Principal", "PurchaseService", "hash_token", "list_binding"]

READ = "product-purchases:read"
WRITE_SCOPE = "product-purchases:write"
MAX_TOKEN_LENGTH = 512
_CACHE_MAX = 10_000

T = TypeVar("T")


def hash_token(token: str) -> str:
    """SHA-256 hex digest: the only form in which tokens are stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The verified owner of a token."""

    token_hash: str
    user_id: uuid.UUID
    scopes: frozenset[str]
    expires_at: datetime | None

    def require(self, scope: str) -> None:
        if scope not in self.scopes and "*" not in self.scopes:  # "*": every ability
            raise MissingScope(scope)


def _unwrap(value: T | InvalidInput) -> T:
    if isinstance(value, InvalidInput):
        raise value
    return value


class PurchaseService:
    """Product purchase operations over one engine.

    Args:
        engine: where the tables live.
        codec: signs and checks pagination cursors (None: set `codec` before listing).
        token_cache_seconds: how long a verified token is trusted without a database read.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        codec: CursorCodec | None,
        token_cache_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self._hot = repo.HotQueries(engine)
        self.codec = codec
        """Signs cursors; None until the app's startup loads the database's key."""
        self._cache_seconds = token_cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._cache_lock = threading.Lock()

    # --- authentication -------------------------------------------------------------------

    def cached_principal(self, token: str) -> Principal | None:
        """The principal for `token` if it is in the cache (no I/O); raises if it has expired."""
        entry = self._cache.get(hash_token(token))
        if entry is None or entry[0] < self._clock():
            return None
        principal = entry[1]
        self._check_expiry(principal)
        return principal

    def authenticate(self, token: str | None) -> Principal:
        """Verify `token` against the database; raises `Unauthenticated`."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise Unauthenticated()
        digest = hash_token(token)
        with self.engine.connect() as conn:
            row = repo.find_token(conn, token_hash=digest)
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            raise Unauthenticated()
        principal = Principal(digest, row.user_id, frozenset(row.scopes.split()), row.expires_at)
        self._check_expiry(principal)
        if self._cache_seconds > 0:
            with self._cache_lock:
                if len(self._cache) >= _CACHE_MAX:
                    self._cache.clear()
                self._cache[digest] = (self._clock() + self._cache_seconds, principal)
        return principal

    def forget_token(self, token_hash: str) -> None:
        """Drop a token from the cache (it was deleted or changed): the next request re-reads it."""
        with self._cache_lock:
            self._cache.pop(token_hash, None)

    @staticmethod
    def _check_expiry(principal: Principal) -> None:
        if principal.expires_at is not None and principal.expires_at <= utcnow():
            raise Unauthenticated("The access token has expired.")

    def authorize(self, principal: Principal, *, product: str, scope: str) -> None:
        """Check access to `product` (404 unknown product, 403 not a member or missing `scope`).

        Routes call it before reading a request body; the write itself checks again inside its
        transaction.
        """
        product_id = _product_id(product)
        with self.engine.connect() as conn:
            self._authorize(conn, principal, product_id, scope)

    # --- operations ------------------------------------------------------------------------

    def get_purchase(self, principal: Principal, *, product: str, purchase: str) -> dict[str, Any]:
        """``{"data": ProductPurchase}`` - one query checks product, team and purchase together."""
        row = self._hot.get_purchase_with_access(
            product_id=_product_id(product),
            purchase_id=parse_uuid(purchase),
            user_id=principal.user_id,
        )
        _check_access(row, principal, READ)
        assert row is not None
        if row.id is None:
            raise PurchaseNotFound()
        return {"data": purchase_dict(row)}

    def list_purchases(
        self, principal: Principal, *, product: str, params: ListParams | InvalidInput
    ) -> dict[str, Any]:
        """One page: ``{"data", "cursors", "connections", "meta"}``."""
        product_id = _product_id(product)
        with self.engine.connect() as conn:
            self._authorize(conn, principal, product_id, READ)
            query = _unwrap(params)
            binding = list_binding(product_id, query)
            cursor = self._decode_cursor(query.cursor, binding)
            if query.product_ids is not None and product_id not in query.product_ids:
                rows: list[Any] = []
                prev = nxt = None
            else:
                rows, prev, nxt = self._page(conn, product_id, query, cursor)
        encode = self._cursors().encode
        return {
            "data": [purchase_dict(row) for row in rows],
            "cursors": {
                "prev": None if prev is None else encode(prev, binding=binding),
                "next": None if nxt is None else encode(nxt, binding=binding),
            },
            "connections": [],
            "meta": {"perPage": query.per_page},
        }

    def create_purchase(
        self, principal: Principal, *, product: str, payload: PurchaseCreate | InvalidInput
    ) -> dict[str, Any]:
        """Create a purchase and its ``product_purchase.created`` outbox event, atomically."""
        product_id = _product_id(product)
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**WRITE)
                with conn.begin():
                    team_id = self._authorize(conn, principal, product_id, WRITE_SCOPE)
                    user_id = _unwrap(payload).user_id
                    if not repo.user_exists(conn, user_id=user_id):
                        raise InvalidInput({"userId": ["The selected user id is invalid."]})
                    now = utcnow()
                    row = repo.insert_purchase(
                        conn,
                        purchase_id=uuid.uuid4(),
                        product_id=product_id,
                        user_id=user_id,
                        now=now,
                    )
                    data = purchase_dict(row)
                    _outbox(conn, "product_purchase.created", data, team_id, now)
        except IntegrityError:
            # UNIQUE(product_id, user_id): a concurrent or earlier create won.
            raise InvalidInput({"userId": ["This user already owns this product."]}) from None
        return {"data": data}

    def update_purchase(
        self,
        principal: Principal,
        *,
        product: str,
        purchase: str,
        payload: PurchaseUpdate | InvalidInput,
    ) -> dict[str, Any]:
        """Apply ``revoked``. A request that changes nothing writes nothing: no event, and
        ``updatedAt`` keeps its value (as an ORM save of a clean model does)."""
        product_id = _product_id(product)
        with self.engine.connect() as conn:
            conn.execution_options(**WRITE)
            with conn.begin():
                team_id = self._authorize(conn, principal, product_id, WRITE_SCOPE)
                revoked = _unwrap(payload).revoked
                purchase_id = parse_uuid(purchase)
                row = None
                if purchase_id is not None:
                    row = repo.lock_purchase(conn, product_id=product_id, purchase_id=purchase_id)
                if row is None:
                    raise PurchaseNotFound()
                if revoked is None or revoked == row.revoked:
                    return {"data": purchase_dict(row)}
                # Strictly later than the previous value even if the clock did not move.
                now = max(utcnow(), row.updated_at + timedelta(microseconds=1))
                row = repo.set_purchase_revoked(conn, purchase_id=row.id, revoked=revoked, now=now)
                data = purchase_dict(row)
                event = "product_purchase.revoked" if revoked else "product_purchase.unrevoked"
                _outbox(conn, event, data, team_id, now)
        return {"data": data}

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _authorize(
        conn: Connection, principal: Principal, product_id: uuid.UUID, scope: str
    ) -> uuid.UUID:
        row = repo.get_product_access(conn, product_id=product_id, user_id=principal.user_id)
        _check_access(row, principal, scope)
        assert row is not None
        return row.team_id  # type: ignore[no-any-return]

    def _cursors(self) -> CursorCodec:
        if self.codec is None:
            raise RuntimeError("the cursor key is loaded at app startup (lifespan)")
        return self.codec

    def _decode_cursor(self, token: str | None, binding: bytes) -> Cursor | None:
        if token is None:
            return None
        try:
            return self._cursors().decode(token, binding=binding)
        except InvalidCursor as exc:
            raise InvalidInput({"cursor": [str(exc)]}) from None

    @staticmethod
    def _page(
        conn: Connection, product_id: uuid.UUID, query: ListParams, cursor: Cursor | None
    ) -> tuple[list[Any], Cursor | None, Cursor | None]:
        n = query.per_page
        filters: dict[str, Any] = {
            "product_id": product_id,
            "revoked": query.revoked,
            "user_ids": query.user_ids,
            "limit": n + 1,
        }
        if cursor is not None and cursor.direction == "before":
            rows = list(repo.list_purchases(conn, before_seq=cursor.seq, **filters))
            more = len(rows) > n
            rows = rows[:n][::-1]
            earlier = Cursor("before", rows[0].seq) if more else None
            return rows, earlier, Cursor("after", rows[-1].seq if rows else cursor.seq - 1)
        after = None if cursor is None else cursor.seq
        rows = list(repo.list_purchases(conn, after_seq=after, **filters))
        more = len(rows) > n
        rows = rows[:n]
        nxt = Cursor("after", rows[-1].seq) if more else None
        prev: Cursor | None = None
        if cursor is not None:
            prev = Cursor("before", rows[0].seq if rows else cursor.seq + 1)
        return rows, prev, nxt


def list_binding(product_id: uuid.UUID, query: ListParams) -> bytes:
    """What a list cursor is bound to: the product and the filters (not perPage)."""
    return query_binding(
        str(product_id),
        repr(query.revoked),
        [str(u) for u in query.user_ids or ()],
        [str(p) for p in query.product_ids] if query.product_ids is not None else "-",
    )


def _product_id(product: str) -> uuid.UUID:
    product_id = parse_uuid(product)
    if product_id is None:
        raise ProductNotFound()
    return product_id


def _check_access(row: Any, principal: Principal, scope: str) -> None:
    if row is None:
        raise ProductNotFound()
    if not row.is_member:
        raise NotTeamMember()
    principal.require(scope)


def _outbox(
    conn: Connection, event_type: str, data: dict[str, Any], team_id: uuid.UUID, now: datetime
) -> None:
    events.emit(conn, event_type, team_id=team_id, data=data, now=now)
