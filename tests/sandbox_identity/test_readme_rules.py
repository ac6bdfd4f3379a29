"""Every rule of the README's identity table names tests that exist (and so run)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

HERE = Path(__file__).parent
README = HERE.parents[1] / "README.md"


def test_every_rule_names_existing_tests() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- BEGIN identity-rules -->", 1)[1].split("<!-- END identity-rules -->")[
        0
    ]
    rows = [line for line in table.strip().splitlines()[2:] if line.startswith("|")]
    assert len(rows) >= 10
    defined = {
        node.name
        for path in HERE.glob("test_*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef)
    }
    for row in rows:
        names = re.findall(r"`(test_\w+)`", row.rsplit("|", 2)[-2])
        assert names, row
        assert set(names) <= defined, set(names) - defined
