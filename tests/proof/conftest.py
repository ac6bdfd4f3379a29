"""Fixtures for the adversarial tests.

These tests mutate data (creates, revokes, thousands of fuzzed requests), so they never share the
session-wide `sandbox` of tests/conftest.py: each module gets its own server and database, on SQLite
and, when GMODSTORE_TEST_POSTGRES_URL is set, on a freshly created PostgreSQL database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

POSTGRES_ENV = "GMODSTORE_TEST_POSTGRES_URL"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@contextmanager
def own_sandbox(backend: str, **kwargs: Any) -> Iterator[Any]:
    """A private sandbox (fresh database, no rate limit unless asked) on `backend`."""
    from gmodstore_sandbox.testing import run_sandbox

    database_url = None
    if backend == "postgres":
        database_url = os.environ.get(POSTGRES_ENV)
        if not database_url:
            pytest.skip(f"{POSTGRES_ENV} is not set (.ci/run sets it when PostgreSQL runs)")
    with run_sandbox(database_url, **kwargs) as sb:
        yield sb


@pytest.fixture(scope="module", params=BACKENDS)
def proof_sandbox(request: pytest.FixtureRequest) -> Iterator[Any]:
    with own_sandbox(request.param) as sb:
        yield sb
