"""The surface of every API class, from the spec: names, sync/async parity, twins, the facade.

Extends tests/sdk/test_surface.py (the purchase API's parity test) to every tag.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest

import gmodstore_sdk
from gmodstore_sdk.api._registry import OPERATIONS, find_operation

from .test_spec_requests import OPS, SPEC, api_class, snake
from .test_surface import _params, _public_methods

TAGS = sorted({(op.get("tags") or ["Two Factor"])[0] for _, _, op in OPS.values()})


def _pairs() -> list[Any]:
    out = []
    for tag in TAGS:
        module = importlib.import_module(f"gmodstore_sdk.api.{snake(tag)}_api")
        name = tag.replace(" ", "") + "Api"
        out.append(pytest.param(getattr(module, name), getattr(module, "Async" + name), id=name))
    return out


@pytest.mark.parametrize(("sync_cls", "async_cls"), _pairs())
def test_sync_and_async_classes_have_the_same_signatures(sync_cls: type, async_cls: type) -> None:
    sync, twin = _public_methods(sync_cls), _public_methods(async_cls)
    assert set(sync) == set(twin)
    for name, func in sync.items():
        # `self` may be annotated differently (hand-written mixins type it with a Protocol).
        assert _params(twin[name])[1:] == _params(func)[1:], name
        if name.startswith("iter_"):
            assert not inspect.iscoroutinefunction(twin[name])  # `async for`, no await
            assert inspect.signature(twin[name]).return_annotation.startswith("AsyncIterator[")
        else:
            assert inspect.iscoroutinefunction(twin[name]), name
            assert inspect.signature(twin[name]).return_annotation == (
                inspect.signature(func).return_annotation
            )


@pytest.mark.parametrize("operation_id", list(OPS))
def test_every_operation_has_its_methods(operation_id: str) -> None:
    _, _, op = OPS[operation_id]
    cls = api_class(op)
    name = snake(operation_id)
    assert callable(getattr(cls, name)) and callable(getattr(cls, name + "_with_http_info"))
    params = {p["name"] for p in op.get("parameters", [])}
    if "cursor" in params:  # a list: its iter_ twin keeps every argument but the cursor
        iter_name = "iter_" + name.removeprefix("list_")
        iter_params = [p[0] for p in _params(getattr(cls, iter_name))]
        assert "cursor" not in iter_params
        assert [p for p in [p[0] for p in _params(getattr(cls, name))] if p != "cursor"] == (
            iter_params
        )
    info = find_operation(operation_id)
    assert (info.name, info.api_class, info.module) == (name, cls.__name__, cls.__module__)
    assert find_operation(name) is info


def test_the_registry_lists_every_operation_in_spec_order() -> None:
    if SPEC is None:
        pytest.skip("no spec")
    assert [op.operation_id for op in OPERATIONS] == list(OPS)
    with pytest.raises(KeyError):
        find_operation("noSuchOperation")


def test_the_untagged_totp_exchange_has_its_own_class() -> None:
    info = find_operation("exchangeTotpForNonce")
    assert (info.module, info.api_class, info.facade_attr) == (
        "gmodstore_sdk.api.two_factor_api",
        "TwoFactorApi",
        "two_factor",
    )


def test_the_facade_shares_one_client_and_creates_apis_lazily() -> None:
    config = gmodstore_sdk.Configuration(access_token="t", host="http://127.0.0.1:9")
    with gmodstore_sdk.GmodStore(config) as gs:
        assert "users" not in vars(gs)
        assert gs.users is gs.users
        for info in OPERATIONS:
            api = getattr(gs, info.facade_attr)
            assert type(api).__name__ == info.api_class
            assert api.api_client is gs.api_client


@pytest.mark.anyio
async def test_the_async_facade_shares_one_client() -> None:
    config = gmodstore_sdk.Configuration(access_token="t", host="http://127.0.0.1:9")
    async with gmodstore_sdk.AsyncGmodStore(config) as gs:
        for info in OPERATIONS:
            api = getattr(gs, info.facade_attr)
            assert type(api).__name__ == "Async" + info.api_class
            assert api.api_client is gs.api_client
