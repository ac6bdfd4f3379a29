"""What ``gmodstore sandbox serve`` checks before it writes anything, and how it starts listening.

- :func:`check_database` turns the usual database URL mistakes (a path instead of a URL, a
  missing directory, a PostgreSQL database that does not exist) into one sentence, before any
  table is created.
- :func:`bind` takes the port first, so that a second ``serve --demo`` on a busy port fails
  without touching the database; uvicorn then serves on that very socket.
- :func:`serve` says "Sandbox API at ..." only once the server really listens.
"""

from __future__ import annotations

import errno
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["SetupError", "bind", "check_database", "serve"]


class SetupError(Exception):
    """The server cannot start as asked; the message says why and what to do."""


def check_database(url: str, *, create: bool = False) -> None:
    """Refuse a database URL that cannot work, in words a user can act on.

    Args:
        url: the SQLAlchemy URL (``postgresql://`` already rewritten to ``+psycopg``).
        create: create a PostgreSQL database that does not exist yet.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        hint = f"sqlite:///{url}" if not url.startswith(("sqlite", "postgres")) else None
        example = f"such as {hint}" if hint else "such as sqlite:///./sandbox.db"
        raise SetupError(
            f"{url!r} is not a database URL: use one {example} or postgresql://user@host/db"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite(parsed.database or "")
    elif parsed.get_backend_name() == "postgresql":
        _check_postgres(url, create=create)


def _check_sqlite(database: str) -> None:
    parent = Path(database).expanduser().parent
    if not parent.is_dir():
        raise SetupError(
            f"cannot create the SQLite database {database}: directory {parent} does not exist"
        )


def _check_postgres(url: str, *, create: bool) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    parsed = make_url(url)
    name = parsed.database or "postgres"
    engine = create_engine(url, poolclass=_null_pool(), connect_args={"connect_timeout": 10})
    try:
        with engine.connect():
            return
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0] if exc.orig else str(exc)
        if "does not exist" not in reason or f'"{name}"' not in reason:
            raise SetupError(f"cannot connect to {_safe(parsed)}: {reason}") from None
    finally:
        engine.dispose()
    if not create:
        host = parsed.host or "localhost"
        raise SetupError(
            f'PostgreSQL database "{name}" does not exist on {host}: create it with'
            f" `createdb -h {host} {name}`, or pass --create-database to `gmodstore sandbox serve`"
        )
    admin = create_engine(
        parsed.set(database="postgres"), poolclass=_null_pool(), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            quoted = conn.dialect.identifier_preparer.quote(name)
            conn.execute(text(f"CREATE DATABASE {quoted}"))
    except OperationalError as exc:
        raise SetupError(f'cannot create database "{name}": {exc.orig or exc}') from None
    finally:
        admin.dispose()


def _null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool


def _safe(parsed: Any) -> str:
    return str(parsed.render_as_string(hide_password=True))


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or a :class:`SetupError` saying the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise SetupError(
                f"port {port} on {host} is in use (another sandbox?): stop it, or pass --port"
            ) from None
        raise SetupError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(
    app: Any,
    sock: socket.socket,
    *,
    on_ready: Callable[[], None],
    workers: int = 1,
    **options: Any,
) -> None:
    """Run uvicorn on ``sock``; ``on_ready`` runs once the app has started and is listening.

    With ``workers`` > 1 each worker process builds the app from the environment
    (``gmodstore_sandbox.app:create_app``), and ``on_ready`` runs as they start.
    """
    import uvicorn

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and not self.should_exit:
                on_ready()
                sys.stdout.flush()

    host, port = sock.getsockname()[:2]
    try:
        if workers <= 1:
            _Server(uvicorn.Config(app, host=host, port=port, **options)).run(sockets=[sock])
            return
    finally:
        sock.close()
    # Several workers: uvicorn's own supervisor binds the port (just checked to be free) and
    # starts the processes; the socket listens once the first is up.
    on_ready()
    sys.stdout.flush()
    uvicorn.run(
        "gmodstore_sandbox.app:create_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        **options,
    )
