"""``gmodstore whoami``, ``users find``, ``owns``, ``teams``, ``products`` against the sandbox."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from gmodstore_cli.main import app
from gmodstore_sandbox.testing import Sandbox

from .conftest import client, ok


def gm(sb: Sandbox, *args: str, token: str | None = None, **env: str) -> Result:
    environment = {
        "GMODSTORE_HOST": sb.url,
        "GMODSTORE_TOKEN": token or sb.token,
        "NO_COLOR": "1",
        "COLUMNS": "200",
        **env,
    }
    return CliRunner().invoke(app, list(args), env=environment, catch_exceptions=False)


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _steam_id(sb: Sandbox, user: str) -> int:
    with client(sb, sb.token) as c:
        steam_id: int = ok(c.get(f"/v3/users/{user}"))["data"]["steamId"]
    return steam_id


def test_whoami(sandbox: Sandbox) -> None:
    data = _json(gm(sandbox, "whoami", "--format", "json"))
    assert data["userId"] == sandbox.ids.owner_user_id
    assert data["token"] == "owner" and data["expiresAt"] == "never"
    assert "users:read" in data["abilities"].split()
    assert data["tenant"] == "gmodstore.com"  # the SDK's default layout is /api/v3
    table = gm(sandbox, "whoami")
    assert table.exit_code == 0 and "owner" in table.stdout and table.stderr == ""


def test_whoami_warns_when_the_host_scoping_differs(sandbox: Sandbox) -> None:
    result = gm(sandbox, "whoami", "--tenant", "rust.pivity.com", "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["tenant"] == "gmodstore.com"
    assert result.stderr.startswith("warning: this host is scoped to gmodstore.com")


def test_whoami_bad_token_is_one_error_line(sandbox: Sandbox) -> None:
    result = gm(sandbox, "whoami", token="gms_nope")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")


def test_users_find(sandbox: Sandbox) -> None:
    users = sandbox.ids.free_user_ids[:2]
    steam_ids = [str(_steam_id(sandbox, u)) for u in users]
    rows = _json(gm(sandbox, "users", "find", *steam_ids, "-f", "json"))
    assert [(r["id"], str(r["steamId"])) for r in rows] == list(zip(users, steam_ids, strict=True))
    missing = gm(sandbox, "users", "find", steam_ids[0], "76561190000000001", "-f", "csv")
    assert missing.exit_code == 1
    assert [r["id"] for r in csv.DictReader(io.StringIO(missing.stdout))] == users[:1]
    assert "not found: 76561190000000001" in missing.stderr
    bad = gm(sandbox, "users", "find", "abc")
    assert bad.exit_code == 1 and bad.stderr.startswith("error: ")


@pytest.mark.parametrize("by", ["steam-id", "user-id"])
def test_owns_exit_codes(sandbox: Sandbox, by: str) -> None:
    ids = sandbox.ids
    buyer = ids.owner_user_ids[0]  # owns team A's product
    who = str(_steam_id(sandbox, buyer)) if by == "steam-id" else buyer
    yes = gm(sandbox, "owns", who, ids.product_id, "-f", "json")
    assert _json(yes) == [{"productId": ids.product_id, "owned": True}]
    both = gm(sandbox, "owns", who, ids.product_id, ids.empty_product_id)
    assert both.exit_code == 1 and "no" in both.stdout
    assert gm(sandbox, "owns", who, ids.product_id, ids.empty_product_id, "--any").exit_code == 0
    revoked = ids.owner_user_ids[ids.purchase_ids.index(ids.revoked_purchase_ids[0])]
    assert gm(sandbox, "owns", revoked, ids.product_id).exit_code == 1


def test_owns_errors_exit_2(sandbox: Sandbox) -> None:
    bad = gm(sandbox, "owns", "not-a-user", sandbox.ids.product_id)
    assert bad.exit_code == 2 and bad.stderr.startswith("error: ")
    denied = gm(sandbox, "owns", sandbox.ids.owner_user_ids[0], sandbox.ids.product_id,
                token="gms_nope")  # fmt: skip
    assert denied.exit_code == 2 and denied.stderr.count("\n") == 1


def test_teams_list_and_show(sandbox: Sandbox) -> None:
    teams = _json(gm(sandbox, "teams", "list", "-f", "json"))
    assert [t["id"] for t in teams] == [sandbox.ids.team_id]
    shown = _json(gm(sandbox, "teams", "show", sandbox.ids.other_team_id, "-f", "json"))
    assert shown["name"] == "Team B"
    missing = gm(sandbox, "teams", "show", "00000000-0000-4000-8000-000000000000")
    assert missing.exit_code == 1 and "404" in missing.stderr


def test_products_list_and_show(sandbox: Sandbox) -> None:
    rows = _json(gm(sandbox, "products", "list", sandbox.ids.other_team_id, "-f", "json"))
    # The CLI talks to /api/v3 (gmodstore.com): team B's rust-only plugin is not there.
    assert [r["id"] for r in rows] == [sandbox.ids.other_team_product_id]
    table = gm(sandbox, "products", "list", sandbox.ids.team_id)
    assert table.exit_code == 0 and "unlisted-addon" in table.stdout
    shown = _json(gm(sandbox, "products", "show", sandbox.ids.product_id, "-f", "json"))
    assert shown["slug"] == "seeded-addon"
    hidden = gm(sandbox, "products", "show", sandbox.ids.rust_product_id)
    assert hidden.exit_code == 1 and "404" in hidden.stderr


def test_whoami_table_names_every_field(sandbox: Sandbox) -> None:
    result = gm(sandbox, "whoami", COLUMNS="80")
    assert result.exit_code == 0
    for label in ("user", "userId", "steamId", "token", "abilities", "expiresAt", "tenant"):
        assert f"  {label} " in result.stdout
    assert "38 abilities" in result.stdout
