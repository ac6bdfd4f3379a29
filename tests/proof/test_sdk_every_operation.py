"""Every operation of the API v3 through the SDK's public methods, sync and async, end to end.

Each of the 92 operations is called as a user would call it (`gs.<api>.<method>(...)` on
`GmodStore` and on `AsyncGmodStore`) against a real sandbox over loopback HTTP, with the arguments
and the caller of the cross-team walk's owner request (`test_cross_team.CASES`: team B's token on
team B's resources, staff for staff-only operations, a ticket's customer for log uploads, team A on
public and own data). It must return the operation's typed answer: a pydantic model (the
`{"data": ...}` envelope) or None for a 204, never an error. Resources are made afresh for every
call, so the sync and the async call each act on their own.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from .test_cross_team import CASES, World, _resolve, _spec_operations, _upload, make_world

registry = pytest.importorskip("gmodstore_sdk.api._registry")

OPERATIONS = {op.operation_id: op for op in registry.OPERATIONS}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    # One backend: the storage layers are proven on both elsewhere; this walk proves the SDK.
    with make_world("sqlite") as made:
        yield made


def _token(w: World, who: str) -> str:
    client = {"a": w.a, "b": w.b, "staff": w.staff, "customer": w.customer}[who]
    return str(client.headers["authorization"]).split(" ", 1)[1]


def _arguments(w: World, operation_id: str, folder: Path) -> tuple[str, dict[str, Any]]:
    """(who calls, keyword arguments of the SDK method) for one call, with fresh resources."""
    op, case = OPERATIONS[operation_id], CASES[operation_id]
    who = case.control if case.kind == "denied" else "a"
    by_wire = {p.name: p.python_name for p in op.params}
    kwargs: dict[str, Any] = {}
    made: dict[str, str | dict[str, str]] = {}  # a factory giving several ids is called once
    for name, source in case.paths.items():
        value = made[source] = made[source] if source in made else _resolve(w, source)
        kwargs[by_wire[name]] = value if isinstance(value, str) else value[name]
    if case.query is not None:
        kwargs |= {by_wire[k]: v for k, v in case.query(w).items()}
    if operation_id == "createProductPurchase":  # a fresh buyer per call: one purchase each
        kwargs[op.body_param or ""] = {"userId": w.sb.new_user()}
    elif operation_id == "createUserBadge":  # a fresh user per call: a badge is given once
        kwargs["user"] = w.sb.new_user()
        kwargs[op.body_param or ""] = case.json(w) if case.json else None
    elif case.json is not None and op.body_param:
        kwargs[op.body_param] = case.json(w)
    # else: the spec declares no body (updatePersonalAccessToken), so the SDK sends none; the
    # sandbox then changes nothing and answers the token.
    if case.files:
        fields, files = _upload(operation_id)
        if fields:
            assert op.body_param, operation_id
            kwargs[op.body_param] = fields
        for field_name, (filename, content, _media_type) in files.items():
            path = folder / filename
            path.write_bytes(content)
            kwargs[field_name] = path
    if case.nonce:
        kwargs["two_factor_nonce"] = w.nonce("a" if who == "a" else "b")
    return who, kwargs


def _check(operation_id: str, result: Any) -> None:
    op = OPERATIONS[operation_id]
    if result is None:  # a 204: the method is declared to return None
        return
    assert isinstance(result, BaseModel), f"{operation_id} returned {type(result).__name__}"
    if op.iter_name is not None:
        assert isinstance(result.data, list), f"{operation_id}: a list answer without a list"  # type: ignore[attr-defined]


def test_the_walk_covers_every_operation_of_the_spec() -> None:
    spec = _spec_operations()
    assert len(spec) == 92
    assert spec == set(OPERATIONS), sorted(spec ^ set(OPERATIONS))
    assert spec <= set(CASES), sorted(spec - set(CASES))


@pytest.mark.parametrize("operation_id", sorted(CASES))
def test_sync(world: World, operation_id: str, tmp_path: Path) -> None:
    import gmodstore_sdk

    op = OPERATIONS[operation_id]
    who, kwargs = _arguments(world, operation_id, tmp_path)
    config = gmodstore_sdk.Configuration(host=world.sb.url, access_token=_token(world, who))
    with gmodstore_sdk.GmodStore(config) as gs:
        method = getattr(getattr(gs, op.facade_attr), op.name)
        _check(operation_id, method(**kwargs))


@pytest.mark.parametrize("operation_id", sorted(CASES))
def test_async(world: World, operation_id: str, tmp_path: Path) -> None:
    import gmodstore_sdk

    op = OPERATIONS[operation_id]
    who, kwargs = _arguments(world, operation_id, tmp_path)
    config = gmodstore_sdk.Configuration(host=world.sb.url, access_token=_token(world, who))

    async def call() -> Any:
        async with gmodstore_sdk.AsyncGmodStore(config) as gs:
            method = getattr(getattr(gs, op.facade_attr), op.name)
            assert inspect.iscoroutinefunction(method), operation_id
            return await method(**kwargs)

    _check(operation_id, asyncio.run(call()))
