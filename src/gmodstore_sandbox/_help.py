"""Shared `--help` text for the `gmodstore sandbox` commands (no typer: cheap to import)."""

from __future__ import annotations

__all__ = ["examples"]


def examples(*lines: str) -> str:
    """An ``epilog`` with example command lines, shown at the end of ``--help``.

    >>> examples("serve --demo")
    'Examples:\\n\\n  $ gmodstore sandbox serve --demo'
    """
    return "Examples:\n\n" + "\n\n".join(f"  $ gmodstore sandbox {line}" for line in lines)
