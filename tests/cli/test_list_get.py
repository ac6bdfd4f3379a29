"""``gmodstore purchases list`` and ``get``: formats, filters, paging."""

from __future__ import annotations

import json

import pytest

from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload

from .conftest import Invoke, Shop, parse_csv, parse_jsonl

FIELDS = ["id", "userId", "productId", "revoked", "createdAt", "updatedAt"]


def test_list_table_shows_every_purchase_with_its_status(gm: Invoke, shop: Shop) -> None:
    result = gm("purchases", "list", shop.product)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["Purchase", "User", "Status"]
    rows = {line.split()[0]: line.split() for line in lines[1:] if line.strip()}
    assert set(rows) == set(shop.purchases)
    for purchase in shop.purchases.values():
        assert rows[purchase.id][1] == purchase.user_id
        assert rows[purchase.id][2] == ("revoked" if purchase.revoked else "active")
    assert result.stderr == ""


def test_list_json_is_an_array_of_api_objects(gm: Invoke, shop: Shop) -> None:
    result = gm("purchases", "list", shop.product, "--format", "json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {item["id"] for item in data} == set(shop.purchases)
    for item in data:
        assert list(item) == FIELDS
        expected = shop.purchases[item["id"]]
        assert item == expected.model_dump(mode="json", by_alias=True) | {
            "updatedAt": item["updatedAt"]
        }
        assert item["revoked"] is expected.revoked


def test_list_jsonl_one_object_per_line(gm: Invoke, shop: Shop) -> None:
    result = gm("purchases", "list", shop.product, "-f", "jsonl")

    assert result.exit_code == 0, result.output
    items = parse_jsonl(result.stdout)
    assert len(items) == 5
    assert {item["id"]: item["revoked"] for item in items} == {
        p.id: p.revoked for p in shop.purchases.values()
    }


def test_list_csv_has_a_header_and_lowercase_booleans(gm: Invoke, shop: Shop) -> None:
    result = gm("purchases", "list", shop.product, "--format", "csv")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == ",".join(FIELDS)
    rows = parse_csv(result.stdout)
    assert {row["id"]: row["revoked"] for row in rows} == {
        p.id: "true" if p.revoked else "false" for p in shop.purchases.values()
    }
    assert {row["productId"] for row in rows} == {shop.product}


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        pytest.param("--active", "active", id="active"),
        pytest.param("--revoked", "revoked", id="revoked"),
    ],
)
def test_list_filters_by_state(gm: Invoke, shop: Shop, flag: str, expected: str) -> None:
    result = gm("purchases", "list", shop.product, flag, "-f", "jsonl")

    assert result.exit_code == 0, result.output
    wanted = shop.active if expected == "active" else shop.revoked
    assert {item["id"] for item in parse_jsonl(result.stdout)} == {p.id for p in wanted.values()}


def test_list_filters_by_users(gm: Invoke, shop: Shop) -> None:
    active_user, revoked_user = next(iter(shop.active)), next(iter(shop.revoked))

    result = gm(
        "purchases", "list", shop.product, "--user", active_user, "-u", revoked_user, "-f", "jsonl"
    )

    assert result.exit_code == 0, result.output
    assert {item["userId"] for item in parse_jsonl(result.stdout)} == {active_user, revoked_user}


def test_list_combines_user_and_state_filters(gm: Invoke, shop: Shop) -> None:
    revoked_user = next(iter(shop.revoked))

    result = gm("purchases", "list", shop.product, "-u", revoked_user, "--active", "-f", "json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_list_prints_one_page_and_the_next_cursor_on_stderr(gm: Invoke, shop: Shop) -> None:
    first = gm("purchases", "list", shop.product, "--per-page", "2", "-f", "jsonl")

    assert first.exit_code == 0, first.output
    assert len(parse_jsonl(first.stdout)) == 2
    assert "--cursor" in first.stderr
    cursor = first.stderr.split("--cursor ")[1].split()[0]

    seen = [item["id"] for item in parse_jsonl(first.stdout)]
    while cursor:
        page = gm(
            "purchases", "list", shop.product, "--per-page", "2", "--cursor", cursor, "-f", "jsonl"
        )
        assert page.exit_code == 0, page.output
        seen += [item["id"] for item in parse_jsonl(page.stdout)]
        cursor = page.stderr.split("--cursor ")[1].split()[0] if "--cursor" in page.stderr else ""
    assert sorted(seen) == sorted(shop.purchases)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "table"])
def test_list_all_streams_every_page_exactly_once(gm: Invoke, shop: Shop, fmt: str) -> None:
    result = gm("purchases", "list", shop.product, "--all", "--per-page", "2", "-f", fmt)

    assert result.exit_code == 0, result.output
    if fmt == "jsonl":
        ids = [item["id"] for item in parse_jsonl(result.stdout)]
    elif fmt == "json":
        ids = [item["id"] for item in json.loads(result.stdout)]
    elif fmt == "csv":
        ids = [row["id"] for row in parse_csv(result.stdout)]
    else:
        ids = [line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()]
    assert sorted(ids) == sorted(shop.purchases)
    assert "--cursor" not in result.stderr


def test_list_table_streams_in_chunks_with_one_header(
    gm: Invoke, sandbox: Sandbox, api: ProductPurchasesApi
) -> None:
    product = sandbox.new_product()
    for _ in range(105):
        payload = NewProductPurchasePayload(user_id=sandbox.new_user())
        api.create_product_purchase(product, payload)

    result = gm("purchases", "list", product, "--all")

    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert [line for line in lines if line.startswith("Purchase")] == [lines[0]]
    assert len(lines) == 106
    # Columns line up across chunks: the user id starts at the same offset on every row.
    assert {line.index(" ") for line in lines[1:]} == {36}


def test_list_of_a_product_without_purchases(gm: Invoke, sandbox: Sandbox) -> None:
    product = sandbox.new_product()

    as_json = gm("purchases", "list", product, "-f", "json")
    as_csv = gm("purchases", "list", product, "-f", "csv")
    as_table = gm("purchases", "list", product)

    assert (as_json.exit_code, json.loads(as_json.stdout)) == (0, [])
    assert (as_csv.exit_code, as_csv.stdout) == (0, ",".join(FIELDS) + "\n")
    assert as_table.exit_code == 0
    assert as_table.stdout.split() == [
        "Purchase",
        "User",
        "Status",
        "Created",
        "(UTC)",
        "Updated",
        "(UTC)",
    ]


def test_get_shows_one_purchase(gm: Invoke, shop: Shop) -> None:
    purchase = next(iter(shop.revoked.values()))

    table = gm("purchases", "get", shop.product, purchase.id)
    as_json = gm("purchases", "get", shop.product, purchase.id, "--format", "json")
    as_csv = gm("purchases", "get", shop.product, purchase.id, "--format", "csv")

    assert table.exit_code == 0, table.output
    assert purchase.id in table.stdout and purchase.user_id in table.stdout
    assert "revoked" in table.stdout
    assert json.loads(as_json.stdout) == purchase.model_dump(mode="json", by_alias=True)
    assert parse_csv(as_csv.stdout)[0]["id"] == purchase.id


def test_get_a_purchase_of_another_product_is_not_found(
    gm: Invoke, shop: Shop, sandbox: Sandbox
) -> None:
    purchase = next(iter(shop.active.values()))

    result = gm("purchases", "get", sandbox.ids.product_id, purchase.id)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: purchase {purchase.id} not found in product {sandbox.ids.product_id} (404)\n"
    )
