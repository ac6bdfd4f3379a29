"""``gmodstore sandbox webhooks add|list|remove|attempts`` and ``... sandbox purchases delete``.

These commands work on the sandbox database directly (``--database-url``, or
``GMODSTORE_SANDBOX_DATABASE_URL``), whether or not a server is running; a running server's worker
picks up what they change. Only typer is imported at module level (the group is mounted by
``gmodstore sandbox`` on every start); the database stack is imported by the commands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .._help import examples

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["purchases_app", "webhooks_app"]

webhooks_app = typer.Typer(
    help="Webhook endpoints of the sandbox and their delivery log.",
    epilog=(
        "Example:\n\n  $ gmodstore sandbox webhooks add http://127.0.0.1:8001/webhooks"
        " --team 'Team A' --events created,revoked"
    ),
    no_args_is_help=True,
)
purchases_app = typer.Typer(
    help="Change purchases directly in the sandbox database.",
    epilog=examples("purchases delete PURCHASE_ID --product PRODUCT_ID"),
    no_args_is_help=True,
)

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="GMODSTORE_SANDBOX_DATABASE_URL",
        help="SQLAlchemy URL: sqlite:///path.db or postgresql://user@host/db.",
        show_default="sqlite:///./sandbox.db",
    ),
]
FORMATS = ("table", "json", "jsonl", "csv")
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="Output on stdout: table, json, jsonl or csv.",
        show_default="table",
    ),
]
# `--json` was the option before `--format`; kept so that scripts using it go on working.
JsonOpt = Annotated[bool, typer.Option("--json", hidden=True, help="Same as --format json.")]
URL_LIMIT = 2000
"""The longest endpoint URL the sandbox stores (the column's length, on every database)."""


def _output_format(fmt: str, as_json: bool) -> str:
    chosen = "json" if as_json else fmt.strip().lower()
    if chosen not in FORMATS:
        raise _usage(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")
    return chosen


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _print_rows(fmt: str, columns: list[str], rows: list[dict[str, Any]], table: Any) -> None:
    """``rows`` as JSON (an array), JSON lines, CSV (``columns``), or via ``table()``."""
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
    elif fmt == "jsonl":
        for row in rows:
            typer.echo(json.dumps(row))
    elif fmt == "csv":
        import csv
        import sys

        writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_cell(row.get(k)) for k in columns})
    else:
        table()


def _csv_cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return "" if value is None else value


