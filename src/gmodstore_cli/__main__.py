"""``python -m gmodstore_cli``: the same as the ``gmodstore`` command."""

from __future__ import annotations

from gmodstore_cli.main import main

main()
