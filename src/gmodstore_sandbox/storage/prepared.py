"""A Core SELECT compiled once and run on a raw DBAPI cursor: the hot read path.

``Connection.execute`` costs about 60 us of bookkeeping per call (autobegin, ``begin`` events,
execution context, result metadata, rollback on close) around a query SQLite answers in 8 us. For
the one query behind ``GET`` one purchase, `PreparedSelect` keeps what matters - the SQL compiled by
SQLAlchemy for the engine's dialect and the same bind/result type processors ``execute`` would
apply - and skips the rest. The pool still hands out and resets the connection.

On PostgreSQL (psycopg) the SELECT runs in autocommit: one statement needs no transaction of its
own, and psycopg would otherwise send ``BEGIN`` before it and the pool a ``ROLLBACK`` after it -
three round trips for one query. The connection goes back to the pool in its usual mode, or is
discarded if that cannot be restored, so no writer ever gets an autocommit connection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.sql.selectable import SelectBase

__all__ = ["PreparedSelect"]

Processor = Callable[[Any], Any]


class PreparedSelect:
    """Run `statement` (bound parameters by name) and return its first row as a tuple.

    >>> query = PreparedSelect(engine, select(User.name).where(User.id == bindparam("id")))
    >>> query.first({"id": user_id})
    ('Alice',)
    """

    def __init__(self, engine: Engine, statement: SelectBase) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self._engine = engine
        self._autocommit = dialect.name == "postgresql" and dialect.driver == "psycopg"
        self._sql = str(compiled)
        self._positional = compiled.positiontup if dialect.positional else None
        self._binds: dict[str, Processor | None] = {
            name: param.type.dialect_impl(dialect).bind_processor(dialect)
            for name, param in compiled.binds.items()
        }
        self._results: list[Processor | None] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        ]

    def first(self, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        values: dict[str, Any] = {}
        for name, value in params.items():
            process = self._binds[name]
            values[name] = value if process is None or value is None else process(value)
        args: Any = values if self._positional is None else [values[n] for n in self._positional]
        connection = self._engine.raw_connection()
        try:
            driver: Any = connection.dbapi_connection
            if self._autocommit:
                driver.autocommit = True
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(self._sql, args)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            finally:
                if self._autocommit:
                    try:
                        driver.autocommit = False
                    except Exception:
                        connection.invalidate()  # never back to the pool in autocommit
                        raise
        finally:
            connection.close()  # back to the pool, which rolls back any open transaction
        if row is None:
            return None
        return tuple(
            value if process is None else process(value)
            for value, process in zip(row, self._results, strict=True)
        )
