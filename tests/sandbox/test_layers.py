"""Import rules of the server package, checked on its source (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import gmodstore_sandbox

PACKAGE = Path(gmodstore_sandbox.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Top-level names of every absolute import in `path`, wherever it sits in the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_server_never_imports_the_sdk_or_cli(path: Path) -> None:
    assert "gmodstore_sdk" not in _imports(path)
    # The sandbox's own command line shares the CLI's typer conventions (one-line usage errors),
    # which live in gmodstore_cli.core; nothing else of the CLI (and nothing of the SDK) is used.
    cli_modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            cli_modules |= {a.name for a in node.names if a.name.startswith("gmodstore_cli")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gmodstore_cli"):
            cli_modules.add(node.module)
    assert cli_modules <= {"gmodstore_cli.core"}


@pytest.mark.parametrize(
    "path",
    [PACKAGE / "service.py", *sorted((PACKAGE / "storage").glob("*.py"))],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_service_and_storage_know_no_http(path: Path) -> None:
    assert not _imports(path) & {"fastapi", "starlette", "uvicorn"}


def test_app_runs_without_the_sdk_installed(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['gmodstore_sdk'] = None  # any import of it now fails\n"
        "from fastapi.testclient import TestClient\n"
        "from gmodstore_sandbox import Settings, create_app\n"
        f"app = create_app(Settings(database_url='sqlite:///{tmp_path / 'db.sqlite'}'))\n"
        "with TestClient(app) as client:\n"
        "    assert client.get('/v3/products/x/purchases').status_code == 401\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
