"""Wiring of the content area into an app.

``install`` wires the area into an app (services on ``app.state.content``, the 410/413 handlers);
``running`` opens the file store for the app's lifetime; ``router`` holds the routes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from ..settings import Settings
from ..storage.cursor import CursorCodec
from . import tables as tables  # registers the tables on Base.metadata
from .coupons import CouponService, ReviewService
from .exceptions import install_handlers
from .files import FileStore, default_files_dir
from .media import MediaService
from .routes import router
from .service import Limits
from .versions import VersionService

__all__ = ["ContentServices", "install", "router", "running"]


@dataclass(frozen=True)
class ContentServices:
    files: FileStore
    limits: Limits
    versions: VersionService
    media: MediaService
    coupons: CouponService
    reviews: ReviewService


def files_dir(settings: Settings) -> Path:
    return settings.files_dir or default_files_dir(settings.database_url)


def install(app: FastAPI, *, engine: Engine, settings: Settings) -> None:
    """Build the content services for `app` (``app.state.content``) and its error handlers."""
    files = FileStore(files_dir(settings))
    limits = Limits(
        version=settings.max_version_bytes,
        image=settings.max_image_bytes,
        video=settings.max_video_bytes,
        header=settings.max_header_bytes,
        json_body=settings.json_body_limit,
    )

    def codec() -> CursorCodec:
        # The purchase service's codec: set at startup when the key is stored in the database.
        current: CursorCodec | None = app.state.service.codec
        assert current is not None, "the app has not started"
        return current

    common = {"engine": engine, "codec": codec, "files": files, "limits": limits}
    versions = VersionService(**common)  # type: ignore[arg-type]
    versions.download_seconds = settings.download_link_seconds
    app.state.content = ContentServices(
        files=files,
        limits=limits,
        versions=versions,
        media=MediaService(**common),  # type: ignore[arg-type]
        coupons=CouponService(**common),  # type: ignore[arg-type]
        reviews=ReviewService(**common),  # type: ignore[arg-type]
    )
    install_handlers(app)


@contextlib.contextmanager
def running(app: FastAPI) -> Iterator[None]:
    """Open the file store (removing what dead processes left) for the app's lifetime."""
    content: ContentServices = app.state.content
    content.files.open()
    try:
        from .maintenance import sweep_orphans

        sweep_orphans(content.versions.engine, content.files)
        yield
    finally:
        content.files.close()
