"""The triggers of the content and tickets areas: product versions, tickets, their messages,
attachments and tags.

Each one calls the area's own service (`VersionService`, `TicketService`, `MessageService`,
`AttachmentService`, `TagService`) or admin command (`tickets.admin.open_ticket`), the code the API
runs, acting as a team member or as the author of the message or attachment it changes. It picks
the team's most recent resource in a state the change applies to (the latest ticket that is not on
hold for ``ticket.held``, ...) and says so when there is none.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, exists, select

from ..content.files import FileStore
from ..content.multipart import Form
from ..content.service import Limits
from ..service import Principal
from ..storage.cursor import CursorCodec
from ..storage.tables import Product, Purchase, TeamMember
from .admin import WebhookAdminError

__all__ = ["AREA_TRIGGERS", "Scene"]

_EVERY_SCOPE = frozenset({"*"})


@dataclass(frozen=True)
class Scene:
    """Where a trigger acts: the database, the team, the file store's folder, the API's root
    (ticket attachments' ``url`` is built from it)."""

    engine: Engine
    team_id: uuid.UUID
    files_dir: Path
    api_url: str


def as_user(user_id: uuid.UUID) -> Principal:
    """`user_id` acting with every scope (never stored, never a token)."""
    return Principal("trigger", user_id, _EVERY_SCOPE, None)


def team_member(scene: Scene) -> Principal:
    """The team's owner (else its first member)."""
    with scene.engine.connect() as conn:
        user = conn.execute(
            select(TeamMember.user_id)
            .where(TeamMember.team_id == scene.team_id)
            .order_by(TeamMember.role != "owner", TeamMember.user_id)
            .limit(1)
        ).scalar()
    if user is None:
        raise WebhookAdminError("the team has no member to act as")
    return as_user(user)


def _no_codec() -> CursorCodec:
    raise AssertionError("triggers never page")


@contextmanager
def _services(scene: Scene, *kinds: type[Any]) -> Iterator[Any]:
    """The area services `kinds` over the scene's engine and an opened file store."""
    files = FileStore(scene.files_dir)
    files.open()
    try:
        common = {"engine": scene.engine, "codec": _no_codec, "files": files, "limits": Limits()}
        built = [kind(**common) for kind in kinds]
        yield built[0] if len(built) == 1 else built
    finally:
        files.close()


def _form(services: Any, filename: str, content: bytes, fields: dict[str, str]) -> Form:
    """A multipart form as the routes read it, its file already in the store's upload folder."""
    upload = services.files.new_upload(limit=len(content) + 1)
    upload.write(content)
    upload.finish()
    return Form(fields=fields, file=upload, file_field="file", file_name=filename)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lua/autorun/triggered.lua", "print('triggered')\n")
    return buffer.getvalue()


def _first_product(scene: Scene) -> uuid.UUID:
    with scene.engine.connect() as conn:
        product = conn.execute(
            select(Product.id)
            .where(Product.team_id == scene.team_id)
            .order_by(Product.created_at, Product.id)
            .limit(1)
        ).scalar()
    if product is None:
        raise WebhookAdminError("the team has no product")
    return product


def _latest(scene: Scene, stmt: Any, missing: str) -> Any:
    with scene.engine.connect() as conn:
        row = conn.execute(stmt.limit(1)).first()
    if row is None:
        raise WebhookAdminError(missing)
    return row


# --- product versions --------------------------------------------------------------------------


def _version(change: str) -> Callable[[Scene], str]:
    from ..content.schemas import VersionUpdate
    from ..content.tables import ProductVersion
    from ..content.versions import VersionService

    def perform(scene: Scene) -> str:
        with _services(scene, VersionService) as versions:
            if change == "created":
                product = _first_product(scene)
                fields = {"name": "Triggered", "changelog": "By trigger", "releaseType": "stable"}
                form = _form(versions, "triggered.zip", _zip(), fields)
                body = versions.create(team_member(scene), product=str(product), form=form)
                return f"uploaded version {body['data']['id']} of product {product}"
            row = _latest(
                scene,
                select(ProductVersion.id, ProductVersion.product_id)
                .join(Product, Product.id == ProductVersion.product_id)
                .where(Product.team_id == scene.team_id)
                .order_by(ProductVersion.seq.desc()),
                "the team has no version; trigger product_version.created first",
            )
            where = {"product": str(row.product_id), "version": str(row.id)}
            if change == "updated":
                name = f"Renamed {uuid.uuid4().hex[:8]}"
                versions.update(team_member(scene), **where, payload=VersionUpdate(name=name))
            else:
                versions.delete(team_member(scene), **where)
            return f"{change} version {row.id}"

    return perform


# --- tickets -----------------------------------------------------------------------------------


def _team_tickets() -> Any:
    from ..tickets.tables import Ticket

    return (
        select(Ticket.id, Ticket.user_id)
        .join(Product, Product.id == Ticket.product_id)
        .order_by(Ticket.seq.desc())
    )


def _ticket_where(scene: Scene, *conditions: Any, state: str) -> Any:
    """The id of the team's latest ticket that meets `conditions` (described by `state`)."""
    stmt = _team_tickets().where(Product.team_id == scene.team_id, *conditions)
    hint = "" if conditions else "; trigger ticket.created first"
    return _latest(scene, stmt, f"the team has no {state}ticket{hint}").id


def _opened(scene: Scene) -> str:
    """A customer opens a ticket: the buyer of the team's latest purchase, on that product."""
    from ..tickets import admin

    row = _latest(
        scene,
        select(Purchase.user_id, Purchase.product_id)
        .join(Product, Product.id == Purchase.product_id)
        .where(Product.team_id == scene.team_id)
        .order_by(Purchase.seq.desc()),
        "nobody has bought a product of the team; trigger product_purchase.created first",
    )
    ticket = admin.open_ticket(
        scene.engine, product_id=str(row.product_id), user_id=str(row.user_id),
        subject="Triggered ticket", body="Opened by gmodstore sandbox webhooks trigger.",
    )  # fmt: skip
    return f"opened ticket {ticket} as customer {row.user_id}"


_STATUS_CHANGES: dict[str, tuple[str, tuple[str, ...], str]] = {
    # event change: (status asked, statuses it applies to, what the ticket must be)
    "held": ("on_hold", ("awaiting_agent", "awaiting_customer"), "open "),
    "unheld": ("open", ("on_hold",), "held "),
    "locked": ("locked", ("awaiting_agent", "awaiting_customer", "on_hold"), "unlocked "),
    "unlocked": ("open", ("locked",), "locked "),
}


def _ticket_update(change: str) -> Callable[[Scene], str]:
    from ..tickets.schemas import TicketUpdate
    from ..tickets.service import TicketService
    from ..tickets.tables import Ticket

    def perform(scene: Scene) -> str:
        if change in _STATUS_CHANGES:
            status, before, state = _STATUS_CHANGES[change]
            ticket = _ticket_where(scene, Ticket.status.in_(before), state=state)
            payload = TicketUpdate(status=status)
        else:
            hide = change == "hidden"
            state = "visible " if hide else "hidden "
            ticket = _ticket_where(scene, Ticket.hidden.is_(not hide), state=state)
            payload = TicketUpdate(hidden=hide)
        with _services(scene, TicketService) as tickets:
            tickets.update(team_member(scene), ticket=str(ticket), payload=payload)
        return f"{change} ticket {ticket}"

    return perform


def _tag(add: bool) -> Callable[[Scene], str]:
    from ..tickets import admin
    from ..tickets.attachments import TagService
    from ..tickets.schemas import NewTag
    from ..tickets.tables import Ticket, TicketTag, TicketTagLink

    def perform(scene: Scene) -> str:
        if add:
            ticket = _ticket_where(scene, state="")
            linked = exists().where(
                TicketTagLink.ticket_id == ticket, TicketTagLink.tag_id == TicketTag.id
            )
            with scene.engine.connect() as conn:
                tag = conn.execute(
                    select(TicketTag.id)
                    .where(TicketTag.team_id == scene.team_id, ~linked)
                    .order_by(TicketTag.seq)
                    .limit(1)
                ).scalar()
            if tag is None:
                name = f"triggered-{uuid.uuid4().hex[:6]}"
                tag = uuid.UUID(
                    admin.create_tag(scene.engine, team_id=str(scene.team_id), name=name)
                )
        else:
            link = _latest(
                scene,
                select(TicketTagLink.ticket_id, TicketTagLink.tag_id)
                .join(Ticket, Ticket.id == TicketTagLink.ticket_id)
                .join(Product, Product.id == Ticket.product_id)
                .where(Product.team_id == scene.team_id)
                .order_by(TicketTagLink.seq.desc()),
                "no ticket of the team has a tag; trigger ticket.tagged first",
            )
            ticket, tag = link.ticket_id, link.tag_id
        with _services(scene, TagService) as tags:
            if add:
                tags.add(team_member(scene), ticket=str(ticket), payload=NewTag(tagId=str(tag)))
            else:
                tags.remove(team_member(scene), ticket=str(ticket), tag=str(tag))
        return f"{'tagged' if add else 'untagged'} ticket {ticket} with tag {tag}"

    return perform


def _unlocked_team_rows(scene: Scene, table: Any) -> Any:
    from ..tickets.tables import Ticket

    return (
        select(table.id, table.ticket_id, table.user_id)
        .join(Ticket, Ticket.id == table.ticket_id)
        .join(Product, Product.id == Ticket.product_id)
        .where(Product.team_id == scene.team_id, Ticket.status != "locked")
        .order_by(table.seq.desc())
    )


def _message(change: str) -> Callable[[Scene], str]:
    from ..tickets.messages import MessageService
    from ..tickets.schemas import MessageBody, MessageUpdate
    from ..tickets.tables import Ticket, TicketMessage

    def perform(scene: Scene) -> str:
        with _services(scene, MessageService) as messages:
            if change == "created":
                ticket = _ticket_where(scene, Ticket.status != "locked", state="unlocked ")
                body = MessageBody(body="A reply made by gmodstore sandbox webhooks trigger.")
                data = messages.create(team_member(scene), ticket=str(ticket), payload=body)
                return f"replied {data['data']['id']} on ticket {ticket} as a team member"
            deleted = TicketMessage.deleted_at.is_not(None)
            row = _latest(
                scene,
                _unlocked_team_rows(scene, TicketMessage).where(
                    deleted if change == "restored" else ~deleted
                ),
                f"the team has no {'deleted' if change == 'restored' else ''} message on an "
                "unlocked ticket",
            )
            # As its author: only they may edit it (and may delete or restore it).
            author, where = (
                as_user(row.user_id),
                {"ticket": str(row.ticket_id), "message": str(row.id)},
            )
            if change == "updated":
                edit = MessageUpdate(body=f"Edited by webhooks trigger ({uuid.uuid4().hex[:8]}).")
                messages.update(author, **where, payload=edit)
            elif change == "deleted":
                messages.delete(author, **where)
            else:
                messages.restore(author, **where)
            return f"{change} message {row.id} of ticket {row.ticket_id}"

    return perform


def _attachment(change: str) -> Callable[[Scene], str]:
    from ..tickets.attachments import AttachmentService
    from ..tickets.tables import Ticket, TicketAttachment

    def perform(scene: Scene) -> str:
        with _services(scene, AttachmentService) as attachments:
            if change == "created":
                ticket = _ticket_where(scene, Ticket.status != "locked", state="unlocked ")
                form = _form(attachments, "triggered.txt", b"Attached by a trigger.\n", {})
                data = attachments.create(
                    team_member(scene), ticket=str(ticket), form=form, base_url=scene.api_url
                )
                return f"attached {data['data']['id']} to ticket {ticket}"
            row = _latest(
                scene,
                _unlocked_team_rows(scene, TicketAttachment),
                "the team has no attachment on an unlocked ticket",
            )
            attachments.delete(
                as_user(row.user_id), ticket=str(row.ticket_id), attachment=str(row.id),
                base_url=scene.api_url,
            )  # fmt: skip
            return f"deleted attachment {row.id} of ticket {row.ticket_id}"

    return perform


def _area_triggers() -> dict[str, Callable[[Scene], str]]:
    triggers: dict[str, Callable[[Scene], str]] = {
        f"product_version.{c}": _version(c) for c in ("created", "updated", "deleted")
    }
    triggers["ticket.created"] = _opened
    for change in ("held", "unheld", "locked", "unlocked", "hidden", "unhidden"):
        triggers[f"ticket.{change}"] = _ticket_update(change)
    triggers["ticket.tagged"], triggers["ticket.untagged"] = _tag(True), _tag(False)
    for change in ("created", "updated", "deleted", "restored"):
        triggers[f"ticket_message.{change}"] = _message(change)
    for change in ("created", "deleted"):
        triggers[f"ticket_attachment.{change}"] = _attachment(change)
    return triggers


AREA_TRIGGERS = _area_triggers()
"""The content and tickets areas' event types, and the change each performs."""
