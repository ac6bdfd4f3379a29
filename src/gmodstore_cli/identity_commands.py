"""``gmodstore whoami``, ``users find``, ``owns``, ``teams list|show``, ``products list|show``.

Thin over the SDK (`UsersApi`, `UserTeamsApi`, `TeamsApi`, `ProductsApi` and the hand-written
`UsersApi.owns` / `find_user_by_steam_id`), with the conventions of the ``purchases`` commands:
``--format``, ``--token``/``--host``/``--timeout``/``--debug``, one ``error:`` line on failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.text import Text

from gmodstore_cli import render
from gmodstore_cli.errors import Context
from gmodstore_cli.options import DebugOpt, FormatOpt, HostOpt, TimeoutOpt, TokenOpt, examples
from gmodstore_cli.render import Column, OutputFormat
from gmodstore_cli.session import Connection, errors_to_exit, open_api

__all__ = ["mount"]

TenantOpt = Annotated[
    str | None,
    typer.Option(
        "--tenant",
        envvar="GMODSTORE_TENANT",
        help="Marketplace to scope requests to (X-Tenant): gmodstore.com or rust.pivity.com.",
        show_default=False,
        rich_help_panel="Connection",
    ),
]

USER_FIELDS = ("steamId", "id", "name", "slug", "countryCode")
USER_COLUMNS = (
    Column("steamId", "SteamID64", 17),
    Column("id", "User", 36),
    Column("name", "Name", None, optional=True),
)
OWNS_FIELDS = ("productId", "owned")
OWNS_COLUMNS = (
    Column("productId", "Product", 36),
    Column("owned", "Owned", 5, lambda row: Text("yes" if row["owned"] else "no")),
)
TEAM_FIELDS = ("id", "name", "usersCount", "productsCount", "createdAt")
TEAM_COLUMNS = (
    Column("id", "Team", 36),
    Column("name", "Name", None),
    Column("usersCount", "Users", 5, optional=True),
    Column("productsCount", "Products", 8, optional=True),
)
PRODUCT_FIELDS = ("id", "slug", "name", "active", "activeTenants", "teamId", "createdAt")
PRODUCT_COLUMNS = (
    Column("id", "Product", 36),
    Column("slug", "Slug", None),
    Column("active", "Listed", 6, lambda row: Text("yes" if row["active"] else "no")),
)

teams = typer.Typer(
    help="Your teams, and any team by id.",
    epilog="Examples:\n\n  $ gmodstore teams list\n\n  $ gmodstore teams show TEAM",
    no_args_is_help=True,
)
products = typer.Typer(
    help="A team's products, and any product by id.",
    epilog="Examples:\n\n  $ gmodstore products list TEAM\n\n  $ gmodstore products show PRODUCT",
    no_args_is_help=True,
)
users = typer.Typer(
    help="Find users by SteamID64.",
    epilog="Example:\n\n  $ gmodstore users find 76561198012345678",
    no_args_is_help=True,
)


def mount(app: typer.Typer) -> None:
    """Add these commands to the ``gmodstore`` app."""
    app.command(
        "whoami",
        epilog=examples("gmodstore whoami", "gmodstore whoami --tenant rust.pivity.com"),
    )(whoami)
    app.command(
        "owns",
        epilog=examples(
            "gmodstore owns 76561198012345678 PRODUCT [PRODUCT ...]",
            "gmodstore owns USER_ID PRODUCT_A PRODUCT_B --any && echo customer",
        ),
    )(owns)
    app.add_typer(users, name="users")
    app.add_typer(teams, name="teams")
    app.add_typer(products, name="products")


def _conn(token: str | None, host: str | None, timeout: float, debug: bool) -> Connection:
    from gmodstore_cli.commands import _conn as connection  # the root options' fallback rules

    return connection(token, host, timeout, debug)


def _dump(model: Any) -> dict[str, Any]:
    row: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=False)
    return row


def _write(fmt: OutputFormat, columns: Sequence[Column], fields: Sequence[str], rows: Any) -> int:
    writer = render.RowWriter(fmt, columns, fields)
    for row in rows:
        writer.write(row)
    writer.close()
    return writer.count


def whoami(
    tenant: TenantOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Who the token belongs to: user, token name, abilities, expiry and tenant."""
    from gmodstore_sdk.api.users_api import UsersApi

    conn = _conn(token, host, timeout, debug)
    with errors_to_exit(conn), open_api(conn, tenant=tenant) as (client, _):
        me = UsersApi(client).get_me().data
    pat = me.personal_access_token
    scoped = me.tenant.name if me.tenant is not None else None
    row = {
        "user": me.user.name,
        "userId": me.user.id,
        "steamId": me.user.steam_id,
        "token": pat.name if pat is not None else None,
        "abilities": _abilities(pat.abilities if pat else [], fmt),
        "expiresAt": _when(pat.expires_at) if pat is not None else None,
        "tenant": scoped or "(all tenants)",
    }
    render.print_one(fmt, row, list(row), "Token")
    if tenant is not None and scoped != tenant.strip().lower():
        render.note(
            f"warning: this host is scoped to {scoped or 'every tenant'}; "
            f"--tenant {tenant} has no effect",
            style="yellow",
        )


