"""``gmodstore versions|coupons|reviews ...``: releases, discount codes and reviews over the SDK.

Mounted by one line in :mod:`gmodstore_cli.commands` (`mount`). Like the purchase commands, these
only parse options and call the SDK (`ProductVersionsApi`, `ProductCouponsApi`,
`ProductReviewsApi`); errors are one ``error:`` line on stderr.

    $ gmodstore versions upload PRODUCT addon.zip --name 1.2.3 --changelog-file CHANGELOG.md
    $ gmodstore versions download PRODUCT --latest -o addon.zip
    $ gmodstore coupons create PRODUCT --percent 10 --max-uses 1 --expires-in 7d
    $ gmodstore reviews list PRODUCT --rating 1,2
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

import typer

from gmodstore_cli import render
from gmodstore_cli.core import current_context, from_command_line
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
from gmodstore_sdk.api.product_coupons_api import ProductCouponsApi
from gmodstore_sdk.api.product_reviews_api import ProductReviewsApi
from gmodstore_sdk.api.product_versions_api import ProductVersionsApi
from gmodstore_sdk.exceptions import ForbiddenException, NotFoundException

__all__ = ["mount"]

RELEASE_TYPES = ("stable", "beta", "alpha", "private", "demo")
VERSION_FIELDS = ("id", "name", "releaseType", "fileSize", "fileHash", "createdAt", "updatedAt")
VERSION_COLUMNS = (
    Column("id", "ID", 36),
    Column("name", "NAME"),
    Column("releaseType", "TYPE"),
    Column("fileSize", "BYTES"),
    Column("createdAt", "CREATED", optional=True),
)
COUPON_FIELDS = ("id", "code", "percent", "maxUses", "boundUserId", "expiresAt", "createdAt")
COUPON_COLUMNS = (
    Column("id", "ID", 36),
    Column("code", "CODE"),
    Column("percent", "%"),
    Column("maxUses", "USES"),
    Column("expiresAt", "EXPIRES", optional=True),
    Column("boundUserId", "USER", optional=True),
)
REVIEW_FIELDS = ("id", "userId", "rating", "title", "version", "createdAt")
REVIEW_COLUMNS = (
    Column("id", "ID", 36),
    Column("rating", "★"),
    Column("title", "TITLE"),
    Column("version", "VERSION", optional=True),
    Column("userId", "USER", optional=True),
)

versions = typer.Typer(
    help="List, upload, download and delete the versions (releases) of a product.",
    epilog=examples(
        "gmodstore versions list PRODUCT",
        "gmodstore versions upload PRODUCT addon.zip --name 1.2.3 --changelog-file CHANGELOG.md",
        "gmodstore versions download PRODUCT --latest -o addon.zip",
    ),
    no_args_is_help=True,
)
coupons = typer.Typer(
    help="List, create and delete the coupons of a product.",
    epilog=examples(
        "gmodstore coupons list PRODUCT",
        "gmodstore coupons create PRODUCT --percent 10 --max-uses 1 --expires-in 7d",
    ),
    no_args_is_help=True,
)
reviews = typer.Typer(
    help="Read the reviews of a product.",
    epilog=examples("gmodstore reviews list PRODUCT --rating 1,2"),
    no_args_is_help=True,
)


def mount(app: typer.Typer) -> None:
    """Add the ``versions``, ``coupons`` and ``reviews`` groups to the ``gmodstore`` command."""
    app.add_typer(versions, name="versions")
    app.add_typer(coupons, name="coupons")
    app.add_typer(reviews, name="reviews")


# --- shared -----------------------------------------------------------------------------------


def _conn(token: str | None, host: str | None, timeout: float, debug: bool) -> Connection:
    """A command's own flag, else the one given before the command, else the environment."""

    def pick(name: str, value: str | None) -> str | None:
        if from_command_line(name):
            return value
        given: dict[str, str | None] = current_context().find_root().obj or {}
        return given.get(name) or value

    return Connection(pick("token", token), pick("host", host), timeout, debug)


