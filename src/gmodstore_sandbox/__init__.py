"""A local GmodStore API v3 server for the product purchases endpoints.

>>> from gmodstore_sandbox import Settings, create_app
>>> app = create_app(Settings(database_url="sqlite:///./sandbox.db"))

The package root stays import-light (``gmodstore_sandbox.testing`` is loaded as a pytest plugin), so
`create_app` and `Settings` are resolved lazily on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .settings import Settings

__all__ = ["Settings", "create_app"]


INSTALL_HINT = "the sandbox needs the 'sandbox' extra: pip install 'gmodstore-sdk[sandbox]'"
# Top-level modules that only the sandbox extra provides.
_EXTRA_MODULES = frozenset(
    {"fastapi", "starlette", "uvicorn", "sqlalchemy", "pydantic_settings", "orjson", "typer"}
)


def __getattr__(name: str) -> Any:
    try:
        if name == "create_app":
            from .app import create_app

            return create_app
        if name == "Settings":
            from .settings import Settings

            return Settings
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in _EXTRA_MODULES:
            raise
        raise ModuleNotFoundError(f"{INSTALL_HINT} ({exc.name} is missing)", name=exc.name) from exc
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
