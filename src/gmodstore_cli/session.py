"""Connection options shared by every ``purchases`` command, and the error boundary around them."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

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


NOTABLE_WAIT = 5.0
"""A retry pause at least this long (seconds) is announced even without a progress bar."""


class _Sleeper:
    """The SDK's ``sleep``: says why it waits first, since a silent minute looks like a hang."""

    def __init__(self, on_wait: Callable[[str], None]) -> None:
        self.on_wait = on_wait
        self.client: ApiClient | None = None

    def __call__(self, seconds: float) -> None:
        limit = self.client.rate_limit if self.client is not None else None
        # The SDK waits either for the rate limit window to reset (the budget is spent) or
        # before retrying a failed request.
        if limit is not None and limit.remaining is not None and limit.remaining <= 0:
            until = time.strftime("%H:%M:%S", time.localtime(time.time() + seconds))
            self.on_wait(f"rate limit: waiting until {until}")
        elif seconds >= NOTABLE_WAIT or self.on_wait is not announce:
            # Short retry pauses are not worth a line of their own outside a progress bar.
            self.on_wait(f"retrying in {seconds:.0f}s")
        time.sleep(seconds)
        self.on_wait("")


def announce(text: str) -> None:
    """Say on stderr why the command pauses: a plain line, once per wait (no bar to show it)."""
    if text:
        render.note(f"{text} ...")


@contextmanager
def open_api(
    conn: Connection,
    *,
    on_wait: Callable[[str], None] = announce,
    tenant: str | None = None,
) -> Iterator[tuple[ApiClient, ProductPurchasesApi]]:
    """An :class:`ApiClient` configured from the command line, and the purchases API on it.

    ``on_wait`` is told why the SDK pauses (rate limit, retry), then ``""`` when it goes on; by
    default a line on stderr says it, so that a wait never looks like a hang. ``tenant`` is sent
    as ``X-Tenant``.
    """
    if not conn.token:
        raise MissingTokenError(conn.host)
    configuration = Configuration(
        host=conn.host or None,
        access_token=conn.token,
        connect_timeout=min(5.0, conn.timeout),
        read_timeout=conn.timeout,
        tenant=tenant,
    )
    sleeper = _Sleeper(on_wait)
    with _debug_logging(conn.debug), ApiClient(configuration, sleep=sleeper) as client:
        sleeper.client = client
        yield client, ProductPurchasesApi(client)


@contextmanager
def errors_to_exit(
    conn: Connection, ctx: Context | None = None, *, code: int = 1
) -> Iterator[None]:
    """Print SDK and configuration errors as one line and exit with ``code``.

    The traceback is shown only with ``--debug``; anything outside our exception tree is a bug
    and propagates untouched.
    """
    ctx = replace(ctx or Context(), host=conn.host)
    try:
        yield
    except (OpenApiException, MissingTokenError, CommandFailed) as exc:
        if conn.debug:
            render.print_traceback()
        render.error(exc.message if isinstance(exc, CommandFailed) else describe(exc, ctx))
        raise typer.Exit(code) from None
