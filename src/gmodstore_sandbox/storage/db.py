"""Engine construction: SQLite pragmas and transaction modes, PostgreSQL pool sizing, and the
storage faults the server must survive.

Faults (issue 10):

- A SQLite file made read-only while serving: connections opened meanwhile are read-only for
  good. Each connection notes at open whether the file was writable; one opened read-only is
  replaced at checkout as soon as the file is writable again, and any "readonly database" error
  marks its connection as dead (SQLAlchemy discards it instead of returning it to the pool).
  Meanwhile writes answer 503 and reads keep working.
- The SQLite file deleted or replaced while serving: every write transaction first compares the
  file's identity (device, inode) with the one recorded at the first connection and refuses with
  `StorageUnavailable` (503) when it vanished or changed, instead of writing into an unlinked file.
- A write lock held elsewhere: SQLite waits `busy_timeout` (PostgreSQL: ``lock_timeout``) and
  then fails with "database is locked", answered 503 (see `errors.py`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DisconnectionError

from ..content import tables as _content_tables  # noqa: F401 - registers its tables
from ..exceptions import SchemaMismatch, StorageUnavailable
from ..identity import tables as _identity_tables  # noqa: F401 - registers its tables
from .tables import Base, SandboxSetting

__all__ = [
    "WRITE",
    "check_schema",
    "create_tables",
    "is_storage_fault",
    "load_setting",
    "make_engine",
]

logger = logging.getLogger("gmodstore_sandbox")

WRITE: dict[str, Any] = {"sandbox_write": True}
"""Execution options for a write transaction (``engine.connect().execution_options(**WRITE)``).

