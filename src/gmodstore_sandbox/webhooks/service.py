"""The rules of the team webhook endpoint and message operations. No fastapi; domain errors.

Check order, as for purchases: the team exists (404), the token's user is one of its members (403),
the token has the operation's scope (403), the input is valid (400), the endpoint or message
exists in that team (404).

Choices where the public API is silent (documented in docs/ARCHITECTURE.md):

- **disabled**: a disabled endpoint receives nothing; its pending deliveries are failed when it is
  disabled (``resend`` can still send one once it is enabled again), and once enabled it receives
  the events written from then on (`routing.receives`).
- **secret rotation**: ``PUT .../secret`` makes a new ``whsec_`` key; for `ROTATION_OVERLAP` after
  it, every delivery carries two signatures (new key, previous key), so a receiver that has not
  switched yet keeps verifying, and one that has switched verifies at once.
- **resend**: the message's delivery to that endpoint is pending again (due now); its attempts keep
  accumulating under the same ``webhook-id``. A delivery still pending is left as it is.
- **ids**: a message's ``id`` and ``eventId`` are the outbox event's id; its ``webhook-id`` header
  is ``msg_<id without dashes>``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Select

from ..exceptions import InvalidInput, NotFound, NotTeamMember
from ..params import parse_uuid
from ..service import Principal
from ..storage.cursor import Cursor, CursorCodec, InvalidCursor, query_binding
from ..storage.db import WRITE
from ..storage.tables import utcnow
from . import WEBHOOK_SCOPES, api_store, events, store
from .routing import TEST_EVENT, message_channels
from .schemas import EndpointCreate, EndpointUpdate
from .signing import new_secret
from .tables import DELIVERED, PENDING

__all__ = [
    "ENDPOINTS_READ",
    "ENDPOINTS_WRITE",
    "MESSAGES_READ",
    "ROTATION_OVERLAP",
    "WebhookService",
    "webhook_id",
]

ENDPOINTS_READ, ENDPOINTS_WRITE, MESSAGES_READ = WEBHOOK_SCOPES
ROTATION_OVERLAP = timedelta(hours=24)
"""How long deliveries are also signed with the previous secret after a rotation."""

_ATTEMPT_IDS = uuid.UUID("3f0c6f9e-8c57-4a43-9d0f-5e6b0a8f7c21")
_STATUS = {DELIVERED: 0, PENDING: 1}  # anything else (failed): 2


class TeamNotFound(NotFound):
    message = "The team could not be found."


class EndpointNotFound(NotFound):
    message = "The webhook endpoint could not be found."


class MessageNotFound(NotFound):
    message = "The webhook message could not be found."


class NotMember(NotTeamMember):
    message = "You are not a member of this team."


def webhook_id(message_id: uuid.UUID) -> str:
    """The ``webhook-id`` header of every delivery of a message (see `store.fan_out`)."""
    return f"msg_{message_id.hex}"


def _unwrap(value: Any) -> Any:
    if isinstance(value, InvalidInput):
        raise value
    return value


class WebhookService:
    """Team webhook endpoints and messages over one engine.

    Args:
        engine: the sandbox database.
        codec: the app's cursor codec (known once the app has started).
    """

    def __init__(self, *, engine: Engine, codec: Callable[[], CursorCodec]) -> None:
        self.engine = engine
        self._codec = codec

    # --- access ------------------------------------------------------------------------------

    @staticmethod
    def check(conn: Connection, principal: Principal, team: str, scope: str) -> uuid.UUID:
        team_id = parse_uuid(team)
        member = (
            None
            if team_id is None
            else api_store.is_member(conn, team_id=team_id, user_id=principal.user_id)
        )
        if member is None or team_id is None:
            raise TeamNotFound()
        if not member:
            raise NotMember()
        principal.require(scope)  # "*" (a staff token) holds every ability
        return team_id

    def authorize(self, principal: Principal, *, team: str, scope: str) -> None:
        """The access checks alone (before a body is read)."""
        with self.engine.connect() as conn:
            self.check(conn, principal, team, scope)

    def _endpoint(
        self, conn: Connection, team_id: uuid.UUID, endpoint: str, *, lock: bool = False
    ) -> Any:
        endpoint_id = parse_uuid(endpoint)
        row = None
        if endpoint_id is not None:
            row = api_store.get_endpoint(conn, team_id=team_id, endpoint_id=endpoint_id, lock=lock)
        if row is None:
            raise EndpointNotFound()
        return row

    # --- endpoints ---------------------------------------------------------------------------

    def list_endpoints(self, principal: Principal, *, team: str, query: Any) -> dict[str, Any]:
        with self.engine.connect() as conn:
            team_id = self.check(conn, principal, team, ENDPOINTS_READ)
            parsed = _unwrap(query)
            binding = query_binding("webhook_endpoints", str(team_id))
            cursor = self._decode(parsed.cursor, binding)
            offset = 0 if cursor is None else cursor.seq
            stmt = api_store.team_endpoints(team_id=team_id)
            rows = list(conn.execute(stmt.offset(offset).limit(parsed.per_page + 1)))
        n = parsed.per_page
        nxt = Cursor("after", offset + n) if len(rows) > n else None
        prev = Cursor("before", max(offset - n, 0)) if offset > 0 else None
        return self._page([endpoint_dict(r) for r in rows[:n]], n, binding, prev, nxt)

    def create_endpoint(
        self, principal: Principal, *, team: str, payload: EndpointCreate
    ) -> dict[str, Any]:
        now, endpoint_id = utcnow(), uuid.uuid4()
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            team_id = self.check(conn, principal, team, ENDPOINTS_WRITE)
            store.insert_endpoint(
                conn,
                endpoint_id=endpoint_id,
                team_id=team_id,
                url=payload.url,
                secret=new_secret(),
                event_types=payload.filterTypes,
                now=now,
            )
            api_store.update_endpoint(
                conn,
                endpoint_id=endpoint_id,
                values={
                    "description": payload.description,
                    "channels": _joined(payload.channels),
                    "disabled": False,
                    "updated_at": now,
                },
            )
            row = api_store.get_endpoint(conn, team_id=team_id, endpoint_id=endpoint_id)
        return {"data": endpoint_dict(row)}

    def get_endpoint(self, principal: Principal, *, team: str, endpoint: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            team_id = self.check(conn, principal, team, ENDPOINTS_READ)
            return {"data": endpoint_dict(self._endpoint(conn, team_id, endpoint))}

    def update_endpoint(
        self, principal: Principal, *, team: str, endpoint: str, payload: EndpointUpdate
    ) -> dict[str, Any]:
        now = utcnow()
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            team_id = self.check(conn, principal, team, ENDPOINTS_WRITE)
            row = self._endpoint(conn, team_id, endpoint, lock=True)
            values: dict[str, Any] = {
                "url": payload.url,
                "disabled": payload.disabled,
                "updated_at": max(now, row.updated_at or row.created_at),
            }
            given = payload.model_fields_set
            if "description" in given:
                values["description"] = payload.description
            if "filterTypes" in given:
                values["event_types"] = _joined(payload.filterTypes)
            if "channels" in given:
                values["channels"] = _joined(payload.channels)
            if payload.disabled and not row.disabled:
                api_store.disable_pending(conn, endpoint_id=row.id, now=now)
            elif row.disabled and not payload.disabled:
                values["enabled_at"] = now
            api_store.update_endpoint(conn, endpoint_id=row.id, values=values)
            row = api_store.get_endpoint(conn, team_id=team_id, endpoint_id=row.id)
        return {"data": endpoint_dict(row)}

    def delete_endpoint(self, principal: Principal, *, team: str, endpoint: str) -> dict[str, Any]:
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            team_id = self.check(conn, principal, team, ENDPOINTS_WRITE)
            row = self._endpoint(conn, team_id, endpoint, lock=True)
            store.delete_endpoint(conn, endpoint_id=row.id)
        return {"data": endpoint_dict(row)}

    def get_secret(self, principal: Principal, *, team: str, endpoint: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            team_id = self.check(conn, principal, team, ENDPOINTS_READ)
            return {"data": {"key": self._endpoint(conn, team_id, endpoint).secret}}

    def rotate_secret(self, principal: Principal, *, team: str, endpoint: str) -> dict[str, Any]:
        now, secret = utcnow(), new_secret()
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            team_id = self.check(conn, principal, team, ENDPOINTS_WRITE)
            row = self._endpoint(conn, team_id, endpoint, lock=True)
            api_store.update_endpoint(
                conn,
                endpoint_id=row.id,
                values={
                    "secret": secret,
                    "previous_secret": row.secret,
                    "previous_secret_expires_at": now + ROTATION_OVERLAP,
                    "updated_at": max(now, row.updated_at or row.created_at),
                },
            )
        return {"data": {"key": secret}}

    def send_test(self, principal: Principal, *, team: str) -> None:
        """One `TEST_EVENT` message, fanned out to every enabled endpoint of the team."""
        now = utcnow()
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            team_id = self.check(conn, principal, team, ENDPOINTS_WRITE)
            data = {"id": str(uuid.uuid4()), "teamId": str(team_id), "createdAt": now}
            events.emit(conn, TEST_EVENT, team_id=team_id, data=data, now=now)

    def endpoint_attempts(
        self, principal: Principal, *, team: str, endpoint: str, query: Any
    ) -> dict[str, Any]:
        with self.engine.connect() as conn:
            team_id = self.check(conn, principal, team, ENDPOINTS_READ)
            row = self._endpoint(conn, team_id, endpoint)
            parsed = _unwrap(query)
            binding = query_binding("webhook_deliveries", str(row.id))
            stmt = api_store.endpoint_deliveries(endpoint_id=row.id)
            return self._desc_page(conn, stmt, parsed, binding, delivery_dict)

    def resend(self, principal: Principal, *, team: str, endpoint: str, message: str) -> None:
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            team_id = self.check(conn, principal, team, ENDPOINTS_WRITE)
            row = self._endpoint(conn, team_id, endpoint)
            msg = self._message(conn, team_id, message)
            if row.disabled:
                raise InvalidInput({"webhook_endpoint": ["The webhook endpoint is disabled."]})
            reset = api_store.reset_delivery(
                conn, endpoint_id=row.id, message_seq=msg.seq, now=utcnow()
            )
            if reset is None:
                raise MessageNotFound("This message was never sent to this webhook endpoint.")

    # --- messages ----------------------------------------------------------------------------

    def _message(self, conn: Connection, team_id: uuid.UUID, message: str) -> Any:
        message_id = parse_uuid(message)
        row = None
        if message_id is not None:
            row = api_store.get_message(conn, team_id=team_id, message_id=message_id)
        if row is None:
            raise MessageNotFound()
        return row

    def list_messages(self, principal: Principal, *, team: str, query: Any) -> dict[str, Any]:
        """Newest first: a poller reads the first page until it meets what it has seen."""
        with self.engine.connect() as conn:
            team_id = self.check(conn, principal, team, MESSAGES_READ)
            parsed = _unwrap(query)
            binding = query_binding("outbox", str(team_id))
            stmt = api_store.team_messages(team_id=team_id)
            return self._desc_page(conn, stmt, parsed, binding, message_dict)

    def get_message(self, principal: Principal, *, team: str, message: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            team_id = self.check(conn, principal, team, MESSAGES_READ)
            return {"data": message_dict(self._message(conn, team_id, message))}

    def message_attempts(
        self, principal: Principal, *, team: str, message: str, query: Any
    ) -> dict[str, Any]:
        with self.engine.connect() as conn:
            team_id = self.check(conn, principal, team, MESSAGES_READ)
            msg = self._message(conn, team_id, message)
            parsed = _unwrap(query)
            binding = query_binding("webhook_attempts", str(msg.id))
            stmt = api_store.message_attempts(message_seq=msg.seq)

            def to_dict(row: Any) -> dict[str, Any]:
                return attempt_dict(row, msg.id)

            return self._desc_page(conn, stmt, parsed, binding, to_dict)

    # --- paging ------------------------------------------------------------------------------

    def _decode(self, token: str | None, binding: bytes) -> Cursor | None:
        if token is None:
            return None
        try:
            return self._codec().decode(token, binding=binding)
        except InvalidCursor as exc:
            raise InvalidInput({"cursor": [str(exc)]}) from None

    def _page(
        self,
        data: list[dict[str, Any]],
        per_page: int,
        binding: bytes,
        prev: Cursor | None,
        nxt: Cursor | None,
    ) -> dict[str, Any]:
        encode = self._codec().encode
        return {
            "data": data,
            "cursors": {
                "prev": None if prev is None else encode(prev, binding=binding),
                "next": None if nxt is None else encode(nxt, binding=binding),
            },
            "connections": [],
            "meta": {"perPage": per_page},
        }

    def _desc_page(
        self,
        conn: Connection,
        stmt: Select[Any],
        query: Any,
        binding: bytes,
        to_dict: Callable[[Any], dict[str, Any]],
    ) -> dict[str, Any]:
        """Newest first by the statement's ``seq`` column; cursors continue either way."""
        n, cursor = query.per_page, self._decode(query.cursor, binding)
        seq = stmt.selected_columns.seq
        prev: Cursor | None = None
        nxt: Cursor | None = None
        if cursor is not None and cursor.direction == "before":
            rows = list(conn.execute(stmt.where(seq > cursor.seq).order_by(seq).limit(n + 1)))
            more, rows = len(rows) > n, rows[:n][::-1]
            prev = Cursor("before", rows[0].seq) if more else None
            nxt = Cursor("after", rows[-1].seq if rows else cursor.seq + 1)
        else:
            after = None if cursor is None else cursor.seq
            page = stmt if after is None else stmt.where(seq < after)
            rows = list(conn.execute(page.order_by(seq.desc()).limit(n + 1)))
            more, rows = len(rows) > n, rows[:n]
            nxt = Cursor("after", rows[-1].seq) if more else None
            if after is not None:
                prev = Cursor("before", rows[0].seq if rows else after - 1)
        return self._page([to_dict(r) for r in rows], n, binding, prev, nxt)


