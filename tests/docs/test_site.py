"""The generated parts of the documentation site (docs/_hooks/site.py) follow their sources."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
pytest.importorskip("mkdocs", reason="the docs extra is not installed")


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_site_hook", ROOT / "docs/_hooks/site.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _paths(cmd: Any, path: tuple[str, ...]) -> list[tuple[str, ...]]:
    import typer

    out = [path]
    if hasattr(cmd, "list_commands"):
        ctx = typer.Context(cmd)
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if not sub.hidden:
                out += _paths(sub, (*path, name))
    return out


def test_cli_reference_has_every_command_and_option() -> None:
    import typer

    from gmodstore_cli.commands import app

    root = typer.main.get_command(app)
    text = _hook().cli_reference()
    paths = _paths(root, ("gmodstore",))
    assert len(paths) > 30
    for path in paths:
        assert f"`{' '.join(path)}`\n" in text, path
    assert "`gmodstore owns`" in text and "`--any`" in text
    assert "gmodstore sandbox serve" in text and "`--demo`" in text


def test_rules_come_from_every_readme_rules_section() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    text = _hook().readme_rules()
    assert "## Identity" in text
    assert text.count("## ") == readme.count("-rules -->") // 2
    assert "`test_email_only_in_own_profile`" in text


def test_generated_api_pages_join_the_nav(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    for name in ("README.md", "UsersApi.md", "User.md"):
        (tmp_path / "api" / name).write_text("# x\n", encoding="utf-8")
    config = _hook().on_config({"docs_dir": str(tmp_path), "nav": [{"Quick start": "index.md"}]})
    assert config["nav"][-1] == {
        "API and model reference": [
            "api/README.md",
            {"APIs": ["api/UsersApi.md"]},
            {"Models": ["api/User.md"]},
        ]
    }


def test_mkdocs_config_builds_offline() -> None:
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["theme"]["font"] is False
    assert config["strict"] is True
    assert "extra_css" not in config and "extra_javascript" not in config
