"""Permission groups: everyone with the ability reads them; only staff change them."""

from __future__ import annotations

import uuid

import httpx
import pytest

from gmodstore_sandbox.testing import Sandbox

from .conftest import error, ok, walk

GROUPS = "/v3/permission-groups"


def test_builtin_and_seeded_groups(owner: httpx.Client, sandbox: Sandbox) -> None:
    groups = walk(owner, GROUPS, perPage=1)
    titles = [g["title"] for g in groups]
    assert titles[:3] == ["Member", "Staff", "Verified Seller"]
    member = groups[0]
    assert (member["default"], member["editable"]) == (True, False)
    seller = ok(owner.get(f"{GROUPS}/{sandbox.ids.seller_group_id}"))["data"]
    assert seller["commissionRate"] == 15 and seller["editable"] is True
    batch = ok(owner.get(f"{GROUPS}/batch", params={"ids[]": [seller["id"], member["id"]]}))
    assert [g["id"] for g in batch["data"]] == [seller["id"], member["id"]]


def test_staff_create_update_delete(staff: httpx.Client, sandbox: Sandbox) -> None:
    created = ok(staff.post(GROUPS, json={"title": "Moderators", "permissions": '{"a": 1}'}), 201)
    group = created["data"]
    assert (group["title"], group["permissions"], group["default"]) == (
        "Moderators",
        '{"a": 1}',
        False,
    )
    path = f"{GROUPS}/{group['id']}"
    updated = ok(staff.put(path, json={"title": "Mods"}))["data"]
    assert (updated["title"], updated["permissions"]) == ("Mods", '{"a": 1}')
    # A user in the group falls back to the default group when it is deleted.
    user = sandbox.new_user("Moderator")
    from sqlalchemy import update

    from gmodstore_sandbox.storage.tables import User

    with sandbox._engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.id == uuid.UUID(user))
            .values(permission_group_id=uuid.UUID(group["id"]))
        )
    assert ok(staff.get(f"/v3/users/{user}"))["data"]["permissionGroupId"] == group["id"]
    assert ok(staff.delete(path))["data"]["title"] == "Mods"
    error(staff.get(path), 404)
    error(staff.delete(path), 404)
    default = ok(staff.get(f"/v3/users/{user}"))["data"]["permissionGroupId"]
    assert ok(staff.get(f"{GROUPS}/{default}"))["data"]["default"] is True


def test_builtin_groups_cannot_change(staff: httpx.Client) -> None:
    member = walk(staff, GROUPS)[0]
    error(staff.put(f"{GROUPS}/{member['id']}", json={"title": "Plebs"}), 403)
    error(staff.delete(f"{GROUPS}/{member['id']}"), 403)


def test_non_staff_cannot_change_groups(owner: httpx.Client, sandbox: Sandbox) -> None:
    error(owner.post(GROUPS, json={"title": "Mine", "permissions": "{}"}), 403)
    error(owner.put(f"{GROUPS}/{sandbox.ids.seller_group_id}", json={"title": "Mine"}), 403)
    error(owner.delete(f"{GROUPS}/{sandbox.ids.seller_group_id}"), 403)


@pytest.mark.parametrize(
    "body",
    [{}, {"title": "ab", "permissions": "{}"}, {"title": "Okay"},
     {"title": "Okay", "permissions": "not json"}, {"title": "Okay", "permissions": {"a": 1}}],
    ids=["empty", "short-title", "no-permissions", "bad-json", "object"],
)  # fmt: skip
def test_bad_group_body_is_400(staff: httpx.Client, body: object) -> None:
    error(staff.post(GROUPS, json=body), 400)


def test_unknown_group_is_404(owner: httpx.Client) -> None:
    error(owner.get(f"{GROUPS}/{uuid.uuid4()}"), 404)
    error(owner.get(f"{GROUPS}/123"), 404)
