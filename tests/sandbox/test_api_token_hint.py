"""``gmodstore api`` without a usable token says where a token comes from: on a loopback host (a
sandbox) the sandbox's command, elsewhere the store's account settings."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gmodstore_cli.main import app
from gmodstore_sandbox.testing import Sandbox

SANDBOX_HINT = "gmodstore sandbox token create --user USER_ID"


def _api(host: str, token: str | None) -> str:
    """The one line `gmodstore api getMe` prints on stderr, after checking it failed."""
    env = {"GMODSTORE_HOST": host, "GMODSTORE_TOKEN": token, "NO_COLOR": "1", "COLUMNS": "400"}
    result = CliRunner().invoke(app, ["api", "getMe"], env=env, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    [line] = result.stderr.strip().splitlines()
    return line


@pytest.mark.parametrize(
    ("host", "hint"),
    [
        pytest.param("http://127.0.0.1:9", SANDBOX_HINT, id="loopback"),
        pytest.param("http://localhost:9", SANDBOX_HINT, id="localhost"),
        # Never contacted: the missing token is refused before any request.
        pytest.param("http://192.0.2.1", "GmodStore account settings", id="store"),
    ],
)
def test_no_token_names_where_to_get_one_for_that_host(host: str, hint: str) -> None:
    line = _api(host, None)
    assert line.startswith("error: no API token:") and hint in line, line


def test_an_expired_sandbox_token_is_called_expired_with_the_sandbox_hint(
    sandbox: Sandbox,
) -> None:
    line = _api(sandbox.url, sandbox.expired_token)
    assert line.startswith("error: the API token has expired (401"), line
    assert SANDBOX_HINT in line and "missing or invalid" not in line, line
    assert sandbox.expired_token not in line
