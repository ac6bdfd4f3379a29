"""The application factory."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import compile_path

from .api import openapi, purchases
from .errors import install_error_handlers
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


def create_app(settings: Settings | None = None) -> SandboxApp:
    """Build the sandbox app; its engine belongs to this app alone (disposed at shutdown).

    >>> app = create_app(Settings(database_url="sqlite:///./sandbox.db", rate_limit=0))
    """
    settings = settings or Settings()
    engine = make_engine(settings.database_url, pool_size=settings.pool_size)
    secret = (
        settings.cursor_secret.get_secret_value().encode()
        if settings.cursor_secret is not None
        else secrets.token_bytes(32)
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.create_tables:
            create_tables(engine)
        with run_webhook_worker(engine, settings):
            yield
        engine.dispose()

    app = SandboxApp(
        title="GmodStore API v3 sandbox: product purchases",
        version="3.1.0",
        description="A local implementation of the product purchases endpoints of the "
        "Pivity (GmodStore) API v3.",
        lifespan=lifespan,
        servers=[{"url": "/", "description": "This sandbox (also served under /api/v3)"}],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.service = PurchaseService(
        engine=engine,
        codec=CursorCodec(secret),
        token_cache_seconds=settings.token_cache_seconds,
    )
    app.state.limiter = RateLimiter(limit=settings.rate_limit, window=settings.rate_limit_window)
    for prefix in API_PREFIXES:
        app.include_router(purchases.router, prefix=prefix, include_in_schema=prefix == "/v3")
    app.state.method_table = [
        (compile_path(prefix + route.path)[0], route.methods)
        for prefix in API_PREFIXES
        for route in purchases.router.routes
        if isinstance(route, APIRoute)
    ]
    install_error_handlers(app)
    return app
