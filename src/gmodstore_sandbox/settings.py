"""Sandbox configuration: ``GMODSTORE_SANDBOX_*`` environment variables or arguments."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything `create_app` needs.

    >>> Settings(database_url="postgresql://postgres@127.0.0.1/sandbox").database_url
    'postgresql+psycopg://postgres@127.0.0.1/sandbox'
    """

    model_config = SettingsConfigDict(env_prefix="GMODSTORE_SANDBOX_", extra="ignore")

    database_url: str = "sqlite:///./sandbox.db"
    """SQLAlchemy URL. SQLite file by default; PostgreSQL through psycopg 3."""
    rate_limit: int = Field(default=60, ge=0)
    """Requests per token per window; 0 turns the limit off (429 is never sent)."""
    rate_limit_window: float = Field(default=60.0, gt=0)
    """Length of the fixed rate-limit window, in seconds."""
    cursor_secret: SecretStr | None = None
    """HMAC key for pagination cursors. Unset: a random key generated once and stored in the
    database, so every process on it (``serve --workers N``) and every restart accepts them."""
    auth_failure_limit: int = Field(default=30, ge=0)
    """Failed token checks per client address per rate-limit window before 429 (0: no limit)."""
    json_body_limit: int = Field(default=1_000_000, ge=1)
    """Largest JSON request body, in bytes (413 beyond; uploads declare their own limits)."""
    write_timeout: float = Field(default=5.0, gt=0)
    """Seconds a write may wait for a write slot, and then for the database lock, before 503."""
    max_concurrent_writes: int = Field(default=4, ge=1)
    """Writes handed to worker threads at once; more wait on the event loop (reads never do)."""
    token_cache_seconds: float = Field(default=5.0, ge=0)
    """How long a verified token stays cached in memory (0 disables the cache)."""
    create_tables: bool = True
    """Create missing tables at startup (``metadata.create_all``)."""
    pool_size: int = Field(default=20, ge=1)
    """Database connections kept open; the thread pool serves up to 40 requests at once."""
    webhook_worker: bool = True
    """Deliver webhooks from this server process (``gmodstore_sandbox.webhooks``)."""
    webhook_poll_interval: float = Field(default=0.25, gt=0)
    """Seconds between looks at the outbox when there is nothing to deliver."""
    webhook_retry_backoff: float = Field(default=5.0, ge=0)
    """Seconds before the first webhook retry; doubled for each further one."""
    webhook_max_attempts: int = Field(default=5, ge=1)
    """Tries per webhook delivery before it is marked failed."""
    webhook_timeout: float = Field(default=10.0, gt=0)
    """Wall-clock deadline of one webhook attempt (connect, send, answer), in seconds."""
    webhook_lease_margin: float = Field(default=30.0, gt=0)
    """Seconds a claimed webhook delivery stays leased beyond its deadline (multi-process)."""
    # Uploaded files (gmodstore_sandbox.content). Defaults: the spec's limits read as kilobytes.
    files_dir: Path | None = None
    """Where uploads are kept; unset: beside the SQLite file (``sandbox-files`` for ``sandbox.db``),
    ``./sandbox-files`` for PostgreSQL."""
    max_version_bytes: int = Field(default=75_000 * 1024, ge=1)
    max_image_bytes: int = Field(default=8_000 * 1024, ge=1)
    max_video_bytes: int = Field(default=8_000 * 1024, ge=1)
    max_header_bytes: int = Field(default=5_000 * 1024, ge=1)
    download_link_seconds: float = Field(default=300.0, gt=0)
    """Lifetime of a one-time version download link."""

    @field_validator("rate_limit", mode="before")
    @classmethod
    def _none_means_off(cls, value: object) -> object:
        return 0 if value is None else value

    @field_validator("database_url")
    @classmethod
    def _use_psycopg_driver(cls, value: str) -> str:
        if value.startswith("sqlite") and (value.rstrip("/") == "sqlite:" or ":memory:" in value):
            # Every pooled connection would open its own empty in-memory database.
            raise ValueError(
                "an in-memory SQLite database cannot be shared by the server's threads;"
                " use a file such as sqlite:///./sandbox.db"
            )
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value
