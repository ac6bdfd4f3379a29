"""--help everywhere (with an example), ``gmodstore sandbox demo``, and the missing-extra hint."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from gmodstore_cli.main import app

from .conftest import flat

COMMANDS = [
    [],
    ["purchases"],
    ["purchases", "list"],
    ["purchases", "get"],
    ["purchases", "grant"],
    ["purchases", "revoke"],
    ["purchases", "restore"],
    ["purchases", "export"],
    ["purchases", "check"],
    ["sandbox", "demo"],
]


@pytest.mark.parametrize(
    "command", [pytest.param(c, id=" ".join(c) or "gmodstore") for c in COMMANDS]
)
def test_help_has_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"NO_COLOR": "1"})

    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert "Example" in text
    assert "$ gmodstore " in text


def _leaf_commands() -> list[list[str]]:
    import typer

    def walk(command: object, path: list[str]) -> list[list[str]]:
        # Groups have `commands` (typer may vendor its own click, so no isinstance on click.Group).
        subcommands: dict[str, object] | None = getattr(command, "commands", None)
        if subcommands is not None:
            return [
                leaf
                for name, sub in sorted(subcommands.items())
                for leaf in walk(sub, [*path, name])
            ]
        return [path]

    return walk(typer.main.get_command(app), [])


def test_every_command_in_the_tree_has_an_example_in_its_help() -> None:
    leaves = _leaf_commands()
    assert ["sandbox", "webhooks", "add"] in leaves and ["purchases", "export"] in leaves
    missing = []
    for command in leaves:
        result = CliRunner().invoke(app, [*command, "--help"], env={"NO_COLOR": "1"})
        assert result.exit_code == 0, (command, result.output)
        if "$ gmodstore " not in flat(result.stdout):
            missing.append(" ".join(command))
    assert missing == []


def test_connection_options_are_documented_with_their_environment_variables() -> None:
    result = CliRunner().invoke(app, ["purchases", "list", "--help"], env={"NO_COLOR": "1"})

    text = flat(result.stdout)
    for expected in (
        "--token",
        "GMODSTORE_TOKEN",
        "--host",
        "GMODSTORE_HOST",
        "--timeout",
        "--debug",
    ):
        assert expected in text


def test_demo_runs_the_whole_walkthrough() -> None:
    result = CliRunner().invoke(
        app, ["sandbox", "demo"], env={"NO_COLOR": "1"}, catch_exceptions=False
    )

    assert result.exit_code == 0, result.output
    out = result.stdout
    steps = [
        "Grant",
        "Read it back",
        "List with filters",
        "Revoke",
        "Restore",
        "Page through",
        "Export",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "granting again is refused, never duplicated: 400" in out
    assert "has_active_purchase(product, user) -> False" in out
    assert "has_active_purchase(product, user) -> True" in out
    assert "51 purchases in 3 pages" in out
    assert "51 rows" in out
    assert "Done: sandbox stopped" in out


_WITHOUT_SANDBOX_EXTRA = """
import sys
for name in ("fastapi", "uvicorn", "sqlalchemy", "starlette", "pydantic_settings", "orjson"):
    sys.modules[name] = None  # makes `import name` fail as if the package were not installed
from gmodstore_cli.main import main
sys.argv = ["gmodstore", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("command", [["sandbox", "demo"], ["sandbox", "serve", "--help"]])
def test_sandbox_without_its_extra_prints_an_install_hint(command: list[str]) -> None:
    if command[1] == "serve":
        pytest.importorskip("gmodstore_sandbox.cli", reason="the sandbox's own commands")
        command = ["sandbox", "serve", "--port", "0"]
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_SANDBOX_EXTRA, *command],
        capture_output=True,
        text=True,
        timeout=60,
        env={"NO_COLOR": "1", "PATH": ""},
    )

    assert result.returncode == 1
    assert result.stderr == (
        "error: the sandbox needs the 'sandbox' extra: pip install 'gmodstore-sdk[sandbox]'\n"
    )


_WITHOUT_CLI_EXTRA = """
import sys
for name in ("typer", "rich", "click"):
    sys.modules[name] = None  # makes `import name` fail as if the package were not installed
from gmodstore_cli.main import main
main()
"""


def test_without_the_cli_extra_the_command_prints_an_install_hint() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_CLI_EXTRA, "purchases", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr == (
        "error: the gmodstore command needs the 'cli' extra: pip install 'gmodstore-sdk[cli]'\n"
    )


def test_other_commands_do_not_import_the_server_stack() -> None:
    code = (
        "import sys\n"
        "from gmodstore_cli.main import app\n"
        "heavy = {'fastapi', 'sqlalchemy', 'uvicorn'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )

    assert result.stdout == "[]\n", result.stderr


def _groups() -> list[list[str]]:
    import typer

    def walk(command: object, path: list[str]) -> list[list[str]]:
        subcommands: dict[str, object] | None = getattr(command, "commands", None)
        if subcommands is None:
            return []
        found = [path]
        for name, sub in sorted(subcommands.items()):
            found += walk(sub, [*path, name])
        return found

    return walk(typer.main.get_command(app), [])


def test_every_group_shows_examples_and_no_flag_type_noise() -> None:
    groups = _groups()
    assert ["sandbox", "webhooks"] in groups and ["sandbox", "users"] in groups
    missing, noisy = [], []
    for group in groups:
        result = CliRunner().invoke(app, [*group, "--help"], env={"NO_COLOR": "1"})
        assert result.exit_code == 0, (group, result.output)
        if "$ gmodstore " not in flat(result.stdout):
            missing.append(" ".join(group) or "gmodstore")
        if "<bool>" in result.stdout:
            noisy.append(" ".join(group) or "gmodstore")
    assert (missing, noisy) == ([], [])
