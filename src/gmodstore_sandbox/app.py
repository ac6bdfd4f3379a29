"""The application factory."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from starlette.types import Lifespan

from .api import docs, openapi, purchases
from .errors import install_error_handlers
from .identity import routes as identity_routes
from .identity.service import make_identity_service
from .ratelimit import RateLimiter
from .service import PurchaseService
from .settings import Settings
from .storage.cursor import CursorCodec
from .storage.db import create_tables, make_engine
from .webhooks.worker import run_webhook_worker  # also registers the webhook tables

__all__ = ["SandboxApp", "create_app"]

API_PREFIXES = ("/v3", "/api/v3")
"""``/v3`` is documented in ``/openapi.json``; ``/api/v3`` (legacy host layout) serves the same."""


class SandboxApp(FastAPI):
    """FastAPI with the sandbox's OpenAPI additions (security scheme, error responses)."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = openapi.customize(super().openapi())
        return self.openapi_schema


def _lifespan(engine: Engine, settings: Settings) -> Lifespan[FastAPI]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.create_tables:
            create_tables(engine)
        with run_webhook_worker(engine, settings):
            yield
        engine.dispose()

    return lifespan


def _cursor_codec(settings: Settings) -> CursorCodec:
    secret = settings.cursor_secret
    return CursorCodec(
        secrets.token_bytes(32) if secret is None else secret.get_secret_value().encode()
    )


def create_app(settings: Settings | None = None) -> SandboxApp:
    """Build the sandbox app; its engine belongs to this app alone (disposed at shutdown).

    >>> app = create_app(Settings(database_url="sqlite:///./sandbox.db", rate_limit=0))
    """
    settings = settings or Settings()
    engine = make_engine(settings.database_url, pool_size=settings.pool_size)
    app = SandboxApp(
        title="GmodStore API v3 sandbox: product purchases",
        version="3.1.0",
        description="A local implementation of the product purchases endpoints of the "
        "Pivity (GmodStore) API v3.",
        lifespan=_lifespan(engine, settings),
        servers=[{"url": "/", "description": "This sandbox (also served under /api/v3)"}],
        # Served by `api.docs` instead, with the rate-limit headers every response carries.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.service = PurchaseService(
        engine=engine,
        codec=_cursor_codec(settings),
        token_cache_seconds=settings.token_cache_seconds,
    )
    app.state.identity = make_identity_service(engine, settings, app.state.service.forget_token)
    app.state.limiter = RateLimiter(limit=settings.rate_limit, window=settings.rate_limit_window)
    areas = (purchases.router, identity_routes.router)
    mounted = [(p, r) for p in API_PREFIXES for r in areas] + [("", docs.router)]
    for prefix, router in mounted:
        app.include_router(router, prefix=prefix, include_in_schema=prefix != "/api/v3")
    install_error_handlers(
        app,
        routes=[
            (prefix + route.path, route.methods or set())
            for prefix, router in mounted
            for route in router.routes
            if isinstance(route, APIRoute)
        ],
    )
    return app
