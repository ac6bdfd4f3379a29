"""Engine construction: SQLite pragmas and transaction modes, PostgreSQL pool sizing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

from ..identity import tables as _identity_tables  # noqa: F401 - registers its tables
from .tables import Base

__all__ = ["WRITE", "create_tables", "make_engine"]

WRITE: dict[str, Any] = {"sandbox_write": True}
"""Execution options for a write transaction (``engine.connect().execution_options(**WRITE)``).

On SQLite it starts with ``BEGIN IMMEDIATE``: the write lock is taken up front, so concurrent
writers queue on ``busy_timeout`` instead of failing when a deferred read transaction tries to
upgrade.
"""


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    """Build an engine for `url`. SQLite: WAL, busy_timeout, foreign keys, autocommit reads."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module; `_sqlite_on_begin` issues BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "busy_timeout=30000",
        "foreign_keys=ON",
        "synchronous=NORMAL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # Reads stay in autocommit (each statement is its own snapshot, no BEGIN round trip);
    # writes take the lock immediately.
    if conn.get_execution_options().get("sandbox_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_tables(engine: Engine) -> None:
    """Create every missing table (idempotent)."""
    Base.metadata.create_all(engine)
