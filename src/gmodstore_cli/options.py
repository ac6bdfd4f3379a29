"""The options and arguments shared by the ``purchases`` commands (typer ``Annotated`` aliases).

Typer evaluates these annotations at runtime; ``X | None`` is fine on Python 3.10.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gmodstore_cli.core import choice
from gmodstore_cli.render import EXPORT_FORMATS, OutputFormat

CONNECTION = "Connection"
TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="GMODSTORE_TOKEN",
        help="Personal access token.",
        show_default=False,
        rich_help_panel=CONNECTION,
    ),
]
HostOpt = Annotated[
    str | None,
    typer.Option(
        "--host",
        envvar="GMODSTORE_HOST",
        help="API host, e.g. http://127.0.0.1:8765 for a sandbox (default https://www.gmodstore.com).",
        show_default=False,
        rich_help_panel=CONNECTION,
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout", min=0.1, help="Seconds to wait for each response.", rich_help_panel=CONNECTION
    ),
]
DebugOpt = Annotated[
    bool,
    typer.Option(
        "--debug", help="Log HTTP traffic; show tracebacks on errors.", rich_help_panel=CONNECTION
    ),
]
ProductArg = Annotated[
    str, typer.Argument(help="Product id.", metavar="PRODUCT", show_default=False)
]
FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        parser=choice(list(OutputFormat)),
        metavar="FORMAT",
        help="Output on stdout: table, json, jsonl or csv.",
        show_default="table",
    ),
]
UsersOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--user", "-u", help="Only purchases of this user (repeatable).", show_default=False
    ),
]
RevokedOpt = Annotated[
    bool | None,
    typer.Option(
        "--revoked/--active", help="Only revoked / only active purchases.", show_default=False
    ),
]
FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="Read ids from this file (CSV column or one per line; - for stdin).",
        show_default=False,
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
]


def examples(*lines: str) -> str:
    """An ``epilog`` with example command lines, shown at the end of ``--help``."""
    return "Examples:\n\n" + "\n\n".join(f"  $ {line}" for line in lines)


PerPageOpt = Annotated[
    int | None,
    typer.Option(
        "--per-page",
        min=1,
        max=100,
        help="Purchases per page (API default 24).",
        show_default=False,
    ),
]
CursorOpt = Annotated[
    str | None,
    typer.Option(
        "--cursor",
        help="Start at this page cursor (printed on stderr after a page).",
        show_default=False,
    ),
]
AllOpt = Annotated[bool, typer.Option("--all", help="Every page, streamed.")]
PurchaseArg = Annotated[
    str, typer.Argument(help="Purchase id.", metavar="PURCHASE", show_default=False)
]
UserArg = Annotated[str, typer.Argument(help="User id.", metavar="USER_ID", show_default=False)]
UserIdsArg = Annotated[
    list[str] | None,
    typer.Argument(help="User ids to give the product to.", metavar="USER_ID", show_default=False),
]
PurchaseIdsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Purchase ids.", metavar="PURCHASE_ID", show_default=False),
]
OwnersOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--user",
        "-u",
        help="Address the purchase by its owner's user id (repeatable).",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    str,
    typer.Option(
        "--output",
        "-o",
        help="File to write (.csv, .jsonl or .json); - for stdout.",
        show_default=False,
    ),
]
ExportFormatOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        parser=choice(EXPORT_FORMATS),
        metavar="FORMAT",
        help="csv, jsonl or json (default: from the file name; jsonl for stdout).",
        show_default=False,
    ),
]
ExportPerPageOpt = Annotated[
    int, typer.Option("--per-page", min=1, max=100, help="Purchases per request.")
]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print nothing on stdout; only the exit code answers."),
]
