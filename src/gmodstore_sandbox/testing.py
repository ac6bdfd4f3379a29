"""Run a real sandbox server for tests: a context manager and a pytest plugin.

>>> from gmodstore_sandbox.testing import run_sandbox
>>> with run_sandbox() as sb:                      # fresh SQLite file, no rate limit
...     httpx.get(f"{sb.url}/v3/products/{sb.ids.product_id}/purchases",
...               headers={"Authorization": f"Bearer {sb.token}"})

As a pytest plugin (``pytest_plugins = ["gmodstore_sandbox.testing"]``) it provides the
session-scoped fixture ``gmodstore_sandbox``. This module imports only the standard library at
import time; the server stack (FastAPI, SQLAlchemy, uvicorn) is imported when a sandbox starts.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from .admin import SandboxSeed, SeedIds, SeedTokens

__all__ = ["Sandbox", "run_sandbox"]

Team = Literal["a", "b"]


class _ThreadedServer:
    """uvicorn in a background thread on a pre-bound loopback socket (HX's ``serve_in_thread``)."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        import uvicorn

        class _Server(uvicorn.Server):
            def install_signal_handlers(self) -> None:  # older uvicorn
                pass

            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:  # newer uvicorn
                yield

        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self._server = _Server(config)
        self._sock = sock
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the sandbox server failed to start")
            self._thread.join(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(30)
        self._sock.close()


def _bind(port: int = 0) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto says
    # TCP, and with Nagle on, every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@dataclass
class Sandbox:
    """A running sandbox: URL, seeded tokens and ids, and helpers that write to its database.

    Attributes:
        url: ``http://127.0.0.1:<port>``; the API is under ``url + "/api/v3"`` and ``url + "/v3"``.
        database_url: the database this server uses (pass it back to `run_sandbox` to reuse it).
        seed: the seeded ids and tokens (None when started with ``seed=False``).
    """

    url: str
    database_url: str
    seed: SandboxSeed | None
    _engine: Engine
    _settings: dict[str, Any]
    _server: _ThreadedServer | None = None

    # -- seeded data (see docs/ARCHITECTURE.md) --
    @property
    def ids(self) -> SeedIds:
        return self._seeded().ids

    @property
    def tokens(self) -> SeedTokens:
        return self._seeded().tokens

    @property
    def token(self) -> str:
        return self.tokens.token

    @property
    def read_token(self) -> str:
        return self.tokens.read_token

    @property
    def write_token(self) -> str:
        return self.tokens.write_token

    @property
    def other_team_token(self) -> str:
        return self.tokens.other_team_token

    @property
    def expired_token(self) -> str:
        return self.tokens.expired_token

    @property
    def staff_token(self) -> str:
        """The seeded staff user's token (ability ``*``)."""
        return self.tokens.staff_token

    @property
    def files_dir(self) -> Path:
        """Where this sandbox keeps uploaded files (see ``Settings.files_dir``)."""
        from .content.files import default_files_dir

        configured = self._settings.get("files_dir")
        return Path(configured) if configured else default_files_dir(self.database_url)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def _seeded(self) -> SandboxSeed:
        if self.seed is None:
            raise RuntimeError("this sandbox was started with seed=False")
        return self.seed

    def _team_id(self, team: Team | str) -> str:
        """``"a"``, ``"b"`` or the id of any other team."""
        if team == "a":
            return self.ids.team_id
        return self.ids.other_team_id if team == "b" else team

    # -- direct database helpers --
    def new_user(self, name: str | None = None, steam_id: int | None = None) -> str:
        """Create a user directly in the database (random SteamID64 by default); returns its id."""
        from .admin import create_user

        return create_user(self._engine, name=name, steam_id=steam_id)

    def totp_code(self, user_id: str | None = None) -> str:
        """The current TOTP code of `user_id` (default: team A's owner, the owner of `token`)."""
        from sqlalchemy import select

        from .identity.totp import totp
        from .storage.tables import User

        wanted = uuid.UUID(user_id or self.ids.owner_user_id)
        with self._engine.connect() as conn:
            secret = conn.execute(select(User.totp_secret).where(User.id == wanted)).scalar_one()
        return totp(secret)

    def token_for(
        self,
        user_id: str,
        scopes: Sequence[str] = ("*",),
        expires_at: datetime | None = None,
    ) -> str:
        """A token for an existing user (by default with every ability); returns the plaintext."""
        from .admin import create_token

        return create_token(self._engine, user_id=user_id, scopes=scopes, expires_at=expires_at)

    def set_product(
        self, product_id: str, *, active: bool | None = None, tenants: Sequence[str] | None = None
    ) -> None:
        """List or unlist a product, or change the tenants it is active on."""
        from sqlalchemy import update

        from .storage.db import WRITE
        from .storage.tables import Product

        values: dict[str, Any] = {}
        if active is not None:
            values["active"] = active
        if tenants is not None:
            values["active_tenants"] = " ".join(tenants)
        if values:
            with self._engine.connect().execution_options(**WRITE) as conn, conn.begin():
                conn.execute(
                    update(Product).where(Product.id == uuid.UUID(product_id)).values(**values)
                )

    def new_product(self, team: Team | str = "a", name: str = "Test product") -> str:
        """Create a product owned by team ``"a"`` or ``"b"``; returns its id."""
        from .admin import create_product

        return create_product(self._engine, team_id=self._team_id(team), name=name)

    def new_token(
        self,
        scopes: Sequence[str] = ("product-purchases:read", "product-purchases:write"),
        team: Team | str = "a",
        expires_at: datetime | None = None,
    ) -> str:
        """A token for a new member of `team` with `scopes`; returns the plaintext token."""
        from .admin import add_team_member, create_token, create_user

        user_id = create_user(self._engine, name="Token holder")
        add_team_member(self._engine, team_id=self._team_id(team), user_id=user_id)
        return create_token(self._engine, user_id=user_id, scopes=scopes, expires_at=expires_at)

    # -- lifecycle --
    def start(self) -> None:
        """Start serving (again) on the same port and database."""
        if self._server is not None:
            return
        from .app import create_app
        from .settings import Settings

        app = create_app(Settings(database_url=self.database_url, **self._settings))
        server = _ThreadedServer(app, _bind(self.port))
        server.start()
        self._server = server

    def stop(self) -> None:
        """Stop serving; the database is kept until `run_sandbox` exits."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def restart(self) -> None:
        self.stop()
        self.start()


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgresql", "postgres:"))


@contextlib.contextmanager
def _fresh_postgres(url: str) -> Iterator[str]:
    """Create ``gms_<hex>`` on the server of `url`, yield its URL, then drop it (FORCE)."""
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.pool import NullPool

    from .settings import Settings

    base = make_url(Settings(database_url=url).database_url)
    name = f"gms_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextlib.contextmanager
def run_sandbox(
    database_url: str | None = None,
    rate_limit: int | None = None,
    *,
    seed: bool | SandboxSeed | None = True,
    fresh_database: bool | None = None,
    rate_limit_window: float = 60.0,
    token_cache_seconds: float = 5.0,
    cursor_secret: str | None = None,
    **overrides: Any,
) -> Iterator[Sandbox]:
    """Start a sandbox on a free 127.0.0.1 port, yield a `Sandbox`, stop it on exit.

    Args:
        database_url: None for a fresh SQLite file in a temporary directory. A PostgreSQL URL names
            a server: by default a fresh database ``gms_<hex>`` is created there and dropped
            afterwards. A SQLite URL is used as is.
        rate_limit: requests per token per window; None or 0 turns limiting off.
        seed: True seeds the documented test data; False seeds nothing; a `SandboxSeed` (``sb.seed``
            of an earlier sandbox) reuses data already in `database_url`.
        fresh_database: for PostgreSQL, create (and drop) a fresh database. Defaults to
            ``seed is True``, so ``run_sandbox(sb.database_url, seed=sb.seed)`` restarts on an
            existing database.
        cursor_secret: fixed cursor key (cursors then survive new servers on the same database);
            default: random per `run_sandbox` call, so cursors survive `Sandbox.restart`.
        overrides: further `Settings` fields, e.g. ``write_timeout=1.0``. The failed-
            authentication budget per client address (``auth_failure_limit``) is off unless given:
            tests make many bad-token requests from one address. Uploaded files go beside the
            SQLite file, or (PostgreSQL) into a temporary directory unless ``files_dir`` is given.
    """
    from .admin import seed_testing
    from .settings import Settings
    from .storage.db import create_tables, make_engine

    if fresh_database is None:
        fresh_database = seed is True
    settings: dict[str, Any] = {
        "rate_limit": rate_limit or 0,
        "rate_limit_window": rate_limit_window,
        "token_cache_seconds": token_cache_seconds,
        "cursor_secret": cursor_secret or uuid.uuid4().hex,
        "auth_failure_limit": 0,
        **overrides,
    }
    with contextlib.ExitStack() as stack:
        if database_url is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="gmodstore-sandbox-"))
            database_url = f"sqlite:///{Path(tmp) / 'sandbox.db'}"
        elif _is_postgres(database_url) and fresh_database:
            database_url = stack.enter_context(_fresh_postgres(database_url))
        if _is_postgres(database_url) and not settings.get("files_dir"):
            settings["files_dir"] = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="gmodstore-sandbox-files-")
            )
        database_url = Settings(database_url=database_url).database_url
        engine = make_engine(database_url, pool_size=2)
        stack.callback(engine.dispose)
        create_tables(engine)
        seeded = seed_testing(engine) if seed is True else (seed or None)
        sock = _bind()
        port = sock.getsockname()[1]
        sock.close()
        sandbox = Sandbox(
            url=f"http://127.0.0.1:{port}",
            database_url=database_url,
            seed=seeded,
            _engine=engine,
            _settings=settings,
        )
        sandbox.start()
        stack.callback(sandbox.stop)
        yield sandbox


# Loaded as a pytest plugin: offer the fixture, without importing pytest for other users.
if "pytest" in sys.modules:
    import pytest

    @pytest.fixture(scope="session")
    def gmodstore_sandbox() -> Iterator[Sandbox]:
        """A session-wide sandbox on a fresh SQLite file (``pytest_plugins = [...testing]``)."""
        with run_sandbox() as sb:
            yield sb