@contextmanager
def _engine(database_url: str | None) -> Iterator[Engine]:
    from pydantic import ValidationError

    from .._serve import SetupError, check_database
    from ..settings import Settings
    from ..storage.db import create_tables, make_engine
    from . import tables  # noqa: F401 (registers the webhook tables for create_tables)

    try:
        settings = Settings() if database_url is None else Settings(database_url=database_url)
        check_database(settings.database_url)
    except ValidationError as exc:
        messages = (str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise _fail("; ".join(messages)) from None
    except SetupError as exc:
        raise _fail(str(exc)) from None
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        create_tables(engine)  # a database made before webhooks existed gets their tables
        yield engine
    finally:
        engine.dispose()


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


@webhooks_app.command(
    "add",
    epilog=examples(
        "webhooks add http://127.0.0.1:8001/webhooks --team TEAM_ID",
        "webhooks add http://127.0.0.1:8001/webhooks --team 'Team A' --events created,revoked",
    ),
)
def add(
    url: Annotated[str, typer.Argument(help="Where to POST the events (http:// or https://).")],
    team: Annotated[
        str,
        typer.Option("--team", "-t", help="The team whose purchase events to send (id or name)."),
    ],
    events: Annotated[
        list[str] | None,
        typer.Option(
            "--events",
            "-e",
            help="Event types to send (repeat or comma-separate; `created` is short for"
            " `product_purchase.created`). Default: all.",
            show_default=False,
        ),
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Register an endpoint and print its signing secret (`whsec_...`) on stdout."""
    from . import admin

    if len(url) > URL_LIMIT:
        raise _fail(f"the URL is {len(url)} characters long; at most {URL_LIMIT} are allowed")
    with _engine(database_url) as engine:
        try:
            endpoint = admin.add_endpoint(engine, team=team, url=url, event_types=events)
        except admin.WebhookAdminError as exc:
            raise _fail(str(exc)) from None
    kinds = ", ".join(endpoint.event_types) if endpoint.event_types else "all events"
    typer.echo(
        f"Added endpoint {endpoint.id} for {endpoint.team_name}: {kinds} -> {endpoint.url}\n"
        "Its signing secret (pass it to gmodstore_sdk.webhooks.verify):",
        err=True,
    )
    typer.echo(endpoint.secret)


@webhooks_app.command(
    "list", epilog=examples("webhooks list", "webhooks list --team TEAM_ID --show-secrets")
)
def list_(
    team: Annotated[
        str | None, typer.Option("--team", "-t", help="Only this team's endpoints (id or name).")
    ] = None,
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets", help="Include each endpoint's signing secret.")
    ] = False,
    fmt: FormatOpt = "table",
    as_json: JsonOpt = False,
    database_url: DatabaseOpt = None,
) -> None:
    """List the webhook endpoints."""
    from . import admin

    fmt = _output_format(fmt, as_json)
    with _engine(database_url) as engine:
        try:
            endpoints = admin.list_endpoints(engine, team=team, include_secrets=show_secrets)
        except admin.WebhookAdminError as exc:
            raise _fail(str(exc)) from None
    rows = [
        {
            "id": e.id,
            "team": e.team_name,
            "teamId": e.team_id,
            "url": e.url,
            "events": list(e.event_types) if e.event_types else "all",
            "createdAt": e.created_at.isoformat(),
            **({"secret": e.secret} if show_secrets else {}),
        }
        for e in endpoints
    ]
    if fmt == "table" and not rows:
        typer.echo(
            "No webhook endpoints. Add one with: gmodstore sandbox webhooks add URL --team ..."
        )
        return
    columns = ["id", "team", "url", "events", *(["secret"] if show_secrets else [])]
    _print_rows(
        fmt,
        ["id", "team", "teamId", "url", "events", "createdAt", *columns[4:]],
        rows,
        lambda: _table(columns, [{**r, "events": _events_text(r["events"])} for r in rows]),
    )


@webhooks_app.command("remove", epilog=examples("webhooks remove ENDPOINT_ID"))
def remove(
    endpoint_id: Annotated[str, typer.Argument(help="The endpoint id (see `list`).")],
    database_url: DatabaseOpt = None,
) -> None:
    """Remove an endpoint and its delivery log; nothing more is sent to it."""
    from . import admin

    with _engine(database_url) as engine:
        if not admin.remove_endpoint(engine, endpoint_id=endpoint_id):
            raise _fail(f"no webhook endpoint {endpoint_id}")
    typer.echo(f"Removed endpoint {endpoint_id}")


@webhooks_app.command(
    "attempts", epilog=examples("webhooks attempts", "webhooks attempts --status failed --json")
)
def attempts(
    endpoint_id: Annotated[
        str | None, typer.Option("--endpoint", help="Only deliveries to this endpoint.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only deliveries in this state: pending, delivered, failed."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many deliveries.")] = 50,
    fmt: FormatOpt = "table",
    as_json: JsonOpt = False,
    database_url: DatabaseOpt = None,
) -> None:
    """The delivery log, newest first: each event sent, its status, and every try's answer."""
    fmt = _output_format(fmt, as_json)
    if status is not None and status not in ("pending", "delivered", "failed"):
        raise _fail(f"unknown status {status!r}; expected pending, delivered or failed")
    from . import admin

    with _engine(database_url) as engine:
        try:
            log = admin.list_deliveries(engine, endpoint_id=endpoint_id, status=status, limit=limit)
        except admin.WebhookAdminError as exc:
            raise _fail(str(exc)) from None
    rows = [
        {
            "webhookId": d.webhook_id,
            "eventType": d.event_type,
            "purchaseId": str(d.purchase_id),
            "url": d.url,
            "status": d.status,
            "tries": d.tries,
            "lastStatusCode": d.last_status_code,
            "createdAt": d.created_at.isoformat(),
            "nextAttemptAt": d.next_attempt_at.isoformat() if d.status == "pending" else None,
            "attempts": [
                {
                    "attempt": a.attempt,
                    "at": a.started_at.isoformat(),
                    "statusCode": a.status_code,
                    "error": a.error,
                    "durationMs": a.duration_ms,
                }
                for a in tries
            ],
        }
        for d, tries in log
    ]
    if fmt != "table":
        columns = ["webhookId", "eventType", "purchaseId", "url", "status", "tries"]
        columns += ["lastStatusCode", "createdAt", "nextAttemptAt", "attempts"]
        _print_rows(fmt, columns, rows, lambda: None)
        return
    if not rows:
        typer.echo("No deliveries yet.")
        return
    table_rows = [
        {
            "time": r["createdAt"][:19].replace("T", " "),
            "event": r["eventType"].removeprefix("product_purchase."),
            "purchase": r["purchaseId"],
            "url": r["url"],
            "status": r["status"]
            + (f", next {r['nextAttemptAt'][11:19]}" if r["nextAttemptAt"] else ""),
            "tries": str(r["tries"]),
            "answers": " ".join(_answer(a) for a in r["attempts"]) or "-",
        }
        for r in rows
    ]
    _table(["time", "event", "purchase", "url", "status", "tries", "answers"], table_rows)


@webhooks_app.command(
    "trigger",
    epilog=examples(
        "webhooks trigger product_purchase.revoked",
        "webhooks trigger ticket.created --team 'Team A'",
        "webhooks trigger ticket_attachment.created --api-url http://127.0.0.1:9000/v3",
    ),
)
def trigger(
    event_type: Annotated[
        str, typer.Argument(help="The event type, e.g. product_purchase.revoked.")
    ],
    team: Annotated[
        str | None, typer.Option("--team", help="Team id or name (default: the first product's).")
    ] = None,
    api_url: Annotated[
        str,
        typer.Option(
            "--api-url", help="The server's API root, for the URLs of ticket attachments."
        ),
    ] = "http://127.0.0.1:8765/v3",
    database_url: DatabaseOpt = None,
) -> None:
    """Make the sandbox perform the change that emits EVENT_TYPE (like `stripe trigger`).

    Every one of the API's 25 event types (and webhook_endpoint.test) can be triggered. Versions
    and attachments are written to the sandbox's file folder (GMODSTORE_SANDBOX_FILES_DIR, else
    the one beside the SQLite file).
    """
    from ..content.files import default_files_dir
    from ..settings import Settings
    from .admin import WebhookAdminError
    from .trigger import trigger as perform

    with _engine(database_url) as engine:
        settings = Settings() if database_url is None else Settings(database_url=database_url)
        files_dir = settings.files_dir or default_files_dir(settings.database_url)
        try:
            done = perform(engine, event_type, team=team, files_dir=files_dir, api_url=api_url)
        except WebhookAdminError as exc:
            raise _fail(str(exc)) from None
    typer.echo(f"{event_type}: {done}; queued for delivery")


@purchases_app.command(
    "delete", epilog=examples("purchases delete PURCHASE_ID --product PRODUCT_ID")
)
def delete(
    purchase_id: Annotated[str, typer.Argument(help="The purchase id.")],
    product: Annotated[
        str | None, typer.Option("--product", help="Only if the purchase is of this product.")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Delete a purchase; its team's endpoints get a `product_purchase.deleted` webhook.

    The real API has no delete endpoint (purchases are deleted on the store's side), so the sandbox
    offers it here.
    """
    from . import admin

    with _engine(database_url) as engine:
        data = admin.delete_purchase(engine, purchase_id=purchase_id, product_id=product)
    if data is None:
        where = f" of product {product}" if product else ""
        raise _fail(f"no purchase {purchase_id}{where}")
    typer.echo(f"Deleted purchase {purchase_id}; product_purchase.deleted is queued for delivery")


_IDS = frozenset({"id", "purchase"})


def _answer(attempt: dict[str, Any]) -> str:
    if attempt["statusCode"] is not None:
        return str(attempt["statusCode"])
    return str(attempt["error"] or "error").split(":", 1)[0]


def _events_text(events: object) -> str:
    if isinstance(events, list):
        return ", ".join(e.removeprefix("product_purchase.") for e in events)
    return str(events)


def _table(columns: list[str], rows: list[dict[str, Any]]) -> None:
    """A table for people; for a pipe or a file, one line per row (a secret split over several
    lines would be unusable), columns padded with spaces, no tabs."""
    import sys

    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=True)
    if not console.is_terminal:
        cells = [[" ".join(str(row[c]).split()) for c in columns] for row in rows]
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
        for line in [columns, *cells]:
            padded = [cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=False)]
            sys.stdout.write("  ".join([*padded, line[-1]]).rstrip() + "\n")
        return
    table = Table()
    for column in columns:
        # Ids and URLs are copied from here: fold them rather than cut them with an ellipsis.
        table.add_column(column, overflow="fold", min_width=36 if column in _IDS else None)
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    console.print(table)
