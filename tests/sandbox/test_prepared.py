"""`PreparedSelect`: the hot read path's one query, and the connection it gives back to the pool.

On PostgreSQL the SELECT runs in autocommit (no ``BEGIN`` / ``ROLLBACK`` round trips); the
connection must go back to the pool in its usual mode, so that writers keep their transactions.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, func, literal_column, select, text

from gmodstore_sandbox.storage.db import WRITE, make_engine
from gmodstore_sandbox.storage.prepared import PreparedSelect
from gmodstore_sandbox.testing import _fresh_postgres
from tests.conftest import POSTGRES_ENV


@contextlib.contextmanager
def _engine(kind: str, tmp_path: Path) -> Iterator[Engine]:
    if kind == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}", pool_size=1)
        yield eng
        eng.dispose()
        return
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    with _fresh_postgres(url) as fresh:
        eng = make_engine(fresh, pool_size=1)
        try:
            yield eng
        finally:
            eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with _engine(request.param, tmp_path) as eng:
        yield eng


@pytest.fixture
def pg_engine(tmp_path: Path) -> Iterator[Engine]:
    with _engine("postgres", tmp_path) as eng:
        yield eng


def _table(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE things (id INTEGER PRIMARY KEY, name VARCHAR(20))"))
        conn.execute(text("INSERT INTO things VALUES (1, 'one')"))


def test_first_returns_the_row_or_none(engine: Engine) -> None:
    _table(engine)
    query = PreparedSelect(
        engine,
        select(literal_column("name"))
        .select_from(text("things"))
        .where(literal_column("id") == bindparam("id")),
    )
    assert query.first({"id": 1}) == ("one",)
    assert query.first({"id": 2}) is None


def test_a_write_after_a_prepared_read_is_still_one_transaction(engine: Engine) -> None:
    _table(engine)
    query = PreparedSelect(engine, select(func.count()).select_from(text("things")))
    assert query.first({}) == (1,)
    # The pool holds one connection: the writer below gets the one the read used.
    writer = engine.execution_options(**WRITE)  # as the sandbox's writers do
    with pytest.raises(RuntimeError), writer.begin() as conn:
        conn.execute(text("INSERT INTO things VALUES (2, 'two')"))
        raise RuntimeError("abort the transaction")
    assert query.first({}) == (1,)  # the insert was rolled back with its transaction


@pytest.mark.postgres
def test_on_postgres_the_select_runs_without_a_transaction_of_its_own(pg_engine: Engine) -> None:
    engine = pg_engine
    # In a transaction begun by a BEGIN of its own, the statement starts after the transaction.
    same = PreparedSelect(
        engine, select(func.transaction_timestamp() == func.statement_timestamp())
    )
    assert same.first({}) == (True,)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        assert (
            conn.execute(
                select(func.transaction_timestamp() == func.statement_timestamp())
            ).scalar()
            is False
        )
    raw = engine.raw_connection()
    try:
        assert raw.dbapi_connection.autocommit is False  # type: ignore[union-attr]
    finally:
        raw.close()


@pytest.mark.postgres
def test_a_connection_whose_mode_cannot_be_restored_is_discarded(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = pg_engine
    raw = engine.raw_connection()
    driver: Any = raw.dbapi_connection
    raw.close()
    cls = type(driver)
    real = cls.autocommit

    def refuse(self: Any, value: bool) -> None:
        if not value:
            raise OSError("connection lost")
        real.fset(self, value)

    monkeypatch.setattr(cls, "autocommit", property(real.fget, refuse))
    with pytest.raises(OSError, match="connection lost"):
        PreparedSelect(engine, select(literal_column("1"))).first({})
    monkeypatch.undo()
    again = engine.raw_connection()
    try:
        assert again.dbapi_connection is not driver  # the one left in autocommit is gone
        assert again.dbapi_connection.autocommit is False  # type: ignore[union-attr]
    finally:
        again.close()
