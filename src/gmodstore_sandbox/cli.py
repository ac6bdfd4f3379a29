"""``gmodstore sandbox ...``: run the server and set up its data by hand.

Mounted lazily by the ``gmodstore`` command. Only typer and the standard library are imported here;
each command imports the server stack itself.

    $ gmodstore sandbox serve --demo
    $ gmodstore sandbox users add --name Alice
    $ gmodstore sandbox teams add "My Team" --member <user id>
    $ gmodstore sandbox products add "My Addon" --team <team id>
    $ gmodstore sandbox token create --user <user id> --scopes product-purchases:read
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gmodstore_cli.core import ClickException, Group

from ._help import examples
from .content.cli import reviews_app
from .identity.scopes import ALL_SCOPES
from .tickets.cli import tickets_app
from .webhooks.cli import purchases_app, webhooks_app

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from .demo import DemoSummary
    from .settings import Settings

__all__ = ["app"]

DEFAULT_DATABASE_URL = "sqlite:///./sandbox.db"
SCOPES = ALL_SCOPES  # the 39 personal access token abilities, "*" included


class _Group(Group):
    """Every ``sandbox`` command (reviews, tickets and webhooks included) refuses a database made
    by another version of the sandbox in one ``error:`` line."""

    def invoke(self, ctx: Any) -> Any:
        from .exceptions import SchemaMismatch

        try:
            return super().invoke(ctx)
        except SchemaMismatch as exc:
            raise ClickException(str(exc)) from None


app = typer.Typer(
    help="Local API server to develop and test against (also: python -m gmodstore_sandbox).",
    epilog=examples("serve --demo", "seed", "users add --name Alice", "webhooks --help"),
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
token_app = typer.Typer(
    help="Personal access tokens.",
    epilog=examples("token create --user USER_ID"),
    no_args_is_help=True,
)
users_app = typer.Typer(
    help="Users.", epilog=examples("users add --name Alice"), no_args_is_help=True
)
teams_app = typer.Typer(
    help="Teams.", epilog=examples('teams add "My Team" --member USER_ID'), no_args_is_help=True
)
products_app = typer.Typer(
    help="Products.",
    epilog=examples('products add "My Addon" --team TEAM_ID'),
    no_args_is_help=True,
)
app.add_typer(token_app, name="token")
app.add_typer(users_app, name="users")
app.add_typer(teams_app, name="teams")
app.add_typer(products_app, name="products")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(purchases_app, name="purchases")
app.add_typer(reviews_app, name="reviews")
app.add_typer(tickets_app, name="tickets")


DatabaseUrl = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="GMODSTORE_SANDBOX_DATABASE_URL",
        help="SQLAlchemy URL: sqlite:///path.db or postgresql://user@host/db.",
    ),
]


def _settings(database_url: str, **options: object) -> Settings:
    from pydantic import ValidationError

    from .settings import Settings

    try:
        return Settings(database_url=database_url, **options)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages = (str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise _fail("; ".join(messages)) from None


def _engine(database_url: str, *, create: bool = False) -> Engine:
    """An engine on a database that exists (or was just created), with every table in place."""
    from ._serve import SetupError, check_database
    from .exceptions import SchemaMismatch
    from .storage.db import create_tables, make_engine

    url = _settings(database_url).database_url
    try:
        check_database(url, create=create)
    except SetupError as exc:
        raise _fail(str(exc)) from None
    engine = make_engine(url, pool_size=1)
    try:
        create_tables(engine)
    except SchemaMismatch as exc:
        engine.dispose()
        raise _fail(str(exc)) from None
    return engine


def _check_length(value: str | None, table: str, what: str) -> None:
    """Refuse a name longer than its column up front: PostgreSQL would fail the insert with a
    DataError, and SQLite would store it anyway (so both answer the same)."""
    from .storage.tables import Base

    limit = getattr(Base.metadata.tables[table].c.name.type, "length", None)
    if value is not None and limit is not None and len(value) > limit:
        raise _fail(f"the {what} is {len(value)} characters long; at most {limit} are allowed")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def _check_uuid(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise _fail(f"{what} {value!r} is not a UUID") from None


def _exists(engine: Engine, table: str, value: str) -> bool:
    from sqlalchemy import select

    from .storage.tables import Base

    column = Base.metadata.tables[table].c.id
    with engine.connect() as conn:
        return conn.execute(select(column).where(column == uuid.UUID(value))).first() is not None


_STEAM_ID = re.compile(r"7656119\d{10}")
_DURATION = re.compile(r"^(\d+)([smhdw]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``90``, ``90s``, ``15m``, ``12h``, ``30d``, ``2w`` -> timedelta."""
    match = _DURATION.match(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise typer.BadParameter(f"{text!r} is not a duration like 3600, 15m, 12h or 30d")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def _print_demo(summary: DemoSummary, *, new: bool, url: str, database_url: str) -> None:
    """The demo data, then ``export`` lines to paste into another shell."""
    how = "Seeded" if new else "Reusing"
    typer.echo(
        f"{how} the demo data in {database_url}: team {summary.team_id} (Demo Team), "
        f"{summary.customers} customers, {summary.purchases} purchases of "
        f"{len(summary.product_ids)} products."
    )
    if summary.token is not None:
        token = summary.token
        typer.echo("Its token (every ability but *) is shown only now. Paste into another shell:")
    else:
        # Tokens are stored hashed: the one printed when the data was seeded cannot be shown
        # again, so the line mints a new one when pasted.
        where = "" if database_url == DEFAULT_DATABASE_URL else f" --database-url {database_url}"
        token = f"$(gmodstore sandbox token create --user {summary.owner_user_id}{where})"
        typer.echo(
            "Its token was shown when it was seeded; the line below makes a new one."
            " Paste into another shell:"
        )
    typer.echo(f"\nexport GMODSTORE_HOST={url}")
    typer.echo(f"export GMODSTORE_TOKEN={token}")
    typer.echo(
        f"export PRODUCT={summary.sample_product_id} PURCHASE={summary.sample_purchase_id}"
        f" CUSTOMER={summary.sample_customer_id} TEAM={summary.team_id}\n"
    )


@app.command(
    epilog=examples(
        "serve --demo",
        "serve --port 9000 --database-url sqlite:///./dev.db --rate-limit 0",
        "serve --database-url postgresql://postgres@127.0.0.1:5432/sandbox --create-database",
        "serve --workers 4 --database-url postgresql://postgres@127.0.0.1/sandbox",
    )
)
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(envvar="GMODSTORE_SANDBOX_PORT", help="TCP port (0: any free port).")
    ] = 8765,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    rate_limit: Annotated[
        int,
        typer.Option(
            min=0,
            envvar="GMODSTORE_SANDBOX_RATE_LIMIT",
            help="Requests per token per minute; 0 turns the limit off.",
        ),
    ] = 60,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Seed demo data into an empty database (reused on later starts); print"
            " export lines for GMODSTORE_HOST and GMODSTORE_TOKEN.",
        ),
    ] = False,
    create_database: Annotated[
        bool,
        typer.Option(
            "--create-database", help="Create the PostgreSQL database if it does not exist."
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes sharing the port and the database (rate limit, cursor key "
            "and webhook deliveries are shared through the database).",
        ),
    ] = 1,
) -> None:
    """Serve the API under /api/v3 and /v3 (OpenAPI document at /openapi.json)."""
    from . import _serve
    from .app import create_app

    settings = _settings(database_url, rate_limit=rate_limit)
    try:
        # Nothing is written before the database is known to work and the port is ours.
        _serve.check_database(settings.database_url, create=create_database)
        sock = _serve.bind(host, port)
    except _serve.SetupError as exc:
        raise _fail(str(exc)) from None
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}"

    def ready() -> None:
        typer.echo(f"Sandbox API at {url}/api/v3 (and /v3); Ctrl+C to stop.")

    try:
        if demo:
            _seed_demo_once(settings.database_url, url=url, shown_url=database_url)
        # Tables first, here: a database made by another version is refused in one line (not
        # at startup inside uvicorn), and N workers racing through CREATE TABLE would fail.
        _engine(settings.database_url).dispose()
        application = create_app(settings) if workers == 1 else None
    except BaseException:
        sock.close()
        raise
    if workers > 1:
        # Each worker process builds its own app from the environment (GMODSTORE_SANDBOX_*).
        os.environ["GMODSTORE_SANDBOX_DATABASE_URL"] = settings.database_url
        os.environ["GMODSTORE_SANDBOX_RATE_LIMIT"] = str(settings.rate_limit)
    _serve.serve(application, sock, on_ready=ready, workers=workers, log_level="info")


