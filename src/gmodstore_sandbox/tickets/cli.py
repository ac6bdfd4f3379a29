"""``gmodstore sandbox tickets ...``: what customers and the website do, so tests can play them.

$ gmodstore sandbox tickets open --product PRODUCT_ID --user USER_ID --subject "Crash" --body "..."
$ gmodstore sandbox tickets reply TICKET_ID --body "Still broken"
$ gmodstore sandbox tickets request-log TICKET_ID
$ gmodstore sandbox tickets tag-create --team TEAM_ID --name bug
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from .._help import examples

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["tickets_app"]

T = TypeVar("T")

tickets_app = typer.Typer(
    help="Support tickets (customers open and answer them on the website).",
    epilog=examples(
        'tickets open --product PRODUCT_ID --user USER_ID --subject "Broken" --body "It crashes"',
        'tickets reply TICKET_ID --body "Still broken"',
    ),
    no_args_is_help=True,
)

DatabaseUrl = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="GMODSTORE_SANDBOX_DATABASE_URL",
        help="SQLAlchemy URL: sqlite:///path.db or postgresql://user@host/db.",
    ),
]
_DEFAULT_URL = "sqlite:///./sandbox.db"


def _uuid(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise typer.BadParameter(f"{what} {value!r} is not a UUID") from None


def _run(database_url: str, action: Callable[[Engine], T]) -> T:
    from ..settings import Settings
    from ..storage.db import create_tables, make_engine
    from . import tables as _tables  # noqa: F401 - registers the ticket tables
    from .admin import TicketAdminError

    engine = make_engine(Settings(database_url=database_url).database_url, pool_size=1)
    try:
        create_tables(engine)
        return action(engine)
    except TicketAdminError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


@tickets_app.command(
    "open",
    epilog=examples(
        'tickets open --product PRODUCT_ID --user USER_ID --subject "Crash" --body "It crashes"'
    ),
)
def tickets_open(
    product: Annotated[str, typer.Option("--product", help="Id of the product.")],
    user: Annotated[str, typer.Option("--user", help="Id of the customer.")],
    subject: Annotated[str, typer.Option(help="Ticket subject.")],
    body: Annotated[str, typer.Option(help="The first message.")],
    database_url: DatabaseUrl = _DEFAULT_URL,
) -> None:
    """A customer opens a ticket (ticket.created); prints its id."""
    from .admin import open_ticket

    product_id, user_id = _uuid(product, "product"), _uuid(user, "user")
    typer.echo(
        _run(
            database_url,
            lambda engine: open_ticket(
                engine, product_id=product_id, user_id=user_id, subject=subject, body=body
            ),
        )
    )


@tickets_app.command("reply", epilog=examples('tickets reply TICKET_ID --body "Still broken"'))
def tickets_reply(
    ticket: Annotated[str, typer.Argument(help="Ticket id.")],
    body: Annotated[str, typer.Option(help="The message.")],
    user: Annotated[
        str | None, typer.Option("--user", help="Author (default: the ticket's customer).")
    ] = None,
    database_url: DatabaseUrl = _DEFAULT_URL,
) -> None:
    """The customer replies (ticket_message.created); prints the message id."""
    from .admin import customer_reply

    ticket_id = _uuid(ticket, "ticket")
    author = None if user is None else _uuid(user, "user")
    typer.echo(
        _run(
            database_url,
            lambda engine: customer_reply(engine, ticket_id=ticket_id, body=body, user_id=author),
        )
    )


@tickets_app.command("request-log", epilog=examples("tickets request-log TICKET_ID"))
def tickets_request_log(
    ticket: Annotated[str, typer.Argument(help="Ticket id.")],
    user: Annotated[
        str | None, typer.Option("--user", help="Who asks (default: the team's owner).")
    ] = None,
    game: Annotated[str, typer.Option(help="The game whose log is asked for.")] = "gmod",
    database_url: DatabaseUrl = _DEFAULT_URL,
) -> None:
    """Ask the ticket's customer for a server log; prints the log request id (uploadLogToTicket)."""
    from .admin import request_log

    ticket_id = _uuid(ticket, "ticket")
    asker = None if user is None else _uuid(user, "user")
    typer.echo(
        _run(
            database_url,
            lambda engine: request_log(engine, ticket_id=ticket_id, user_id=asker, game=game),
        )
    )


@tickets_app.command("tag-create", epilog=examples("tickets tag-create --team TEAM_ID --name bug"))
def tickets_tag_create(
    team: Annotated[str, typer.Option("--team", help="Id of the team.")],
    name: Annotated[str, typer.Option(help="Tag name (unique in the team).")],
    bg: Annotated[str, typer.Option(help="Background colour.")] = "#4b5563",
    text: Annotated[str, typer.Option(help="Text colour.")] = "#ffffff",
    database_url: DatabaseUrl = _DEFAULT_URL,
) -> None:
    """Add a tag to a team's ticket tag catalogue; prints its id."""
    from .admin import create_tag

    team_id = _uuid(team, "team")
    typer.echo(
        _run(
            database_url,
            lambda engine: create_tag(engine, team_id=team_id, name=name, bg=bg, text=text),
        )
    )
