"""A route table in front of FastAPI's router: an API request goes straight to the route it matches.

FastAPI (0.16x) finds a route by walking every included router in turn, setting and restoring
scope keys around each route it tries, and matches the chosen router a second time. The sandbox
includes ten routers (five areas under two prefixes), and that walk cost more than a whole
``GET`` of a user does in the database. `RouteTable` groups the API routes by prefix and first
path segment (``/v3`` + ``users``), in the order FastAPI tries them, and matches one group.

Only a full match (path and method) takes the short way. Anything else - no match, a method the
path does not serve (405), a ``root_path``, websockets and lifespan - goes to FastAPI's router
unchanged, so every answer is the one FastAPI would give, found sooner. Routes within one group
keep their order (``/users/batch`` before ``/users/{user}``), and two groups can never match one
path, so the route chosen is the route FastAPI would choose (``tests/sandbox/test_route_table.py``
checks this for every route). The routers carry no dependencies or other per-include settings;
app-level ``dependency_overrides`` would not apply on the short way (the sandbox has none).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["RouteTable"]

# (path regex, its converters, methods, route)
_Entry = tuple[re.Pattern[str], dict[str, Any], frozenset[str], APIRoute]


class RouteTable:
    """An ASGI app: `routes` (prefix, route) by prefix and first segment, else `fallback`."""

    def __init__(self, fallback: ASGIApp, routes: Iterable[tuple[str, APIRoute]]) -> None:
        self.fallback = fallback
        self._groups: dict[tuple[str, str], list[_Entry]] = {}
        prefixes: set[str] = set()
        for prefix, route in routes:
            first = route.path.lstrip("/").split("/", 1)[0]
            if not prefix or "{" in first:
                continue  # not keyed by a literal prefix and segment: FastAPI's router finds it
            regex, _, convertors = compile_path(prefix + route.path)
            entry = (regex, convertors, frozenset(route.methods or ()), route)
            self._groups.setdefault((prefix, first), []).append(entry)
            prefixes.add(prefix)
        # Longest first: "/api/v3" is tried before a "/api" would be.
        self._prefixes = sorted(prefixes, key=len, reverse=True)

    def find(self, method: str, path: str) -> tuple[APIRoute, dict[str, Any]] | None:
        """The route serving `method` `path` and its path parameters, or None (ask FastAPI)."""
        for prefix in self._prefixes:
            if path.startswith(prefix) and path[len(prefix) : len(prefix) + 1] == "/":
                first = path[len(prefix) + 1 :].split("/", 1)[0]
                for regex, convertors, methods, route in self._groups.get((prefix, first), ()):
                    match = regex.match(path)
                    if match is not None and method in methods:
                        params = {
                            key: convertors[key].convert(value)
                            for key, value in match.groupdict().items()
                        }
                        return route, params
                return None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            found = self.find(scope["method"], scope["path"])
            if found is not None:
                route, params = found
                scope.setdefault("router", self.fallback)
                scope["endpoint"] = route.endpoint
                scope["route"] = route
                scope["path_params"] = {**scope.get("path_params", {}), **params}
                await route.handle(scope, receive, send)
                return
        await self.fallback(scope, receive, send)
