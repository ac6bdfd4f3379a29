"""The ``gmodstore`` commands (typer). Commands only parse options and call the SDK.

Rendering lives in :mod:`gmodstore_cli.render`, bulk item handling in :mod:`gmodstore_cli.bulk`,
error wording in :mod:`gmodstore_cli.errors`. Exit codes: 0 success, 1 failure (an error, or a
bulk run with a failed item), 2 usage error; ``check`` answers 0 yes / 1 no / 2 error.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from gmodstore_cli import (
    api_command,
    bulk,
    content_commands,
    files,
    identity_commands,
    render,
    sandbox_group,
    webhooks_commands,
)
from gmodstore_cli.core import Group, current_context, from_command_line
from gmodstore_cli.errors import Context
from gmodstore_cli.options import (
    AllOpt,
    CursorOpt,
    DebugOpt,
    DryRunOpt,
    ExportFormatOpt,
    ExportPerPageOpt,
    FormatOpt,
    FromOpt,
    HostOpt,
    OutputOpt,
    OwnersOpt,
    PerPageOpt,
    ProductArg,
    PurchaseArg,
    PurchaseIdsArg,
    QuietOpt,
    RevokedOpt,
    TimeoutOpt,
    TokenOpt,
    UserArg,
    UserIdsArg,
    UsersOpt,
    examples,
)
from gmodstore_cli.render import OutputFormat
from gmodstore_cli.session import Connection, errors_to_exit, open_api
from gmodstore_cli.tickets_commands import mount as mount_tickets
from gmodstore_sdk import __version__
from gmodstore_sdk.model.product_purchase import ProductPurchase
from gmodstore_sdk.model.product_purchase_filter import ProductPurchaseFilter

app = typer.Typer(
    name="gmodstore",
    help="Manage GmodStore product purchases from a terminal or a script.",
    epilog=(
        "Examples:\n\n  $ export GMODSTORE_TOKEN=...\n\n"
        "  $ gmodstore purchases list PRODUCT --active\n\n"
        "  $ gmodstore --host http://127.0.0.1:8765 purchases check PRODUCT USER_ID\n\n"
        "  $ gmodstore sandbox demo"
    ),
    cls=Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
purchases = typer.Typer(
    help="List, grant, revoke, restore, export and check product purchases.",
    epilog=examples(
        "gmodstore purchases list PRODUCT --active",
        "gmodstore purchases grant PRODUCT USER_ID",
        "gmodstore purchases export PRODUCT -o purchases.csv",
        "gmodstore purchases list --help",
    ),
    no_args_is_help=True,
)
app.add_typer(purchases, name="purchases")
sandbox_group.mount(app)
api_command.mount(app)
content_commands.mount(app)
identity_commands.mount(app)
mount_tickets(app)
webhooks_commands.mount(app)


def _print_version(value: bool) -> None:
    if value:
        render.say(f"gmodstore {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    token: TokenOpt = None,
    host: HostOpt = None,
    version: Annotated[  # noqa: ARG001 (handled by its eager callback)
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Manage GmodStore product purchases from a terminal or a script."""
    # `gmodstore --token T purchases list P` works like `gmodstore purchases list P --token T`.
    ctx.obj = {"token": token, "host": host}


def _conn(token: str | None, host: str | None, timeout: float, debug: bool) -> Connection:
    """The connection options: a command's own flag, else the one given before the command,
    else the environment (both options read ``GMODSTORE_TOKEN`` / ``GMODSTORE_HOST``)."""
    return Connection(
        token=_option("token", token), host=_option("host", host), timeout=timeout, debug=debug
    )


def _option(name: str, value: str | None) -> str | None:
    if from_command_line(name):
        return value
    given: dict[str, str | None] = current_context().find_root().obj or {}
    return given.get(name) or value


def _filter(users: Sequence[str] | None, revoked: bool | None) -> ProductPurchaseFilter | None:
    if not users and revoked is None:
        return None
    return ProductPurchaseFilter(user_id=list(users) if users else None, revoked=revoked)


def _purchase_writer(fmt: OutputFormat) -> render.RowWriter:
    return render.RowWriter(fmt, render.PURCHASE_COLUMNS, render.PURCHASE_FIELDS)