@contextmanager
def _session(conn: Connection, product: str, scope: str) -> Iterator[Any]:
    """The SDK client, with 403/404 worded for these endpoints; other errors as for purchases."""
    with errors_to_exit(conn, Context(product=product)), open_api(conn) as (client, _):
        try:
            yield client
        except ForbiddenException as exc:
            raise CommandFailed(
                f"forbidden (403: {exc.message}): the token needs the {scope} scope and product "
                f"{product} must belong to one of your teams"
            ) from None
        except NotFoundException as exc:
            raise CommandFailed(f"not found (404: {exc.message})") from None


def _rows(items: Any) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item.model_dump(mode="json", by_alias=True)


def _write_all(fmt: OutputFormat, columns: Any, fields: Any, items: Any) -> None:
    writer = render.RowWriter(fmt, columns, fields)
    for row in _rows(items):
        writer.write(row)
    writer.close()


def _csv_list(value: str | None, allowed: tuple[str, ...] | None, what: str) -> list[str] | None:
    if value is None:
        return None
    items = [item.strip() for item in value.split(",") if item.strip()]
    bad = [item for item in items if allowed is not None and item not in allowed]
    if bad or not items:
        raise typer.BadParameter(f"{what} must be among {', '.join(allowed or ())}")
    return items


ReleaseTypeOpt = Annotated[
    str | None,
    typer.Option(
        "--release-type", help="stable, beta, alpha, private or demo (comma-separated to list)."
    ),
]
VersionArg = Annotated[str, typer.Argument(help="Version id.", metavar="VERSION")]


# --- versions ---------------------------------------------------------------------------------


