"""Connection options shared by every ``purchases`` command, and the error boundary around them."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer

from gmodstore_cli import render
from gmodstore_cli.errors import Context, MissingTokenError, describe
from gmodstore_sdk import ApiClient, Configuration, OpenApiException
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi


@dataclass(frozen=True)
class Connection:
    """``--token``, ``--host``, ``--timeout`` and ``--debug`` of one invocation."""

    token: str | None
    host: str | None
    timeout: float
    debug: bool


class CommandFailed(Exception):
    """Raised inside :func:`errors_to_exit` to print ``message`` and exit non-zero."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextmanager
def _debug_logging(enabled: bool) -> Iterator[None]:
    """Log the SDK's and httpx's requests to stderr for the duration of one command."""
    if not enabled:
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    loggers = [logging.getLogger(name) for name in ("gmodstore_sdk", "httpx")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


@contextmanager
def open_api(conn: Connection) -> Iterator[tuple[ApiClient, ProductPurchasesApi]]:
    """An :class:`ApiClient` configured from the command line, and the purchases API on it."""
    if not conn.token:
        raise MissingTokenError()
    configuration = Configuration(
        host=conn.host or None,
        access_token=conn.token,
        connect_timeout=min(5.0, conn.timeout),
        read_timeout=conn.timeout,
    )
    with _debug_logging(conn.debug), ApiClient(configuration) as client:
        yield client, ProductPurchasesApi(client)


@contextmanager
def errors_to_exit(
    conn: Connection, ctx: Context | None = None, *, code: int = 1
) -> Iterator[None]:
    """Print SDK and configuration errors as one line and exit with ``code``.

    The traceback is shown only with ``--debug``; anything outside our exception tree is a bug
    and propagates untouched.
    """
    try:
        yield
    except (OpenApiException, MissingTokenError, CommandFailed) as exc:
        if conn.debug:
            render.print_traceback()
        render.error(exc.message if isinstance(exc, CommandFailed) else describe(exc, ctx))
        raise typer.Exit(code) from None