On SQLite it starts with ``BEGIN IMMEDIATE``: the write lock is taken up front, so concurrent
writers queue on ``busy_timeout`` instead of failing when a deferred read transaction tries to
upgrade. It is also where the file's identity is checked.
"""

_DEAD_CONNECTION = ("readonly database", "disk i/o error", "unable to open database file")
_STORAGE_FAULTS = (*_DEAD_CONNECTION, "database is locked", "database table is locked")


def is_storage_fault(exc: BaseException) -> str | None:
    """A client-facing reason if `exc` is the database being unavailable (not a bug), else None."""
    if isinstance(exc, StorageUnavailable):
        return exc.message
    orig = getattr(exc, "orig", None)
    text_ = str(orig if orig is not None else exc).lower()
    if "readonly database" in text_:
        return "The database is read-only; writes are refused until it is writable again."
    if "locked" in text_ or "lock timeout" in text_ or "lock_timeout" in text_:
        return "The database is busy (locked by another writer); try again."
    if any(fault in text_ for fault in _STORAGE_FAULTS) or getattr(
        exc, "connection_invalidated", False
    ):
        return "The database is unavailable; try again."
    return None


def make_engine(url: str, *, pool_size: int = 20, busy_timeout: float = 5.0) -> Engine:
    """Build an engine for `url`. SQLite: WAL, busy_timeout, foreign keys, autocommit reads.

    Args:
        busy_timeout: seconds a statement waits for a lock held by another connection or
            process (SQLite ``busy_timeout``, PostgreSQL ``lock_timeout``) before failing.
    """
    timeout_ms = max(1, round(busy_timeout * 1000))
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args={"check_same_thread": False, "timeout": busy_timeout},
        )
        identity = _FileIdentity(make_url(url).database)
        event.listen(engine, "connect", _sqlite_on_connect(timeout_ms, identity))
        event.listen(engine, "checkout", _sqlite_on_checkout(identity))
        event.listen(engine, "begin", _sqlite_on_begin(identity))
        event.listen(engine, "handle_error", _discard_dead_connections)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        connect_args={"options": f"-c lock_timeout={timeout_ms}"},
    )


class _FileIdentity:
    """The (device, inode) of a SQLite file when first opened, checked before every write."""

    def __init__(self, path: str | None) -> None:
        self.path = None if not path or path == ":memory:" else os.path.abspath(path)
        self._expected: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self._next_log = 0.0

    def _current(self) -> tuple[int, int] | None:
        assert self.path is not None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_dev, st.st_ino

    def writable(self) -> bool:
        """Whether the file can be opened for writing now (permissions, immutable flag, read-only
        mount), asked with ``access(2)``: never by opening the file.

        Closing any descriptor of a file drops every POSIX lock the process holds on it, the
        SQLite connections' included. Without their shared lock, another process closing its
        last connection believes it is the last user, checkpoints and deletes the ``-wal`` and
        ``-shm`` files under this process, whose writes then go to the unlinked copies.
        """
        if self.path is None or not os.path.exists(self.path):
            return True  # SQLite creates it
        if os.access in os.supports_effective_ids:
            return os.access(self.path, os.W_OK, effective_ids=True)
        return os.access(self.path, os.W_OK)

    def record(self) -> None:
        if self.path is not None and self._expected is None:
            with self._lock:
                if self._expected is None:
                    self._expected = self._current()

    def check(self) -> None:
        if self.path is None or self._expected is None:
            return
        current = self._current()
        if current == self._expected:
            return
        what = "was deleted" if current is None else "was deleted or replaced"
        now = time.monotonic()
        if now >= self._next_log:  # one line per minute, not one per refused request
            self._next_log = now + 60
            logger.error(
                "the SQLite database file %s %s while serving; refusing writes until restart",
                self.path,
                what,
            )
        raise StorageUnavailable(
            f"The database file {what}; writes are refused until the sandbox is restarted."
        )


def _sqlite_on_connect(timeout_ms: int, identity: _FileIdentity) -> Any:
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        # A file deleted or replaced since the first connection: this one would open (or have
        # just created) a different, probably empty, database.
        identity.check()
        # Take transaction control away from the sqlite3 module; `on_begin` issues BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            f"busy_timeout={timeout_ms}",
            "foreign_keys=ON",
            "synchronous=NORMAL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()
        identity.record()
        record.info["opened_readonly"] = not identity.writable()

    return on_connect


def _sqlite_on_checkout(identity: _FileIdentity) -> Any:
    def on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.get("opened_readonly") and identity.writable():
            # Opened while the file was read-only, and SQLite never upgrades it: the pool
            # replaces it with a fresh connection, which can write.
            raise DisconnectionError("connection opened while the database was read-only")

    return on_checkout


def _sqlite_on_begin(identity: _FileIdentity) -> Any:
    def on_begin(conn: Connection) -> None:
        # Reads stay in autocommit (each statement is its own snapshot, no BEGIN round trip);
        # writes take the lock immediately, into the file the server started with.
        if conn.get_execution_options().get("sandbox_write"):
            identity.check()
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return on_begin


def _discard_dead_connections(context: ExceptionContext) -> None:
    # A connection opened while the file was read-only stays read-only: "disconnect" makes
    # SQLAlchemy invalidate it, so the pool opens a fresh one next time.
    message = str(context.original_exception).lower()
    if any(fault in message for fault in _DEAD_CONNECTION):
        context.is_disconnect = True


def create_tables(engine: Engine) -> None:
    """Create every missing table (idempotent), then `check_schema` the ones that were there."""
    Base.metadata.create_all(engine)
    check_schema(engine)


def check_schema(engine: Engine) -> None:
    """Refuse tables made by another version of the sandbox, with one line saying what to do.

    A table that lacks a column of ours, or has a NOT NULL column (without a default) that ours
    leaves empty or does not know, would fail requests later with a 500: raise `SchemaMismatch`
    now instead. Tables of other software in the same database are not looked at.
    """
    found = inspect(engine).get_multi_columns()
    problems: list[str] = []
    for table in Base.metadata.sorted_tables:
        have = {column["name"]: column for column in found.get((None, table.name), [])}
        if not have:
            continue  # create_all has just made it
        ours = table.columns
        for column in ours:
            theirs = have.get(column.name)
            if theirs is None:
                problems.append(f"{table.name}.{column.name} is missing")
            elif column.nullable and not column.primary_key and _required(theirs):
                problems.append(f"{table.name}.{column.name} is NOT NULL")
        problems += [
            f"{table.name}.{name} is unknown and NOT NULL"
            for name, theirs in have.items()
            if name not in ours and _required(theirs)
        ]
    if problems:
        shown = ", ".join(problems[:3]) + (f" and {len(problems) - 3} more" if problems[3:] else "")
        raise SchemaMismatch(
            f"the database {_where(engine)} was made by another version of the sandbox ({shown});"
            f" {_reset_hint(engine)}"
        )


def _required(column: Any) -> bool:
    return not column["nullable"] and column.get("default") is None


def _where(engine: Engine) -> str:
    return str(engine.url.render_as_string(hide_password=True))


def _reset_hint(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        path = engine.url.database or ""
        return (
            f"delete {path} (and its -wal and -shm files) to start afresh,"
            " or pass --database-url with a new file"
        )
    name = engine.url.database or ""
    return f"drop and re-create the database (dropdb {name}; createdb {name}), or use a new one"


def load_setting(engine: Engine, name: str, *, default: str) -> str:
    """The value stored under `name`, storing `default` first if there is none (race-safe).

    Every process on the database gets the same value: the first insert wins, later ones are
    ignored (``ON CONFLICT DO NOTHING``, SQLite and PostgreSQL).
    """
    table = SandboxSetting.__tablename__
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        conn.execute(
            text(
                f"INSERT INTO {table} (name, value) VALUES (:name, :value) ON CONFLICT DO NOTHING"
            ),
            {"name": name, "value": default},
        )
        value = conn.execute(
            text(f"SELECT value FROM {table} WHERE name = :name"), {"name": name}
        ).scalar_one()
    return str(value)
