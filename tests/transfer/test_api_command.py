"""``gmodstore api`` through the installed ``gmodstore`` entry point, against a real sandbox.

Each test runs the console script in a subprocess, as a user would, with the sandbox's URL and a
token in the environment. Writes go to a product created for the test, so the shared seed (which
other tests count on) is left as it is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk.api._registry import OPERATIONS

GMODSTORE = shutil.which("gmodstore", path=str(Path(sys.executable).parent))


def run(sb: Sandbox | None, *args: str, token: str | None = None) -> Any:
    """`gmodstore api ARGS`; without a sandbox, against a closed port (for usage errors)."""
    assert GMODSTORE is not None, "the gmodstore console script is not installed"
    host = sb.url if sb is not None else "http://127.0.0.1:9"
    env = {**os.environ, "GMODSTORE_HOST": host, "GMODSTORE_TOKEN": token or "t"}
    if sb is not None and token is None:
        env["GMODSTORE_TOKEN"] = sb.token
    env.pop("GMODSTORE_DEBUG", None)
    return subprocess.run(
        [GMODSTORE, "api", *args], env=env, capture_output=True, text=True, timeout=60
    )


def one_error_line(result: Any) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return str(lines[0])


def test_list_shows_every_operation_with_its_scope() -> None:
    result = run(None, "--list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(OPERATIONS)
    for op, line in zip(OPERATIONS, lines, strict=True):
        assert line.split()[:3] == [op.operation_id, op.http_method, op.path]
        assert line.split()[-1] == (op.scope or "-")


def test_get_prints_the_json_answer(sandbox: Sandbox) -> None:
    product, purchase = sandbox.ids.product_id, sandbox.ids.purchase_ids[0]
    result = run(sandbox, "getProductPurchase", "--product", product, "--purchase", purchase)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["data"]["id"] == purchase and body["data"]["productId"] == product
    assert body["data"]["userId"] == sandbox.ids.owner_user_ids[0]


def test_token_and_host_before_the_command(sandbox: Sandbox) -> None:
    assert GMODSTORE is not None
    env = {**os.environ, "GMODSTORE_HOST": "http://127.0.0.1:9", "GMODSTORE_TOKEN": "wrong"}
    product, purchase = sandbox.ids.product_id, sandbox.ids.purchase_ids[1]
    result = subprocess.run(
        [
            GMODSTORE,
            "--token",
            sandbox.token,
            "--host",
            sandbox.url,
            "api",
            "getProductPurchase",
            "--product",
            product,
            "--purchase",
            purchase,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["data"]["id"] == purchase


def test_snake_name_query_params_and_filter(sandbox: Sandbox) -> None:
    result = run(
        sandbox,
        "list_product_purchases",
        f"--product={sandbox.ids.product_id}",
        "--per-page",
        "2",
        "--filter",
        "revoked=true",
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert len(body["data"]) == 2 and all(p["revoked"] for p in body["data"])
    assert body["meta"]["perPage"] == 2 and body["cursors"]["next"]


def test_paginate_streams_every_item_as_a_json_line(sandbox: Sandbox) -> None:
    result = run(
        sandbox,
        "listProductPurchases",
        "--product",
        sandbox.ids.product_id,
        "--perPage",
        "7",
        "--paginate",
    )
    assert result.returncode == 0, result.stderr
    items = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["id"] for p in items] == sandbox.ids.purchase_ids
    assert all(isinstance(p, dict) for p in items)


def test_create_with_fields_and_update_with_data(sandbox: Sandbox, tmp_path: Path) -> None:
    product, user = sandbox.new_product(), sandbox.new_user()
    created = run(sandbox, "createProductPurchase", "--product", product, "-f", f"userId={user}")
    assert created.returncode == 0, created.stderr
    purchase = json.loads(created.stdout)["data"]
    assert purchase["userId"] == user and purchase["revoked"] is False
    body = tmp_path / "revoke.json"
    body.write_text('{"revoked": true}')
    updated = run(
        sandbox,
        "updateProductPurchase",
        "--product",
        product,
        "--purchase",
        purchase["id"],
        "--data",
        f"@{body}",
    )
    assert updated.returncode == 0, updated.stderr
    assert json.loads(updated.stdout)["data"]["revoked"] is True
    restored = run(
        sandbox,
        "update_product_purchase",
        "--product",
        product,
        "--purchase",
        purchase["id"],
        "-F",
        "revoked=false",
    )
    assert json.loads(restored.stdout)["data"]["revoked"] is False


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        pytest.param(["nope"], 2, "unknown operation 'nope'", id="unknown-operation"),
        pytest.param(["getProductPurchase"], 2, "needs --product VALUE, --purchase", id="missing"),
        pytest.param(
            ["listProductPurchases", "--product", "p", "--colour", "red"],
            2,
            "has no parameter --colour",
            id="unknown-param",
        ),
        pytest.param(
            ["listProductPurchases", "--product", "p", "--perPage", "many"],
            2,
            "--perPage must be an integer",
            id="bad-integer",
        ),
        pytest.param(
            ["listProductPurchases", "--product", "p", "--perPage", "500"],
            1,
            "per_page",
            id="validated-by-the-sdk",
        ),
        pytest.param(
            ["getProductPurchase", "--product", "p", "--purchase", "x", "--data", "{}"],
            2,
            "takes no body",
            id="body-on-a-get",
        ),
        pytest.param(
            ["createProductPurchase", "--product", "p", "--data", "[1"],
            2,
            "--data is not valid JSON",
            id="bad-json",
        ),
        pytest.param(["listProductPurchases", "--paginate"], 2, "needs --product", id="paginate"),
        pytest.param(
            ["getProductPurchase", "--product", "p", "--purchase", "x", "--paginate"],
            2,
            "not a paginated list",
            id="paginate-a-get",
        ),
    ],
)
def test_usage_errors_are_one_line(args: list[str], code: int, expected: str) -> None:
    result = run(None, *args)
    assert result.returncode == code
    assert expected in one_error_line(result)
    assert result.stdout == ""


def test_missing_token_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GMODSTORE_TOKEN", raising=False)
    assert GMODSTORE is not None
    env = {k: v for k, v in os.environ.items() if k != "GMODSTORE_TOKEN"}
    result = subprocess.run(
        [GMODSTORE, "api", "listProductPurchases", "--product", "p"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "no API token" in one_error_line(result)


def test_api_errors_are_one_line_naming_what_to_do(sandbox: Sandbox) -> None:
    product = sandbox.ids.product_id
    missing = run(
        sandbox,
        "getProductPurchase",
        "--product",
        product,
        "--purchase",
        "00000000-0000-4000-8000-000000000000",
    )
    assert missing.returncode == 1 and "(404)" in one_error_line(missing)
    forbidden = run(
        sandbox,
        "createProductPurchase",
        "--product",
        product,
        "-f",
        f"userId={sandbox.ids.free_user_ids[0]}",
        token=sandbox.read_token,
    )
    line = one_error_line(forbidden)
    assert forbidden.returncode == 1 and "(403)" in line and "product-purchases:write" in line


# -- argument parsing, without a server -----------------------------------------------------------


def test_params_by_wire_python_or_kebab_name_with_kinds() -> None:
    from gmodstore_cli.api_command import parse_params
    from gmodstore_sdk.api._registry import find_operation

    op = find_operation("listProductPurchases")
    kwargs = parse_params(
        op,
        ["--product", "p", "--per-page=5", "--cursor", "c", "--filter[userId]", "a,b"]
        + ["--filter", "revoked=false"],
    )
    assert kwargs == {
        "product": "p",
        "per_page": 5,
        "cursor": "c",
        "filter": {"userId": ["a", "b"], "revoked": False},
    }
    batch = find_operation("getUsers")
    assert parse_params(batch, ["--ids", "a,b", "--ids[]", "c"]) == {"ids": ["a", "b", "c"]}


def test_body_from_data_fields_and_typed_fields(tmp_path: Path) -> None:
    from gmodstore_cli.api_command import parse_body

    notes = tmp_path / "notes.md"
    notes.write_text("Fixed it.")
    body = parse_body(
        '{"name": "x", "percent": 5}',
        ["name=1.2.3", f"changelog=@{notes}"],
        ["percent=10", "maxUses=1", "boundUserId=null", "code=abc"],
        multipart=False,
    )
    assert body == {
        "name": "1.2.3",
        "changelog": "Fixed it.",
        "percent": 10,
        "maxUses": 1,
        "boundUserId": None,
        "code": "abc",
    }
    upload = parse_body(None, [f"file=@{notes}"], [], multipart=True)
    assert upload == {"file": notes}
    assert parse_body(None, [], [], multipart=False) is None
