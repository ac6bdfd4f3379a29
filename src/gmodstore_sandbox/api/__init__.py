"""HTTP layer: thin routes over `gmodstore_sandbox.service`."""

from __future__ import annotations