@purchases.command(
    "list",
    epilog=examples(
        "gmodstore purchases list PRODUCT",
        "gmodstore purchases list PRODUCT --active --user USER_ID --format json",
        "gmodstore purchases list PRODUCT --all --format csv > purchases.csv",
    ),
)
def list_purchases(
    product: ProductArg,
    user: UsersOpt = None,
    revoked: RevokedOpt = None,
    per_page: PerPageOpt = None,
    cursor: CursorOpt = None,
    all_pages: AllOpt = False,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """List the purchases of a product: one page, or every page with --all."""
    conn = _conn(token, host, timeout, debug)
    writer = _purchase_writer(fmt)
    with errors_to_exit(conn, Context(product=product)):
        flt = _filter(user, revoked)
        if all_pages:
            _stream_all(
                conn, product, flt, per_page or 100, writer, label="Listing", stdout_too=True
            )
        else:
            _list_page(conn, product, flt, per_page, cursor, writer)


def _row(purchase: ProductPurchase) -> dict[str, Any]:
    return purchase.model_dump(mode="json", by_alias=True)


def _list_page(
    conn: Connection,
    product: str,
    flt: ProductPurchaseFilter | None,
    per_page: int | None,
    cursor: str | None,
    writer: render.RowWriter,
) -> None:
    with open_api(conn) as (_, api):
        page = api.list_product_purchases(product, per_page=per_page, cursor=cursor, filter=flt)
    for purchase in page.data:
        writer.write(_row(purchase))
    writer.close()
    if page.cursors.next:
        hint = f"add --cursor {page.cursors.next} for the next page, or --all"
        render.note(f"More purchases: {hint}.")


def _stream_all(
    conn: Connection,
    product: str,
    flt: ProductPurchaseFilter | None,
    per_page: int,
    writer: render.RowWriter,
    *,
    label: str,
    stdout_too: bool,
) -> None:
    """Write every purchase, page after page, with a progress bar when on a terminal.

    ``stdout_too``: the rows go to stdout, so a bar is drawn only if stdout is not the terminal.
    """
    enabled = render.progress_enabled(stdout_too=stdout_too) and not conn.debug
    with (
        render.progress(label, None, enabled=enabled) as bar,
        open_api(conn, on_wait=bar.status) as (_, api),
    ):
        for purchase in api.iter_product_purchases(product, per_page=per_page, filter=flt):
            writer.write(_row(purchase))
            bar.advance()
    writer.close()


@purchases.command(
    "get",
    epilog=examples(
        "gmodstore purchases get PRODUCT PURCHASE",
        "gmodstore purchases get PRODUCT PURCHASE --format json",
    ),
)
def get_purchase(
    product: ProductArg,
    purchase: PurchaseArg,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Show one purchase."""
    conn = _conn(token, host, timeout, debug)
    with (
        errors_to_exit(conn, Context(product=product, purchase=purchase)),
        open_api(conn) as (_, api),
    ):
        found = api.get_product_purchase(product, purchase).data
    render.print_one(fmt, _row(found), render.PURCHASE_FIELDS, f"Purchase {found.id}")


@purchases.command(
    "grant",
    epilog=examples(
        "gmodstore purchases grant PRODUCT USER_ID [USER_ID ...]",
        "gmodstore purchases grant PRODUCT --from users.csv --dry-run",
    ),
)
def grant(
    product: ProductArg,
    user_ids: UserIdsArg = None,
    source: FromOpt = None,
    dry_run: DryRunOpt = False,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Give users a purchase of a product; users who already own it are reported, not failed.

    --from reads user ids: one per line, or the userId column of a CSV with a header.
    """
    listed, from_file = files.targets(user_ids, source, ("userId", "user", "id"))
    targets = files.dedupe([*listed, *from_file])
    if not targets:
        raise typer.BadParameter("give at least one USER_ID, or --from FILE")
    job = bulk.grant_job(product, targets, dry_run=dry_run)
    bulk.execute(_conn(token, host, timeout, debug), job, fmt)


def _set_revoked(
    revoked: bool,
    product: str,
    purchase_ids: Sequence[str] | None,
    users: Sequence[str] | None,
    source: str | None,
    dry_run: bool,
    fmt: OutputFormat,
    conn: Connection,
) -> None:
    by_id, file_users = files.targets(
        purchase_ids, source, ("id", "purchaseId", "purchase", "userId", "user")
    )
    owners = set(files.dedupe([*(users or []), *file_users]))
    targets = files.dedupe([*by_id, *(users or []), *file_users])
    if not targets:
        raise typer.BadParameter("give at least one PURCHASE_ID, --user USER_ID or --from FILE")
    job = bulk.revoked_job(product, targets, owners, revoked=revoked, dry_run=dry_run)
    bulk.execute(conn, job, fmt)


@purchases.command(
    "revoke",
    epilog=examples(
        "gmodstore purchases revoke PRODUCT PURCHASE_ID [PURCHASE_ID ...]",
        "gmodstore purchases revoke PRODUCT --user USER_ID",
        "gmodstore purchases revoke PRODUCT --from chargebacks.csv --dry-run",
    ),
)
def revoke(
    product: ProductArg,
    purchase_ids: PurchaseIdsArg = None,
    user: OwnersOpt = None,
    source: FromOpt = None,
    dry_run: DryRunOpt = False,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Revoke purchases: the users lose the product. Already revoked ones are reported, not failed.

    --from reads purchase ids (one per line, or the id column of a CSV such as an export), or user
    ids when the CSV header names a userId column and no id column.
    """
    _set_revoked(
        True, product, purchase_ids, user, source, dry_run, fmt, _conn(token, host, timeout, debug)
    )


@purchases.command(
    "restore",
    epilog=examples(
        "gmodstore purchases restore PRODUCT PURCHASE_ID",
        "gmodstore purchases restore PRODUCT --user USER_ID --dry-run",
    ),
)
def restore(
    product: ProductArg,
    purchase_ids: PurchaseIdsArg = None,
    user: OwnersOpt = None,
    source: FromOpt = None,
    dry_run: DryRunOpt = False,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Restore revoked purchases (un-revoke). Already active ones are reported, not failed.

    Targets are given as for revoke.
    """
    _set_revoked(
        False, product, purchase_ids, user, source, dry_run, fmt, _conn(token, host, timeout, debug)
    )


@purchases.command(
    "export",
    epilog=examples(
        "gmodstore purchases export PRODUCT -o purchases.csv",
        "gmodstore purchases export PRODUCT -o revoked.jsonl --revoked",
        "gmodstore purchases export PRODUCT -o - --format jsonl | jq .userId",
    ),
)
def export(
    product: ProductArg,
    output: OutputOpt,
    user: UsersOpt = None,
    revoked: RevokedOpt = None,
    fmt: ExportFormatOpt = None,
    per_page: ExportPerPageOpt = 100,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Write every purchase of a product to a file, streamed page by page (constant memory).

    The file appears only when the export is complete (written to a temporary file, then renamed).
    """
    conn = _conn(token, host, timeout, debug)
    start = time.monotonic()
    try:
        with errors_to_exit(conn, Context(product=product)):
            files.check_output(output)
            kind = files.export_format(output, fmt)
            with files.export_target(output) as out:
                writer = render.RowWriter(kind, (), render.PURCHASE_FIELDS, out=out)
                flt = _filter(user, revoked)
                _stream_all(
                    conn,
                    product,
                    flt,
                    per_page,
                    writer,
                    label="Exporting",
                    stdout_too=output == "-",
                )
    except KeyboardInterrupt:
        # Ctrl-C: the partial file is already gone (export_target); one line, the usual 130.
        render.error("interrupted" if output == "-" else "interrupted; no file written")
        raise typer.Exit(130) from None
    where = "stdout" if output == "-" else output
    render.note(f"Exported {writer.count:,} purchases to {where} in {render.elapsed_since(start)}.")


@purchases.command(
    "check",
    epilog=examples(
        "gmodstore purchases check PRODUCT USER_ID",
        "gmodstore purchases check PRODUCT USER_ID --quiet && echo owner",
    ),
)
def check(
    product: ProductArg,
    user_id: UserArg,
    quiet: QuietOpt = False,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Does a user hold an active (not revoked) purchase? Exit 0 yes, 1 no, 2 error.

    Errors are still reported on stderr with --quiet.
    """
    conn = _conn(token, host, timeout, debug)
    with (
        errors_to_exit(conn, Context(product=product, user=user_id), code=2),
        open_api(conn) as (_, api),
    ):
        found = bulk.find_purchase(api, product, user_id)
    active = found is not None and not found.revoked
    if not quiet:
        if found is None:
            render.say(f"no: user {user_id} has no purchase of product {product}")
        elif found.revoked:
            render.say(f"no: purchase {found.id} of user {user_id} is revoked")
        else:
            render.say(f"yes: user {user_id} holds purchase {found.id} of product {product}")
    if not active:
        raise typer.Exit(1)


def run() -> None:
    """Run the command line (called by :func:`gmodstore_cli.main.main`)."""
    try:
        app()
    except ModuleNotFoundError as exc:
        # A sandbox command whose extra is not installed: a hint, not a traceback.
        if not sandbox_group.missing_extra(exc):
            raise
        render.error(sandbox_group.INSTALL_HINT)
        sys.exit(1)
