"""Ticket attachments, the log requests' uploads, and the tags on a ticket.

An attachment's file is streamed to the content area's file store (kind ``tickets``) under
``ATTACHMENT_LIMIT``, hashed as it arrives (``fileHash``: SHA-256 hex), and renamed into place in
the transaction that inserts its row. Its ``url`` is ``<api>/ticket-files/<key>``: a random,
unguessable key served without a token, as the store's CDN serves attachments.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection

from ..content.multipart import Form
from ..content.service import later, unwrap
from ..exceptions import InvalidInput
from ..params import parse_uuid
from ..service import Principal
from ..storage.tables import utcnow
from . import storage as store
from .events import emit
from .exceptions import (
    AttachmentNotFound,
    LogRequestNotFound,
    NotAllowed,
    TagNotFound,
    TicketNotFound,
)
from .schemas import attachment_dict, log_request_dict, tag_dict, ticket_dict
from .service import (
    ATTACHMENTS_READ,
    ATTACHMENTS_WRITE,
    TAGS_READ,
    TAGS_WRITE,
    TicketAccess,
    TicketCore,
    binding,
    not_locked,
    ticket_check,
)
from .tables import TicketAttachment, TicketLogRequest

__all__ = ["ATTACHMENT_LIMIT", "AttachmentService", "TagService"]

ATTACHMENT_LIMIT = 10_000 * 1024
"""The spec's ``maxLength: 10000`` on the file, read as kilobytes (as the content limits are)."""


def file_url(base_url: str, key: str) -> str:
    return f"{base_url}/ticket-files/{key}"


class AttachmentService(TicketCore):
    limit = ATTACHMENT_LIMIT

    def _to_dict(self, base_url: str) -> Any:
        return lambda row: attachment_dict(row, file_url(base_url, row.file_key))

    def list(
        self, principal: Principal, *, ticket: str, query: Any, base_url: str
    ) -> dict[str, Any]:
        with self.engine.connect() as conn:
            access = ticket_check(conn, principal, ticket, ATTACHMENTS_READ)
            return self.page(
                conn,
                stmt=store.attachments_statement(access.row.id),
                seq=TicketAttachment.seq,
                binding=binding("ticket_attachments", access.row.id),
                query=query,
                to_dict=self._to_dict(base_url),
            )

    def _attachment(self, conn: Connection, access: TicketAccess, attachment: str) -> Any:
        row = store.get_by_id(conn, TicketAttachment, parse_uuid(attachment))
        if row is None or row.ticket_id != access.row.id:
            raise AttachmentNotFound()
        return row

    def get(
        self, principal: Principal, *, ticket: str, attachment: str, base_url: str
    ) -> dict[str, Any]:
        with self.engine.connect() as conn:
            access = ticket_check(conn, principal, ticket, ATTACHMENTS_READ)
            row = self._attachment(conn, access, attachment)
        return {"data": self._to_dict(base_url)(row)}

    def _store(
        self, conn: Connection, access: TicketAccess, form: Form, user_id: uuid.UUID, base_url: str
    ) -> tuple[dict[str, Any], str]:
        """Insert the attachment row and move its file into place; (API JSON, file key)."""
        if form.file is None:
            raise InvalidInput({"file": ["The file field is required."]})
        now, key = utcnow(), uuid.uuid4().hex
        name = (form.file_name or "").strip()[:255] or None
        row = store.insert_row(
            conn,
            TicketAttachment,
            {
                "id": uuid.uuid4(),
                "ticket_id": access.row.id,
                "user_id": user_id,
                "file_key": key,
                "file_hash": form.file.sha256,
                "file_size": form.file.size,
                "original_name": name,
                "created_at": now,
                "updated_at": now,
            },
        )
        data = attachment_dict(row, file_url(base_url, key))
        emit(
            conn,
            "ticket_attachment.created",
            team_id=access.team_id,
            data=data,
            now=now,
            product_id=access.row.product_id,
        )
        self.files.commit(form.file, "tickets", key)
        return data, key

    def create(
        self, principal: Principal, *, ticket: str, form: Form, base_url: str
    ) -> dict[str, Any]:
        moved: str | None = None
        try:
            with self.write() as conn, conn.begin():
                access = ticket_check(conn, principal, ticket, ATTACHMENTS_WRITE, for_update=True)
                not_locked(access)
                data, moved = self._store(conn, access, form, principal.user_id, base_url)
        except BaseException:
            form.discard()
            if moved is not None:
                self.files.remove("tickets", moved)
            raise
        return {"data": data}

    def delete(
        self, principal: Principal, *, ticket: str, attachment: str, base_url: str
    ) -> dict[str, Any]:
        with self.write() as conn, conn.begin():
            access = ticket_check(conn, principal, ticket, ATTACHMENTS_WRITE, for_update=True)
            not_locked(access)
            row = self._attachment(conn, access, attachment)
            if row.user_id != principal.user_id and not access.is_owner:
                raise NotAllowed(
                    "Only the uploader of an attachment or a team owner may delete it."
                )
            now = utcnow()
            store.delete_attachment(conn, attachment_id=row.id)
            data = attachment_dict(row, None, deleted_at=now)
            emit(
                conn,
                "ticket_attachment.deleted",
                team_id=access.team_id,
                data=data,
                now=now,
                product_id=access.row.product_id,
            )
        self.files.remove("tickets", row.file_key)
        return {"data": data}

    def file_of(self, key: str) -> tuple[Any, str | None] | None:
        """(path, original name) of the attachment file `key`, if it exists."""
        with self.engine.connect() as conn:
            row = store.attachment_file(conn, file_key=key)
        if row is None:
            return None
        path = self.files.path("tickets", key)
        return (path, row.original_name) if path.exists() else None

    # --- log requests ---------------------------------------------------------------------------

    def authorize_log(self, principal: Principal, *, log_request: str) -> None:
        """Before the body: the request exists (404) and the caller is the ticket's customer."""
        with self.engine.connect() as conn:
            self._log_access(conn, principal, log_request)

    def _log_access(
        self, conn: Connection, principal: Principal, log_request: str, *, for_update: bool = False
    ) -> tuple[Any, TicketAccess]:
        request = store.get_by_id(
            conn, TicketLogRequest, parse_uuid(log_request), for_update=for_update
        )
        if request is None:
            raise LogRequestNotFound()
        row = store.ticket_access(
            conn, ticket_id=request.ticket_id, user_id=principal.user_id, for_update=for_update
        )
        if row is None:
            raise TicketNotFound()
        if row.user_id != principal.user_id:
            raise NotAllowed("Only the ticket's customer may upload the requested log.")
        return request, TicketAccess(row, row.team_id, row.role)

    def upload_log(
        self, principal: Principal, *, log_request: str, form: Form, base_url: str
    ) -> dict[str, Any]:
        """The customer's answer to a log request: the log becomes an attachment of the ticket."""
        moved: str | None = None
        try:
            with self.write() as conn, conn.begin():
                request, access = self._log_access(conn, principal, log_request, for_update=True)
                not_locked(access)
                if request.deleted_at is not None:
                    raise InvalidInput({"logRequestId": ["This log request was already answered."]})
                data, moved = self._store(conn, access, form, principal.user_id, base_url)
                now = utcnow()
                request = store.update_row(
                    conn,
                    TicketLogRequest,
                    row_id=request.id,
                    values={
                        "attachment_id": uuid.UUID(str(data["id"])),
                        "deleted_at": now,
                        "updated_at": later(request.updated_at, now),
                    },
                )
        except BaseException:
            form.discard()
            if moved is not None:
                self.files.remove("tickets", moved)
            raise
        return {"data": log_request_dict(request)}