@versions.command("list", epilog=examples("gmodstore versions list PRODUCT --release-type beta"))
def list_versions(
    product: ProductArg,
    release_type: ReleaseTypeOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Every version of a product, oldest first."""
    kinds = _csv_list(release_type, RELEASE_TYPES, "--release-type")
    conn = _conn(token, host, timeout, debug)
    with _session(conn, product, "product-versions:read") as client:
        api = ProductVersionsApi(client)
        flt = None if kinds is None else {"release_type": kinds}
        _write_all(
            fmt, VERSION_COLUMNS, VERSION_FIELDS, api.iter_product_versions(product, filter=flt)
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


@versions.command(
    "upload",
    epilog=examples(
        "gmodstore versions upload PRODUCT addon.zip --name 1.2.3 --changelog-file CHANGELOG.md",
        'gmodstore versions upload PRODUCT addon.zip --name 1.3.0-beta --changelog "Fixes" '
        "--release-type beta",
    ),
)
def upload_version(
    product: ProductArg,
    file: Annotated[Path, typer.Argument(help="The release archive (.zip).", metavar="FILE")],
    name: Annotated[str, typer.Option("--name", help="Version name, e.g. 1.2.3.")],
    changelog: Annotated[str | None, typer.Option(help="Changelog text.")] = None,
    changelog_file: Annotated[
        Path | None, typer.Option("--changelog-file", help="Read the changelog from a file.")
    ] = None,
    release_type: Annotated[
        str, typer.Option("--release-type", help="stable, beta, alpha, private or demo.")
    ] = "stable",
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 300.0,
    debug: DebugOpt = False,
) -> None:
    """Upload a release and print its id. Safe to re-run: a version with the same name and file
    hash is reported, not uploaded twice."""
    _csv_list(release_type, RELEASE_TYPES, "--release-type")
    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file")
    if changelog_file is not None:
        try:
            changelog = changelog_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(f"cannot read {changelog_file}: {exc}") from None
    size, digest = file.stat().st_size, _sha256(file)
    conn = _conn(token, host, timeout, debug)
    with _session(conn, product, "product-versions:write") as client:
        api = ProductVersionsApi(client)
        for existing in api.iter_product_versions(product):
            if existing.name == name and existing.file_hash == digest:
                render.note(f"Version {name} with this file already exists: {existing.id}")
                _print_version(fmt, existing)
                return
        enabled = render.progress_enabled() and not debug
        with render.progress(f"Uploading {file.name}", size, enabled=enabled) as bar:
            sent = [0]

            def progress(done: int, _total: int | None) -> None:
                bar.advance(max(0, min(done, size) - sent[0]))
                sent[0] = max(sent[0], min(done, size))

            payload = {"name": name, "changelog": changelog or "", "release_type": release_type}
            made = api.create_product_version(product, payload, file, progress=progress).data
    _print_version(fmt, made)


def _print_version(fmt: OutputFormat, version: Any) -> None:
    if fmt is OutputFormat.table:
        render.say(version.id)
    else:
        render.print_one(fmt, version.model_dump(mode="json", by_alias=True), VERSION_FIELDS, "")


@versions.command("latest", epilog=examples("gmodstore versions latest PRODUCT --format json"))
def latest_version(
    product: ProductArg,
    release_type: Annotated[
        str, typer.Option("--release-type", help="stable, beta, ..., or any.")
    ] = "stable",
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """The most recently created version (of one release type, stable by default)."""
    if release_type != "any":
        _csv_list(release_type, RELEASE_TYPES, "--release-type")
    conn = _conn(token, host, timeout, debug)
    with _session(conn, product, "product-versions:read") as client:
        kind = None if release_type == "any" else release_type
        found = ProductVersionsApi(client).latest_product_version(product, release_type=kind)
        if found is None:
            raise CommandFailed(f"product {product} has no {release_type} version")
    row = found.model_dump(mode="json", by_alias=True)
    render.print_one(fmt, row, VERSION_FIELDS, f"Version {found.name}")


@versions.command(
    "download",
    epilog=examples(
        "gmodstore versions download PRODUCT --latest -o addon.zip",
        "gmodstore versions download PRODUCT VERSION -o addon.zip",
    ),
)
def download_version(
    product: ProductArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the file.")],
    version: Annotated[str | None, typer.Argument(help="Version id.", metavar="VERSION")] = None,
    latest: Annotated[bool, typer.Option("--latest", help="The latest stable version.")] = False,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 300.0,
    debug: DebugOpt = False,
) -> None:
    """Download a version's file atomically (written to FILE only once complete and its size
    and SHA-256 match)."""
    if (version is None) == (not latest):
        raise typer.BadParameter("give a VERSION or --latest (not both)")
    conn = _conn(token, host, timeout, debug)
    with _session(conn, product, "product-versions:download") as client:
        api = ProductVersionsApi(client)
        if version is None:
            found = api.latest_product_version(product)
            if found is None:
                raise CommandFailed(f"product {product} has no stable version")
            version = found.id
        size = api.get_product_version(product, version).data.file_size
        enabled = render.progress_enabled() and not debug
        with render.progress(f"Downloading {output.name}", size, enabled=enabled) as bar:
            got = [0]

            def progress(done: int, _total: int | None) -> None:
                bar.advance(max(0, done - got[0]))
                got[0] = max(got[0], done)

            dest = api.download_product_version(product, version, output, progress=progress)
    render.note(f"Saved {dest} ({size} bytes, SHA-256 checked)")


@versions.command("delete", epilog=examples("gmodstore versions delete PRODUCT VERSION"))
def delete_version(
    product: ProductArg,
    version: VersionArg,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Delete a version (and its file)."""
    conn = _conn(token, host, timeout, debug)
    with _session(conn, product, "product-versions:write") as client:
        gone = ProductVersionsApi(client).delete_product_version(product, version).data
    render.note(f"Deleted version {gone.name} ({gone.id})")


# --- coupons ----------------------------------------------------------------------------------

