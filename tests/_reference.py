"""The shared reference documents, found next to the repository (``../shared/reference/``).

Tests that need one skip, with a reason naming the file, when it is absent (a clone on its own).
"""

from __future__ import annotations

from pathlib import Path

import pytest

REFERENCE_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


def reference_file(name: str) -> Path:
    """``../shared/reference/<name>``, or skip the calling test saying which file is missing."""
    path = REFERENCE_DIR / name
    if not path.is_file():
        pytest.skip(f"reference file ../shared/reference/{name} not found next to the repository")
    return path
