"""``grant``, ``revoke`` and ``restore``: mixed outcomes, summaries, re-runs, --dry-run, --from."""

from __future__ import annotations

import uuid
from pathlib import Path

from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi

from .conftest import Invoke, Shop, all_purchases, flat, parse_csv, parse_jsonl


def _by_target(stdout: str) -> dict[str, dict[str, object]]:
    return {row["target"]: row for row in parse_jsonl(stdout)}


def test_grant_mix_of_new_owned_and_unknown_users(
    gm: Invoke, shop: Shop, api: ProductPurchasesApi
) -> None:
    new1, new2 = shop.free_users[:2]
    owner = next(iter(shop.active))
    unknown = str(uuid.uuid4())

    result = gm(
        "purchases", "grant", shop.product, new1, owner, unknown, "not-a-uuid", new2, "-f", "jsonl"
    )

    assert result.exit_code == 1, result.output
    rows = _by_target(result.stdout)
    assert list(rows) == [new1, owner, unknown, "not-a-uuid", new2]
    assert {t: r["status"] for t, r in rows.items()} == {
        new1: "done",
        owner: "already",
        unknown: "failed",
        "not-a-uuid": "failed",
        new2: "done",
    }
    assert rows[owner]["message"] == "already owned"
    assert rows[owner]["purchaseId"] == shop.active[owner].id
    assert "userId" in str(rows[unknown]["message"])
    assert rows["not-a-uuid"]["message"] == "invalid input: user_id: 'not-a-uuid' is not a UUID"
    assert result.stderr.splitlines()[0] == "granted: 2 · already owned: 1 · failed: 2"
    assert f"  ✗ {unknown}: invalid request (400): userId:" in result.stderr
    owners = {p.user_id: p for p in all_purchases(api, shop.product).values()}
    assert {new1, new2} <= set(owners)
    assert owners[new1].id == rows[new1]["purchaseId"] and not owners[new1].revoked
    assert unknown not in owners


def test_grant_twice_is_safe(gm: Invoke, shop: Shop, api: ProductPurchasesApi) -> None:
    users = shop.free_users

    first = gm("purchases", "grant", shop.product, *users)
    after_first = all_purchases(api, shop.product)
    second = gm("purchases", "grant", shop.product, *users, "-f", "csv")

    assert first.exit_code == 0, first.output
    assert "granted: 3 · already owned: 0 · failed: 0" in first.stderr
    assert second.exit_code == 0, second.output
    assert "granted: 0 · already owned: 3 · failed: 0" in second.stderr
    assert {row["status"] for row in parse_csv(second.stdout)} == {"already"}
    assert all_purchases(api, shop.product) == after_first
    assert len(after_first) == 8


def test_grant_table_lists_each_user(gm: Invoke, shop: Shop) -> None:
    user = shop.free_users[0]

    result = gm("purchases", "grant", shop.product, user)

    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith(user))
    assert "granted" in line


def test_grant_to_a_revoked_owner_says_how_to_restore(gm: Invoke, shop: Shop) -> None:
    user, purchase = next(iter(shop.revoked.items()))

    result = gm("purchases", "grant", shop.product, user, "-f", "jsonl")

    assert result.exit_code == 1
    (row,) = parse_jsonl(result.stdout)
    assert row["status"] == "failed"
    assert row["purchaseId"] == purchase.id
    assert f"gmodstore purchases restore {shop.product} --user {user}" in row["message"]


def test_grant_dry_run_changes_nothing(gm: Invoke, shop: Shop, api: ProductPurchasesApi) -> None:
    before = all_purchases(api, shop.product)
    owner = next(iter(shop.active))

    result = gm(
        "purchases", "grant", shop.product, shop.free_users[0], owner, "--dry-run", "-f", "jsonl"
    )

    assert result.exit_code == 0, result.output
    rows = _by_target(result.stdout)
    assert rows[shop.free_users[0]]["status"] == "would"
    assert rows[shop.free_users[0]]["message"] == "would grant"
    assert rows[owner]["status"] == "already"
    assert "would grant: 1 · already owned: 1 · failed: 0" in result.stderr
    assert all_purchases(api, shop.product) == before


def test_grant_from_a_csv_file_with_a_header(gm: Invoke, shop: Shop, tmp_path: Path) -> None:
    source = tmp_path / "users.csv"
    rows = [f"customer{i},{user}" for i, user in enumerate(shop.free_users)]
    source.write_text("name,user_id\n" + "\n".join(rows) + "\n", encoding="utf-8")

    result = gm("purchases", "grant", shop.product, "--from", str(source), "-f", "jsonl")

    assert result.exit_code == 0, result.output
    assert list(_by_target(result.stdout)) == shop.free_users


def test_grant_from_stdin_one_id_per_line(gm: Invoke, shop: Shop) -> None:
    text = "\n".join([*shop.free_users, "", shop.free_users[0]]) + "\n"

    result = gm("purchases", "grant", shop.product, "--from", "-", "-f", "jsonl", input=text)

    assert result.exit_code == 0, result.output
    assert [row["status"] for row in parse_jsonl(result.stdout)] == ["done"] * 3


def test_grant_without_users_is_a_usage_error(gm: Invoke, shop: Shop) -> None:
    result = gm("purchases", "grant", shop.product)

    assert result.exit_code == 2
    assert "give at least one USER_ID" in flat(result.stderr)


def test_grant_from_a_missing_file_is_a_usage_error(gm: Invoke, shop: Shop, tmp_path: Path) -> None:
    result = gm("purchases", "grant", shop.product, "--from", str(tmp_path / "nope.csv"))

    assert result.exit_code == 2
    assert "cannot read" in flat(result.stderr)


