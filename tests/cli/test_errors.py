"""Error messages: one line on stderr, naming the cause, no traceback unless --debug."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

from .conftest import Invoke, Shop, all_purchases, parse_jsonl


def _one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


SANDBOX_HINT = (
    "a sandbox token comes from `gmodstore sandbox token create --user USER_ID`"
    " (or `gmodstore sandbox serve --demo`, which prints one)"
)


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        pytest.param("gms_not-a-real-token", "is missing or invalid", id="invalid"),
        pytest.param("expired", "has expired", id="expired"),
    ],
)
def test_401_says_what_is_wrong_with_the_token_and_how_to_get_a_sandbox_one(
    gm: Invoke, shop: Shop, sandbox: Sandbox, token: str, problem: str
) -> None:
    token = sandbox.expired_token if token == "expired" else token

    result = gm("purchases", "list", shop.product, token=token)

    assert result.exit_code == 1
    line = _one_line(result.stderr)
    assert line.startswith(f"error: the API token {problem} (401")
    assert line.endswith(f"check --token / GMODSTORE_TOKEN; {SANDBOX_HINT}")


def test_missing_token_on_a_sandbox_names_the_sandbox_command(gm: Invoke, shop: Shop) -> None:
    result = gm("purchases", "list", shop.product, token=None)

    assert result.exit_code == 1
    assert _one_line(result.stderr) == (
        f"error: no API token: pass --token TOKEN or set GMODSTORE_TOKEN ({SANDBOX_HINT})"
    )


def test_missing_token_for_the_store_names_the_account_settings(gm: Invoke) -> None:
    result = gm("purchases", "list", "P", token=None, GMODSTORE_HOST="https://www.gmodstore.com")

    assert result.exit_code == 1
    assert _one_line(result.stderr) == (
        "error: no API token: pass --token TOKEN or set GMODSTORE_TOKEN"
        " (create a personal access token in your GmodStore account settings)"
    )


def test_token_option_overrides_the_environment(gm: Invoke, shop: Shop, sandbox: Sandbox) -> None:
    result = gm("purchases", "list", shop.product, "--token", sandbox.token, token="gms_wrong")

    assert result.exit_code == 0, result.output


def test_403_read_only_token_on_grant_names_the_write_scope(
    gm: Invoke, shop: Shop, sandbox: Sandbox, api: ProductPurchasesApi
) -> None:
    before = all_purchases(api, shop.product)

    result = gm("purchases", "grant", shop.product, *shop.free_users, token=sandbox.read_token)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert _one_line(result.stderr).startswith(
        "error: the token lacks the product-purchases:write scope (403"
    )
    assert all_purchases(api, shop.product) == before


def test_403_write_only_token_on_list_names_the_read_scope(
    gm: Invoke, shop: Shop, sandbox: Sandbox
) -> None:
    result = gm("purchases", "list", shop.product, token=sandbox.write_token)

    assert result.exit_code == 1
    assert _one_line(result.stderr).startswith(
        "error: the token lacks the product-purchases:read scope (403"
    )


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["list"], id="list"),
        pytest.param(["revoke", "--user", "USER"], id="revoke"),
    ],
)
def test_403_other_teams_product(gm: Invoke, sandbox: Sandbox, args: list[str]) -> None:
    product = sandbox.ids.other_team_product_id
    command = [a if a != "USER" else sandbox.ids.owner_user_ids[0] for a in args]

    result = gm("purchases", command[0], product, *command[1:])

    assert result.exit_code == 1
    assert _one_line(result.stderr).startswith(
        f"error: product {product} belongs to another team (403"
    )


def test_404_unknown_product(gm: Invoke) -> None:
    product = str(uuid.uuid4())

    result = gm("purchases", "list", product)

    assert result.exit_code == 1
    assert _one_line(result.stderr) == f"error: product {product} not found (404)"


def test_404_unknown_purchase(gm: Invoke, shop: Shop) -> None:
    purchase = str(uuid.uuid4())

    result = gm("purchases", "get", shop.product, purchase)

    assert result.exit_code == 1
    assert _one_line(result.stderr) == (
        f"error: purchase {purchase} not found in product {shop.product} (404)"
    )


def test_404_unknown_product_stops_a_bulk_run_before_it_starts(gm: Invoke, shop: Shop) -> None:
    product = str(uuid.uuid4())

    result = gm("purchases", "grant", product, *shop.free_users)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert _one_line(result.stderr) == f"error: product {product} not found (404)"


def test_400_shows_the_servers_field_errors(gm: Invoke, shop: Shop) -> None:
    result = gm("purchases", "list", shop.product, "--cursor", "not-a-cursor")

    assert result.exit_code == 1
    line = _one_line(result.stderr)
    assert line.startswith("error: invalid request (400): cursor: ")


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["list"], id="list"),
        pytest.param(["list", "--all"], id="list --all"),
        pytest.param(["export", "-o", "out.csv"], id="export"),
    ],
)
def test_a_malformed_user_filter_is_one_line(
    gm: Invoke, shop: Shop, command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = gm("purchases", command[0], shop.product, *command[1:], "--user", "not-a-uuid")

    assert result.exit_code == 1
    assert _one_line(result.stderr) == "error: invalid input: user_id: 'not-a-uuid' is not a UUID"
    assert list(tmp_path.iterdir()) == []


def test_unreachable_host(gm: Invoke, shop: Shop) -> None:
    result = gm("purchases", "list", shop.product, "--host", "http://127.0.0.1:9", "--timeout", "2")

    assert result.exit_code == 1
    line = _one_line(result.stderr)
    assert line.startswith("error: could not reach the API (")
    assert line.endswith("check --host / GMODSTORE_HOST")


def test_debug_shows_the_traceback(gm: Invoke, shop: Shop) -> None:
    result = gm("purchases", "list", shop.product, "--debug", token="gms_wrong")

    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert "UnauthorizedException" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("error: the API token is missing")


def test_usage_errors_exit_2(gm: Invoke, shop: Shop) -> None:
    both = gm("purchases", "list", shop.product, "--per-page", "0")
    unknown = gm("purchases", "list", shop.product, "--format", "xml")

    assert both.exit_code == 2
    assert unknown.exit_code == 2


def test_a_fatal_error_mid_run_reports_what_was_done(
    gm: Invoke, shop: Shop, sandbox: Sandbox, api: ProductPurchasesApi
) -> None:
    already = next(iter(shop.revoked.values()))
    active = next(iter(shop.active.values()))

    # The read-only token can confirm the first purchase is already revoked, then fails on the
    # first write: every later item would fail the same way, so the run stops there.
    result = gm(
        "purchases",
        "revoke",
        shop.product,
        already.id,
        active.id,
        "-f",
        "jsonl",
        token=sandbox.read_token,
    )

    assert result.exit_code == 1
    assert [row["target"] for row in parse_jsonl(result.stdout)] == [already.id]
    assert result.stderr.splitlines() == [
        "revoked: 0 · already revoked: 1 · failed: 0",
        "Stopped after 1 of 2; re-running is safe.",
        result.stderr.splitlines()[-1],
    ]
    assert result.stderr.splitlines()[-1].startswith(
        "error: the token lacks the product-purchases:write scope (403"
    )
    assert not all_purchases(api, shop.product)[active.id].revoked
