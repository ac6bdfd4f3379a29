"""Conventions users expect of a command, through the real ``gmodstore`` entry point."""

from __future__ import annotations

import pytest

from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk import __version__

from .entry import gmodstore


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    result = gmodstore(flag)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"gmodstore {__version__}\n",
        "",
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        pytest.param(
            ["purchases", "list", "P", "--format", "jsno"],
            "error: unknown format 'jsno' (choose table, json, jsonl, csv)\n",
            id="unknown-format",
        ),
        pytest.param(
            ["purchases", "export", "P", "-o", "x.csv", "--format", "table"],
            "error: unknown format 'table' (choose csv, jsonl, json)",
            id="export-table",
        ),
        pytest.param(
            ["purchases", "list"],
            "error: Missing argument 'PRODUCT' (see: gmodstore purchases list --help)",
            id="missing-argument",
        ),
        pytest.param(
            ["purchases", "list", "P", "--nope"],
            "error: No such option: --nope",
            id="unknown-option",
        ),
        pytest.param(
            ["purchases", "list", "P", "--per-page", "0"],
            "error: --per-page: ",
            id="out-of-range",
        ),
    ],
)
def test_usage_errors_are_one_line(args: list[str], line: str) -> None:
    """`line` is the whole message, or its start (click may add suggestions)."""
    result = gmodstore(*args, env={"GMODSTORE_TOKEN": "t"})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(line) and result.stderr.count("\n") == 1, result.stderr


def test_export_help_lists_only_the_formats_it_writes() -> None:
    result = gmodstore("purchases", "export", "--help")
    assert result.returncode == 0
    assert "csv, jsonl or json" in result.stdout
    assert "table" not in result.stdout.split("--format", 1)[1].split("\n\n", 1)[0]


def test_flags_have_no_type_noise_and_defaults_are_shown_whole() -> None:
    for args in (
        ["purchases", "list"],
        ["sandbox", "token", "create"],
        ["sandbox", "webhooks", "list"],
    ):
        text = gmodstore(*args, "--help").stdout
        assert "<bool>" not in text, args
        assert "…" not in text, args
    text = gmodstore("sandbox", "webhooks", "list", "--help").stdout
    assert "sqlite:///./sandbox.db" in text


@pytest.mark.parametrize("where", ["before", "after"])
def test_token_and_host_before_or_after_the_subcommand(sandbox: Sandbox, where: str) -> None:
    product, user = sandbox.ids.product_id, sandbox.ids.owner_user_ids[0]
    connection = ["--token", sandbox.token, "--host", sandbox.url]
    command = ["purchases", "check", product, user]
    args = [*connection, *command] if where == "before" else [*command, *connection]
    # The environment names a token and a host that do not work: the flags win.
    env = {"GMODSTORE_TOKEN": "gms_wrong", "GMODSTORE_HOST": "http://127.0.0.1:9"}
    result = gmodstore(*args, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"yes: user {user} holds purchase ")
