"""`RouteTable` picks, for every API path and method, the route FastAPI's own router picks.

Each route's path is filled with sample values (including the literal segments other paths
have, such as ``batch`` and ``me``) under both prefixes; FastAPI's choice is recorded by a patched
`APIRoute.handle` that answers without running the endpoint.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from gmodstore_sandbox.api.routetable import RouteTable
from gmodstore_sandbox.app import SandboxApp, create_app
from gmodstore_sandbox.settings import Settings

# Literal segments some paths have (`/users/batch`, `/me`, `/secret`), and an id.
FILLS = ("batch", "me", "secret", "0b6e0b8e-3f2a-4c1e-9d7a-2f0c8a1b5e6d")


@pytest.fixture
def app(tmp_path: Path) -> SandboxApp:
    return create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", rate_limit=0))


def _fastapi_choices(app: SandboxApp, requests: list[tuple[str, str]]) -> list[APIRoute | None]:
    """The route FastAPI's router hands each (method, path) to, or None (404 / 405)."""
    chosen: list[APIRoute] = []

    async def handle(self: APIRoute, scope: Any, receive: Any, send: Any) -> None:
        chosen.append(self)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    async def one(method: str, path: str) -> APIRoute | None:
        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [],
            "app": app,
        }
        chosen.clear()
        try:
            await app.router(scope, receive, send)
        except HTTPException:
            pass  # 404 / 405: FastAPI chose no route
        return chosen[0] if chosen else None

    async def run() -> list[APIRoute | None]:
        return [await one(method, path) for method, path in requests]

    original = APIRoute.handle
    APIRoute.handle = handle  # type: ignore[method-assign]
    try:
        return anyio.run(run)
    finally:
        APIRoute.handle = original  # type: ignore[method-assign]


def test_every_route_is_found_as_fastapi_finds_it(app: SandboxApp) -> None:
    table = RouteTable(app.router, app.route_table)
    api = [(prefix, route) for prefix, route in app.route_table if prefix]
    assert len(api) > 180  # 92+ operations under /v3 and /api/v3
    requests = [
        (method, prefix + re.sub(r"\{[^}]+\}", fill, route.path))
        for prefix, route in api
        for fill in FILLS
        # The route's own methods, and one it does not serve (FastAPI's 405, or another route).
        for method in sorted(
            {*(route.methods or ()), "PATCH" if "PATCH" not in route.methods else "GET"}
        )
    ]
    checked = 0
    for (method, path), expected in zip(requests, _fastapi_choices(app, requests), strict=True):
        found = table.find(method, path)
        if found is None:
            # Only a path FastAPI serves with another method, or not at all, goes back to it.
            assert expected is None or method not in (expected.methods or ()), f"{method} {path}"
        else:
            assert found[0] is expected, f"{method} {path}"
            checked += 1
    assert checked >= len(api) * len(FILLS)


def test_routes_outside_the_api_prefixes_are_left_to_fastapi(app: SandboxApp) -> None:
    table = RouteTable(app.router, app.route_table)
    docs = [route for prefix, route in app.route_table if not prefix]
    assert docs  # /openapi.json and the docs pages
    for route in docs:
        assert table.find("GET", route.path) is None
        assert _fastapi_choices(app, [("GET", route.path)]) == [route]


def test_path_parameters_are_those_fastapi_extracts(app: SandboxApp) -> None:
    table = RouteTable(app.router, app.route_table)
    found = table.find("GET", "/api/v3/products/p-1/purchases/q-2")
    assert found is not None
    route, params = found
    assert route.path == "/products/{product}/purchases/{purchase}"
    assert params == {"product": "p-1", "purchase": "q-2"}


@pytest.mark.parametrize(
    "path", ["/v3", "/v3/", "/v3x/users", "/openapi.json", "/", "/v3/nothing-here", "/api/v4/me"]
)
def test_anything_else_is_left_to_fastapi(app: SandboxApp, path: str) -> None:
    assert RouteTable(app.router, app.route_table).find("GET", path) is None