# --- row -> JSON ---------------------------------------------------------------------------------


def _joined(items: list[str] | None) -> str | None:
    return " ".join(items) if items else None


def _split(value: str | None) -> list[str] | None:
    return value.split() if value else None


def endpoint_dict(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "teamId": str(row.team_id),
        "url": row.url,
        "description": row.description,
        "disabled": bool(row.disabled),
        "channels": _split(row.channels),
        "filterTypes": _split(row.event_types),
        "createdAt": row.created_at,
        "updatedAt": row.updated_at or row.created_at,
    }


def message_dict(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "eventId": str(row.id),
        "eventType": row.event_type,
        "payload": row.payload,
        "channels": message_channels(row.product_id) or None,
        "timestamp": row.created_at,
    }


def delivery_dict(row: Any) -> dict[str, Any]:
    """``TeamWebhookMessageAttempt``: a message as sent to one endpoint. ``status``: 0 delivered,
    1 pending, 2 failed; ``nextAttempt``: when a pending one is due, else when it finished."""
    body = message_dict(row)
    body["status"] = _STATUS.get(row.status, 2)
    body["nextAttempt"] = (
        row.next_attempt_at if row.status == PENDING else row.finished_at or row.next_attempt_at
    )
    return body


def attempt_dict(row: Any, message_id: uuid.UUID) -> dict[str, Any]:
    """``TeamWebhookAttempt``: one HTTP try. ``status`` 0 success, 2 failure; ``triggerType`` 0
    (the sandbox does not record which tries a resend caused); ``responseStatusCode`` 0 without an
    answer; ``response`` the start of a non-2xx answer or the connection error."""
    ok = row.status_code is not None and 200 <= row.status_code < 300
    return {
        "id": str(uuid.uuid5(_ATTEMPT_IDS, str(row.seq))),
        "endpointId": str(row.endpoint_id),
        "msgId": str(message_id),
        "url": row.url,
        "status": 0 if ok else 2,
        "triggerType": 0,
        "responseStatusCode": row.status_code or 0,
        "response": {} if row.error is None else {"error": row.error},
        "timestamp": row.started_at,
    }