def _abilities(abilities: Sequence[Any], fmt: OutputFormat) -> str:
    names = [str(getattr(a, "value", a)) for a in abilities]
    if fmt is OutputFormat.table and len(names) > 4:
        # A table row holds a few; the 39 abilities would push the labels off the screen.
        return f"{len(names)} abilities: {', '.join(names[:3])}, ... (-f json lists all)"
    return " ".join(names)


def _when(value: Any) -> str:
    return "never" if value is None else value.isoformat().replace("+00:00", "Z")


@users.command(
    "find",
    epilog=examples(
        "gmodstore users find 76561198012345678",
        "gmodstore users find 76561198012345678 76561197960287930 --format json",
    ),
)
def users_find(
    steam_ids: Annotated[
        list[str], typer.Argument(help="SteamID64s.", metavar="STEAMID...", show_default=False)
    ],
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Find users by SteamID64 (one request each). Exit 1 if any is not found."""
    from gmodstore_sdk.api.users_api import UsersApi

    conn = _conn(token, host, timeout, debug)
    found: list[dict[str, Any]] = []
    missing: list[str] = []
    with errors_to_exit(conn), open_api(conn) as (client, _):
        api = UsersApi(client)
        for steam_id in dict.fromkeys(steam_ids):
            user = api.find_user_by_steam_id(steam_id)
            if user is None:
                missing.append(steam_id)
            else:
                found.append(_dump(user))
    _write(fmt, USER_COLUMNS, USER_FIELDS, found)
    if missing:
        render.note(f"not found: {', '.join(missing)}", style="yellow")
        raise typer.Exit(1)


def owns(
    user: Annotated[
        str,
        typer.Argument(help="SteamID64 or user id.", metavar="STEAMID_OR_USER", show_default=False),
    ],
    product_ids: Annotated[
        list[str], typer.Argument(help="Product ids.", metavar="PRODUCT...", show_default=False)
    ],
    any_: Annotated[
        bool, typer.Option("--any", help="Succeed if the user owns any of them.")
    ] = False,
    tenant: TenantOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Does a user own these products (a purchase that is not revoked)? Exit 0 if they own all
    of them (any of them with --any), 1 if not, 2 on error.

    One user lookup for a SteamID64, then one request per 100 products, every page followed.
    """
    from gmodstore_sdk.api.users_api import UsersApi

    conn = _conn(token, host, timeout, debug)
    with (
        errors_to_exit(conn, Context(user=user), code=2),
        open_api(conn, tenant=tenant) as (
            client,
            _,
        ),
    ):
        result = UsersApi(client).owns(user, product_ids)
    _write(
        fmt, OWNS_COLUMNS, OWNS_FIELDS, ({"productId": p, "owned": o} for p, o in result.items())
    )
    ok = any(result.values()) if any_ else all(result.values())
    if not ok:
        raise typer.Exit(1)


@teams.command("list", epilog=examples("gmodstore teams list", "gmodstore teams list -f json"))
def teams_list(
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """The teams the token's user belongs to."""
    from gmodstore_sdk.api.user_teams_api import UserTeamsApi
    from gmodstore_sdk.api.users_api import UsersApi

    conn = _conn(token, host, timeout, debug)
    with errors_to_exit(conn), open_api(conn) as (client, _):
        me = UsersApi(client).get_me().data.user.id
        rows = [_dump(team) for team in UserTeamsApi(client).iter_user_teams(me)]
    _write(fmt, TEAM_COLUMNS, TEAM_FIELDS, rows)


@teams.command("show", epilog=examples("gmodstore teams show TEAM"))
def teams_show(
    team: Annotated[str, typer.Argument(help="Team id.", metavar="TEAM", show_default=False)],
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Show one team."""
    from gmodstore_sdk.api.teams_api import TeamsApi

    conn = _conn(token, host, timeout, debug)
    with errors_to_exit(conn), open_api(conn) as (client, _):
        found = TeamsApi(client).get_team(team).data
    row = _dump(found)
    render.print_one(fmt, row, [k for k in row if k != "settings"], f"Team {found.id}")


@products.command(
    "list", epilog=examples("gmodstore products list TEAM", "gmodstore products list TEAM -f csv")
)
def products_list(
    team: Annotated[str, typer.Argument(help="Team id.", metavar="TEAM", show_default=False)],
    tenant: TenantOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Every product of a team (unlisted ones only for its members)."""
    from gmodstore_sdk.api.products_api import ProductsApi

    conn = _conn(token, host, timeout, debug)
    with errors_to_exit(conn), open_api(conn, tenant=tenant) as (client, _):
        rows = [_dump(product) for product in ProductsApi(client).iter_products(team)]
    _write(fmt, PRODUCT_COLUMNS, PRODUCT_FIELDS, rows)


@products.command("show", epilog=examples("gmodstore products show PRODUCT"))
def products_show(
    product: Annotated[
        str, typer.Argument(help="Product id.", metavar="PRODUCT", show_default=False)
    ],
    tenant: TenantOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Show one product."""
    from gmodstore_sdk.api.products_api import ProductsApi

    conn = _conn(token, host, timeout, debug)
    with (
        errors_to_exit(conn, Context(product=product)),
        open_api(conn, tenant=tenant) as (
            client,
            _,
        ),
    ):
        found = ProductsApi(client).get_product(product).data
    row = _dump(found)
    fields = [k for k in row if k not in ("tabs", "collapsibles", "images", "description")]
    render.print_one(fmt, row, fields, f"Product {found.id}")
