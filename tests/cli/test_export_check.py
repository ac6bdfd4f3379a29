"""``export`` (every row exactly once, atomically) and ``check`` (exit codes for scripts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload

from .conftest import Invoke, Shop, parse_csv, parse_jsonl


@pytest.fixture
def big_product(sandbox: Sandbox, api: ProductPurchasesApi) -> dict[str, str]:
    """A product with 57 purchases: purchase id -> user id."""
    product = sandbox.new_product()
    made = {}
    for _ in range(57):
        purchase = api.create_product_purchase(
            product, NewProductPurchasePayload(user_id=sandbox.new_user())
        ).data
        made[purchase.id] = purchase.user_id
    return {"product": product, **made}


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_export_writes_every_purchase_exactly_once(
    gm: Invoke, big_product: dict[str, str], tmp_path: Path, suffix: str
) -> None:
    product = big_product.pop("product")
    target = tmp_path / f"purchases{suffix}"

    result = gm("purchases", "export", product, "-o", str(target), "--per-page", "10")

    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    if suffix == ".csv":
        rows = parse_csv(text)
    elif suffix == ".jsonl":
        rows = parse_jsonl(text)
    else:
        rows = json.loads(text)
    assert len(rows) == len(big_product)
    assert {row["id"]: row["userId"] for row in rows} == big_product
    assert result.stdout == ""
    assert result.stderr.startswith(f"Exported 57 purchases to {target} in ")
    assert list(tmp_path.iterdir()) == [target]


def test_export_applies_filters(gm: Invoke, shop: Shop, tmp_path: Path) -> None:
    target = tmp_path / "revoked.csv"

    result = gm("purchases", "export", shop.product, "-o", str(target), "--revoked")

    assert result.exit_code == 0, result.output
    assert {row["id"] for row in parse_csv(target.read_text())} == {
        p.id for p in shop.revoked.values()
    }


def test_export_to_stdout(gm: Invoke, shop: Shop) -> None:
    result = gm("purchases", "export", shop.product, "-o", "-")

    assert result.exit_code == 0, result.output
    assert {row["id"] for row in parse_jsonl(result.stdout)} == set(shop.purchases)
    assert "Exported 5 purchases to stdout" in result.stderr


def test_export_error_leaves_no_file(gm: Invoke, shop: Shop, tmp_path: Path) -> None:
    target = tmp_path / "purchases.csv"

    result = gm("purchases", "export", shop.product, "-o", str(target), token="gms_wrong")

    assert result.exit_code == 1
    assert result.stderr.startswith("error: the API token is missing or invalid (401")
    assert list(tmp_path.iterdir()) == []


def test_export_needs_a_known_format(gm: Invoke, shop: Shop, tmp_path: Path) -> None:
    unknown = gm("purchases", "export", shop.product, "-o", str(tmp_path / "out.xlsx"))
    table = gm("purchases", "export", shop.product, "-o", str(tmp_path / "out.txt"), "-f", "table")
    explicit = gm("purchases", "export", shop.product, "-o", str(tmp_path / "out.txt"), "-f", "csv")

    assert unknown.exit_code == 2
    assert unknown.stderr == (
        f"error: --output: cannot tell the format of {tmp_path / 'out.xlsx'} from its name:"
        " use .csv, .jsonl or .json, or --format\n"
    )
    assert table.exit_code == 2
    assert table.stderr == "error: unknown format 'table' (choose csv, jsonl, json)\n"
    assert explicit.exit_code == 0, explicit.output
    assert len(parse_csv((tmp_path / "out.txt").read_text())) == 5


def test_export_into_a_missing_directory(gm: Invoke, shop: Shop, tmp_path: Path) -> None:
    result = gm("purchases", "export", shop.product, "-o", str(tmp_path / "no" / "out.csv"))

    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write {tmp_path / 'no' / 'out.csv'}: ")


def test_check_active_owner(gm: Invoke, shop: Shop) -> None:
    user, purchase = next(iter(shop.active.items()))

    result = gm("purchases", "check", shop.product, user)
    quiet = gm("purchases", "check", shop.product, user, "--quiet")

    assert result.exit_code == 0
    assert (
        result.stdout
        == f"yes: user {user} holds purchase {purchase.id} of product {shop.product}\n"
    )
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def test_check_revoked_owner(gm: Invoke, shop: Shop) -> None:
    user, purchase = next(iter(shop.revoked.items()))

    result = gm("purchases", "check", shop.product, user)
    quiet = gm("purchases", "check", shop.product, user, "-q")

    assert result.exit_code == 1
    assert result.stdout == f"no: purchase {purchase.id} of user {user} is revoked\n"
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (1, "", "")


def test_check_user_without_purchase(gm: Invoke, shop: Shop) -> None:
    user = shop.free_users[0]

    result = gm("purchases", "check", shop.product, user)

    assert result.exit_code == 1
    assert result.stdout == f"no: user {user} has no purchase of product {shop.product}\n"


@pytest.mark.parametrize(
    ("args", "token", "message"),
    [
        pytest.param([], "gms_wrong", "error: the API token is missing or invalid (401", id="401"),
        pytest.param([], None, "error: no API token", id="no-token"),
        pytest.param(["not-a-uuid"], "default", "error: invalid input: user_id:", id="bad-user"),
        pytest.param(["product"], "default", "error: product 00000000-", id="404"),
    ],
)
def test_check_errors_exit_2_even_when_quiet(
    gm: Invoke, shop: Shop, args: list[str], token: str | None, message: str
) -> None:
    product, user = shop.product, shop.free_users[0]
    if args == ["not-a-uuid"]:
        user = "not-a-uuid"
    if args == ["product"]:
        product = "00000000-0000-4000-8000-000000000000"
    kwargs = {} if token == "default" else {"token": token}

    result = gm("purchases", "check", product, user, "--quiet", **kwargs)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1