_DURATION = re.compile(r"(\d+)([smhdw]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``90``, ``15m``, ``12h``, ``7d``, ``2w`` -> timedelta."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise typer.BadParameter(f"{text!r} is not a duration like 12h or 7d")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


@coupons.command("list", epilog=examples("gmodstore coupons list PRODUCT --code SUMMER10"))
def list_coupons(
    product: ProductArg,
    code: Annotated[str | None, typer.Option(help="Only these codes (comma-separated).")] = None,
    user: Annotated[str | None, typer.Option(help="Only coupons bound to these users.")] = None,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Every coupon of a product."""
    flt: dict[str, Any] = {}
    if code is not None:
        flt["code"] = _csv_list(code, None, "--code")
    if user is not None:
        flt["bound_user_id"] = _csv_list(user, None, "--user")
    conn = _conn(token, host, timeout, debug)
    with _session(conn, product, "product-coupons:read") as client:
        items = ProductCouponsApi(client).iter_product_coupons(product, filter=flt or None)
        _write_all(fmt, COUPON_COLUMNS, COUPON_FIELDS, items)


@coupons.command(
    "create",
    epilog=examples(
        "gmodstore coupons create PRODUCT --percent 10 --max-uses 1 --expires-in 7d",
        "gmodstore coupons create PRODUCT --percent 50 --max-uses 1 --expires-in 2d "
        "--user USER_ID --code VIP50",
    ),
)
def create_coupon(
    product: ProductArg,
    percent: Annotated[int, typer.Option(min=1, max=90, help="Discount, 1 to 90 %.")],
    max_uses: Annotated[int, typer.Option("--max-uses", min=1, max=100, help="1 to 100.")],
    expires_in: Annotated[
        str, typer.Option("--expires-in", help="Lifetime, e.g. 12h or 7d (at most 2 weeks).")
    ],
    user: Annotated[str | None, typer.Option(help="Only this user may use it.")] = None,
    code: Annotated[str | None, typer.Option(help="The code (default: a random one).")] = None,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Create a coupon and print its code."""
    expires = datetime.now(timezone.utc) + parse_duration(expires_in)
    payload: dict[str, Any] = {
        "percent": percent,
        "code": code or secrets.token_hex(5).upper(),
        "max_uses": max_uses,
        "expires_at": expires,
    }
    if user is not None:
        payload["bound_user_id"] = user
    conn = _conn(token, host, timeout, debug)
    with _session(conn, product, "product-coupons:write") as client:
        made = ProductCouponsApi(client).create_product_coupon(product, payload).data
    if fmt is OutputFormat.table:
        render.say(made.code)
    else:
        render.print_one(fmt, made.model_dump(mode="json", by_alias=True), COUPON_FIELDS, "")


@coupons.command("delete", epilog=examples("gmodstore coupons delete PRODUCT COUPON"))
def delete_coupon(
    product: ProductArg,
    coupon: Annotated[str, typer.Argument(help="Coupon id.", metavar="COUPON")],
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Delete a coupon."""
    conn = _conn(token, host, timeout, debug)
    with _session(conn, product, "product-coupons:write") as client:
        gone = ProductCouponsApi(client).delete_product_coupon(product, coupon).data
    render.note(f"Deleted coupon {gone.code} ({gone.id})")


# --- reviews ----------------------------------------------------------------------------------


@reviews.command("list", epilog=examples("gmodstore reviews list PRODUCT --rating 1,2"))
def list_reviews(
    product: ProductArg,
    rating: Annotated[str | None, typer.Option(help="Only these ratings, e.g. 1,2.")] = None,
    fmt: FormatOpt = OutputFormat.table,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Every review of a product, oldest first."""
    ratings = _csv_list(rating, ("1", "2", "3", "4", "5"), "--rating")
    conn = _conn(token, host, timeout, debug)
    with _session(conn, product, "product-reviews:read") as client:
        flt = None if ratings is None else {"rating": [int(r) for r in ratings]}
        items = ProductReviewsApi(client).iter_product_reviews(product, filter=flt)
        _write_all(fmt, REVIEW_COLUMNS, REVIEW_FIELDS, items)
