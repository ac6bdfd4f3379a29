"""``python -m gmodstore_sandbox``: the same commands as ``gmodstore sandbox``.

Works with the ``sandbox`` extra alone (``pip install 'gmodstore-sdk[sandbox]'``), which brings the
typer this command line is written with.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run the sandbox's command line, or say which extra is missing."""
    try:
        from .cli import app
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in {"typer", "click", "rich"}:
            raise
        sys.stderr.write(
            "error: the sandbox needs the 'sandbox' extra: pip install 'gmodstore-sdk[sandbox]'\n"
        )
        sys.exit(1)
    app(prog_name="python -m gmodstore_sandbox")


if __name__ == "__main__":
    main()
