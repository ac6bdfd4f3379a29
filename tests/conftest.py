"""Project-wide fixtures: ``sandbox``, a real server over loopback HTTP (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from gmodstore_sandbox.testing import Sandbox, run_sandbox

POSTGRES_ENV = "GMODSTORE_TEST_POSTGRES_URL"


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A seeded sandbox per backend: SQLite (fresh temp file) and PostgreSQL (fresh database)."""
    database_url = None
    if request.param == "postgres":
        database_url = os.environ.get(POSTGRES_ENV)
        if not database_url:
            pytest.skip(
                f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
            )
    with run_sandbox(database_url) as sb:
        yield sb