def test_revoke_by_id_then_again(gm: Invoke, shop: Shop, api: ProductPurchasesApi) -> None:
    active = list(shop.active.values())
    already = next(iter(shop.revoked.values()))
    missing = str(uuid.uuid4())
    ids = [active[0].id, active[1].id, already.id, missing]

    first = gm("purchases", "revoke", shop.product, *ids, "-f", "jsonl")
    second = gm("purchases", "revoke", shop.product, *ids[:3], "-f", "jsonl")

    assert first.exit_code == 1, first.output
    rows = _by_target(first.stdout)
    assert [rows[i]["status"] for i in ids] == ["done", "done", "already", "failed"]
    assert rows[active[0].id]["message"] == "revoked"
    assert rows[already.id]["message"] == "already revoked"
    assert (
        rows[missing]["message"] == f"purchase {missing} not found in product {shop.product} (404)"
    )
    assert first.stderr.splitlines()[0] == "revoked: 2 · already revoked: 1 · failed: 1"
    assert second.exit_code == 0, second.output
    assert {row["status"] for row in parse_jsonl(second.stdout)} == {"already"}
    now = all_purchases(api, shop.product)
    assert now[active[0].id].revoked and now[active[1].id].revoked
    assert not now[active[2].id].revoked


def test_revoke_and_restore_by_user(gm: Invoke, shop: Shop, api: ProductPurchasesApi) -> None:
    user, purchase = next(iter(shop.active.items()))
    stranger = shop.free_users[0]

    revoked = gm(
        "purchases", "revoke", shop.product, "--user", user, "--user", stranger, "-f", "jsonl"
    )
    restored = gm("purchases", "restore", shop.product, "-u", user, "-f", "jsonl")

    assert revoked.exit_code == 1
    rows = _by_target(revoked.stdout)
    assert rows[user]["status"] == "done"
    assert rows[user]["purchaseId"] == purchase.id
    assert rows[stranger]["status"] == "failed"
    assert rows[stranger]["message"] == f"user has no purchase of product {shop.product}"
    assert restored.exit_code == 0, restored.output
    assert parse_jsonl(restored.stdout)[0]["message"] == "restored"
    assert api.has_active_purchase(shop.product, user)


def test_restore_by_id_reports_already_active(
    gm: Invoke, shop: Shop, api: ProductPurchasesApi
) -> None:
    revoked = list(shop.revoked.values())
    active = next(iter(shop.active.values()))

    result = gm("purchases", "restore", shop.product, revoked[0].id, active.id)

    assert result.exit_code == 0, result.output
    assert "restored: 1 · already active: 1 · failed: 0" in result.stderr
    assert not all_purchases(api, shop.product)[revoked[0].id].revoked


def test_revoke_dry_run_changes_nothing(gm: Invoke, shop: Shop, api: ProductPurchasesApi) -> None:
    before = all_purchases(api, shop.product)
    purchase = next(iter(shop.active.values()))

    result = gm("purchases", "revoke", shop.product, purchase.id, "--dry-run", "-f", "jsonl")

    assert result.exit_code == 0, result.output
    assert parse_jsonl(result.stdout)[0]["message"] == "would revoke"
    assert "would revoke: 1" in result.stderr
    assert all_purchases(api, shop.product) == before


def test_revoke_from_an_export_file(
    gm: Invoke, shop: Shop, api: ProductPurchasesApi, tmp_path: Path
) -> None:
    export = tmp_path / "active.csv"
    exported = gm("purchases", "export", shop.product, "-o", str(export), "--active")

    result = gm("purchases", "revoke", shop.product, "--from", str(export), "-f", "jsonl")

    assert exported.exit_code == 0, exported.output
    assert result.exit_code == 0, result.output
    assert {row["target"] for row in parse_jsonl(result.stdout)} == {
        p.id for p in shop.active.values()
    }
    assert all(p.revoked for p in all_purchases(api, shop.product).values())


def test_restore_from_a_file_of_user_ids(
    gm: Invoke, shop: Shop, api: ProductPurchasesApi, tmp_path: Path
) -> None:
    source = tmp_path / "owners.csv"
    source.write_text("userId\n" + "\n".join(shop.revoked) + "\n", encoding="utf-8")

    result = gm("purchases", "restore", shop.product, "--from", str(source), "-f", "jsonl")

    assert result.exit_code == 0, result.output
    assert {row["userId"] for row in parse_jsonl(result.stdout)} == set(shop.revoked)
    assert all(not p.revoked for p in all_purchases(api, shop.product).values())


def test_revoke_without_targets_is_a_usage_error(gm: Invoke, shop: Shop) -> None:
    result = gm("purchases", "revoke", shop.product)

    assert result.exit_code == 2
    assert "give at least one PURCHASE_ID" in flat(result.stderr)


def test_from_file_skips_comments_and_an_unknown_header(
    gm: Invoke, shop: Shop, tmp_path: Path
) -> None:
    source = tmp_path / "users.txt"
    source.write_text("customer\n# new customers\n" + "\n".join(shop.free_users) + "\n")

    result = gm("purchases", "grant", shop.product, "--from", str(source), "-f", "jsonl")

    assert result.exit_code == 0, result.output
    assert [row["target"] for row in parse_jsonl(result.stdout)] == shop.free_users


def test_from_a_binary_file_is_a_usage_error(gm: Invoke, shop: Shop, tmp_path: Path) -> None:
    source = tmp_path / "users.xlsx"
    source.write_bytes(b"PK\x03\x04\xff\xfe\x00\x81")

    result = gm("purchases", "grant", shop.product, "--from", str(source))

    assert result.exit_code == 2
    assert f"cannot read {source}" in flat(result.stderr)
