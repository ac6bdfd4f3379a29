"""Start-up housekeeping of the file store."""

from __future__ import annotations

from sqlalchemy import Engine

from . import storage
from .files import FileStore
from .tables import ProductMedium, ProductVersion

__all__ = ["sweep_orphans"]


def sweep_orphans(engine: Engine, files: FileStore) -> int:
    """Remove files that no row names: left by a crash between an upload's rename and its commit,
    or between a delete's commit and the file's removal."""
    with engine.connect() as conn:
        versions = storage.file_keys(conn, ProductVersion)
        media = storage.file_keys(conn, ProductMedium)
        headers = storage.header_keys(conn)
    return (
        files.sweep_orphans("versions", versions)
        + files.sweep_orphans("media", media)
        + files.sweep_orphans("headers", headers)
    )
