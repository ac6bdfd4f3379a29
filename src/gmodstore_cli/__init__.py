"""The ``gmodstore`` command: manage GmodStore product purchases from a terminal or a script.

Installed with the ``cli`` extra (``pip install 'gmodstore-sdk[cli]'``); the entry point is
:func:`gmodstore_cli.main.main`.
"""

from __future__ import annotations
