"""``gmodstore tickets ...``: answer support tickets over the SDK.

Mounted by one line in :mod:`gmodstore_cli.commands` (`mount`). Commands parse options and call
the generated ticket APIs; errors are one ``error:`` line on stderr.

    $ gmodstore tickets list PRODUCT --status awaiting_agent --search crash
    $ gmodstore tickets show TICKET
    $ gmodstore tickets reply TICKET --body-file answer.md
    $ gmodstore tickets close TICKET
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from gmodstore_cli import render
from gmodstore_cli.content_commands import _conn, _csv_list, _write_all
from gmodstore_cli.errors import Context
from gmodstore_cli.options import (
    DebugOpt,
    FormatOpt,
    HostOpt,
    ProductArg,
    TimeoutOpt,
    TokenOpt,
    examples,
)
from gmodstore_cli.render import Column, OutputFormat
from gmodstore_cli.session import CommandFailed, Connection, errors_to_exit, open_api
from gmodstore_sdk.api.product_tickets_api import ProductTicketsApi
from gmodstore_sdk.api.ticket_attachments_api import TicketAttachmentsApi
from gmodstore_sdk.api.ticket_messages_api import TicketMessagesApi
from gmodstore_sdk.api.ticket_tags_api import TicketTagsApi
from gmodstore_sdk.api.tickets_api import TicketsApi
from gmodstore_sdk.exceptions import ForbiddenException, NotFoundException

__all__ = ["mount"]

STATUSES = ("awaiting_agent", "awaiting_customer", "locked", "on_hold")
TICKET_FIELDS = ("id", "subject", "status", "hidden", "userId", "createdAt", "updatedAt")
TICKET_COLUMNS = (
    Column("id", "ID", 36),
    Column("status", "STATUS"),
    Column("subject", "SUBJECT"),
    Column("updatedAt", "UPDATED", optional=True),
    Column("userId", "CUSTOMER", optional=True),
)

tickets = typer.Typer(
    help="List, read and answer the support tickets of your products.",
    epilog=examples(
        "gmodstore tickets list PRODUCT --status awaiting_agent",
        "gmodstore tickets show TICKET",
        'gmodstore tickets reply TICKET --body "Fixed in 1.2.4"',
    ),
    no_args_is_help=True,
)
TicketArg = Annotated[str, typer.Argument(help="Ticket id.", metavar="TICKET")]


def mount(app: typer.Typer) -> None:
    """Add the ``tickets`` group to the ``gmodstore`` command."""
    app.add_typer(tickets, name="tickets")


@contextmanager
def _session(conn: Connection, scope: str) -> Iterator[Any]:
    with errors_to_exit(conn, Context()), open_api(conn) as (client, _):
        try:
            yield client
        except ForbiddenException as exc:
            raise CommandFailed(
                f"forbidden (403: {exc.message}): the token needs the {scope} scope and the "
                "ticket's product must belong to one of your teams"
            ) from None
        except NotFoundException as exc:
            raise CommandFailed(f"not found (404: {exc.message})") from None


@tickets.command("list", epilog=examples("gmodstore tickets list PRODUCT --status awaiting_agent"))
def list_tickets(
    product: ProductArg,
    status: Annotated[
        str | None, typer.Option(help="Only these statuses (comma-separated).")
    ] = None,
    search: Annotated[str | None, typer.Option(help="Text in the subject or a message.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only tickets with this tag id.")] = None,
    hidden: Annotated[bool, typer.Option("--hidden", help="Include hidden tickets.")] = False,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """The tickets of a product, oldest first."""
    # One status: the generated TicketFilter takes one (SPEC-NOTES 10 makes the enum ambiguous).
    statuses = _csv_list(status, STATUSES, "--status")
    if statuses is not None and len(statuses) > 1:
        raise typer.BadParameter("give one status")
    flt: dict[str, Any] = {}
    if statuses is not None:
        flt["status"] = statuses[0]
    if search is not None:
        flt["search"] = search
    if tag is not None:
        flt["label_id"] = tag
    if hidden:
        flt["show_hidden"] = True
    conn = _conn(token, host, timeout, debug)
    with _session(conn, "tickets:read") as client:
        items = ProductTicketsApi(client).iter_product_tickets(product, filter=flt or None)
        _write_all(fmt, TICKET_COLUMNS, TICKET_FIELDS, items)


def _message_line(message: Any) -> str:
    marks = []
    if message.revisions_count > 1:
        marks.append(f"edited, {message.revisions_count} revisions")
    if message.deleted_at is not None:
        marks.append("deleted")
    suffix = f" ({'; '.join(marks)})" if marks else ""
    stamp = message.created_at.strftime("%Y-%m-%d %H:%M")
    return f"[{stamp}] {message.user_id}{suffix}:\n{message.body}\n"


@tickets.command("show", epilog=examples("gmodstore tickets show TICKET"))
def show_ticket(
    ticket: TicketArg,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """A ticket and its thread, oldest message first; edited and deleted messages are marked."""
    conn = _conn(token, host, timeout, debug)
    with _session(conn, "tickets:read and ticket-messages:read") as client:
        found = TicketsApi(client).get_ticket(ticket).data
        thread = list(TicketMessagesApi(client).iter_ticket_messages(ticket, per_page=100))
    if fmt is OutputFormat.json:
        row = found.model_dump(mode="json", by_alias=True)
        row["messages"] = [m.model_dump(mode="json", by_alias=True) for m in thread]
        render.print_one(fmt, row, (), "")
        return
    if fmt is not OutputFormat.table:
        _write_all(
            fmt, (), ("id", "userId", "createdAt", "revisionsCount", "deletedAt", "body"), thread
        )
        return
    render.say(Text(f"{found.subject}  [{found.status}{', hidden' if found.hidden else ''}]"))
    for message in thread:
        render.say("")
        render.say(Text(_message_line(message).rstrip("\n")))  # Text: no markup in bodies


@tickets.command("reply", epilog=examples('gmodstore tickets reply TICKET --body "Fixed in 1.2.4"'))
def reply(
    ticket: TicketArg,
    body: Annotated[str | None, typer.Option(help="The message.")] = None,
    body_file: Annotated[
        Path | None, typer.Option("--body-file", help="Read the message from this file.")
    ] = None,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Post a message (the ticket then awaits the customer) and print its id."""
    if (body is None) == (body_file is None):
        raise typer.BadParameter("give exactly one of --body and --body-file")
    if body_file is not None:
        try:
            body = body_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(f"cannot read {body_file}: {exc}") from None
    conn = _conn(token, host, timeout, debug)
    with _session(conn, "ticket-messages:write") as client:
        made = TicketMessagesApi(client).create_ticket_message(ticket, {"body": body}).data
    render.say(made.id)