class TagService(TicketCore):
    """The tags on a ticket, taken from its team's catalogue (``ticket.tagged|untagged``)."""

    def list(self, principal: Principal, *, ticket: str, query: Any) -> dict[str, Any]:
        from .tables import TicketTagLink

        with self.engine.connect() as conn:
            access = ticket_check(conn, principal, ticket, TAGS_READ, team_only=True)
            return self.page(
                conn,
                stmt=store.tags_statement(access.row.id),
                seq=TicketTagLink.seq,
                binding=binding("ticket_tags", access.row.id),
                query=query,
                to_dict=tag_dict,
            )

    def _change(self, principal: Principal, *, ticket: str, tag: Any, add: bool) -> dict[str, Any]:
        with self.write() as conn, conn.begin():
            access = ticket_check(
                conn, principal, ticket, TAGS_WRITE, team_only=True, for_update=True
            )
            tag_id = parse_uuid(unwrap(tag).tagId if add else tag)
            found = store.tag_of_team(conn, tag_id=tag_id, team_id=access.team_id)
            if found is None:
                if add:
                    raise InvalidInput({"tagId": ["The selected tag id is invalid."]})
                raise TagNotFound()
            now = utcnow()
            if add:
                changed = store.add_tag(conn, ticket_id=access.row.id, tag_id=found.id, now=now)
            else:
                changed = store.remove_tag(conn, ticket_id=access.row.id, tag_id=found.id)
                if not changed:
                    raise TagNotFound()
            data = {"ticket": ticket_dict(access.row), "tag": tag_dict(found)}
            if changed:
                emit(
                    conn,
                    f"ticket.{'tagged' if add else 'untagged'}",
                    team_id=access.team_id,
                    data=data,
                    now=now,
                    product_id=access.row.product_id,
                )
        return {"data": data}

    def add(self, principal: Principal, *, ticket: str, payload: Any) -> dict[str, Any]:
        return self._change(principal, ticket=ticket, tag=payload, add=True)

    def remove(self, principal: Principal, *, ticket: str, tag: str) -> dict[str, Any]:
        return self._change(principal, ticket=ticket, tag=tag, add=False)
