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


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "Settings":
        from .settings import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