def _seed_demo_once(database_url: str, *, url: str, shown_url: str) -> None:
    from .demo import seed_once

    engine = _engine(database_url)
    try:
        summary, new = seed_once(engine)
    finally:
        engine.dispose()
    _print_demo(summary, new=new, url=url, database_url=shown_url)


@app.command(epilog=examples("seed", "seed --users 200 --database-url sqlite:///./dev.db"))
def seed(
    users: Annotated[
        int,
        typer.Option(min=1, help="Customers; each owns all 3 products (purchases = 3 x users)."),
    ] = 50,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Seed demo data (a team, 3 products, 50 users who own them all) once, and print a token.

    A database that holds the demo data already is left as it is.
    """
    from .demo import seed_once

    engine = _engine(database_url)
    try:
        summary, new = seed_once(engine, users=users)
    finally:
        engine.dispose()
    _print_demo(summary, new=new, url="http://127.0.0.1:8765", database_url=database_url)


@token_app.command(
    "create",
    epilog=examples(
        "token create --user USER_ID",
        "token create --user USER_ID --scopes product-purchases:read --expires-in 12h",
    ),
)
def token_create(
    user: Annotated[str, typer.Option("--user", help="Id of the user who owns the token.")],
    scopes: Annotated[
        str,
        typer.Option(
            help="Comma-separated scopes.",
            show_default="product-purchases:read, product-purchases:write",
        ),
    ] = "product-purchases:read,product-purchases:write",
    expires_in: Annotated[
        str | None, typer.Option(help="Lifetime such as 3600, 15m, 12h or 30d (default: never).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="A label for the token.")] = None,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Create a personal access token and print it (it is stored hashed: shown only once)."""
    from .admin import create_token
    from .storage.tables import utcnow

    user_id = _check_uuid(user, "user")
    wanted = [s.strip() for s in scopes.split(",") if s.strip()]
    unknown = sorted(set(wanted) - set(SCOPES))
    if unknown:
        known = ", ".join(SCOPES[:3]) + f", ... ({len(SCOPES)} abilities, * for all)"
        raise _fail(f"unknown scope(s) {', '.join(unknown)}; known: {known}")
    expires_at = None if expires_in is None else utcnow() + parse_duration(expires_in)
    _check_length(name, "access_tokens", "token name")
    engine = _engine(database_url)
    try:
        if not _exists(engine, "users", user_id):
            raise _fail(f"no user {user_id}")
        token = create_token(
            engine, user_id=user_id, scopes=wanted, name=name, expires_at=expires_at
        )
    finally:
        engine.dispose()
    typer.echo(token)


@users_app.command(
    "add", epilog=examples("users add --name Alice", "users add --steam-id 76561198012345678")
)
def users_add(
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    steam_id: Annotated[
        str | None, typer.Option(help="SteamID64 (17 digits, 7656119...); default: a random one.")
    ] = None,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Create a user and print its id."""
    from sqlalchemy.exc import IntegrityError

    from .admin import create_user

    _check_length(name, "users", "user name")
    if steam_id is not None and not _STEAM_ID.fullmatch(steam_id.strip()):
        raise _fail(f"{steam_id!r} is not a SteamID64 (17 digits starting with 7656119)")
    engine = _engine(database_url)
    try:
        wanted = None if steam_id is None else int(steam_id)
        typer.echo(create_user(engine, name=name, steam_id=wanted))
    except IntegrityError:
        raise _fail(f"another user already has SteamID64 {steam_id}") from None
    finally:
        engine.dispose()


@teams_app.command("add", epilog=examples('teams add "My Team" --member OWNER_ID --member USER_ID'))
def teams_add(
    name: Annotated[str, typer.Argument(help="Team name.")],
    member: Annotated[
        list[str] | None,
        typer.Option("--member", help="User id of a member (repeatable; the first is the owner)."),
    ] = None,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Create a team and print its id."""
    from .admin import create_team

    members = [_check_uuid(m, "member") for m in member or []]
    _check_length(name, "teams", "team name")
    engine = _engine(database_url)
    try:
        missing = [m for m in members if not _exists(engine, "users", m)]
        if missing:
            raise _fail(f"no user {', '.join(missing)}")
        owner = members[0] if members else None
        typer.echo(create_team(engine, name=name, owner_id=owner, member_ids=members[1:]))
    finally:
        engine.dispose()


@products_app.command("add", epilog=examples('products add "My Addon" --team TEAM_ID'))
def products_add(
    name: Annotated[str, typer.Argument(help="Product name.")],
    team: Annotated[str, typer.Option("--team", help="Id of the team that owns the product.")],
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Create a product owned by a team and print its id."""
    from .admin import create_product

    team_id = _check_uuid(team, "team")
    _check_length(name, "products", "product name")
    engine = _engine(database_url)
    try:
        if not _exists(engine, "teams", team_id):
            raise _fail(f"no team {team_id}")
        typer.echo(create_product(engine, team_id=team_id, name=name))
    finally:
        engine.dispose()
