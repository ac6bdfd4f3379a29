"""Run the real ``gmodstore`` console script (or ``python -m ...``) in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("gmodstore")


def command(module: str = "gmodstore_cli") -> list[str]:
    """The ``gmodstore`` command as installed, or ``python -m gmodstore_cli`` without it."""
    if module == "gmodstore_cli" and SCRIPT.exists():
        return [str(SCRIPT)]
    return [sys.executable, "-m", module]


def environment(**env: str | None) -> dict[str, str]:
    """The test process's environment without any GMODSTORE_* setting, plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("GMODSTORE_")}
    base.update({"NO_COLOR": "1", "PYTHONUNBUFFERED": "1", "COLUMNS": "80"})
    for key, value in env.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def gmodstore(
    *args: str,
    env: Mapping[str, str | None] | None = None,
    input: str | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
    module: str = "gmodstore_cli",
) -> subprocess.CompletedProcess[str]:
    """``gmodstore ARGS...`` with its stdout and stderr captured (not a terminal)."""
    return subprocess.run(
        [*command(module), *args],
        env=environment(**(env or {})),
        input=input,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
