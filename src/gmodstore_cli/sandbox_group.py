"""``gmodstore sandbox ...``: the sandbox's own commands plus ``demo``, loaded without the server.

``gmodstore_sandbox.cli`` imports only typer at module level, so mounting it costs nothing when
other commands run; FastAPI and SQLAlchemy are imported by the sandbox commands themselves. When
they are missing (the ``sandbox`` extra is not installed), the command prints a one-line install
hint instead of a traceback (see :func:`missing_extra`).
"""

from __future__ import annotations

import importlib

import typer

from gmodstore_cli import render

INSTALL_HINT = "the sandbox needs the 'sandbox' extra: pip install 'gmodstore-sdk[sandbox]'"
# Top-level modules that only the sandbox extra provides.
SANDBOX_MODULES = frozenset(
    {"fastapi", "starlette", "uvicorn", "sqlalchemy", "pydantic_settings", "orjson"}
)

DEMO_EPILOG = "Example:\n\n  $ gmodstore sandbox demo"


def missing_extra(exc: ModuleNotFoundError) -> bool:
    """Whether ``exc`` means the sandbox extra is not installed."""
    return (exc.name or "").split(".")[0] in SANDBOX_MODULES


def demo() -> None:
    """Run a sandbox on a free port, seed demo data, and walk through what the SDK can do.

    Grant -> get -> list with filters -> revoke -> restore -> paginate and export, printing each
    step; the server is stopped and its files removed at the end.
    """
    try:
        from gmodstore_cli.demo import run_demo

        run_demo()
    except ModuleNotFoundError as exc:
        if not missing_extra(exc):
            raise
        render.error(INSTALL_HINT)
        raise typer.Exit(1) from None


def mount(app: typer.Typer) -> None:
    """Add the ``sandbox`` group, with ``demo``, to ``app``."""
    try:
        # Imported by name: the sandbox's command module is its own, and optional to this one.
        sandbox_app: typer.Typer = importlib.import_module("gmodstore_sandbox.cli").app
    except ModuleNotFoundError as exc:
        # The sandbox's commands are not available in this install: offer `demo` alone (which
        # itself prints the install hint if the extra is missing).
        if exc.name != "gmodstore_sandbox.cli" and not missing_extra(exc):
            raise
        sandbox_app = typer.Typer(help="Local API server to develop and test against.")
    names = {command.name for command in sandbox_app.registered_commands}
    if "demo" not in names:
        sandbox_app.command("demo", epilog=DEMO_EPILOG)(demo)
    app.add_typer(sandbox_app, name="sandbox")