def _update(ticket: str, change: dict[str, Any], conn: Connection, done: str) -> None:
    with _session(conn, "tickets:write") as client:
        updated = TicketsApi(client).update_ticket(ticket, change).data
    render.note(f"{done} ticket {updated.id} (status {updated.status})")


def _status_command(name: str, change: dict[str, Any], done: str, doc: str) -> None:
    @tickets.command(name, epilog=examples(f"gmodstore tickets {name} TICKET"))
    def command(
        ticket: TicketArg,
        token: TokenOpt = None,
        host: HostOpt = None,
        timeout: TimeoutOpt = 30.0,
        debug: DebugOpt = False,
    ) -> None:
        _update(ticket, change, _conn(token, host, timeout, debug), done)

    command.__doc__ = doc


_status_command("close", {"status": "locked"}, "Closed", "Lock a ticket (no more messages).")
_status_command("hold", {"status": "on_hold"}, "Held", "Put a ticket on hold.")
_status_command("open", {"status": "open"}, "Opened", "Take a ticket off hold, or unlock it.")
_status_command("hide", {"hidden": True}, "Hid", "Hide a ticket from the lists.")
_status_command("unhide", {"hidden": False}, "Unhid", "Show a hidden ticket in the lists again.")


@tickets.command("tag", epilog=examples("gmodstore tickets tag TICKET TAG_ID [--remove]"))
def tag_ticket(
    ticket: TicketArg,
    tag: Annotated[str, typer.Argument(help="Tag id (from the team's catalogue).", metavar="TAG")],
    remove: Annotated[bool, typer.Option("--remove", help="Take the tag off instead.")] = False,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Put a tag on a ticket (or take it off)."""
    conn = _conn(token, host, timeout, debug)
    with _session(conn, "ticket-tags:write") as client:
        api = TicketTagsApi(client)
        if remove:
            result = api.delete_ticket_tag(ticket, tag).data
        else:
            result = api.create_ticket_tag(ticket, {"tag_id": tag}).data
    name = result.tag.name if result.tag is not None else tag
    render.note(f"{'Untagged' if remove else 'Tagged'} ticket {ticket}: {name}")


@tickets.command("attach", epilog=examples("gmodstore tickets attach TICKET console.log"))
def attach(
    ticket: TicketArg,
    file: Annotated[Path, typer.Argument(help="The file to attach.", metavar="FILE")],
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Upload a file to a ticket and print the attachment's id."""
    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file")
    conn = _conn(token, host, timeout, debug)
    with _session(conn, "ticket-attachments:write") as client:
        made = TicketAttachmentsApi(client).create_ticket_attachment(ticket, file).data
    render.say(made.id)
