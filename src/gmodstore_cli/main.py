"""Console entry point of the ``gmodstore`` command (``[project.scripts]``).

The commands live in :mod:`gmodstore_cli.commands`. This module imports neither typer nor rich, so
that ``pip install gmodstore-sdk`` without the ``cli`` extra gives a command that says how to get
the rest, not a traceback (httpx's ``main`` does the same).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gmodstore_cli.commands import app as app

INSTALL_HINT = (
    "error: the gmodstore command needs the 'cli' extra: pip install 'gmodstore-sdk[cli]'\n"
)
# Top-level modules that only the cli extra provides.
CLI_MODULES = frozenset({"typer", "rich", "click"})


def main() -> None:
    """Console script entry point (``gmodstore``)."""
    try:
        from gmodstore_cli.commands import run
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in CLI_MODULES:
            raise
        sys.stderr.write(INSTALL_HINT)
        sys.exit(1)
    run()


def __getattr__(name: str) -> Any:
    # `from gmodstore_cli.main import app` (tests, scripts) keeps working; typer is imported then.
    if name == "app":
        from gmodstore_cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
