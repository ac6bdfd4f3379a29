"""``gmodstore sandbox users add --steam-id`` and ``token create`` with the identity abilities."""

from __future__ import annotations

from pathlib import Path

import httpx
from typer.testing import CliRunner

from gmodstore_sandbox.cli import app
from gmodstore_sandbox.testing import run_sandbox

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_users_add_with_steam_id_then_find_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out, _ = _run("users", "add", "--name", "Gordon", "--steam-id", "76561198012345678",
                        "--database-url", url)  # fmt: skip
    assert code == 0
    user_id = out.strip()
    code, out, err = _run("users", "add", "--steam-id", "76561198012345678", "--database-url", url)
    assert code == 1 and "already has SteamID64" in err
    code, token, _ = _run("token", "create", "--user", user_id, "--scopes", "users:read,teams:read",
                          "--database-url", url)  # fmt: skip
    assert code == 0
    with run_sandbox(url, seed=False) as sb:
        response = httpx.get(
            f"{sb.url}/v3/users",
            params={"filter[steamId]": "76561198012345678"},
            headers={"Authorization": f"Bearer {token.strip()}"},
        )
    assert response.status_code == 200, response.text
    assert [(u["id"], u["name"]) for u in response.json()["data"]] == [(user_id, "Gordon")]


def test_users_add_refuses_a_bad_steam_id(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for bad in ("123", "86561198012345678", "7656119801234567x", "765611980123456789"):
        code, _, err = _run("users", "add", "--steam-id", bad, "--database-url", url)
        assert code == 1 and "is not a SteamID64" in err, bad


def test_token_create_knows_every_ability(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    user_id = _run("users", "add", "--database-url", url)[1].strip()
    assert (
        _run("token", "create", "--user", user_id, "--scopes", "*", "--database-url", url)[0] == 0
    )
    code, _, err = _run("token", "create", "--user", user_id, "--scopes", "users:fly",
                        "--database-url", url)  # fmt: skip
    assert code == 1 and "users:fly" in err
